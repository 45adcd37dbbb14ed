#include "storage/capture.hpp"

#include <algorithm>
#include <set>

#include "core/text.hpp"

namespace carnet::storage {
namespace {

using core::fail;
using core::InspectionStatus;
using core::Value;
namespace field = core::field;
namespace entity = core::entity;
namespace row_field = core::row_field;

std::string quoted(std::string_view s) { return "« " + std::string(s) + " »"; }

core::FieldSpec spec_of(const core::Column& c, std::string_view name) {
  return {name, c.type, &c.choices, c.min, c.max};
}

std::string text_or_empty(const std::map<std::string, FieldValue>& f, std::string_view key) {
  auto it = f.find(std::string(key));
  if (it == f.end() || it->second.value.kind() != core::ValueKind::kText) return {};
  return it->second.value.as_text();
}

// A table known to an inspection: a table item of its grid, or one of the canvas's own.
struct TableRef {
  std::string key;
  int item = -1;  // grid item index, or -1 for the canvas's own tables
  const std::vector<core::Column>* columns = nullptr;
  int max_rows = core::kMaxTableRows;
};

std::optional<TableRef> find_table(const core::Grid& grid, std::string_view key) {
  if (auto item = grid.find_item(key); item && grid.item(*item).type == core::ItemType::kTable) {
    return TableRef{std::string(key), *item, &grid.item(*item).columns, grid.item(*item).max_rows};
  }
  if (const auto* t = core::find_inspection_table(key)) return TableRef{t->key, -1, &t->columns, core::kMaxTableRows};
  return std::nullopt;
}

std::vector<std::string> column_keys(const TableRef& t) {
  std::vector<std::string> keys;
  for (const auto& c : *t.columns) keys.push_back(c.key);
  return keys;
}

}  // namespace

struct Capture::Header {
  std::string id;
  std::string dossier_id;
  std::shared_ptr<const core::Grid> grid;
  InspectionStatus status = InspectionStatus::kDraft;
};

Result<std::size_t> Capture::import_dossiers(const std::vector<core::Dossier>& dossiers) {
  auto node = replica_.node();
  if (!node) return fail(node.error());
  for (const auto& d : dossiers) {
    auto grid = replica_.grid(d.kind);
    if (!grid) {
      return fail(Status::invalid_argument("dossier " + d.id + " : type " + quoted(d.kind) +
                                           " inconnu (aucune grille de ce nom, voir « carnet grid list »)"));
    }
  }
  auto tx = Transaction::begin(replica_.db());
  if (!tx) return fail(tx.error());
  const core::Hlc hlc = replica_.tick();
  const core::Version version{hlc, node->node_id};
  for (const auto& d : dossiers) {
    CARNET_RETURN_IF_ERROR_R(replica_.create_entity(**tx, entity::kDossier, d.id, {}));
    const core::Json j = core::dossier_to_json(d);
    for (const char* key : {"kind", "name", "reference", "holder", "address"}) {
      const core::Json* v = j.find(key);
      CARNET_RETURN_IF_ERROR_R(replica_.put(**tx, entity::kDossier, d.id, key,
                                            v ? Value::text(v->as_string()) : Value(), version));
    }
    auto count = [](const std::optional<std::int64_t>& n) {
      return n ? Value::number(core::Number::integer(*n)) : Value();
    };
    CARNET_RETURN_IF_ERROR_R(replica_.put(**tx, entity::kDossier, d.id, "capacity", count(d.capacity), version));
    CARNET_RETURN_IF_ERROR_R(
        replica_.put(**tx, entity::kDossier, d.id, "subsidised_places", count(d.subsidised_places), version));
    CARNET_RETURN_IF_ERROR_R(replica_.put(**tx, entity::kDossier, d.id, "last_visit",
                                          d.last_visit ? Value::date(*d.last_visit) : Value(), version));
    CARNET_RETURN_IF_ERROR_R(replica_.put(**tx, entity::kDossier, d.id, "recommendations",
                                          Value::text(j.find("recommendations")->dump()), version));
  }
  CARNET_RETURN_IF_ERROR_R((*tx)->commit());
  return dossiers.size();
}

Result<core::Dossier> Capture::dossier(std::string_view id) {
  auto exists = replica_.entity_exists(entity::kDossier, id);
  if (!exists) return fail(exists.error());
  if (!*exists) return fail(Status::not_found("dossier inconnu : " + std::string(id)));
  auto f = replica_.fields(entity::kDossier, id);
  if (!f) return fail(f.error());
  core::Dossier d;
  d.id = std::string(id);
  d.kind = text_or_empty(*f, "kind");
  d.name = text_or_empty(*f, "name");
  d.reference = text_or_empty(*f, "reference");
  d.holder = text_or_empty(*f, "holder");
  d.address = text_or_empty(*f, "address");
  auto count = [&](const char* key) -> std::optional<std::int64_t> {
    auto it = f->find(key);
    if (it == f->end() || it->second.value.kind() != core::ValueKind::kNumber) return std::nullopt;
    return it->second.value.as_number().numerator();
  };
  d.capacity = count("capacity");
  d.subsidised_places = count("subsidised_places");
  if (auto it = f->find("last_visit"); it != f->end() && it->second.value.kind() == core::ValueKind::kDate) {
    d.last_visit = it->second.value.as_date();
  }
  const std::string recs = text_or_empty(*f, "recommendations");
  if (!recs.empty()) {
    auto j = core::Json::parse(recs);
    if (!j || j->kind() != core::Json::Kind::kArray) return fail(Status::corruption("dossier " + d.id + " : recommandations illisibles"));
    for (const auto& r : j->as_array()) {
      if (r.kind() == core::Json::Kind::kString) d.recommendations.push_back(r.as_string());
    }
  }
  return d;
}

Result<std::vector<core::Dossier>> Capture::dossiers() {
  auto ids = replica_.entities(entity::kDossier);
  if (!ids) return fail(ids.error());
  std::vector<core::Dossier> out;
  for (const auto& id : *ids) {
    auto d = dossier(id);
    if (!d) return fail(d.error());
    out.push_back(std::move(*d));
  }
  return out;
}

Result<std::string> Capture::start(std::string_view dossier_id, std::optional<std::string> grid_key,
                                   std::optional<core::Date> visit_date) {
  auto node = replica_.node();
  if (!node) return fail(node.error());
  auto d = dossier(dossier_id);
  if (!d) return fail(d.error());
  auto grid = replica_.grid(grid_key.value_or(d->kind));
  if (!grid) return fail(grid.error());
  const std::string id = replica_.new_id().to_string();
  const std::string gkey = (*grid)->key();
  const int gversion = (*grid)->version();

  auto tx = Transaction::begin(replica_.db());
  if (!tx) return fail(tx.error());
  const core::Hlc hlc = replica_.tick();
  auto put = [&](std::string_view type, const std::string& eid, std::string_view f, const Value& v) -> Status {
    auto c = replica_.write(**tx, type, eid, f, v, hlc, gkey, gversion);
    return c ? Status::ok_status() : c.error();
  };
  CARNET_RETURN_IF_ERROR_R(replica_.create_entity(**tx, entity::kInspection, id, d->id));
  CARNET_RETURN_IF_ERROR_R(put(entity::kInspection, id, field::kDossier, Value::text(d->id)));
  CARNET_RETURN_IF_ERROR_R(put(entity::kInspection, id, field::kGrid, Value::text(gkey)));
  CARNET_RETURN_IF_ERROR_R(put(entity::kInspection, id, field::kGridVersion, Value::number(core::Number::integer(gversion))));
  CARNET_RETURN_IF_ERROR_R(put(entity::kInspection, id, field::kStatus,
                               Value::text(std::string(core::inspection_status_name(InspectionStatus::kDraft)))));
  CARNET_RETURN_IF_ERROR_R(put(entity::kInspection, id, field::kLeadInspector, Value::text(node->inspector_id)));
  if (visit_date) CARNET_RETURN_IF_ERROR_R(put(entity::kInspection, id, field::kVisitDate, Value::date(*visit_date)));
  if (d->last_visit) CARNET_RETURN_IF_ERROR_R(put(entity::kInspection, id, field::kPreviousVisit, Value::date(*d->last_visit)));
  for (const auto& rec : d->recommendations) {
    const std::string row = replica_.new_id().to_string();
    CARNET_RETURN_IF_ERROR_R(replica_.create_entity(**tx, entity::kRow, row, id));
    CARNET_RETURN_IF_ERROR_R(put(entity::kRow, row, row_field::kInspection, Value::text(id)));
    CARNET_RETURN_IF_ERROR_R(put(entity::kRow, row, row_field::kTable, Value::text(std::string(core::kPreviousRecommendationsTable))));
    CARNET_RETURN_IF_ERROR_R(put(entity::kRow, row, std::string(row_field::kCellPrefix) + "recommandation", Value::text(rec)));
  }
  CARNET_RETURN_IF_ERROR_R((*tx)->commit());
  return id;
}

Result<Capture::Header> Capture::header(std::string_view inspection_id) {
  auto f = replica_.some_fields(entity::kInspection, inspection_id,
                                {field::kStatus, field::kGrid, field::kGridVersion, field::kDossier});
  if (!f) return fail(f.error());
  if (f->empty()) return fail(Status::not_found("inspection inconnue : " + std::string(inspection_id)));
  auto get = [&](std::string_view key) -> const Value& {
    static const Value kNull;
    auto it = f->find(key);
    return it == f->end() ? kNull : it->second.value;
  };
  const Value& status = get(field::kStatus);
  const Value& gkey = get(field::kGrid);
  const Value& gversion = get(field::kGridVersion);
  const Value& dossier_id = get(field::kDossier);
  if (status.kind() != core::ValueKind::kText || gkey.kind() != core::ValueKind::kText ||
      gversion.kind() != core::ValueKind::kNumber || dossier_id.kind() != core::ValueKind::kText) {
    return fail(Status::corruption("inspection " + std::string(inspection_id) + " incomplète dans la base"));
  }
  auto parsed = core::parse_inspection_status(status.as_text());
  if (!parsed) return fail(Status::corruption("statut d'inspection illisible : " + status.as_text()));
  auto grid = replica_.grid(gkey.as_text(), static_cast<int>(gversion.as_number().numerator()));
  if (!grid) return fail(grid.error());
  return Header{std::string(inspection_id), dossier_id.as_text(), *grid, *parsed};
}

Result<std::vector<TableRow>> Capture::table_rows(std::string_view inspection_id, std::string_view table,
                                                  std::size_t columns, const std::vector<std::string>& keys) {
  auto ids = replica_.entities(entity::kRow, inspection_id);
  if (!ids) return fail(ids.error());
  std::vector<TableRow> out;
  for (const auto& id : *ids) {
    auto f = replica_.fields(entity::kRow, id);
    if (!f) return fail(f.error());
    if (text_or_empty(*f, row_field::kTable) != table) continue;
    if (auto del = f->find(std::string(row_field::kDeleted));
        del != f->end() && del->second.value.kind() == core::ValueKind::kBool && del->second.value.as_bool()) {
      continue;
    }
    TableRow row{id, std::vector<Value>(columns)};
    for (std::size_t c = 0; c < keys.size() && c < columns; ++c) {
      if (auto it = f->find(std::string(row_field::kCellPrefix) + keys[c]); it != f->end()) row.cells[c] = it->second.value;
    }
    out.push_back(std::move(row));
  }
  return out;
}

Result<std::size_t> Capture::set(std::string_view inspection_id, const std::vector<std::string>& assignments) {
  auto h = header(inspection_id);
  if (!h) return fail(h.error());
  const core::Grid& grid = *h->grid;
  if (assignments.empty()) return fail(Status::invalid_argument("rien à enregistrer : donner au moins une CLÉ=VALEUR"));
  if (assignments.size() > 10000) return fail(Status::out_of_range("au plus 10 000 valeurs par commande"));

  std::vector<Write> writes;
  std::map<std::string, std::string> new_rows;               // "table[+label]" -> new row id
  std::map<std::string, std::vector<TableRow>> rows_cache;   // existing rows per table
  std::map<std::string, std::size_t> added_per_table;
  bool content_edit = false;

  for (const std::string& a : assignments) {
    const auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0) {
      return fail(Status::invalid_argument(quoted(a) + " : CLÉ=VALEUR attendu"));
    }
    const std::string key = a.substr(0, eq);
    const std::string text = a.substr(eq + 1);
    CARNET_RETURN_IF_ERROR_R(core::check_edit(h->status, key));
    if (key != field::kHolderAnswer) content_edit = true;

    if (const auto open = key.find('['); open != std::string::npos) {
      // A table cell: TABLE[SPEC].COLUMN
      const auto close = key.find(']', open);
      if (close == std::string::npos || close + 1 >= key.size() || key[close + 1] != '.') {
        return fail(Status::invalid_argument(quoted(key) + " : TABLEAU[+].colonne ou TABLEAU[N].colonne attendu"));
      }
      const std::string table = key.substr(0, open);
      const std::string spec = key.substr(open + 1, close - open - 1);
      const std::string column = key.substr(close + 2);
      auto t = find_table(grid, table);
      if (!t) return fail(Status::invalid_argument(quoted(table) + " n'est pas un tableau de la grille " + grid.key()));
      const auto keys = column_keys(*t);
      const auto col_it = std::find(keys.begin(), keys.end(), column);
      if (col_it == keys.end()) {
        std::string list;
        for (const auto& k : keys) list += (list.empty() ? "" : ", ") + k;
        return fail(Status::invalid_argument(table + " : colonne inconnue " + quoted(column) + " (colonnes : " + list + ")"));
      }
      const auto col = static_cast<std::size_t>(col_it - keys.begin());
      auto value = t->item >= 0 ? grid.parse_cell(t->item, static_cast<int>(col), text)
                                : core::parse_field(spec_of((*t->columns)[col], table + "[" + column + "]"), text);
      if (!value) return fail(value.error());
      std::string row_id;
      if (!spec.empty() && spec[0] == '+') {
        const std::string label = table + "[" + (spec.size() == 1 ? "+1" : spec) + "]";
        auto it = new_rows.find(label);
        if (it == new_rows.end()) {
          if (spec.size() > 1 && !std::all_of(spec.begin() + 1, spec.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            return fail(Status::invalid_argument(quoted(key) + " : [+] ou [+N] attendu pour une nouvelle ligne"));
          }
          if (!rows_cache.contains(table)) {
            auto rows = table_rows(h->id, table, keys.size(), keys);
            if (!rows) return fail(rows.error());
            rows_cache[table] = std::move(*rows);
          }
          if (rows_cache[table].size() + ++added_per_table[table] > static_cast<std::size_t>(t->max_rows)) {
            return fail(Status::out_of_range(table + " : au plus " + std::to_string(t->max_rows) + " lignes"));
          }
          it = new_rows.emplace(label, replica_.new_id().to_string()).first;
          writes.push_back({std::string(entity::kRow), it->second, std::string(row_field::kInspection), Value::text(h->id)});
          writes.push_back({std::string(entity::kRow), it->second, std::string(row_field::kTable), Value::text(table)});
        }
        row_id = it->second;
      } else {
        if (spec.empty() || spec.size() > 6 || !std::all_of(spec.begin(), spec.end(), [](char c) { return c >= '0' && c <= '9'; })) {
          return fail(Status::invalid_argument(quoted(key) + " : numéro de ligne attendu entre crochets (ou [+] pour une nouvelle ligne)"));
        }
        if (!rows_cache.contains(table)) {
          auto rows = table_rows(h->id, table, keys.size(), keys);
          if (!rows) return fail(rows.error());
          rows_cache[table] = std::move(*rows);
        }
        const auto position = std::stoul(spec);
        if (position < 1 || position > rows_cache[table].size()) {
          return fail(Status::out_of_range(table + " : pas de ligne " + spec + " (" +
                                           std::to_string(rows_cache[table].size()) + " ligne(s))"));
        }
        row_id = rows_cache[table][position - 1].id;
      }
      writes.push_back({std::string(entity::kRow), row_id, std::string(row_field::kCellPrefix) + column, std::move(*value)});
      continue;
    }

    if (key.starts_with(field::kRemarksPrefix) || key.starts_with(field::kRecommendationsPrefix)) {
      const std::string section = key.substr(key.find('.') + 1);
      if (!grid.find_section(section)) {
        return fail(Status::invalid_argument(quoted(key) + " : section inconnue " + quoted(section) + " dans la grille " + grid.key()));
      }
      const core::Column text_column{key, key, core::ItemType::kText, {}, {}, {}, {}};
      auto value = core::parse_field(spec_of(text_column, key), text);
      if (!value) return fail(value.error());
      writes.push_back({std::string(entity::kInspection), h->id, key, std::move(*value)});
      continue;
    }

    if (const auto* meta = core::find_inspection_field(key)) {
      if (meta->system) {
        return fail(Status::invalid_argument(quoted(key) + " est géré par Carnet et ne peut pas être modifié directement"));
      }
      auto value = core::parse_field(spec_of(meta->spec, key), text);
      if (!value) return fail(value.error());
      writes.push_back({std::string(entity::kInspection), h->id, key, std::move(*value)});
      continue;
    }

    auto item = grid.find_item(key);
    if (!item) {
      return fail(Status::invalid_argument("clé inconnue " + quoted(key) + " pour la grille " + grid.key() + " v" +
                                           std::to_string(grid.version()) + " (voir « carnet grid show " + grid.key() + " »)"));
    }
    auto value = grid.parse_input(*item, text);
    if (!value) return fail(value.error());
    writes.push_back({std::string(entity::kInspection), h->id, key, std::move(*value)});
  }

  std::vector<std::string> created;
  for (const auto& [label, id] : new_rows) created.push_back(id);
  std::optional<InspectionStatus> next;
  if (content_edit) next = core::status_after_edit(h->status, "");
  return commit(*h, writes, std::move(created), next, Transition::kIfChanged);
}

Result<std::size_t> Capture::commit(const Header& h, const std::vector<Write>& writes, std::vector<std::string> new_rows,
                                    std::optional<InspectionStatus> new_status, Transition when) {
  auto tx = Transaction::begin(replica_.db());
  if (!tx) return fail(tx.error());
  const core::Hlc hlc = replica_.tick();
  for (const auto& row : new_rows) CARNET_RETURN_IF_ERROR_R(replica_.create_entity(**tx, entity::kRow, row, h.id));
  std::size_t changed = 0;
  for (const auto& w : writes) {
    auto c = replica_.write(**tx, w.entity_type, w.entity_id, w.field, w.value, hlc, h.grid->key(), h.grid->version());
    if (!c) return fail(c.error());
    if (*c) ++changed;
  }
  if (new_status && *new_status != h.status && (changed > 0 || when == Transition::kAlways)) {
    auto c = replica_.write(**tx, entity::kInspection, h.id, field::kStatus,
                            Value::text(std::string(core::inspection_status_name(*new_status))), hlc, h.grid->key(),
                            h.grid->version());
    if (!c) return fail(c.error());
  }
  CARNET_RETURN_IF_ERROR_R((*tx)->commit());
  return changed;
}

Status Capture::delete_row(std::string_view inspection_id, std::string_view table, int position) {
  auto h = header(inspection_id);
  if (!h) return h.error();
  CARNET_RETURN_IF_ERROR(core::check_edit(h->status, table));
  auto t = find_table(*h->grid, table);
  if (!t) return Status::invalid_argument(quoted(table) + " n'est pas un tableau de la grille " + h->grid->key());
  const auto keys = column_keys(*t);
  auto rows = table_rows(h->id, table, keys.size(), keys);
  if (!rows) return rows.error();
  if (position < 1 || static_cast<std::size_t>(position) > rows->size()) {
    return Status::out_of_range(std::string(table) + " : pas de ligne " + std::to_string(position) + " (" +
                                std::to_string(rows->size()) + " ligne(s))");
  }
  std::vector<Write> writes = {{std::string(entity::kRow), (*rows)[static_cast<std::size_t>(position - 1)].id,
                                std::string(row_field::kDeleted), Value::boolean(true)}};
  auto r = commit(*h, writes, {}, core::status_after_edit(h->status, table), Transition::kIfChanged);
  return r ? Status::ok_status() : r.error();
}

Status Capture::complete(std::string_view inspection_id) {
  auto view = load(inspection_id);
  if (!view) return view.error();
  core::InspectionState state;
  state.status = view->status;
  if (const auto& d = view->field(field::kVisitDate); d.kind() == core::ValueKind::kDate) state.visit_date = d.as_date();
  if (const auto& f = view->field(field::kFollowUp); f.kind() == core::ValueKind::kText) state.follow_up = f.as_text();
  if (const auto& n = view->field(field::kFollowUpDays); n.kind() == core::ValueKind::kNumber) state.follow_up_days = n.as_number();
  if (const auto& o = view->field(field::kFollowUpOther); o.kind() == core::ValueKind::kText) state.follow_up_other = o.as_text();
  CARNET_RETURN_IF_ERROR(core::check_complete(state));
  Header h{view->id, view->dossier.id, view->grid, view->status};
  const std::vector<Write> writes = {{std::string(entity::kInspection), view->id, std::string(field::kCompletedAt),
                                      Value::text(core::iso_timestamp(replica_.clock().now_ms()))}};
  auto r = commit(h, writes, {}, InspectionStatus::kCompleted, Transition::kAlways);
  return r ? Status::ok_status() : r.error();
}

Status Capture::sign(std::string_view inspection_id) {
  auto h = header(inspection_id);
  if (!h) return h.error();
  core::InspectionState state;
  state.status = h->status;
  CARNET_RETURN_IF_ERROR(core::check_sign(state));
  auto node = replica_.node();
  if (!node) return node.error();
  const std::vector<Write> writes = {
      {std::string(entity::kInspection), h->id, std::string(field::kSignedAt),
       Value::text(core::iso_timestamp(replica_.clock().now_ms()))},
      {std::string(entity::kInspection), h->id, std::string(field::kSignedBy), Value::text(node->inspector_id)}};
  auto r = commit(*h, writes, {}, InspectionStatus::kSigned, Transition::kAlways);
  return r ? Status::ok_status() : r.error();
}

Result<InspectionView> Capture::load(std::string_view inspection_id) {
  auto h = header(inspection_id);
  if (!h) return fail(h.error());
  InspectionView view;
  view.id = h->id;
  view.grid = h->grid;
  view.status = h->status;
  auto d = dossier(h->dossier_id);
  if (!d) return fail(d.error());
  view.dossier = std::move(*d);
  auto f = replica_.fields(entity::kInspection, h->id);
  if (!f) return fail(f.error());
  view.answers = std::make_unique<core::AnswerSet>(h->grid);
  for (auto& [key, fv] : *f) {
    if (auto item = h->grid->find_item(key); item && h->grid->item(*item).type != core::ItemType::kTable) {
      view.answers->set(*item, fv.value);
    }
    if (!fv.value.is_null()) view.fields.emplace(key, std::move(fv.value));
  }
  if (const auto& date = view.field(field::kVisitDate); date.kind() == core::ValueKind::kDate) {
    view.answers->set_visit_date(date.as_date());
  }
  // All rows of the inspection, grouped by table.
  std::vector<std::string> tables;
  for (const auto& t : core::inspection_tables()) tables.push_back(t.key);
  for (int i = 0; i < h->grid->item_count(); ++i) {
    if (h->grid->item(i).type == core::ItemType::kTable) tables.push_back(h->grid->item(i).key);
  }
  for (const auto& table : tables) {
    auto t = find_table(*h->grid, table);
    const auto keys = column_keys(*t);
    auto rows = table_rows(h->id, table, keys.size(), keys);
    if (!rows) return fail(rows.error());
    if (t->item >= 0) {
      for (const auto& row : *rows) view.answers->add_row(t->item, row.cells);
    }
    view.rows.emplace(table, std::move(*rows));
  }
  return view;
}

Result<std::vector<InspectionSummary>> Capture::list() {
  auto ids = replica_.entities(entity::kInspection);
  if (!ids) return fail(ids.error());
  std::vector<InspectionSummary> out;
  for (const auto& id : *ids) {
    auto h = header(id);
    if (!h) return fail(h.error());
    InspectionSummary s{id, h->dossier_id, h->grid->key(), h->status, std::nullopt};
    auto date = replica_.field(entity::kInspection, id, field::kVisitDate);
    if (!date) return fail(date.error());
    if (*date && (*date)->value.kind() == core::ValueKind::kDate) s.visit_date = (*date)->value.as_date();
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace carnet::storage
