// HttpsServer and HttpsClient over real TLS on loopback: mutual TLS, refused certificates,
// plain HTTP on the TLS port, old TLS versions, keep-alive, limits, slow clients, stop().
#include "sync/http.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/raw_tls.hpp"
#include "support/status_matchers.hpp"

namespace carnet::sync {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using core::StatusCode;

// ---- Throwaway certificates, made with OpenSSL directly. ----

struct Pem {
  std::string cert;
  std::string key;
};

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
using Key = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using Cert = std::unique_ptr<X509, X509Deleter>;

std::string drain(BIO* bio) {
  std::string out(BIO_ctrl_pending(bio), '\0');
  const int n = BIO_read(bio, out.data(), static_cast<int>(out.size()));
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  BIO_free(bio);
  return out;
}

std::string pem_of(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  return drain(bio);
}

std::string pem_of(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  return drain(bio);
}

Key read_key(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  Key key(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  return key;
}

Cert read_cert(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  Cert cert(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  return cert;
}

void add_extension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value);
  if (ext == nullptr) throw std::runtime_error("extension refused");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate for a new P-256 key, signed by `issuer` (self-signed CA if null).
Pem make_certificate(const std::string& cn, const std::string& ou, const Pem* issuer, const char* usage,
                     const char* san, long from = -3600, long to = 30L * 24 * 3600) {
  static std::atomic<std::int64_t> serial{0x1000};
  Key key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  Cert cert(X509_new());
  if (!key || !cert) throw std::runtime_error("OpenSSL allocation failed");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set_int64(X509_get_serialNumber(cert.get()), ++serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), from);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), to);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  if (!ou.empty()) {
    X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(ou.c_str()), -1, -1,
                               0);
  }
  X509_set_pubkey(cert.get(), key.get());
  Cert issuer_cert = issuer ? read_cert(issuer->cert) : nullptr;
  Key issuer_key = issuer ? read_key(issuer->key) : nullptr;
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer_cert.get()) : name);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer ? issuer_cert.get() : cert.get(), cert.get(), nullptr, nullptr, 0);
  add_extension(cert.get(), &ctx, NID_subject_key_identifier, "hash");
  if (issuer == nullptr) {
    add_extension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_extension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(cert.get(), &ctx, NID_key_usage, "critical,digitalSignature");
    add_extension(cert.get(), &ctx, NID_ext_key_usage, usage);
    if (san != nullptr) add_extension(cert.get(), &ctx, NID_subject_alt_name, san);
  }
  if (X509_sign(cert.get(), issuer ? issuer_key.get() : key.get(), EVP_sha256()) == 0) {
    throw std::runtime_error("signature failed");
  }
  return {pem_of(cert.get()), pem_of(key.get())};
}

struct TestPki {
  Pem ca = make_certificate("Carnet test CA", "", nullptr, nullptr, nullptr);
  Pem server = make_certificate("carnet-central", "", &ca, "serverAuth", "IP:127.0.0.1");
  Pem device = make_certificate("device-7f3a", "insp-42", &ca, "clientAuth", nullptr);
  Pem other_ca = make_certificate("Another CA", "", nullptr, nullptr, nullptr);
  Pem other_device = make_certificate("device-evil", "insp-42", &other_ca, "clientAuth", nullptr);
  Pem other_server = make_certificate("impostor", "", &other_ca, "serverAuth", "IP:127.0.0.1");
  Pem expired_device = make_certificate("device-old", "insp-42", &ca, "clientAuth", nullptr, -90L * 24 * 3600, -3600);
  Pem future_device = make_certificate("device-new", "insp-42", &ca, "clientAuth", nullptr, 24L * 3600, 30L * 24 * 3600);
  Pem other_expired_device =
      make_certificate("device-evil", "insp-42", &other_ca, "clientAuth", nullptr, -90L * 24 * 3600, -3600);
  Pem expired_server_cert = make_certificate("device-srv", "insp-42", &ca, "serverAuth", nullptr, -90L * 24 * 3600, -3600);
  // A new central node's certificate, as a tablet whose clock is 26 h 30 min behind sees it.
  Pem future_server = make_certificate("carnet-central", "", &ca, "serverAuth", "IP:127.0.0.1", 26L * 3600 + 1800, 30L * 24 * 3600);
};

const TestPki& pki() {
  static const TestPki kPki;
  return kPki;
}

// SHA-256 of a PEM certificate, "AB:CD:…".
std::string fingerprint(const std::string& pem) {
  Cert cert = read_cert(pem);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  X509_digest(cert.get(), EVP_sha256(), md, &n);
  std::string out;
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned int i = 0; i < n; ++i) {
    if (i != 0) out += ':';
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0x0f];
  }
  return out;
}

// Raw sockets and a raw OpenSSL client: tests/support/raw_tls.hpp.
using testing::RawTls;
using testing::Socket;

