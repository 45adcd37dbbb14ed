// The TLS side of the HTTPS server and client: see sync/tls_setup.hpp.
#include "sync/tls_setup.hpp"

#include "sync/asio.hpp"
#include "sync/openssl_support.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <cstdint>

namespace carnet::sync {

namespace {

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"  // OpenSSL's SSL_OP_BIT
constexpr std::uint64_t kTlsOptions =
    SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE;
#pragma GCC diagnostic pop

// TLS 1.2 suites: ECDHE key exchange and AEAD only. TLS 1.3 suites are all AEAD.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305";

// Verification of client certificates: OpenSSL's verdict, except that an expired leaf is let
// through. The chain has been built to the client CA (the only trust anchor) by then, and any
// other error is still fatal, since the callback sees each error separately; the connection's
// verify result stays X509_V_ERR_CERT_HAS_EXPIRED, which peer_certificate() reports.
int verify_client_certificate(int preverified, X509_STORE_CTX* ctx) {
  if (preverified == 1) return 1;
  return X509_STORE_CTX_get_error(ctx) == X509_V_ERR_CERT_HAS_EXPIRED && X509_STORE_CTX_get_error_depth(ctx) == 0 ? 1 : 0;
}

}  // namespace

std::optional<PeerCertificate> peer_certificate(SSL* ssl) {
  const long verdict = SSL_get_verify_result(ssl);
  if (verdict != X509_V_OK && verdict != X509_V_ERR_CERT_HAS_EXPIRED) return std::nullopt;
  const openssl::X509Ptr cert(SSL_get1_peer_certificate(ssl));
  if (!cert) return std::nullopt;
  PeerCertificate peer;
  const X509_NAME* subject = X509_get_subject_name(cert.get());
  peer.common_name = openssl::name_entry(subject, NID_commonName).value_or("");
  peer.organizational_unit = openssl::name_entry(subject, NID_organizationalUnitName).value_or("");
  peer.expired = verdict == X509_V_ERR_CERT_HAS_EXPIRED;
  peer.serial_hex = openssl::serial_hex_of(cert.get()).value_or("");
  peer.fingerprint = openssl::fingerprint_of(cert.get()).value_or("");
  if (auto not_after = openssl::unix_time(X509_get0_notAfter(cert.get()))) peer.not_after = *not_after;
  return peer;
}

Status configure_server_tls(ssl::context& tls, const ServerOptions& options) {
  error_code ec;
  tls.use_certificate_chain(net::buffer(options.cert_pem), ec);
  if (ec) return Status::invalid_argument("sync.http_server.certificat_illisible");
  tls.use_private_key(net::buffer(options.key_pem), ssl::context::pem, ec);
  if (ec) return Status::invalid_argument("sync.http_server.cle_illisible");
  if (SSL_CTX_check_private_key(tls.native_handle()) != 1) {
    return Status::invalid_argument("sync.http_server.cle_certificat_differents");
  }
  CARNET_RETURN_IF_ERROR(apply_tls_policy(tls.native_handle()));
  static constexpr unsigned char kSessionContext[] = "carnet";
  SSL_CTX_set_session_id_context(tls.native_handle(), kSessionContext, sizeof kSessionContext - 1);
  if (options.client_ca_pem.empty()) {
    tls.set_verify_mode(ssl::verify_none);
    return Status::ok_status();
  }
  tls.add_certificate_authority(net::buffer(options.client_ca_pem), ec);
  if (ec) return Status::invalid_argument("sync.http_server.autorite_appareils_illisible");
  // The CA names sent in the CertificateRequest, so that clients pick the right certificate.
  BIO* bio = BIO_new_mem_buf(options.client_ca_pem.data(), static_cast<int>(options.client_ca_pem.size()));
  if (bio == nullptr) return Status::internal("sync.http_server.openssl_memoire");
  while (X509* ca = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    SSL_CTX_add_client_CA(tls.native_handle(), ca);
    X509_free(ca);
  }
  BIO_free(bio);
  ERR_clear_error();
  // Ask for a certificate and verify it if one comes; a client without one may connect.
  tls.set_verify_mode(ssl::verify_peer);
  SSL_CTX_set_verify(tls.native_handle(), SSL_VERIFY_PEER, verify_client_certificate);
  return Status::ok_status();
}


Status apply_tls_policy(SSL_CTX* ctx) {
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 || SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1) {
    return Status::internal("sync.http_server.politique_tls");
  }
  SSL_CTX_set_options(ctx, kTlsOptions);
  return Status::ok_status();
}

}  // namespace carnet::sync
