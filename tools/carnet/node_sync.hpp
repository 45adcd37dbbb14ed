// NodeSync: one tablet's syncs with its central node, as `carnet sync`, `carnet sync --watch`
// and the background sync of `carnet serve` run them: the exchange itself (sync/tablet_sync.hpp),
// then the renewal of a certificate near its expiry, and after a revocation the erasure of
// the device's keys. Not thread safe: one per thread, with its own replica connection.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "storage/replica.hpp"
#include "sync/device_credentials.hpp"
#include "sync/tablet_sync.hpp"

namespace carnet::tool {

using core::Result;
using core::Status;

struct SyncAttempt {
  Result<sync::SyncReport> report = sync::SyncReport{};
  bool renewed = false;                              // a new certificate is installed
  std::optional<sync::CertificateInfo> certificate;  // after a successful exchange
  std::optional<Status> renewal_error;               // renewal failed; retried next time
  // Waiting does not help: the device was revoked (its keys are gone) or its certificate
  // expired; only a new enrollment brings it back.
  bool final = false;
};

// How often `carnet sync --watch` and the app's background sync verify their copy.
inline constexpr int kVerifyEvery = 10;

class NodeSync {
 public:
  NodeSync(storage::Replica& replica, std::string data_dir, sync::RenewalOptions renewal = {})
      : replica_(replica), dir_(std::move(data_dir)), renewal_(renewal) {}

  // One sync. The HTTPS connection is kept for the next call, and replaced after a renewal.
  // Errors are in `report` (sync_now's, or kFailedPrecondition for a tablet not enrolled).
  SyncAttempt run(const sync::SyncOptions& options);
  // From now on the first successful sync and every `n`th after it verify the checksums, and
  // so repair what differs (docs/sync.md, "Repair"); 0: only when `options` ask.
  void verify_every(int n) { verify_every_ = n; }

 private:
  void forget_keys_if_revoked();
  bool certificate_expired() const;

  storage::Replica& replica_;
  const std::string dir_;
  const sync::RenewalOptions renewal_;
  std::unique_ptr<sync::HttpsClient> client_;
  int verify_every_ = 0;
  int since_verified_ = 0;  // successful syncs since the last verification
};

// When to sync again: `interval` after a success; after an error, 1 s doubling up to `max`,
// plus a random jitter of up to half of it, so that a fleet coming back online does not
// arrive all at once. Not thread safe.
class SyncBackoff {
 public:
  explicit SyncBackoff(std::chrono::milliseconds interval = std::chrono::seconds(30),
                       std::chrono::milliseconds max = std::chrono::minutes(5))
      : interval_(interval), max_(max), rng_(std::random_device{}()) {}
  std::chrono::milliseconds next(bool succeeded);

 private:
  static constexpr std::chrono::milliseconds kFirst{1000};
  const std::chrono::milliseconds interval_;
  const std::chrono::milliseconds max_;
  std::chrono::milliseconds backoff_ = kFirst;
  std::mt19937 rng_;
};

}  // namespace carnet::tool
