// The tablet's credentials in its data directory — the device key, its certificate and the
// pinned central CA — replaced together, crash-safe, and renewed before they expire.
//
// Files (DATA/):
//   device.key        the device's private key (PKCS#8 PEM, mode 0600), sealed under the
//                     replica's data key (sync/pki.hpp) when DeviceFiles has one
//   device.pem        its certificate, signed by the central CA
//   central-ca.pem    the pinned central CA; the encrypted replica keeps its SHA-256 (setting
//                     central_ca_sha256), and every reader checks the file against it
//   device-next.key, central-ca-next.pem, device-next.pem
//                     a replacement: written in that order, each atomically (the CA only if it
//                     changes), then renamed over the current files in the same order, the
//                     certificate last. device-next.pem present means the staging is complete
//                     and the replacement must be finished; without it, the next files are an
//                     interrupted staging and are discarded (the current files are untouched).
//   device.lock       held (flock) by the process replacing or recovering the files
//
// Thread safety: the functions may run in several processes at once on one data directory;
// the replacement itself is serialised by the lock file.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/message.hpp"
#include "storage/replica.hpp"
#include "sync/http.hpp"
#include "sync/pki.hpp"

namespace carnet::sync {

// Where a tablet's credentials live in its data directory.
struct DeviceFiles {
  explicit DeviceFiles(const std::string& data_dir, std::optional<storage::DataKey> data_key = std::nullopt)
      : seal(std::move(data_key)),
        ca(data_dir + "/central-ca.pem"),
        certificate(data_dir + "/device.pem"),
        key(data_dir + "/device.key"),
        next_ca(data_dir + "/central-ca-next.pem"),
        next_certificate(data_dir + "/device-next.pem"),
        next_key(data_dir + "/device-next.key"),
        lock(data_dir + "/device.lock") {}
  std::optional<storage::DataKey> seal;  // the key files are sealed under it (the tablet's)
  std::string ca;
  std::string certificate;
  std::string key;
  std::string next_ca;
  std::string next_certificate;
  std::string next_key;
  std::string lock;  // flock()ed while the files are replaced, so that two processes do not mix
};

// Replaces the key and the certificate (and the CA, if given) so that a crash at any point
// leaves the old set or the new one, once recover_device_credentials() has run (as every
// reader of the files does first). kInvalidArgument if the key is not the certificate's;
// kIoError.
Status install_device_credentials(const DeviceFiles& files, std::string_view key_pem,
                                  std::string_view cert_pem,
                                  std::optional<std::string_view> ca_pem = std::nullopt);

// Finishes a replacement whose staging was complete when it was interrupted, or discards an
// incomplete staging. Does nothing when there is no next file. kIoError; kCorruption if a
// complete staging does not hold together (its certificate is not for the key).
Status recover_device_credentials(const DeviceFiles& files);

// The pinned central CA (files.ca), checked against the SHA-256 that the encrypted replica
// keeps of it: a file swapped on the card (to trust another CA for the central node, or for
// report signatures) is refused with kCorruption. A replica enrolled before the hash was kept
// pins the file it finds, once.
Result<std::string> read_pinned_ca(const DeviceFiles& files, storage::Replica& replica);
// Records `ca_pem` as the pinned CA, in `tx` (enrollment).
Status pin_central_ca(storage::Transaction& tx, storage::Replica& replica, std::string_view ca_pem);

struct RenewalOptions {
  // Renew when less than this is left; nullopt: a third of the certificate's lifetime (30
  // days of 90).
  std::optional<std::chrono::seconds> renew_before;
};

// Whether a certificate should be renewed at `now` (Unix seconds): less than the threshold
// is left, and it has not expired (an expired one cannot renew: the tablet must enroll again).
bool renewal_due(const CertificateInfo& cert, std::int64_t now, const RenewalOptions& options = {});

struct RenewalResult {
  bool renewed = false;
  CertificateInfo certificate;  // the certificate in use after the call
};

// If the device certificate in `files` is due at `now`, makes a new EC P-256 key pair, has
// the central node sign it (POST /v1/renew through `client`, which presents the current
// certificate), checks the new certificate against `pinned_ca_pem` (read_pinned_ca's) and
// installs it with its
// key. The current certificate keeps working at the central node until the device presents
// the new one, so a failure at any step (network, a lost response, a crash) leaves a working
// device and the next call tries again. The caller must open a new connection to use the new
// certificate. Errors: as Transport::request; kFailedPrecondition (refused by the central
// node, or a certificate not from the pinned CA or for another device); kIoError, kNotFound
// (files).
Result<RenewalResult> renew_certificate_if_due(Transport& client, const DeviceFiles& files,
                                               std::string_view pinned_ca_pem, std::int64_t now,
                                               const RenewalOptions& options = {});

// The message for a device whose certificate expired at `not_after` (Unix seconds).
core::Message certificate_expired(std::int64_t not_after);

}  // namespace carnet::sync
