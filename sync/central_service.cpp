#include "sync/central_service.hpp"

#include <cstdio>
#include <sstream>

#include "core/date.hpp"
#include "core/text.hpp"
#include "storage/sha256.hpp"
#include "sync/codec.hpp"

namespace carnet::sync {
namespace {

using core::fail;

// Dossiers one request may ask to receive whole again (a tablet holds far fewer).
constexpr std::size_t kMaxRepairDossiers = 1000;

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A 200 answer with `body`, an encoded message (sync/codec.hpp).
HttpResponse message_response(std::string body) {
  HttpResponse r;
  r.body = std::move(body);
  return r;
}

HttpResponse refusal_response(int http_status, const Refusal& refusal) {
  HttpResponse r = message_response(encode(refusal));
  r.status = http_status;
  return r;
}

Outcome::Status outcome_status(storage::ChangeOutcome::Status s) {
  switch (s) {
    case storage::ChangeOutcome::Status::kDuplicate: return Outcome::Status::kDuplicate;
    case storage::ChangeOutcome::Status::kConflictWon: return Outcome::Status::kConflictWon;
    case storage::ChangeOutcome::Status::kConflictLost: return Outcome::Status::kConflictLost;
    case storage::ChangeOutcome::Status::kQuarantined: return Outcome::Status::kQuarantined;
    case storage::ChangeOutcome::Status::kSuperseded: return Outcome::Status::kSuperseded;
    case storage::ChangeOutcome::Status::kClockAhead: return Outcome::Status::kClockAhead;
  }
  return Outcome::Status::kUnspecified;
}

// What a device pushed, as the store takes it.
storage::SyncInput sync_input(const storage::DeviceRecord& device, SyncRequest in) {
  storage::SyncInput input;
  input.device = device.id;
  input.inspector_id = device.inspector_id;
  input.device_clock = in.clock;
  input.cursor = in.cursor;
  input.push = std::move(in.push);
  input.max_pull = in.max_pull == 0 ? 1000 : in.max_pull;
  input.grids_held = std::move(in.grids);
  input.evicted = std::move(in.evicted);
  input.resolved_conflicts = std::move(in.resolved_conflicts);
  input.want_checksum = in.want_checksum;
  input.restamps = in.restamps;
  input.repair = std::move(in.repair);
  return input;
}

// What the store answered, as the device receives it.
SyncResponse sync_response(storage::SyncOutput out, std::uint64_t blob_size_limit) {
  SyncResponse r;
  r.clock = out.clock;
  r.outcomes.reserve(out.outcomes.size());
  for (auto& o : out.outcomes) {
    r.outcomes.push_back({static_cast<std::uint32_t>(o.index), outcome_status(o.status), std::move(o.reason),
                          std::move(o.reason_message), std::move(o.state)});
  }
  r.pull.reserve(out.pull.size());
  for (auto& lc : out.pull) r.pull.push_back({std::move(lc.change), lc.seq});
  r.cursor = out.cursor;
  r.has_more = out.has_more;
  r.assigned = std::move(out.assigned);
  r.evict = std::move(out.evict);
  r.grid_files = std::move(out.grid_files);
  r.conflicts = std::move(out.conflicts);
  r.scope_checksum = std::move(out.checksum);
  r.dossier_checksums = std::move(out.dossier_checksums);
  r.repaired = std::move(out.repaired);
  r.blob_size_limit = blob_size_limit;
  return r;
}

}  // namespace

HttpResponse error_response(int http_status, ErrorCode code, const Status& refusal) {
  return refusal_response(http_status, {code, refusal.message(), 0, refusal.parts()});
}

HttpResponse error_response(int http_status, ErrorCode code, const core::Message& message) {
  return refusal_response(http_status, {code, message.render(), 0, {message}});
}

std::size_t central_body_limit(const RequestHead& head) {
  const std::string_view path = head.target.substr(0, head.target.find('?'));
  if (head.method == "POST" && path == "/v1/enroll") return kEnrollmentBodyBytes;
  const bool device_route = (head.method == "POST" && (path == "/v1/sync" || path == "/v1/renew")) ||
                            (head.method == "PUT" && path.starts_with("/v1/blobs/"));
  return head.device && device_route ? kDeviceBodyBytes : kSmallBodyBytes;
}

CentralService::CentralService(storage::Central& store, Credentials ca, CentralServiceOptions options)
    : store_(store), ca_(std::move(ca)), options_(options), blobs_(options.blob_dir, options.blob_size_limit) {}

HttpResponse CentralService::handle(const HttpRequest& request) {
  const std::string path = request.target.substr(0, request.target.find('?'));
  bytes_in_ += request.body.size();
  HttpResponse response;
  if (request.method == "GET" && path == "/healthz") {
    response = {200, "text/plain; charset=utf-8", "ok\n", {}};
  } else if (request.method == "GET" && path == "/metrics") {
    response = {200, "text/plain; version=0.0.4", metrics_text(), {}};
  } else if (request.method == "GET" && path == "/v1/ca") {
    response = {200, "application/x-pem-file", ca_.cert_pem, {}};
  } else if (request.method == "POST" && path == "/v1/enroll") {
    response = enroll(request);
  } else if (request.method == "POST" && path == "/v1/renew") {
    response = renew(request);
  } else if (request.method == "POST" && path == "/v1/sync") {
    response = sync(request);
  } else if (path.starts_with("/v1/blobs/") && !options_.blob_dir.empty()) {
    response = blob(request, path);
  } else {
    response = error_response(404, ErrorCode::kNotFound, core::Message("sync.central_service.point_acces_inconnu", {{"methode", request.method}, {"chemin", path}}));
  }
  bytes_out_ += response.body.size();
  return response;
}

HttpResponse CentralService::enroll(const HttpRequest& request) {
  auto in = decode<EnrollRequest>(request.body, Status::invalid_argument("sync.central_service.enrolement_illisible"));
  if (!in) return error_response(400, ErrorCode::kBadRequest, in.error());
  if (in->code.empty() || in->code.size() > 64 || !in->node_id || in->device_name.size() > 200) {
    return error_response(400, ErrorCode::kBadRequest, core::Message("sync.central_service.enrolement_incomplet"));
  }
  // Guessing codes is slowed down: a few wrong ones per address, then a pause.
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(failures_mu_);
    auto& recent = failures_[request.remote_address];
    while (!recent.empty() && now - recent.front() > options_.enrollment_window) recent.pop_front();
    if (static_cast<int>(recent.size()) >= options_.enrollment_failures_allowed) {
      const auto wait = std::chrono::duration_cast<std::chrono::minutes>(options_.enrollment_window - (now - recent.front()));
      return error_response(429, ErrorCode::kRateLimited,
                            core::Message("sync.central_service.trop_de_codes", {{"minutes", wait.count() + 1}}));
    }
  }
  auto count_failure = [&] {
    std::lock_guard lock(failures_mu_);
    failures_[request.remote_address].push_back(now);
  };
  const core::Uuid device_id = *in->node_id;
  auto existing = store_.devices.find(device_id);
  if (!existing) return error_response(500, ErrorCode::kInternal, core::Message("sync.central_service.erreur_interne"));
  if (*existing && (*existing)->revoked_ms) {
    return error_response(403, ErrorCode::kEnrollment, core::Message("sync.central_service.appareil_revoque_enrolement"));
  }
  const std::string code_hash = storage::sha256_hex(in->code);
  auto inspector = store_.devices.check_enrollment_code(code_hash, now_ms());
  if (!inspector) {
    count_failure();
    return error_response(403, ErrorCode::kEnrollment, inspector.error());
  }
  auto cert = sign_certificate_request(ca_, in->csr_pem, device_id.to_string(), inspector->id,
                                       options_.device_certificate_days);
  if (!cert) return error_response(400, ErrorCode::kBadRequest, cert.error());
  auto info = inspect_certificate(*cert);
  if (!info) return error_response(500, ErrorCode::kInternal, core::Message("sync.central_service.erreur_interne"));
  storage::DeviceRecord d;
  d.id = device_id;
  d.inspector_id = inspector->id;
  d.name = in->device_name;
  d.serial_hex = info->serial_hex;
  d.fingerprint = info->fingerprint;
  d.not_after = info->not_after;
  d.enrolled_ms = now_ms();
  // The code is used only now, with the device recorded in the same transaction: a request
  // refused above leaves it usable. An enrolled device enrolling again (its certificate
  // expired or its key lost) keeps its scope and cursor: only its certificate changes, and
  // the earlier ones are refused from now on.
  if (auto s = *existing ? store_.devices.reenroll(code_hash, now_ms(), d) : store_.devices.enroll(code_hash, now_ms(), d);
      !s.ok()) {
    if (s.code() == core::StatusCode::kFailedPrecondition) return error_response(403, ErrorCode::kEnrollment, s);
    return error_response(500, ErrorCode::kInternal, core::Message("sync.central_service.erreur_interne"));
  }
  ++enrollments_;
  return message_response(
      encode(EnrollResponse{*cert, device_id, inspector->id, inspector->name, info->not_after}));
}

