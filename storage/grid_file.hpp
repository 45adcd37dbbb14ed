// Grid files: protobuf text format (proto/carnet/v1/grid.proto) to a compiled core::Grid.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/grid.hpp"

namespace carnet::storage {

inline constexpr std::size_t kMaxGridFileBytes = 1 << 20;

// Parses and compiles the text of a grid file. `origin` (a file name) prefixes messages.
// Errors (kInvalidArgument, in French): a syntax error with its line and column, an unknown
// field, or any rule of Grid::compile (a broken expression names grid, item and column).
core::Result<std::shared_ptr<const core::Grid>> parse_grid(std::string_view text, std::string_view origin);

// Reads the grid file at `path` (at most 1 MiB); kNotFound / kIoError / kOutOfRange.
core::Result<std::string> read_grid_file(const std::string& path);

// A grid file read and compiled: its text (what is published and stored) and its grid.
struct GridFile {
  std::string text;
  std::shared_ptr<const core::Grid> grid;
};

// read_grid_file, then parse_grid with the path as origin; their errors.
core::Result<GridFile> load_grid_file(const std::string& path);

}  // namespace carnet::storage
