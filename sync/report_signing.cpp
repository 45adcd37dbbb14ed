#include "sync/report_signing.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>

#include "storage/encoding.hpp"
#include "storage/files.hpp"
#include "sync/openssl_support.hpp"

namespace carnet::sync {
namespace {

using core::fail;
using core::SignatureState;
using core::SignatureVerdict;

using openssl::ErrorQueueScope;
using openssl::MdCtxPtr;
using openssl::parse_certificate;
using openssl::parse_private_key;
using openssl::PkeyPtr;
using openssl::X509Ptr;

constexpr std::size_t kMaxSignatureB64 = 512;  // a P-256 DER signature is at most 72 bytes

// The key or certificate in `pem`, or null (OpenSSL's reasons dropped: the caller names the
// problem).
PkeyPtr parse_key(std::string_view pem) {
  auto key = parse_private_key(pem, core::Message("sync.pki.cle_privee"));
  return key ? std::move(*key) : PkeyPtr();
}

X509Ptr parse_cert(std::string_view pem) {
  auto cert = parse_certificate(pem, core::Message("sync.pki.certificat"));
  return cert ? std::move(*cert) : X509Ptr();
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
  return storage::to_base64(der);
}

Result<bool> signature_matches(std::string_view cert_pem, std::string_view bytes,
                               std::string_view signature_b64) {
  const ErrorQueueScope errors;
  X509Ptr cert = parse_cert(cert_pem);
  if (!cert) return fail(Status::invalid_argument("sync.report_signing.certificat_illisible"));
  if (signature_b64.empty() || signature_b64.size() > kMaxSignatureB64) return false;
  auto der = storage::from_base64(signature_b64);
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
