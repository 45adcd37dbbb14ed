#include "storage/replica_schema.hpp"

#include "storage/migrations.hpp"

namespace carnet::storage {
namespace {

// One entry per step, in order; entry i brings the schema from version i to i + 1.
constexpr const char* kSteps[] = {
    // 1: kInitial
    R"sql(
      CREATE TABLE meta(
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE grids(
        key TEXT NOT NULL,
        version INTEGER NOT NULL,
        title TEXT NOT NULL,
        source TEXT NOT NULL,
        PRIMARY KEY(key, version)
      ) WITHOUT ROWID;
      CREATE TABLE entities(
        type TEXT NOT NULL,
        id TEXT NOT NULL,
        parent TEXT,
        PRIMARY KEY(type, id)
      ) WITHOUT ROWID;
      CREATE INDEX entities_by_parent ON entities(parent, type, id);
      CREATE TABLE fields(
        entity_type TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        field TEXT NOT NULL,
        value TEXT,
        hlc INTEGER NOT NULL,
        node BLOB NOT NULL,
        PRIMARY KEY(entity_type, entity_id, field)
      ) WITHOUT ROWID;
      CREATE TABLE outbox(
        seq INTEGER PRIMARY KEY,
        change_id BLOB NOT NULL,  -- unique by construction (UUIDv7 made here)
        entity_type TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        field TEXT NOT NULL,
        value TEXT,
        hlc INTEGER NOT NULL,
        node BLOB NOT NULL,
        base_hlc INTEGER NOT NULL,
        base_node BLOB NOT NULL,
        grid_key TEXT,
        grid_version INTEGER
      );
    )sql",
    // 2: kSync
    R"sql(
      ALTER TABLE entities ADD COLUMN scope TEXT;
      UPDATE entities SET scope = id WHERE type = 'dossier';
      UPDATE entities SET scope = parent WHERE type = 'inspection';
      UPDATE entities SET scope = (SELECT i.parent FROM entities i WHERE i.type = 'inspection' AND i.id = entities.parent)
        WHERE type = 'row';
      CREATE INDEX entities_by_scope ON entities(scope);
      ALTER TABLE outbox ADD COLUMN parent TEXT NOT NULL DEFAULT '';
      ALTER TABLE outbox ADD COLUMN scope TEXT NOT NULL DEFAULT '';
      UPDATE outbox SET
        parent = coalesce((SELECT e.parent FROM entities e WHERE e.type = outbox.entity_type AND e.id = outbox.entity_id), ''),
        scope = coalesce((SELECT e.scope FROM entities e WHERE e.type = outbox.entity_type AND e.id = outbox.entity_id), '');
      CREATE INDEX outbox_by_field ON outbox(entity_type, entity_id, field);
      -- Open conflicts that concern this node's dossiers, as last told by the central node.
      CREATE TABLE conflicts(
        id TEXT PRIMARY KEY,
        entity_type TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        field TEXT NOT NULL,
        scope TEXT NOT NULL,
        winner_value TEXT, winner_hlc INTEGER NOT NULL, winner_node BLOB NOT NULL, winner_author TEXT NOT NULL,
        loser_value TEXT, loser_hlc INTEGER NOT NULL, loser_node BLOB NOT NULL, loser_author TEXT NOT NULL,
        created INTEGER NOT NULL,
        resolved_locally INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;
      -- Changes of this node that the central node refused, with its reason.
      CREATE TABLE quarantined(
        change_id BLOB PRIMARY KEY,
        entity_type TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        field TEXT NOT NULL,
        value TEXT,
        reason TEXT NOT NULL,
        at INTEGER NOT NULL
      ) WITHOUT ROWID;
      -- Dossiers the central node unassigned: evicted once their changes are acknowledged.
      CREATE TABLE evictions(
        dossier TEXT PRIMARY KEY,
        done INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;
    )sql",
    // 3: kBlobs
    R"sql(
      CREATE TABLE blobs(
        sha256 TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        uploaded INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;
    )sql",
    // 4: kReasonMessage — the central node's reason as a catalogue message, the JSON of
    // core::message_json(); NULL for the notices stored before. `reason` stays the French text.
    R"sql(
      ALTER TABLE quarantined ADD COLUMN reason_message TEXT;
    )sql",
    // 5: kClock — meta 'hlc' becomes the replica's clock: the highest version stored in it,
    // kept by every writer in its transaction (Replica::tick); and each pending change records
    // the central sequence its writer had pulled (a row's deletion is judged against it).
    R"sql(
      INSERT INTO meta(key, value)
        SELECT 'hlc', CAST(max(coalesce((SELECT max(hlc) FROM fields), 0), coalesce((SELECT max(hlc) FROM outbox), 0),
                               coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'hlc'), 0)) AS TEXT)
        WHERE true
        ON CONFLICT(key) DO UPDATE SET value = excluded.value;
      ALTER TABLE outbox ADD COLUMN seen_cursor INTEGER NOT NULL DEFAULT 0;
    )sql",
};

constexpr int kStepCount = static_cast<int>(sizeof kSteps / sizeof kSteps[0]);
static_assert(kStepCount == static_cast<int>(ReplicaSchema::kLatest));

}  // namespace

Result<int> replica_schema_version(Database& db) { return schema_version(db); }

Status migrate_replica(Database& db, ReplicaSchema target) {
  return migrate(db, kSteps, static_cast<int>(target), core::Message("stockage.replica_schema.fichier_donnees"));
}

}  // namespace carnet::storage
