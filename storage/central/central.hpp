// Central: the central node's store (DESIGN.md, "Storage"), one database shared by the
// rooms that each hold one concern of it:
//
//   db         CentralDb: the database, the writer lock, the clocks, the node id
//   audit      AuditLog: the hash-chained log every action appends to (docs/audit.md)
//   catalogue  Catalogue: inspectors, dossiers, assignments, grids, inspection reads
//   devices    Devices: enrollment codes, devices, certificates, revocation
//   conflicts  Conflicts: conflict records and the quarantine, and their review
//   addenda    Addenda: the review of what is added to signed reports
//   staff      Staff: the office app's accounts, sessions and refused logins
//   sync_log   SyncLog: the sync exchange (push applied, scope pulled)
//
// Every mutating call is one transaction that appends the audit entry of its action: an
// action is in the log if and only if it happened. The same code serves the embedded SQLite
// file and PostgreSQL (storage/postgres.hpp), where several central nodes share one database;
// the few statements that differ choose by CentralDb::sqlite().
//
// Message keys keep their first prefix, stockage.central_sqlite: stored messages name them.
//
// Thread safety: one Central is shared by the server's threads; the rooms serialise on
// CentralDb's lock.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "storage/central/addenda.hpp"
#include "storage/central/audit_log.hpp"
#include "storage/central/catalogue.hpp"
#include "storage/central/central_db.hpp"
#include "storage/central/change_rules.hpp"
#include "storage/central/conflicts.hpp"
#include "storage/central/devices.hpp"
#include "storage/central/staff.hpp"
#include "storage/central/sync_log.hpp"

namespace carnet::storage {

class Central {
 public:
  explicit Central(std::unique_ptr<CentralDb> database);
  Central(const Central&) = delete;
  Central& operator=(const Central&) = delete;

 private:
  std::unique_ptr<CentralDb> database_;

 public:
  CentralDb& db;
  AuditLog audit;
  Catalogue catalogue;
  Devices devices;
  ChangeRules rules;
  Conflicts conflicts;
  Addenda addenda;
  Staff staff;
  SyncLog sync_log;
};

// The embedded SQLite store in `path` (created with kCreate).
Result<std::unique_ptr<Central>> open_sqlite_central(const std::string& path, Database::Mode mode, CentralOptions options = {},
                                                     const core::PhysicalClock& clock = core::SystemClock::instance());
// The store in the PostgreSQL database at `url` (storage/postgres.hpp), its schema created or
// brought up to date; several central nodes may open the same database.
Result<std::unique_ptr<Central>> open_postgres_central(std::string_view url, CentralOptions options = {},
                                                       const core::PhysicalClock& clock = core::SystemClock::instance());
// The store at `address`: a PostgreSQL URL (postgresql://…), else an SQLite file (`mode`
// applies to the file only).
Result<std::unique_ptr<Central>> open_central(const std::string& address, Database::Mode mode, CentralOptions options = {},
                                              const core::PhysicalClock& clock = core::SystemClock::instance());

}  // namespace carnet::storage
