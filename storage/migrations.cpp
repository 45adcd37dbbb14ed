#include "storage/migrations.hpp"

#include <string>

namespace carnet::storage {
namespace {

// PostgreSQL has no user_version: the version is the one row of carnet_schema.
constexpr const char* kPgVersionTable =
    "CREATE TABLE IF NOT EXISTS carnet_schema(version BIGINT NOT NULL, applied_ms BIGINT NOT NULL); "
    "INSERT INTO carnet_schema(version, applied_ms) SELECT 0, 0 WHERE NOT EXISTS (SELECT 1 FROM carnet_schema)";

Status set_version(Database& db, int version) {
  if (db.dialect() == Database::Dialect::kSqlite) return db.exec("PRAGMA user_version = " + std::to_string(version));
  auto st = db.prepare("UPDATE carnet_schema SET version = ?1, applied_ms = (extract(epoch FROM now()) * 1000)::bigint");
  if (!st) return st.error();
  return st->bind(1, static_cast<std::int64_t>(version)).run();
}

}  // namespace

Result<int> schema_version(Database& db) {
  if (db.dialect() == Database::Dialect::kPostgres) {
    auto exists = db.prepare("SELECT to_regclass('carnet_schema') IS NOT NULL");
    if (!exists) return core::fail(exists.error());
    auto known = exists->run_returning();
    if (!known) return core::fail(known.error());
    if (*known == 0) CARNET_RETURN_IF_ERROR_R(db.exec(kPgVersionTable));
  }
  auto st = db.prepare(db.dialect() == Database::Dialect::kSqlite ? "PRAGMA user_version"
                                                                   : "SELECT version FROM carnet_schema");
  if (!st) return core::fail(st.error());
  auto row = st->step();
  if (!row) return core::fail(row.error());
  if (!*row) return core::fail(Status::internal("stockage.database.ligne_attendue"));
  return static_cast<int>(st->column_int(0));
}

Status migrate(Database& db, std::span<const char* const> steps, int target, core::Message what) {
  const int known = static_cast<int>(steps.size());
  auto refuse = [&](int current) {
    return Status::failed_precondition("stockage.migrations.schema_plus_recent",
                                       {{"quoi", std::vector<core::Message>{what}}, {"schema", current}, {"connu", known}});
  };
  auto first = schema_version(db);
  if (!first) return first.error();
  if (*first > known) return refuse(*first);
  for (int v = *first; v < target && v < known; ++v) {
    // The version is read again inside each step's transaction: another process (a second
    // central node on the same database) may have migrated meanwhile.
    auto tx = Transaction::begin(db);
    if (!tx) return tx.error();
    auto current = schema_version(db);
    if (!current) return current.error();
    if (*current > known) return refuse(*current);
    if (*current > v) continue;
    CARNET_RETURN_IF_ERROR(db.exec(steps[static_cast<std::size_t>(v)]));
    CARNET_RETURN_IF_ERROR(set_version(db, v + 1));
    CARNET_RETURN_IF_ERROR((*tx)->commit());
  }
  return Status::ok_status();
}

}  // namespace carnet::storage
