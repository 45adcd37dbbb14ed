#include "sync/pki.hpp"

#include <fcntl.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <system_error>
#include <utility>

#include "storage/encoding.hpp"
#include "storage/files.hpp"
#include "sync/openssl_support.hpp"
#include "sync/x509_names.hpp"

namespace carnet::sync {

using core::fail;
using core::StatusCode;

namespace {

using namespace openssl;  // the OpenSSL plumbing of sync/openssl_support.hpp

// ---- Limits. ----

constexpr std::size_t kMaxKeyFileBytes = 64 * 1024;
constexpr int kMaxValidDays = 36500;
constexpr long kClockSkewSeconds = 5 * 60;
constexpr std::size_t kSerialBytes = 16;

// From five minutes ago (clock skew) to `valid_days` from now.
Validity validity_for_days(int valid_days) {
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  return Validity{now - kClockSkewSeconds, now + static_cast<std::int64_t>(valid_days) * 86400};
}

Status check_validity(const Validity& validity) {
  if (validity.not_before >= validity.not_after) {
    return Status::invalid_argument("sync.pki.periode_invalide");
  }
  return Status::ok_status();
}

Status check_valid_days(int valid_days) {
  if (valid_days < 1 || valid_days > kMaxValidDays) {
    return Status::invalid_argument("sync.pki.duree_invalide", {{"jours", valid_days}, {"max", kMaxValidDays}});
  }
  return Status::ok_status();
}

// ---- Requests. ----

Result<ReqPtr> parse_request(std::string_view pem) {
  auto bio = read_bio(pem, core::Message("sync.pki.demande"));
  if (!bio) return fail(bio.error());
  ReqPtr req(PEM_read_bio_X509_REQ(bio->get(), nullptr, nullptr, nullptr));
  if (!req) {
    return fail(openssl_failure(StatusCode::kInvalidArgument, core::Message("sync.pki.demande_illisible")));
  }
  return req;
}

// ---- Keys. ----

Result<PkeyPtr> generate_key() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return fail(openssl_internal(core::Message("sync.pki.etape_generation_cle")));
  return key;
}

bool is_p256(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "EC") != 1) return false;
  char group[80] = {};
  std::size_t length = 0;
  if (EVP_PKEY_get_group_name(key, group, sizeof group, &length) != 1) return false;
  int nid = OBJ_sn2nid(group);
  if (nid == NID_undef) nid = EC_curve_nist2nid(group);
  return nid == NID_X9_62_prime256v1;
}

// ---- Issuing certificates. ----

// What a certificate says beyond its subject, key and validity.
struct Profile {
  const char* basic_constraints;
  const char* key_usage;
  const char* extended_key_usage;    // nullptr: none
  GENERAL_NAMES* subject_alt_names;  // nullptr: none; not owned
};

const Profile kCaProfile{"critical,CA:TRUE,pathlen:0", "critical,keyCertSign,cRLSign", nullptr,
                         nullptr};

Status add_extension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  ExtensionPtr ext(X509V3_EXT_nconf_nid(nullptr, ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return openssl_internal(core::Message("sync.pki.etape_extension", {{"extension", OBJ_nid2sn(nid)}}));
  }
  return Status::ok_status();
}

Result<BignumPtr> random_serial() {
  for (;;) {
    unsigned char bytes[kSerialBytes];
    if (RAND_bytes(bytes, static_cast<int>(sizeof bytes)) != 1) {
      return fail(openssl_internal("RAND_bytes"));
    }
    bytes[0] &= 0x7f;  // positive in DER without a leading zero byte
    BignumPtr serial(BN_bin2bn(bytes, static_cast<int>(sizeof bytes), nullptr));
    if (!serial) return fail(openssl_internal("BN_bin2bn"));
    if (!BN_is_zero(serial.get())) return serial;
  }
}

