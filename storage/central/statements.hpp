// Internal to storage/central/: what the rooms' SQL shares.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

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

// Every row of `st`, each as row(st), in order; the first failure of a step.
template <class Row>
Result<std::vector<std::invoke_result_t<Row&, const Statement&>>> collect(Statement& st, Row&& row) {
  std::vector<std::invoke_result_t<Row&, const Statement&>> out;
  CARNET_RETURN_IF_ERROR_R(each_row(st, [&](Statement& s) {
    out.push_back(row(s));
    return Status::ok_status();
  }));
  return out;
}

// The first row of `st` as row(st), nullopt when there is none.
template <class Row>
Result<std::optional<std::invoke_result_t<Row&, const Statement&>>> first_row(Statement& st, Row&& row) {
  using T = std::invoke_result_t<Row&, const Statement&>;
  auto found = st.step();
  if (!found) return fail(found.error());
  if (!*found) return std::optional<T>();
  return std::optional<T>(row(st));
}

// The author of changes written at the central node, as tablets see it.
inline constexpr const char* kOffice = "bureau";

// A device's scope as one exchange reads and updates it: dossier -> state ("snapshot",
// "active" or "evicting").
using DeviceScope = std::map<std::string, std::string, std::less<>>;

}  // namespace carnet::storage::internal
