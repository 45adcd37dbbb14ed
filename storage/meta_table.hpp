// The `meta` table that both the tablet's replica and the central store keep: one text value
// per key (node id, clocks, settings, the audit log's head).
//
// Thread safety: as the Database.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "storage/database.hpp"

namespace carnet::storage {

// The value of `key`, nullopt when absent.
Result<std::optional<std::string>> read_meta(Database& db, std::string_view key);
// Sets `key` to `value`, in `tx`.
Status write_meta(Transaction& tx, std::string_view key, std::string_view value);

}  // namespace carnet::storage