// Issues a certificate for `subject_key` (only its public half is used) named by `subject`,
// signed by `issuer_key`: self-signed when `issuer_cert` is null, otherwise by that CA.
Result<X509Ptr> issue(EVP_PKEY* subject_key, const X509_NAME* subject, X509* issuer_cert,
                      EVP_PKEY* issuer_key, const Validity& validity, const Profile& profile) {
  X509Ptr cert(X509_new());
  if (!cert) return fail(openssl_internal("X509_new"));
  auto serial = random_serial();
  if (!serial) return fail(serial.error());
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      BN_to_ASN1_INTEGER(serial->get(), X509_get_serialNumber(cert.get())) == nullptr ||
      X509_set_subject_name(cert.get(), subject) != 1 ||
      X509_set_issuer_name(
          cert.get(), issuer_cert != nullptr ? X509_get_subject_name(issuer_cert) : subject) != 1 ||
      ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(validity.not_before)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(validity.not_after)) == nullptr ||
      X509_set_pubkey(cert.get(), subject_key) != 1) {
    return fail(openssl_internal(core::Message("sync.pki.etape_certificat")));
  }
  if (issuer_cert != nullptr &&
      ASN1_TIME_compare(X509_get0_notAfter(cert.get()), X509_get0_notAfter(issuer_cert)) > 0 &&
      X509_set1_notAfter(cert.get(), X509_get0_notAfter(issuer_cert)) != 1) {
    return fail(openssl_internal("X509_set1_notAfter"));
  }

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer_cert != nullptr ? issuer_cert : cert.get(), cert.get(), nullptr,
                 nullptr, 0);
  if (issuer_cert == nullptr && X509V3_set_issuer_pkey(&ctx, issuer_key) != 1) {
    return fail(openssl_internal("X509V3_set_issuer_pkey"));
  }
  CARNET_RETURN_IF_ERROR_R(
      add_extension(cert.get(), &ctx, NID_basic_constraints, profile.basic_constraints));
  CARNET_RETURN_IF_ERROR_R(add_extension(cert.get(), &ctx, NID_key_usage, profile.key_usage));
  if (profile.extended_key_usage != nullptr) {
    CARNET_RETURN_IF_ERROR_R(
        add_extension(cert.get(), &ctx, NID_ext_key_usage, profile.extended_key_usage));
  }
  if (profile.subject_alt_names != nullptr &&
      X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, profile.subject_alt_names, 0,
                        X509V3_ADD_DEFAULT) != 1) {
    return fail(openssl_internal(core::Message("sync.pki.etape_extension", {{"extension", "subjectAltName"}})));
  }
  // The subject key identifier first: the authority key identifier of a self-signed
  // certificate is read from it.
  CARNET_RETURN_IF_ERROR_R(add_extension(cert.get(), &ctx, NID_subject_key_identifier, "hash"));
  CARNET_RETURN_IF_ERROR_R(
      add_extension(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always"));

  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) <= 0) {
    return fail(openssl_internal(core::Message("sync.pki.etape_signature")));
  }
  return cert;
}

// The CA of a Credentials, checked: it parses, it is a CA, its key is its own, it has not
// expired.
struct Authority {
  X509Ptr cert;
  PkeyPtr key;
};

Result<Authority> load_authority(const Credentials& ca) {
  auto cert = parse_certificate(ca.cert_pem, core::Message("sync.pki.certificat_autorite"));
  if (!cert) return fail(cert.error());
  auto key = parse_private_key(ca.key_pem, core::Message("sync.pki.cle_autorite"));
  if (!key) return fail(key.error());
  if (X509_check_ca(cert->get()) != 1) {
    drain_openssl_errors();
    return fail(Status::invalid_argument("sync.pki.pas_une_autorite"));
  }
  if (X509_check_private_key(cert->get(), key->get()) != 1) {
    return fail(openssl_failure(StatusCode::kInvalidArgument,
                                core::Message("sync.pki.cle_autorite_differente")));
  }
  if (X509_cmp_current_time(X509_get0_notAfter(cert->get())) <= 0) {
    drain_openssl_errors();
    return fail(Status::failed_precondition("sync.pki.autorite_expiree"));
  }
  return Authority{std::move(*cert), std::move(*key)};
}

// ---- Verifying certificates. ----

core::MessageKey verify_error_key(int error) {
  switch (error) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return "sync.pki.verif_expire";
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "sync.pki.verif_pas_encore_valide";
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      return "sync.pki.verif_autre_autorite";
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
      return "sync.pki.verif_signature";
    case X509_V_ERR_INVALID_CA:
      return "sync.pki.verif_autorite_invalide";
    default:
      return "sync.pki.verif_refuse";
  }
}

