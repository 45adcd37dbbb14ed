// The protobuf-level pieces of the codec (sync/codec.hpp): values, change batches and
// catalogue messages as proto/carnet/v1/sync.proto writes them. Only the codec, its tests and
// its fuzzer include this file.
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
#include "sync/protocol.hpp"

namespace carnet::sync {

using core::Result;
using core::Status;

inline constexpr std::size_t kMaxValueBytes = 1 << 20;
inline constexpr std::size_t kMaxBatchChanges = 200000;

// A uuid as the wire carries it: its 16 bytes.
std::string uuid_bytes(const core::Uuid& u);

v1::Value encode_value(const core::Value& value);
Result<core::Value> decode_value(const v1::Value& value);

// Builds a batch from changes, in order: pulled ones with their sequence numbers, pushed ones
// without.
v1::ChangeBatch encode_batch(const std::vector<SequencedChange>& changes);
v1::ChangeBatch encode_batch(const std::vector<core::Change>& changes);
// Decodes and validates a batch. kInvalidArgument naming the first bad change.
Result<std::vector<SequencedChange>> decode_batch(const v1::ChangeBatch& batch);

// A Status's parts (core/message.hpp) on the wire and back. Decoding gives nullopt when a key is
// not in this node's catalogue or the parts are malformed (empty, more than 8, nested deeper
// than 4): the caller then shows the sender's French text.
void encode_parts(const std::vector<core::Message>& parts,
                  google::protobuf::RepeatedPtrField<v1::Text>& out);
std::optional<std::vector<core::Message>> decode_parts(
    const google::protobuf::RepeatedPtrField<v1::Text>& parts);

}  // namespace carnet::sync
