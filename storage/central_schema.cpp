#include "storage/central_schema.hpp"

#include "storage/migrations.hpp"

namespace carnet::storage {
namespace {

constexpr const char* kSteps[] = {
    // 1: kInitial
    R"sql(
      CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE inspectors(id TEXT PRIMARY KEY, name TEXT NOT NULL, created_ms INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE grids(
        key TEXT NOT NULL, version INTEGER NOT NULL, title TEXT NOT NULL, source TEXT NOT NULL,
        PRIMARY KEY(key, version)) WITHOUT ROWID;
      CREATE TABLE entities(
        type TEXT NOT NULL, id TEXT NOT NULL, parent TEXT, scope TEXT,
        PRIMARY KEY(type, id)) WITHOUT ROWID;
      CREATE INDEX entities_by_parent ON entities(parent, type, id);
      CREATE INDEX entities_by_scope ON entities(scope);
      -- The current state: one row per field, with the sequence of the change that set it.
      CREATE TABLE fields(
        entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, field TEXT NOT NULL,
        value TEXT, hlc INTEGER NOT NULL, node BLOB NOT NULL,
        seq INTEGER NOT NULL, author TEXT NOT NULL, scope TEXT NOT NULL,
        PRIMARY KEY(entity_type, entity_id, field)) WITHOUT ROWID;
      CREATE INDEX fields_by_scope ON fields(scope);
      -- The change log: every applied change, numbered; tablets pull it by sequence.
      CREATE TABLE changes(
        seq INTEGER PRIMARY KEY,
        change_id BLOB NOT NULL UNIQUE,
        entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, field TEXT NOT NULL, value TEXT,
        hlc INTEGER NOT NULL, node BLOB NOT NULL, base_hlc INTEGER NOT NULL, base_node BLOB NOT NULL,
        grid_key TEXT, grid_version INTEGER, parent TEXT NOT NULL, scope TEXT NOT NULL,
        device TEXT, author TEXT NOT NULL, received_ms INTEGER NOT NULL);
      CREATE INDEX changes_by_scope ON changes(scope, seq);
      -- Changes received but not applied as such (lost a conflict, superseded, quarantined):
      -- a retried push gets the same answer.
      CREATE TABLE received(change_id BLOB PRIMARY KEY, status INTEGER NOT NULL, reason TEXT) WITHOUT ROWID;
      CREATE TABLE conflicts(
        id TEXT PRIMARY KEY,
        entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, field TEXT NOT NULL, scope TEXT NOT NULL,
        winner_value TEXT, winner_hlc INTEGER NOT NULL, winner_node BLOB NOT NULL, winner_author TEXT NOT NULL,
        loser_value TEXT, loser_hlc INTEGER NOT NULL, loser_node BLOB NOT NULL, loser_author TEXT NOT NULL,
        created INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'open', resolved_ms INTEGER, resolved_by TEXT) WITHOUT ROWID;
      CREATE INDEX conflicts_by_scope ON conflicts(scope, status);
      CREATE TABLE quarantine(
        id INTEGER PRIMARY KEY,
        change_id BLOB NOT NULL, device TEXT NOT NULL, inspector TEXT NOT NULL,
        entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, field TEXT NOT NULL, value TEXT,
        hlc INTEGER NOT NULL, node BLOB NOT NULL, base_hlc INTEGER NOT NULL, base_node BLOB NOT NULL,
        grid_key TEXT, grid_version INTEGER, parent TEXT NOT NULL, scope TEXT NOT NULL,
        reason TEXT NOT NULL, received_ms INTEGER NOT NULL);
      CREATE TABLE assignments(dossier TEXT NOT NULL, inspector TEXT NOT NULL, PRIMARY KEY(dossier, inspector)) WITHOUT ROWID;
      CREATE TABLE devices(
        id TEXT PRIMARY KEY, inspector TEXT NOT NULL, name TEXT NOT NULL, serial TEXT NOT NULL,
        fingerprint TEXT NOT NULL, not_after INTEGER NOT NULL, enrolled_ms INTEGER NOT NULL,
        revoked_ms INTEGER, last_sync_ms INTEGER, floor_seq INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
      -- What each device holds: 'snapshot' (assigned, snapshot not sent yet), 'active',
      -- 'evicting' (unassigned, eviction not confirmed by the device yet).
      CREATE TABLE device_scope(
        device TEXT NOT NULL, dossier TEXT NOT NULL, state TEXT NOT NULL,
        PRIMARY KEY(device, dossier)) WITHOUT ROWID;
      CREATE TABLE enrollment_codes(
        code_sha256 TEXT PRIMARY KEY, inspector TEXT NOT NULL, expires_ms INTEGER NOT NULL,
        used_ms INTEGER) WITHOUT ROWID;
    )sql",
    // 2: kBlobValues
    R"sql(
      CREATE INDEX fields_by_blob ON fields(value) WHERE length(value) = 66 AND value GLOB 't:[0-9a-f]*';
    )sql",
    // 3: kAuditLog — the hash-chained audit log (storage/audit_log.hpp). Its head (count and
    // hash of the last entry) is kept in meta 'audit_head' as "COUNT HASH", written with each
    // entry. The triggers refuse anything but appending the next entry.
    R"sql(
      CREATE TABLE audit(
        seq INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, kind TEXT NOT NULL, actor TEXT NOT NULL,
        subject TEXT NOT NULL, detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
      CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'journal d''audit : modification interdite'); END;
      CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'journal d''audit : suppression interdite'); END;
      CREATE TRIGGER audit_append_only BEFORE INSERT ON audit
        WHEN NEW.seq IS NOT (SELECT coalesce(max(seq), 0) + 1 FROM audit)
        BEGIN SELECT RAISE(ABORT, 'journal d''audit : ajout hors de la suite'); END;
      INSERT INTO meta(key, value) VALUES('audit_head', '0 0000000000000000000000000000000000000000000000000000000000000000');
    )sql",
    // 4: kStaff — the office's staff accounts (storage/password.hpp for the hash) and their
    // web sessions, keyed by the SHA-256 of the session token (the token itself is only in
    // the browser's cookie).
    R"sql(
      CREATE TABLE staff_users(
        name TEXT PRIMARY KEY, role TEXT NOT NULL CHECK(role IN ('admin', 'office')),
        password_hash TEXT NOT NULL, created_ms INTEGER NOT NULL, disabled_ms INTEGER) WITHOUT ROWID;
      CREATE TABLE staff_sessions(
        token_sha256 TEXT PRIMARY KEY,
        user TEXT NOT NULL REFERENCES staff_users(name) ON DELETE CASCADE,
        csrf_token TEXT NOT NULL, created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL,
        last_seen_ms INTEGER NOT NULL) WITHOUT ROWID;
      CREATE INDEX staff_sessions_by_user ON staff_sessions(user);
    )sql",
    // 5: kQuarantineReview — review: NULL while open, then 'rejetee' or 'appliquee'.
    R"sql(
      ALTER TABLE quarantine ADD COLUMN review TEXT;
      ALTER TABLE quarantine ADD COLUMN reviewed_by TEXT;
      ALTER TABLE quarantine ADD COLUMN reviewed_ms INTEGER;
    )sql",
    // 6: kReasonMessage — the reason of a refused change as a catalogue message, the JSON of
    // core::message_json(); NULL for the rows written before. `reason` stays the French text.
    R"sql(
      ALTER TABLE quarantine ADD COLUMN reason_message TEXT;
      ALTER TABLE received ADD COLUMN reason_message TEXT;
    )sql",
    // 7: kOfficeClock — the clock of the last office change, which a central node passes
    // before writing one (several nodes write under the office's node id). The largest clock
    // in the log is at least that.
    R"sql(
      INSERT INTO meta(key, value) SELECT 'office_clock', CAST(coalesce(max(hlc), 0) AS TEXT) FROM changes;
    )sql",
    // 8: kLoginFailures — refused office logins per (name, client address), and per address
    // for every name (name '*'), for the office app's growing delays
    // (tools/central/office_auth.hpp); a row is forgotten a day after its last failure. A name
    // that is no account's is kept as a hash keyed by the random secret in meta.
    R"sql(
      CREATE TABLE login_failures(
        name TEXT NOT NULL, address TEXT NOT NULL, failures INTEGER NOT NULL, last_ms INTEGER NOT NULL,
        PRIMARY KEY(name, address)) WITHOUT ROWID;
      INSERT INTO meta(key, value) VALUES('login_failures_secret', lower(hex(randomblob(32))));
    )sql",
};