// ---- Files. ----

std::string errno_text(int error) { return std::generic_category().message(error); }

std::string octal_mode(mode_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// A certificate and its key, in PEM.
Result<Credentials> credentials_of(X509* cert, EVP_PKEY* key) {
  auto cert_pem = certificate_pem(cert);
  if (!cert_pem) return fail(cert_pem.error());
  auto key_pem = private_key_pem(key);
  if (!key_pem) return fail(key_pem.error());
  return Credentials{std::move(*cert_pem), std::move(*key_pem)};
}

}  // namespace

Result<Credentials> make_ca(std::string_view common_name, int valid_days) {
  const ErrorQueueScope errors;
  CARNET_RETURN_IF_ERROR_R(check_valid_days(valid_days));
  auto name = make_name(common_name, "");
  if (!name) return fail(name.error());
  auto key = generate_key();
  if (!key) return fail(key.error());
  auto cert = issue(key->get(), name->get(), nullptr, key->get(), validity_for_days(valid_days), kCaProfile);
  if (!cert) return fail(cert.error());
  return credentials_of(cert->get(), key->get());
}

Result<Credentials> make_server_certificate(const Credentials& ca, std::string_view common_name,
                                            const std::vector<std::string>& dns_names,
                                            const std::vector<std::string>& ip_addresses,
                                            int valid_days) {
  const ErrorQueueScope errors;
  CARNET_RETURN_IF_ERROR_R(check_valid_days(valid_days));
  auto name = make_name(common_name, "");
  if (!name) return fail(name.error());
  auto sans = subject_alt_names(dns_names, ip_addresses);
  if (!sans) return fail(sans.error());
  auto authority = load_authority(ca);
  if (!authority) return fail(authority.error());
  auto key = generate_key();
  if (!key) return fail(key.error());
  const Profile profile{"critical,CA:FALSE", "critical,digitalSignature", "serverAuth",
                        sans->get()};
  auto cert = issue(key->get(), name->get(), authority->cert.get(), authority->key.get(),
                    validity_for_days(valid_days), profile);
  if (!cert) return fail(cert.error());
  return credentials_of(cert->get(), key->get());
}

Result<CertificateRequest> make_certificate_request(std::string_view common_name) {
  const ErrorQueueScope errors;
  auto name = make_name(common_name, "");
  if (!name) return fail(name.error());
  auto key = generate_key();
  if (!key) return fail(key.error());
  ReqPtr req(X509_REQ_new());
  if (!req || X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) != 1 ||
      X509_REQ_set_subject_name(req.get(), name->get()) != 1 ||
      X509_REQ_set_pubkey(req.get(), key->get()) != 1 ||
      X509_REQ_sign(req.get(), key->get(), EVP_sha256()) <= 0) {
    return fail(openssl_internal(core::Message("sync.pki.etape_demande")));
  }
  auto bio = write_bio();
  if (!bio) return fail(bio.error());
  if (PEM_write_bio_X509_REQ(bio->get(), req.get()) != 1) {
    return fail(openssl_internal("PEM_write_bio_X509_REQ"));
  }
  auto key_pem = private_key_pem(key->get());
  if (!key_pem) return fail(key_pem.error());
  return CertificateRequest{bio_contents(bio->get()), std::move(*key_pem)};
}

Result<std::string> sign_certificate_request(const Credentials& ca, std::string_view csr_pem,
                                             std::string_view common_name,
                                             std::string_view organizational_unit, int valid_days) {
  {
    const ErrorQueueScope errors;
    CARNET_RETURN_IF_ERROR_R(check_valid_days(valid_days));
  }
  return sign_certificate_request(ca, csr_pem, common_name, organizational_unit,
                                  validity_for_days(valid_days));
}

