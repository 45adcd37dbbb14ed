#include "storage/entity_store.hpp"

#include "storage/grid_file.hpp"
#include "storage/sqlite_values.hpp"

namespace carnet::storage {

using namespace internal;

Result<std::shared_ptr<const core::Grid>> EntityStore::grid(std::string_view key, int version) {
  if (version > 0) {
    if (auto it = grid_cache_.find(std::make_pair(std::string(key), version)); it != grid_cache_.end()) return it->second;
  }
  auto st = version > 0 ? db_->prepare("SELECT version, source FROM grids WHERE key = ?1 AND version = ?2")
                        : db_->prepare("SELECT version, source FROM grids WHERE key = ?1 ORDER BY version DESC LIMIT 1");
  if (!st) return fail(st.error());
  st->bind(1, key);
  if (version > 0) st->bind(2, static_cast<std::int64_t>(version));
  auto row = st->step();
  if (!row) return fail(row.error());
  if (!*row) {
    return fail(version > 0 ? Status::not_found("stockage.entity_store.grille_version_inconnue",
                                                {{"grille", key}, {"version", version}})
                            : Status::not_found("stockage.entity_store.grille_inconnue", {{"grille", key}}));
  }
  const int v = static_cast<int>(st->column_int(0));
  const auto cache_key = std::make_pair(std::string(key), v);
  if (auto it = grid_cache_.find(cache_key); it != grid_cache_.end()) return it->second;
  auto grid = parse_grid(st->column_text(1), std::string(key) + " v" + std::to_string(v));
  if (!grid) return fail(grid.error());
  grid_cache_.emplace(cache_key, *grid);
  return *grid;
}

Result<std::vector<GridInfo>> EntityStore::grids() {
  auto st = db_->prepare("SELECT key, version, title FROM grids ORDER BY key, version");
  if (!st) return fail(st.error());
  std::vector<GridInfo> out;
  while (true) {
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    out.push_back({st->column_text(0), static_cast<int>(st->column_int(1)), st->column_text(2)});
  }
  return out;
}

Result<bool> EntityStore::entity_exists(std::string_view type, std::string_view id) {
  auto st = db_->prepare("SELECT 1 FROM entities WHERE type = ?1 AND id = ?2");
  if (!st) return fail(st.error());
  st->bind(1, type).bind(2, id);
  return st->step();
}

Result<std::vector<std::string>> EntityStore::entities(std::string_view type, std::optional<std::string_view> parent) {
  auto st = parent ? db_->prepare("SELECT id FROM entities WHERE parent = ?2 AND type = ?1 ORDER BY id")
                   : db_->prepare("SELECT id FROM entities WHERE type = ?1 ORDER BY id");
  if (!st) return fail(st.error());
  st->bind(1, type);
  if (parent) st->bind(2, *parent);
  return first_column(*st);
}

Result<std::optional<FieldValue>> EntityStore::field(std::string_view type, std::string_view id, std::string_view field) {
  auto st = db_->prepare("SELECT value, hlc, node FROM fields WHERE entity_type = ?1 AND entity_id = ?2 AND field = ?3");
  if (!st) return fail(st.error());
  st->bind(1, type).bind(2, id).bind(3, field);
  auto row = st->step();
  if (!row) return fail(row.error());
  if (!*row) return std::optional<FieldValue>();
  auto fv = field_value_at(*st, 0);
  if (!fv) return fail(fv.error());
  return std::optional<FieldValue>(std::move(*fv));
}

Result<std::map<std::string, FieldValue, std::less<>>> EntityStore::some_fields(
    std::string_view type, std::string_view id, std::initializer_list<std::string_view> names) {
  auto st = db_->prepare(
      "SELECT field, value, hlc, node FROM fields WHERE entity_type = ?1 AND entity_id = ?2 AND field IN (?3, ?4, ?5, ?6)");
  if (!st) return fail(st.error());
  st->bind(1, type).bind(2, id);
  int index = 3;
  for (std::string_view name : names) {
    if (index > 6) return fail(Status::internal("stockage.entity_store.quatre_champs"));
    st->bind(index++, name);
  }
  for (; index <= 6; ++index) st->bind_null(index);
  std::map<std::string, FieldValue, std::less<>> out;
  CARNET_RETURN_IF_ERROR_R(collect_fields(*st, out));
  return out;
}

Result<std::map<std::string, FieldValue>> EntityStore::fields(std::string_view type, std::string_view id) {
  auto st = db_->prepare("SELECT field, value, hlc, node FROM fields WHERE entity_type = ?1 AND entity_id = ?2");
  if (!st) return fail(st.error());
  st->bind(1, type).bind(2, id);
  std::map<std::string, FieldValue> out;
  CARNET_RETURN_IF_ERROR_R(collect_fields(*st, out));
  return out;
}

Result<std::optional<std::pair<std::string, std::string>>> EntityStore::entity_place(std::string_view type,
                                                                                     std::string_view id) {
  auto st = db_->prepare("SELECT coalesce(parent, ''), coalesce(scope, '') FROM entities WHERE type = ?1 AND id = ?2");
  if (!st) return fail(st.error());
  st->bind(1, type).bind(2, id);
  auto row = st->step();
  if (!row) return fail(row.error());
  if (!*row) return std::optional<std::pair<std::string, std::string>>();
  return std::optional<std::pair<std::string, std::string>>(std::make_pair(st->column_text(0), st->column_text(1)));
}

}  // namespace carnet::storage
