// The one codec between protobuf messages (proto/carnet/v1/sync.proto) and core types.
//
// A ChangeBatch carries tables (nodes, entities, fields, scopes, grids) that its changes
// index, and HLCs as deltas from a base, so that a checklist answer stays small on the wire.
// Decoding validates everything that comes from the network: indexes in range, ids of the
// right size, values that decode, sizes within limits; a bad batch is refused whole.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "carnet/v1/sync.pb.h"
#include "core/change.hpp"
#include "core/status.hpp"

namespace carnet::sync {

using core::Result;
using core::Status;

inline constexpr std::size_t kMaxValueBytes = 1 << 20;
inline constexpr std::size_t kMaxBatchChanges = 200000;

v1::Value encode_value(const core::Value& value);
Result<core::Value> decode_value(const v1::Value& value);

// A change and, for pulled changes, its central sequence number.
struct SequencedChange {
  core::Change change;
  std::uint64_t seq = 0;
};

// Builds a batch from changes, in order.
// A Status's parts (core/message.hpp) on the wire and back. Decoding gives nullopt when a key is
// not in this node's catalogue or the parts are malformed (empty, more than 8, nested deeper
// than 4): the caller then shows the sender's French text.
void encode_parts(const std::vector<core::Message>& parts, google::protobuf::RepeatedPtrField<v1::Text>& out);
std::optional<std::vector<core::Message>> decode_parts(const google::protobuf::RepeatedPtrField<v1::Text>& parts);
// The central node's refusal (an HTTP answer with a v1::Error body) as catalogue parts: its
// own parts when this node knows every key, else its French text as it came, else
// "réponse HTTP N". Also gives the decoded Error (default when the body is not one).
std::vector<core::Message> refusal_parts(std::string_view body, int http_status, v1::Error* error = nullptr);

v1::ChangeBatch encode_batch(const std::vector<SequencedChange>& changes);
// Decodes and validates a batch. kInvalidArgument naming the first bad change.
Result<std::vector<SequencedChange>> decode_batch(const v1::ChangeBatch& batch);

// An entity id as the wire carries it: 16 bytes for a canonical UUID, else the text.
void encode_entity_id(const std::string& id, v1::Entity& entity, bool parent);

}  // namespace carnet::sync
