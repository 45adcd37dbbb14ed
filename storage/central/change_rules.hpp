// ChangeRules: the checks a change passes before the central node applies it, whoever wrote
// it (a tablet's push, or the office applying a quarantined change): the entity known in its
// dossier, a published grid, a value of the field's type, no edit of a signed inspection or
// of a reviewed addendum, a signature that verifies (DESIGN.md, "The change model").
//
// Thread safety: stateless; its calls run in the caller's transaction.
#pragma once

#include <optional>
#include <string>

#include "core/change.hpp"
#include "core/message.hpp"
#include "storage/central/audit_log.hpp"
#include "storage/central/change_batch.hpp"

namespace carnet::storage {

// Why a change breaks an invariant: a short code for the audit log, which never holds
// values, and the message for people (its French text is the record).
struct Refusal {
  std::string code;
  core::Message message;
};

class ChangeRules {
 public:
  ChangeRules(CentralDb& db, AuditLog& audit) : db_(db), audit_(audit) {}

  // The refusal of `c`, read through `batch` (nullopt when it passes). `device` is the
  // device that pushed it ("" for the office); a signature check is audited in batch's
  // transaction.
  Result<std::optional<Refusal>> check(ChangeBatch& batch, const core::Change& c, const std::string& device);

 private:
  // Verifies the signature that `c` carries (the signature field) or relies on (the move to
  // "signed"), over the inspection as the central node holds it; audits the result.
  Result<std::optional<Refusal>> check_signature(ChangeBatch& batch, const core::Change& c, const std::string& device);

  CentralDb& db_;
  AuditLog& audit_;
};

}  // namespace carnet::storage