// A bare TLS server (OpenSSL, one thread) that answers the first `answered` requests of each
// connection and then reads one more and hangs up without answering: a lost response.
class LossyServer {
 public:
  explicit LossyServer(int answered) : answered_(answered), ctx_(SSL_CTX_new(TLS_server_method())) {
    Cert cert = read_cert(pki().server.cert);
    Key key = read_key(pki().server.key);
    SSL_CTX_use_certificate(ctx_, cert.get());
    SSL_CTX_use_PrivateKey(ctx_, key.get());
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listener_, reinterpret_cast<const sockaddr*>(&addr), len) != 0 || ::listen(listener_, 8) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("listen failed");
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~LossyServer() {
    done_ = true;
    thread_.join();
    ::close(listener_);
    SSL_CTX_free(ctx_);
  }
  LossyServer(const LossyServer&) = delete;
  LossyServer& operator=(const LossyServer&) = delete;

  std::uint16_t port() const { return port_; }
  int connections() const { return connections_; }
  int requests() const { return requests_; }

 private:
  void serve() {
    while (!done_) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) continue;
      ++connections_;
      timeval timeout{1, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      SSL* ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, fd);
      if (SSL_accept(ssl) == 1) {
        for (int served = 0;; ++served) {
          std::string request;
          char buf[4096];
          while (request.find("\r\n\r\n") == std::string::npos) {
            const int n = SSL_read(ssl, buf, sizeof buf);
            if (n <= 0) break;
            request.append(buf, static_cast<std::size_t>(n));
          }
          if (request.find("\r\n\r\n") == std::string::npos) break;
          ++requests_;
          if (served >= answered_) break;  // read, perhaps acted upon, never answered
          const std::string_view ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
          SSL_write(ssl, ok.data(), static_cast<int>(ok.size()));
        }
      }
      SSL_free(ssl);
      ::close(fd);
    }
  }

  const int answered_;
  SSL_CTX* ctx_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> done_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

// ---- The fixture: a server on a free loopback port, clients for it. ----

class HttpTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (server_) server_->stop(0ms);
  }

  static ServerOptions server_options() {
    ServerOptions o;
    o.cert_pem = pki().server.cert;
    o.key_pem = pki().server.key;
    o.client_ca_pem = pki().ca.cert;
    o.request_timeout = 3s;
    o.idle_timeout = 5s;
    o.handshake_timeout = 3s;
    return o;
  }

  void start(ServerOptions o, HttpHandler handler = echo) {
    auto server = HttpsServer::start(std::move(o), std::move(handler));
    ASSERT_OK(server);
    server_ = std::move(*server);
  }
  // start() with echo, counting the requests that reached the handler in handled_.
  void start_counting(ServerOptions o) {
    start(std::move(o), [this](const HttpRequest& r) {
      ++handled_;
      return echo(r);
    });
  }

  ClientOptions client_options(bool with_certificate = true) const {
    ClientOptions o;
    o.host = "127.0.0.1";
    o.port = std::to_string(server_->port());
    o.ca_pem = pki().ca.cert;
    if (with_certificate) {
      o.cert_pem = pki().device.cert;
      o.key_pem = pki().device.key;
    }
    o.timeout = 5s;
    return o;
  }

  // Answers "METHOD TARGET BODY", with the peer's CN and OU in headers.
  static HttpResponse echo(const HttpRequest& r) {
    HttpResponse out;
    out.content_type = "text/plain";
    out.body = r.method + " " + r.target + " " + r.body;
    out.headers.emplace_back("x-peer-cn", r.peer ? r.peer->common_name : "none");
    out.headers.emplace_back("x-peer-ou", r.peer ? r.peer->organizational_unit : "none");
    return out;
  }

  static std::string header(const HttpResponse& r, const std::string& name) {
    for (const auto& [n, v] : r.headers) {
      if (n == name) return v;
    }
    return "(absent)";
  }

  std::unique_ptr<HttpsServer> server_;
  std::atomic<int> handled_{0};
};

TEST_F(HttpTest, RoundTripWithClientCertificateShowsPeerToHandler) {
  std::optional<HttpRequest> seen;
  std::mutex mutex;
  start(server_options(), [&](const HttpRequest& r) {
    std::lock_guard lock(mutex);
    seen = r;
    return echo(r);
  });
  HttpsClient client(client_options());
  auto response = client.request("POST", "/v1/sync?page=2", "payload", "application/x-protobuf");
  ASSERT_OK(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "POST /v1/sync?page=2 payload");
  EXPECT_EQ(response->content_type, "text/plain");
  EXPECT_EQ(header(*response, "x-peer-cn"), "device-7f3a");

  std::lock_guard lock(mutex);
  ASSERT_TRUE(seen.has_value());
  ASSERT_TRUE(seen->peer.has_value());
  EXPECT_EQ(seen->peer->common_name, "device-7f3a");
  EXPECT_EQ(seen->peer->organizational_unit, "insp-42");
  EXPECT_EQ(seen->peer->fingerprint, fingerprint(pki().device.cert));
  EXPECT_FALSE(seen->peer->serial_hex.empty());
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  EXPECT_GT(seen->peer->not_after, now.count() + 29 * 24 * 3600);
  EXPECT_LT(seen->peer->not_after, now.count() + 31 * 24 * 3600);
  EXPECT_EQ(seen->headers.at("content-type"), "application/x-protobuf");
  EXPECT_EQ(seen->remote_address, "127.0.0.1");
  EXPECT_GT(client.bytes_sent(), 500u);  // the handshake and the client certificate
  EXPECT_GT(client.bytes_received(), 500u);
  EXPECT_EQ(client.connections_opened(), 1);
}

