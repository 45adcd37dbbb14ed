// Small text helpers shared by the layers: trimming, ASCII case folding, UTF-8 validation.
#pragma once

#include <string>
#include <string_view>

namespace carnet::core {

// `s` without leading and trailing ASCII whitespace.
std::string trim(std::string_view s);
// ASCII letters lowered; other bytes (UTF-8 included) unchanged.
std::string ascii_lower(std::string_view s);
// True when `s` is well-formed UTF-8 with no control character other than tab, LF and CR.
bool valid_utf8_text(std::string_view s);
// True for exactly 64 lower-case hexadecimal digits.
bool is_sha256_hex(std::string_view s);

}  // namespace carnet::core