Result<std::string> sign_certificate_request(const Credentials& ca, std::string_view csr_pem,
                                             std::string_view common_name,
                                             std::string_view organizational_unit,
                                             const Validity& validity) {
  const ErrorQueueScope errors;
  CARNET_RETURN_IF_ERROR_R(check_validity(validity));
  auto req = parse_request(csr_pem);
  if (!req) return fail(req.error());
  EVP_PKEY* public_key = X509_REQ_get0_pubkey(req->get());
  if (public_key == nullptr) {
    return fail(openssl_failure(StatusCode::kInvalidArgument,
                                core::Message("sync.pki.demande_cle_illisible")));
  }
  if (X509_REQ_verify(req->get(), public_key) != 1) {
    return fail(openssl_failure(
        StatusCode::kInvalidArgument,
        core::Message("sync.pki.demande_signature")));
  }
  if (!is_p256(public_key)) {
    drain_openssl_errors();
    return fail(Status::invalid_argument("sync.pki.demande_pas_p256"));
  }
  auto name = make_name(common_name, organizational_unit);
  if (!name) return fail(name.error());
  auto authority = load_authority(ca);
  if (!authority) return fail(authority.error());
  const Profile profile{"critical,CA:FALSE", "critical,digitalSignature", "clientAuth", nullptr};
  auto cert = issue(public_key, name->get(), authority->cert.get(), authority->key.get(),
                    validity, profile);
  if (!cert) return fail(cert.error());
  return certificate_pem(cert->get());
}

Result<CertificateInfo> inspect_certificate(std::string_view cert_pem) {
  const ErrorQueueScope errors;
  auto cert = parse_certificate(cert_pem, core::Message("sync.pki.certificat"));
  if (!cert) return fail(cert.error());
  const X509_NAME* subject = X509_get_subject_name(cert->get());
  CertificateInfo info;
  auto cn = name_entry(subject, NID_commonName);
  if (!cn) return fail(cn.error());
  info.common_name = std::move(*cn);
  auto ou = name_entry(subject, NID_organizationalUnitName);
  if (!ou) return fail(ou.error());
  info.organizational_unit = std::move(*ou);
  auto serial = serial_hex_of(cert->get());
  if (!serial) return fail(serial.error());
  info.serial_hex = std::move(*serial);
  auto fingerprint = fingerprint_of(cert->get());
  if (!fingerprint) return fail(fingerprint.error());
  info.fingerprint = std::move(*fingerprint);
  auto not_before = unix_time(X509_get0_notBefore(cert->get()));
  if (!not_before) return fail(not_before.error());
  info.not_before = *not_before;
  auto not_after = unix_time(X509_get0_notAfter(cert->get()));
  if (!not_after) return fail(not_after.error());
  info.not_after = *not_after;
  info.is_ca = X509_check_ca(cert->get()) == 1;
  return info;
}

Result<bool> key_matches_certificate(std::string_view cert_pem, std::string_view key_pem) {
  const ErrorQueueScope errors;
  auto cert = parse_certificate(cert_pem, core::Message("sync.pki.certificat"));
  if (!cert) return fail(cert.error());
  auto key = parse_private_key(key_pem, core::Message("sync.pki.cle_privee"));
  if (!key) return fail(key.error());
  return X509_check_private_key(cert->get(), key->get()) == 1;
}

Result<std::string> certificate_fingerprint(std::string_view cert_pem) {
  const ErrorQueueScope errors;
  auto cert = parse_certificate(cert_pem, core::Message("sync.pki.certificat"));
  if (!cert) return fail(cert.error());
  return fingerprint_of(cert->get());
}

namespace {

Status verify_against(std::string_view cert_pem, std::string_view ca_pem, unsigned long flags) {
  auto cert = parse_certificate(cert_pem, core::Message("sync.pki.certificat"));
  if (!cert) return cert.error();
  auto ca = parse_certificate(ca_pem, core::Message("sync.pki.certificat_autorite"));
  if (!ca) return ca.error();
  StorePtr store(X509_STORE_new());
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !ctx || X509_STORE_add_cert(store.get(), ca->get()) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), cert->get(), nullptr) != 1) {
    return openssl_internal(core::Message("sync.pki.etape_verification"));
  }
  X509_STORE_CTX_set_flags(ctx.get(), flags);
  if (X509_verify_cert(ctx.get()) == 1) return Status::ok_status();
  const int error = X509_STORE_CTX_get_error(ctx.get());
  drain_openssl_errors();
  return Status::failed_precondition(
      "sync.pki.avec_openssl",
      {{"message", {core::Message(verify_error_key(error))}}, {"detail", X509_verify_cert_error_string(error)}});
}

}  // namespace

