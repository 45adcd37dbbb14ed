// The scope checksum: SHA-256 over every field (type, id, field, value, version) of the
// given dossiers, in a fixed order, so that a tablet can check after a sync that it holds
// exactly what the central node holds for its scope.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "storage/database.hpp"

namespace carnet::storage {

// `scoped_fields_sql` selects (entity_type, entity_id, field, value, hlc, node) of the fields
// of the dossier bound to ?1, ordered by entity_type, entity_id, field. Dossiers are hashed
// in sorted order. Returns lower-case hex.
Result<std::string> scope_checksum(Database& db, std::vector<std::string> dossiers, std::string_view scoped_fields_sql);

}  // namespace carnet::storage