TEST_F(HttpTest, ClientWithoutCertificateReachesHandlerWithoutPeer) {
  start(server_options());
  HttpsClient client(client_options(false));
  auto response = client.request("GET", "/v1/enroll", "");
  ASSERT_OK(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(header(*response, "x-peer-cn"), "none");
}

TEST_F(HttpTest, ClientCertificateFromAnotherCaIsRefusedAndOthersAreServed) {
  std::atomic<int> calls{0};
  start(server_options(), [&](const HttpRequest& r) {
    ++calls;
    return echo(r);
  });
  ClientOptions o = client_options();
  o.cert_pem = pki().other_device.cert;
  o.key_pem = pki().other_device.key;
  HttpsClient intruder(o);
  auto refused = intruder.request("POST", "/v1/sync", "x");
  ASSERT_FALSE(refused.has_value());
  EXPECT_TRUE(refused.error().code() == StatusCode::kFailedPrecondition ||
              refused.error().code() == StatusCode::kIoError)
      << refused.error().to_string();
  EXPECT_EQ(calls.load(), 0);

  HttpsClient device(client_options());
  auto served = device.request("POST", "/v1/sync", "x");
  ASSERT_OK(served);
  EXPECT_EQ(header(*served, "x-peer-cn"), "device-7f3a");
}

TEST_F(HttpTest, ExpiredClientCertificateOfTheCaReachesTheHandlerMarkedExpired) {
  std::optional<HttpRequest> seen;
  std::mutex mutex;
  start(server_options(), [&](const HttpRequest& r) {
    std::lock_guard lock(mutex);
    seen = r;
    return echo(r);
  });
  ClientOptions o = client_options();
  o.cert_pem = pki().expired_device.cert;
  o.key_pem = pki().expired_device.key;
  HttpsClient old_device(o);
  auto response = old_device.request("POST", "/v1/sync", "x");
  ASSERT_OK(response);
  EXPECT_EQ(header(*response, "x-peer-cn"), "device-old");
  std::lock_guard lock(mutex);
  ASSERT_TRUE(seen && seen->peer);
  EXPECT_TRUE(seen->peer->expired);
  EXPECT_EQ(seen->peer->fingerprint, fingerprint(pki().expired_device.cert));
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  EXPECT_LT(seen->peer->not_after, now.count());
}

TEST_F(HttpTest, OnlyExpiryIsForgivenExpiredOfAnotherCaNotYetValidOrWrongUsageAreRefused) {
  std::atomic<int> calls{0};
  start(server_options(), [&](const HttpRequest& r) {
    ++calls;
    EXPECT_FALSE(r.peer && r.peer->expired);
    return echo(r);
  });
  for (const Pem* pem : {&pki().other_expired_device, &pki().future_device, &pki().expired_server_cert}) {
    ClientOptions o = client_options();
    o.cert_pem = pem->cert;
    o.key_pem = pem->key;
    HttpsClient client(o);
    auto refused = client.request("POST", "/v1/sync", "x");
    EXPECT_FALSE(refused.has_value()) << pem->cert;
  }
  EXPECT_EQ(calls.load(), 0);
  HttpsClient device(client_options());
  auto served = device.request("POST", "/v1/sync", "x");
  ASSERT_OK(served);
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(HttpTest, RefusedClientCertificateIsReportedAsSuch) {
  start(server_options());
  ClientOptions o = client_options();
  o.cert_pem = pki().other_device.cert;
  o.key_pem = pki().other_device.key;
  HttpsClient intruder(o);
  auto refused = intruder.request("GET", "/", "");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), StatusCode::kFailedPrecondition) << refused.error().to_string();
  EXPECT_NE(refused.error().message().find("certificat"), std::string::npos);
}

TEST_F(HttpTest, ServerCertificateFromAnotherCaIsRefusedByClient) {
  ServerOptions so = server_options();
  so.cert_pem = pki().other_server.cert;
  so.key_pem = pki().other_server.key;
  std::atomic<int> calls{0};
  start(so, [&](const HttpRequest& r) {
    ++calls;
    return echo(r);
  });
  HttpsClient client(client_options());
  auto response = client.request("POST", "/v1/sync", "secret");
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code(), StatusCode::kFailedPrecondition) << response.error().to_string();
  EXPECT_NE(response.error().message().find("autorité"), std::string::npos) << response.error().message();
  EXPECT_EQ(calls.load(), 0);
}

TEST_F(HttpTest, ServerCertificateForAnotherHostIsRefusedByClient) {
  start(server_options());
  ClientOptions o = client_options();
  o.host = "localhost";  // the certificate names only 127.0.0.1
  HttpsClient client(o);
  auto response = client.request("GET", "/", "");
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code(), StatusCode::kFailedPrecondition) << response.error().to_string();
  EXPECT_NE(response.error().message().find("localhost"), std::string::npos) << response.error().message();
}