HttpResponse CentralService::sync(const HttpRequest& request) {
  const auto started = std::chrono::steady_clock::now();
  ++syncs_;
  auto refuse = [&](int http, ErrorCode code, const auto& refusal) {
    ++sync_errors_;
    return error_response(http, code, refusal);
  };
  auto who = authenticate(request);
  if (auto* refused = std::get_if<HttpResponse>(&who)) {
    ++sync_errors_;
    return *refused;
  }
  const auto& device = std::get<storage::DeviceRecord>(who);
  auto in = decode<SyncRequest>(request.body,
                                Status::invalid_argument("sync.central_service.synchronisation_illisible"));
  if (!in) return refuse(400, ErrorCode::kBadRequest, in.error());
  if (in->repair.size() > kMaxRepairDossiers) {
    return refuse(400, ErrorCode::kBadRequest, core::Message("sync.central_service.trop_de_reparations"));
  }
  auto out = store_.sync_log.sync(sync_input(device, std::move(*in)));
  if (!out) return refuse(out.error().code() == core::StatusCode::kBusy ? 503 : 500, ErrorCode::kInternal,
                          out.error().with_context("sync.central_service.erreur_serveur"));
  changes_applied_ += out->applied;
  conflicts_ += out->conflicts_recorded;
  quarantined_ += out->quarantined;
  changes_pulled_ += out->pull.size();
  HttpResponse r = message_response(encode(sync_response(std::move(*out), options_.blob_size_limit)));
  observe_latency(std::chrono::steady_clock::now() - started);
  return r;
}

