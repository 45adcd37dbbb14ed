// OpenSSL plumbing shared by the sync layer's .cpp files (the PKI, report signing, the TLS
// server): OpenSSL's error queue as Status values, PEM in and out, and what a certificate
// says, with the objects owned as sync/openssl_ptr.hpp says. For .cpp files only: OpenSSL
// types stay out of the public headers.
//
// Thread safety: no shared state; OpenSSL's error queue is per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.hpp"
#include "sync/openssl_ptr.hpp"

namespace carnet::sync::openssl {

using core::Result;
using core::Status;
using core::StatusCode;

// ---- Errors. ----

// Empties this thread's OpenSSL error queue on entry (stale errors of earlier calls are not
// ours to report) and on exit (so that no caller mistakes ours for its own), whichever way
// the public function that holds it returns.
class ErrorQueueScope {
 public:
  ErrorQueueScope();
  ~ErrorQueueScope();
  ErrorQueueScope(const ErrorQueueScope&) = delete;
  ErrorQueueScope& operator=(const ErrorQueueScope&) = delete;
};

// Drains the error queue into one line of OpenSSL's reasons ("" if it was empty).
std::string drain_openssl_errors();
// A Status for a failed OpenSSL call: `what`, then OpenSSL's own reasons.
Status openssl_failure(StatusCode code, core::Message what);
// A failed OpenSSL function, named (kInternal).
Status openssl_internal(std::string_view function);
// A failed step, described by `step` ("la génération d'une clé EC P-256") (kInternal).
Status openssl_internal(core::Message step);

// ---- PEM in and out. ----

// At most this many bytes of PEM are read.
inline constexpr std::size_t kMaxPemBytes = 1 << 20;

// A read-only memory BIO over `pem` (which must outlive it). kInvalidArgument, naming `what`,
// if `pem` is empty or over kMaxPemBytes.
Result<BioPtr> read_bio(std::string_view pem, const core::Message& what);
Result<BioPtr> write_bio();
std::string bio_contents(BIO* bio);

// kInvalidArgument, naming `what`, if `pem` does not parse. An encrypted private key does not
// parse: nothing ever asks for a passphrase.
Result<X509Ptr> parse_certificate(std::string_view pem, const core::Message& what);
Result<PkeyPtr> parse_private_key(std::string_view pem, const core::Message& what);
Result<std::string> certificate_pem(X509* cert);
Result<std::string> private_key_pem(EVP_PKEY* key);

// ---- What a certificate says. ----

// SHA-256 of the DER encoding, upper-case hex pairs "AB:CD:…".
Result<std::string> fingerprint_of(const X509* cert);
// The serial number in lower-case hex (BN_bn2hex, lower case).
Result<std::string> serial_hex_of(const X509* cert);
// Unix seconds.
Result<std::int64_t> unix_time(const ASN1_TIME* time);
// The UTF-8 text of the first `nid` entry of `name`, "" if there is none.
Result<std::string> name_entry(const X509_NAME* name, int nid);

}  // namespace carnet::sync::openssl
