// The tablet's side of the protocol: enrollment, and sync exchanges that push the outbox
// and pull the scope, each response applied in one transaction (the cursor moves with it).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "storage/replica.hpp"
#include "sync/device_credentials.hpp"
#include "sync/http.hpp"

namespace carnet::sync {

struct CentralAddress {
  std::string host;
  std::string port;
};
// Parses "https://host:port" (port 443 if omitted). kInvalidArgument otherwise.
Result<CentralAddress> parse_central_url(const std::string& url);

struct EnrollResult {
  std::string inspector_id;
  std::string inspector_name;
  std::int64_t not_after = 0;
};

// Enrolls `replica` (already initialised, or freshly created by the caller with
// `initialise`) with the central node: fetches the CA and checks its fingerprint against
// `ca_fingerprint`, makes a key pair, has the central node sign it, and stores the
// credentials in `data_dir` (key 0600) and the central URL in the replica.
// `initialise` is called with the inspector the central node names when the replica has
// no node yet; for an initialised replica the inspector must be the same, and the replica
// (its dossiers, its pending changes, its cursor) is kept: enrolling again is how a tablet
// whose certificate expired, or whose key was lost, comes back. The credentials are
// replaced crash-safe (install_device_credentials).
Result<EnrollResult> enroll(storage::Replica& replica, const std::string& data_dir, const std::string& central_url,
                            const std::string& code, const std::string& ca_fingerprint, const std::string& device_name,
                            const std::function<Status(const std::string& id, const std::string& name,
                                                       const core::Uuid& node_id)>& initialise);

// An HTTPS client for an enrolled tablet (mutual TLS, pinned CA), after finishing or
// discarding an interrupted replacement of its credentials.
Result<ClientOptions> device_client_options(storage::Replica& replica, const std::string& data_dir);

struct SyncReport {
  std::size_t pushed = 0;
  std::size_t pulled = 0;
  std::size_t requests = 0;
  std::size_t conflicts_lost = 0;
  std::size_t quarantined = 0;
  std::size_t repaired = 0;   // fields taken again from the central node, the checksums having differed
  std::size_t restamped = 0;  // refused for the tablet's clock, given new versions and pushed again
  std::size_t evicted = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::optional<bool> checksum_ok;  // when asked
  std::size_t blobs_uploaded = 0;
  std::size_t blobs_downloaded = 0;
};

struct SyncOptions {
  std::size_t push_page = 5000;
  std::size_t pull_page = 5000;
  bool verify_checksum = false;
  // The tablet's attachments: after the data, pending ones are uploaded (in resumable
  // chunks) and the ones its dossiers refer to are downloaded. Empty: no attachments.
  std::string blob_dir;
  std::uint64_t blob_chunk = 1 << 20;
  std::function<void(const SyncReport&)> progress;  // after each exchange
};

// Exchanges with the central node until nothing is pending and nothing is left to pull.
// Errors: kIoError (network), kFailedPrecondition (TLS, revoked or unknown device, with the
// central node's message; an expired certificate, with certificate_expired(), the
// replica untouched), kOutOfRange (clocks too far apart). What was applied before an
// error stays applied; the next sync resumes.
Result<SyncReport> sync_now(storage::Replica& replica, Transport& client, const SyncOptions& options = {});

}  // namespace carnet::sync