// POST /v1/renew: a new certificate for the authenticated device, for the key of the request.
// Nothing is recorded yet: the device's current certificate stays valid until the device
// presents the new one (see authenticate()), so a lost response costs nothing and a retry
// gets another certificate.
HttpResponse CentralService::renew(const HttpRequest& request) {
  auto who = authenticate(request);
  if (auto* refused = std::get_if<HttpResponse>(&who)) return *refused;
  const auto& device = std::get<storage::DeviceRecord>(who);
  auto in = decode<RenewRequest>(request.body, Status::invalid_argument("sync.central_service.renouvellement_illisible"));
  if (!in || in->csr_pem.empty()) {
    return error_response(400, ErrorCode::kBadRequest, core::Message("sync.central_service.renouvellement_illisible"));
  }
  auto cert = sign_certificate_request(ca_, in->csr_pem, device.id.to_string(), device.inspector_id,
                                       options_.device_certificate_days);
  if (!cert) {
    if (cert.error().code() == core::StatusCode::kInvalidArgument) {
      return error_response(400, ErrorCode::kBadRequest, cert.error());
    }
    return error_response(500, ErrorCode::kInternal, core::Message("sync.central_service.erreur_interne"));
  }
  auto info = inspect_certificate(*cert);
  if (!info) return error_response(500, ErrorCode::kInternal, core::Message("sync.central_service.erreur_interne"));
  // A renewed certificate is recognised by its later expiry; one that would not outlast
  // the current one (a shorter lifetime configured since) is not worth having.
  if (info->not_after <= device.not_after) {
    return error_response(409, ErrorCode::kBadRequest,
                          core::Message("sync.central_service.renouvellement_inutile"));
  }
  ++renewals_;
  return message_response(encode(RenewResponse{*cert, info->not_after}));
}

