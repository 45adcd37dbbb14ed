// Internal to sync/ (.cpp files only, like openssl_support.hpp): the TLS side of HttpsServer and
// HttpsClient. The policy both apply, the server's certificate, key and device CA, and what
// a connection's verified client certificate says.
//
// Thread safety: none of its own; a context is set up before any connection uses it.
#pragma once

#include <optional>

#include "core/status.hpp"
#include "sync/http.hpp"

struct ssl_st;      // OpenSSL's SSL
struct ssl_ctx_st;  // OpenSSL's SSL_CTX
namespace boost::asio::ssl {
class context;
}

namespace carnet::sync {

// TLS 1.2 minimum, AEAD cipher suites only for TLS 1.2 (TLS 1.3 keeps OpenSSL's default AEAD
// suites), no renegotiation, no compression. kInternal if OpenSSL refuses a setting.
core::Status apply_tls_policy(ssl_ctx_st* ctx);

// The server's certificate chain and key (kInvalidArgument if unreadable or not a pair), the
// policy above, and, when options.client_ca_pem is set, client certificates asked for and
// verified against that CA alone (a client without one may still connect; an expired leaf is
// let through for the service to answer « certificat expiré »).
core::Status configure_server_tls(boost::asio::ssl::context& tls, const ServerOptions& options);

// The verified client certificate of a connection, if the client presented one.
std::optional<PeerCertificate> peer_certificate(ssl_st* ssl);

}  // namespace carnet::sync
