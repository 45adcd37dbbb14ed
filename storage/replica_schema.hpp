// The replica's schema history. PRAGMA user_version holds the last applied step; each step
// runs in its own transaction; a file newer than this code is refused.
#pragma once

#include "storage/database.hpp"

namespace carnet::storage {

enum class ReplicaSchema : int {
  kEmpty = 0,
  kInitial = 1,  // meta, grids, entities, fields, outbox
  kSync = 2,     // scope of entities and changes; conflicts, quarantine notices, evictions
  kBlobs = 3,    // attached photos and documents, and whether the central node has them
  kReasonMessage = 4,  // the central node's reason for a quarantined change as a catalogue message
  kClock = 5,          // meta 'hlc' is the highest stored version; outbox.seen_cursor
  kLatest = kClock,
};

// Applies every step after the file's version up to `target` (tests use earlier targets).
Status migrate_replica(Database& db, ReplicaSchema target = ReplicaSchema::kLatest);
// The file's current version.
Result<int> replica_schema_version(Database& db);

}  // namespace carnet::storage
