// The grids shipped with Carnet (grids/*.grid, embedded at build time).
#pragma once

#include <span>
#include <string_view>

namespace carnet::storage {

struct BuiltinGrid {
  std::string_view file_name;  // "maison-accueil.grid"
  std::string_view text;       // protobuf text format
};

std::span<const BuiltinGrid> builtin_grids();

}  // namespace carnet::storage
