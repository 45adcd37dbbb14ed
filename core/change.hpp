// The change model (DESIGN.md): every replicated value is a field of an entity, and every
// local write produces one Change per field, kept in the outbox until the central node has
// acknowledged it.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "core/hlc.hpp"
#include "core/uuid.hpp"
#include "core/value.hpp"

namespace carnet::core {

// Entity types of the replica.
namespace entity {
inline constexpr std::string_view kDossier = "dossier";
inline constexpr std::string_view kInspection = "inspection";
inline constexpr std::string_view kRow = "row";  // a row of a repeated table
inline constexpr std::string_view kAddendum = "addendum";  // core/addendum.hpp
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
  std::string parent;       // the entity's parent (a row's inspection, an inspection's dossier)
  std::string scope;        // the dossier the entity belongs to: what assignment is about
  std::string field;
  Value value;              // null clears the field
  Version version;          // when and where it was written
  Version base;             // the version the writer had seen (zero if none)
  std::string grid_key;     // the grid version the change was written against, if any
  int grid_version = 0;
  // A row's deletion: the central sequence its writer had pulled when it wrote it (0 when
  // unknown), which tells the central node which edits of the row the writer had not seen.
  std::uint64_t seen_cursor = 0;

  friend bool operator==(const Change&, const Change&) = default;
};

// What the central node does with a change, given the field's current state (DESIGN.md,
// "The change model"). Pure; the same on every node, so every replica converges.
struct MergeDecision {
  bool apply = false;     // the change becomes the field's value and version
  bool conflict = false;  // concurrent with a different value: keep both for review
};

// `current` is the field's state (nullopt if never written). A change whose base is the
// current version is a clean successor; otherwise it is concurrent, the higher version wins,
// and differing values make a conflict. A change equal to the current version changes nothing.
MergeDecision merge(const std::optional<std::pair<Value, Version>>& current, const Change& incoming);

}  // namespace carnet::core
