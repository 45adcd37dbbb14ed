#include "storage/capture.hpp"

#include <algorithm>
#include <set>
#include <tuple>

#include "core/addendum.hpp"
#include "core/report_signature.hpp"
#include "core/text.hpp"
#include "core/validation.hpp"

namespace carnet::storage {
namespace {

using core::fail;
using core::InspectionStatus;
using core::Value;
namespace field = core::field;
namespace entity = core::entity;
namespace row_field = core::row_field;

core::FieldSpec spec_of(const core::Column& c, std::string_view name) {
  return {name, c.type, &c.choices, c.min, c.max};
}

}  // namespace


Result<std::size_t> Capture::import_dossiers(const std::vector<core::Dossier>& dossiers) {
  auto node = replica_.node();
  if (!node) return fail(node.error());
  for (const auto& d : dossiers) {
    auto grid = replica_.grid(d.kind);
    if (!grid) {
      return fail(Status::invalid_argument("stockage.capture.type_inconnu", {{"id", d.id}, {"type", d.kind}}));
    }
  }
  auto tx = Transaction::begin(replica_.db());
  if (!tx) return fail(tx.error());
  auto hlc = replica_.tick(**tx);
  if (!hlc) return fail(hlc.error());
  const core::Version version{*hlc, node->node_id};
  for (const auto& d : dossiers) {
    CARNET_RETURN_IF_ERROR_R(replica_.create_entity(**tx, {entity::kDossier, d.id, {}, d.id}));
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

Result<core::Dossier> Capture::dossier(std::string_view id) { return read_dossier(replica_, id); }
Result<std::vector<core::Dossier>> Capture::dossiers() { return read_dossiers(replica_); }

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
  auto hlc = replica_.tick(**tx);
  if (!hlc) return fail(hlc.error());
  const EntityRef inspection{entity::kInspection, id, d->id, d->id};
  auto put = [&](const EntityRef& e, std::string_view f, const Value& v) -> Status {
    auto c = replica_.write(**tx, e, f, v, *hlc, gkey, gversion);
    return c ? Status::ok_status() : c.error();
  };
  CARNET_RETURN_IF_ERROR_R(replica_.create_entity(**tx, inspection));
  CARNET_RETURN_IF_ERROR_R(put(inspection, field::kDossier, Value::text(d->id)));
  CARNET_RETURN_IF_ERROR_R(put(inspection, field::kGrid, Value::text(gkey)));
  CARNET_RETURN_IF_ERROR_R(put(inspection, field::kGridVersion, Value::number(core::Number::integer(gversion))));
  CARNET_RETURN_IF_ERROR_R(put(inspection, field::kStatus,
                               Value::text(std::string(core::inspection_status_name(InspectionStatus::kDraft)))));
  CARNET_RETURN_IF_ERROR_R(put(inspection, field::kLeadInspector, Value::text(node->inspector_id)));
  if (visit_date) CARNET_RETURN_IF_ERROR_R(put(inspection, field::kVisitDate, Value::date(*visit_date)));
  if (d->last_visit) CARNET_RETURN_IF_ERROR_R(put(inspection, field::kPreviousVisit, Value::date(*d->last_visit)));
  for (const auto& rec : d->recommendations) {
    const std::string row_id = replica_.new_id().to_string();
    const EntityRef row{entity::kRow, row_id, id, d->id};
    CARNET_RETURN_IF_ERROR_R(replica_.create_entity(**tx, row));
    CARNET_RETURN_IF_ERROR_R(put(row, row_field::kInspection, Value::text(id)));
    CARNET_RETURN_IF_ERROR_R(put(row, row_field::kTable, Value::text(std::string(core::kPreviousRecommendationsTable))));
    CARNET_RETURN_IF_ERROR_R(put(row, std::string(row_field::kCellPrefix) + "recommandation", Value::text(rec)));
  }
  CARNET_RETURN_IF_ERROR_R((*tx)->commit());
  return id;
}

Result<std::size_t> Capture::set(std::string_view inspection_id, const std::vector<Edit>& edits) {
  auto h = read_header(replica_, inspection_id);
  if (!h) return fail(h.error());
  const core::Grid& grid = *h->grid;
  if (edits.empty()) return fail(Status::invalid_argument("stockage.capture.rien_a_enregistrer"));
  if (edits.size() > 10000) return fail(Status::out_of_range("stockage.capture.trop_de_valeurs"));

  std::vector<Write> writes;
  std::map<std::pair<std::string, std::size_t>, std::string>
      new_rows;                                             // (table, number) -> new row id
  std::map<std::string, std::vector<TableRow>> rows_cache;  // existing rows per table
  std::map<std::string, std::size_t> added_per_table;
  bool content_edit = false;
  // A field given twice in one command would write two changes with one version: refused.
  std::set<std::tuple<std::string, std::string, std::string>> written;
  auto once = [&](const Write& w, const KeyPath& path) -> Status {
    if (written.emplace(w.entity_type, w.entity_id, w.field).second) return Status::ok_status();
    if (path.is_new_row_cell()) {
      return Status::invalid_argument(
          "stockage.capture.nouvelle_ligne_repetee",
          {{"cle", path.text()}, {"tableau", path.key}, {"colonne", path.column}});
    }
    return Status::invalid_argument("stockage.capture.cle_repetee", {{"cle", path.text()}});
  };
  auto rows_of = [&](const TableRef& t) -> Result<const std::vector<TableRow>*> {
    auto it = rows_cache.find(t.key);
    if (it == rows_cache.end()) {
      auto rows = read_table_rows(replica_, h->id, t);
      if (!rows) return fail(rows.error());
      it = rows_cache.emplace(t.key, std::move(*rows)).first;
    }
    return &it->second;
  };

  for (const Edit& edit : edits) {
    const KeyPath& path = edit.path;
    const std::string& key = path.key;
    const std::string_view text =
        edit.text ? std::string_view(*edit.text) : std::string_view();  // blank clears
    CARNET_RETURN_IF_ERROR_R(core::check_edit(h->status, key));
    if (key != field::kHolderAnswer) content_edit = true;

    if (path.row) {
      auto t = find_table(grid, key);
      if (!t) {
        return fail(Status::invalid_argument("stockage.capture.pas_un_tableau",
                                             {{"tableau", key}, {"grille", grid.key()}}));
      }
      const auto keys = t->column_keys();
      const auto col_it = std::find(keys.begin(), keys.end(), path.column);
      if (col_it == keys.end()) {
        std::string list;
        for (const auto& k : keys) list += (list.empty() ? "" : ", ") + k;
        return fail(Status::invalid_argument(
            "stockage.capture.colonne_inconnue",
            {{"tableau", key}, {"colonne", path.column}, {"colonnes", list}}));
      }
      const auto col = static_cast<std::size_t>(col_it - keys.begin());
      auto value =
          t->item >= 0
              ? grid.parse_cell(t->item, static_cast<int>(col), text)
              : core::parse_field(spec_of((*t->columns)[col], key + "[" + path.column + "]"), text);
      if (!value) return fail(value.error());
      auto rows = rows_of(*t);
      if (!rows) return fail(rows.error());
      std::string row_id;
      if (const auto* added = std::get_if<NewRow>(&*path.row)) {
        auto it = new_rows.find({key, added->number});
        if (it == new_rows.end()) {
          if ((*rows)->size() + ++added_per_table[key] > static_cast<std::size_t>(t->max_rows)) {
            return fail(Status::out_of_range("stockage.capture.trop_de_lignes",
                                             {{"tableau", key}, {"max", t->max_rows}}));
          }
          it = new_rows.emplace(std::pair(key, added->number), replica_.new_id().to_string()).first;
          writes.push_back({std::string(entity::kRow), it->second, std::string(row_field::kInspection), Value::text(h->id)});
          writes.push_back({std::string(entity::kRow), it->second, std::string(row_field::kTable),
                            Value::text(key)});
        }
        row_id = it->second;
      } else {
        const std::size_t position = std::get<ExistingRow>(*path.row).position;
        if (position < 1 || position > (*rows)->size()) {
          return fail(Status::out_of_range(
              "stockage.capture.ligne_absente",
              {{"tableau", key}, {"ligne", position}, {"n", (*rows)->size()}}));
        }
        row_id = (**rows)[position - 1].id;
      }
      writes.push_back({std::string(entity::kRow), row_id,
                        std::string(row_field::kCellPrefix) + path.column, std::move(*value)});
      CARNET_RETURN_IF_ERROR_R(once(writes.back(), path));
      continue;
    }

    if (key.starts_with(field::kRemarksPrefix) || key.starts_with(field::kRecommendationsPrefix)) {
      const std::string section = key.substr(key.find('.') + 1);
      if (!grid.find_section(section)) {
        return fail(Status::invalid_argument("stockage.capture.section_inconnue",
                                             {{"cle", key}, {"section", section}, {"grille", grid.key()}}));
      }
      const core::Column text_column{key, key, core::ItemType::kText, {}, {}, {}, {}};
      auto value = core::parse_field(spec_of(text_column, key), text);
      if (!value) return fail(value.error());
      writes.push_back({std::string(entity::kInspection), h->id, key, std::move(*value)});
      CARNET_RETURN_IF_ERROR_R(once(writes.back(), path));
      continue;
    }

    if (const auto* meta = core::find_inspection_field(key)) {
      if (meta->system) {
        return fail(Status::invalid_argument("stockage.capture.champ_systeme", {{"cle", key}}));
      }
      auto value = core::parse_field(spec_of(meta->spec, key), text);
      if (!value) return fail(value.error());
      writes.push_back({std::string(entity::kInspection), h->id, key, std::move(*value)});
      CARNET_RETURN_IF_ERROR_R(once(writes.back(), path));
      continue;
    }

    auto item = grid.find_item(key);
    if (!item) {
      return fail(Status::invalid_argument("stockage.capture.cle_inconnue",
                                           {{"cle", key}, {"grille", grid.key()}, {"version", grid.version()}}));
    }
    auto value = grid.parse_input(*item, text);
    if (!value) return fail(value.error());
    writes.push_back({std::string(entity::kInspection), h->id, key, std::move(*value)});
    CARNET_RETURN_IF_ERROR_R(once(writes.back(), path));
  }

  std::vector<std::string> created;
  for (const auto& [label, id] : new_rows) created.push_back(id);
  std::optional<InspectionStatus> next;
  if (content_edit) next = core::status_after_edit(h->status, "");
  return commit(*h, writes, std::move(created), next, Transition::kIfChanged);
}

Result<std::size_t> Capture::commit(const InspectionHeader& h, const std::vector<Write>& writes, std::vector<std::string> new_rows,
                                    std::optional<InspectionStatus> new_status, Transition when) {
  auto tx = Transaction::begin(replica_.db());
  if (!tx) return fail(tx.error());
  auto tick = replica_.tick(**tx);
  if (!tick) return fail(tick.error());
  const core::Hlc hlc = *tick;
  for (const auto& row : new_rows) {
    CARNET_RETURN_IF_ERROR_R(replica_.create_entity(**tx, {entity::kRow, row, h.id, h.dossier_id}));
  }
  // An inspection's parent is its dossier; a row's parent is its inspection.
  auto ref = [&](const Write& w) -> EntityRef {
    const bool row = w.entity_type == entity::kRow;
    return {w.entity_type, w.entity_id, row ? std::string_view(h.id) : std::string_view(h.dossier_id), h.dossier_id};
  };
  std::size_t changed = 0;
  for (const auto& w : writes) {
    auto c = replica_.write(**tx, ref(w), w.field, w.value, hlc, h.grid->key(), h.grid->version());
    if (!c) return fail(c.error());
    if (*c) ++changed;
  }
  if (new_status && *new_status != h.status && (changed > 0 || when == Transition::kAlways)) {
    auto c = replica_.write(**tx, {entity::kInspection, h.id, h.dossier_id, h.dossier_id}, field::kStatus,
                            Value::text(std::string(core::inspection_status_name(*new_status))), hlc, h.grid->key(),
                            h.grid->version());
    if (!c) return fail(c.error());
  }
  CARNET_RETURN_IF_ERROR_R((*tx)->commit());
  return changed;
}

Status Capture::set_value(std::string_view type, std::string_view id, std::string_view f, const Value& value) {
  auto place = replica_.entity_place(type, id);
  if (!place) return place.error();
  if (!*place) return Status::not_found("stockage.capture.element_inconnu", {{"type", type}, {"id", id}});
  const std::string inspection = type == entity::kInspection ? std::string(id) : (*place)->first;
  auto h = read_header(replica_, inspection);
  if (!h) return h.error();
  CARNET_RETURN_IF_ERROR(core::check_edit(h->status, f));
  core::Change c;
  c.entity_type = std::string(type);
  c.entity_id = std::string(id);
  c.field = std::string(f);
  c.value = value;
  std::string row_table;
  if (type == entity::kRow) {
    auto t = replica_.field(entity::kRow, id, row_field::kTable);
    if (!t) return t.error();
    if (*t && (*t)->value.kind() == core::ValueKind::kText) row_table = (*t)->value.as_text();
  }
  CARNET_RETURN_IF_ERROR(core::check_change(c, *h->grid, row_table));
  const std::vector<Write> writes = {{std::string(type), std::string(id), std::string(f), value}};
  auto r = commit(*h, writes, {}, core::status_after_edit(h->status, f), Transition::kIfChanged);
  return r ? Status::ok_status() : r.error();
}

Status Capture::delete_row(std::string_view inspection_id, std::string_view table, int position) {
  auto h = read_header(replica_, inspection_id);
  if (!h) return h.error();
  CARNET_RETURN_IF_ERROR(core::check_edit(h->status, table));
  auto t = find_table(*h->grid, table);
  if (!t) {
    return Status::invalid_argument("stockage.capture.pas_un_tableau",
                                    {{"tableau", table}, {"grille", h->grid->key()}});
  }
  auto rows = read_table_rows(replica_, h->id, *t);
  if (!rows) return rows.error();
  if (position < 1 || static_cast<std::size_t>(position) > rows->size()) {
    return Status::out_of_range("stockage.capture.ligne_absente",
                                {{"tableau", table}, {"ligne", position}, {"n", rows->size()}});
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
  InspectionHeader h{view->id, view->dossier.id, view->grid, view->status};
  const std::vector<Write> writes = {{std::string(entity::kInspection), view->id, std::string(field::kCompletedAt),
                                      Value::text(core::iso_timestamp(replica_.clock().now_ms()))}};
  auto r = commit(h, writes, {}, InspectionStatus::kCompleted, Transition::kAlways);
  return r ? Status::ok_status() : r.error();
}

Status Capture::sign(std::string_view inspection_id, const ReportSigner& signer) {
  auto node = replica_.node();
  if (!node) return node.error();
  auto tx = Transaction::begin(replica_.db());
  if (!tx) return tx.error();
  // Read inside the transaction, so that what is signed is what the transaction holds.
  auto view = read_inspection(replica_, inspection_id);
  if (!view) return view.error();
  core::InspectionState state;
  state.status = view->status;
  CARNET_RETURN_IF_ERROR(core::check_sign(state));
  const Value signed_at = Value::text(core::iso_timestamp(replica_.clock().now_ms()));
  const Value signed_by = Value::text(node->inspector_id);
  view->fields.insert_or_assign(std::string(field::kSignedAt), signed_at);
  view->fields.insert_or_assign(std::string(field::kSignedBy), signed_by);
  auto signature = signer.sign(core::canonical_report(*view));
  if (!signature) return signature.error();
  auto hlc = replica_.tick(**tx);
  if (!hlc) return hlc.error();
  const EntityRef inspection{entity::kInspection, view->id, view->dossier.id, view->dossier.id};
  const std::pair<std::string_view, Value> writes[] = {
      {field::kSignedAt, signed_at},
      {field::kSignedBy, signed_by},
      {field::kSignatureDevice, Value::text(signer.device_id)},
      {field::kSignatureCertificate, Value::text(signer.certificate_pem)},
      {field::kSignature, Value::text(*signature)},
      {field::kStatus, Value::text(std::string(core::inspection_status_name(InspectionStatus::kSigned)))},
  };
  for (const auto& [f, v] : writes) {
    auto c = replica_.write(**tx, inspection, f, v, *hlc, view->grid->key(), view->grid->version());
    if (!c) return c.error();
  }
  return (*tx)->commit();
}

Result<std::string> Capture::add_addendum(std::string_view inspection_id, std::string_view text) {
  CARNET_RETURN_IF_ERROR_R(core::check_addendum_text(text));
  auto node = replica_.node();
  if (!node) return fail(node.error());
  auto h = read_header(replica_, inspection_id);
  if (!h) return fail(h.error());
  if (h->status != InspectionStatus::kSigned) {
    return fail(Status::failed_precondition("stockage.capture.addendum_non_signee"));
  }
  const std::string id = replica_.new_id().to_string();
  auto tx = Transaction::begin(replica_.db());
  if (!tx) return fail(tx.error());
  auto hlc = replica_.tick(**tx);
  if (!hlc) return fail(hlc.error());
  const EntityRef addendum{entity::kAddendum, id, h->id, h->dossier_id};
  CARNET_RETURN_IF_ERROR_R(replica_.create_entity(**tx, addendum));
  namespace af = core::addendum_field;
  const std::pair<std::string_view, Value> writes[] = {
      {af::kInspection, Value::text(h->id)},
      {af::kText, Value::text(std::string(text))},
      {af::kAuthor, Value::text(node->inspector_id)},
      {af::kCreatedAt, Value::text(core::iso_timestamp(replica_.clock().now_ms()))},
  };
  for (const auto& [f, v] : writes) {
    auto c = replica_.write(**tx, addendum, f, v, *hlc, h->grid->key(), h->grid->version());
    if (!c) return fail(c.error());
  }
  CARNET_RETURN_IF_ERROR_R((*tx)->commit());
  return id;
}

Result<InspectionView> Capture::load(std::string_view inspection_id) { return read_inspection(replica_, inspection_id); }
Result<std::vector<InspectionSummary>> Capture::list() { return read_inspections(replica_); }

}  // namespace carnet::storage
