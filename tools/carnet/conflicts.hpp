// The conflicts a tablet holds, seen from its inspector (mine / theirs), and settling one:
// what `carnet conflicts` and the tablet app's conflict screen share.
#pragma once

#include <string>
#include <vector>

#include "storage/capture.hpp"
#include "storage/replica.hpp"

namespace carnet::tool {

struct ConflictSides {
  const storage::ConflictRecord* record = nullptr;
  const core::Value* mine = nullptr;
  const core::Value* theirs = nullptr;
  std::string their_author;
  std::int64_t their_ms = 0;  // when their value was written (its version's physical time)
  bool kept_mine = false;     // the merge kept this inspector's value for now
};

ConflictSides sides_of(const storage::ConflictRecord& c, std::string_view inspector_id);

// Settles conflict `id` with this inspector's value (`keep_mine`) or the other one: writes it
// as a new change (one transaction) and marks the conflict resolved (another), so that the
// decision reaches the central node at the next sync. kNotFound for an unknown conflict.
core::Result<core::Value> resolve_conflict(storage::Replica& replica, std::string_view id, bool keep_mine);

}  // namespace carnet::tool
