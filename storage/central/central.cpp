#include "storage/central/central.hpp"

#include "storage/postgres.hpp"

namespace carnet::storage {

Central::Central(std::unique_ptr<CentralDb> database)
    : database_(std::move(database)),
      db(*database_),
      audit(db),
      catalogue(db, audit),
      devices(db, audit),
      rules(db, audit),
      conflicts(db, audit, rules),
      addenda(db, audit),
      staff(db, audit),
      sync_log(db, audit, conflicts, rules) {}

namespace {

Result<std::unique_ptr<Central>> open_on(Result<std::unique_ptr<Database>> db, CentralOptions options,
                                         const core::PhysicalClock& clock) {
  if (!db) return core::fail(db.error());
  auto central = CentralDb::open(std::move(*db), std::move(options), clock);
  if (!central) return core::fail(central.error());
  return std::make_unique<Central>(std::move(*central));
}

}  // namespace

Result<std::unique_ptr<Central>> open_sqlite_central(const std::string& path, Database::Mode mode, CentralOptions options,
                                                     const core::PhysicalClock& clock) {
  return open_on(Database::open(path, mode), std::move(options), clock);
}

Result<std::unique_ptr<Central>> open_postgres_central(std::string_view url, CentralOptions options,
                                                       const core::PhysicalClock& clock) {
  return open_on(open_postgres(url), std::move(options), clock);
}

Result<std::unique_ptr<Central>> open_central(const std::string& address, Database::Mode mode, CentralOptions options,
                                              const core::PhysicalClock& clock) {
  if (is_postgres_address(address)) return open_postgres_central(address, std::move(options), clock);
  return open_sqlite_central(address, mode, std::move(options), clock);
}

}  // namespace carnet::storage
