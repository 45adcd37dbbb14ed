// The protocol's messages (proto/carnet/v1/sync.proto) as the sync layer's own types.
//
// sync/codec.hpp turns each of them into its bytes on the wire and back; the tablet's sync,
// the central service and the credentials code deal in these types only, and no file of the
// sync layer but the codec sees a protobuf message. Each type is a value; the fields mean
// what the .proto says of them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/change.hpp"
#include "core/message.hpp"
#include "storage/entity_store.hpp"

namespace carnet::sync {

// A change and, for pulled changes, its central sequence number.
struct SequencedChange {
  core::Change change;
  std::uint64_t seq = 0;
  friend bool operator==(const SequencedChange&, const SequencedChange&) = default;
};

// POST /v1/sync, from a tablet: its pending changes and what it holds.
struct SyncRequest {
  core::Hlc clock;                                 // the device's hybrid logical clock
  std::uint64_t cursor = 0;                        // highest central sequence applied
  std::vector<core::Change> push;                  // pending changes, oldest first
  std::uint32_t max_pull = 0;                      // changes wanted in a page; 0: the default
  std::vector<std::pair<std::string, int>> grids;  // grids held: (key, version)
  std::vector<std::string> evicted;                // dossiers evicted since the last sync
  std::vector<std::string> resolved_conflicts;     // settled by a change in `push`
  bool want_checksum = false;
  bool restamps = false;            // the device re-stamps a change refused for its clock
  std::vector<std::string> repair;  // dossiers to send whole, their checksums having differed
  friend bool operator==(const SyncRequest&, const SyncRequest&) = default;
};

// What became of a pushed change that was not simply applied.
struct Outcome {
  enum class Status {
    kUnspecified,  // none, or one this node does not know (a newer central node's)
    kDuplicate,
    kConflictWon,
    kConflictLost,
    kQuarantined,
    kSuperseded,
    kClockAhead,
  };
  std::uint32_t change = 0;  // index in SyncRequest::push
  Status status = Status::kUnspecified;
  std::string reason;  // French, for kQuarantined
  // The reason as a catalogue message: nullopt from an older central node, or when this
  // node's catalogue lacks its key.
  std::optional<core::Message> reason_message;
  // The field's authoritative value and version, when the device must take it.
  std::optional<std::pair<core::Value, core::Version>> state;
  friend bool operator==(const Outcome&, const Outcome&) = default;
};

// The answer to a SyncRequest.
struct SyncResponse {
  core::Hlc clock;  // the central node's clock
  std::vector<Outcome> outcomes;
  std::vector<SequencedChange> pull;  // a page of changes of the device's scope
  std::uint64_t cursor = 0;           // the cursor after applying this page
  bool has_more = false;
  std::vector<std::string> assigned;               // dossiers in scope
  std::vector<std::string> evict;                  // dossiers to evict once their changes are sent
  std::vector<std::string> grid_files;             // grids the device lacks, as grid file text
  std::vector<storage::ConflictRecord> conflicts;  // open ones concerning the device
  std::string scope_checksum;                      // when asked
  std::uint64_t blob_size_limit = 0;
  std::vector<std::pair<std::string, std::string>> dossier_checksums;  // (dossier, checksum)
  std::vector<std::string> repaired;  // dossiers of SyncRequest::repair sent whole in `pull`
  friend bool operator==(const SyncResponse&, const SyncResponse&) = default;
};

// POST /v1/enroll.
struct EnrollRequest {
  std::string code;
  std::string csr_pem;
  std::string device_name;
  std::optional<core::Uuid> node_id;  // nullopt when the bytes on the wire are not 16
  friend bool operator==(const EnrollRequest&, const EnrollRequest&) = default;
};

struct EnrollResponse {
  std::string certificate_pem;
  core::Uuid device_id;
  std::string inspector_id;
  std::string inspector_name;
  std::int64_t not_after = 0;  // Unix seconds
  friend bool operator==(const EnrollResponse&, const EnrollResponse&) = default;
};

// POST /v1/renew.
struct RenewRequest {
  std::string csr_pem;
  friend bool operator==(const RenewRequest&, const RenewRequest&) = default;
};

struct RenewResponse {
  std::string certificate_pem;
  std::int64_t not_after = 0;  // Unix seconds
  friend bool operator==(const RenewResponse&, const RenewResponse&) = default;
};

// What the central node holds of an attachment (/v1/blobs/<sha256>).
struct BlobStatus {
  std::string sha256;
  std::uint64_t received = 0;  // bytes held so far
  bool complete = false;       // whole and verified
  friend bool operator==(const BlobStatus&, const BlobStatus&) = default;
};

enum class ErrorCode {
  kUnspecified,
  kBadRequest,
  kUnauthenticated,
  kForbidden,
  kNotFound,
  kTooLarge,
  kEnrollment,
  kClockSkew,
  kInternal,
  kRateLimited,
  kHashMismatch,
  kRevoked,      // the device must erase its replica
  kCertExpired,  // the device must enroll again
};

// The body of the central node's refusals (any HTTP status but 200).
struct Refusal {
  ErrorCode code = ErrorCode::kUnspecified;
  std::string message;         // French
  std::int64_t not_after = 0;  // kCertExpired: when the certificate expired, Unix seconds
  // `message` as catalogue messages, its contexts first; empty when the sender gave none or
  // this node's catalogue lacks one of their keys.
  std::vector<core::Message> parts;
  friend bool operator==(const Refusal&, const Refusal&) = default;
};

}  // namespace carnet::sync
