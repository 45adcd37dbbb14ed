#include "storage/central/change_batch.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "core/addendum.hpp"
#include "storage/central/statements.hpp"
#include "storage/meta_table.hpp"
#include "storage/sqlite_values.hpp"

namespace carnet::storage {
namespace {

using namespace internal;

// The meta key of the last office change's clock (CentralSchema::kOfficeClock).
constexpr std::string_view kOfficeClock = "office_clock";

// Multi-row statements take one of a few row counts, so that the statements prepared and
// cached stay few (at most 500 rows of 16 values: under SQLite's and PostgreSQL's limits).
constexpr std::array<std::size_t, 5> kRowCounts{500, 100, 20, 5, 1};

// Rows the next multi-row INSERT writes, of `left`: the largest count that fits.
std::size_t chunk(std::size_t left) {
  for (const std::size_t size : kRowCounts) {
    if (left >= size) return size;
  }
  return 1;
}

// Reads `count` keys a few statements at a time: read(first, slots, clamp) binds keys
// first … first + slots - 1, each index passed through clamp(); the last statement is the
// smallest count that holds what is left, padded by repeating the last key.
template <class Read>
Status in_chunks(std::size_t count, Read read) {
  for (std::size_t first = 0; first < count;) {
    std::size_t slots = kRowCounts.front();
    for (const std::size_t size : kRowCounts) {
      if (size >= count - first) slots = size;
    }
    CARNET_RETURN_IF_ERROR(read(first, slots, [count](std::size_t i) { return std::min(i, count - 1); }));
    first += slots;
  }
  return Status::ok_status();
}

// "(?1, …, ?columns), (…)" for `rows` rows.
std::string value_rows(std::size_t rows, int columns) {
  std::string out;
  int n = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    out += r == 0 ? "(" : ", (";
    for (int c = 0; c < columns; ++c) out += (c == 0 ? "?" : ", ?") + std::to_string(++n);
    out += ")";
  }
  return out;
}

// The 16 columns of a log row, as ?first+1 … ?first+16.
void bind_log_row(Statement& st, int first, const core::Change& c, const std::string& device, std::string_view author,
                  std::int64_t now) {
  const auto cid = uuid_bytes(c.id);
  const auto nid = uuid_bytes(c.version.node);
  const auto bid = uuid_bytes(c.base.node);
  st.bind_blob(first + 1, cid.data(), cid.size())
      .bind(first + 2, c.entity_type)
      .bind(first + 3, c.entity_id)
      .bind(first + 4, c.field)
      .bind_optional(first + 5, encoded(c.value))
      .bind(first + 6, static_cast<std::int64_t>(c.version.hlc.value))
      .bind_blob(first + 7, nid.data(), nid.size())
      .bind(first + 8, static_cast<std::int64_t>(c.base.hlc.value))
      .bind_blob(first + 9, bid.data(), bid.size());
  if (c.grid_key.empty()) st.bind_null(first + 10).bind_null(first + 11);
  else st.bind(first + 10, c.grid_key).bind(first + 11, static_cast<std::int64_t>(c.grid_version));
  st.bind(first + 12, c.parent).bind(first + 13, c.scope);
  if (device.empty()) st.bind_null(first + 14);
  else st.bind(first + 14, device);
  st.bind(first + 15, author).bind(first + 16, now);
}

}  // namespace

ChangeBatch::ChangeBatch(CentralDb& db, Transaction& tx, Mode mode, bool exact)
    : db_(db), tx_(tx), entities_(db.entities(tx)), push_(mode == Mode::kPush), exact_(exact) {}

Result<std::optional<FieldValue>> ChangeBatch::field(std::string_view type, std::string_view id, std::string_view f) {
  if (!push_) return entities_.field(type, id, f);
  FieldKey key{std::string(type), std::string(id), std::string(f)};
  if (auto it = fields_.find(key); it != fields_.end()) return it->second;
  auto read = entities_.field(type, id, f);
  if (read) fields_.emplace(std::move(key), *read);
  return read;
}

