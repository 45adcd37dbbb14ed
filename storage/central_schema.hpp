// The central store's schema history, in SQLite and in PostgreSQL (the same numbered steps).
// As for the replica: one transaction per step, newer schemas refused.
#pragma once

#include "storage/database.hpp"

namespace carnet::storage {

enum class CentralSchema : int {
  kEmpty = 0,
  kInitial = 1,  // inspectors, devices, enrollment, grids, entities, fields, change log,
                 // conflicts, quarantine, assignments, device scopes
  kBlobValues = 2,  // an index to find which dossiers refer to an attachment
  kAuditLog = 3,    // the hash-chained audit log, its head in meta, append-only triggers
  kStaff = 4,       // the office's staff accounts and their web sessions
  kQuarantineReview = 5,  // the office's decision on a quarantined change, by whom and when
  kReasonMessage = 6,     // a quarantine reason as a catalogue message, besides its French text
  kOfficeClock = 7,       // the clock of the last office change in meta, passed by every central node
  kLoginFailures = 8,     // refused office logins per (name, address), for the growing delays
  kLatest = kLoginFailures,
};

Status migrate_central(Database& db, CentralSchema target = CentralSchema::kLatest);
Result<int> central_schema_version(Database& db);

}  // namespace carnet::storage
