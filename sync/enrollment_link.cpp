#include "sync/enrollment_link.hpp"

#include "sync/url_encoding.hpp"

namespace carnet::sync {
namespace {

constexpr std::string_view kPrefix = "carnet://enroll?";

}  // namespace

std::string format_enrollment_link(const EnrollmentLink& link) {
  return std::string(kPrefix) + "central=" + percent_encode(link.central_url) + "&code=" + percent_encode(link.code) +
         "&ca=" + percent_encode(link.ca_fingerprint);
}

core::Result<EnrollmentLink> parse_enrollment_link(std::string_view text) {
  const auto bad = [](core::Message why) {
    return core::fail(core::Status::invalid_argument("sync.enrollment_link.invalide", {{"detail", {std::move(why)}}}));
  };
  if (text.size() > 4096) return bad(core::MessageKey("sync.enrollment_link.trop_long"));
  if (!text.starts_with(kPrefix)) return bad(core::MessageKey("sync.enrollment_link.prefixe"));
  std::string_view rest = text.substr(kPrefix.size());
  EnrollmentLink link;
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    const std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      return bad(core::Message("sync.enrollment_link.sans_valeur", {{"nom", pair.substr(0, 40)}}));
    }
    auto value = percent_decode(pair.substr(eq + 1));
    if (!value) return bad(core::MessageKey("sync.enrollment_link.encodage"));
    const std::string_view name = pair.substr(0, eq);
    if (name == "central") link.central_url = std::move(*value);
    else if (name == "code") link.code = std::move(*value);
    else if (name == "ca") link.ca_fingerprint = std::move(*value);
  }
  if (link.central_url.empty()) return bad(core::MessageKey("sync.enrollment_link.central_manque"));
  if (link.code.empty()) return bad(core::MessageKey("sync.enrollment_link.code_manque"));
  if (link.ca_fingerprint.empty()) return bad(core::MessageKey("sync.enrollment_link.ca_manque"));
  return link;
}

}  // namespace carnet::sync
