// What a sync exchange sends a device besides the answers to its push (storage/central/
// sync_log.hpp): snapshots of the dossiers newly in its scope, a page of the log after its
// cursor, the grid files it lacks, and checksums of its scope.
//
// Thread safety: run in the exchange's transaction, under the CentralDb's lock.
#pragma once

#include <string>
#include <vector>

#include "storage/central/statements.hpp"
#include "storage/central/sync_log.hpp"

namespace carnet::storage {

// Snapshots of the dossiers of `scope` in state "snapshot" (and of those `in.repair` asks
// for), marked active, then a page of at most min(in.max_pull, max_pull) changes of the
// active dossiers after the device's cursor; sets out.pull, out.cursor, out.has_more and
// out.repaired.
Status pull_scope(Transaction& tx, const SyncInput& in, const std::string& device, internal::DeviceScope& scope,
                  std::size_t max_pull, SyncOutput& out);
// The grid files the device lacks, into out.grid_files.
Status missing_grids(Database& held, const SyncInput& in, SyncOutput& out);
// The checksum of the fields of `dossiers` (storage/scope_checksum.hpp).
Result<std::string> dossiers_checksum(Database& held, const std::vector<std::string>& dossiers);

}  // namespace carnet::storage