// A tablet whose clock is a day behind met a new central node's certificate as « not yet
// valid »: it is told that its own clock is wrong, and by how much.
TEST_F(HttpTest, AServerCertificateNotYetValidSaysTheDevicesClockIsBehindAndByHowMuch) {
  ServerOptions so = server_options();
  so.cert_pem = pki().future_server.cert;
  so.key_pem = pki().future_server.key;
  start(so);
  HttpsClient client(client_options());
  auto response = client.request("GET", "/", "");
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code(), StatusCode::kFailedPrecondition) << response.error().to_string();
  EXPECT_NE(response.error().message().find("l'horloge de cet appareil retarde d'au moins 1 j 2 h"), std::string::npos)
      << response.error().message();
}

TEST_F(HttpTest, PlainHttpOnTlsPortIsClosedAndServerKeepsServing) {
  start(server_options());
  Socket plain(server_->port());
  ASSERT_TRUE(plain.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  EXPECT_TRUE(plain.closed_within(2s));

  HttpsClient client(client_options());
  auto response = client.request("GET", "/after", "");
  ASSERT_OK(response);
  EXPECT_EQ(response->status, 200);
}

TEST_F(HttpTest, KeepAliveServesManyRequestsOnOneConnection) {
  start(server_options());
  HttpsClient client(client_options());
  std::uint64_t sent_after_first = 0;
  for (int i = 0; i < 100; ++i) {
    auto response = client.request("POST", "/v1/sync", "n=" + std::to_string(i));
    ASSERT_OK(response);
    ASSERT_EQ(response->body, "POST /v1/sync n=" + std::to_string(i));
    if (i == 0) sent_after_first = client.bytes_sent();
  }
  EXPECT_EQ(client.connections_opened(), 1);
  // Later requests cost only their records, not a handshake each.
  EXPECT_LT(client.bytes_sent() - sent_after_first, 99u * 400u);
}

TEST_F(HttpTest, IdleConnectionClosedByServerIsReopenedTransparently) {
  ServerOptions o = server_options();
  o.idle_timeout = 150ms;
  std::atomic<int> calls{0};
  start(o, [&](const HttpRequest& r) {
    ++calls;
    return echo(r);
  });
  HttpsClient client(client_options());
  ASSERT_OK(client.request("POST", "/a", "1"));
  std::this_thread::sleep_for(400ms);
  auto second = client.request("POST", "/b", "2");
  ASSERT_OK(second);
  EXPECT_EQ(second->body, "POST /b 2");
  EXPECT_EQ(client.connections_opened(), 2);
  EXPECT_EQ(calls.load(), 2);
}

TEST_F(HttpTest, BodyOverLimitGets413AndServerStaysFine) {
  ServerOptions o = server_options();
  o.max_body_bytes = 1024;
  o.max_header_bytes = 2048;
  std::atomic<int> calls{0};
  start(o, [&](const HttpRequest& r) {
    ++calls;
    return echo(r);
  });
  HttpsClient client(client_options());
  auto small_excess = client.request("POST", "/v1/sync", std::string(2000, 'x'));
  ASSERT_OK(small_excess);
  EXPECT_EQ(small_excess->status, 413);
  // A body far larger than the socket buffers: the answer still arrives.
  auto huge = client.request("POST", "/v1/sync", std::string(8 * 1024 * 1024, 'x'));
  ASSERT_OK(huge);
  EXPECT_EQ(huge->status, 413);
  auto long_header = client.request("GET", "/" + std::string(4000, 'a'), "");
  ASSERT_OK(long_header);
  EXPECT_EQ(long_header->status, 431);
  EXPECT_EQ(calls.load(), 0);

  auto fine = client.request("POST", "/v1/sync", std::string(1024, 'y'));
  ASSERT_OK(fine);
  EXPECT_EQ(fine->status, 200);
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(HttpTest, SlowClientAfterHandshakeIsDisconnected) {
  ServerOptions o = server_options();
  o.request_timeout = 500ms;
  start(o);
  // TLS 1.2 so that the server sends nothing after the handshake (no session tickets):
  // anything readable is the connection closing.
  RawTls slow(server_->port(), TLS1_2_VERSION, nullptr);
  ASSERT_TRUE(slow.handshake());
  const std::string request = "POST /v1/sync HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello";
  const auto began = Clock::now();
  bool closed = false;
  std::size_t sent = 0;
  while (!closed && sent < request.size() && Clock::now() - began < 3s) {
    slow.write(request.substr(sent++, 1));
    closed = slow.socket().closed_within(100ms);
  }
  const auto elapsed = Clock::now() - began;
  EXPECT_TRUE(closed);
  EXPECT_LT(sent, request.size());
  EXPECT_GE(elapsed, 400ms);
  EXPECT_LT(elapsed, 1500ms);

  HttpsClient client(client_options());
  ASSERT_OK(client.request("GET", "/still-there", ""));
}

TEST_F(HttpTest, SlowHandshakeIsDisconnected) {
  ServerOptions o = server_options();
  o.handshake_timeout = 500ms;
  start(o);
  Socket slow(server_->port());
  // The first bytes of a TLS record carrying a ClientHello, then a byte every 100 ms.
  const std::string hello("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);
  const auto began = Clock::now();
  bool closed = false;
  std::size_t sent = 0;
  while (!closed && Clock::now() - began < 3s) {
    slow.send(std::string_view(hello).substr(sent % hello.size(), 1));
    ++sent;
    closed = slow.closed_within(100ms);
  }
  const auto elapsed = Clock::now() - began;
  EXPECT_TRUE(closed);
  EXPECT_GE(elapsed, 400ms);
  EXPECT_LT(elapsed, 1500ms);
}

TEST_F(HttpTest, ConnectionsBeyondMaxAreRefused) {
  ServerOptions o = server_options();
  o.max_connections = 2;
  start(o);
  auto first = std::make_unique<HttpsClient>(client_options());
  HttpsClient second(client_options());
  ASSERT_OK(first->request("GET", "/1", ""));
  ASSERT_OK(second.request("GET", "/2", ""));

  ClientOptions co = client_options();
  co.timeout = 2s;
  HttpsClient third(co);
  auto refused = third.request("GET", "/3", "");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), StatusCode::kIoError) << refused.error().to_string();

  first.reset();  // frees a slot once the server sees the connection close
  bool served = false;
  for (int i = 0; i < 40 && !served; ++i) {
    served = third.request("GET", "/3", "").has_value();
    if (!served) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(served);
  ASSERT_OK(second.request("GET", "/2-again", ""));
}

TEST_F(HttpTest, StopLetsRequestInFlightFinish) {
  std::atomic<bool> entered{false};
  start(server_options(), [&](const HttpRequest& r) {
    if (r.target == "/slow") {
      entered = true;
      std::this_thread::sleep_for(400ms);
    }
    return echo(r);
  });
  HttpsClient idle(client_options());
  ASSERT_OK(idle.request("GET", "/warm-up", ""));  // stays open, idle

  Result<HttpResponse> slow_result = core::fail(Status::internal("sync.http_test.non_lancee"));
  std::thread slow([&] {
    HttpsClient client(client_options());
    slow_result = client.request("POST", "/slow", "in flight");
  });
  while (!entered) std::this_thread::sleep_for(5ms);
  const auto began = Clock::now();
  server_->stop(3s);
  const auto took = Clock::now() - began;
  slow.join();

  ASSERT_OK(slow_result);
  EXPECT_EQ(slow_result->status, 200);
  EXPECT_EQ(slow_result->body, "POST /slow in flight");
  EXPECT_EQ(header(*slow_result, "connection"), "close");
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 2s);  // the idle connection did not hold the stop

  server_->stop();  // idempotent
  server_->wait();
  auto after = idle.request("GET", "/after-stop", "");
  ASSERT_FALSE(after.has_value());
  EXPECT_EQ(after.error().code(), StatusCode::kIoError);
}

TEST_F(HttpTest, StopFromAHandlerThreadDoesNotDeadlock) {
  HttpsServer* self = nullptr;
  start(server_options(), [&](const HttpRequest& r) {
    if (r.target == "/shutdown") self->stop(1s);
    return echo(r);
  });
  self = server_.get();
  HttpsClient client(client_options());
  auto response = client.request("POST", "/shutdown", "");
  ASSERT_OK(response);
  EXPECT_EQ(response->status, 200);
  server_->wait();
}

TEST_F(HttpTest, StopWithExpiredGraceClosesSlowRequests) {
  start(server_options(), [&](const HttpRequest& r) {
    std::this_thread::sleep_for(600ms);
    return echo(r);
  });
  Result<HttpResponse> result = core::fail(Status::internal("sync.http_test.non_lancee"));
  std::thread slow([&] {
    HttpsClient client(client_options());
    result = client.request("POST", "/slow", "x");
  });
  std::this_thread::sleep_for(150ms);
  const auto began = Clock::now();
  server_->stop(100ms);
  EXPECT_LT(Clock::now() - began, 2s);
  slow.join();
  // The handler had to return before the connection could be closed; whatever the client
  // saw, it was not a hang.
  if (!result) {
    EXPECT_EQ(result.error().code(), StatusCode::kIoError);
  }
}

TEST_F(HttpTest, ConcurrentClientsAllSucceed) {
  ServerOptions o = server_options();
  o.threads = 2;
  std::atomic<int> calls{0};
  start(o, [&](const HttpRequest& r) {
    ++calls;
    return echo(r);
  });
  constexpr int kThreads = 8;
  constexpr int kRequests = 50;
  std::atomic<int> ok{0};
  std::atomic<int> connections{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HttpsClient client(client_options());
      for (int i = 0; i < kRequests; ++i) {
        const std::string body = std::to_string(t) + "/" + std::to_string(i);
        auto response = client.request("POST", "/v1/sync", body);
        if (response && response->status == 200 && response->body == "POST /v1/sync " + body) ++ok;
      }
      connections += client.connections_opened();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kThreads * kRequests);
  EXPECT_EQ(calls.load(), kThreads * kRequests);
  EXPECT_EQ(connections.load(), kThreads);
}

TEST_F(HttpTest, OldTlsVersionsAndNonAeadSuitesAreRefused) {
  start(server_options());
  {
    RawTls tls11(server_->port(), TLS1_1_VERSION, "DEFAULT:@SECLEVEL=0", true);
    int reason = 0;
    EXPECT_FALSE(tls11.handshake(&reason));
    EXPECT_EQ(reason, SSL_R_TLSV1_ALERT_PROTOCOL_VERSION) << ERR_reason_error_string(ERR_peek_last_error());
  }
  {
    RawTls cbc(server_->port(), TLS1_2_VERSION, "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA");
    int reason = 0;
    EXPECT_FALSE(cbc.handshake(&reason));
    EXPECT_EQ(reason, SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE);
  }
  {
    RawTls tls12(server_->port(), TLS1_2_VERSION, nullptr);
    EXPECT_TRUE(tls12.handshake());
  }
  {
    RawTls tls13(server_->port(), TLS1_3_VERSION, nullptr);
    EXPECT_TRUE(tls13.handshake());
    EXPECT_EQ(tls13.version(), TLS1_3_VERSION);
  }
  HttpsClient client(client_options());
  ASSERT_OK(client.request("GET", "/", ""));
}

TEST_F(HttpTest, ClientTimeoutIsIoErrorAndRequestIsNotResent) {
  std::atomic<int> calls{0};
  start(server_options(), [&](const HttpRequest& r) {
    ++calls;
    std::this_thread::sleep_for(700ms);
    return echo(r);
  });
  ClientOptions o = client_options();
  o.timeout = 300ms;
  HttpsClient client(o);
  const auto began = Clock::now();
  auto response = client.request("POST", "/v1/sync", "push");
  EXPECT_LT(Clock::now() - began, 650ms);
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code(), StatusCode::kIoError) << response.error().to_string();
  std::this_thread::sleep_for(800ms);
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(HttpTest, LostResponseOnFreshConnectionIsNotResent) {
  LossyServer lossy(0);
  ClientOptions o;
  o.host = "127.0.0.1";
  o.port = std::to_string(lossy.port());
  o.ca_pem = pki().ca.cert;
  o.timeout = 3s;
  HttpsClient client(o);
  auto response = client.request("POST", "/v1/sync", "push");
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code(), StatusCode::kIoError) << response.error().to_string();
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(lossy.connections(), 1);
  EXPECT_EQ(lossy.requests(), 1);
}