Status verify_certificate(std::string_view cert_pem, std::string_view ca_pem) {
  const ErrorQueueScope errors;
  return verify_against(cert_pem, ca_pem, X509_V_FLAG_X509_STRICT);
}

Status verify_certificate_chain(std::string_view cert_pem, std::string_view ca_pem) {
  const ErrorQueueScope errors;
  return verify_against(cert_pem, ca_pem, X509_V_FLAG_X509_STRICT | X509_V_FLAG_NO_CHECK_TIME);
}

Result<std::string> random_bytes(std::size_t n) {
  const ErrorQueueScope errors;
  std::string out(n, '\0');
  constexpr std::size_t kChunk = 1 << 16;
  for (std::size_t done = 0; done < n;) {
    const std::size_t size = std::min(kChunk, n - done);
    if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data() + done), static_cast<int>(size)) !=
        1) {
      return fail(
          openssl_failure(StatusCode::kInternal, core::Message("sync.pki.aleatoire_indisponible")));
    }
    done += size;
  }
  return out;
}

namespace {
constexpr std::string_view kSealedKeyMagic = "carnet-sealed-key 1";
}  // namespace

Status write_private_key_file(const std::string& path, std::string_view pem,
                              const std::optional<storage::DataKey>& seal) {
  const ErrorQueueScope errors;
  auto key = parse_private_key(pem, core::Message("sync.pki.cle_privee"));
  if (!key) return key.error().with_context("sync.pki.refus_ecriture", {{"chemin", path}});
  std::string content(pem);
  if (seal) {
    auto sealed = storage::seal_message(*seal, pem, kSealedKeyMagic);
    if (!sealed) return sealed.error();
    content = std::string(kSealedKeyMagic) + "\n" +
              storage::to_hex(*sealed) + "\n";
  }
  return storage::create_secret_file(path, content);
}

Result<std::string> read_private_key_file(const std::string& path, const std::optional<storage::DataKey>& seal) {
  const ErrorQueueScope errors;
  const storage::FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    const int error = errno;
    if (error == ENOENT) return fail(Status::not_found("sync.pki.cle_introuvable", {{"chemin", path}}));
    return fail(
        Status::io_error("sync.pki.lecture_impossible", {{"chemin", path}, {"detail", errno_text(error)}}));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return fail(
        Status::io_error("sync.pki.lecture_impossible", {{"chemin", path}, {"detail", errno_text(errno)}}));
  }
  if (!S_ISREG(st.st_mode)) {
    return fail(
        Status::failed_precondition("sync.pki.cle_pas_fichier", {{"chemin", path}}));
  }
  if ((st.st_mode & 077) != 0) {
    return fail(Status::failed_precondition("sync.pki.cle_accessible",
                                            {{"chemin", path}, {"mode", octal_mode(st.st_mode)}}));
  }
  std::string pem;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(
          Status::io_error("sync.pki.lecture_impossible", {{"chemin", path}, {"detail", errno_text(errno)}}));
    }
    if (n == 0) break;
    pem.append(buf, static_cast<std::size_t>(n));
    if (pem.size() > kMaxKeyFileBytes) {
      return fail(Status::invalid_argument("sync.pki.cle_trop_grande", {{"chemin", path}, {"max", kMaxKeyFileBytes}}));
    }
  }
  if (pem.starts_with(kSealedKeyMagic)) {
    if (!seal) return fail(Status::failed_precondition("sync.pki.cle_chiffree", {{"chemin", path}}));
    std::string_view body = std::string_view(pem).substr(kSealedKeyMagic.size());
    while (!body.empty() && (body.front() == '\n' || body.back() == '\n')) {
      body = body.front() == '\n' ? body.substr(1) : body.substr(0, body.size() - 1);
    }
    auto sealed = storage::from_hex(body);
    auto opened = sealed ? storage::open_message(*seal, *sealed, kSealedKeyMagic) : std::nullopt;
    OPENSSL_cleanse(pem.data(), pem.size());
    if (!opened) return fail(Status::corruption("sync.pki.cle_alteree", {{"chemin", path}}));
    pem = std::move(*opened);
  }
  auto key = parse_private_key(pem, core::Message("sync.pki.cle_privee_chemin", {{"chemin", path}}));
  if (!key) return fail(key.error());
  return pem;
}

}  // namespace carnet::sync
