// The signed report: the canonical serialisation of an inspection that its inspector signs,
// the signature's fields, and the result of checking one. Pure domain code: the ECDSA
// signing and the X.509 checks are the sync layer's (sync/report_signing.hpp).
//
// Canonical form, version 1. Every string is length-prefixed, every count and number is a
// 4-byte big-endian unsigned integer, so no field boundary can move:
//
//   report   := str("carnet-report-v1") str(inspection-id) str(dossier-id)
//               str(grid-key) u32(grid-version)
//               u32(n) field{n}            -- the inspection's non-null fields, by key (bytes)
//               u32(n) table{n}            -- every table of the inspection, by key
//               u32(n) finding{n}          -- every norm of the grid, in grid order
//   field    := str(key) str(value)        -- value: core::Value::encode() (numbers canonical)
//   table    := str(table-key) u32(n) row{n}   -- live rows, by row id
//   row      := str(row-id) u32(n) cell{n}     -- one per column, in column order
//   cell     := str(column-key) str(value | "")   -- "" for an empty cell (never an encoding)
//   finding  := str(item) str(norm-id) str(status-name)
//   str(s)   := u32(byte length of s) s
//
// Covered: grid key and version, every answer and computed input, remarks and
// recommendations, conclusions, follow-up, visit and previous-visit dates, the lead and
// accompanying inspectors, the people met, every table row, the findings, when the
// inspection was completed, and who signed and when (`signee_par`, `signee_le`).
// Not covered (kNotSigned below): the status (it becomes "signed" with the signature), the
// holder's answer (written after the signature, on the canvas too), the signature's own
// fields, and the dossier's descriptive fields (name, address: the office's data, which it
// may correct); addenda are separate entities, never part of the report's fields.
//
// Thread safety: pure functions.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "core/inspection_view.hpp"
#include "core/message.hpp"

namespace carnet::core {

inline constexpr std::string_view kCanonicalReportMagic = "carnet-report-v1";

// The inspection fields outside the signature (see above).
inline constexpr std::array<std::string_view, 5> kNotSigned = {
    field::kStatus, field::kHolderAnswer, field::kSignature, field::kSignatureDevice,
    field::kSignatureCertificate};

// The canonical bytes of `view` as described above. Deterministic: the same content gives the
// same bytes whatever the order it was written or read in.
std::string canonical_report(const InspectionView& view);

// What a signed inspection holds about its signature.
struct ReportSignature {
  std::string signer;           // inspector id (signee_par)
  std::string signed_at;        // ISO 8601 UTC (signee_le)
  std::string device;           // device id (signature_appareil)
  std::string certificate_pem;  // the signing device's certificate (signature_certificat)
  std::string signature;        // base64 of the DER ECDSA P-256 / SHA-256 signature
};

// The signature fields of `view`, or nullopt when it has no signature value.
std::optional<ReportSignature> report_signature(const InspectionView& view);

enum class SignatureState {
  kUnsigned,      // no signature (the inspection is not signed)
  kValid,         // verified: the certificate is the central CA's, for that device and inspector,
                  // and the signature matches the canonical bytes
  kInvalid,       // checked and refused (reason says why)
  kUnverifiable,  // signed, but this node cannot check it (no CA to check against)
};

// "unsigned", "valid", "invalid", "unverifiable" (stable, used in JSON and the audit log).
std::string_view signature_state_name(SignatureState s);
// "non signé", "signature vérifiée", "signature invalide", "signature non vérifiable".
std::string_view signature_state_label(SignatureState s);

struct SignatureVerdict {
  SignatureState state = SignatureState::kUnverifiable;
  std::string code;     // short reason code for logs and audit ("" when valid)
  std::optional<Message> message;  // for people (never a value of the report)
  bool valid() const { return state == SignatureState::kValid; }
};

}  // namespace carnet::core
