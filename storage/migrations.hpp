// Numbered schema migrations over PRAGMA user_version (PostgreSQL: the table carnet_schema),
// shared by the replica and the
// central store: step i brings the schema from version i to i + 1, each in its own
// transaction; a file whose version is beyond the known steps is refused.
#pragma once

#include <span>
#include <string_view>

#include "storage/database.hpp"

namespace carnet::storage {

Result<int> schema_version(Database& db);
// Applies steps[version .. target-1]. `what` names the file in the refusal message.
Status migrate(Database& db, std::span<const char* const> steps, int target, core::Message what);

}  // namespace carnet::storage
