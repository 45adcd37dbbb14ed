// PKI for the central node and the tablets, over OpenSSL 3: the central node's own CA, its
// server certificate, device key pairs and certificate requests, and the CA signing them.
//
// Keys are EC P-256; certificates are X.509 v3 in PEM. Every function is thread safe (no
// shared state). Errors are Status values with French messages; nothing throws.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

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

// A new self-signed CA (basicConstraints CA:TRUE, keyCertSign), valid `valid_days`.
Result<Credentials> make_ca(std::string_view common_name, int valid_days);

// A server certificate signed by `ca` for the given DNS names and IP addresses
// (subjectAltName), extendedKeyUsage serverAuth.
Result<Credentials> make_server_certificate(const Credentials& ca, std::string_view common_name,
                                            const std::vector<std::string>& dns_names,
                                            const std::vector<std::string>& ip_addresses, int valid_days);

// A new device key pair and a certificate signing request for it (PEM).
struct CertificateRequest {
  std::string csr_pem;
  std::string key_pem;
};
Result<CertificateRequest> make_certificate_request(std::string_view common_name);

// Signs a request with `ca`. The subject is set by the CA, not taken from the request:
// CN = `common_name` (the device id), OU = `organizational_unit` (the inspector id).
// extendedKeyUsage clientAuth; a random 128-bit serial. kInvalidArgument if the request does
// not parse or its signature does not verify.
Result<std::string> sign_certificate_request(const Credentials& ca, std::string_view csr_pem,
                                             std::string_view common_name, std::string_view organizational_unit,
                                             int valid_days);

// Parses a PEM certificate.
Result<CertificateInfo> inspect_certificate(std::string_view cert_pem);

// SHA-256 of a PEM certificate's DER encoding, "AB:CD:…".
Result<std::string> certificate_fingerprint(std::string_view cert_pem);

// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

// `n` cryptographically random bytes (OpenSSL RAND_bytes).
Result<std::string> random_bytes(std::size_t n);

// Writes a private key file with mode 0600 (atomically). Reading refuses a key file that is
// readable or writable by group or others (kFailedPrecondition, naming the file and mode).
Status write_private_key_file(const std::string& path, std::string_view pem);
Result<std::string> read_private_key_file(const std::string& path);

}  // namespace carnet::sync
