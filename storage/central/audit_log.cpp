#include "storage/central/audit_log.hpp"

#include <limits>

#include "storage/central/statements.hpp"
#include "storage/meta_table.hpp"

namespace carnet::storage {
namespace {

using namespace internal;

AuditEntry audit_entry_at(const Statement& s) {
  return AuditEntry{static_cast<std::uint64_t>(s.column_int(0)), s.column_int(1), s.column_text(2), s.column_text(3),
                    s.column_text(4), s.column_text(5), s.column_text(6), s.column_text(7)};
}

// The head recorded in meta ("COUNT HASH"); nullopt when missing.
Result<std::optional<std::pair<std::uint64_t, std::string>>> audit_head(Database& db) {
  auto text = read_meta(db, "audit_head");
  if (!text) return fail(text.error());
  if (!*text) return std::optional<std::pair<std::uint64_t, std::string>>();
  const auto space = (*text)->find(' ');
  const std::string count = (*text)->substr(0, space);
  if (space == std::string::npos || count.empty() || count.size() > 18 ||
      count.find_first_not_of("0123456789") != std::string::npos) {
    return fail(Status::corruption("stockage.central_sqlite.tete_audit_illisible"));
  }
  return std::optional<std::pair<std::uint64_t, std::string>>({std::stoull(count), (*text)->substr(space + 1)});
}

// The office's actor of this thread, for one store.
struct ActingAs {
  const AuditLog* log = nullptr;
  std::string actor;
};
thread_local ActingAs acting;

}  // namespace

Status AuditLog::append(Transaction& tx, AuditKind kind, std::string_view actor, std::string_view subject,
                        std::string_view detail) {
  auto head = audit_head(tx.db());
  if (!head) return head.error();
  if (!*head) return Status::corruption("stockage.central_sqlite.tete_audit_absente");
  AuditEntry e{(*head)->first + 1,         db_.now_ms(),         std::string(audit_kind_name(kind)),
               std::string(actor),         std::string(subject), std::string(detail),
               std::move((*head)->second), {}};
  e.hash = audit_entry_hash(e);
  auto st = tx.db().prepare(
      "INSERT INTO audit(seq, time_ms, kind, actor, subject, detail, prev_hash, hash) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!st) return st.error();
  const Status s = st->bind_all(static_cast<std::int64_t>(e.seq), e.time_ms, e.kind, e.actor, e.subject, e.detail,
                                e.prev_hash, e.hash)
                       .run();
  if (s.code() == core::StatusCode::kInternal) {  // refused by audit_append_only
    return Status::corruption("stockage.central_sqlite.audit_ajout_refuse", {{"n", e.seq}});
  }
  if (!s.ok()) return s;
  auto put = tx.db().prepare("UPDATE meta SET value = ?1 WHERE key = 'audit_head'");
  if (!put) return put.error();
  return put->bind(1, std::to_string(e.seq) + " " + e.hash).run();
}

const std::string& AuditLog::office() const { return acting.log == this ? acting.actor : db_.options().office_actor; }

Status AuditLog::acting_as(std::string_view actor, const std::function<Status()>& action) {
  const ActingAs outer = acting;
  acting = {this, std::string(actor)};
  const Status s = action();
  acting = outer;
  return s;
}

Status AuditLog::audited(const AuditEvent& event, const std::function<Status()>& action) {
  return db_.write([&](Transaction& tx) -> Status {
    CARNET_RETURN_IF_ERROR(append(tx, event.kind, event.actor, event.subject, event.detail));
    return action();
  });
}

Result<std::vector<AuditEntry>> AuditLog::entries(std::size_t limit) {
  return db_.read([&](Database& db) -> Result<std::vector<AuditEntry>> {
    auto st = db.prepare(
        "SELECT seq, time_ms, kind, actor, subject, detail, prev_hash, hash FROM "
        "(SELECT * FROM audit ORDER BY seq DESC LIMIT ?1) AS recent ORDER BY seq");
    if (!st) return fail(st.error());
    st->bind(1, limit == 0 ? std::numeric_limits<std::int64_t>::max() : static_cast<std::int64_t>(limit));
    return collect(*st, audit_entry_at);
  });
}

Result<AuditCheck> AuditLog::verify(const std::optional<std::pair<std::uint64_t, std::string>>& noted) {
  const bool sqlite = db_.sqlite();
  return db_.read([&](Database& db) -> Result<AuditCheck> {
    // One read transaction, so that the chain and its recorded head are seen together.
    CARNET_RETURN_IF_ERROR_R(db.run_cached(sqlite ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    struct End {
      Database& db;
      ~End() { db.run_cached("ROLLBACK").ignore(); }
    } end{db};
    AuditChainChecker checker;
    if (noted) checker.expect(noted->first, noted->second);
    auto st = db.prepare("SELECT seq, time_ms, kind, actor, subject, detail, prev_hash, hash FROM audit ORDER BY seq");
    if (!st) return fail(st.error());
    CARNET_RETURN_IF_ERROR_R(each_row(*st, [&](Statement& s) {
      checker.add(audit_entry_at(s));
      return Status::ok_status();
    }));
    auto head = audit_head(db);
    if (!head) return fail(head.error());
    AuditCheck check = checker.finish(*head);
    if (check.ok) {
      auto guards = db.prepare(
          sqlite ? "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit' AND name IN "
                   "('audit_no_update', 'audit_no_delete', 'audit_append_only')"
                 : "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'audit'::regclass AND tgenabled <> 'D' AND tgname IN "
                   "('audit_no_update', 'audit_no_delete', 'audit_no_truncate', 'audit_append_only')");
      if (!guards) return fail(guards.error());
      if (!guards->step().value_or(false)) return fail(Status::internal("stockage.central_sqlite.lecture_schema"));
      if (guards->column_int(0) != (sqlite ? 3 : 4)) {
        check.ok = false;
        check.problem = core::Message("stockage.audit_log.declencheurs_supprimes");
      }
    }
    return check;
  });
}

}  // namespace carnet::storage
