#include "sync/report_signing.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>

#include "storage/files.hpp"
#include "sync/openssl_ptr.hpp"

namespace carnet::sync {
namespace {

using core::fail;
using core::SignatureState;
using core::SignatureVerdict;

using openssl::BioPtr;
using openssl::MdCtxPtr;
using openssl::PkeyPtr;
using openssl::X509Ptr;

constexpr std::size_t kMaxSignatureB64 = 512;  // a P-256 DER signature is at most 72 bytes

// Clears this thread's OpenSSL error queue on entry and exit.
struct ErrorQueueScope {
  ErrorQueueScope() { ERR_clear_error(); }
  ~ErrorQueueScope() { ERR_clear_error(); }
  ErrorQueueScope(const ErrorQueueScope&) = delete;
  ErrorQueueScope& operator=(const ErrorQueueScope&) = delete;
};

BioPtr mem_bio(std::string_view pem) {
  if (pem.size() > (1u << 20)) return BioPtr();
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

PkeyPtr parse_key(std::string_view pem) {
  BioPtr bio = mem_bio(pem);
  if (!bio) return PkeyPtr();
  return PkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

X509Ptr parse_cert(std::string_view pem) {
  BioPtr bio = mem_bio(pem);
  if (!bio) return X509Ptr();
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> unbase64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0 || text.size() > kMaxSignatureB64) return std::nullopt;
  std::string out(3 * text.size() / 4, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  std::size_t size = static_cast<std::size_t>(n);
  if (text.ends_with("=="))
    size -= 2;  // EVP_DecodeBlock counts the padding as bytes
  else if (text.ends_with("="))
    size -= 1;
  out.resize(size);
  return out;
}

// "2025-03-10T14:03:07Z" (core::iso_timestamp) as Unix seconds; nullopt if malformed.
std::optional<std::int64_t> parse_timestamp(std::string_view text) {
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != 'Z') {
    return std::nullopt;
  }
  auto num = [&](std::size_t at, std::size_t len) -> int {
    int v = 0;
    for (std::size_t i = at; i < at + len; ++i) {
      if (text[i] < '0' || text[i] > '9') return -1;
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(5, 2) - 1;
  tm.tm_mday = num(8, 2);
  tm.tm_hour = num(11, 2);
  tm.tm_min = num(14, 2);
  tm.tm_sec = num(17, 2);
  if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mday < 1 || tm.tm_hour < 0 || tm.tm_min < 0 ||
      tm.tm_sec < 0) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(timegm(&tm));
}

SignatureVerdict invalid(std::string code, core::Message message) {
  return SignatureVerdict{SignatureState::kInvalid, std::move(code), std::move(message)};
}

}  // namespace

Result<std::string> sign_bytes(std::string_view key_pem, std::string_view bytes) {
  const ErrorQueueScope errors;
  PkeyPtr key = parse_key(key_pem);
  if (!key) return fail(Status::invalid_argument("sync.report_signing.cle_illisible"));
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::size_t size = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &size,
                     reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()) != 1) {
    return fail(Status::internal("sync.report_signing.echec_signature"));
  }
  std::string der(size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &size,
                     reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()) != 1) {
    return fail(Status::internal("sync.report_signing.echec_signature"));
  }
  der.resize(size);
  return base64(der);
}

Result<bool> signature_matches(std::string_view cert_pem, std::string_view bytes,
                               std::string_view signature_b64) {
  const ErrorQueueScope errors;
  X509Ptr cert = parse_cert(cert_pem);
  if (!cert) return fail(Status::invalid_argument("sync.report_signing.certificat_illisible"));
  auto der = unbase64(signature_b64);
  if (!der) return false;
  EVP_PKEY* key = X509_get0_pubkey(cert.get());  // owned by the certificate
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!key || !ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1) {
    return fail(Status::internal("sync.report_signing.echec_preparation"));
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(der->data()),
                          der->size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                          bytes.size()) == 1;
}

Result<storage::ReportSigner> device_report_signer(const DeviceFiles& files, std::int64_t now_s) {
  CARNET_RETURN_IF_ERROR_R(recover_device_credentials(files));
  auto cert = storage::read_file(files.certificate, 1 << 20);
  if (!cert) {
    if (cert.error().code() == core::StatusCode::kNotFound) {
      return fail(Status::failed_precondition("sync.report_signing.non_inscrite"));
    }
    return fail(cert.error());
  }
  auto key = read_private_key_file(files.key, files.seal);
  if (!key) {
    if (key.error().code() == core::StatusCode::kNotFound) {
      return fail(Status::failed_precondition("sync.report_signing.cle_introuvable"));
    }
    return fail(key.error());
  }
  auto info = inspect_certificate(*cert);
  if (!info) return fail(info.error());
  if (now_s > info->not_after) {
    return fail(
        Status::failed_precondition("sync.report_signing.certificat_expire",
                                    {{"raison", {certificate_expired(info->not_after)}}}));
  }
  storage::ReportSigner signer;
  signer.device_id = info->common_name;
  signer.certificate_pem = *cert;
  signer.sign = [key = std::move(*key)](std::string_view bytes) { return sign_bytes(key, bytes); };
  return signer;
}

core::SignatureVerdict verify_report_signature(const core::InspectionView& view,
                                               std::string_view ca_pem,
                                               std::optional<std::string_view> pushing_device) {
  auto sig = core::report_signature(view);
  if (!sig) {
    if (view.status == core::InspectionStatus::kSigned) {
      return invalid("signature_absente",
                     core::Message("sync.report_signing.signature_absente"));
    }
    return {SignatureState::kUnsigned, {}, std::nullopt};
  }
  if (ca_pem.empty()) {
    return {SignatureState::kUnverifiable, "sans_autorite",
            core::Message("sync.report_signing.sans_autorite")};
  }
  if (!verify_certificate_chain(sig->certificate_pem, ca_pem).ok()) {
    return invalid("certificat_inconnu",
                   core::Message("sync.report_signing.certificat_inconnu"));
  }
  auto info = inspect_certificate(sig->certificate_pem);
  if (!info) return invalid("certificat_inconnu", core::Message("sync.report_signing.certificat_signature_illisible"));
  if (info->common_name != sig->device) {
    return invalid("appareil_different",
                   core::Message("sync.report_signing.appareil_different"));
  }
  if (info->organizational_unit != sig->signer) {
    return invalid("signataire_different",
                   core::Message("sync.report_signing.signataire_different"));
  }
  const auto at = parse_timestamp(sig->signed_at);
  if (!at || *at < info->not_before || *at > info->not_after) {
    return invalid("certificat_hors_validite",
                   core::Message("sync.report_signing.certificat_hors_validite"));
  }
  if (pushing_device && *pushing_device != sig->device) {
    return invalid("autre_appareil",
                   core::Message("sync.report_signing.autre_appareil"));
  }
  auto matches =
      signature_matches(sig->certificate_pem, core::canonical_report(view), sig->signature);
  if (!matches || !*matches) {
    return invalid("signature_ne_correspond_pas",
                   core::Message("sync.report_signing.signature_ne_correspond_pas"));
  }
  return {SignatureState::kValid, {}, std::nullopt};
}

storage::SignatureVerifier central_signature_verifier(std::string ca_pem) {
  return [ca = std::move(ca_pem)](const core::InspectionView& view,
                                  std::string_view pushing_device) {
    return verify_report_signature(
        view, ca,
        pushing_device.empty() ? std::nullopt : std::optional<std::string_view>(pushing_device));
  };
}

}  // namespace carnet::sync
