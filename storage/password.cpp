#include "storage/password.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>
#include <charconv>
#include <optional>
#include <vector>

#include "storage/encoding.hpp"

namespace carnet::storage {
namespace {

constexpr std::string_view kScheme = "scrypt";
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;

struct Parsed {
  ScryptParams params;
  std::string salt;
  std::string hash;
};

template <class T>
bool decimal(std::string_view text, T& out) {
  if (text.empty() || text.size() > 9 || (text.size() > 1 && text[0] == '0')) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

std::optional<Parsed> parse(std::string_view stored) {
  std::vector<std::string_view> parts;
  while (parts.size() < 7) {
    const auto dollar = stored.find('$');
    parts.push_back(stored.substr(0, dollar));
    if (dollar == std::string_view::npos) break;
    stored.remove_prefix(dollar + 1);
  }
  if (parts.size() != 6 || parts[0] != kScheme) return std::nullopt;
  Parsed p;
  if (!decimal(parts[1], p.params.n) || !decimal(parts[2], p.params.r) ||
      !decimal(parts[3], p.params.p) || !scrypt_params_in_bounds(p.params)) {
    return std::nullopt;
  }
  auto salt = from_base64(parts[4]);
  auto hash = from_base64(parts[5]);
  if (!salt || salt->size() != kSaltBytes || !hash || hash->size() != kHashBytes)
    return std::nullopt;
  p.salt = std::move(*salt);
  p.hash = std::move(*hash);
  return p;
}

bool acceptable_length(std::string_view password) {
  return password.size() >= kMinPasswordBytes && password.size() <= kMaxPasswordBytes;
}

}  // namespace

core::Result<std::string> hash_password(std::string_view password, const ScryptParams& params) {
  if (password.size() < kMinPasswordBytes) {
    return core::fail(core::Status::invalid_argument("stockage.password.trop_court", {{"min", kMinPasswordBytes}}));
  }
  if (password.size() > kMaxPasswordBytes) {
    return core::fail(core::Status::invalid_argument("stockage.password.trop_long", {{"max", kMaxPasswordBytes}}));
  }
  if (!scrypt_params_in_bounds(params))
    return core::fail(core::Status::invalid_argument("stockage.password.scrypt_hors_limites"));
  std::string salt(kSaltBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) !=
      1) {
    return core::fail(core::Status::internal("stockage.aead.alea_indisponible"));
  }
  std::array<std::uint8_t, kHashBytes> key{};
  CARNET_RETURN_IF_ERROR_R(scrypt(password, salt, params, key));
  std::string out = std::string(kScheme) + "$" + std::to_string(params.n) + "$" +
                    std::to_string(params.r) + "$" + std::to_string(params.p) + "$" + to_base64(salt) +
                    "$" +
                    to_base64(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
  OPENSSL_cleanse(key.data(), key.size());
  return out;
}

bool verify_password(std::string_view password, std::string_view stored) {
  const auto parsed = parse(stored);
  if (!parsed || !acceptable_length(password)) return false;
  std::array<std::uint8_t, kHashBytes> key{};
  if (!scrypt(password, parsed->salt, parsed->params, key).ok()) return false;
  const bool same = CRYPTO_memcmp(key.data(), parsed->hash.data(), kHashBytes) == 0;
  OPENSSL_cleanse(key.data(), key.size());
  return same;
}

bool password_hash_well_formed(std::string_view stored) { return parse(stored).has_value(); }

}  // namespace carnet::storage
