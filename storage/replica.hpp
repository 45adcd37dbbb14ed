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
#include "core/message.hpp"
#include "storage/database.hpp"
#include "storage/entity_store.hpp"

namespace carnet::storage {

struct NodeInfo {
  core::Uuid node_id;
  std::string inspector_id;
  std::string inspector_name;
};

// A pending change with its place in the outbox.
struct PendingChange {
  std::int64_t seq = 0;
  core::Change change;
};


// One of this node's changes that the central node refused.
struct QuarantineNotice {
  core::Uuid change_id;
  std::string entity_type;
  std::string entity_id;
  std::string field;
  core::Value value;
  std::string reason;  // the central node's French text, the record
  // The reason as a catalogue message: nullopt for a notice stored before the replica kept it,
  // or when the central node's key is not in this program's catalogue.
  std::optional<core::Message> reason_message;
  std::int64_t at_ms = 0;
};

class Replica : public EntityStore {
 public:
  // Opens the replica at `path` (created with kCreate) and brings its schema up to date;
  // with a `key`, encrypted at rest (Database::open). Errors: kFailedPrecondition for a file
  // written by a newer Carnet; kCorruption, kBusy, kIoError as Database::open.
  static Result<std::unique_ptr<Replica>> open(const std::string& path, Database::Mode mode,
                                               const core::PhysicalClock& clock = core::SystemClock::instance(),
                                               std::optional<DataKey> key = std::nullopt);

  Database& db() { return *db_; }  // NOLINT: the same database as EntityStore's
  const core::PhysicalClock& clock() const { return *clock_; }
  // The data key the replica was opened with; its attachments are sealed with it too.
  const std::optional<DataKey>& key() const { return key_; }

  // Sets this node's identity once (a new node id unless one is given); kAlreadyExists when
  // already set.
  Status initialise(Transaction& tx, std::string_view inspector_id, std::string_view inspector_name,
                    std::optional<core::Uuid> node_id = std::nullopt);
  // kFailedPrecondition ("carnet init" first) when the node has no identity yet.
  Result<NodeInfo> node();

  // The clock (docs/sync.md, "The version rule"). meta 'hlc' holds the highest version the
  // replica stores, whoever wrote it: this node, a pulled change, another process on the same
  // file (the app and its background sync). A local write takes its timestamp from it inside
  // its transaction, so every version it writes is above every version it can replace.
  //
  // tick(): a new timestamp for a local write in `tx`, above the stored clock and this
  // object's; the stored clock moves to it.
  Result<core::Hlc> tick(Transaction& tx);
  // The clock as it reads now (stored and in memory), for a sync request; writes nothing.
  Result<core::Hlc> clock_reading();
  // Raises the stored clock to this object's, which put() advances past every version it
  // stores: a transaction that stores versions from elsewhere (a pull) ends with it.
  Status save_clock(Transaction& tx);
  // Records the central node's clock as a sync saw it. From then on a local timestamp's
  // physical part is bounded by the central time this implies (measured with the boot clock
  // while the tablet has not restarted, otherwise with the wall clock) plus kClockMarginMs:
  // a tablet whose clock runs ahead writes versions the central node accepts.
  Status note_central_time(Transaction& tx, core::Hlc central);
  static constexpr std::int64_t kClockMarginMs = 60 * 1000;
  // How far the replica's clock is ahead of the central time as last seen (0 when never
  // synced or not ahead): the lead `carnet status` shows.
  Result<std::int64_t> clock_lead_ms();
  // Gives new versions to pending changes the central node refused for their clock (its
  // answer STATUS_CLOCK_AHEAD), in outbox order: each a new change id and a version above
  // `central` and above its base, moved to the end of the outbox (the refused entry leaves it),
  // where the changes that followed it on the same field now build on the new version, as does
  // the field. Then the stored clock
  // comes back to the highest version the replica still stores: the inspector's answers stay,
  // only their time is corrected.
  Status restamp(Transaction& tx, const std::vector<core::Change>& refused, core::Hlc central);
  // A new id for an entity made on this node.
  core::Uuid new_id();

  // Grids. install_grid is idempotent for identical text and refuses a different text under
  // an existing (key, version) (kAlreadyExists): a published version never changes.
  Status install_grid(Transaction& tx, const core::Grid& grid, std::string_view source);
  // Records an entity (type, id, parent, scope); nothing if it exists.
  Status create_entity(Transaction& tx, const EntityRef& entity);
  // A local write: sets the field at a new version and appends the change to the outbox.
  // Writing the value the field already holds changes nothing and returns nullopt.
  Result<std::optional<core::Change>> write(Transaction& tx, const EntityRef& entity, std::string_view field,
                                            const core::Value& value, core::Hlc hlc, std::string_view grid_key = {},
                                            int grid_version = 0);
  // A write that is not this node's own change (an imported dossier, and in the sync issue a
  // pulled change): sets the field, no outbox entry.
  Status put(Transaction& tx, std::string_view type, std::string_view id, std::string_view field,
             const core::Value& value, const core::Version& version);

  // The outbox, oldest first.
  Result<std::vector<PendingChange>> pending_changes(std::size_t limit);
  Result<std::int64_t> pending_count();
  // Pending changes of one dossier.
  Result<std::int64_t> pending_count(std::string_view scope);

