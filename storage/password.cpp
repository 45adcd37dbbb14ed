#include "storage/password.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>
#include <charconv>
#include <optional>
#include <vector>

namespace carnet::storage {
namespace {

constexpr std::string_view kScheme = "scrypt";
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t v = 0;
    for (std::size_t j = 0; j < 3; ++j) {
      v = (v << 8) | (j < n ? static_cast<unsigned char>(bytes[i + j]) : 0u);
    }
    for (std::size_t j = 0; j < 4; ++j) {
      out += j <= n ? kAlphabet[(v >> (18 - 6 * j)) & 0x3F] : '=';
    }
  }
  return out;
}

// Strict: padded, canonical (the unused bits of the last character are zero).
std::optional<std::string> unbase64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 4) {
    std::uint32_t v = 0;
    int pad = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      const char c = text[i + j];
      int d = -1;
      if (c == '=' && i + 4 == text.size() && j >= 2) {
        ++pad;
        d = 0;
      } else if (pad == 0) {
        const char* p = std::char_traits<char>::find(kAlphabet, 64, c);
        if (p != nullptr) d = static_cast<int>(p - kAlphabet);
      }
      if (d < 0) return std::nullopt;
      v = (v << 6) | static_cast<std::uint32_t>(d);
    }
    if ((pad == 1 && (v & 0xFF) != 0) || (pad == 2 && (v & 0xFFFF) != 0)) return std::nullopt;
    out += static_cast<char>((v >> 16) & 0xFF);
    if (pad < 2) out += static_cast<char>((v >> 8) & 0xFF);
    if (pad < 1) out += static_cast<char>(v & 0xFF);
  }
  return out;
}

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
  auto salt = unbase64(parts[4]);
  auto hash = unbase64(parts[5]);
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
                    std::to_string(params.r) + "$" + std::to_string(params.p) + "$" + base64(salt) +
                    "$" +
                    base64(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
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
