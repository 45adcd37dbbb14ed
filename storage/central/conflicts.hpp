// Conflicts: the central node's conflict records (two concurrent values of a field, the
// winner applied everywhere, both kept for a person) and its quarantine (pushed changes that
// break an invariant, kept and never applied until the office decides), with the office's
// review of both (DESIGN.md, "The change model"). Each review is one transaction with its
// audit entry.
//
// Thread safety: stateless; every call runs under the CentralDb's lock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/change.hpp"
#include "core/message.hpp"
#include "storage/central/audit_log.hpp"
#include "storage/central/change_rules.hpp"

namespace carnet::storage {

struct CentralConflict {
  ConflictRecord record;
  std::string status;  // "open" or "resolved"
  std::optional<std::int64_t> resolved_ms;
  std::string resolved_by;
};

struct QuarantineRecord {
  std::int64_t id = 0;
  core::Change change;
  std::string device;
  std::string inspector_id;
  std::string reason;  // French, the record
  // The reason as a catalogue message; nullopt for a row from before the stores kept it, or
  // one this program cannot read.
  std::optional<core::Message> reason_message;
  std::int64_t received_ms = 0;
  // The office's decision (empty while open): "rejetee" (kept, never applied) or "appliquee"
  // (its value written as an office change), by whom and when.
  std::string review;
  std::string reviewed_by;
  std::optional<std::int64_t> reviewed_ms;
  bool open() const { return review.empty(); }
};

// What the office decides for a quarantined change; the names are the French words the
// command line and the office app use ("rejeter", "appliquer").
enum class QuarantineDecision { kReject, kApply };
std::optional<QuarantineDecision> parse_quarantine_decision(std::string_view name);

class Conflicts {
 public:
  Conflicts(CentralDb& db, AuditLog& audit, ChangeRules& rules) : db_(db), audit_(audit), rules_(rules) {}

  // --- Conflicts ------------------------------------------------------------------------------

  // Every conflict, or the open ones, oldest first.
  Result<std::vector<CentralConflict>> list(bool open_only);
  Result<std::optional<CentralConflict>> find(std::string_view id);
  // Settles a conflict with `value` (the winner's, the loser's or another), written by the
  // office as a new change that every replica pulls; `by` is recorded as who resolved it.
  // kNotFound for an unknown id; kFailedPrecondition (French) for one resolved already or on
  // a signed inspection.
  Status resolve(std::string_view id, const core::Value& value, std::string_view by);

  // Records a conflict (in a sync's transaction).
  static Status insert(Transaction& tx, const ConflictRecord& c);
  // Marks resolved a conflict that a device's inspector settled on the tablet, if it is open
  // and in the device's scope (audited).
  Status resolve_from_device(Transaction& tx, std::string_view id, std::string_view device, std::string_view inspector_id,
                             std::int64_t now);
  // The open conflicts of the dossiers a device holds (state active).
  static Result<std::vector<ConflictRecord>> open_in_scope(Database& held, std::string_view device);

  // --- Quarantine ----------------------------------------------------------------------------

  // Quarantined changes, oldest first: every one, or only those still to review.
  Result<std::vector<QuarantineRecord>> quarantine(bool open_only = false);
  Result<std::optional<QuarantineRecord>> quarantined(std::int64_t id);
  // Reviews a quarantined change, audited. kReject keeps it, marked reviewed, never applied.
  // kApply writes its value as an office change that every replica pulls, if it now passes
  // the store's checks (ChangeRules) — the device's own checks (scope, clock) do not apply to
  // the office. kNotFound for an unknown id; kFailedPrecondition (French, saying why) for one
  // already reviewed or a value that still breaks a check.
  Status review_quarantine(std::int64_t id, QuarantineDecision decision, std::string_view by);

  // Keeps a pushed change refused for `reason` (in a sync's transaction); its quarantine id.
  static Result<std::int64_t> quarantine_change(Transaction& tx, const core::Change& c, std::string_view device,
                                                std::string_view inspector_id, std::string_view reason,
                                                const std::optional<core::Message>& reason_message, std::int64_t now);

 private:
  CentralDb& db_;
  AuditLog& audit_;
  ChangeRules& rules_;
};

}  // namespace carnet::storage
