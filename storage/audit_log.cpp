#include "storage/audit_log.hpp"

#include <array>

#include "storage/sha256.hpp"

namespace carnet::storage {
namespace {

constexpr std::array<std::pair<AuditKind, std::string_view>, 22> kKindNames = {{
    {AuditKind::kInspectorAdd, "inspector_add"},
    {AuditKind::kDossierImport, "dossier_import"},
    {AuditKind::kAssignment, "assignment"},
    {AuditKind::kUnassignment, "unassignment"},
    {AuditKind::kGridPublish, "grid_publish"},
    {AuditKind::kEnrollmentCode, "enrollment_code"},
    {AuditKind::kEnrollment, "enrollment"},
    {AuditKind::kRevocation, "revocation"},
    {AuditKind::kSync, "sync"},
    {AuditKind::kQuarantine, "quarantine"},
    {AuditKind::kConflictResolution, "conflict_resolution"},
    {AuditKind::kReportExport, "report_export"},
    {AuditKind::kSignatureCheck, "signature_check"},
    {AuditKind::kAddendumReview, "addendum_review"},
    {AuditKind::kStaffUserAdd, "staff_user_add"},
    {AuditKind::kStaffUserDisable, "staff_user_disable"},
    {AuditKind::kStaffUserRemove, "staff_user_remove"},
    {AuditKind::kStaffLogin, "staff_login"},
    {AuditKind::kStaffLoginFailure, "staff_login_failure"},
    {AuditKind::kStaffLogout, "staff_logout"},
    {AuditKind::kQuarantineReview, "quarantine_review"},
    {AuditKind::kStaffUnblock, "staff_unblock"},
}};

void put_field(std::string& out, std::string_view bytes) {
  const auto n = static_cast<std::uint64_t>(bytes.size());
  for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((n >> shift) & 0xFF);
  out.append(bytes);
}

}  // namespace

std::string_view audit_kind_name(AuditKind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "?";
}

std::optional<AuditKind> audit_kind_from_name(std::string_view name) {
  for (const auto& [k, n] : kKindNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

std::string audit_entry_encoding(const AuditEntry& e) {
  std::string out = "carnet-audit-v1";
  out.reserve(out.size() + 7 * 8 + e.kind.size() + e.actor.size() + e.subject.size() +
              e.detail.size() + 64 + 40);
  put_field(out, std::to_string(e.seq));
  put_field(out, std::to_string(e.time_ms));
  put_field(out, e.kind);
  put_field(out, e.actor);
  put_field(out, e.subject);
  put_field(out, e.detail);
  put_field(out, e.prev_hash);
  return out;
}

std::string audit_entry_hash(const AuditEntry& e) { return sha256_hex(audit_entry_encoding(e)); }

void AuditChainChecker::bad(std::uint64_t seq, core::Message problem) {
  if (!check_.ok) return;
  check_.ok = false;
  check_.first_bad = seq;
  check_.problem = std::move(problem);
}

void AuditChainChecker::add(const AuditEntry& e) {
  if (check_.ok) {
    if (e.seq != expected_) {
      bad(expected_, e.seq > expected_
                         ? core::Message("stockage.audit_log.entree_supprimee", {{"n", expected_}, {"suivante", e.seq}})
                         : core::Message("stockage.audit_log.entrees_reordonnees", {{"n", expected_}, {"numero", e.seq}}));
    } else if (audit_entry_hash(e) != e.hash) {
      bad(e.seq, core::Message("stockage.audit_log.entree_modifiee", {{"n", e.seq}}));
    } else if (e.prev_hash != check_.head_hash) {
      bad(e.seq, core::Message("stockage.audit_log.chaine_rompue", {{"n", e.seq}, {"precedente", e.seq - 1}}));
    } else if (noted_ && noted_->first == e.seq && noted_->second != e.hash) {
      bad(e.seq, core::Message("stockage.audit_log.tete_notee_changee", {{"n", e.seq}}));
    }
  }
  ++check_.count;
  ++expected_;
  check_.head_hash = e.hash;
}

AuditCheck AuditChainChecker::finish(
    const std::optional<std::pair<std::uint64_t, std::string>>& recorded_head) {
  if (!check_.ok) return check_;
  const std::uint64_t n = check_.count;
  if (noted_ && noted_->first > n) {
    bad(n + 1, core::Message("stockage.audit_log.fin_supprimee_avec_tete", {{"n", n + 1}, {"notee", noted_->first}, {"compte", n}}));
    return check_;
  }
  if (!recorded_head) {
    if (n > 0)
      bad(0,
          core::Message("stockage.audit_log.tete_absente"));
  } else if (recorded_head->first > n) {
    bad(n + 1, core::Message("stockage.audit_log.fin_supprimee", {{"n", n + 1}, {"compte", n}, {"enregistrees", recorded_head->first}}));
  } else if (recorded_head->first < n) {
    bad(recorded_head->first + 1, core::Message("stockage.audit_log.ajoutee_hors_carnet", {{"n", recorded_head->first + 1}, {"enregistrees", recorded_head->first}}));
  } else if (recorded_head->second != check_.head_hash) {
    bad(n, core::Message("stockage.audit_log.derniere_remplacee", {{"n", n}}));
  }
  return check_;
}

}  // namespace carnet::storage
