#include "storage/migrations.hpp"

#include <string>

namespace carnet::storage {

Result<int> schema_version(Database& db) {
  auto st = db.prepare("PRAGMA user_version");
  if (!st) return core::fail(st.error());
  auto row = st->step();
  if (!row) return core::fail(row.error());
  return static_cast<int>(st->column_int(0));
}

Status migrate(Database& db, std::span<const char* const> steps, int target, core::Message what) {
  auto current = schema_version(db);
  if (!current) return current.error();
  const int known = static_cast<int>(steps.size());
  if (*current > known) {
    return Status::failed_precondition("stockage.migrations.schema_plus_recent",
                                       {{"quoi", std::vector<core::Message>{std::move(what)}},
                                        {"schema", *current},
                                        {"connu", known}});
  }
  for (int v = *current; v < target && v < known; ++v) {
    auto tx = Transaction::begin(db);
    if (!tx) return tx.error();
    CARNET_RETURN_IF_ERROR(db.exec(steps[static_cast<std::size_t>(v)]));
    CARNET_RETURN_IF_ERROR(db.exec("PRAGMA user_version = " + std::to_string(v + 1)));
    CARNET_RETURN_IF_ERROR((*tx)->commit());
  }
  return Status::ok_status();
}

}  // namespace carnet::storage
