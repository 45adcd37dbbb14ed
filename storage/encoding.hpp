// Hex and base64: the text forms of bytes, over OpenSSL's encoders. Each decoder checks its
// whole input and returns nullopt for anything its encoder would not have written; none reads
// past its input or stops at a NUL byte.
//
// Thread safety: plain functions without state; any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace carnet::storage {

// Lower-case hex, two digits a byte, no separator: "00ff10".
std::string to_hex(std::string_view bytes);
// The bytes written as `hex` by to_hex: nullopt for an odd length or any character but
// 0-9 and a-f (upper case included).
std::optional<std::string> from_hex(std::string_view hex);

// Upper-case hex pairs joined by ':', as certificate fingerprints are shown: "7A:75:51".
std::string to_hex_pairs(std::string_view bytes);

// Standard base64 with padding (RFC 4648 §4): "QUI=".
std::string to_base64(std::string_view bytes);
// The bytes written as `text` by to_base64: nullopt unless the length is a multiple of 4,
// every character is of the alphabet, "=" appears only as the last one or two, and the bits
// that the padding leaves unused are zero (so that one byte string has one text form).
std::optional<std::string> from_base64(std::string_view text);

// base64url without padding (RFC 4648 §5): for tokens in URLs and cookies.
std::string to_base64url(std::string_view bytes);

}  // namespace carnet::storage
