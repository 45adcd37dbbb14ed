#include "storage/inspection_reader.hpp"

#include <algorithm>

namespace carnet::storage {

using core::fail;
using core::Value;
namespace field = core::field;
namespace entity = core::entity;
namespace row_field = core::row_field;

namespace {

std::string text_or_empty(const std::map<std::string, FieldValue>& f, std::string_view key) {
  auto it = f.find(std::string(key));
  if (it == f.end() || it->second.value.kind() != core::ValueKind::kText) return {};
  return it->second.value.as_text();
}

}  // namespace

std::optional<TableRef> find_table(const core::Grid& grid, std::string_view key) {
  if (auto item = grid.find_item(key); item && grid.item(*item).type == core::ItemType::kTable) {
    return TableRef{std::string(key), *item, &grid.item(*item).columns, grid.item(*item).max_rows};
  }
  if (const auto* t = core::find_inspection_table(key)) return TableRef{t->key, -1, &t->columns, core::kMaxTableRows};
  return std::nullopt;
}

std::vector<std::string> TableRef::column_keys() const {
  std::vector<std::string> keys;
  for (const auto& c : *columns) keys.push_back(c.key);
  return keys;
}

Result<core::Dossier> read_dossier(EntityStore& store, std::string_view id) {
  auto exists = store.entity_exists(entity::kDossier, id);
  if (!exists) return fail(exists.error());
  if (!*exists) return fail(Status::not_found("stockage.central_sqlite.dossier_inconnu", {{"id", id}}));
  auto f = store.fields(entity::kDossier, id);
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
    if (!j || j->kind() != core::Json::Kind::kArray) {
      return fail(Status::corruption("stockage.inspection_reader.recommandations_illisibles", {{"id", d.id}}));
    }
    for (const auto& r : j->as_array()) {
      if (r.kind() == core::Json::Kind::kString) d.recommendations.push_back(r.as_string());
    }
  }
  return d;
}

Result<std::vector<core::Dossier>> read_dossiers(EntityStore& store) {
  auto ids = store.entities(entity::kDossier);
  if (!ids) return fail(ids.error());
  std::vector<core::Dossier> out;
  for (const auto& id : *ids) {
    auto d = read_dossier(store, id);
    if (!d) return fail(d.error());
    out.push_back(std::move(*d));
  }
  return out;
}

Result<InspectionHeader> read_header(EntityStore& store, std::string_view inspection_id) {
  auto f = store.some_fields(entity::kInspection, inspection_id,
                                {field::kStatus, field::kGrid, field::kGridVersion, field::kDossier});
  if (!f) return fail(f.error());
  if (f->empty()) {
    return fail(Status::not_found("stockage.inspection_reader.inspection_inconnue", {{"id", inspection_id}}));
  }
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
    return fail(Status::corruption("stockage.inspection_reader.inspection_incomplete", {{"id", inspection_id}}));
  }
  auto parsed = core::parse_inspection_status(status.as_text());
  if (!parsed) {
    return fail(Status::corruption("stockage.inspection_reader.statut_illisible", {{"statut", status.as_text()}}));
  }
  auto grid = store.grid(gkey.as_text(), static_cast<int>(gversion.as_number().numerator()));
  if (!grid) return fail(grid.error());
  return InspectionHeader{std::string(inspection_id), dossier_id.as_text(), *grid, *parsed};
}

Result<std::vector<TableRow>> read_table_rows(EntityStore& store, std::string_view inspection_id, const TableRef& t) {
  const auto keys = t.column_keys();
  const std::size_t columns = keys.size();
  const std::string_view table = t.key;
  auto ids = store.entities(entity::kRow, inspection_id);
  if (!ids) return fail(ids.error());
  std::vector<TableRow> out;
  for (const auto& id : *ids) {
    auto f = store.fields(entity::kRow, id);
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

Result<core::Addendum> read_addendum(EntityStore& store, std::string_view addendum_id) {
  auto place = store.entity_place(entity::kAddendum, addendum_id);
  if (!place) return fail(place.error());
  if (!*place) return fail(Status::not_found("stockage.central_sqlite.addendum_inconnu", {{"id", addendum_id}}));
  auto f = store.fields(entity::kAddendum, addendum_id);
  if (!f) return fail(f.error());
  namespace af = core::addendum_field;
  core::Addendum a;
  a.id = std::string(addendum_id);
  a.inspection_id = (*place)->first;
  a.text = text_or_empty(*f, af::kText);
  a.author = text_or_empty(*f, af::kAuthor);
  a.created_at = text_or_empty(*f, af::kCreatedAt);
  a.review = text_or_empty(*f, af::kReview);
  a.reviewed_by = text_or_empty(*f, af::kReviewedBy);
  a.reviewed_at = text_or_empty(*f, af::kReviewedAt);
  return a;
}

Result<std::vector<core::Addendum>> read_addenda(EntityStore& store, std::string_view inspection_id) {
  auto ids = store.entities(entity::kAddendum, inspection_id);
  if (!ids) return fail(ids.error());
  std::vector<core::Addendum> out;
  for (const auto& id : *ids) {
    auto a = read_addendum(store, id);
    if (!a) return fail(a.error());
    out.push_back(std::move(*a));
  }
  return out;
}

Result<InspectionView> read_inspection(EntityStore& store, std::string_view inspection_id) {
  auto h = read_header(store, inspection_id);
  if (!h) return fail(h.error());
  InspectionView view;
  view.id = h->id;
  view.grid = h->grid;
  view.status = h->status;
  auto d = read_dossier(store, h->dossier_id);
  if (!d) return fail(d.error());
  view.dossier = std::move(*d);
  auto f = store.fields(entity::kInspection, h->id);
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
    auto rows = read_table_rows(store, h->id, *t);
    if (!rows) return fail(rows.error());
    if (t->item >= 0) {
      for (const auto& row : *rows) view.answers->add_row(t->item, row.cells);
    }
    view.rows.emplace(table, std::move(*rows));
  }
  auto addenda = read_addenda(store, h->id);
  if (!addenda) return fail(addenda.error());
  view.addenda = std::move(*addenda);
  return view;
}

Result<std::vector<InspectionSummary>> read_inspections(EntityStore& store) {
  auto ids = store.entities(entity::kInspection);
  if (!ids) return fail(ids.error());
  std::vector<InspectionSummary> out;
  for (const auto& id : *ids) {
    auto h = read_header(store, id);
    if (!h) return fail(h.error());
    InspectionSummary s{id, h->dossier_id, h->grid->key(), h->status, std::nullopt};
    auto date = store.field(entity::kInspection, id, field::kVisitDate);
    if (!date) return fail(date.error());
    if (*date && (*date)->value.kind() == core::ValueKind::kDate) s.visit_date = (*date)->value.as_date();
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace carnet::storage
