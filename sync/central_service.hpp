// CentralService: the central node's HTTP endpoints (proto/carnet/v1/sync.proto) over a
// storage::Central: enrollment, certificate renewal, sync, /healthz and /metrics (Prometheus
// text format).
//
// Device authentication: the certificate (already verified by TLS against the central CA)
// must name an enrolled device of that inspector, not revoked, and not be expired (an
// expired one gets CODE_CERT_EXPIRED). It must be the certificate recorded for the device,
// or one issued later by renewal (a later notAfter), which then becomes the recorded one:
// the certificate a device renews from keeps working until the device presents its new
// one, and is refused from then on.
//
// Thread safety: handle() is called from the server's threads at once; the store
// serialises its own access and the metrics are atomic.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <variant>

#include "storage/blob_store.hpp"
#include "storage/central/central.hpp"
#include "sync/http.hpp"
#include "sync/pki.hpp"
#include "sync/protocol.hpp"

namespace carnet::sync {

struct CentralServiceOptions {
  int device_certificate_days = 90;
  std::uint64_t blob_size_limit = 32u << 20;
  int enrollment_failures_allowed = 5;  // wrong codes from one address per window
  std::chrono::minutes enrollment_window{15};
  std::string blob_dir;  // where attachments are kept; empty: the blob endpoints answer 404
};

// The bodies the central node's routes take, known from a request's head
// (ServerOptions::body_limit): a device's sync pages, renewals and blob chunks up to
// kDeviceBodyBytes; an enrollment (a code, a name and a certificate request)
// kEnrollmentBodyBytes; anything else, and anything without a device certificate,
// kSmallBodyBytes.
inline constexpr std::size_t kDeviceBodyBytes = 16u << 20;
inline constexpr std::size_t kEnrollmentBodyBytes = 8u << 10;
inline constexpr std::size_t kSmallBodyBytes = 64u << 10;
std::size_t central_body_limit(const RequestHead& head);

class CentralService {
 public:
  // `ca` signs device certificates; `ca_pem` is served at /v1/ca.
  CentralService(storage::Central& store, Credentials ca, CentralServiceOptions options = {});

  HttpResponse handle(const HttpRequest& request);

  // The Prometheus text exposition of the counters below.
  std::string metrics_text();

 private:
  HttpResponse enroll(const HttpRequest& request);
  HttpResponse renew(const HttpRequest& request);
  HttpResponse sync(const HttpRequest& request);
  HttpResponse blob(const HttpRequest& request, const std::string& path);
  // The enrolled, unrevoked device presenting the request's certificate, or the response
  // refusing it.
  std::variant<storage::DeviceRecord, HttpResponse> authenticate(const HttpRequest& request);
  void observe_latency(std::chrono::steady_clock::duration d);

  storage::Central& store_;
  Credentials ca_;
  CentralServiceOptions options_;
  storage::BlobStore blobs_;

  // Wrong enrollment codes per remote address (guarded by failures_mu_).
  std::mutex failures_mu_;
  std::map<std::string, std::deque<std::chrono::steady_clock::time_point>> failures_;

  // Counters (atomic; any thread).
  std::atomic<std::uint64_t> syncs_{0};
  std::atomic<std::uint64_t> sync_errors_{0};
  std::atomic<std::uint64_t> changes_applied_{0};
  std::atomic<std::uint64_t> conflicts_{0};
  std::atomic<std::uint64_t> quarantined_{0};
  std::atomic<std::uint64_t> changes_pulled_{0};
  std::atomic<std::uint64_t> bytes_in_{0};
  std::atomic<std::uint64_t> bytes_out_{0};
  std::atomic<std::uint64_t> enrollments_{0};
  std::atomic<std::uint64_t> renewals_{0};
  static constexpr std::array<double, 10> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
  std::array<std::atomic<std::uint64_t>, 11> latency_counts_{};  // last: +Inf
  std::atomic<std::uint64_t> latency_sum_us_{0};
};

// A refusal (status + Refusal body, sync/codec.hpp): the French text and its catalogue parts.
HttpResponse error_response(int http_status, ErrorCode code, const Status& refusal);
HttpResponse error_response(int http_status, ErrorCode code, const core::Message& message);

}  // namespace carnet::sync
