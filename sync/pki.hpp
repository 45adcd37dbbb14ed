// PKI for the central node and the tablets, over OpenSSL 3: the central node's own CA, its
// server certificate, device key pairs and certificate requests, and the CA signing them.
//
// Keys are EC P-256; certificates are X.509 v3 in PEM, signed with ECDSA-SHA-256, with a
// random positive 16-byte serial (127 random bits), subject and authority key identifiers,
// a notBefore five minutes in the past (clock skew) and a notAfter `valid_days` later (1 to
// 36 500), never later than the issuing CA's own. Private keys are unencrypted PKCS#8 PEM;
// their files are protected by their mode. Every function is thread safe (no shared state)
// and leaves this thread's OpenSSL error queue empty. Errors are Status values with French
// messages; nothing throws.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"
#include "storage/aead.hpp"

namespace carnet::sync {

using core::Result;
using core::Status;

// A certificate and its private key, both PEM.
struct Credentials {
  std::string cert_pem;
  std::string key_pem;
};

struct CertificateInfo {
  std::string common_name;          // subject CN
  std::string organizational_unit;  // subject OU ("" if none)
  std::string serial_hex;           // lower-case hex
  std::string fingerprint;          // SHA-256 of the DER, "AB:CD:…" upper-case hex pairs
  std::int64_t not_before = 0;      // Unix seconds
  std::int64_t not_after = 0;       // Unix seconds
  bool is_ca = false;
};

// A new self-signed CA (basicConstraints critical CA:TRUE pathlen:0, keyUsage keyCertSign
// and cRLSign), valid `valid_days`. kInvalidArgument for an empty or over-long name (1 to 64
// characters, no control characters) or an out-of-range duration.
Result<Credentials> make_ca(std::string_view common_name, int valid_days);

// A server certificate signed by `ca` for the given DNS names and IP addresses
// (subjectAltName), extendedKeyUsage serverAuth. kInvalidArgument if `ca` does not parse, its
// key does not match it or it is not a CA; if there is no name at all, or a DNS name (letters,
// digits, '-', '.', an optional leading "*.") or an IP address (IPv4 or IPv6) is malformed.
// kFailedPrecondition if the CA has expired.
Result<Credentials> make_server_certificate(const Credentials& ca, std::string_view common_name,
                                            const std::vector<std::string>& dns_names,
                                            const std::vector<std::string>& ip_addresses, int valid_days);

// A new device key pair and a certificate signing request for it (PEM), with subject CN =
// `common_name` (informative: the CA sets the subject it signs).
struct CertificateRequest {
  std::string csr_pem;
  std::string key_pem;
};
Result<CertificateRequest> make_certificate_request(std::string_view common_name);

// Signs a request with `ca`. The subject is set by the CA, not taken from the request:
// CN = `common_name` (the device id), OU = `organizational_unit` (the inspector id).
// extendedKeyUsage clientAuth; a random serial. Nothing else of the request is used
// but its public key, which must be EC P-256. kInvalidArgument if the request does not parse,
// its signature does not verify or its key is of another kind, and for a bad `ca` or name as
// above; kFailedPrecondition if the CA has expired.
Result<std::string> sign_certificate_request(const Credentials& ca, std::string_view csr_pem,
                                             std::string_view common_name, std::string_view organizational_unit,
                                             int valid_days);

// A validity period, in Unix seconds.
struct Validity {
  std::int64_t not_before = 0;
  std::int64_t not_after = 0;
};

// As above, valid exactly over `validity` (notAfter still capped by the CA's), which may lie
// in the past: for certificates near or past their expiry in tests. kInvalidArgument unless
// not_before < not_after, and as above.
Result<std::string> sign_certificate_request(const Credentials& ca, std::string_view csr_pem,
                                             std::string_view common_name, std::string_view organizational_unit,
                                             const Validity& validity);

// Whether `key_pem` is the private key of `cert_pem`. kInvalidArgument if either does not
// parse.
Result<bool> key_matches_certificate(std::string_view cert_pem, std::string_view key_pem);

// Parses a PEM certificate. kInvalidArgument if it does not parse. `serial_hex` is written as
// the TLS server writes PeerCertificate::serial_hex (BN_bn2hex, lower case), so they compare.
Result<CertificateInfo> inspect_certificate(std::string_view cert_pem);

// Checks that `cert_pem` chains to `ca_pem` (the only trust anchor) and is valid now, with
// OpenSSL's strict X.509 checks. kInvalidArgument if either does not parse;
// kFailedPrecondition, naming the reason in French, if the certificate is refused (another
// CA, expired, not yet valid, bad signature).
Status verify_certificate(std::string_view cert_pem, std::string_view ca_pem);
// As verify_certificate, without looking at the validity period: for a certificate just
// issued by a node whose clock may differ from this one's.
Status verify_certificate_chain(std::string_view cert_pem, std::string_view ca_pem);

// SHA-256 of a PEM certificate's DER encoding, "AB:CD:…".
Result<std::string> certificate_fingerprint(std::string_view cert_pem);

// `n` cryptographically random bytes (OpenSSL RAND_bytes).
Result<std::string> random_bytes(std::size_t n);

// Creates a private key file: a secret file (storage/files.hpp: mode 0600, durable, written
// whole or not at all), refused with kAlreadyExists when anything is at `path`, a symbolic
// link included (never followed). Reading refuses a key file that is readable or writable by
// group or others (kFailedPrecondition, naming the file and mode).
// Both refuse (kInvalidArgument) content that is not a PEM private key; reading: kNotFound if
// there is no such file, kIoError if it cannot be read.
//
// With `seal` (a tablet's data key), the key is written sealed (storage/aead.hpp), so that a
// tablet taken while off cannot present its certificate without the inspector's secret:
//   sealed-key := "carnet-sealed-key 1" NL hex(ciphertext nonce tag) NL
//                 aad = "carnet-sealed-key 1"
// Reading opens a sealed key with `seal` (kCorruption if it fails: altered, or another data
// key; kFailedPrecondition without one) and still reads a plain PEM key.
Status write_private_key_file(const std::string& path, std::string_view pem,
                              const std::optional<storage::DataKey>& seal = std::nullopt);
Result<std::string> read_private_key_file(const std::string& path,
                                          const std::optional<storage::DataKey>& seal = std::nullopt);

}  // namespace carnet::sync
