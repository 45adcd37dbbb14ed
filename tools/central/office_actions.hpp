// What the command line (carnet-central) and the office web app (office_app.hpp) both do
// with the central store, so that each exists once: enrollment codes, audited report
// exports, inspector names, and the JSON of the store's records.
//
// Thread safety: free functions over a store, which serialises its own access.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/json.hpp"
#include "core/report.hpp"
#include "storage/central/central.hpp"

namespace carnet::central {

using core::Json;
using core::Result;
using core::Status;

// The display names of the store's inspectors (a snapshot taken now).
core::InspectorNames names_of(storage::Central& store);

// A one-time enrollment code for an inspector's tablet.
struct EnrollmentCode {
  std::string code;  // 12 characters without look-alikes, in groups of 4: "ABCD-EFGH-JKLM"
  std::string inspector;
  std::string ca_fingerprint;  // of the central CA, given with the code
  std::int64_t expires_ms = 0;
};

// Issues a code good for `minutes` from `now_ms` (the store keeps its SHA-256; audited).
// Errors: kNotFound (French) for an unknown inspector; the CA certificate's or the store's.
Result<EnrollmentCode> issue_enrollment_code(storage::Central& store,
                                             std::string_view ca_cert_pem,
                                             std::string_view inspector, int minutes,
                                             std::int64_t now_ms);

// The address a tablet scans to enroll: carnet://enroll?central=URL&code=CODE&ca=FINGERPRINT
// (values percent-encoded).
std::string enrollment_link(std::string_view central_url, const EnrollmentCode& code);

// Exports the report of inspection `id`: reads it, checks its signature against the CA, and
// runs `write` with the report's inputs inside the store's audited transaction (an entry
// kReportExport by `actor` with `detail`), so that the entry exists if and only if `write`
// succeeded. `write` must not use the store. Errors: kNotFound for an unknown id; `write`'s.
using ReportWriter = std::function<Status(const core::InspectionView&, const core::InspectorNames&,
                                          const core::SignatureVerdict&)>;
Status export_report(storage::Central& store, std::string_view ca_cert_pem,
                     std::string_view id, std::string actor, std::string detail,
                     const ReportWriter& write);

// The records as the command line's --json output and the office app's API show them.
Json inspection_listing_json(const storage::InspectionListing& s);
Json conflict_json(const storage::CentralConflict& c);
Json quarantine_json(const storage::QuarantineRecord& q);
Json device_json(const storage::DeviceRecord& d);
Json audit_entry_json(const storage::AuditEntry& e);

}  // namespace carnet::central
