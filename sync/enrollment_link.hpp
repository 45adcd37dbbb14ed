// The enrollment link: what the office app shows as a QR code and `carnet enroll --link` takes,
// so that an inspector scans or pastes one text instead of typing three.
//
//   link := "carnet://enroll?" "central=" pct(URL) "&code=" pct(CODE) "&ca=" pct(FINGERPRINT)
//
// where pct() percent-encodes every byte outside A-Z a-z 0-9 - . _ ~. Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "core/status.hpp"

namespace carnet::sync {

struct EnrollmentLink {
  std::string central_url;     // "https://central.example:8443"
  std::string code;            // the one-time code
  std::string ca_fingerprint;  // SHA-256 of the central CA, "AB:CD:…"
};

std::string format_enrollment_link(const EnrollmentLink& link);

// kInvalidArgument (French) for text that is not such a link, or lacks one of the three.
core::Result<EnrollmentLink> parse_enrollment_link(std::string_view text);

}  // namespace carnet::sync
