// Uuid: 128-bit ids for nodes, entities and changes.
//
// New ids are UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, a 12-bit counter,
// then 62 random bits, so ids made on a tablet sort by creation time and index well. Thread safety: a value
// type; generate() may be called from any thread.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace carnet::core {

class Uuid {
 public:
  Uuid() = default;  // the nil uuid
  // A new version-7 uuid stamped with `unix_ms` (or just after the previous one made by this
  // thread, if that is later: ids from one thread strictly increase).
  static Uuid generate(std::int64_t unix_ms);
  // Parses the canonical 36-character form, either case; nullopt otherwise.
  static std::optional<Uuid> parse(std::string_view text);
  static Uuid from_bytes(const std::array<std::uint8_t, 16>& bytes) {
    Uuid u;
    u.bytes_ = bytes;
    return u;
  }

  bool is_nil() const { return *this == Uuid(); }
  const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }
  std::string to_string() const;  // lower-case "xxxxxxxx-xxxx-7xxx-yxxx-xxxxxxxxxxxx"

  friend bool operator==(const Uuid&, const Uuid&) = default;
  friend std::strong_ordering operator<=>(const Uuid&, const Uuid&) = default;

 private:
  std::array<std::uint8_t, 16> bytes_{};
};

}  // namespace carnet::core
