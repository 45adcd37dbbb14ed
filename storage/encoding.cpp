#include "storage/encoding.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdlib>

namespace carnet::storage {
namespace {

// Base64 characters handed to OpenSSL at once (a multiple of 4; OpenSSL counts in int).
constexpr std::size_t kBase64Chunk = std::size_t{1} << 24;

const unsigned char* byte_data(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// OpenSSL's upper-case hex of `bytes`, pairs separated by `separator` ('\0' for none).
std::string openssl_hex(std::string_view bytes, char separator) {
  std::string out(3 * bytes.size() + 1, '\0');
  std::size_t length = 0;  // with the terminating NUL
  // Fails only for a buffer too small, which the size above rules out.
  if (OPENSSL_buf2hexstr_ex(out.data(), out.size(), &length, byte_data(bytes), bytes.size(),
                            separator) != 1) {
    std::abort();
  }
  out.resize(length - 1);
  return out;
}

bool is_lower_hex_digit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// The value of a character of the standard base64 alphabet, or -1.
int base64_digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::string to_hex(std::string_view bytes) {
  std::string out = openssl_hex(bytes, '\0');
  for (char& c : out) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  for (const char c : hex) {
    if (!is_lower_hex_digit(c)) return std::nullopt;
  }
  // OpenSSL reads a NUL-terminated string; the check above leaves no NUL inside.
  const std::string text(hex);
  std::string out(hex.size() / 2, '\0');
  std::size_t length = 0;
  if (OPENSSL_hexstr2buf_ex(reinterpret_cast<unsigned char*>(out.data()), out.size(), &length,
                            text.c_str(), '\0') != 1 ||
      length != out.size()) {
    std::abort();  // input checked above: a failure here is a bug
  }
  return out;
}

std::string to_hex_pairs(std::string_view bytes) { return openssl_hex(bytes, ':'); }

std::string to_base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  std::size_t written = 0;
  // In pieces of whole 3-byte groups, as OpenSSL counts in int.
  for (std::size_t done = 0; done < bytes.size(); done += kBase64Chunk / 4 * 3) {
    const std::string_view piece = bytes.substr(done, kBase64Chunk / 4 * 3);
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data() + written),
                                  byte_data(piece), static_cast<int>(piece.size()));
    written += static_cast<std::size_t>(n);
  }
  out.resize(written);
  return out;
}

std::optional<std::string> from_base64(std::string_view text) {
  // EVP_DecodeBlock alone is lenient (spaces around, "=" anywhere): check the form first.
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  if (text.ends_with("==")) {
    padding = 2;
  } else if (text.ends_with("=")) {
    padding = 1;
  }
  const std::string_view digits = text.substr(0, text.size() - padding);
  for (const char c : digits) {
    if (base64_digit(c) < 0) return std::nullopt;
  }
  // The last digit before the padding carries 4 (one "=") or 2 (two) unused bits.
  if (padding > 0) {
    const int last = base64_digit(digits.back());
    if ((last & (padding == 2 ? 0x0F : 0x03)) != 0) return std::nullopt;
  }
  std::string out(3 * (text.size() / 4), '\0');
  for (std::size_t done = 0; done < text.size(); done += kBase64Chunk) {
    const std::string_view piece = text.substr(done, kBase64Chunk);
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data() + done / 4 * 3),
                                  byte_data(piece), static_cast<int>(piece.size()));
    if (n < 0 || static_cast<std::size_t>(n) != piece.size() / 4 * 3)
      std::abort();  // input checked above
  }
  out.resize(out.size() - padding);  // EVP_DecodeBlock counts the padding as bytes
  return out;
}

std::string to_base64url(std::string_view bytes) {
  std::string out = to_base64(bytes);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

}  // namespace carnet::storage
