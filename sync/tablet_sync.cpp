#include "sync/tablet_sync.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>

#include "carnet/v1/sync.pb.h"
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

// A failed HTTP exchange as a Status, with the central node's message.
Status http_failure(const HttpResponse& r) {
  std::vector<core::Message> parts = refusal_parts(r.body, r.status);
  if (r.status == 401 || r.status == 403 || r.status == 409) return Status(core::StatusCode::kFailedPrecondition, std::move(parts));
  if (r.status == 400 || r.status == 413) return Status(core::StatusCode::kInvalidArgument, std::move(parts));
  return Status(core::StatusCode::kIoError, std::move(parts)).with_context("sync.tablet_sync.serveur_central");
}

core::Version version_of(std::uint64_t hlc, const std::string& node) {
  std::array<std::uint8_t, 16> b{};
  if (node.size() == 16) std::memcpy(b.data(), node.data(), 16);
  return {core::Hlc{hlc}, core::Uuid::from_bytes(b)};
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
  v1::EnrollRequest in;
  in.set_code(code);
  in.set_csr_pem(request->csr_pem);
  in.set_device_name(device_name);
  in.set_node_id(std::string(reinterpret_cast<const char*>(node_id.bytes().data()), 16));
  ClientOptions opts;
  opts.host = address->host;
  opts.port = address->port;
  opts.ca_pem = ca_pem;
  HttpsClient client(opts);
  auto r = client.request("POST", "/v1/enroll", in.SerializeAsString());
  if (!r) return fail(r.error());
  if (r->status != 200) return fail(http_failure(*r));
  v1::EnrollResponse out;
  if (!out.ParseFromString(r->body)) return fail(Status::io_error("sync.tablet_sync.reponse_enrolement_illisible"));
  if (node && node->inspector_id != out.inspector_id()) {
    return fail(Status::failed_precondition("sync.tablet_sync.code_autre_inspecteur",
                                            {{"code_de", out.inspector_id()}, {"tablette_de", node->inspector_id}}));
  }
  if (!node) CARNET_RETURN_IF_ERROR_R(initialise(out.inspector_id(), out.inspector_name(), node_id));
  const DeviceFiles files(data_dir, replica.key());
  CARNET_RETURN_IF_ERROR_R(install_device_credentials(files, request->key_pem, out.certificate_pem(), ca_pem));
  auto tx = storage::Transaction::begin(replica.db());
  if (!tx) return fail(tx.error());
  CARNET_RETURN_IF_ERROR_R(replica.set_setting(**tx, "central_url", central_url));
  CARNET_RETURN_IF_ERROR_R((*tx)->commit());
  return EnrollResult{out.inspector_id(), out.inspector_name(), out.not_after()};
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
  auto ca = storage::read_file(files.ca, 1 << 20);
  auto cert = storage::read_file(files.certificate, 1 << 20);
  auto key = read_private_key_file(files.key, files.seal);
  for (const auto* r : {&ca, &cert}) {
    if (!*r) return fail(r->error());
  }
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

Result<v1::BlobStatus> blob_status(const HttpResponse& r) {
  v1::BlobStatus st;
  if (!st.ParseFromString(r.body)) return fail(Status::io_error("sync.tablet_sync.reponse_piece_illisible"));
  return st;
}

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
    auto st = blob_status(*r);
    if (!st) return st.error();
    std::uint64_t held = st->received();
    while (!st->complete() && held < size) {  // resume from what the central node holds
      auto chunk = store.read(sha, held, static_cast<std::size_t>(std::min<std::uint64_t>(options.blob_chunk, size - held)));
      if (!chunk) return chunk.error();
      auto put = client.request("PUT", "/v1/blobs/" + sha + "?offset=" + std::to_string(held) + "&size=" + std::to_string(size),
                                *chunk, "application/octet-stream");
      if (!put) return put.error();
      if (put->status != 200 && put->status != 409) return http_failure(*put);
      st = blob_status(*put);
      if (!st) return st.error();
      held = st->received();
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

}  // namespace

Result<SyncReport> sync_now(storage::Replica& replica, Transport& client, const SyncOptions& options) {
  SyncReport report;
  const std::uint64_t sent_before = client.bytes_sent();
  const std::uint64_t received_before = client.bytes_received();
  // Dossiers whose checksum differed, to receive whole at the next exchange (once per sync).
  std::vector<std::string> repair;
  bool repair_asked = false;
  for (int exchange = 0; exchange < 100000; ++exchange) {
    auto pending = replica.pending_changes(options.push_page);
    if (!pending) return fail(pending.error());
    auto cursor = replica.cursor();
    if (!cursor) return fail(cursor.error());
    auto grids = replica.grids();
    if (!grids) return fail(grids.error());
    auto evicted = replica.evictions(true);
    if (!evicted) return fail(evicted.error());
    auto resolved = replica.locally_resolved_conflicts();
    if (!resolved) return fail(resolved.error());

    auto clock = replica.clock_reading();
    if (!clock) return fail(clock.error());
    v1::SyncRequest req;
    req.set_clock(clock->value);
    req.set_cursor(*cursor);
    std::vector<SequencedChange> push;
    push.reserve(pending->size());
    for (const auto& p : *pending) push.push_back({p.change, 0});
    *req.mutable_push() = encode_batch(push);
    req.set_max_pull(static_cast<std::uint32_t>(options.pull_page));
    for (const auto& g : *grids) {
      v1::GridRef* ref = req.add_grids();
      ref->set_key(g.key);
      ref->set_version(g.version);
    }
    for (const auto& d : *evicted) req.add_evicted(d);
    for (const auto& id : *resolved) req.add_resolved_conflicts(id);
    req.set_want_checksum(options.verify_checksum);
    req.set_restamps(true);
    for (const auto& d : repair) req.add_repair(d);
    repair.clear();

    auto r = client.request("POST", "/v1/sync", req.SerializeAsString());
    if (!r) return fail(r.error());
    ++report.requests;
    if (r->status != 200) {
      v1::Error e;
      const bool parsed = e.ParseFromString(r->body);
      if (parsed && e.code() == v1::Error::CODE_CERT_EXPIRED) {
        // Nothing is lost: enrolling again (carnet enroll) keeps the replica and its outbox.
        return fail(Status::failed_precondition(certificate_expired(e.not_after())));
      }
      if (parsed && e.code() == v1::Error::CODE_REVOKED) {
        // A lost or stolen tablet: nothing of its dossiers may stay on it.
        auto tx = storage::Transaction::begin(replica.db());
        if (!tx) return fail(tx.error());
        CARNET_RETURN_IF_ERROR_R(replica.wipe(**tx));
        CARNET_RETURN_IF_ERROR_R((*tx)->commit());
        if (!options.blob_dir.empty()) {
          std::error_code ec;
          std::filesystem::remove_all(options.blob_dir, ec);
        }
        return fail(Status::failed_precondition("sync.tablet_sync.appareil_revoque"));
      }
      return fail(http_failure(*r));
    }
    v1::SyncResponse resp;
    if (!resp.ParseFromString(r->body)) return fail(Status::io_error("sync.tablet_sync.reponse_sync_illisible"));
    auto pulled = decode_batch(resp.pull());
    if (!pulled) return fail(pulled.error().with_context("sync.tablet_sync.reponse_central"));

    auto tx = storage::Transaction::begin(replica.db());
    if (!tx) return fail(tx.error());
    CARNET_RETURN_IF_ERROR_R(replica.observe_clock(**tx, core::Hlc{resp.clock()}, kAcceptCentralClockMs));
    // Changes refused for their clock stay the inspector's: new versions, pushed again.
    std::set<std::uint32_t> clock_ahead;
    for (const auto& o : resp.outcomes()) {
      if (o.status() != v1::Outcome::STATUS_CLOCK_AHEAD) continue;
      if (o.change() >= pending->size()) return fail(Status::io_error("sync.tablet_sync.reponse_incoherente"));
      clock_ahead.insert(o.change());
    }
    std::vector<core::Change> restamp;  // in outbox order
    for (const std::uint32_t i : clock_ahead) restamp.push_back((*pending)[i].change);
    if (!restamp.empty()) CARNET_RETURN_IF_ERROR_R(replica.restamp(**tx, restamp, core::Hlc{resp.clock()}));
    report.restamped += restamp.size();
    if (!pending->empty()) CARNET_RETURN_IF_ERROR_R(replica.acknowledge(**tx, pending->back().seq));
    // Only the last change of a field in this push decides its final state: an earlier one
    // that lost must not undo a later one that won.
    std::map<std::tuple<std::string, std::string, std::string>, std::size_t> last_of_field;
    for (std::size_t i = 0; i < pending->size(); ++i) {
      const core::Change& c = (*pending)[i].change;
      last_of_field[{c.entity_type, c.entity_id, c.field}] = i;
    }
    for (const auto& o : resp.outcomes()) {
      if (o.change() >= pending->size()) return fail(Status::io_error("sync.tablet_sync.reponse_incoherente"));
      const core::Change& c = (*pending)[o.change()].change;
      std::optional<std::pair<core::Value, core::Version>> state;
      if (o.has_state()) {
        auto v = decode_value(o.value());
        if (!v) return fail(v.error());
        state = std::make_pair(std::move(*v), version_of(o.hlc(), o.node()));
      }
      const bool last = last_of_field[{c.entity_type, c.entity_id, c.field}] == o.change();
      switch (o.status()) {
        case v1::Outcome::STATUS_QUARANTINED: {
          ++report.quarantined;
          // The reason as a message when this node knows its key; its French text in any case.
          std::optional<core::Message> reason_message;
          if (auto parts = decode_parts(o.reason_parts()); parts && parts->size() == 1) {
            reason_message = std::move(parts->front());
          }
          CARNET_RETURN_IF_ERROR_R(replica.add_quarantined(
              **tx,
              {c.id, c.entity_type, c.entity_id, c.field, c.value, o.reason(), std::move(reason_message), now_ms()}));
          if (last) CARNET_RETURN_IF_ERROR_R(replica.take_state(**tx, c.entity_type, c.entity_id, c.field, state));
          break;
        }
        case v1::Outcome::STATUS_CONFLICT_LOST:
          ++report.conflicts_lost;
          [[fallthrough]];
        case v1::Outcome::STATUS_SUPERSEDED:
          if (last) CARNET_RETURN_IF_ERROR_R(replica.take_state(**tx, c.entity_type, c.entity_id, c.field, state));
          break;
        default: break;  // applied (won, or a duplicate of an earlier push)
      }
    }
    // A dossier sent whole to repair it is taken as the central node holds it; the page of
    // the log that follows may repeat some of its fields, older: the newest of each counts.
    std::map<std::string, std::map<std::tuple<std::string, std::string, std::string>, core::Change>, std::less<>> whole;
    for (const auto& d : resp.repaired()) whole[d];
    for (auto& sc : *pulled) {
      if (auto w = whole.find(sc.change.scope); w != whole.end()) {
        auto [it, fresh] = w->second.try_emplace({sc.change.entity_type, sc.change.entity_id, sc.change.field}, sc.change);
        if (!fresh && it->second.version < sc.change.version) it->second = std::move(sc.change);
        continue;
      }
      auto applied = replica.apply_remote(**tx, sc.change);
      if (!applied) return fail(applied.error());
    }
    for (auto& [dossier, fields] : whole) {
      std::vector<core::Change> snapshot;
      snapshot.reserve(fields.size());
      for (auto& [key, c] : fields) snapshot.push_back(std::move(c));
      auto changed = replica.repair(**tx, dossier, snapshot);
      if (!changed) return fail(changed.error());
      report.repaired += *changed;
    }
    for (const auto& text : resp.grid_files()) {
      auto grid = storage::parse_grid(text, "grille du serveur central");
      if (!grid) return fail(grid.error());
      CARNET_RETURN_IF_ERROR_R(replica.install_grid(**tx, **grid, text));
    }
    std::vector<storage::ConflictRecord> conflicts;
    for (const auto& c : resp.conflicts()) {
      auto winner = decode_value(c.winner().value());
      auto loser = decode_value(c.loser().value());
      if (!winner || !loser) return fail(Status::io_error("sync.tablet_sync.conflit_illisible"));
      conflicts.push_back({c.id(), c.entity_type(), c.entity_id(), c.field(), c.scope(), *winner,
                           version_of(c.winner().hlc(), c.winner().node()), c.winner().author(), *loser,
                           version_of(c.loser().hlc(), c.loser().node()), c.loser().author(), c.created()});
    }
    CARNET_RETURN_IF_ERROR_R(replica.replace_conflicts(**tx, conflicts));
    for (const auto& d : resp.evict()) CARNET_RETURN_IF_ERROR_R(replica.add_eviction(**tx, d));
    CARNET_RETURN_IF_ERROR_R(replica.forget_evictions(**tx, *evicted));
    CARNET_RETURN_IF_ERROR_R(replica.save_clock(**tx));  // every version pulled, for the next local write
    CARNET_RETURN_IF_ERROR_R(replica.set_cursor(**tx, resp.cursor(), now_ms()));
    CARNET_RETURN_IF_ERROR_R(replica.note_central_time(**tx, core::Hlc{resp.clock()}));
    CARNET_RETURN_IF_ERROR_R((*tx)->commit());

    // A dossier leaves the tablet once none of its changes is waiting to be sent.
    auto to_evict = replica.evictions(false);
    if (!to_evict) return fail(to_evict.error());
    for (const auto& d : *to_evict) {
      auto waiting = replica.pending_count(d);
      if (!waiting) return fail(waiting.error());
      if (*waiting > 0) continue;
      auto etx = storage::Transaction::begin(replica.db());
      if (!etx) return fail(etx.error());
      CARNET_RETURN_IF_ERROR_R(replica.evict(**etx, d));
      CARNET_RETURN_IF_ERROR_R((*etx)->commit());
      ++report.evicted;
    }
    if (report.evicted > 0) CARNET_RETURN_IF_ERROR_R(erase_evicted(replica, options));

    report.pushed += pending->size();
    report.pulled += pulled->size();
    report.bytes_sent = client.bytes_sent() - sent_before;
    report.bytes_received = client.bytes_received() - received_before;
    if (options.progress) options.progress(report);

    auto left = replica.pending_count();
    if (!left) return fail(left.error());
    auto evictions_to_report = replica.evictions(true);
    if (!evictions_to_report) return fail(evictions_to_report.error());
    if (!resp.has_more() && *left == 0 && evictions_to_report->empty() &&
        (*resolved).empty()) {
      if (options.verify_checksum) {
        std::vector<std::string> assigned(resp.assigned().begin(), resp.assigned().end());
        auto mine = replica.scope_checksum(assigned);
        if (!mine) return fail(mine.error());
        report.checksum_ok = *mine == resp.scope_checksum();
        if (!*report.checksum_ok && !repair_asked) {
          // Repair: the dossiers that differ are asked whole, once (docs/sync.md, "Repair").
          for (const auto& dc : resp.dossier_checksums()) {
            auto one = replica.scope_checksum({dc.dossier()});
            if (!one) return fail(one.error());
            if (*one != dc.checksum()) repair.push_back(dc.dossier());
          }
          if (!repair.empty()) {
            repair_asked = true;
            report.checksum_ok.reset();
            continue;
          }
        }
      }
      if (!options.blob_dir.empty()) {
        CARNET_RETURN_IF_ERROR_R(transfer_blobs(replica, client, options, resp.blob_size_limit(), report));
      }
      return report;
    }
  }
  return fail(Status::internal("sync.tablet_sync.trop_d_echanges"));
}

}  // namespace carnet::sync