  // --- Sync (the tablet side) ---------------------------------------------------------
  // Removes the outbox entries up to `seq` (the central node has them).
  Status acknowledge(Transaction& tx, std::int64_t seq);
  // Applies a change decided by the central node: creates its entity if needed and sets the
  // field when the change is newer than what the replica holds, unless a local change of
  // that field is still pending (the central node has not decided on it yet). Returns
  // whether the field changed.
  Result<bool> apply_remote(Transaction& tx, const core::Change& change);
  // Sets a field to the central node's authoritative state (after a lost conflict or a
  // quarantine), unless a later local change of that field is still pending.
  Status set_authoritative(Transaction& tx, std::string_view type, std::string_view id, std::string_view field,
                           const core::Value& value, const core::Version& version);
  // Absorbs the central node's clock; kOutOfRange if it is more than `max_drift_ms` ahead.
  Status observe_clock(Transaction& tx, core::Hlc remote, std::int64_t max_drift_ms);

  // The highest central sequence applied here, and the time of the last successful sync.
  Result<std::uint64_t> cursor();
  Status set_cursor(Transaction& tx, std::uint64_t cursor, std::int64_t now_ms);
  Result<std::optional<std::int64_t>> last_sync_ms();

  // The open conflicts of the scope, as the central node listed them in a sync answer; those
  // settled here and not yet sent stay settled.
  Status replace_conflicts(Transaction& tx, const std::vector<ConflictRecord>& conflicts);
  // The conflicts waiting for a decision (those settled here are left out).
  Result<std::vector<ConflictRecord>> conflicts();
  Status add_quarantined(Transaction& tx, const QuarantineNotice& notice);
  Result<std::vector<QuarantineNotice>> quarantined();

  // Dossiers the central node asked to evict; evict() erases one (secure_delete is on).
  Status add_eviction(Transaction& tx, std::string_view dossier);
  Result<std::vector<std::string>> evictions(bool done);
  Status evict(Transaction& tx, std::string_view dossier);
  Status forget_evictions(Transaction& tx, const std::vector<std::string>& dossiers);
  // Copies the WAL into the database file and empties it, so that the older page versions
  // it holds (an evicted dossier's, say) are gone from the card. Outside any transaction.
  Status checkpoint();

  // The scope checksum of `dossiers` (storage/scope_checksum.hpp).
  Result<std::string> scope_checksum(const std::vector<std::string>& dossiers);
  // Takes dossier `dossier` as the central node holds it (`snapshot`: every field of it, sent
  // because the checksums differed): each field that differs takes the central node's value
  // and version, each field the central node lacks is removed — except fields with a local
  // change pending. Returns the number of fields changed (docs/sync.md, "Repair").
  Result<std::size_t> repair(Transaction& tx, std::string_view dossier, const std::vector<core::Change>& snapshot);
  // Sets a field as the central node holds it, or removes it when the central node has
  // none (a quarantined change to a field never accepted), unless a local change of that
  // field is still pending.
  Status take_state(Transaction& tx, std::string_view type, std::string_view id, std::string_view field,
                    const std::optional<std::pair<core::Value, core::Version>>& state);
  // Conflicts this node settled with a local change, to report at the next sync.
  Result<std::vector<std::string>> locally_resolved_conflicts();
  Status mark_conflict_resolved(Transaction& tx, std::string_view id);

  // Attachments (the files are in a BlobStore beside the replica).
  Status add_blob(Transaction& tx, std::string_view sha256, std::uint64_t size);
  Result<std::vector<std::pair<std::string, std::uint64_t>>> blobs_to_upload();
  Status mark_blob_uploaded(Transaction& tx, std::string_view sha256);
  // Hashes that fields of this replica refer to (photo answers), for downloading.
  Result<std::vector<std::string>> referenced_blobs();

  // Erases every dossier, inspection, pending change and notice (secure_delete overwrites
  // the freed pages) and records that the central node revoked this device.
  Status wipe(Transaction& tx);

  // Settings of the node (central URL, ...), in `meta`.
  Result<std::optional<std::string>> setting(std::string_view key) { return meta(key); }
  Status set_setting(Transaction& tx, std::string_view key, std::string_view value) { return set_meta(tx, key, value); }

 private:
  Replica(std::unique_ptr<Database> db, const core::PhysicalClock& clock, std::optional<DataKey> key)
      : EntityStore(*db), owned_db_(std::move(db)), clock_(&clock), key_(std::move(key)) {}
  Status load_clock();
  static Result<core::Hlc> stored_clock(Database& db);
  // The highest physical time a local timestamp may take now (see note_central_time()).
  Result<std::int64_t> clock_ceiling_ms(Database& db);
  Result<std::optional<std::string>> meta(std::string_view key);
  Status set_meta(Transaction& tx, std::string_view key, std::string_view value);

  std::unique_ptr<Database> owned_db_;
  const core::PhysicalClock* clock_;
  std::optional<DataKey> key_;
  std::optional<core::HybridClock> hlc_;  // loaded at open
  std::optional<NodeInfo> node_;          // cached once read
};

}  // namespace carnet::storage
