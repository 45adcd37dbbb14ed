#include "storage/central/sync_pull.hpp"

#include <algorithm>
#include <set>

#include "storage/scope_checksum.hpp"
#include "storage/sqlite_values.hpp"

namespace carnet::storage {

using namespace internal;

Status pull_scope(Transaction& tx, const SyncInput& in, const std::string& device, DeviceScope& scope, std::size_t max_pull,
                  SyncOutput& out) {
  Database& db = tx.db();
  std::uint64_t floor = 0;
  {
    auto st = db.prepare("SELECT floor_seq FROM devices WHERE id = ?1");
    if (!st) return st.error();
    st->bind(1, device);
    if (st->step().value_or(false)) floor = static_cast<std::uint64_t>(st->column_int(0));
  }
  const std::uint64_t from = std::max(in.cursor, floor);
  for (const auto& dossier : in.repair) {
    const auto it = scope.find(dossier);
    if (it == scope.end() || it->second != "active") continue;
    it->second = "snapshot";
    out.repaired.push_back(dossier);
  }
  for (auto& [dossier, state] : scope) {
    if (state != "snapshot") continue;
    auto st = db.prepare(
        "SELECT f.entity_type, f.entity_id, f.field, f.value, f.hlc, f.node, f.seq, coalesce(e.parent, ''), f.scope "
        "FROM fields f JOIN entities e ON e.type = f.entity_type AND e.id = f.entity_id WHERE f.scope = ?1 "
        "ORDER BY f.seq");
    if (!st) return st.error();
    st->bind(1, dossier);
    CARNET_RETURN_IF_ERROR(each_row(*st, [&](Statement& s) {
      LoggedChange lc;
      lc.change.entity_type = s.column_text(0);
      lc.change.entity_id = s.column_text(1);
      lc.change.field = s.column_text(2);
      auto fv = field_value_at(s, 3);
      if (!fv) return fv.error();
      lc.change.value = fv->value;
      lc.change.version = fv->version;
      lc.seq = static_cast<std::uint64_t>(s.column_int(6));
      lc.change.parent = s.column_text(7);
      lc.change.scope = s.column_text(8);
      out.pull.push_back(std::move(lc));
      return Status::ok_status();
    }));
    auto mark = db.prepare("UPDATE device_scope SET state = 'active' WHERE device = ?1 AND dossier = ?2");
    if (!mark) return mark.error();
    CARNET_RETURN_IF_ERROR(mark->bind(1, device).bind(2, dossier).run());
    state = "active";
  }
  const std::size_t page = std::max<std::size_t>(1, std::min(in.max_pull, max_pull));
  // Its own changes it has: they are not read (an absent device is the office's).
  auto st = db.prepare(std::string("SELECT seq, ") + kChangeColumns +
                       " FROM changes "
                       "WHERE seq > ?1 AND scope IN (SELECT dossier FROM device_scope WHERE device = ?2 AND state = 'active') "
                       "AND (device IS NULL OR device <> ?2) ORDER BY seq LIMIT ?3");
  if (!st) return st.error();
  st->bind(1, static_cast<std::int64_t>(from)).bind(2, device).bind(3, static_cast<std::int64_t>(page + 1));
  std::size_t rows = 0;
  std::uint64_t last = from;
  CARNET_RETURN_IF_ERROR(each_row(*st, [&](Statement& s) {
    if (++rows > page) {
      out.has_more = true;
      return Status::ok_status();
    }
    last = static_cast<std::uint64_t>(s.column_int(0));
    LoggedChange lc;
    lc.seq = last;
    auto change = read_change(s, 1);
    if (!change) return change.error();
    lc.change = std::move(*change);
    out.pull.push_back(std::move(lc));
    return Status::ok_status();
  }));
  if (!out.has_more) {
    // Nothing more in scope: move the cursor to the end of the log, so that the next pull
    // does not scan what lies outside the scope again.
    auto end = db.prepare("SELECT coalesce(max(seq), 0) FROM changes");
    if (!end) return end.error();
    if (end->step().value_or(false)) last = std::max(last, static_cast<std::uint64_t>(end->column_int(0)));
  }
  out.cursor = last;
  return Status::ok_status();
}

Status missing_grids(Database& held, const SyncInput& in, SyncOutput& out) {
  // Each file read only when the device lacks it: they are large.
  std::set<std::pair<std::string, int>> held_grids(in.grids_held.begin(), in.grids_held.end());
  std::vector<std::pair<std::string, std::int64_t>> missing;
  auto st = held.prepare("SELECT key, version FROM grids ORDER BY key, version");
  if (!st) return st.error();
  CARNET_RETURN_IF_ERROR(each_row(*st, [&](Statement& s) {
    if (!held_grids.contains({s.column_text(0), static_cast<int>(s.column_int(1))})) {
      missing.emplace_back(s.column_text(0), s.column_int(1));
    }
    return Status::ok_status();
  }));
  for (const auto& [key, version] : missing) {
    auto source = held.prepare("SELECT source FROM grids WHERE key = ?1 AND version = ?2");
    if (!source) return source.error();
    source->bind(1, key).bind(2, version);
    CARNET_RETURN_IF_ERROR(each_row(*source, [&](Statement& s) {
      out.grid_files.push_back(s.column_text(0));
      return Status::ok_status();
    }));
  }
  return Status::ok_status();
}

Result<std::string> dossiers_checksum(Database& held, const std::vector<std::string>& dossiers) {
  return scope_checksum(held, dossiers,
                        "SELECT entity_type, entity_id, field, value, hlc, node FROM fields WHERE scope = ?1 "
                        "ORDER BY entity_type, entity_id, field");
}

}  // namespace carnet::storage
