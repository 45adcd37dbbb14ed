// HttpsClient over Boost.Beast and Asio SSL.
//
// Each request runs as one coroutine on the client's private io_context, driven by the
// calling thread until it completes; one deadline (ClientOptions::timeout) covers resolving,
// connecting, the handshake, sending and receiving. Bytes are counted at the TCP socket by a
// Beast rate policy that never limits, so the counts include TLS records and handshakes
// (not TCP/IP headers).
//
// Retries: a request is sent again, once, on a fresh connection only when it cannot have
// reached the handler: the connection could not be opened, no byte of the request was
// written, or a kept-alive connection turned out closed by the server (idle timeout) before
// any byte of the response came. Anything else (a timeout, a cut in the middle of a
// response) is reported, since the server may have acted on the request.
#include "sync/http.hpp"

#include "sync/asio.hpp"
#include "sync/tls_setup.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <poll.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <limits>

namespace carnet::sync {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uint32_t kMaxResponseHeaderBytes = 64 * 1024;

// A Beast rate policy that never limits and counts what the socket reads and writes.
class CountingRatePolicy {
 public:
  std::atomic<std::uint64_t>* sent = nullptr;
  std::atomic<std::uint64_t>* received = nullptr;

 private:
  friend class beast::rate_policy_access;
  std::size_t available_read_bytes() const noexcept { return std::numeric_limits<std::size_t>::max(); }
  std::size_t available_write_bytes() const noexcept { return std::numeric_limits<std::size_t>::max(); }
  void transfer_read_bytes(std::size_t n) const noexcept {
    if (received != nullptr) received->fetch_add(n, std::memory_order_relaxed);
  }
  void transfer_write_bytes(std::size_t n) const noexcept {
    if (sent != nullptr) sent->fetch_add(n, std::memory_order_relaxed);
  }
  void on_timer() const noexcept {}
};

using TcpStream = beast::basic_stream<tcp, net::any_io_executor, CountingRatePolicy>;
using Stream = beast::ssl_stream<TcpStream>;

auto on_error(error_code& ec) { return net::redirect_error(net::use_awaitable, ec); }

std::string lower(beast::string_view s) {
  std::string out(s.data(), s.size());
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
  return out;
}

int ssl_reason(const error_code& ec) {
  if (ec.category() != net::error::get_ssl_category()) return 0;
  return ERR_GET_REASON(static_cast<unsigned long>(static_cast<unsigned int>(ec.value())));
}

// The server (or something in between) closed the connection.
bool is_closed(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::connection_aborted || ec == net::error::broken_pipe ||
         ec == ssl::error::stream_truncated || ssl_reason(ec) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

// An alert by which the server tells that it refuses our certificate (or that it wanted one).
bool is_refused_certificate_alert(int reason) {
  switch (reason) {
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
    case SSL_R_TLSV1_ALERT_ACCESS_DENIED:
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
      return true;
    default:
      return false;
  }
}

// What went wrong when the server's certificate did not verify.
core::Message server_certificate_problem(long verify_result, const std::string& host, std::int64_t clock_behind_s) {
  switch (verify_result) {
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return core::Message("sync.http_client.certificat_autre_hote", {{"hote", host}});
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      return core::Message("sync.http_client.certificat_autorite_inconnue");
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return core::Message("sync.http_client.certificat_expire");
    case X509_V_ERR_CERT_NOT_YET_VALID:
      if (clock_behind_s > 0) {
        return core::Message("sync.http_client.horloge_en_retard", {{"duree", {core::duration_message(clock_behind_s)}}});
      }
      return core::Message("sync.http_client.certificat_pas_encore_valide");
    default:
      return core::Message("sync.http_client.certificat_refuse",
                           {{"detail", X509_verify_cert_error_string(verify_result)}});
  }
}

std::string bracketed(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

struct HttpsClient::Impl {
  explicit Impl(ClientOptions o) : options(std::move(o)), tls(ssl::context::tls_client) {
    setup = configure();
    if (options.host.size() > 2 && options.host.front() == '[' && options.host.back() == ']') {
      options.host = options.host.substr(1, options.host.size() - 2);
    }
    error_code ec;
    host_is_ip = !options.host.empty() && (net::ip::make_address(options.host, ec), !ec);
  }

  ~Impl() { close(); }

  Status configure() {
    CARNET_RETURN_IF_ERROR(apply_tls_policy(tls.native_handle()));
    error_code ec;
    if (options.verify_server) {
      if (options.ca_pem.empty()) return Status::invalid_argument("sync.http_client.aucune_autorite");
      tls.add_certificate_authority(net::buffer(options.ca_pem), ec);
      if (ec) return Status::invalid_argument("sync.http_client.autorite_illisible");
      tls.set_verify_mode(ssl::verify_peer);
      // A certificate that is not yet valid says how far behind this device's clock is, at
      // least: its start is a time the central node has already reached.
      tls.set_verify_callback([this](bool preverified, ssl::verify_context& ctx) {
        X509_STORE_CTX* store = ctx.native_handle();
        if (!preverified && X509_STORE_CTX_get_error(store) == X509_V_ERR_CERT_NOT_YET_VALID) {
          int days = 0;
          int seconds = 0;
          if (ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notBefore(X509_STORE_CTX_get_current_cert(store))) == 1) {
            clock_behind_s = std::int64_t{days} * 86400 + seconds;
          }
        }
        return preverified;
      });
    } else {
      tls.set_verify_mode(ssl::verify_none);
    }
    if (options.cert_pem.has_value() != options.key_pem.has_value()) {
      return Status::invalid_argument("sync.http_client.certificat_sans_cle");
    }
    if (options.cert_pem) {
      tls.use_certificate_chain(net::buffer(*options.cert_pem), ec);
      if (ec) return Status::invalid_argument("sync.http_client.certificat_illisible");
      tls.use_private_key(net::buffer(*options.key_pem), ssl::context::pem, ec);
      if (ec) return Status::invalid_argument("sync.http_client.cle_illisible");
      if (SSL_CTX_check_private_key(tls.native_handle()) != 1) {
        return Status::invalid_argument("sync.http_client.cle_certificat_differents");
      }
    }
    return Status::ok_status();
  }

  std::string where() const { return bracketed(options.host) + ":" + options.port; }

  void close() {
    if (!stream) return;
    error_code ec;
    beast::get_lowest_layer(*stream).socket().close(ec);
    stream.reset();
  }

  // True if the server has spoken or hung up on an idle kept-alive connection: it is about
  // to close it (idle timeout), so the next request goes on a new one.
  bool peer_closed() {
    pollfd p{};
    p.fd = beast::get_lowest_layer(*stream).socket().native_handle();
    p.events = POLLIN;
    return ::poll(&p, 1, 0) != 0;
  }

  // The status for a failed step, after a TLS or network error.
  Status describe(const error_code& ec, core::MessageKey step) {
    if (ec == beast::error::timeout) {
      return Status::io_error("sync.http_client.delai_etape", {{"etape", {core::Message(step)}}, {"adresse", where()}});
    }
    const int reason = ssl_reason(ec);
    if (reason != 0 && stream) {
      const long verify = SSL_get_verify_result(stream->native_handle());
      if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED && verify != X509_V_OK) {
        return Status::failed_precondition(server_certificate_problem(verify, options.host, clock_behind_s));
      }
      if (is_refused_certificate_alert(reason)) {
        const core::MessageKey problem = options.cert_pem
                                             ? core::MessageKey("sync.http_client.certificat_appareil_refuse")
                                             : core::MessageKey("sync.http_client.certificat_appareil_exige");
        return Status::failed_precondition(problem, {{"adresse", where()}});
      }
      return Status::io_error("sync.http_client.negociation_echec", {{"adresse", where()}, {"detail", ec.message()}});
    }
    return Status::io_error("sync.http_client.etape_impossible",
                            {{"etape", {core::Message(step)}}, {"adresse", where()}, {"detail", ec.message()}});
  }

  struct Opened {
    Status status;
    bool retryable = false;  // no byte of the request went out and trying again may help
  };

  net::awaitable<Opened> connect(Clock::time_point deadline) {
    auto executor = co_await net::this_coro::executor;
    error_code ec;
    tcp::resolver resolver(executor);
    net::steady_timer timer(executor, deadline);
    timer.async_wait([&resolver](error_code e) {
      if (!e) resolver.cancel();
    });
    const auto endpoints = co_await resolver.async_resolve(options.host, options.port, on_error(ec));
    timer.cancel();
    if (ec) {
      co_return Opened{ec == net::error::operation_aborted
                           ? Status::io_error("sync.http_client.delai_resolution", {{"hote", options.host}})
                           : Status::io_error("sync.http_client.adresse_introuvable",
                                              {{"hote", options.host}, {"detail", ec.message()}}),
                       false};
    }

    stream.emplace(executor, tls);
    TcpStream& tcp_layer = beast::get_lowest_layer(*stream);
    tcp_layer.rate_policy().sent = &sent;
    tcp_layer.rate_policy().received = &received;
    tcp_layer.expires_at(deadline);
    co_await tcp_layer.async_connect(endpoints, on_error(ec));
    if (ec) {
      Status s = describe(ec, "sync.http_client.etape_connexion");
      close();
      co_return Opened{std::move(s), ec != beast::error::timeout};
    }
    connections.fetch_add(1, std::memory_order_relaxed);
    tcp_layer.socket().set_option(tcp::no_delay(true), ec);

    SSL* ssl = stream->native_handle();
    const bool named = host_is_ip
                           ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), options.host.c_str()) == 1
                           : SSL_set1_host(ssl, options.host.c_str()) == 1 &&
                                 SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                                          const_cast<char*>(options.host.c_str())) == 1;
    if (!named) {
      close();
      co_return Opened{Status::invalid_argument("sync.http_client.hote_invalide", {{"hote", options.host}}), false};
    }
    co_await stream->async_handshake(ssl::stream_base::client, on_error(ec));
    if (ec) {
      Status s = describe(ec, "sync.http_client.etape_negociation");
      close();
      co_return Opened{s, s.code() == core::StatusCode::kIoError && ec != beast::error::timeout};
    }
    co_return Opened{Status::ok_status(), false};
  }

  net::awaitable<Result<HttpResponse>> exchange(const http::request<http::string_body>& request,
                                                Clock::time_point deadline) {
    for (int attempt = 0;; ++attempt) {
      const bool may_retry = attempt == 0;
      if (stream && peer_closed()) close();
      const bool reused = stream.has_value();
      if (!stream) {
        Opened opened = co_await connect(deadline);
        if (!opened.status.ok()) {
          if (may_retry && opened.retryable && Clock::now() < deadline) continue;
          co_return core::fail(std::move(opened.status));
        }
      }

      error_code ec;
      TcpStream& tcp_layer = beast::get_lowest_layer(*stream);
      tcp_layer.expires_at(deadline);
      const std::uint64_t sent_before = sent.load();
      co_await http::async_write(*stream, request, on_error(ec));
      if (ec) {
        const bool nothing_sent = sent.load() == sent_before;
        Status s = describe(ec, "sync.http_client.etape_envoi");
        close();
        if (may_retry && ec != beast::error::timeout && s.code() == core::StatusCode::kIoError &&
            (nothing_sent || (reused && is_closed(ec))) && Clock::now() < deadline) {
          continue;
        }
        co_return core::fail(std::move(s));
      }

      beast::flat_buffer buffer;
      http::response_parser<http::string_body> parser;
      parser.header_limit(kMaxResponseHeaderBytes);
      parser.body_limit(static_cast<std::uint64_t>(options.max_body_bytes));
      if (request.method() == http::verb::head) parser.skip(true);
      co_await http::async_read_header(*stream, buffer, parser, on_error(ec));
      // Beast 1.74 lets an eager response parser read past a Content-Length over its body
      // limit: check it here, before reading the body.
      if (!ec && parser.content_length().value_or(0) > options.max_body_bytes) ec = http::error::body_limit;
      if (!ec && !parser.is_done()) co_await http::async_read(*stream, buffer, parser, on_error(ec));
      if (ec) {
        const bool response_started = parser.got_some() || buffer.size() != 0;
        Status s = ec == http::error::body_limit
                       ? Status::out_of_range("sync.http_client.reponse_trop_grande",
                                              {{"adresse", where()}, {"max", options.max_body_bytes}})
                       : describe(ec, "sync.http_client.etape_reception");
        close();
        if (may_retry && reused && !response_started && is_closed(ec) && Clock::now() < deadline) continue;
        co_return core::fail(std::move(s));
      }

      http::response<http::string_body> response = parser.release();
      if (!response.keep_alive()) close();
      HttpResponse out;
      out.status = static_cast<int>(response.result_int());
      out.content_type = std::string(response[http::field::content_type]);
      for (const auto& field : response) out.headers.emplace_back(lower(field.name_string()), std::string(field.value()));
      out.body = std::move(response.body());
      co_return out;
    }
  }

  ClientOptions options;
  Status setup;  // why the TLS context is unusable, returned by every request
  bool host_is_ip = false;
  // How far the server's certificate starts after this device's clock, when it is not yet
  // valid (set by the verify callback, on the thread running the request).
  std::int64_t clock_behind_s = 0;
  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> received{0};
  std::atomic<int> connections{0};
  net::io_context ioc{1};  // run by the thread calling request()
  ssl::context tls;
  std::optional<Stream> stream;  // the open connection, if any
};

