// Internal to storage/: how core values, versions and ids are stored in SQLite columns.
//   value   TEXT, core::Value::encode() (NULL for null)
//   hlc     INTEGER, the 64-bit hybrid logical clock
//   node    BLOB, the 16 bytes of the node's uuid
#pragma once

#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "core/change.hpp"
#include "storage/database.hpp"
#include "storage/entity_store.hpp"

namespace carnet::storage::internal {

using core::fail;

inline std::string_view uuid_bytes(const core::Uuid& u) {
  return {reinterpret_cast<const char*>(u.bytes().data()), u.bytes().size()};
}

inline Result<core::Uuid> uuid_from_blob(const std::string& blob) {
  if (blob.size() != 16) return fail(Status::corruption("identifiant de nœud mal enregistré"));
  std::array<std::uint8_t, 16> b{};
  std::memcpy(b.data(), blob.data(), 16);
  return core::Uuid::from_bytes(b);
}

inline Result<core::Value> value_column(const Statement& st, int col) {
  if (st.column_is_null(col)) return core::Value();
  return core::Value::decode(st.column_text(col));
}

// A stored field from the columns (value, hlc, node) starting at `first`.
inline Result<FieldValue> field_value_at(const Statement& st, int first) {
  auto value = value_column(st, first);
  if (!value) return fail(value.error());
  auto node = uuid_from_blob(st.column_blob(first + 2));
  if (!node) return fail(node.error());
  return FieldValue{std::move(*value), {core::Hlc{static_cast<std::uint64_t>(st.column_int(first + 1))}, *node}};
}

// Reads every row of a "SELECT field, value, hlc, node" statement into `out`.
template <class Map>
Status collect_fields(Statement& st, Map& out) {
  while (true) {
    auto row = st.step();
    if (!row) return row.error();
    if (!*row) return Status::ok_status();
    auto fv = field_value_at(st, 1);
    if (!fv) return fv.error();
    out.emplace(st.column_text(0), std::move(*fv));
  }
}

inline std::optional<std::string> encoded(const core::Value& v) {
  if (v.is_null()) return std::nullopt;
  return v.encode();
}


}  // namespace carnet::storage::internal
