#include "storage/scrypt.hpp"

#include <openssl/evp.h>

namespace carnet::storage {

bool scrypt_params_in_bounds(const ScryptParams& params) {
  return params.n >= 2 && params.n <= (1u << 20) && (params.n & (params.n - 1)) == 0 &&
         params.r >= 1 && params.r <= 32 && params.p >= 1 && params.p <= 16;
}

core::Status scrypt(std::string_view secret, std::string_view salt, const ScryptParams& params,
                    std::span<std::uint8_t> out) {
  // scrypt needs 128·N·r·p bytes; the margin covers OpenSSL's own bookkeeping.
  const std::uint64_t maxmem = 128 * params.n * params.r * params.p + (16u << 20);
  if (EVP_PBE_scrypt(secret.data(), secret.size(),
                     reinterpret_cast<const unsigned char*>(salt.data()), salt.size(), params.n,
                     params.r, params.p, maxmem, out.data(), out.size()) != 1) {
    return core::Status::invalid_argument("stockage.scrypt.parametres_refuses");
  }
  return core::Status::ok_status();
}

}  // namespace carnet::storage
