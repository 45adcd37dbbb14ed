#include "storage/audit_log.hpp"

#include <openssl/evp.h>

#include <array>

#include "storage/scope_checksum.hpp"

namespace carnet::storage {
namespace {

constexpr std::array<std::pair<AuditKind, std::string_view>, 21> kKindNames = {{
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

std::string audit_entry_hash(const AuditEntry& e) {
  const std::string bytes = audit_entry_encoding(e);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &n, EVP_sha256(), nullptr);
  return to_hex(md, n);
}

void AuditChainChecker::bad(std::uint64_t seq, std::string problem) {
  if (!check_.ok) return;
  check_.ok = false;
  check_.first_bad = seq;
  check_.problem = std::move(problem);
}

void AuditChainChecker::add(const AuditEntry& e) {
  if (check_.ok) {
    if (e.seq != expected_) {
      bad(expected_, e.seq > expected_
                         ? "entrée n° " + std::to_string(expected_) +
                               " manquante (la suivante porte le n° " + std::to_string(e.seq) +
                               ") : elle a été supprimée"
                         : "entrée n° " + std::to_string(expected_) + " : numéro " +
                               std::to_string(e.seq) + " inattendu (entrées réordonnées)");
    } else if (audit_entry_hash(e) != e.hash) {
      bad(e.seq, "entrée n° " + std::to_string(e.seq) +
                     " modifiée ou déplacée : son empreinte ne correspond plus à son contenu");
    } else if (e.prev_hash != check_.head_hash) {
      bad(e.seq, "entrée n° " + std::to_string(e.seq) + " : elle ne suit pas l'entrée n° " +
                     std::to_string(e.seq - 1) +
                     " (une entrée a été modifiée, supprimée ou déplacée)");
    } else if (noted_ && noted_->first == e.seq && noted_->second != e.hash) {
      bad(e.seq, "entrée n° " + std::to_string(e.seq) +
                     " : ce n'est plus celle de la tête notée (journal réécrit depuis)");
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
    bad(n + 1, "entrée n° " + std::to_string(n + 1) + " manquante : la tête notée compte " +
                   std::to_string(noted_->first) + " entrées, le journal " + std::to_string(n) +
                   " (fin du journal supprimée avec sa tête)");
    return check_;
  }
  if (!recorded_head) {
    if (n > 0)
      bad(0,
          "la tête du journal (nombre d'entrées et empreinte) n'est plus enregistrée dans le "
          "magasin");
  } else if (recorded_head->first > n) {
    bad(n + 1, "entrée n° " + std::to_string(n + 1) + " manquante : le journal s'arrête au n° " +
                   std::to_string(n) + " alors que " + std::to_string(recorded_head->first) +
                   " entrées ont été enregistrées (fin du journal supprimée)");
  } else if (recorded_head->first < n) {
    bad(recorded_head->first + 1, "entrée n° " + std::to_string(recorded_head->first + 1) +
                                      " : au-delà de la tête enregistrée (" +
                                      std::to_string(recorded_head->first) +
                                      " entrées), ajoutée hors de Carnet");
  } else if (recorded_head->second != check_.head_hash) {
    bad(n, "entrée n° " + std::to_string(n) +
               " : ne correspond pas à la tête enregistrée (dernière entrée remplacée)");
  }
  return check_;
}

}  // namespace carnet::storage
