#include "sync/tablet_sync.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "storage/blob_store.hpp"
#include "storage/files.hpp"
#include "storage/grid_file.hpp"
#include "sync/codec.hpp"
#include "sync/pki.hpp"

namespace carnet::sync {
namespace {

using core::fail;

constexpr std::int64_t kAcceptCentralClockMs = 365LL * 24 * 3600 * 1000;  // the central node is the reference

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A refused HTTP exchange (status `http_status`) as a Status, with the central node's message.
Status http_failure(int http_status, const Refusal& refusal) {
  std::vector<core::Message> parts = refusal_parts(refusal, http_status);
  if (http_status == 401 || http_status == 403 || http_status == 409) {
    return Status(core::StatusCode::kFailedPrecondition, std::move(parts));
  }
  if (http_status == 400 || http_status == 413)
    return Status(core::StatusCode::kInvalidArgument, std::move(parts));
  return Status(core::StatusCode::kIoError, std::move(parts)).with_context("sync.tablet_sync.serveur_central");
}

Status http_failure(const HttpResponse& r) {
  return http_failure(r.status, decode_refusal(r.body));
}

Status unreadable_blob_status() {
  return Status::io_error("sync.tablet_sync.reponse_piece_illisible");
}

// An unusable address of the central node.
Status invalid_url(const std::string& url) {
  return Status::invalid_argument("sync.tablet_sync.adresse_invalide", {{"adresse", url}});
}

}  // namespace

Result<CentralAddress> parse_central_url(const std::string& url) {
  constexpr std::string_view kScheme = "https://";
  if (!url.starts_with(kScheme)) return fail(Status::invalid_argument("sync.tablet_sync.adresse_https_attendue"));
  std::string rest = url.substr(kScheme.size());
  if (const auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
  CentralAddress a;
  a.port = "443";
  if (rest.starts_with("[")) {  // [IPv6]:port
    const auto close = rest.find(']');
    if (close == std::string::npos) return fail(invalid_url(url));
    a.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') return fail(invalid_url(url));
      a.port = rest.substr(close + 2);
    }
  } else if (const auto colon = rest.rfind(':'); colon != std::string::npos) {
    a.host = rest.substr(0, colon);
    a.port = rest.substr(colon + 1);
  } else {
    a.host = rest;
  }
  const bool port_ok = !a.port.empty() && a.port.size() <= 5 &&
                       std::all_of(a.port.begin(), a.port.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (a.host.empty() || !port_ok) return fail(invalid_url(url));
  return a;
}

Result<EnrollResult> enroll(storage::Replica& replica, const std::string& data_dir, const std::string& central_url,
                            const std::string& code, const std::string& ca_fingerprint, const std::string& device_name,
                            const std::function<Status(const std::string&, const std::string&, const core::Uuid&)>& initialise) {
  auto address = parse_central_url(central_url);
  if (!address) return fail(address.error());
  // 1. The CA, over TLS without verification, trusted only if its fingerprint is the one
  //    the office gave with the code.
  std::string ca_pem;
  {
    ClientOptions opts;
    opts.host = address->host;
    opts.port = address->port;
    opts.verify_server = false;
    HttpsClient bootstrap(opts);
    auto r = bootstrap.request("GET", "/v1/ca", "");
    if (!r) return fail(r.error());
    if (r->status != 200) return fail(http_failure(*r));
    auto fp = certificate_fingerprint(r->body);
    if (!fp) return fail(Status::failed_precondition("sync.tablet_sync.autorite_illisible"));
    auto normalise = [](std::string s) {
      std::string out;
      for (char c : s) {
        if (c == ':' || c == ' ') continue;
        out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      return out;
    };
    if (normalise(*fp) != normalise(ca_fingerprint)) {
      return fail(Status::failed_precondition("sync.tablet_sync.empreinte_differente"));
    }
    ca_pem = r->body;
  }
  // 2. A key pair for this tablet; the central node signs it.
  auto node = replica.node();
  core::Uuid node_id = node ? node->node_id : replica.new_id();
  auto request = make_certificate_request(node_id.to_string());
  if (!request) return fail(request.error());
  ClientOptions opts;
  opts.host = address->host;
  opts.port = address->port;
  opts.ca_pem = ca_pem;
  HttpsClient client(opts);
  auto r = client.request("POST", "/v1/enroll",
                          encode(EnrollRequest{code, request->csr_pem, device_name, node_id}));
  if (!r) return fail(r.error());
  if (r->status != 200) return fail(http_failure(*r));
  auto out = decode<EnrollResponse>(
      r->body, Status::io_error("sync.tablet_sync.reponse_enrolement_illisible"));
  if (!out) return fail(out.error());
  if (node && node->inspector_id != out->inspector_id) {
    return fail(Status::failed_precondition(
        "sync.tablet_sync.code_autre_inspecteur",
        {{"code_de", out->inspector_id}, {"tablette_de", node->inspector_id}}));
  }
  if (!node) CARNET_RETURN_IF_ERROR_R(initialise(out->inspector_id, out->inspector_name, node_id));
  const DeviceFiles files(data_dir, replica.key());
  CARNET_RETURN_IF_ERROR_R(
      install_device_credentials(files, request->key_pem, out->certificate_pem, ca_pem));
  auto tx = storage::Transaction::begin(replica.db());
  if (!tx) return fail(tx.error());
  CARNET_RETURN_IF_ERROR_R(replica.set_setting(**tx, "central_url", central_url));
  CARNET_RETURN_IF_ERROR_R(pin_central_ca(**tx, replica, ca_pem));
  CARNET_RETURN_IF_ERROR_R((*tx)->commit());
  return EnrollResult{out->inspector_id, out->inspector_name, out->not_after};
}

Result<ClientOptions> device_client_options(storage::Replica& replica, const std::string& data_dir) {
  auto url = replica.setting("central_url");
  if (!url) return fail(url.error());
  if (!*url) {
    return fail(Status::failed_precondition("sync.tablet_sync.non_enrolee"));
  }
  auto address = parse_central_url(**url);
  if (!address) return fail(address.error());
  const DeviceFiles files(data_dir, replica.key());
  CARNET_RETURN_IF_ERROR_R(recover_device_credentials(files));
  auto ca = read_pinned_ca(files, replica);
  if (!ca) return fail(ca.error());
  auto cert = storage::read_file(files.certificate, 1 << 20);
  if (!cert) return fail(cert.error());
  auto key = read_private_key_file(files.key, files.seal);
  if (!key) return fail(key.error());
  ClientOptions opts;
  opts.host = address->host;
  opts.port = address->port;
  opts.ca_pem = *ca;
  opts.cert_pem = *cert;
  opts.key_pem = *key;
  return opts;
}

namespace {

// After an eviction: the WAL's older page versions and the attachments no remaining field
// refers to (and none waiting to be sent) leave the card.
Status erase_evicted(storage::Replica& replica, const SyncOptions& options) {
  CARNET_RETURN_IF_ERROR(replica.checkpoint());
  if (options.blob_dir.empty()) return Status::ok_status();
  auto referenced = replica.referenced_blobs();
  if (!referenced) return referenced.error();
  auto pending = replica.blobs_to_upload();
  if (!pending) return pending.error();
  std::set<std::string> keep(referenced->begin(), referenced->end());
  for (const auto& [sha, size] : *pending) keep.insert(sha);
  storage::BlobStore store(options.blob_dir, 0, replica.key());
  for (const auto& sha : store.list()) {
    if (!keep.contains(sha)) CARNET_RETURN_IF_ERROR(store.erase(sha));
  }
  return Status::ok_status();
}

// Attachments move after the data, so that a report never waits for its photos.
Status transfer_blobs(storage::Replica& replica, Transport& client, const SyncOptions& options,
                      std::uint64_t size_limit, SyncReport& report) {
  storage::BlobStore store(options.blob_dir, size_limit, replica.key());
  auto pending = replica.blobs_to_upload();
  if (!pending) return pending.error();
  for (const auto& [sha, size] : *pending) {
    auto r = client.request("GET", "/v1/blobs/" + sha + "?status", "");
    if (!r) return r.error();
    if (r->status != 200) return http_failure(*r);
    auto st = decode<BlobStatus>(r->body, unreadable_blob_status());
    if (!st) return st.error();
    std::uint64_t held = st->received;
    while (!st->complete && held < size) {  // resume from what the central node holds
      auto chunk = store.read(sha, held, static_cast<std::size_t>(std::min<std::uint64_t>(options.blob_chunk, size - held)));
      if (!chunk) return chunk.error();
      auto put = client.request("PUT", "/v1/blobs/" + sha + "?offset=" + std::to_string(held) + "&size=" + std::to_string(size),
                                *chunk, "application/octet-stream");
      if (!put) return put.error();
      if (put->status != 200 && put->status != 409) return http_failure(*put);
      st = decode<BlobStatus>(put->body, unreadable_blob_status());
      if (!st) return st.error();
      held = st->received;
    }
    auto tx = storage::Transaction::begin(replica.db());
    if (!tx) return tx.error();
    CARNET_RETURN_IF_ERROR(replica.mark_blob_uploaded(**tx, sha));
    CARNET_RETURN_IF_ERROR((*tx)->commit());
    ++report.blobs_uploaded;
  }
  auto wanted = replica.referenced_blobs();
  if (!wanted) return wanted.error();
  for (const auto& sha : *wanted) {
    if (store.has(sha)) continue;
    auto r = client.request("GET", "/v1/blobs/" + sha, "");
    if (!r) return r.error();
    if (r->status == 404 || r->status == 403) continue;  // not there yet, or not ours: next time
    if (r->status != 200) return http_failure(*r);
    auto held = store.append(sha, 0, r->body.size(), r->body);  // checks the hash
    if (!held) return held.error();
    ++report.blobs_downloaded;
  }
  return Status::ok_status();
}

constexpr int kMaxExchanges = 100000;

// One sync_now(): exchanges with the central node until nothing is left to push, pull or
// report, then the scope's checksum and the attachments. Each exchange reads what to send
// (prepare), sends it (send), takes the answer in one transaction (take) and evicts what may
// leave the tablet. Lives on the caller's thread for one call.
class SyncSession {
 public:
  SyncSession(storage::Replica& replica, Transport& client, const SyncOptions& options)
      : replica_(replica),
        client_(client),
        options_(options),
        sent_before_(client.bytes_sent()),
        received_before_(client.bytes_received()) {}

  Result<SyncReport> run();

 private:
  // A request and the outbox page it pushes.
  struct Outbound {
    std::vector<storage::PendingChange> pending;
    SyncRequest request;
  };

  Result<Outbound> prepare();
  Result<SyncResponse> send(const SyncRequest& request);
  Status refused(const HttpResponse& response);
  Status take(const Outbound& out, SyncResponse& in);
  Status settle_pushed(storage::Transaction& tx, const std::vector<storage::PendingChange>& pending,
                       const SyncResponse& in);
  Status apply_pulled(storage::Transaction& tx, SyncResponse& in);
  Status take_scope(storage::Transaction& tx, const SyncRequest& sent, const SyncResponse& in);
  Status evict_sent_dossiers();
  void count(const Outbound& out, const SyncResponse& in);
  Result<bool> settled(const Outbound& out, const SyncResponse& in);
  Result<bool> ask_repair(const SyncResponse& in);

  storage::Replica& replica_;
  Transport& client_;
  const SyncOptions& options_;
  const std::uint64_t sent_before_;
  const std::uint64_t received_before_;
  SyncReport report_;
  // Dossiers whose checksum differed, to receive whole at the next exchange (once per sync).
  std::vector<std::string> repair_;
  bool repair_asked_ = false;
};

Result<SyncReport> SyncSession::run() {
  for (int exchange = 0; exchange < kMaxExchanges; ++exchange) {
    auto out = prepare();
    if (!out) return fail(out.error());
    auto in = send(out->request);
    if (!in) return fail(in.error());
    CARNET_RETURN_IF_ERROR_R(take(*out, *in));
    CARNET_RETURN_IF_ERROR_R(evict_sent_dossiers());
    count(*out, *in);
    auto done = settled(*out, *in);
    if (!done) return fail(done.error());
    if (!*done) continue;
    if (options_.verify_checksum) {
      auto repairing = ask_repair(*in);
      if (!repairing) return fail(repairing.error());
      if (*repairing) continue;
    }
    if (!options_.blob_dir.empty()) {
      CARNET_RETURN_IF_ERROR_R(
          transfer_blobs(replica_, client_, options_, in->blob_size_limit, report_));
    }
    return report_;
  }
  return fail(Status::internal("sync.tablet_sync.trop_d_echanges"));
}

// What the tablet sends: a page of its outbox, its cursor and clock, the grids it holds, the
// dossiers it evicted and the conflicts it settled since the last exchange, the dossiers to
// repair.
Result<SyncSession::Outbound> SyncSession::prepare() {
  auto pending = replica_.pending_changes(options_.push_page);
  if (!pending) return fail(pending.error());
  auto cursor = replica_.cursor();
  if (!cursor) return fail(cursor.error());
  auto grids = replica_.grids();
  if (!grids) return fail(grids.error());
  auto evicted = replica_.evictions(true);
  if (!evicted) return fail(evicted.error());
  auto resolved = replica_.locally_resolved_conflicts();
  if (!resolved) return fail(resolved.error());
  auto clock = replica_.clock_reading();
  if (!clock) return fail(clock.error());
  Outbound out{std::move(*pending), {}};
  SyncRequest& r = out.request;
  r.clock = *clock;
  r.cursor = *cursor;
  r.push.reserve(out.pending.size());
  for (const auto& p : out.pending) r.push.push_back(p.change);
  r.max_pull = static_cast<std::uint32_t>(options_.pull_page);
  for (const auto& g : *grids) r.grids.emplace_back(g.key, g.version);
  r.evicted = std::move(*evicted);
  r.resolved_conflicts = std::move(*resolved);
  r.want_checksum = options_.verify_checksum;
  r.restamps = true;
  r.repair = std::exchange(repair_, {});
  return out;
}

Result<SyncResponse> SyncSession::send(const SyncRequest& request) {
  auto r = client_.request("POST", "/v1/sync", encode(request));
  if (!r) return fail(r.error());
  ++report_.requests;
  if (r->status != 200) return fail(refused(*r));
  return decode<SyncResponse>(r->body, Status::io_error("sync.tablet_sync.reponse_sync_illisible"));
}

// A refused exchange. An expired certificate leaves everything as it is: enrolling again
// (carnet enroll) keeps the replica and its outbox. A revoked device is a lost or stolen
// tablet: nothing of its dossiers may stay on it.
Status SyncSession::refused(const HttpResponse& response) {
  const Refusal refusal = decode_refusal(response.body);
  if (refusal.code == ErrorCode::kCertExpired) {
    return Status::failed_precondition(certificate_expired(refusal.not_after));
  }
  if (refusal.code == ErrorCode::kRevoked) {
    auto tx = storage::Transaction::begin(replica_.db());
    if (!tx) return tx.error();
    CARNET_RETURN_IF_ERROR(replica_.wipe(**tx));
    CARNET_RETURN_IF_ERROR((*tx)->commit());
    if (!options_.blob_dir.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(options_.blob_dir, ec);
    }
    return Status::failed_precondition("sync.tablet_sync.appareil_revoque");
  }
  return http_failure(response.status, refusal);
}

// Takes an answer in one transaction, so that the cursor moves with what it covers.
Status SyncSession::take(const Outbound& out, SyncResponse& in) {
  auto tx = storage::Transaction::begin(replica_.db());
  if (!tx) return tx.error();
  CARNET_RETURN_IF_ERROR(replica_.observe_clock(**tx, in.clock, kAcceptCentralClockMs));
  CARNET_RETURN_IF_ERROR(settle_pushed(**tx, out.pending, in));
  CARNET_RETURN_IF_ERROR(apply_pulled(**tx, in));
  CARNET_RETURN_IF_ERROR(take_scope(**tx, out.request, in));
  return (*tx)->commit();
}

// The outbox page leaves the outbox; what the central node did not apply is settled: a change
// refused for its clock gets a new version and is pushed again (it stays the inspector's), a
// quarantined one is recorded, and a field whose change lost takes the central node's state.
Status SyncSession::settle_pushed(storage::Transaction& tx,
                                  const std::vector<storage::PendingChange>& pending,
                                  const SyncResponse& in) {
  for (const Outcome& o : in.outcomes) {
    if (o.change >= pending.size()) return Status::io_error("sync.tablet_sync.reponse_incoherente");
  }
  std::set<std::uint32_t> clock_ahead;
  for (const Outcome& o : in.outcomes) {
    if (o.status == Outcome::Status::kClockAhead) clock_ahead.insert(o.change);
  }
  std::vector<core::Change> restamp;  // in outbox order
  for (const std::uint32_t i : clock_ahead) restamp.push_back(pending[i].change);
  if (!restamp.empty()) CARNET_RETURN_IF_ERROR(replica_.restamp(tx, restamp, in.clock));
  report_.restamped += restamp.size();
  if (!pending.empty()) CARNET_RETURN_IF_ERROR(replica_.acknowledge(tx, pending.back().seq));
  // Only the last change of a field in this push decides its final state: an earlier one
  // that lost must not undo a later one that won.
  std::map<std::tuple<std::string, std::string, std::string>, std::size_t> last_of_field;
  for (std::size_t i = 0; i < pending.size(); ++i) {
    const core::Change& c = pending[i].change;
    last_of_field[{c.entity_type, c.entity_id, c.field}] = i;
  }
  for (const Outcome& o : in.outcomes) {
    const core::Change& c = pending[o.change].change;
    const bool last = last_of_field[{c.entity_type, c.entity_id, c.field}] == o.change;
    switch (o.status) {
      case Outcome::Status::kQuarantined:
        ++report_.quarantined;
        CARNET_RETURN_IF_ERROR(
            replica_.add_quarantined(tx, {c.id, c.entity_type, c.entity_id, c.field, c.value,
                                          o.reason, o.reason_message, now_ms()}));
        if (last)
          CARNET_RETURN_IF_ERROR(
              replica_.take_state(tx, c.entity_type, c.entity_id, c.field, o.state));
        break;
      case Outcome::Status::kConflictLost:
        ++report_.conflicts_lost;
        [[fallthrough]];
      case Outcome::Status::kSuperseded:
        if (last)
          CARNET_RETURN_IF_ERROR(
              replica_.take_state(tx, c.entity_type, c.entity_id, c.field, o.state));
        break;
      default:
        break;  // applied (won, or a duplicate of an earlier push)
    }
  }
  return Status::ok_status();
}

// The page pulled. A dossier sent whole to repair it is taken as the central node holds it;
// the page of the log that follows may repeat some of its fields, older: the newest of each
// counts.
Status SyncSession::apply_pulled(storage::Transaction& tx, SyncResponse& in) {
  std::map<std::string, std::map<std::tuple<std::string, std::string, std::string>, core::Change>,
           std::less<>>
      whole;
  for (const auto& d : in.repaired) whole[d];
  for (auto& sc : in.pull) {
    if (auto w = whole.find(sc.change.scope); w != whole.end()) {
      auto [it, fresh] = w->second.try_emplace(
          {sc.change.entity_type, sc.change.entity_id, sc.change.field}, sc.change);
      if (!fresh && it->second.version < sc.change.version) it->second = std::move(sc.change);
      continue;
    }
    auto applied = replica_.apply_remote(tx, sc.change);
    if (!applied) return applied.error();
  }
  for (auto& [dossier, fields] : whole) {
    std::vector<core::Change> snapshot;
    snapshot.reserve(fields.size());
    for (auto& [key, c] : fields) snapshot.push_back(std::move(c));
    auto changed = replica_.repair(tx, dossier, snapshot);
    if (!changed) return changed.error();
    report_.repaired += *changed;
  }
  return Status::ok_status();
}

// What the answer says of the scope: the grids the tablet lacked, the open conflicts, the
// dossiers to evict; then the evictions reported are forgotten and the clock and the cursor
// move past everything pulled.
Status SyncSession::take_scope(storage::Transaction& tx, const SyncRequest& sent,
                               const SyncResponse& in) {
  for (const auto& text : in.grid_files) {
    auto grid = storage::parse_grid(text, "grille du serveur central");
    if (!grid) return grid.error();
    CARNET_RETURN_IF_ERROR(replica_.install_grid(tx, **grid, text));
  }
  CARNET_RETURN_IF_ERROR(replica_.replace_conflicts(tx, in.conflicts));
  for (const auto& d : in.evict) CARNET_RETURN_IF_ERROR(replica_.add_eviction(tx, d));
  CARNET_RETURN_IF_ERROR(replica_.forget_evictions(tx, sent.evicted));
  CARNET_RETURN_IF_ERROR(
      replica_.save_clock(tx));  // every version pulled, for the next local write
  CARNET_RETURN_IF_ERROR(replica_.set_cursor(tx, in.cursor, now_ms()));
  return replica_.note_central_time(tx, in.clock);
}

// A dossier leaves the tablet once none of its changes is waiting to be sent.
Status SyncSession::evict_sent_dossiers() {
  auto to_evict = replica_.evictions(false);
  if (!to_evict) return to_evict.error();
  for (const auto& d : *to_evict) {
    auto waiting = replica_.pending_count(d);
    if (!waiting) return waiting.error();
    if (*waiting > 0) continue;
    auto tx = storage::Transaction::begin(replica_.db());
    if (!tx) return tx.error();
    CARNET_RETURN_IF_ERROR(replica_.evict(**tx, d));
    CARNET_RETURN_IF_ERROR((*tx)->commit());
    ++report_.evicted;
  }
  return report_.evicted > 0 ? erase_evicted(replica_, options_) : Status::ok_status();
}

void SyncSession::count(const Outbound& out, const SyncResponse& in) {
  report_.pushed += out.pending.size();
  report_.pulled += in.pull.size();
  report_.bytes_sent = client_.bytes_sent() - sent_before_;
  report_.bytes_received = client_.bytes_received() - received_before_;
  if (options_.progress) options_.progress(report_);
}

// True when nothing is left to push, to pull or to report.
Result<bool> SyncSession::settled(const Outbound& out, const SyncResponse& in) {
  auto left = replica_.pending_count();
  if (!left) return fail(left.error());
  auto evictions_to_report = replica_.evictions(true);
  if (!evictions_to_report) return fail(evictions_to_report.error());
  return !in.has_more && *left == 0 && evictions_to_report->empty() &&
         out.request.resolved_conflicts.empty();
}

// Checks the scope against the central node's checksum. When they differ, the dossiers that
// differ are asked whole at one more exchange, once per sync (docs/sync.md, "Repair"): true
// then.
Result<bool> SyncSession::ask_repair(const SyncResponse& in) {
  auto mine = replica_.scope_checksum(in.assigned);
  if (!mine) return fail(mine.error());
  report_.checksum_ok = *mine == in.scope_checksum;
  if (*report_.checksum_ok || repair_asked_) return false;
  for (const auto& [dossier, checksum] : in.dossier_checksums) {
    auto one = replica_.scope_checksum({dossier});
    if (!one) return fail(one.error());
    if (*one != checksum) repair_.push_back(dossier);
  }
  if (repair_.empty()) return false;
  repair_asked_ = true;
  report_.checksum_ok.reset();
  return true;
}

}  // namespace

Result<SyncReport> sync_now(storage::Replica& replica, Transport& client,
                            const SyncOptions& options) {
  return SyncSession(replica, client, options).run();
}

}  // namespace carnet::sync