TEST_F(HttpTest, KeptAliveConnectionClosedBeforeResponseIsRetriedOnceOnAFreshOne) {
  LossyServer lossy(1);
  ClientOptions o;
  o.host = "127.0.0.1";
  o.port = std::to_string(lossy.port());
  o.ca_pem = pki().ca.cert;
  o.timeout = 3s;
  HttpsClient client(o);
  ASSERT_OK(client.request("GET", "/first", ""));
  auto second = client.request("GET", "/second", "");
  ASSERT_OK(second);
  EXPECT_EQ(second->body, "ok");
  EXPECT_EQ(client.connections_opened(), 2);
  EXPECT_EQ(lossy.requests(), 3);
}

TEST_F(HttpTest, ExpectContinueGetsInterimResponse) {
  ServerOptions o = server_options();
  o.body_limit = [](const RequestHead&) -> std::size_t { return 5; };  // the body fits its route's limit
  start(o);
  RawTls raw(server_->port(), TLS1_3_VERSION, nullptr);
  ASSERT_TRUE(raw.handshake());
  ASSERT_TRUE(raw.write("POST /e HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  ASSERT_TRUE(raw.read_until("HTTP/1.1 100 Continue\r\n\r\n"));
  ASSERT_TRUE(raw.write("hello"));
  EXPECT_TRUE(raw.read_until("POST /e hello"));
}

TEST_F(HttpTest, HandlerExceptionBecomes500AndHeadHasNoBody) {
  start(server_options(), [](const HttpRequest& r) -> HttpResponse {
    if (r.target == "/throw") throw std::runtime_error("secret personal data");
    HttpResponse out;
    out.body = "twelve bytes";
    return out;
  });
  HttpsClient client(client_options());
  auto failed = client.request("GET", "/throw", "");
  ASSERT_OK(failed);
  EXPECT_EQ(failed->status, 500);
  EXPECT_EQ(failed->body, "");
  auto head = client.request("HEAD", "/", "");
  ASSERT_OK(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->body, "");
  EXPECT_EQ(header(*head, "content-length"), "12");
  auto get = client.request("GET", "/", "");  // the connection is still in step
  ASSERT_OK(get);
  EXPECT_EQ(get->body, "twelve bytes");
  EXPECT_EQ(client.connections_opened(), 1);
}

TEST_F(HttpTest, ResponseOverClientLimitIsRefused) {
  start(server_options(), [](const HttpRequest&) {
    HttpResponse out;
    out.body = std::string(10000, 'z');
    return out;
  });
  ClientOptions o = client_options();
  o.max_body_bytes = 1000;
  HttpsClient client(o);
  auto response = client.request("GET", "/big", "");
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code(), StatusCode::kOutOfRange) << response.error().to_string();
}

TEST_F(HttpTest, UnusableOptionsAreRefused) {
  ServerOptions bad = server_options();
  bad.key_pem = pki().device.key;  // not the certificate's key
  auto mismatched = HttpsServer::start(bad, echo);
  ASSERT_FALSE(mismatched.has_value());
  EXPECT_EQ(mismatched.error().code(), StatusCode::kInvalidArgument);
  bad = server_options();
  bad.cert_pem = "not a certificate";
  auto unreadable = HttpsServer::start(bad, echo);
  ASSERT_FALSE(unreadable.has_value());
  EXPECT_EQ(unreadable.error().code(), StatusCode::kInvalidArgument);

  start(server_options());
  ServerOptions taken = server_options();
  taken.port = server_->port();
  auto busy = HttpsServer::start(taken, echo);
  ASSERT_FALSE(busy.has_value());
  EXPECT_EQ(busy.error().code(), StatusCode::kIoError);

  ClientOptions no_ca = client_options();
  no_ca.ca_pem.clear();
  HttpsClient client(no_ca);
  auto refused = client.request("GET", "/", "");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), StatusCode::kInvalidArgument);

  HttpsClient closed_port([&] {
    ClientOptions o = client_options();
    o.port = "1";
    return o;
  }());
  auto unreachable = closed_port.request("GET", "/", "");
  ASSERT_FALSE(unreachable.has_value());
  EXPECT_EQ(unreachable.error().code(), StatusCode::kIoError);
}

