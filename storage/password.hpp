// Password hashes for the office's staff accounts: scrypt with a random salt, in a
// self-describing text form so that the cost can be raised later without losing the
// existing hashes.
//
// Stored form (ASCII, PHC-like):
//   hash  := "scrypt$" N "$" r "$" p "$" b64(salt[16]) "$" b64(key[32])
//   N, r, p: decimal, no leading zero; b64: standard base64 with padding (RFC 4648 §4)
//
// Pure functions (they read OpenSSL's random generator): thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/status.hpp"
#include "storage/scrypt.hpp"

namespace carnet::storage {

// The lengths a password may have, in bytes (UTF-8 as typed).
inline constexpr std::size_t kMinPasswordBytes = 12;
inline constexpr std::size_t kMaxPasswordBytes = 1024;

// A new hash of `password` with a fresh salt. kInvalidArgument (French) for a password
// shorter than kMinPasswordBytes or longer than kMaxPasswordBytes; kInternal when the random
// generator fails.
core::Result<std::string> hash_password(std::string_view password, const ScryptParams& params = {});

// Whether `password` matches `stored` (compared in constant time). False for a password of a
// length that hash_password refuses, and for a stored string that is not a well-formed hash
// (see password_hash_well_formed).
bool verify_password(std::string_view password, std::string_view stored);

// Whether `stored` parses as a hash above, with parameters within scrypt_params_in_bounds.
bool password_hash_well_formed(std::string_view stored);

}  // namespace carnet::storage
