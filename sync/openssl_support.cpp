#include "sync/openssl_support.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <ctime>
#include <utility>

#include "storage/encoding.hpp"
#include "storage/sha256.hpp"

namespace carnet::sync::openssl {

using core::fail;

namespace {

// Never ask for a passphrase (the default callback would prompt on the terminal): an
// encrypted key simply does not parse.
int no_passphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*userdata*/) { return 0; }

}  // namespace

// ---- Errors. ----

ErrorQueueScope::ErrorQueueScope() { ERR_clear_error(); }
ErrorQueueScope::~ErrorQueueScope() { ERR_clear_error(); }

std::string drain_openssl_errors() {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    std::string reason;
    if (const char* r = ERR_reason_error_string(e)) {
      reason = r;
    } else {
      char buf[256];
      ERR_error_string_n(e, buf, sizeof buf);
      reason = buf;
    }
    if (out.find(reason) != std::string::npos) continue;
    if (!out.empty()) out += " ; ";
    out += reason;
  }
  return out;
}

Status openssl_failure(StatusCode code, core::Message what) {
  const std::string detail = drain_openssl_errors();
  if (detail.empty()) return Status(code, std::move(what));
  return Status(code, core::Message("sync.pki.avec_openssl", {{"message", {std::move(what)}}, {"detail", detail}}));
}

Status openssl_internal(std::string_view function) {
  return openssl_failure(StatusCode::kInternal, core::Message("sync.pki.echec_fonction", {{"fonction", function}}));
}

Status openssl_internal(core::Message step) {
  return openssl_failure(StatusCode::kInternal, core::Message("sync.pki.echec_etape", {{"etape", {std::move(step)}}}));
}

// ---- PEM in and out. ----

Result<BioPtr> read_bio(std::string_view pem, const core::Message& what) {
  if (pem.empty()) return fail(Status::invalid_argument("sync.pki.vide", {{"quoi", {what}}}));
  if (pem.size() > kMaxPemBytes) {
    return fail(Status::invalid_argument("sync.pki.trop_grand", {{"quoi", {what}}, {"max", kMaxPemBytes}}));
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return fail(openssl_internal("BIO_new_mem_buf"));
  return bio;
}

Result<BioPtr> write_bio() {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return fail(openssl_internal("BIO_new"));
  return bio;
}

std::string bio_contents(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  if (n <= 0 || data == nullptr) return {};
  return std::string(data, static_cast<std::size_t>(n));
}

Result<X509Ptr> parse_certificate(std::string_view pem, const core::Message& what) {
  auto bio = read_bio(pem, what);
  if (!bio) return fail(bio.error());
  X509Ptr cert(PEM_read_bio_X509(bio->get(), nullptr, nullptr, nullptr));
  if (!cert) {
    return fail(openssl_failure(StatusCode::kInvalidArgument,
                                core::Message("sync.pki.certificat_illisible", {{"quoi", {what}}})));
  }
  return cert;
}

Result<PkeyPtr> parse_private_key(std::string_view pem, const core::Message& what) {
  auto bio = read_bio(pem, what);
  if (!bio) return fail(bio.error());
  PkeyPtr key(PEM_read_bio_PrivateKey(bio->get(), nullptr, no_passphrase, nullptr));
  if (!key) {
    // OpenSSL's reasons here ("unsupported", "bad decrypt") say nothing useful, and nothing
    // about a key belongs in a message.
    drain_openssl_errors();
    return fail(Status::invalid_argument("sync.pki.cle_illisible", {{"quoi", {what}}}));
  }
  return key;
}

Result<std::string> certificate_pem(X509* cert) {
  auto bio = write_bio();
  if (!bio) return fail(bio.error());
  if (PEM_write_bio_X509(bio->get(), cert) != 1) {
    return fail(openssl_internal("PEM_write_bio_X509"));
  }
  return bio_contents(bio->get());
}

Result<std::string> private_key_pem(EVP_PKEY* key) {
  auto bio = write_bio();
  if (!bio) return fail(bio.error());
  if (PEM_write_bio_PrivateKey(bio->get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return fail(openssl_internal("PEM_write_bio_PrivateKey"));
  }
  return bio_contents(bio->get());
}

// ---- What a certificate says. ----

Result<std::string> fingerprint_of(const X509* cert) {
  unsigned char* der = nullptr;
  const int n = i2d_X509(cert, &der);
  if (n <= 0) return fail(openssl_internal("i2d_X509"));
  const OpenSslBytes owned(der);
  const storage::Sha256Digest digest = storage::sha256(std::string_view(reinterpret_cast<const char*>(der), static_cast<std::size_t>(n)));
  return storage::to_hex_pairs(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

Result<std::int64_t> unix_time(const ASN1_TIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) {
    return fail(
        openssl_failure(StatusCode::kInvalidArgument, core::Message("sync.pki.date_illisible")));
  }
  return static_cast<std::int64_t>(::timegm(&tm));
}

Result<std::string> serial_hex_of(const X509* cert) {
  BignumPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
  if (!serial) {
    return fail(
        openssl_failure(StatusCode::kInvalidArgument, core::Message("sync.pki.serie_illisible")));
  }
  OpenSslString hex(BN_bn2hex(serial.get()));
  if (!hex) return fail(openssl_internal("BN_bn2hex"));
  std::string out(hex.get());
  for (char& c : out) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Result<std::string> name_entry(const X509_NAME* name, int nid) {
  const int index = X509_NAME_get_index_by_NID(name, nid, -1);
  if (index < 0) return std::string();
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  const int n = ASN1_STRING_to_UTF8(&utf8, data);
  if (n < 0) {
    return fail(openssl_failure(StatusCode::kInvalidArgument, core::Message("sync.pki.nom_illisible")));
  }
  const OpenSslBytes owned(utf8);
  return std::string(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(n));
}

}  // namespace carnet::sync::openssl
