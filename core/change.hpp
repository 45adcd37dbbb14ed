// The change model (DESIGN.md): every replicated value is a field of an entity, and every
// local write produces one Change per field, kept in the outbox until the central node has
// acknowledged it.
#pragma once

#include <string>

#include "core/hlc.hpp"
#include "core/uuid.hpp"
#include "core/value.hpp"

namespace carnet::core {

// Entity types of the replica.
namespace entity {
inline constexpr std::string_view kDossier = "dossier";
inline constexpr std::string_view kInspection = "inspection";
inline constexpr std::string_view kRow = "row";  // a row of a repeated table
}  // namespace entity

// Fields of a row entity; its cells are "c.<column>".
namespace row_field {
inline constexpr std::string_view kInspection = "inspection";
inline constexpr std::string_view kTable = "table";
inline constexpr std::string_view kDeleted = "supprimee";  // tombstone
inline constexpr std::string_view kCellPrefix = "c.";
}  // namespace row_field

struct Change {
  Uuid id;                  // unique; makes a retried push harmless
  std::string entity_type;
  std::string entity_id;
  std::string field;
  Value value;              // null clears the field
  Version version;          // when and where it was written
  Version base;             // the version the writer had seen (zero if none)
  std::string grid_key;     // the grid version the change was written against, if any
  int grid_version = 0;
};

}  // namespace carnet::core
