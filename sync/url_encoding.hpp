// Percent-encoding (RFC 3986) for the links and queries that the programs and the web apps
// exchange. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace carnet::sync {

// Every byte outside A-Z a-z 0-9 - . _ ~ as %XX.
std::string percent_encode(std::string_view s);

// %XX escapes decoded (and '+' as a space when `plus_is_space`, for forms and queries);
// nullopt for a bad escape or a NUL byte.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space = false);

}  // namespace carnet::sync