HttpsClient::HttpsClient(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpsClient::~HttpsClient() = default;

Result<HttpResponse> HttpsClient::request(const std::string& method, const std::string& target,
                                          const std::string& body, const std::string& content_type) {
  if (!impl_->setup.ok()) return core::fail(impl_->setup);
  const http::verb verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) {
    return core::fail(Status::invalid_argument("sync.http_client.methode_inconnue", {{"methode", method}}));
  }
  if (target.empty() || target.front() != '/' || target.find_first_of("\r\n ") != std::string::npos) {
    return core::fail(Status::invalid_argument("sync.http_client.cible_invalide", {{"cible", target}}));
  }
  Result<HttpResponse> result = core::fail(Status::internal("sync.http_client.requete_interrompue"));
  try {
    http::request<http::string_body> request{verb, target, 11};
    const std::string& host = impl_->options.host;
    request.set(http::field::host, bracketed(host) + ":" + impl_->options.port);
    request.set(http::field::user_agent, "carnet");
    if (!body.empty() || verb == http::verb::post || verb == http::verb::put) {
      request.set(http::field::content_type, content_type);
    }
    request.body() = body;
    request.prepare_payload();
    request.keep_alive(true);

    const auto deadline = Clock::now() + impl_->options.timeout;
    net::co_spawn(impl_->ioc, impl_->exchange(request, deadline),
                  [&result](std::exception_ptr e, Result<HttpResponse> r) {
                    if (e) {
                      result = core::fail(Status::internal("sync.http_client.exception"));
                    } else {
                      result = std::move(r);
                    }
                  });
    impl_->ioc.restart();
    impl_->ioc.run();
  } catch (const std::exception&) {
    impl_->close();
    return core::fail(Status::internal("sync.http_client.exception"));
  }
  return result;
}

std::uint64_t HttpsClient::bytes_sent() const { return impl_->sent.load(std::memory_order_relaxed); }
std::uint64_t HttpsClient::bytes_received() const { return impl_->received.load(std::memory_order_relaxed); }
int HttpsClient::connections_opened() const { return impl_->connections.load(std::memory_order_relaxed); }

}  // namespace carnet::sync