Result<std::optional<std::pair<std::string, std::string>>> ChangeBatch::entity_place(std::string_view type,
                                                                                     std::string_view id) {
  if (!push_) return entities_.entity_place(type, id);
  PlaceKey key{std::string(type), std::string(id)};
  if (auto it = places_.find(key); it != places_.end()) return it->second;
  auto read = entities_.entity_place(type, id);
  if (read) places_.emplace(std::move(key), *read);
  return read;
}

Status ChangeBatch::create_entity(const EntityRef& e) {
  PlaceKey key{std::string(e.type), std::string(e.id)};
  const auto known = push_ ? places_.find(key) : places_.end();
  if (known != places_.end() && known->second) return Status::ok_status();  // exists
  auto st = tx_.db().prepare("INSERT INTO entities(type, id, parent, scope) VALUES(?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING");
  if (!st) return st.error();
  st->bind(1, e.type).bind(2, e.id);
  if (e.parent.empty()) st->bind_null(3);
  else st->bind(3, e.parent);
  CARNET_RETURN_IF_ERROR(st->bind(4, e.scope).run());
  if (known != places_.end()) known->second = std::make_pair(std::string(e.parent), std::string(e.scope));
  return Status::ok_status();
}

Status ChangeBatch::log_and_apply(const core::Change& c, const std::string& device, std::string_view author,
                                  std::int64_t now) {
  FieldKey key{c.entity_type, c.entity_id, c.field};
  log_.push_back({c, device, std::string(author), now});
  dirty_[key] = log_.size() - 1;
  if (!push_) {
    const Status written = flush();
    log_.clear();  // written, or not at all (the transaction fails)
    dirty_.clear();
    return written;
  }
  fields_.insert_or_assign(std::move(key), FieldValue{c.value, c.version});
  logged_.insert(std::string(uuid_bytes(c.id)));
  return Status::ok_status();
}

Status ChangeBatch::write_office(const EntityRef& e, std::string_view f, const core::Value& value, std::int64_t now,
                                 std::size_t* changed) {
  auto current = field(e.type, e.id, f);
  if (!current) return current.error();
  if (*current && (*current)->value == value) return Status::ok_status();
  if (changed) ++*changed;
  CARNET_RETURN_IF_ERROR(create_entity(e));
  core::Change c;
  c.id = core::Uuid::generate(now);
  c.entity_type = std::string(e.type);
  c.entity_id = std::string(e.id);
  c.parent = std::string(e.parent);
  c.scope = std::string(e.scope);
  c.field = std::string(f);
  c.value = value;
  // Every central node writes office changes under the office's node id: its clock first
  // passes the last of them, kept in meta (under the writer lock, so none is being written).
  auto last = read_meta(tx_.db(), kOfficeClock);
  if (!last) return last.error();
  std::uint64_t last_hlc = 0;
  if (*last) std::from_chars((*last)->data(), (*last)->data() + (*last)->size(), last_hlc);
  core::HybridClock& hlc = db_.hlc(tx_);
  hlc.advance(core::Hlc{last_hlc});
  // The version rule: above the version it replaces, whichever node wrote that.
  if (*current) hlc.advance((*current)->version.hlc);
  c.version = {hlc.now(), db_.node()};
  auto put = tx_.db().prepare("UPDATE meta SET value = ?2 WHERE key = ?1");
  if (!put) return put.error();
  CARNET_RETURN_IF_ERROR(put->bind(1, kOfficeClock).bind(2, std::to_string(c.version.hlc.value)).run());
  if (*current) c.base = (*current)->version;
  return log_and_apply(c, "", kOffice, now);
}

