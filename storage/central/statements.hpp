// Internal to storage/central/: what the rooms' SQL shares.
#pragma once

#include <map>
#include <string>

#include "core/change.hpp"
#include "core/inspection.hpp"
#include "storage/database.hpp"

namespace carnet::storage::internal {

using core::fail;
using core::Value;
namespace entity = core::entity;
namespace field = core::field;
namespace row_field = core::row_field;

// Steps `st` to its end, calling fn(st) on each row; the first failure (of a step or of fn).
template <class Fn>
Status each_row(Statement& st, Fn&& fn) {
  while (true) {
    auto row = st.step();
    if (!row) return row.error();
    if (!*row) return Status::ok_status();
    CARNET_RETURN_IF_ERROR(fn(st));
  }
}

// The author of changes written at the central node, as tablets see it.
inline constexpr const char* kOffice = "bureau";

// A device's scope as one exchange reads and updates it: dossier -> state ("snapshot",
// "active" or "evicting").
using DeviceScope = std::map<std::string, std::string, std::less<>>;

}  // namespace carnet::storage::internal