// Issue 16, item 2: the limit is the route's, decided from the head; a stranger's body is cut
// at the small one before it is read, a device's passes.
namespace limits {

std::size_t small_for_strangers(const RequestHead& head) {
  return head.device && head.target.starts_with("/v1/sync") ? 1u << 20 : 100;
}

}  // namespace limits

TEST_F(HttpTest, TheBodyLimitIsTheRoutesAndKnownBeforeTheBody) {
  ServerOptions o = server_options();
  o.body_limit = limits::small_for_strangers;
  start_counting(o);
  HttpsClient stranger(client_options(false));
  HttpsClient device(client_options(true));
  auto status = [](HttpsClient& client, const char* target, std::size_t bytes) {
    auto r = client.request("POST", target, std::string(bytes, 'x'));
    return r ? r->status : -1;
  };
  EXPECT_EQ(status(stranger, "/v1/sync", 200), 413);
  // A large body from a stranger is answered at once, without being read.
  EXPECT_EQ(status(stranger, "/v1/sync", 8 * 1024 * 1024), 413);
  EXPECT_EQ(handled_.load(), 0);
  EXPECT_EQ(status(stranger, "/v1/sync", 100), 200);
  EXPECT_EQ(status(device, "/v1/sync", 500'000), 200);
  EXPECT_EQ(status(device, "/other", 200), 413);
  EXPECT_EQ(handled_.load(), 2);
}

TEST_F(HttpTest, AChunkedBodyIsCutAtTheRoutesLimit) {
  ServerOptions o = server_options();
  o.body_limit = limits::small_for_strangers;
  start_counting(o);
  RawTls raw(server_->port(), TLS1_3_VERSION, nullptr);
  ASSERT_TRUE(raw.handshake());
  ASSERT_TRUE(raw.write("POST /v1/sync HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"));
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(raw.write("40\r\n" + std::string(64, 'z') + "\r\n"));
  EXPECT_TRUE(raw.read_until("HTTP/1.1 413"));
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(HttpTest, ExpectContinueIsNotAnsweredForABodyOverTheRoutesLimit) {
  ServerOptions o = server_options();
  o.body_limit = limits::small_for_strangers;
  start(o);
  RawTls raw(server_->port(), TLS1_3_VERSION, nullptr);
  ASSERT_TRUE(raw.handshake());
  ASSERT_TRUE(raw.write("POST /v1/sync HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 16777216\r\n"
                        "Expect: 100-continue\r\n\r\n"));
  EXPECT_TRUE(raw.read_until("HTTP/1.1 413"));
  EXPECT_EQ(raw.received().find("100 Continue"), std::string::npos) << raw.received();
}

// Strangers over the cap make the oldest stranger's connection close; devices, once through
// their handshake, do not count and are never evicted.
TEST_F(HttpTest, StrangersOverTheCapEvictTheOldestStrangerNeverADevice) {
  ServerOptions o = server_options();
  o.max_unauthenticated = 3;
  start(o);
  HttpsClient device(client_options(true));
  ASSERT_OK(device.request("GET", "/before", ""));
  std::vector<std::unique_ptr<Socket>> strangers;
  for (int i = 0; i < 3; ++i) strangers.push_back(std::make_unique<Socket>(server_->port()));
  std::this_thread::sleep_for(200ms);  // accepted in order
  EXPECT_FALSE(strangers[0]->closed_within(200ms));
  strangers.push_back(std::make_unique<Socket>(server_->port()));
  EXPECT_TRUE(strangers[0]->closed_within(2s));
  EXPECT_FALSE(strangers[1]->closed_within(200ms));
  EXPECT_FALSE(strangers[3]->closed_within(200ms));

  // The device's kept-alive connection was not touched, and a new device still gets in.
  ASSERT_OK(device.request("GET", "/after", ""));
  EXPECT_EQ(device.connections_opened(), 1);
  HttpsClient another(client_options(true));
  ASSERT_OK(another.request("GET", "/new", ""));
}

TEST_F(HttpTest, OneAddressOverItsCapEvictsOnlyItsOwnConnections) {
  ServerOptions o = server_options();
  o.max_unauthenticated_per_address = 2;
  start(o);
  Socket other(server_->port(), "127.0.0.1");
  std::vector<std::unique_ptr<Socket>> flood;
  for (int i = 0; i < 2; ++i) flood.push_back(std::make_unique<Socket>(server_->port(), "127.0.0.2"));
  std::this_thread::sleep_for(200ms);
  flood.push_back(std::make_unique<Socket>(server_->port(), "127.0.0.2"));
  EXPECT_TRUE(flood[0]->closed_within(2s));
  EXPECT_FALSE(flood[1]->closed_within(200ms));
  EXPECT_FALSE(other.closed_within(200ms));
}

// Behind a load balancer (item 3): the PROXY header from a trusted balancer names the client;
// from anyone else no header is read.
namespace proxy {

HttpResponse who(const HttpRequest& r) {
  HttpResponse out;
  out.content_type = "text/plain";
  out.body = "client=" + r.remote_address + ";";
  return out;
}

}  // namespace proxy

TEST_F(HttpTest, ATrustedBalancersProxyHeaderNamesTheClient) {
  ServerOptions o = server_options();
  o.proxy_protocol_from = {"127.0.0.2"};
  start(o, proxy::who);
  const std::string v1 = "PROXY TCP4 192.0.2.7 127.0.0.1 56324 443\r\n";
  RawTls relayed(server_->port(), TLS1_3_VERSION, nullptr, false, "127.0.0.2", v1);
  ASSERT_TRUE(relayed.handshake());
  ASSERT_TRUE(relayed.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(relayed.read_until("client=192.0.2.7;")) << relayed.received();

  std::string v2("\r\n\r\n\0\r\nQUIT\n\x21\x21\x00\x24", 16);  // TCP over IPv6
  v2 += std::string("\x20\x01\x0d\xb8", 4) + std::string(11, '\0') + "\x09" + std::string(16, '\0') + std::string(4, '\0');
  RawTls six(server_->port(), TLS1_3_VERSION, nullptr, false, "127.0.0.2", v2);
  ASSERT_TRUE(six.handshake());
  ASSERT_TRUE(six.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(six.read_until("client=2001:db8::9;")) << six.received();

  // A direct client is itself, and the balancer must send the header.
  HttpsClient direct(client_options());
  auto r = direct.request("GET", "/", "");
  ASSERT_OK(r);
  EXPECT_EQ(r->body, "client=127.0.0.1;");
  RawTls bare(server_->port(), TLS1_3_VERSION, nullptr, false, "127.0.0.2");
  EXPECT_FALSE(bare.handshake());
}

// Connections from the balancer count for the clients their headers name, not for the
// balancer: a burst of tablets through nginx is no flood from one address.
TEST_F(HttpTest, ABurstThroughTheBalancerCountsForItsClientsNotForTheBalancer) {
  ServerOptions o = server_options();
  o.proxy_protocol_from = {"127.0.0.2"};
  o.max_unauthenticated_per_address = 2;
  start(o, proxy::who);
  std::vector<std::unique_ptr<RawTls>> relayed;
  for (int i = 0; i < 4; ++i) {
    relayed.push_back(std::make_unique<RawTls>(server_->port(), TLS1_3_VERSION, nullptr, false, "127.0.0.2"));
  }
  std::this_thread::sleep_for(200ms);  // all accepted, their headers still to come
  for (int i = 0; i < 4; ++i) {
    const std::string client = "192.0.2." + std::to_string(i + 1);
    ASSERT_TRUE(relayed[static_cast<std::size_t>(i)]->socket().send("PROXY TCP4 " + client + " 127.0.0.1 1000 443\r\n"));
    ASSERT_TRUE(relayed[static_cast<std::size_t>(i)]->handshake()) << i;
    ASSERT_TRUE(relayed[static_cast<std::size_t>(i)]->write("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_TRUE(relayed[static_cast<std::size_t>(i)]->read_until("client=" + client + ";")) << i;
  }
}

TEST_F(HttpTest, AProxyHeaderFromAnyoneElseIsNotRead) {
  ServerOptions o = server_options();
  o.proxy_protocol_from = {"127.0.0.2"};
  start(o, proxy::who);
  RawTls forged(server_->port(), TLS1_3_VERSION, nullptr, false, "127.0.0.3",
                "PROXY TCP4 192.0.2.7 127.0.0.1 56324 443\r\n");
  EXPECT_FALSE(forged.handshake());  // the header is taken for a broken handshake
  RawTls garbage(server_->port(), TLS1_3_VERSION, nullptr, false, "127.0.0.2", "PROXY TCP4 nonsense\r\n");
  EXPECT_FALSE(garbage.handshake());
  HttpsClient still(client_options());
  ASSERT_OK(still.request("GET", "/", ""));
}

TEST_F(HttpTest, UnusableBalancerAddressesAreRefused) {
  ServerOptions o = server_options();
  o.proxy_protocol_from = {"nginx.example"};
  auto server = HttpsServer::start(o, echo);
  ASSERT_FALSE(server.has_value());
  EXPECT_EQ(server.error().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace carnet::sync