// The same history for PostgreSQL, step for step (the schema and its version mean the same
// thing in both stores). Text is compared byte for byte (COLLATE "C"), as in SQLite, so that
// orders and checksums agree with the tablets'; integers are 64-bit; blobs are bytea.
constexpr const char* kPostgresSteps[] = {
    // 1: kInitial
    R"sql(
      CREATE TABLE meta(key TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE inspectors(id TEXT COLLATE "C" PRIMARY KEY, name TEXT COLLATE "C" NOT NULL, created_ms BIGINT NOT NULL);
      CREATE TABLE grids(
        key TEXT COLLATE "C" NOT NULL, version BIGINT NOT NULL, title TEXT NOT NULL, source TEXT NOT NULL,
        PRIMARY KEY(key, version));
      CREATE TABLE entities(
        type TEXT COLLATE "C" NOT NULL, id TEXT COLLATE "C" NOT NULL, parent TEXT COLLATE "C", scope TEXT COLLATE "C",
        PRIMARY KEY(type, id));
      CREATE INDEX entities_by_parent ON entities(parent, type, id);
      CREATE INDEX entities_by_scope ON entities(scope);
      CREATE TABLE fields(
        entity_type TEXT COLLATE "C" NOT NULL, entity_id TEXT COLLATE "C" NOT NULL, field TEXT COLLATE "C" NOT NULL,
        value TEXT COLLATE "C", hlc BIGINT NOT NULL, node BYTEA NOT NULL,
        seq BIGINT NOT NULL, author TEXT COLLATE "C" NOT NULL, scope TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY(entity_type, entity_id, field));
      CREATE INDEX fields_by_scope ON fields(scope);
      CREATE TABLE changes(
        seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        change_id BYTEA NOT NULL UNIQUE,
        entity_type TEXT COLLATE "C" NOT NULL, entity_id TEXT COLLATE "C" NOT NULL, field TEXT COLLATE "C" NOT NULL,
        value TEXT COLLATE "C",
        hlc BIGINT NOT NULL, node BYTEA NOT NULL, base_hlc BIGINT NOT NULL, base_node BYTEA NOT NULL,
        grid_key TEXT COLLATE "C", grid_version BIGINT, parent TEXT COLLATE "C" NOT NULL, scope TEXT COLLATE "C" NOT NULL,
        device TEXT COLLATE "C", author TEXT COLLATE "C" NOT NULL, received_ms BIGINT NOT NULL);
      CREATE INDEX changes_by_scope ON changes(scope, seq);
      -- The last office change of every central node (they share the office's node id).
      CREATE INDEX changes_by_node ON changes(node, hlc);
      CREATE TABLE received(change_id BYTEA PRIMARY KEY, status BIGINT NOT NULL, reason TEXT);
      CREATE TABLE conflicts(
        id TEXT COLLATE "C" PRIMARY KEY,
        entity_type TEXT COLLATE "C" NOT NULL, entity_id TEXT COLLATE "C" NOT NULL, field TEXT COLLATE "C" NOT NULL,
        scope TEXT COLLATE "C" NOT NULL,
        winner_value TEXT, winner_hlc BIGINT NOT NULL, winner_node BYTEA NOT NULL, winner_author TEXT NOT NULL,
        loser_value TEXT, loser_hlc BIGINT NOT NULL, loser_node BYTEA NOT NULL, loser_author TEXT NOT NULL,
        created BIGINT NOT NULL,
        status TEXT COLLATE "C" NOT NULL DEFAULT 'open', resolved_ms BIGINT, resolved_by TEXT);
      CREATE INDEX conflicts_by_scope ON conflicts(scope, status);
      CREATE TABLE quarantine(
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        change_id BYTEA NOT NULL, device TEXT COLLATE "C" NOT NULL, inspector TEXT COLLATE "C" NOT NULL,
        entity_type TEXT COLLATE "C" NOT NULL, entity_id TEXT COLLATE "C" NOT NULL, field TEXT COLLATE "C" NOT NULL,
        value TEXT,
        hlc BIGINT NOT NULL, node BYTEA NOT NULL, base_hlc BIGINT NOT NULL, base_node BYTEA NOT NULL,
        grid_key TEXT COLLATE "C", grid_version BIGINT, parent TEXT COLLATE "C" NOT NULL, scope TEXT COLLATE "C" NOT NULL,
        reason TEXT NOT NULL, received_ms BIGINT NOT NULL);
      CREATE TABLE assignments(
        dossier TEXT COLLATE "C" NOT NULL, inspector TEXT COLLATE "C" NOT NULL, PRIMARY KEY(dossier, inspector));
      CREATE TABLE devices(
        id TEXT COLLATE "C" PRIMARY KEY, inspector TEXT COLLATE "C" NOT NULL, name TEXT NOT NULL, serial TEXT NOT NULL,
        fingerprint TEXT NOT NULL, not_after BIGINT NOT NULL, enrolled_ms BIGINT NOT NULL,
        revoked_ms BIGINT, last_sync_ms BIGINT, floor_seq BIGINT NOT NULL DEFAULT 0);
      CREATE TABLE device_scope(
        device TEXT COLLATE "C" NOT NULL, dossier TEXT COLLATE "C" NOT NULL, state TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY(device, dossier));
      CREATE TABLE enrollment_codes(
        code_sha256 TEXT COLLATE "C" PRIMARY KEY, inspector TEXT COLLATE "C" NOT NULL, expires_ms BIGINT NOT NULL,
        used_ms BIGINT);
    )sql",
    // 2: kBlobValues — attachments are found by value (blob_in_scope).
    R"sql(
      CREATE INDEX fields_by_blob ON fields(value) WHERE length(value) = 66 AND value LIKE 't:%';
    )sql",
    // 3: kAuditLog — as for SQLite; the triggers also refuse TRUNCATE, which PostgreSQL has.
    R"sql(
      CREATE TABLE audit(
        seq BIGINT PRIMARY KEY, time_ms BIGINT NOT NULL, kind TEXT NOT NULL, actor TEXT NOT NULL,
        subject TEXT NOT NULL, detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
      CREATE FUNCTION audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END $$;
      CREATE FUNCTION audit_next() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.seq IS DISTINCT FROM (SELECT coalesce(max(seq), 0) + 1 FROM audit) THEN
            RAISE EXCEPTION 'journal d''audit : ajout hors de la suite';
          END IF;
          RETURN NEW;
        END $$;
      CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        FOR EACH ROW EXECUTE FUNCTION audit_refuse('journal d''audit : modification interdite');
      CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        FOR EACH ROW EXECUTE FUNCTION audit_refuse('journal d''audit : suppression interdite');
      CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
        FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse('journal d''audit : suppression interdite');
      CREATE TRIGGER audit_append_only BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION audit_next();
      INSERT INTO meta(key, value) VALUES('audit_head', '0 0000000000000000000000000000000000000000000000000000000000000000');
    )sql",
    // 4: kStaff
    R"sql(
      CREATE TABLE staff_users(
        name TEXT COLLATE "C" PRIMARY KEY, role TEXT NOT NULL CHECK(role IN ('admin', 'office')),
        password_hash TEXT NOT NULL, created_ms BIGINT NOT NULL, disabled_ms BIGINT);
      CREATE TABLE staff_sessions(
        token_sha256 TEXT COLLATE "C" PRIMARY KEY,
        "user" TEXT COLLATE "C" NOT NULL REFERENCES staff_users(name) ON DELETE CASCADE,
        csrf_token TEXT NOT NULL, created_ms BIGINT NOT NULL, expires_ms BIGINT NOT NULL,
        last_seen_ms BIGINT NOT NULL);
      CREATE INDEX staff_sessions_by_user ON staff_sessions("user");
    )sql",
    // 5: kQuarantineReview
    R"sql(
      ALTER TABLE quarantine ADD COLUMN review TEXT;
      ALTER TABLE quarantine ADD COLUMN reviewed_by TEXT;
      ALTER TABLE quarantine ADD COLUMN reviewed_ms BIGINT;
    )sql",
    // 6: kReasonMessage
    R"sql(
      ALTER TABLE quarantine ADD COLUMN reason_message TEXT;
      ALTER TABLE received ADD COLUMN reason_message TEXT;
    )sql",
    // 7: kOfficeClock — as for SQLite; the index that found it in the log goes.
    R"sql(
      INSERT INTO meta(key, value) SELECT 'office_clock', CAST(coalesce(max(hlc), 0) AS TEXT) FROM changes;
      DROP INDEX changes_by_node;
    )sql",
    // 8: kLoginFailures — the secret from two version-4 UUIDs (PostgreSQL's strong random).
    R"sql(
      CREATE TABLE login_failures(
        name TEXT COLLATE "C" NOT NULL, address TEXT COLLATE "C" NOT NULL, failures BIGINT NOT NULL,
        last_ms BIGINT NOT NULL, PRIMARY KEY(name, address));
      INSERT INTO meta(key, value)
        VALUES('login_failures_secret', replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''));
    )sql",
};
static_assert(sizeof kPostgresSteps / sizeof kPostgresSteps[0] == sizeof kSteps / sizeof kSteps[0]);

constexpr int kStepCount = static_cast<int>(sizeof kSteps / sizeof kSteps[0]);
static_assert(kStepCount == static_cast<int>(CentralSchema::kLatest));

}  // namespace

Result<int> central_schema_version(Database& db) { return schema_version(db); }

Status migrate_central(Database& db, CentralSchema target) {
  const std::span<const char* const> steps =
      db.dialect() == Database::Dialect::kSqlite ? std::span<const char* const>(kSteps) : kPostgresSteps;
  return migrate(db, steps, static_cast<int>(target), core::Message("stockage.central_schema.magasin_central"));
}

}  // namespace carnet::storage
