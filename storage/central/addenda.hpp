// Addenda: what an inspector adds to a signed report (core/addendum.hpp), as the office
// reviews it at the central node. A review is one transaction with its audit entry.
//
// Thread safety: stateless; every call runs under the CentralDb's lock.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/addendum.hpp"
#include "storage/central/audit_log.hpp"

namespace carnet::storage {

// An addendum as the office reviews it, with the dossier it belongs to.
struct AddendumRecord {
  core::Addendum addendum;
  std::string dossier_id;
};

class Addenda {
 public:
  Addenda(CentralDb& db, AuditLog& audit) : db_(db), audit_(audit) {}

  // Every addendum (or only those still to review), oldest first.
  Result<std::vector<AddendumRecord>> list(bool pending_only);
  // Accepts or rejects an addendum, as the office (a change every replica pulls), audited.
  // kNotFound for an unknown id; kFailedPrecondition (French) for one already reviewed.
  Status review(std::string_view id, bool accept);

 private:
  CentralDb& db_;
  AuditLog& audit_;
};

}  // namespace carnet::storage
