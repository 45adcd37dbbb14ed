// Replica: the tablet's local store (one SQLite file in WAL mode).
//
// It holds the node's identity, the installed grids, the entities and their fields (the
// replicated state, one row per (entity, field) with its version) and the outbox: one
// change per field written locally, appended in the same transaction as the data, so that
// a crash leaves both or neither. Schema history: storage/replica_schema.hpp.
//
// Thread safety: one Replica per thread (it owns its Database); several processes may open
// the same file, SQLite's locking serialises their writes (kBusy after 2 s).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/change.hpp"
#include "core/grid.hpp"
#include "core/hlc.hpp"
#include "storage/database.hpp"

namespace carnet::storage {

struct NodeInfo {
  core::Uuid node_id;
  std::string inspector_id;
  std::string inspector_name;
};

struct FieldValue {
  core::Value value;  // null when cleared
  core::Version version;
};

struct GridInfo {
  std::string key;
  int version = 0;
  std::string title;
};

class Replica {
 public:
  // Opens the replica at `path` (created with kCreate) and brings its schema up to date.
  // Errors: kFailedPrecondition for a file written by a newer Carnet; kCorruption, kBusy,
  // kIoError as Database::open.
  static Result<std::unique_ptr<Replica>> open(const std::string& path, Database::Mode mode,
                                               const core::PhysicalClock& clock = core::SystemClock::instance());

  Database& db() { return *db_; }
  const core::PhysicalClock& clock() const { return *clock_; }

  // Sets this node's identity (a new node id) once; kAlreadyExists when already set.
  Status initialise(Transaction& tx, std::string_view inspector_id, std::string_view inspector_name);
  // kFailedPrecondition ("carnet init" first) when the node has no identity yet.
  Result<NodeInfo> node();

  // A new timestamp for a local write. The write stores it (fields, outbox), which is how the
  // clock survives a restart; a timestamp that ends up unused needs no persistence.
  core::Hlc tick();
  // Saves the clock in `meta`, for operations that delete stored versions.
  Status persist_clock(Transaction& tx);
  // A new id for an entity made on this node.
  core::Uuid new_id();

  // Grids. install_grid is idempotent for identical text and refuses a different text under
  // an existing (key, version) (kAlreadyExists): a published version never changes.
  Status install_grid(Transaction& tx, const core::Grid& grid, std::string_view source);
  // The compiled grid (cached); version 0 means the latest installed. kNotFound otherwise.
  Result<std::shared_ptr<const core::Grid>> grid(std::string_view key, int version = 0);
  Result<std::vector<GridInfo>> grids();

  // Entities: type + id, with an optional parent (the inspection of a row, the dossier of an
  // inspection) for listing.
  Status create_entity(Transaction& tx, std::string_view type, std::string_view id, std::string_view parent);
  Result<bool> entity_exists(std::string_view type, std::string_view id);
  // Ids of the entities of `type` (with `parent` if given), in id order.
  Result<std::vector<std::string>> entities(std::string_view type, std::optional<std::string_view> parent = std::nullopt);

  // One field of an entity, or nullopt if it was never written.
  Result<std::optional<FieldValue>> field(std::string_view type, std::string_view id, std::string_view field);
  // The named fields of an entity that were ever written (up to four names).
  Result<std::map<std::string, FieldValue, std::less<>>> some_fields(std::string_view type, std::string_view id,
                                                                     std::initializer_list<std::string_view> names);
  // Every field of an entity (cleared fields included, with a null value).
  Result<std::map<std::string, FieldValue>> fields(std::string_view type, std::string_view id);

  // A local write: sets the field at a new version and appends the change to the outbox.
  // Writing the value the field already holds changes nothing and returns nullopt.
  Result<std::optional<core::Change>> write(Transaction& tx, std::string_view type, std::string_view id, std::string_view field,
                             const core::Value& value, core::Hlc hlc, std::string_view grid_key = {},
                             int grid_version = 0);
  // A write that is not this node's own change (an imported dossier, and in the sync issue a
  // pulled change): sets the field, no outbox entry.
  Status put(Transaction& tx, std::string_view type, std::string_view id, std::string_view field,
             const core::Value& value, const core::Version& version);

  // The outbox, oldest first.
  Result<std::vector<core::Change>> pending_changes(std::size_t limit);
  Result<std::int64_t> pending_count();

 private:
  Replica(std::unique_ptr<Database> db, const core::PhysicalClock& clock) : db_(std::move(db)), clock_(&clock) {}
  Status load_clock();
  Result<std::optional<std::string>> meta(std::string_view key);
  Status set_meta(Transaction& tx, std::string_view key, std::string_view value);

  std::unique_ptr<Database> db_;
  const core::PhysicalClock* clock_;
  std::optional<core::HybridClock> hlc_;  // loaded at open
  std::optional<NodeInfo> node_;          // cached once read
  std::map<std::pair<std::string, int>, std::shared_ptr<const core::Grid>> grid_cache_;
};

}  // namespace carnet::storage