std::variant<storage::DeviceRecord, HttpResponse> CentralService::authenticate(const HttpRequest& request) {
  if (!request.peer) return error_response(401, ErrorCode::kUnauthenticated, core::Message("sync.central_service.certificat_requis"));
  auto device_id = core::Uuid::parse(request.peer->common_name);
  if (!device_id) return error_response(401, ErrorCode::kUnauthenticated, core::Message("sync.central_service.certificat_invalide"));
  auto device = store_.devices.find(*device_id);
  if (!device) return error_response(500, ErrorCode::kInternal, core::Message("sync.central_service.erreur_interne"));
  if (!*device || (*device)->inspector_id != request.peer->organizational_unit) {
    return error_response(401, ErrorCode::kUnauthenticated, core::Message("sync.central_service.appareil_inconnu"));
  }
  if ((*device)->revoked_ms) {
    return error_response(403, ErrorCode::kRevoked, core::Message("sync.central_service.appareil_revoque"));
  }
  if (request.peer->expired || request.peer->not_after <= now_seconds()) {
    const core::Message expired("sync.central_service.certificat_expire",
                                {{"quand", core::iso_timestamp(request.peer->not_after * 1000)}});
    return refusal_response(401, {ErrorCode::kCertExpired, expired.render(), request.peer->not_after, {expired}});
  }
  storage::DeviceRecord current = **device;
  if (request.peer->fingerprint != current.fingerprint) {
    if (request.peer->not_after <= current.not_after) {
      return error_response(401, ErrorCode::kUnauthenticated,
                            core::Message("sync.central_service.certificat_remplace"));
    }
    // The device has switched to a renewed certificate: it is the recorded one from now on.
    if (auto s = store_.devices.set_certificate(current.id, request.peer->serial_hex, request.peer->fingerprint,
                                               request.peer->not_after);
        !s.ok()) {
      return error_response(s.code() == core::StatusCode::kBusy ? 503 : 500, ErrorCode::kInternal, core::Message("sync.central_service.erreur_interne"));
    }
    current.serial_hex = request.peer->serial_hex;
    current.fingerprint = request.peer->fingerprint;
    current.not_after = request.peer->not_after;
  }
  return current;
}