Status ChangeBatch::flush() {
  std::vector<std::int64_t> seqs(log_.size(), 0);
  for (std::size_t first = 0, n = 0; first < log_.size(); first += n) {
    n = chunk(log_.size() - first);
    auto st = tx_.db().prepare(
        "INSERT INTO changes(change_id, entity_type, entity_id, field, value, hlc, node, base_hlc, base_node, grid_key, "
        "grid_version, parent, scope, device, author, received_ms) VALUES " +
        value_rows(n, 16) + " ON CONFLICT(change_id) DO NOTHING RETURNING change_id, seq");
    if (!st) return st.error();
    std::map<std::string, std::size_t, std::less<>> row_of;
    for (std::size_t i = 0; i < n; ++i) {
      const Pending& p = log_[first + i];
      bind_log_row(*st, static_cast<int>(16 * i), p.change, p.device, p.author, p.now);
      row_of.emplace(std::string(uuid_bytes(p.change.id)), first + i);
    }
    std::size_t returned = 0;
    CARNET_RETURN_IF_ERROR(each_row(*st, [&](Statement& s) {
      auto it = row_of.find(s.column_blob(0));
      if (it == row_of.end()) return Status::internal("stockage.central_sqlite.journal_numerotation");
      seqs[it->second] = s.column_int(1);
      ++returned;
      return Status::ok_status();
    }));
    if (returned != n) {
      // A change already in the log: expected only of a push applied without reading the
      // log first (not exact), which then runs again.
      retry_exactly_ = !exact_;
      return Status::internal("stockage.central_sqlite.journal_numerotation");
    }
  }
  // A tablet applies pulled changes in sequence order: it must be the order they were applied.
  for (std::size_t i = 1; i < seqs.size(); ++i) {
    if (seqs[i] <= seqs[i - 1]) return Status::internal("stockage.central_sqlite.journal_numerotation");
  }
  std::vector<std::size_t> last;  // per field, its last log entry
  for (const auto& [key, index] : dirty_) last.push_back(index);
  for (std::size_t first = 0, n = 0; first < last.size(); first += n) {
    n = chunk(last.size() - first);
    auto st = tx_.db().prepare(
        "INSERT INTO fields(entity_type, entity_id, field, value, hlc, node, seq, author, scope) VALUES " + value_rows(n, 9) +
        " ON CONFLICT(entity_type, entity_id, field) DO UPDATE SET value = excluded.value, hlc = excluded.hlc, "
        "node = excluded.node, seq = excluded.seq, author = excluded.author");
    if (!st) return st.error();
    for (std::size_t i = 0; i < n; ++i) {
      const Pending& p = log_[last[first + i]];
      const auto nid = uuid_bytes(p.change.version.node);
      const int o = static_cast<int>(9 * i);
      st->bind(o + 1, p.change.entity_type)
          .bind(o + 2, p.change.entity_id)
          .bind(o + 3, p.change.field)
          .bind_optional(o + 4, encoded(p.change.value))
          .bind(o + 5, static_cast<std::int64_t>(p.change.version.hlc.value))
          .bind_blob(o + 6, nid.data(), nid.size())
          .bind(o + 7, seqs[last[first + i]])
          .bind(o + 8, p.author)
          .bind(o + 9, p.change.scope);
    }
    CARNET_RETURN_IF_ERROR(st->run());
  }
  log_.clear();
  dirty_.clear();
  return Status::ok_status();
}

Status ChangeBatch::prefetch_answers(const std::vector<core::Change>& push) {
  return in_chunks(push.size(), [&](std::size_t first, std::size_t n, auto clamp) -> Status {
    std::string ids;
    for (std::size_t i = 0; i < n; ++i) ids += (i == 0 ? "?" : ", ?") + std::to_string(i + 1);
    auto bind_ids = [&](Statement& st) {
      for (std::size_t i = 0; i < n; ++i) {
        const auto cid = uuid_bytes(push[clamp(first + i)].id);
        st.bind_blob(static_cast<int>(i + 1), cid.data(), cid.size());
      }
    };
    if (exact_) {
      auto logged = tx_.db().prepare("SELECT change_id FROM changes WHERE change_id IN (" + ids + ")");
      if (!logged) return logged.error();
      bind_ids(*logged);
      CARNET_RETURN_IF_ERROR(each_row(*logged, [&](Statement& s) {
        logged_.insert(s.column_blob(0));
        return Status::ok_status();
      }));
    }
    auto got = tx_.db().prepare("SELECT change_id, status, reason, reason_message FROM received WHERE change_id IN (" + ids + ")");
    if (!got) return got.error();
    bind_ids(*got);
    return each_row(*got, [&](Statement& s) {
      received_.insert_or_assign(s.column_blob(0), Answer{s.column_int(1), s.column_text(2), message_column(s, 3)});
      return Status::ok_status();
    });
  });
}

