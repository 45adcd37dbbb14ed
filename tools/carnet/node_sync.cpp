#include "tools/carnet/node_sync.hpp"

#include <chrono>
#include <filesystem>

#include "storage/files.hpp"

namespace carnet::tool {
namespace {

std::int64_t now_s() { return core::SystemClock::instance().now_ms() / 1000; }

}  // namespace

SyncAttempt NodeSync::run(const sync::SyncOptions& options) {
  SyncAttempt out;
  if (!client_) {
    auto client_options = sync::device_client_options(replica_, dir_);
    if (!client_options) {
      out.report = core::fail(client_options.error());
      return out;
    }
    client_ = std::make_unique<sync::HttpsClient>(*client_options);
  }
  sync::SyncOptions o = options;
  if (verify_every_ > 0 && since_verified_ % verify_every_ == 0) o.verify_checksum = true;
  out.report = sync::sync_now(replica_, *client_, o);
  if (out.report) since_verified_ = o.verify_checksum ? 1 : since_verified_ + 1;
  if (!out.report) {
    forget_keys_if_revoked();
    out.final = replica_.setting("revoked").value_or(std::nullopt).has_value() || certificate_expired();
    return out;
  }
  // A certificate near its expiry is renewed on the same connection (the current one stays
  // valid until the new one is presented); a failure only delays it to the next sync.
  const sync::DeviceFiles files(dir_, replica_.key());
  auto ca = sync::read_pinned_ca(files, replica_);
  if (!ca) {
    out.renewal_error = ca.error();
    return out;
  }
  auto renewed = sync::renew_certificate_if_due(*client_, files, *ca, now_s(), renewal_);
  if (!renewed) {
    out.renewal_error = renewed.error();
    return out;
  }
  out.renewed = renewed->renewed;
  out.certificate = renewed->certificate;
  if (out.renewed) client_.reset();  // the next connection presents the new certificate
  return out;
}

// After a revocation the device's keys go too: only a new enrollment can bring it back.
void NodeSync::forget_keys_if_revoked() {
  auto revoked = replica_.setting("revoked");
  if (!revoked || !*revoked) return;
  const sync::DeviceFiles files(dir_);
  std::error_code ec;
  for (const auto& f : {files.key, files.certificate, files.ca, files.next_key, files.next_certificate, files.next_ca,
                        files.lock}) {
    std::filesystem::remove(f, ec);
  }
  client_.reset();
}

bool NodeSync::certificate_expired() const {
  auto cert = storage::read_file(sync::DeviceFiles(dir_).certificate, 1 << 20);
  if (!cert) return false;
  auto info = sync::inspect_certificate(*cert);
  return info && info->not_after <= now_s();
}

std::chrono::milliseconds SyncBackoff::next(bool succeeded) {
  if (succeeded) {
    backoff_ = kFirst;
    return interval_;
  }
  std::uniform_int_distribution<long> jitter(0, backoff_.count() / 2);
  const std::chrono::milliseconds wait = backoff_ + std::chrono::milliseconds{jitter(rng_)};
  backoff_ = std::min(backoff_ * 2, max_);
  return wait;
}

}  // namespace carnet::tool
