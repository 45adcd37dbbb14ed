// EntityStore: reading the replicated state — entities, their fields and versions, and the
// installed grids — from a SQLite database that has the tables `entities`, `fields` and
// `grids` (the tablet's replica and the central node's store both do).
//
// Thread safety: as its Database (one thread at a time). Compiled grids are cached.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/grid.hpp"
#include "core/hlc.hpp"
#include "core/value.hpp"
#include "storage/database.hpp"

namespace carnet::storage {

struct FieldValue {
  core::Value value;  // null when cleared
  core::Version version;
};

// An entity as the change model names it: its type and id, its parent (a row's inspection,
// an inspection's dossier) and its scope (the dossier it belongs to).
struct EntityRef {
  std::string_view type;
  std::string_view id;
  std::string_view parent;
  std::string_view scope;
};

struct GridInfo {
  std::string key;
  int version = 0;
  std::string title;
};

// A conflict as the central node described it.
struct ConflictRecord {
  std::string id;
  std::string entity_type;
  std::string entity_id;
  std::string field;
  std::string scope;
  core::Value winner_value;
  core::Version winner_version;
  std::string winner_author;
  core::Value loser_value;
  core::Version loser_version;
  std::string loser_author;
  std::int64_t created_ms = 0;

  friend bool operator==(const ConflictRecord&, const ConflictRecord&) = default;
};

class EntityStore {
 public:
  explicit EntityStore(Database& db) : db_(&db) {}
  virtual ~EntityStore() = default;
  EntityStore(const EntityStore&) = delete;
  EntityStore& operator=(const EntityStore&) = delete;

  // The compiled grid (cached); version 0 means the latest installed. kNotFound otherwise.
  Result<std::shared_ptr<const core::Grid>> grid(std::string_view key, int version = 0);
  Result<std::vector<GridInfo>> grids();

  Result<bool> entity_exists(std::string_view type, std::string_view id);
  // (parent, scope) of an entity, or nullopt if unknown.
  Result<std::optional<std::pair<std::string, std::string>>> entity_place(std::string_view type, std::string_view id);
  // Ids of the entities of `type` (with `parent` if given), in id order.
  Result<std::vector<std::string>> entities(std::string_view type, std::optional<std::string_view> parent = std::nullopt);
  // One field of an entity, or nullopt if it was never written.
  Result<std::optional<FieldValue>> field(std::string_view type, std::string_view id, std::string_view field);
  // The named fields of an entity that were ever written (up to four names).
  Result<std::map<std::string, FieldValue, std::less<>>> some_fields(std::string_view type, std::string_view id,
                                                                     std::initializer_list<std::string_view> names);
  // Every field of an entity (cleared fields included, with a null value).
  Result<std::map<std::string, FieldValue>> fields(std::string_view type, std::string_view id);

 protected:
  Database* db_;

 private:
  std::map<std::pair<std::string, int>, std::shared_ptr<const core::Grid>> grid_cache_;
};

}  // namespace carnet::storage