// PUT  /v1/blobs/<sha256>?offset=N&size=S  a chunk -> BlobStatus
// GET  /v1/blobs/<sha256>?status           -> BlobStatus
// GET  /v1/blobs/<sha256>                  -> the bytes, for a device whose dossiers refer to it
HttpResponse CentralService::blob(const HttpRequest& request, const std::string& path) {
  auto who = authenticate(request);
  if (auto* refused = std::get_if<HttpResponse>(&who)) return *refused;
  const std::string sha = path.substr(std::string_view("/v1/blobs/").size());
  if (!core::is_sha256_hex(sha)) return error_response(400, ErrorCode::kBadRequest, core::Message("sync.central_service.empreinte_invalide"));
  const std::string query = request.target.find('?') == std::string::npos ? "" : request.target.substr(request.target.find('?') + 1);
  auto param = [&](std::string_view name) -> std::optional<std::uint64_t> {
    const std::string key = std::string(name) + "=";
    for (std::size_t pos = 0; pos < query.size();) {
      const auto amp = query.find('&', pos);
      const std::string part = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
      if (part.starts_with(key)) {
        const std::string digits = part.substr(key.size());
        if (digits.empty() || digits.size() > 12 || digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
        return std::stoull(digits);
      }
      if (amp == std::string::npos) break;
      pos = amp + 1;
    }
    return std::nullopt;
  };
  auto status_response = [&](int http) {
    HttpResponse r = message_response(encode(BlobStatus{sha, blobs_.received(sha), blobs_.has(sha)}));
    r.status = http;
    return r;
  };
  if (request.method == "PUT") {
    const auto offset = param("offset");
    const auto total = param("size");
    if (!offset || !total) return error_response(400, ErrorCode::kBadRequest, core::Message("sync.central_service.offset_size_attendus"));
    auto held = blobs_.append(sha, *offset, *total, request.body);
    if (!held) {
      switch (held.error().code()) {
        case core::StatusCode::kFailedPrecondition: return status_response(409);
        case core::StatusCode::kOutOfRange: return error_response(413, ErrorCode::kTooLarge, held.error());
        case core::StatusCode::kInvalidArgument:
          return error_response(422, ErrorCode::kHashMismatch, held.error());
        default: return error_response(500, ErrorCode::kInternal, core::Message("sync.central_service.erreur_interne"));
      }
    }
    return status_response(200);
  }
  if (request.method == "GET" && query == "status") return status_response(200);
  if (request.method == "GET") {
    auto allowed = store_.devices.blob_in_scope(std::get<storage::DeviceRecord>(who).id, sha);
    if (!allowed || !*allowed) return error_response(403, ErrorCode::kForbidden, core::Message("sync.central_service.piece_hors_perimetre"));
    auto size = blobs_.size(sha);
    if (!size) return error_response(404, ErrorCode::kNotFound, core::Message("sync.central_service.piece_pas_recue"));
    auto bytes = blobs_.read(sha, 0, static_cast<std::size_t>(*size));
    if (!bytes) return error_response(500, ErrorCode::kInternal, core::Message("sync.central_service.erreur_interne"));
    return {200, "application/octet-stream", std::move(*bytes), {}};
  }
  return error_response(405, ErrorCode::kBadRequest, core::Message("sync.central_service.methode_non_permise"));
}

void CentralService::observe_latency(std::chrono::steady_clock::duration d) {
  const double seconds = std::chrono::duration<double>(d).count();
  std::size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  ++latency_counts_[i];
  latency_sum_us_ += static_cast<std::uint64_t>(seconds * 1e6);
}

std::string CentralService::metrics_text() {
  std::ostringstream out;
  auto counter = [&](const char* name, const char* help, std::uint64_t value) {
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " counter\n" << name << " " << value << "\n";
  };
  counter("carnet_syncs_total", "Sync requests received.", syncs_.load());
  counter("carnet_sync_errors_total", "Sync requests refused or failed.", sync_errors_.load());
  counter("carnet_changes_applied_total", "Pushed changes applied.", changes_applied_.load());
  counter("carnet_changes_pulled_total", "Changes sent to devices.", changes_pulled_.load());
  counter("carnet_conflicts_total", "Conflicts recorded.", conflicts_.load());
  counter("carnet_quarantined_total", "Changes quarantined.", quarantined_.load());
  counter("carnet_enrollments_total", "Devices enrolled.", enrollments_.load());
  counter("carnet_certificate_renewals_total", "Device certificates renewed.", renewals_.load());
  counter("carnet_bytes_received_total", "Request body bytes received.", bytes_in_.load());
  counter("carnet_bytes_sent_total", "Response body bytes sent.", bytes_out_.load());
  if (auto t = store_.catalogue.totals()) {
    out << "# HELP carnet_conflicts_open Conflicts waiting for review.\n# TYPE carnet_conflicts_open gauge\n"
        << "carnet_conflicts_open " << t->conflicts_open << "\n";
    out << "# HELP carnet_devices Enrolled devices not revoked.\n# TYPE carnet_devices gauge\ncarnet_devices " << t->devices
        << "\n";
  }
  out << "# HELP carnet_sync_duration_seconds Time to serve a sync request.\n"
      << "# TYPE carnet_sync_duration_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    cumulative += latency_counts_[i].load();
    char le[32];
    std::snprintf(le, sizeof le, "%g", kBuckets[i]);
    out << "carnet_sync_duration_seconds_bucket{le=\"" << le << "\"} " << cumulative << "\n";
  }
  cumulative += latency_counts_[kBuckets.size()].load();
  out << "carnet_sync_duration_seconds_bucket{le=\"+Inf\"} " << cumulative << "\n";
  out << "carnet_sync_duration_seconds_sum " << static_cast<double>(latency_sum_us_.load()) / 1e6 << "\n";
  out << "carnet_sync_duration_seconds_count " << cumulative << "\n";
  return out.str();
}

}  // namespace carnet::sync
