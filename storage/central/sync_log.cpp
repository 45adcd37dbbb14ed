#include "storage/central/sync_log.hpp"

#include "storage/central/change_batch.hpp"
#include "storage/central/statements.hpp"
#include "storage/central/sync_pull.hpp"
#include "storage/sqlite_values.hpp"

namespace carnet::storage {
namespace {

using namespace internal;

// The refusal of a change whose version is too far ahead of the central clock.
constexpr std::string_view kClockRefusal = "horloge";

// Why a pushed change breaks an invariant: the device's own checks (its scope, the version
// rule, its clock), then the rules every writer's change passes.
Result<std::optional<Refusal>> refusal(ChangeRules& rules, ChangeBatch& batch, const core::Change& c, const DeviceScope& scope,
                                       std::int64_t now, std::int64_t max_drift_ms, const std::string& device) {
  if (!scope.contains(c.scope)) {
    return Refusal{"hors_perimetre", core::Message("stockage.central_sqlite.hors_perimetre", {{"dossier", c.scope}})};
  }
  // The version rule: a change is above the version it replaces (docs/sync.md).
  if (!c.base.is_zero() && !(c.base < c.version)) {
    return Refusal{"version_sous_base", core::Message("stockage.central_sqlite.version_sous_base")};
  }
  const std::int64_t ahead = c.version.hlc.physical_ms() - now;
  if (ahead > max_drift_ms) {
    return Refusal{std::string(kClockRefusal),
                   core::Message("stockage.central_sqlite.horloge_en_avance", {{"minutes", ahead / 60000}})};
  }
  return rules.check(batch, c, device);
}

// Records the answer to a change received and not applied, which a retried push gets again.
Status remember(ChangeBatch& batch, const core::Change& c, ChangeOutcome::Status status, std::string_view reason,
                const std::optional<core::Message>& reason_message = std::nullopt) {
  auto st = batch.tx().db().prepare(
      "INSERT INTO received(change_id, status, reason, reason_message) VALUES(?1, ?2, ?3, ?4) "
      "ON CONFLICT(change_id) DO UPDATE SET status = ?2, reason = ?3, reason_message = ?4");
  if (!st) return st.error();
  const auto cid = uuid_bytes(c.id);
  CARNET_RETURN_IF_ERROR(st->bind_blob(1, cid.data(), cid.size())
                             .bind(2, static_cast<std::int64_t>(status))
                             .bind(3, reason)
                             .bind_optional(4, encoded(reason_message))
                             .run());
  batch.remember_answer(std::string(cid), {static_cast<std::int64_t>(status), std::string(reason), reason_message});
  return Status::ok_status();
}

// The field's current value and version, as the batch sees it.
Result<std::optional<std::pair<Value, core::Version>>> state_of(ChangeBatch& batch, const core::Change& c) {
  auto cur = batch.field(c.entity_type, c.entity_id, c.field);
  if (!cur) return fail(cur.error());
  if (!*cur) return std::optional<std::pair<Value, core::Version>>();
  return std::optional<std::pair<Value, core::Version>>(std::make_pair((*cur)->value, (*cur)->version));
}

}  // namespace

Result<SyncOutput> SyncLog::sync(const SyncInput& in) {
  // First on the likely guess that no pushed change is in the log already; should one be
  // (a retried push), the log's unique change ids catch it, nothing is kept, and the
  // exchange runs again with the log read first.
  bool retry = false;
  auto out = db_.write([&](Transaction& tx) {
    // A device clock within the allowed drift moves ours; one beyond it does not, and its
    // changes are quarantined.
    db_.hlc(tx).observe(in.device_clock, db_.options().max_clock_drift_ms).ignore();
    return exchange(tx, in, false, &retry);
  });
  if (!out && retry) out = db_.write([&](Transaction& tx) { return exchange(tx, in, true, &retry); });
  return out;
}

Result<SyncOutput> SyncLog::exchange(Transaction& tx, const SyncInput& in, bool exact, bool* retry) {
  const std::int64_t now = db_.now_ms();
  const std::string device = in.device.to_string();
  SyncOutput out;

  DeviceScope scope;
  {
    auto st = tx.db().prepare("SELECT dossier, state FROM device_scope WHERE device = ?1");
    if (!st) return fail(st.error());
    st->bind(1, device);
    CARNET_RETURN_IF_ERROR_R(each_row(*st, [&](Statement& s) {
      scope.emplace(s.column_text(0), s.column_text(1));
      return Status::ok_status();
    }));
  }

  {  // The push, applied as a batch, written before the rest of the exchange reads the tables.
    ChangeBatch batch(db_, tx, ChangeBatch::Mode::kPush, exact);
    const Status pushed = [&]() -> Status {
      CARNET_RETURN_IF_ERROR(batch.prefetch_answers(in.push));
      CARNET_RETURN_IF_ERROR(batch.prefetch_state(in.push));
      for (std::size_t i = 0; i < in.push.size(); ++i) {
        CARNET_RETURN_IF_ERROR(apply_pushed(batch, in, device, scope, i, now, out));
      }
      return batch.flush();
    }();
    *retry = batch.retry_exactly();  // whichever flush failed (a signature check flushes too)
    CARNET_RETURN_IF_ERROR_R(pushed);
  }

  for (const auto& id : in.resolved_conflicts) {
    CARNET_RETURN_IF_ERROR_R(conflicts_.resolve_from_device(tx, id, device, in.inspector_id, now));
  }
  for (const auto& dossier : in.evicted) {
    auto st = tx.db().prepare("DELETE FROM device_scope WHERE device = ?1 AND dossier = ?2 AND state = 'evicting'");
    if (!st) return fail(st.error());
    CARNET_RETURN_IF_ERROR_R(st->bind(1, device).bind(2, dossier).run());
    if (auto it = scope.find(dossier); it != scope.end() && it->second == "evicting") scope.erase(it);
  }

  CARNET_RETURN_IF_ERROR_R(pull_scope(tx, in, device, scope, db_.options().max_pull, out));
  for (const auto& [dossier, state] : scope) {
    (state == "evicting" ? out.evict : out.assigned).push_back(dossier);
  }
  CARNET_RETURN_IF_ERROR_R(missing_grids(tx.db(), in, out));
  auto open = Conflicts::open_in_scope(tx.db(), device);
  if (!open) return fail(open.error());
  out.conflicts = std::move(*open);
  if (in.want_checksum) {
    auto sum = dossiers_checksum(tx.db(), out.assigned);
    if (!sum) return fail(sum.error());
    out.checksum = *sum;
    for (const auto& dossier : out.assigned) {
      auto one = dossiers_checksum(tx.db(), {dossier});
      if (!one) return fail(one.error());
      out.dossier_checksums.emplace_back(dossier, std::move(*one));
    }
  }
  auto seen = tx.db().prepare("UPDATE devices SET last_sync_ms = ?2 WHERE id = ?1");
  if (!seen) return fail(seen.error());
  CARNET_RETURN_IF_ERROR_R(seen->bind(1, device).bind(2, now).run());
  CARNET_RETURN_IF_ERROR_R(audit_.append(tx, AuditKind::kSync, device, in.inspector_id,
                                         "envoyes=" + std::to_string(in.push.size()) + " appliques=" + std::to_string(out.applied) +
                                             " conflits=" + std::to_string(out.conflicts_recorded) +
                                             " quarantaine=" + std::to_string(out.quarantined) +
                                             " tires=" + std::to_string(out.pull.size()) +
                                             (out.clock_ahead ? " horloge=" + std::to_string(out.clock_ahead) : "")));
  out.clock = db_.hlc(tx).now();
  return out;
}

Status SyncLog::apply_pushed(ChangeBatch& batch, const SyncInput& in, const std::string& device, const DeviceScope& scope,
                             std::size_t i, std::int64_t now, SyncOutput& out) {
  const core::Change& c = in.push[i];
  const auto cid = uuid_bytes(c.id);
  {  // Exactly once: a change id seen before gets its first answer again (prefetch_answers()).
    const std::string key(cid);
    if (batch.logged(key)) {
      out.outcomes.push_back({i, ChangeOutcome::Status::kDuplicate, {}, {}, {}});
      return Status::ok_status();
    }
    if (const ChangeBatch::Answer* again = batch.answer(key)) {
      ChangeOutcome o{i, static_cast<ChangeOutcome::Status>(again->status), again->reason, again->message, {}};
      auto state = state_of(batch, c);
      if (!state) return state.error();
      o.state = *state;
      out.outcomes.push_back(std::move(o));
      return Status::ok_status();
    }
  }
  // A change answered without being applied is looked up in the log first: the log's
  // unique ids catch only those applied again (flush()).
  auto answer_once = [&]() -> Result<bool> {
    auto logged = batch.in_log(std::string(cid));
    if (!logged) return logged;
    if (*logged) out.outcomes.push_back({i, ChangeOutcome::Status::kDuplicate, {}, {}, {}});
    return logged;
  };
  auto refused = refusal(rules_, batch, c, scope, now, db_.options().max_clock_drift_ms, device);
  if (!refused) return refused.error();
  if (*refused) {
    auto again = answer_once();
    if (!again) return again.error();
    if (*again) return Status::ok_status();
    const Refusal& why = **refused;
    if (why.code == kClockRefusal && in.restamps) {
      // The answer is the inspector's; only its time is wrong: the device re-stamps it and
      // pushes it again. Nothing is kept, so the same change id may come back and be judged
      // again (docs/sync.md, "Clocks").
      out.outcomes.push_back({i, ChangeOutcome::Status::kClockAhead, why.message.render(), why.message, {}});
      ++out.clock_ahead;
      return Status::ok_status();
    }
    const std::string reason = why.message.render();
    const std::optional<core::Message> reason_message = why.message;
    auto quarantined = Conflicts::quarantine_change(batch.tx(), c, device, in.inspector_id, reason, reason_message, now);
    if (!quarantined) return quarantined.error();
    const std::int64_t quarantine_id = *quarantined;
    CARNET_RETURN_IF_ERROR(remember(batch, c, ChangeOutcome::Status::kQuarantined, reason, reason_message));
    CARNET_RETURN_IF_ERROR(audit_.append(batch.tx(), AuditKind::kQuarantine, device, c.id.to_string(),
                                         "raison=" + why.code + " quarantaine=" + std::to_string(quarantine_id)));
    ChangeOutcome o{i, ChangeOutcome::Status::kQuarantined, reason, reason_message, {}};
    auto state = state_of(batch, c);
    if (!state) return state.error();
    o.state = *state;
    out.outcomes.push_back(std::move(o));
    ++out.quarantined;
    return Status::ok_status();
  }
  CARNET_RETURN_IF_ERROR(batch.create_entity({c.entity_type, c.entity_id, c.parent, c.scope}));
  auto current = state_of(batch, c);
  if (!current) return current.error();
  const core::MergeDecision d = core::merge(*current, c);
  if (d.conflict || !d.apply) {
    auto again = answer_once();
    if (!again) return again.error();
    if (*again) return Status::ok_status();
  }
  if (d.conflict) {
    const bool won = d.apply;
    const auto& [cur_value, cur_version] = **current;
    auto incoming_author = std::string(in.inspector_id);
    auto current_author = author_of(batch.tx().db(), cur_version);
    if (!current_author) return current_author.error();
    ConflictRecord r;
    r.id = core::Uuid::generate(now).to_string();
    r.entity_type = c.entity_type;
    r.entity_id = c.entity_id;
    r.field = c.field;
    r.scope = c.scope;
    r.winner_value = won ? c.value : cur_value;
    r.winner_version = won ? c.version : cur_version;
    r.winner_author = won ? incoming_author : *current_author;
    r.loser_value = won ? cur_value : c.value;
    r.loser_version = won ? cur_version : c.version;
    r.loser_author = won ? *current_author : incoming_author;
    r.created_ms = now;
    CARNET_RETURN_IF_ERROR(Conflicts::insert(batch.tx(), r));
    ++out.conflicts_recorded;
  }
  if (d.apply) {
    CARNET_RETURN_IF_ERROR(batch.log_and_apply(c, device, in.inspector_id, now));
    ++out.applied;
    if (d.conflict) out.outcomes.push_back({i, ChangeOutcome::Status::kConflictWon, {}, {}, {}});
    return row_deletion_conflict(batch, c, in, now, out);
  }
  const auto status = d.conflict ? ChangeOutcome::Status::kConflictLost : ChangeOutcome::Status::kSuperseded;
  CARNET_RETURN_IF_ERROR(remember(batch, c, status, {}));
  out.outcomes.push_back({i, status, {}, {}, *current});
  return Status::ok_status();
}

// A row deleted on one replica while another edited it (docs/sync.md, "Deleted rows"): the
// deletion stands, the edits stay on the row, and one open conflict per row names both
// sides — the deletion (true) and the row kept with its edits (false) — so that a person
// restores the row or confirms its deletion. `c` is a pushed change just applied.
Status SyncLog::row_deletion_conflict(ChangeBatch& batch, const core::Change& c, const SyncInput& in, std::int64_t now,
                                      SyncOutput& out) {
  if (c.entity_type != entity::kRow) return Status::ok_status();
  struct Side {
    core::Version version;
    std::string author;
  };
  Database& db = batch.tx().db();
  std::optional<Side> deletion;
  std::optional<Side> edit;
  if (c.field == row_field::kDeleted && c.value == Value::boolean(true)) {
    // An edit of the row the deleter had neither pulled nor written: the latest one.
    auto st = db.prepare(
        "SELECT hlc, node, author FROM fields WHERE entity_type = ?1 AND entity_id = ?2 AND field LIKE 'c.%' "
        "AND seq > ?3 AND node <> ?4 ORDER BY seq DESC LIMIT 1");
    if (!st) return st.error();
    const auto node = uuid_bytes(c.version.node);
    st->bind(1, c.entity_type)
        .bind(2, c.entity_id)
        .bind(3, static_cast<std::int64_t>(c.seen_cursor != 0 ? c.seen_cursor : in.cursor))
        .bind_blob(4, node.data(), node.size());
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return Status::ok_status();
    auto who = uuid_from_blob(st->column_blob(1));
    if (!who) return who.error();
    edit = Side{{core::Hlc{static_cast<std::uint64_t>(st->column_int(0))}, *who}, st->column_text(2)};
    deletion = Side{c.version, in.inspector_id};
  } else if (c.field.starts_with(row_field::kCellPrefix)) {
    auto deleted = batch.field(entity::kRow, c.entity_id, row_field::kDeleted);
    if (!deleted) return deleted.error();
    if (!*deleted || (*deleted)->value != Value::boolean(true) || (*deleted)->version.node == c.version.node) {
      return Status::ok_status();
    }
    auto author = author_of(db, (*deleted)->version);
    if (!author) return author.error();
    deletion = Side{(*deleted)->version, *author};
    edit = Side{c.version, in.inspector_id};
  } else {
    return Status::ok_status();
  }
  auto open = db.prepare("SELECT count(*) FROM conflicts WHERE entity_type = ?1 AND entity_id = ?2 AND field = ?3 AND status = 'open'");
  if (!open) return open.error();
  auto n = open->bind(1, entity::kRow).bind(2, c.entity_id).bind(3, row_field::kDeleted).run_returning();
  if (!n) return n.error();
  if (*n > 0) return Status::ok_status();
  ConflictRecord r;
  r.id = core::Uuid::generate(now).to_string();
  r.entity_type = std::string(entity::kRow);
  r.entity_id = c.entity_id;
  r.field = std::string(row_field::kDeleted);
  r.scope = c.scope;
  r.winner_value = Value::boolean(true);
  r.winner_version = deletion->version;
  r.winner_author = deletion->author;
  r.loser_value = Value::boolean(false);
  r.loser_version = edit->version;
  r.loser_author = edit->author;
  r.created_ms = now;
  CARNET_RETURN_IF_ERROR(Conflicts::insert(batch.tx(), r));
  ++out.conflicts_recorded;
  return Status::ok_status();
}

Result<std::string> SyncLog::author_of(Database& held, const core::Version& v) {
  auto st = held.prepare("SELECT inspector FROM devices WHERE id = ?1");
  if (!st) return fail(st.error());
  st->bind(1, v.node.to_string());
  auto row = st->step();
  if (!row) return fail(row.error());
  if (!*row) return std::string(v.node == db_.node() ? kOffice : "?");
  return st->column_text(0);
}

}  // namespace carnet::storage