Status ChangeBatch::prefetch_state(const std::vector<core::Change>& push) {
  std::set<PlaceKey> places;
  std::set<FieldKey> fields;
  for (const auto& c : push) {
    places.emplace(c.entity_type, c.entity_id);
    fields.emplace(c.entity_type, c.entity_id, c.field);
    if (c.entity_type == entity::kRow || c.entity_type == entity::kAddendum) places.emplace(entity::kInspection, c.parent);
    fields.emplace(entity::kInspection, c.entity_type == entity::kInspection ? c.entity_id : c.parent, field::kStatus);
    if (c.entity_type == entity::kRow) fields.emplace(entity::kRow, c.entity_id, row_field::kTable);
    if (c.entity_type == entity::kAddendum) fields.emplace(entity::kAddendum, c.entity_id, core::addendum_field::kReview);
  }
  const std::vector<PlaceKey> place_keys(places.begin(), places.end());
  CARNET_RETURN_IF_ERROR(in_chunks(place_keys.size(), [&](std::size_t first, std::size_t n, auto clamp) -> Status {
    auto st = tx_.db().prepare("WITH k(t, i) AS (VALUES " + value_rows(n, 2) +
                               ") SELECT e.type, e.id, coalesce(e.parent, ''), coalesce(e.scope, '') FROM k "
                               "JOIN entities e ON e.type = k.t AND e.id = k.i");
    if (!st) return st.error();
    for (std::size_t i = 0; i < n; ++i) {
      const auto& [type, id] = place_keys[clamp(first + i)];
      st->bind(static_cast<int>(2 * i + 1), type).bind(static_cast<int>(2 * i + 2), id);
      places_.try_emplace({type, id}, std::nullopt);
    }
    return each_row(*st, [&](Statement& s) {
      places_.insert_or_assign({s.column_text(0), s.column_text(1)}, std::make_pair(s.column_text(2), s.column_text(3)));
      return Status::ok_status();
    });
  }));
  const std::vector<FieldKey> field_keys(fields.begin(), fields.end());
  return in_chunks(field_keys.size(), [&](std::size_t first, std::size_t n, auto clamp) -> Status {
    auto st = tx_.db().prepare("WITH k(t, i, f) AS (VALUES " + value_rows(n, 3) +
                               ") SELECT f.entity_type, f.entity_id, f.field, f.value, f.hlc, f.node FROM k "
                               "JOIN fields f ON f.entity_type = k.t AND f.entity_id = k.i AND f.field = k.f");
    if (!st) return st.error();
    for (std::size_t i = 0; i < n; ++i) {
      const auto& [type, id, name] = field_keys[clamp(first + i)];
      st->bind(static_cast<int>(3 * i + 1), type).bind(static_cast<int>(3 * i + 2), id).bind(static_cast<int>(3 * i + 3), name);
      fields_.try_emplace(field_keys[clamp(first + i)], std::nullopt);
    }
    return each_row(*st, [&](Statement& s) {
      auto fv = field_value_at(s, 3);
      if (!fv) return fv.error();
      fields_.insert_or_assign({s.column_text(0), s.column_text(1), s.column_text(2)}, std::move(*fv));
      return Status::ok_status();
    });
  });
}

const ChangeBatch::Answer* ChangeBatch::answer(const std::string& cid) const {
  auto it = received_.find(cid);
  return it == received_.end() ? nullptr : &it->second;
}

void ChangeBatch::remember_answer(const std::string& cid, Answer answer) {
  if (push_) received_.insert_or_assign(cid, std::move(answer));
}

Result<bool> ChangeBatch::in_log(const std::string& cid) {
  if (exact_ || logged_.contains(cid)) return logged_.contains(cid);
  auto st = tx_.db().prepare("SELECT 1 FROM changes WHERE change_id = ?1");
  if (!st) return fail(st.error());
  st->bind_blob(1, cid.data(), cid.size());
  return st->step();
}

}  // namespace carnet::storage
