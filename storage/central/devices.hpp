// Devices: the tablets the central node knows: one-time enrollment codes, enrolled devices
// and the certificates they authenticate with, revocation, and which attachments a device
// may fetch. Each mutation is one transaction with its audit entry.
//
// Thread safety: stateless; every call runs under the CentralDb's lock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/uuid.hpp"
#include "storage/central/audit_log.hpp"
#include "storage/central/catalogue.hpp"

namespace carnet::storage {

struct DeviceRecord {
  core::Uuid id;
  std::string inspector_id;
  std::string name;
  std::string serial_hex;
  std::string fingerprint;
  std::int64_t not_after = 0;  // certificate expiry, Unix seconds
  std::int64_t enrolled_ms = 0;
  std::optional<std::int64_t> revoked_ms;
  std::optional<std::int64_t> last_sync_ms;
};

class Devices {
 public:
  Devices(CentralDb& db, AuditLog& audit) : db_(db), audit_(audit) {}

  // Enrollment: a code is stored as its SHA-256 and is good once, until it expires. kNotFound
  // for an unknown inspector.
  Status add_enrollment_code(std::string_view code_sha256, std::string_view inspector, std::int64_t expires_ms);
  // The inspector a code was issued for; kFailedPrecondition (French) for an unknown, used
  // or expired code. Does not use the code.
  Result<Inspector> check_enrollment_code(std::string_view code_sha256, std::int64_t now_ms);
  // Uses the code and records the device, in one transaction (the code is checked again).
  Status enroll(std::string_view code_sha256, std::int64_t now_ms, const DeviceRecord& device);
  // Enrolls an enrolled device again, with a new certificate (its scope and what it has
  // pulled stay as they are): checks and uses the code, and records `device`'s serial,
  // fingerprint and expiry, in one transaction. kNotFound for an unknown device;
  // kFailedPrecondition (French) for an unknown, used or expired code, a code issued for
  // another inspector than the device's, or a revoked device.
  Status reenroll(std::string_view code_sha256, std::int64_t now_ms, const DeviceRecord& device);
  // Records a device without a code (tests and benchmarks).
  Status add(const DeviceRecord& device);

  Result<std::optional<DeviceRecord>> find(const core::Uuid& id);
  Result<std::vector<DeviceRecord>> list();  // by enrollment time

  // Records the certificate a device now authenticates with (a renewed one). kNotFound for
  // an unknown device.
  Status set_certificate(const core::Uuid& id, std::string_view serial_hex, std::string_view fingerprint,
                         std::int64_t not_after);
  // From now on the device's requests are refused and it is told to erase its replica.
  // kNotFound for an unknown device; revoking twice keeps the first date.
  Status revoke(const core::Uuid& id, std::int64_t now_ms);

  // Whether a field of a dossier in the device's scope refers to the attachment `sha256`.
  Result<bool> blob_in_scope(const core::Uuid& device, std::string_view sha256);

 private:
  CentralDb& db_;
  AuditLog& audit_;
};

}  // namespace carnet::storage
