// AuditLog: the central store's audit log (docs/audit.md; its entries and their hash chain
// are storage/audit_log.hpp). Every room appends the entry of an action in the action's own
// transaction, so that an action is in the log if and only if it happened.
//
// Thread safety: as its CentralDb; the actor of acting_as() is per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/audit_log.hpp"
#include "storage/central/central_db.hpp"

namespace carnet::storage {

class AuditLog {
 public:
  explicit AuditLog(CentralDb& db) : db_(db) {}

  // Appends the entry of an action to the log, in the action's transaction. The entry
  // follows the recorded head, not the last row, so that entries removed from the end leave a
  // gap that verification finds. kCorruption when the head is missing or the log refuses it.
  Status append(Transaction& tx, AuditKind kind, std::string_view actor, std::string_view subject,
                std::string_view detail);

  // The office's actor for the actions of this thread: acting_as()'s, else
  // CentralOptions::office_actor.
  const std::string& office() const;
  // Runs `action` with `actor` (a staff user of the office app) recorded in the audit log, in
  // place of CentralOptions::office_actor, for the office's actions it makes through this
  // store on this thread. Returns what `action` returns.
  Status acting_as(std::string_view actor, const std::function<Status()>& action);

  // For an action outside the store (exporting a report): appends `event` and runs `action`
  // in one transaction, committed only if `action` succeeds; `action` must not use the store.
  // Returns the first failure (of the log or of `action`).
  Status audited(const AuditEvent& event, const std::function<Status()>& action);

  // The last `limit` entries (every entry when 0), oldest first.
  Result<std::vector<AuditEntry>> entries(std::size_t limit);
  // Walks the whole chain and compares its end with the recorded head, and with `noted`
  // (count and hash of a head an administrator noted earlier) when given; the triggers that
  // guard the log are checked too (AuditCheck::problem when one is missing).
  Result<AuditCheck> verify(const std::optional<std::pair<std::uint64_t, std::string>>& noted = std::nullopt);

 private:
  CentralDb& db_;
};

}  // namespace carnet::storage
