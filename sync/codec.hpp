// The one codec between the wire and the sync layer: every message of
// proto/carnet/v1/sync.proto to its bytes and back, as the types of sync/protocol.hpp. No other
// file of the sync layer sees a protobuf message (sync/codec_wire.hpp holds the codec's
// protobuf-level pieces: values, change batches, catalogue messages).
//
// Encoding cannot fail. Decoding validates everything that comes from the network and refuses
// a bad message whole.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"
#include "sync/protocol.hpp"

namespace carnet::sync {

// The bytes of `message`: a SyncRequest, SyncResponse, EnrollRequest, EnrollResponse,
// RenewRequest, RenewResponse, BlobStatus or Refusal (no other type links).
template <class Message>
std::string encode(const Message& message);

// `bytes` as a Message (one of the above but Refusal): `unreadable`, the caller's words for
// its exchange, when they are not one. Besides, a SyncRequest is refused (kInvalidArgument)
// for a pushed change that does not decode, naming it; a SyncResponse for a pulled change
// (kInvalidArgument, in the context « réponse du serveur central »), an outcome's value
// (kInvalidArgument) or a conflict's values (kIoError) that do not decode.
template <class Message>
core::Result<Message> decode(std::string_view bytes, core::Status unreadable);

// The body of a refusal, whatever it holds: bytes that are not a Refusal (a proxy's page, a
// cut body) give the default one, with no code, message or parts.
Refusal decode_refusal(std::string_view bytes);
// A refusal as catalogue parts, for a Status: its own parts when this node knows every key,
// else its French text as it came, else "réponse HTTP N".
std::vector<core::Message> refusal_parts(const Refusal& refusal, int http_status);

}  // namespace carnet::sync
