// The central node's audit log: an append-only chain of entries, each naming one action
// (who, on what, when) and the hash of the entry before it, so that an entry edited,
// removed or moved afterwards is found by walking the chain (docs/audit.md).
//
// An entry holds ids, counts and reason codes only — never a field value, a name or a text
// typed by an inspector.
//
// Hash of an entry (lower-case hex SHA-256), over a canonical encoding:
//   entry    := tag field{7}
//   tag      := "carnet-audit-v1"
//   field    := length bytes           length: 8 bytes, big-endian, of `bytes`
//   fields, in order: seq, time_ms (both decimal ASCII), kind (its name below), actor,
//                     subject, detail, prev_hash (hex text; 64 '0' for the first entry)
//
// Pure functions, no I/O: thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/message.hpp"

namespace carnet::storage {

enum class AuditKind {
  kInspectorAdd,        // office; subject: inspector id
  kDossierImport,       // office; subject: dossier id
  kAssignment,          // office; subject: dossier id; detail: inspecteur=ID
  kUnassignment,        // office; subject: dossier id; detail: inspecteur=ID
  kGridPublish,         // office; subject: grid key; detail: version=N
  kEnrollmentCode,      // office; subject: inspector id; detail: expire=ISO time
  kEnrollment,          // inspector id; subject: device id; detail: certificat=SERIAL
  kRevocation,          // office; subject: device id
  kSync,                // device id; subject: inspector id; detail: counts
  kQuarantine,          // device id; subject: change id; detail: raison=CODE dossier=ID
  kConflictResolution,  // office or device id; subject: conflict id; detail: how
  kReportExport,        // office; subject: inspection id; detail: format=…
  kSignatureCheck,      // device id or office; subject: inspection id; detail: resultat=… [raison=CODE]
  kAddendumReview,      // office; subject: addendum id; detail: decision=acceptee|rejetee inspection=ID
  kStaffUserAdd,        // office; subject: staff user name; detail: role=admin|office
  kStaffUserDisable,    // office; subject: staff user name; detail: sessions=N
  kStaffUserRemove,     // office; subject: staff user name; detail: sessions=N
  kStaffLogin,          // staff user name; subject: staff user name
  kStaffLoginFailure,   // staff user name or "inconnu"; subject: the name or ""; detail: raison=CODE
  kStaffLogout,         // staff user name, or office; subject: staff user name; detail: sessions=N
  kQuarantineReview,    // office; subject: quarantine id; detail: decision=rejetee|appliquee changement=ID
  kStaffUnblock,        // office; subject: the name whose refused logins were cleared; detail: lignes=N
};

// The name stored and hashed ("inspector_add", "sync", …), and back.
std::string_view audit_kind_name(AuditKind kind);
std::optional<AuditKind> audit_kind_from_name(std::string_view name);

// What an action records; the store adds seq, time and the hashes.
struct AuditEvent {
  AuditKind kind = AuditKind::kSync;
  std::string actor;
  std::string subject;
  std::string detail;
};

struct AuditEntry {
  std::uint64_t seq = 0;  // 1, 2, 3, … with no gap
  std::int64_t time_ms = 0;
  std::string kind;  // audit_kind_name(); kept as text so that an unknown kind still verifies
  std::string actor;
  std::string subject;
  std::string detail;
  std::string prev_hash;  // hash of entry seq - 1, kAuditGenesis for the first
  std::string hash;       // audit_entry_hash(*this)
};

// The previous hash of the first entry.
inline constexpr std::string_view kAuditGenesis =
    "0000000000000000000000000000000000000000000000000000000000000000";

// The canonical encoding of `e` (every field except `hash`), as described above.
std::string audit_entry_encoding(const AuditEntry& e);
// SHA-256 of the encoding, lower-case hex.
std::string audit_entry_hash(const AuditEntry& e);

// The outcome of walking a chain.
struct AuditCheck {
  std::uint64_t count = 0;               // entries read
  std::string head_hash{kAuditGenesis};  // hash of the last entry read
  bool ok = true;
  std::uint64_t first_bad = 0;  // the first entry found wrong (seq), when !ok
  std::optional<core::Message> problem;  // when !ok
  std::string problem_text() const { return problem ? problem->render() : std::string(); }
};

// Walks a chain from the genesis, one entry at a time in stored order (by seq), so that a
// long log needs no memory; the first problem found is kept and later entries are ignored.
// Not thread-safe (one walk, one thread).
class AuditChainChecker {
 public:
  // A head noted earlier (by an administrator): entry `seq` must be found with `hash`. This
  // finds a log rewritten, or cut with its recorded head, since it was noted.
  void expect(std::uint64_t seq, std::string hash) { noted_ = {seq, std::move(hash)}; }
  void add(const AuditEntry& e);
  // Compares the end of the chain with the head recorded beside it (count and hash, written
  // with each entry), which is what finds entries removed from the end; nullopt when none
  // was recorded.
  AuditCheck finish(const std::optional<std::pair<std::uint64_t, std::string>>& recorded_head);

 private:
  void bad(std::uint64_t seq, core::Message problem);
  AuditCheck check_;
  std::uint64_t expected_ = 1;
  std::optional<std::pair<std::uint64_t, std::string>> noted_;
};

}  // namespace carnet::storage
