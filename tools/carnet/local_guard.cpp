#include "tools/carnet/local_guard.hpp"

#include <algorithm>

namespace carnet::tool {
namespace {

using web::HttpRequest;
using web::HttpResponse;
using web::constant_time_equal;
using web::error_response;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
  return s;
}

const std::string* header(const HttpRequest& r, const char* name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? nullptr : &it->second;
}

}  // namespace

LocalGuard::LocalGuard(std::string listen_host, std::uint16_t port, std::string secret)
    : secret_(std::move(secret)), url_host_("127.0.0.1"), port_(port) {
  std::vector<std::string> names = {"127.0.0.1", "localhost", "[::1]"};
  const bool loopback_or_any =
      listen_host == "127.0.0.1" || listen_host == "localhost" || listen_host == "::1" || listen_host == "0.0.0.0" || listen_host == "::";
  if (!loopback_or_any) {
    url_host_ = listen_host.find(':') != std::string::npos ? "[" + listen_host + "]" : lower(listen_host);
    names.push_back(url_host_);
  }
  const std::string p = ":" + std::to_string(port);
  for (const auto& n : names) {
    hosts_.push_back(n + p);
    origins_.push_back("http://" + n + p);
  }
}

std::optional<HttpResponse> LocalGuard::refuse(const HttpRequest& request, bool api) const {
  const std::string* host = header(request, "host");
  if (host == nullptr || std::find(hosts_.begin(), hosts_.end(), lower(*host)) == hosts_.end()) {
    return error_response(403, "permission_denied", core::Message("outils.local_guard.adresse_refusee"));
  }
  if (const std::string* origin = header(request, "origin")) {
    if (std::find(origins_.begin(), origins_.end(), lower(*origin)) == origins_.end()) {
      return error_response(403, "permission_denied", core::Message("outils.local_guard.autre_page"));
    }
  }
  if (const std::string* site = header(request, "sec-fetch-site")) {
    if (*site != "same-origin" && *site != "none") {
      return error_response(403, "permission_denied", core::Message("outils.local_guard.autre_page"));
    }
  }
  if (request.method == "OPTIONS")
    return error_response(405, "invalid_argument", core::Message("outils.local_guard.methode_refusee"));
  if (!api) return std::nullopt;
  const std::string* auth = header(request, "authorization");
  static constexpr std::string_view kBearer = "Bearer ";
  if (auth == nullptr || auth->size() <= kBearer.size() || auth->compare(0, kBearer.size(), kBearer) != 0 ||
      !constant_time_equal(std::string_view(*auth).substr(kBearer.size()), secret_)) {
    HttpResponse r = error_response(401, "permission_denied", core::Message("outils.local_guard.cle_session"));
    return r;
  }
  return std::nullopt;
}

std::string LocalGuard::launch_url() const {
  return "http://" + url_host_ + ":" + std::to_string(port_) + "/#cle=" + secret_;
}

}  // namespace carnet::tool
