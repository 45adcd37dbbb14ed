// Signed reports over OpenSSL 3: the tablet signs the canonical bytes of an inspection
// (core/report_signature.hpp) with its device key; any node holding the central CA checks
// the signature, the certificate and who it names.
//
// Signature: ECDSA P-256 over SHA-256 of the canonical bytes, DER, written in standard base64
// (RFC 4648, padded). Thread safe (no shared state); nothing throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/inspection_view.hpp"
#include "core/report_signature.hpp"
#include "storage/capture.hpp"
#include "storage/central/central_db.hpp"
#include "sync/device_credentials.hpp"

namespace carnet::sync {

// Signs `bytes` with the EC private key `key_pem`; the base64 DER signature.
// kInvalidArgument if the key does not parse.
Result<std::string> sign_bytes(std::string_view key_pem, std::string_view bytes);
// Whether `signature_b64` is a signature of `bytes` by the key of `cert_pem`.
// kInvalidArgument if the certificate does not parse; false for a malformed signature.
Result<bool> signature_matches(std::string_view cert_pem, std::string_view bytes,
                               std::string_view signature_b64);

// The signer of the tablet whose credentials are `files` (after `carnet enroll`).
// kFailedPrecondition (French) when the tablet has no device key or certificate (not
// enrolled) or when its certificate has expired at `now_s` (Unix seconds); kIoError.
Result<storage::ReportSigner> device_report_signer(const DeviceFiles& files, std::int64_t now_s);

// Checks the signature of `view` against the central CA `ca_pem`:
//   no signature field                     kUnsigned, or kInvalid "signature_absente" if the
//                                          inspection is marked signed
//   no CA to check against (ca_pem empty)  kUnverifiable
//   certificate not issued by the CA       kInvalid "certificat_inconnu"
//   certificate for another device         kInvalid "appareil_different" (CN ≠ signature_appareil)
//   certificate for another inspector      kInvalid "signataire_different" (OU ≠ signee_par)
//   signed outside its validity period     kInvalid "certificat_hors_validite"
//   pushed by another device               kInvalid "autre_appareil" (when `pushing_device` given)
//   bytes do not match the signature       kInvalid "signature_ne_correspond_pas"
// Otherwise kValid. The certificate is checked without looking at today's date, so a report
// signed before a renewal or an expiry still verifies.
core::SignatureVerdict verify_report_signature(
    const core::InspectionView& view, std::string_view ca_pem,
    std::optional<std::string_view> pushing_device = std::nullopt);

// A verifier for storage::CentralOptions::verify_signature: verify_report_signature with
// `ca_pem`, and the pushing device when the store gives one.
storage::SignatureVerifier central_signature_verifier(std::string ca_pem);

}  // namespace carnet::sync
