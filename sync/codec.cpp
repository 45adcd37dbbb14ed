#include "sync/codec.hpp"

#include <array>
#include <cstring>
#include <iterator>
#include <utility>

#include "sync/codec_wire.hpp"

namespace carnet::sync {
namespace {

using core::fail;

// Each enum of sync/protocol.hpp as the wire numbers it, in the order of its values.
constexpr v1::Outcome::Status kOutcomeStatuses[] = {
    v1::Outcome::STATUS_UNSPECIFIED,  v1::Outcome::STATUS_DUPLICATE,
    v1::Outcome::STATUS_CONFLICT_WON, v1::Outcome::STATUS_CONFLICT_LOST,
    v1::Outcome::STATUS_QUARANTINED,  v1::Outcome::STATUS_SUPERSEDED,
    v1::Outcome::STATUS_CLOCK_AHEAD};
static_assert(std::size(kOutcomeStatuses) ==
              static_cast<std::size_t>(Outcome::Status::kClockAhead) + 1);
constexpr v1::Error::Code kErrorCodes[] = {
    v1::Error::CODE_UNSPECIFIED,  v1::Error::CODE_BAD_REQUEST,   v1::Error::CODE_UNAUTHENTICATED,
    v1::Error::CODE_FORBIDDEN,    v1::Error::CODE_NOT_FOUND,     v1::Error::CODE_TOO_LARGE,
    v1::Error::CODE_ENROLLMENT,   v1::Error::CODE_CLOCK_SKEW,    v1::Error::CODE_INTERNAL,
    v1::Error::CODE_RATE_LIMITED, v1::Error::CODE_HASH_MISMATCH, v1::Error::CODE_REVOKED,
    v1::Error::CODE_CERT_EXPIRED};
static_assert(std::size(kErrorCodes) == static_cast<std::size_t>(ErrorCode::kCertExpired) + 1);

template <class Enum, class Wire, std::size_t N>
Wire wire_number(Enum value, const Wire (&table)[N]) {
  return table[static_cast<std::size_t>(value)];
}

// A number this node does not know (a newer peer's) reads as the first value, unspecified.
template <class Enum, class Wire, std::size_t N>
Enum from_wire_number(int wire, const Wire (&table)[N]) {
  for (std::size_t i = 0; i < N; ++i) {
    if (table[i] == wire) return static_cast<Enum>(i);
  }
  return Enum{};
}

bool parse(google::protobuf::MessageLite& message, std::string_view bytes) {
  return message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
}

// 16 bytes as a uuid; the nil uuid for any other size (a version's node from the central node).
core::Uuid uuid_or_nil(const std::string& bytes) {
  std::array<std::uint8_t, 16> b{};
  if (bytes.size() == b.size()) std::memcpy(b.data(), bytes.data(), b.size());
  return core::Uuid::from_bytes(b);
}

void encode_side(const core::Value& value, const core::Version& version, const std::string& author,
                 v1::ConflictSide& side) {
  *side.mutable_value() = encode_value(value);
  side.set_hlc(version.hlc.value);
  side.set_node(uuid_bytes(version.node));
  side.set_author(author);
}

void encode_conflict(const storage::ConflictRecord& c, v1::Conflict& w) {
  w.set_id(c.id);
  w.set_entity_type(c.entity_type);
  w.set_entity_id(c.entity_id);
  w.set_field(c.field);
  w.set_scope(c.scope);
  encode_side(c.winner_value, c.winner_version, c.winner_author, *w.mutable_winner());
  encode_side(c.loser_value, c.loser_version, c.loser_author, *w.mutable_loser());
  w.set_created(c.created_ms);
}

Result<storage::ConflictRecord> decode_conflict(const v1::Conflict& w) {
  auto winner = decode_value(w.winner().value());
  auto loser = decode_value(w.loser().value());
  if (!winner || !loser) return fail(Status::io_error("sync.tablet_sync.conflit_illisible"));
  auto version = [](const v1::ConflictSide& side) {
    return core::Version{core::Hlc{side.hlc()}, uuid_or_nil(side.node())};
  };
  return storage::ConflictRecord{w.id(),
                                 w.entity_type(),
                                 w.entity_id(),
                                 w.field(),
                                 w.scope(),
                                 std::move(*winner),
                                 version(w.winner()),
                                 w.winner().author(),
                                 std::move(*loser),
                                 version(w.loser()),
                                 w.loser().author(),
                                 w.created()};
}

void encode_outcome(const Outcome& o, v1::Outcome& w) {
  w.set_change(o.change);
  w.set_status(wire_number(o.status, kOutcomeStatuses));
  w.set_reason(o.reason);
  if (o.reason_message) encode_parts({*o.reason_message}, *w.mutable_reason_parts());
  if (o.state) {
    w.set_has_state(true);
    *w.mutable_value() = encode_value(o.state->first);
    w.set_hlc(o.state->second.hlc.value);
    w.set_node(uuid_bytes(o.state->second.node));
  }
}

Result<Outcome> decode_outcome(const v1::Outcome& w) {
  Outcome o;
  o.change = w.change();
  o.status = from_wire_number<Outcome::Status>(w.status(), kOutcomeStatuses);
  o.reason = w.reason();
  // The reason as a message when this node knows its key; its French text in any case.
  if (auto parts = decode_parts(w.reason_parts()); parts && parts->size() == 1) {
    o.reason_message = std::move(parts->front());
  }
  if (w.has_state()) {
    auto value = decode_value(w.value());
    if (!value) return fail(value.error());
    o.state =
        std::pair(std::move(*value), core::Version{core::Hlc{w.hlc()}, uuid_or_nil(w.node())});
  }
  return o;
}

v1::GridRef grid_ref(const std::string& key, int version) {
  v1::GridRef ref;
  ref.set_key(key);
  ref.set_version(version);
  return ref;
}

std::vector<std::string> strings(const google::protobuf::RepeatedPtrField<std::string>& repeated) {
  return {repeated.begin(), repeated.end()};
}

// ---- Each message of sync/protocol.hpp: to_wire() gives its protobuf message, from_wire()
// takes it back (validating what came from the network).

v1::SyncRequest to_wire(const SyncRequest& r) {
  v1::SyncRequest w;
  w.set_clock(r.clock.value);
  w.set_cursor(r.cursor);
  *w.mutable_push() = encode_batch(r.push);
  w.set_max_pull(r.max_pull);
  for (const auto& [key, version] : r.grids) *w.add_grids() = grid_ref(key, version);
  for (const auto& d : r.evicted) w.add_evicted(d);
  for (const auto& id : r.resolved_conflicts) w.add_resolved_conflicts(id);
  w.set_want_checksum(r.want_checksum);
  w.set_restamps(r.restamps);
  for (const auto& d : r.repair) w.add_repair(d);
  return w;
}

Result<SyncRequest> from_wire(const v1::SyncRequest& w) {
  auto pushed = decode_batch(w.push());
  if (!pushed) return fail(pushed.error());
  SyncRequest r;
  r.clock = core::Hlc{w.clock()};
  r.cursor = w.cursor();
  r.push.reserve(pushed->size());
  for (auto& sc : *pushed) r.push.push_back(std::move(sc.change));
  r.max_pull = w.max_pull();
  for (const auto& g : w.grids()) r.grids.emplace_back(g.key(), g.version());
  r.evicted = strings(w.evicted());
  r.resolved_conflicts = strings(w.resolved_conflicts());
  r.want_checksum = w.want_checksum();
  r.restamps = w.restamps();
  r.repair = strings(w.repair());
  return r;
}

v1::SyncResponse to_wire(const SyncResponse& r) {
  v1::SyncResponse w;
  w.set_clock(r.clock.value);
  for (const auto& o : r.outcomes) encode_outcome(o, *w.add_outcomes());
  *w.mutable_pull() = encode_batch(r.pull);
  w.set_cursor(r.cursor);
  w.set_has_more(r.has_more);
  for (const auto& d : r.assigned) w.add_assigned(d);
  for (const auto& d : r.evict) w.add_evict(d);
  for (const auto& g : r.grid_files) w.add_grid_files(g);
  for (const auto& c : r.conflicts) encode_conflict(c, *w.add_conflicts());
  w.set_scope_checksum(r.scope_checksum);
  for (const auto& [dossier, sum] : r.dossier_checksums) {
    v1::DossierChecksum* dc = w.add_dossier_checksums();
    dc->set_dossier(dossier);
    dc->set_checksum(sum);
  }
  for (const auto& d : r.repaired) w.add_repaired(d);
  w.set_blob_size_limit(r.blob_size_limit);
  return w;
}

Result<SyncResponse> from_wire(const v1::SyncResponse& w) {
  auto pulled = decode_batch(w.pull());
  if (!pulled) return fail(pulled.error().with_context("sync.tablet_sync.reponse_central"));
  SyncResponse r;
  r.clock = core::Hlc{w.clock()};
  r.outcomes.reserve(static_cast<std::size_t>(w.outcomes_size()));
  for (const auto& o : w.outcomes()) {
    auto outcome = decode_outcome(o);
    if (!outcome) return fail(outcome.error());
    r.outcomes.push_back(std::move(*outcome));
  }
  r.pull = std::move(*pulled);
  r.cursor = w.cursor();
  r.has_more = w.has_more();
  r.assigned = strings(w.assigned());
  r.evict = strings(w.evict());
  r.grid_files = strings(w.grid_files());
  for (const auto& c : w.conflicts()) {
    auto conflict = decode_conflict(c);
    if (!conflict) return fail(conflict.error());
    r.conflicts.push_back(std::move(*conflict));
  }
  r.scope_checksum = w.scope_checksum();
  for (const auto& dc : w.dossier_checksums())
    r.dossier_checksums.emplace_back(dc.dossier(), dc.checksum());
  r.repaired = strings(w.repaired());
  r.blob_size_limit = w.blob_size_limit();
  return r;
}

v1::EnrollRequest to_wire(const EnrollRequest& r) {
  v1::EnrollRequest w;
  w.set_code(r.code);
  w.set_csr_pem(r.csr_pem);
  w.set_device_name(r.device_name);
  if (r.node_id) w.set_node_id(uuid_bytes(*r.node_id));
  return w;
}

EnrollRequest from_wire(const v1::EnrollRequest& w) {
  EnrollRequest r{w.code(), w.csr_pem(), w.device_name(), std::nullopt};
  if (w.node_id().size() == 16) r.node_id = uuid_or_nil(w.node_id());
  return r;
}

v1::EnrollResponse to_wire(const EnrollResponse& r) {
  v1::EnrollResponse w;
  w.set_certificate_pem(r.certificate_pem);
  w.set_device_id(uuid_bytes(r.device_id));
  w.set_inspector_id(r.inspector_id);
  w.set_inspector_name(r.inspector_name);
  w.set_not_after(r.not_after);
  return w;
}

EnrollResponse from_wire(const v1::EnrollResponse& w) {
  return {w.certificate_pem(), uuid_or_nil(w.device_id()), w.inspector_id(), w.inspector_name(),
          w.not_after()};
}

v1::RenewRequest to_wire(const RenewRequest& r) {
  v1::RenewRequest w;
  w.set_csr_pem(r.csr_pem);
  return w;
}

RenewRequest from_wire(const v1::RenewRequest& w) { return {w.csr_pem()}; }

v1::RenewResponse to_wire(const RenewResponse& r) {
  v1::RenewResponse w;
  w.set_certificate_pem(r.certificate_pem);
  w.set_not_after(r.not_after);
  return w;
}

RenewResponse from_wire(const v1::RenewResponse& w) { return {w.certificate_pem(), w.not_after()}; }

v1::BlobStatus to_wire(const BlobStatus& s) {
  v1::BlobStatus w;
  w.set_sha256(s.sha256);
  w.set_received(s.received);
  w.set_complete(s.complete);
  return w;
}

BlobStatus from_wire(const v1::BlobStatus& w) { return {w.sha256(), w.received(), w.complete()}; }

v1::Error to_wire(const Refusal& r) {
  v1::Error w;
  w.set_code(wire_number(r.code, kErrorCodes));
  w.set_message(r.message);
  w.set_not_after(r.not_after);
  encode_parts(r.parts, *w.mutable_parts());
  return w;
}

Refusal from_wire(const v1::Error& w) {
  return {from_wire_number<ErrorCode>(w.code(), kErrorCodes), w.message(), w.not_after(),
          decode_parts(w.parts()).value_or(std::vector<core::Message>{})};
}

}  // namespace

template <class Message>
std::string encode(const Message& message) {
  return to_wire(message).SerializeAsString();
}

template <class Message>
Result<Message> decode(std::string_view bytes, Status unreadable) {
  decltype(to_wire(std::declval<const Message&>())) w;
  if (!parse(w, bytes)) return fail(std::move(unreadable));
  return from_wire(w);
}

// The messages of sync/protocol.hpp, the only ones encode() and decode() take.
template std::string encode(const SyncRequest&);
template std::string encode(const SyncResponse&);
template std::string encode(const EnrollRequest&);
template std::string encode(const EnrollResponse&);
template std::string encode(const RenewRequest&);
template std::string encode(const RenewResponse&);
template std::string encode(const BlobStatus&);
template std::string encode(const Refusal&);
template Result<SyncRequest> decode(std::string_view, Status);
template Result<SyncResponse> decode(std::string_view, Status);
template Result<EnrollRequest> decode(std::string_view, Status);
template Result<EnrollResponse> decode(std::string_view, Status);
template Result<RenewRequest> decode(std::string_view, Status);
template Result<RenewResponse> decode(std::string_view, Status);
template Result<BlobStatus> decode(std::string_view, Status);

Refusal decode_refusal(std::string_view bytes) {
  v1::Error w;
  return parse(w, bytes) ? from_wire(w) : Refusal{};
}

std::vector<core::Message> refusal_parts(const Refusal& refusal, int http_status) {
  if (!refusal.parts.empty()) return refusal.parts;
  if (!refusal.message.empty())
    return {core::Message("sync.codec.texte_central", {{"message", refusal.message}})};
  return {core::Message("sync.codec.reponse_http", {{"statut", http_status}})};
}

}  // namespace carnet::sync
