#include "storage/central/conflicts.hpp"

#include "core/text.hpp"
#include "storage/central/change_batch.hpp"
#include "storage/central/statements.hpp"
#include "storage/sqlite_values.hpp"

namespace carnet::storage {
namespace {

using namespace internal;

constexpr std::string_view kReviewRejected = "rejetee";
constexpr std::string_view kReviewApplied = "appliquee";

// The conflicts `where` selects (its ?1 bound to `arg`), oldest first.
Result<std::vector<CentralConflict>> read_conflicts(Database& db, const std::string& where, std::string_view arg) {
  auto st = db.prepare(std::string("SELECT ") + kConflictColumns +
                       ", status, resolved_ms, coalesce(resolved_by, '') FROM conflicts " + where + " ORDER BY created, id");
  if (!st) return fail(st.error());
  if (!where.empty()) st->bind(1, arg);
  std::vector<CentralConflict> out;
  CARNET_RETURN_IF_ERROR_R(each_row(*st, [&](Statement& s) {
    CentralConflict c;
    auto record = read_conflict(s);
    if (!record) return record.error();
    c.record = std::move(*record);
    c.status = s.column_text(14);
    if (!s.column_is_null(15)) c.resolved_ms = s.column_int(15);
    c.resolved_by = s.column_text(16);
    out.push_back(std::move(c));
    return Status::ok_status();
  }));
  return out;
}

// The quarantined changes `where` selects (its ?1, if any, bound to `id`), by id.
Result<std::vector<QuarantineRecord>> read_quarantine(Database& db, const std::string& where, std::int64_t id) {
  auto st = db.prepare(std::string("SELECT id, ") + kChangeColumns +
                       ", device, inspector, reason, received_ms, coalesce(review, ''), coalesce(reviewed_by, ''), "
                       "reviewed_ms, reason_message FROM quarantine " +
                       where + " ORDER BY id");
  if (!st) return fail(st.error());
  if (where.find("?1") != std::string::npos) st->bind(1, id);
  std::vector<QuarantineRecord> out;
  CARNET_RETURN_IF_ERROR_R(each_row(*st, [&](Statement& s) {
    QuarantineRecord q;
    q.id = s.column_int(0);
    auto change = read_change(s, 1);
    if (!change) return change.error();
    q.change = std::move(*change);
    s.read_columns(14, q.device, q.inspector_id, q.reason, q.received_ms, q.review, q.reviewed_by, q.reviewed_ms);
    q.reason_message = message_column(s, 21);
    out.push_back(std::move(q));
    return Status::ok_status();
  }));
  return out;
}

}  // namespace

std::optional<QuarantineDecision> parse_quarantine_decision(std::string_view name) {
  if (name == "rejeter") return QuarantineDecision::kReject;
  if (name == "appliquer") return QuarantineDecision::kApply;
  return std::nullopt;
}

// --- Conflicts ------------------------------------------------------------------------------

Result<std::vector<CentralConflict>> Conflicts::list(bool open_only) {
  return db_.read([&](Database& db) { return read_conflicts(db, open_only ? "WHERE status = 'open'" : "", {}); });
}

Result<std::optional<CentralConflict>> Conflicts::find(std::string_view id) {
  auto all = db_.read([&](Database& db) { return read_conflicts(db, "WHERE id = ?1", id); });
  if (!all) return fail(all.error());
  if (all->empty()) return std::optional<CentralConflict>();
  return std::optional<CentralConflict>(all->front());
}

Status Conflicts::resolve(std::string_view id, const Value& value, std::string_view by) {
  return db_.write([&](Transaction& tx) -> Status {
    auto all = read_conflicts(tx.db(), "WHERE id = ?1", id);
    if (!all) return all.error();
    if (all->empty()) return Status::not_found("stockage.central_sqlite.conflit_inconnu", {{"id", id}});
    const CentralConflict& c = all->front();
    if (c.status != "open") return Status::failed_precondition("stockage.central_sqlite.conflit_resolu");
    ChangeBatch batch(db_, tx, ChangeBatch::Mode::kImmediate);
    auto place = batch.entity_place(c.record.entity_type, c.record.entity_id);
    if (!place) return place.error();
    const std::string parent = *place ? (*place)->first : std::string();
    // A signed report never changes, not even by the office: what remains to say is an addendum.
    if (c.record.entity_type != entity::kAddendum &&
        !(c.record.entity_type == entity::kInspection && c.record.field == field::kHolderAnswer)) {
      const std::string inspection = c.record.entity_type == entity::kInspection ? c.record.entity_id : parent;
      auto status = batch.field(entity::kInspection, inspection, field::kStatus);
      if (!status) return status.error();
      if (*status && (*status)->value == Value::text("signed")) {
        return Status::failed_precondition("stockage.central_sqlite.conflit_inspection_signee");
      }
    }
    const std::int64_t now = db_.now_ms();
    CARNET_RETURN_IF_ERROR(batch.write_office({c.record.entity_type, c.record.entity_id, parent, c.record.scope},
                                              c.record.field, value, now));
    auto st = tx.db().prepare("UPDATE conflicts SET status = 'resolved', resolved_ms = ?2, resolved_by = ?3 WHERE id = ?1");
    if (!st) return st.error();
    CARNET_RETURN_IF_ERROR(st->bind(1, id).bind(2, now).bind(3, by).run());
    const char* kept = value == c.record.winner_value ? "retenue" : value == c.record.loser_value ? "ecartee" : "autre";
    return audit_.append(tx, AuditKind::kConflictResolution, audit_.office(), id, std::string("valeur=") + kept);
  });
}

Status Conflicts::insert(Transaction& tx, const ConflictRecord& c) {
  auto st = tx.db().prepare(std::string("INSERT INTO conflicts(") + kConflictColumns +
                            ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
  if (!st) return st.error();
  return bind_conflict(*st, c).run();
}

Status Conflicts::resolve_from_device(Transaction& tx, std::string_view id, std::string_view device,
                                      std::string_view inspector_id, std::int64_t now) {
  auto st = tx.db().prepare(
      "UPDATE conflicts SET status = 'resolved', resolved_ms = ?2, resolved_by = ?3 WHERE id = ?1 AND status = 'open' "
      "AND scope IN (SELECT dossier FROM device_scope WHERE device = ?4)");
  if (!st) return st.error();
  CARNET_RETURN_IF_ERROR(st->bind(1, id).bind(2, now).bind(3, inspector_id).bind(4, device).run());
  if (tx.db().changes() == 0) return Status::ok_status();
  return audit_.append(tx, AuditKind::kConflictResolution, device, id, "depuis=tablette inspecteur=" + std::string(inspector_id));
}

Result<std::vector<ConflictRecord>> Conflicts::open_in_scope(Database& held, std::string_view device) {
  auto all = read_conflicts(
      held, "WHERE status = 'open' AND scope IN (SELECT dossier FROM device_scope WHERE device = ?1 AND state = 'active')",
      device);
  if (!all) return fail(all.error());
  std::vector<ConflictRecord> out;
  for (auto& c : *all) out.push_back(std::move(c.record));
  return out;
}

// --- Quarantine ----------------------------------------------------------------------------

Result<std::vector<QuarantineRecord>> Conflicts::quarantine(bool open_only) {
  return db_.read([&](Database& db) { return read_quarantine(db, open_only ? "WHERE review IS NULL" : "", 0); });
}

Result<std::optional<QuarantineRecord>> Conflicts::quarantined(std::int64_t id) {
  auto all = db_.read([&](Database& db) { return read_quarantine(db, "WHERE id = ?1", id); });
  if (!all) return fail(all.error());
  if (all->empty()) return std::optional<QuarantineRecord>();
  return std::optional<QuarantineRecord>(all->front());
}

Status Conflicts::review_quarantine(std::int64_t id, QuarantineDecision decision, std::string_view by) {
  return db_.write([&](Transaction& tx) -> Status {
    auto found = read_quarantine(tx.db(), "WHERE id = ?1", id);
    if (!found) return found.error();
    if (found->empty()) return Status::not_found("stockage.central_sqlite.quarantaine_inconnue", {{"id", id}});
    const QuarantineRecord& q = found->front();
    if (!q.open()) {
      const Status::Params who = {{"qui", q.reviewed_by}, {"date", core::iso_timestamp(q.reviewed_ms.value_or(0))}};
      if (q.review == kReviewApplied) return Status::failed_precondition("stockage.central_sqlite.quarantaine_appliquee", who);
      return Status::failed_precondition("stockage.central_sqlite.quarantaine_rejetee", who);
    }
    const std::int64_t now = db_.now_ms();
    const std::string_view review = decision == QuarantineDecision::kApply ? kReviewApplied : kReviewRejected;
    if (decision == QuarantineDecision::kApply) {
      ChangeBatch batch(db_, tx, ChangeBatch::Mode::kImmediate);
      auto refused = rules_.check(batch, q.change, q.device);
      if (!refused) return refused.error();
      if (*refused) {
        return Status::failed_precondition("stockage.central_sqlite.quarantaine_refusee",
                                           {{"raison", std::vector{(*refused)->message}}});
      }
      const core::Change& c = q.change;
      CARNET_RETURN_IF_ERROR(batch.write_office({c.entity_type, c.entity_id, c.parent, c.scope}, c.field, c.value, now));
    }
    auto st = tx.db().prepare("UPDATE quarantine SET review = ?2, reviewed_by = ?3, reviewed_ms = ?4 WHERE id = ?1");
    if (!st) return st.error();
    CARNET_RETURN_IF_ERROR(st->bind(1, id).bind(2, review).bind(3, by).bind(4, now).run());
    return audit_.append(tx, AuditKind::kQuarantineReview, by.empty() ? std::string_view(audit_.office()) : by,
                         std::to_string(id), "decision=" + std::string(review) + " changement=" + q.change.id.to_string());
  });
}

Result<std::int64_t> Conflicts::quarantine_change(Transaction& tx, const core::Change& c, std::string_view device,
                                                  std::string_view inspector_id, std::string_view reason,
                                                  const std::optional<core::Message>& reason_message, std::int64_t now) {
  auto q = tx.db().prepare(
      "INSERT INTO quarantine(change_id, device, inspector, entity_type, entity_id, field, value, hlc, node, base_hlc, "
      "base_node, grid_key, grid_version, parent, scope, reason, received_ms, reason_message) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18) RETURNING id");
  if (!q) return fail(q.error());
  using Blob = Statement::Blob;
  return q->bind_all(Blob{uuid_bytes(c.id)}, device, inspector_id, c.entity_type, c.entity_id, c.field,
                     encoded(c.value), static_cast<std::int64_t>(c.version.hlc.value), Blob{uuid_bytes(c.version.node)},
                     static_cast<std::int64_t>(c.base.hlc.value), Blob{uuid_bytes(c.base.node)}, c.grid_key,
                     static_cast<std::int64_t>(c.grid_version), c.parent, c.scope, reason, now,
                     encoded(reason_message))
      .run_returning();
}

}  // namespace carnet::storage
