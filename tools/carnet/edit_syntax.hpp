// The command line's syntax of an edit, read into the typed edits Capture takes
// (storage/edit.hpp). `carnet inspection set` and `attach` take assignments; the tablet app's
// API names the answers of a save by their paths.
//
//   assignment = path "=" text                 an empty text clears the answer
//   path       = key                           an item, an inspection field, remarques.SECTION…
//              | table "[" row "]." column     a cell
//   row        = digits                        an existing row, 1-based (up to 6 digits)
//              | "+" [digits]                  a new row of this command; "+" is "+1"
//
// A path without "[" is a key as it is; whether it names something is for Capture to say,
// against the inspection's grid. Errors are kInvalidArgument, in French, naming the text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"
#include "storage/edit.hpp"

namespace carnet::tool {

core::Result<storage::KeyPath> parse_key_path(std::string_view text);
core::Result<storage::Edit> parse_assignment(std::string_view text);
// Every assignment of one command, in order; the first error if any.
core::Result<std::vector<storage::Edit>> parse_assignments(const std::vector<std::string>& texts);

}  // namespace carnet::tool
