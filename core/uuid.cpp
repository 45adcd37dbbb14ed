#include "core/uuid.hpp"

#include <openssl/rand.h>

#include <cstdlib>
#include <cstring>

namespace carnet::core {
namespace {

// Random bits from OpenSSL's generator (a CSPRNG seeded by the kernel), so that the random
// part of an id cannot be predicted from ids seen before. It fails only when the system has
// no entropy at all; an id then cannot be made safely, and the program stops.
std::uint64_t random_bits() {
  unsigned char bytes[8];
  if (RAND_bytes(bytes, sizeof bytes) != 1) std::abort();
  std::uint64_t r = 0;
  std::memcpy(&r, bytes, sizeof r);
  return r;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Uuid Uuid::generate(std::int64_t unix_ms) {
  // RFC 9562 method 1: a 12-bit counter in rand_a, started at a random value below 2048 at
  // each new millisecond and incremented within one, so that ids made by one thread sort in
  // the order they were made. A full counter borrows the next millisecond.
  thread_local std::int64_t last_ms = 0;
  thread_local std::uint32_t counter = 0;
  if (unix_ms > last_ms) {
    last_ms = unix_ms;
    counter = static_cast<std::uint32_t>(random_bits() & 0x7FF);
  } else if (++counter > 0xFFF) {
    ++last_ms;
    counter = static_cast<std::uint32_t>(random_bits() & 0x7FF);
  }
  Uuid u;
  const auto ms = static_cast<std::uint64_t>(last_ms);
  for (int i = 0; i < 6; ++i) u.bytes_[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(ms >> (40 - 8 * i));
  u.bytes_[6] = static_cast<std::uint8_t>(0x70 | (counter >> 8));  // version 7
  u.bytes_[7] = static_cast<std::uint8_t>(counter & 0xFF);
  const std::uint64_t r = random_bits();
  for (std::size_t i = 8; i < 16; ++i) u.bytes_[i] = static_cast<std::uint8_t>(r >> (8 * (i - 8)));
  u.bytes_[8] = static_cast<std::uint8_t>((u.bytes_[8] & 0x3F) | 0x80);  // RFC 4122 variant
  return u;
}

std::optional<Uuid> Uuid::parse(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  Uuid u;
  std::size_t b = 0;
  for (std::size_t i = 0; i < 36;) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    const int hi = hex_value(text[i]);
    const int lo = hex_value(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    u.bytes_[b++] = static_cast<std::uint8_t>(hi * 16 + lo);
    i += 2;
  }
  return u;
}

std::string Uuid::to_string() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    s.push_back(kHex[bytes_[i] >> 4]);
    s.push_back(kHex[bytes_[i] & 0x0F]);
  }
  return s;
}

}  // namespace carnet::core
