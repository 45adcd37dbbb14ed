// scrypt (RFC 7914) through OpenSSL: the one place that calls EVP_PBE_scrypt, for the key
// file's key-encryption key (storage/key_file.hpp) and the office's password hashes
// (storage/password.hpp). Pure functions: thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "core/status.hpp"

namespace carnet::storage {

// scrypt's cost: N = 2^15, r = 8, p = 1 takes 32 MiB and about 0.1 s here.
struct ScryptParams {
  std::uint64_t n = 1u << 15;
  std::uint32_t r = 8;
  std::uint32_t p = 1;
};

// Whether parameters read from a file or a stored hash are ones we accept: N a power of two
// in 2..2^20, r in 1..32, p in 1..16, so that stored data cannot make us spend unbounded
// memory or time.
bool scrypt_params_in_bounds(const ScryptParams& params);

// Fills `out` with scrypt(secret, salt, params). kInvalidArgument (French) when OpenSSL
// refuses the parameters.
core::Status scrypt(std::string_view secret, std::string_view salt, const ScryptParams& params,
                    std::span<std::uint8_t> out);

}  // namespace carnet::storage
