// Checking a change that comes from another node against the data model: the entity type,
// the field's name and the value's type, for the grid version the change was written
// against. The central node quarantines what fails, with the French reason returned here.
#pragma once

#include <string_view>

#include "core/change.hpp"
#include "core/grid.hpp"
#include "core/status.hpp"

namespace carnet::core {

// `grid` is the grid the change names (grid_key/grid_version). For a cell of a row,
// `row_table` is the row's table key (empty if not known yet: the cell is then refused).
// Dossier entities are not written by tablets and are refused.
Status check_change(const Change& change, const Grid& grid, std::string_view row_table);

}  // namespace carnet::core
