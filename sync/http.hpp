// HTTPS for the sync protocol: a Boost.Beast server over Asio SSL on a thread pool, and a
// keep-alive client. Both use TLS 1.2 minimum (1.3 preferred), AEAD cipher suites only, no
// renegotiation, no compression.
//
// The server authenticates devices by client certificate (mutual TLS) when they present one;
// a request without one reaches the handler with `peer` empty (enrollment is the only
// endpoint that accepts that). Limits: header size, body size, number of connections, and
// timeouts for slow clients (a connection that does not deliver a whole request in time is
// closed).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace carnet::sync {

using core::Result;
using core::Status;

// The verified client certificate of a connection.
struct PeerCertificate {
  std::string common_name;          // the device id
  std::string organizational_unit;  // the inspector id
  std::string serial_hex;
  std::string fingerprint;          // SHA-256, "AB:CD:…"
  std::int64_t not_after = 0;       // Unix seconds
};

struct HttpRequest {
  std::string method;  // "GET", "POST", "PUT", "HEAD"
  std::string target;  // path and query, "/v1/sync"
  std::map<std::string, std::string> headers;  // names lower-case
  std::string body;
  std::optional<PeerCertificate> peer;
  std::string remote_address;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/x-protobuf";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Called on a pool thread for every complete request; must be thread safe. An exception
// escaping it becomes a 500 with no detail.
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port (see HttpsServer::port())
  std::string cert_pem;
  std::string key_pem;
  std::string client_ca_pem;  // client certificates must chain to this CA
  int threads = 2;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 16 * 1024 * 1024;
  std::size_t max_connections = 1024;
  std::chrono::milliseconds request_timeout{30000};  // to receive a whole request
  std::chrono::milliseconds idle_timeout{60000};     // keep-alive between requests
};

class HttpsServer {
 public:
  // Binds, listens and starts serving on `options.threads` threads. kIoError if the address
  // cannot be bound; kInvalidArgument for unusable certificates or keys.
  static Result<std::unique_ptr<HttpsServer>> start(ServerOptions options, HttpHandler handler);
  virtual ~HttpsServer() = default;

  virtual std::uint16_t port() const = 0;
  // Stops accepting, lets requests in progress finish (up to `grace`), closes everything.
  // Idempotent and callable from any thread, including a signal-handling one.
  virtual void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000)) = 0;
  // Blocks until stop() has completed.
  virtual void wait() = 0;
};

struct ClientOptions {
  std::string host;
  std::string port;
  std::string ca_pem;                    // the only CA trusted for the server (pinned)
  std::optional<std::string> cert_pem;   // client certificate, for mutual TLS
  std::optional<std::string> key_pem;
  std::chrono::milliseconds timeout{30000};  // per request (connect + send + receive)
  std::size_t max_body_bytes = 64 * 1024 * 1024;
};

// One keep-alive HTTPS connection, reopened when needed. Not thread safe: one per thread.
class HttpsClient {
 public:
  explicit HttpsClient(ClientOptions options);
  ~HttpsClient();
  HttpsClient(const HttpsClient&) = delete;
  HttpsClient& operator=(const HttpsClient&) = delete;

  // Sends one request and returns the response (any HTTP status). kIoError (network,
  // timeout), kFailedPrecondition (TLS: the server's certificate is not from the pinned CA,
  // or the server refused ours), with French messages. A failed connection is closed and
  // the next request opens a new one.
  Result<HttpResponse> request(const std::string& method, const std::string& target, const std::string& body,
                               const std::string& content_type = "application/x-protobuf");
  // Bytes sent and received on the wire (TLS records included) since construction.
  std::uint64_t bytes_sent() const;
  std::uint64_t bytes_received() const;
  // Connections opened since construction (1 for a series of keep-alive requests).
  int connections_opened() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace carnet::sync
