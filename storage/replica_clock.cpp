// Replica's clock (storage/replica.hpp): the hybrid logical clock kept in `meta`, its ceiling
// from the central node's time as last seen (so that a clock running ahead after a sync is
// bounded), and the re-stamping of changes the central node refused for their clock.
#include "storage/replica.hpp"

#include <time.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>

#include "storage/meta_table.hpp"
#include "storage/sqlite_values.hpp"

namespace carnet::storage {
using namespace internal;

Status Replica::load_clock() {
  auto saved = stored_clock(*db_);
  if (!saved) return saved.error();
  hlc_.emplace(*clock_, *saved);
  return Status::ok_status();
}

Result<core::Hlc> Replica::stored_clock(Database& db) {
  auto st = db.prepare("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'hlc'");
  if (!st) return fail(st.error());
  auto row = st->step();
  if (!row) return fail(row.error());
  return core::Hlc{*row ? static_cast<std::uint64_t>(st->column_int(0)) : 0};
}

Result<core::Hlc> Replica::tick(Transaction& tx) {
  // The stored clock is the authority: a re-stamp in another process may have lowered it.
  auto stored = stored_clock(tx.db());
  if (!stored) return fail(stored.error());
  auto ceiling = clock_ceiling_ms(tx.db());
  if (!ceiling) return fail(ceiling.error());
  hlc_.emplace(*clock_, *stored);
  const core::Hlc t = hlc_->now(*ceiling);
  CARNET_RETURN_IF_ERROR_R(set_meta(tx, "hlc", std::to_string(t.value)));
  return t;
}

Result<core::Hlc> Replica::clock_reading() {
  auto stored = stored_clock(*db_);
  if (!stored) return fail(stored.error());
  auto ceiling = clock_ceiling_ms(*db_);
  if (!ceiling) return fail(ceiling.error());
  core::HybridClock reading(*clock_, *stored);
  return reading.now(*ceiling);
}

namespace {

// The time since the tablet started (CLOCK_BOOTTIME, which counts suspended time and no
// setting of the wall clock moves), and which start that was.
struct BootTime {
  std::string boot_id;
  std::int64_t ms = 0;
};

std::optional<BootTime> boot_time() {
  // The boot id does not change while this process lives: read once.
  static const std::string boot_id = [] {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string id;
    if (!std::getline(in, id) || id.size() > 64) id.clear();
    return id;
  }();
  timespec ts{};
  if (boot_id.empty() || ::clock_gettime(CLOCK_BOOTTIME, &ts) != 0) return std::nullopt;
  return BootTime{boot_id, static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000};
}

// meta 'central_time': "CENTRAL_MS WALL_MS BOOT_MS BOOT_ID", what the last sync saw.
struct CentralTimeSeen {
  std::int64_t central_ms = 0;
  std::int64_t wall_ms = 0;
  BootTime boot;
};

std::optional<CentralTimeSeen> parse_central_time(const std::string& text) {
  std::istringstream in(text);
  CentralTimeSeen seen;
  if (!(in >> seen.central_ms >> seen.wall_ms >> seen.boot.ms)) return std::nullopt;
  in >> seen.boot.boot_id;  // absent when the boot clock was not readable
  return seen;
}

// The central node's time now, as estimated from what the last sync saw.
std::int64_t central_now_ms(const CentralTimeSeen& seen, std::int64_t wall_now) {
  const auto boot = boot_time();
  const std::int64_t elapsed = boot && !seen.boot.boot_id.empty() && boot->boot_id == seen.boot.boot_id
                                   ? boot->ms - seen.boot.ms
                                   : wall_now - seen.wall_ms;
  return seen.central_ms + std::max<std::int64_t>(elapsed, 0);
}

}  // namespace

Result<std::int64_t> Replica::clock_ceiling_ms(Database& db) {
  auto st = db.prepare("SELECT value FROM meta WHERE key = 'central_time'");
  if (!st) return fail(st.error());
  auto row = st->step();
  if (!row) return fail(row.error());
  if (!*row) return std::numeric_limits<std::int64_t>::max();
  const auto seen = parse_central_time(st->column_text(0));
  if (!seen) return std::numeric_limits<std::int64_t>::max();
  return central_now_ms(*seen, clock_->now_ms()) + kClockMarginMs;
}

Status Replica::note_central_time(Transaction& tx, core::Hlc central) {
  const std::int64_t wall = clock_->now_ms();
  const auto boot = boot_time().value_or(BootTime{});
  CARNET_RETURN_IF_ERROR(set_meta(tx, "central_time",
                                  std::to_string(central.physical_ms()) + " " + std::to_string(wall) + " " +
                                      std::to_string(boot.ms) + " " + boot.boot_id));
  return set_meta(tx, "clock_offset_ms", std::to_string(central.physical_ms() - wall));
}

Result<std::int64_t> Replica::clock_lead_ms() {
  auto stored = stored_clock(*db_);
  if (!stored) return fail(stored.error());
  auto text = meta("central_time");
  if (!text) return fail(text.error());
  if (!*text) return std::int64_t{0};
  const auto seen = parse_central_time(**text);
  if (!seen) return std::int64_t{0};
  return std::max<std::int64_t>(stored->physical_ms() - central_now_ms(*seen, clock_->now_ms()), 0);
}

Status Replica::restamp(Transaction& tx, const std::vector<core::Change>& refused, core::Hlc central) {
  auto node = this->node();
  if (!node) return node.error();
  const auto me = uuid_bytes(node->node_id);
  auto base_of = tx.db().prepare("SELECT base_hlc FROM outbox WHERE change_id = ?1");
  auto copy = tx.db().prepare(
      "INSERT INTO outbox(change_id, entity_type, entity_id, field, value, hlc, node, base_hlc, base_node, grid_key, "
      "grid_version, parent, scope, seen_cursor) SELECT ?2, entity_type, entity_id, field, value, ?3, node, base_hlc, "
      "base_node, grid_key, grid_version, parent, scope, seen_cursor FROM outbox WHERE change_id = ?1");
  auto drop = tx.db().prepare("DELETE FROM outbox WHERE change_id = ?1");
  auto rebase = tx.db().prepare(
      "UPDATE outbox SET base_hlc = ?5 WHERE entity_type = ?1 AND entity_id = ?2 AND field = ?3 AND base_hlc = ?4 "
      "AND base_node = ?6");
  auto field_version = tx.db().prepare(
      "UPDATE fields SET hlc = ?5 WHERE entity_type = ?1 AND entity_id = ?2 AND field = ?3 AND hlc = ?4 AND node = ?6");
  for (auto* st : {&base_of, &copy, &drop, &rebase, &field_version}) {
    if (!*st) return st->error();
  }
  core::Hlc next = central;
  for (const auto& c : refused) {
    const auto old_id = uuid_bytes(c.id);
    // Above its base as the outbox holds it now: an earlier re-stamp may have moved it.
    auto base = base_of->bind_blob(1, old_id.data(), old_id.size()).run_returning();
    if (!base) return base.error();
    next = std::max(next, core::Hlc{static_cast<std::uint64_t>(*base)}).next();
    const core::Uuid fresh_id = new_id();
    const auto fresh = uuid_bytes(fresh_id);
    const auto old_hlc = static_cast<std::int64_t>(c.version.hlc.value);
    const auto new_hlc = static_cast<std::int64_t>(next.value);
    CARNET_RETURN_IF_ERROR(copy->bind_blob(1, old_id.data(), old_id.size()).bind_blob(2, fresh.data(), fresh.size())
                               .bind(3, new_hlc).run());
    CARNET_RETURN_IF_ERROR(drop->bind_blob(1, old_id.data(), old_id.size()).run());
    for (auto* st : {&rebase, &field_version}) {
      CARNET_RETURN_IF_ERROR((*st)->bind(1, c.entity_type).bind(2, c.entity_id).bind(3, c.field).bind(4, old_hlc)
                                 .bind(5, new_hlc).bind_blob(6, me.data(), me.size()).run());
    }
  }
  // The clock comes back to what the replica stores, no further than the central node's.
  auto st = tx.db().prepare(
      "SELECT max(coalesce((SELECT max(hlc) FROM fields), 0), coalesce((SELECT max(hlc) FROM outbox), 0), ?1)");
  if (!st) return st.error();
  st->bind(1, static_cast<std::int64_t>(next.value));
  auto row = st->step();
  if (!row) return row.error();
  const core::Hlc stored{static_cast<std::uint64_t>(st->column_int(0))};
  hlc_.emplace(*clock_, stored);
  return set_meta(tx, "hlc", std::to_string(stored.value));
}

Status Replica::save_clock(Transaction& tx) {
  // Never lowers it: another process may have moved it further.
  auto st = tx.db().prepare(
      "INSERT INTO meta(key, value) VALUES('hlc', ?1) ON CONFLICT(key) DO UPDATE SET value = ?1 "
      "WHERE CAST(value AS INTEGER) < CAST(?1 AS INTEGER)");
  if (!st) return st.error();
  return st->bind(1, std::to_string(hlc_->last().value)).run();
}

}  // namespace carnet::storage
