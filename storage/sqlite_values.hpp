// Internal to storage/: how core values, versions and ids are stored in SQLite columns.
//   value   TEXT, core::Value::encode() (NULL for null)
//   hlc     INTEGER, the 64-bit hybrid logical clock
//   node    BLOB, the 16 bytes of the node's uuid
//   message TEXT, core::message_json(m).dump() (NULL for none)
#pragma once

#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/change.hpp"
#include "core/message_json.hpp"
#include "storage/database.hpp"
#include "storage/entity_store.hpp"

namespace carnet::storage::internal {

using core::fail;

inline std::string_view uuid_bytes(const core::Uuid& u) {
  return {reinterpret_cast<const char*>(u.bytes().data()), u.bytes().size()};
}

inline Result<core::Uuid> uuid_from_blob(const std::string& blob) {
  if (blob.size() != 16) return fail(Status::corruption("stockage.sqlite_values.noeud_mal_enregistre"));
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

inline std::optional<std::string> encoded(const std::optional<core::Message>& m) {
  if (!m) return std::nullopt;
  return core::message_json(*m).dump();
}

// A message column: nullopt when NULL or unreadable (another version's key, damaged JSON),
// never an error: the French text beside it is the record.
inline std::optional<core::Message> message_column(const Statement& st, int col) {
  if (st.column_is_null(col)) return std::nullopt;
  auto json = core::Json::parse(st.column_text(col));
  if (!json) return std::nullopt;
  return core::message_from_json(*json);
}


// Change rows (the tablet's outbox, the central log and quarantine share these columns).
inline constexpr const char* kChangeColumns =
    "change_id, entity_type, entity_id, field, value, hlc, node, base_hlc, base_node, coalesce(grid_key, ''), "
    "coalesce(grid_version, 0), parent, scope";

// Reads the kChangeColumns of the current row, starting at column `first`.
inline Result<core::Change> read_change(const Statement& st, int first) {
  auto cid = uuid_from_blob(st.column_blob(first));
  auto version = field_value_at(st, first + 4);
  auto base_node = uuid_from_blob(st.column_blob(first + 8));
  if (!cid || !version || !base_node) return fail(Status::corruption("stockage.sqlite_values.changement_illisible"));
  core::Change c;
  c.id = *cid;
  c.entity_type = st.column_text(first + 1);
  c.entity_id = st.column_text(first + 2);
  c.field = st.column_text(first + 3);
  c.value = version->value;
  c.version = version->version;
  c.base = {core::Hlc{static_cast<std::uint64_t>(st.column_int(first + 7))}, *base_node};
  c.grid_key = st.column_text(first + 9);
  c.grid_version = static_cast<int>(st.column_int(first + 10));
  c.parent = st.column_text(first + 11);
  c.scope = st.column_text(first + 12);
  return c;
}

// The first column of every row of `st`, as text.
inline Result<std::vector<std::string>> first_column(Statement& st) {
  std::vector<std::string> out;
  while (true) {
    auto row = st.step();
    if (!row) return fail(row.error());
    if (!*row) return out;
    out.push_back(st.column_text(0));
  }
}

// Conflict rows (the tablet's and the central node's `conflicts` tables share these
// columns): binds ?1..?14 = id, entity_type, entity_id, field, scope, winner value/hlc/node/
// author, loser value/hlc/node/author, created.
inline Statement& bind_conflict(Statement& st, const ConflictRecord& c) {
  using Blob = Statement::Blob;
  return st.bind_all(c.id, c.entity_type, c.entity_id, c.field, c.scope,  //
                     encoded(c.winner_value), static_cast<std::int64_t>(c.winner_version.hlc.value),
                     Blob{uuid_bytes(c.winner_version.node)}, c.winner_author,  //
                     encoded(c.loser_value), static_cast<std::int64_t>(c.loser_version.hlc.value),
                     Blob{uuid_bytes(c.loser_version.node)}, c.loser_author, c.created_ms);
}

inline constexpr const char* kConflictColumns =
    "id, entity_type, entity_id, field, scope, winner_value, winner_hlc, winner_node, winner_author, "
    "loser_value, loser_hlc, loser_node, loser_author, created";

// Reads the kConflictColumns of the current row, starting at column 0.
inline Result<ConflictRecord> read_conflict(const Statement& s) {
  ConflictRecord c;
  c.id = s.column_text(0);
  c.entity_type = s.column_text(1);
  c.entity_id = s.column_text(2);
  c.field = s.column_text(3);
  c.scope = s.column_text(4);
  auto winner = field_value_at(s, 5);
  auto loser = field_value_at(s, 9);
  if (!winner) return fail(winner.error());
  if (!loser) return fail(loser.error());
  c.winner_value = winner->value;
  c.winner_version = winner->version;
  c.winner_author = s.column_text(8);
  c.loser_value = loser->value;
  c.loser_version = loser->version;
  c.loser_author = s.column_text(12);
  c.created_ms = s.column_int(13);
  return c;
}

}  // namespace carnet::storage::internal
