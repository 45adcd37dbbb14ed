// HTTPS for the sync protocol: a Boost.Beast server over Asio SSL on a thread pool, and a
// keep-alive client. Both use TLS 1.2 minimum (1.3 preferred), AEAD cipher suites only, no
// renegotiation, no compression.
//
// The server authenticates devices by client certificate (mutual TLS) when they present one;
// a request without one reaches the handler with `peer` empty (enrollment is the only
// endpoint that accepts that). A certificate of the client CA whose only fault is to have
// expired completes the handshake and reaches the handler marked `expired`; any other
// verification failure ends the handshake. Limits: header size; body size, decided per request
// from its head before any of the body is read; number of connections, overall and for those
// without a device certificate, overall and per client address; and timeouts for slow clients
// (a connection that does not deliver a whole request in time is closed).
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

// The verified client certificate of a connection. `expired`: it chains to the client CA and
// nothing is wrong with it but its notAfter, which has passed (the server completes such a
// handshake so that the handler can refuse the device with a clear answer).
struct PeerCertificate {
  std::string common_name;          // the device id
  std::string organizational_unit;  // the inspector id
  std::string serial_hex;
  std::string fingerprint;          // SHA-256, "AB:CD:…"
  std::int64_t not_after = 0;       // Unix seconds
  bool expired = false;
};

struct HttpRequest {
  std::string method;  // "GET", "POST", "PUT", "HEAD"
  std::string target;  // path and query, "/v1/sync"
  std::map<std::string, std::string> headers;  // names lower-case
  std::string body;
  std::optional<PeerCertificate> peer;
  std::string remote_address;  // the client's IP address, without the port
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/x-protobuf";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Called on a pool thread (the connection's strand) for every complete request; must be
// thread safe and quick, since it holds that thread. An exception escaping it becomes a 500
// with no detail. A status outside 200..599 or a header with CR/LF also becomes a 500.
// Responses to HEAD keep their Content-Length and lose their body.
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// What the server knows of a request once its headers are read, before its body.
struct RequestHead {
  std::string_view method;
  std::string_view target;
  bool device = false;  // the connection presented a valid, unexpired client certificate
};

// The largest body a request may send, from its head. A larger Content-Length is answered
// 413 at once (without "100 Continue"); a chunked body is cut off at the limit.
using BodyLimit = std::function<std::size_t(const RequestHead&)>;

struct ServerOptions {
  // Plain HTTP instead of TLS: only for the tablet's local web app on the loopback
  // interface (cert_pem, key_pem and client_ca_pem are then ignored, `peer` is always empty).
  bool plaintext = false;
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port (see HttpsServer::port())
  std::string cert_pem;
  std::string key_pem;
  std::string client_ca_pem;  // client certificates must chain to this CA (empty: none asked)
  int threads = 2;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 16 * 1024 * 1024;  // for every request, whatever body_limit says
  BodyLimit body_limit;                              // empty: max_body_bytes for every request
  std::size_t max_connections = 1024;
  // Connections without a device certificate (all of them until their TLS handshake ends,
  // and all of a plaintext server's): at most this many, and this many from one address. A
  // new one over either cap makes the oldest such connection (of that address for the
  // second) close, so that a flood of slow strangers delays a device's handshake by one
  // eviction rather than keeping it out.
  std::size_t max_unauthenticated = 256;
  std::size_t max_unauthenticated_per_address = 32;
  // The load balancers that speak the PROXY protocol (sync/proxy_protocol.hpp), by IP address:
  // a connection from one of them must start with the header, within handshake_timeout, and
  // the client it names is the connection's address (for the caps and
  // HttpRequest::remote_address). No header is read from any other address.
  std::vector<std::string> proxy_protocol_from;
  std::chrono::milliseconds request_timeout{30000};  // to receive a whole request
  std::chrono::milliseconds idle_timeout{60000};     // keep-alive between requests
  std::chrono::milliseconds handshake_timeout{10000};  // to complete the TLS handshake
};

class HttpsServer {
 public:
  // Binds, listens and starts serving on `options.threads` threads. kIoError if the address
  // cannot be bound; kInvalidArgument for unusable certificates or keys.
  static Result<std::unique_ptr<HttpsServer>> start(ServerOptions options, HttpHandler handler);
  virtual ~HttpsServer() = default;

  virtual std::uint16_t port() const = 0;
  // Stops accepting, lets requests in progress finish (up to `grace`), closes everything.
  // Idle kept-alive connections are closed at once. Idempotent and callable from any thread,
  // including a signal-handling one; from a handler it returns at once and another thread
  // completes the stop. Destroying a running server stops it with no grace (never destroy
  // it from a handler).
  virtual void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000)) = 0;
  // Blocks until stop() has completed.
  virtual void wait() = 0;
};

struct ClientOptions {
  std::string host;
  std::string port;
  std::string ca_pem;                    // the only CA trusted for the server (pinned)
  // false: accept any server certificate. Only for enrollment's first step, fetching the CA
  // whose fingerprint the caller then checks against the one the office gave.
  bool verify_server = true;
  std::optional<std::string> cert_pem;   // client certificate, for mutual TLS
  std::optional<std::string> key_pem;
  std::chrono::milliseconds timeout{30000};  // per request (connect + send + receive)
  std::size_t max_body_bytes = 64 * 1024 * 1024;
};

// How a tablet reaches the central node: HttpsClient on the network, an in-process
// transport in tests (STYLE.md habit 11: a seam at the transport).
class Transport {
 public:
  virtual ~Transport() = default;
  virtual Result<HttpResponse> request(const std::string& method, const std::string& target, const std::string& body,
                                       const std::string& content_type = "application/x-protobuf") = 0;
  virtual std::uint64_t bytes_sent() const = 0;
  virtual std::uint64_t bytes_received() const = 0;
};

// One keep-alive HTTPS connection, reopened when needed. Not thread safe: one per thread.
class HttpsClient final : public Transport {
 public:
  explicit HttpsClient(ClientOptions options);
  ~HttpsClient();
  HttpsClient(const HttpsClient&) = delete;
  HttpsClient& operator=(const HttpsClient&) = delete;

  // Sends one request and returns the response (any HTTP status). kIoError (network,
  // timeout), kFailedPrecondition (TLS: the server's certificate is not from the pinned CA
  // or not for `host`, or the server refused ours), kOutOfRange (response body over
  // max_body_bytes), kInvalidArgument (unusable options, method or target), with French
  // messages. A failed connection is closed and the next request opens a new one. A request
  // is sent again, once, only if it cannot have been handled: the connection failed to open,
  // nothing was written, or a kept-alive connection was closed by the server before any byte
  // of the response (its idle timeout). A timeout or a cut response is never retried.
  Result<HttpResponse> request(const std::string& method, const std::string& target, const std::string& body,
                               const std::string& content_type = "application/x-protobuf") override;
  // Bytes sent and received on the wire (TLS records included) since construction: the TCP
  // payload, counted at the socket; TCP/IP headers are not counted.
  std::uint64_t bytes_sent() const override;
  std::uint64_t bytes_received() const override;
  // Connections opened since construction (1 for a series of keep-alive requests).
  int connections_opened() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace carnet::sync
