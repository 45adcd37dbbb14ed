// LocalGuard: what keeps the tablet's local API (plain HTTP on the loopback interface) out
// of reach of every other web page the tablet's browser opens.
//
//   - DNS rebinding: the Host header must name the address the app listens on
//     (127.0.0.1:PORT, localhost:PORT, [::1]:PORT, or the explicit --listen address).
//   - Cross-site requests (CSRF): an Origin header, when the browser sends one, must be the
//     app's own origin; Sec-Fetch-Site, when sent, must be same-origin or none.
//   - Reading answers: no CORS header is ever sent, so another origin cannot read them, and
//     a preflighted request (OPTIONS) is refused.
//   - The API itself (/api/…) also needs `Authorization: Bearer SECRET`, a secret made at
//     each launch and given to the page in the address's fragment, which a page of another
//     origin cannot know.
// Immutable after construction; thread safe.
#pragma once

#include <string>
#include <vector>

#include "tools/web/web_http.hpp"

namespace carnet::tool {

class LocalGuard {
 public:
  // `listen_host` as given to --listen ("127.0.0.1", "0.0.0.0", "192.168.1.5", ...).
  LocalGuard(std::string listen_host, std::uint16_t port, std::string secret);

  // The answer refusing `request` (403 for a foreign Host, Origin or site, 401 for a
  // missing or wrong secret on /api/, 405 for OPTIONS), or nullopt when it may go on.
  std::optional<web::HttpResponse> refuse(const web::HttpRequest& request, bool api) const;

  const std::string& secret() const { return secret_; }
  // The address to open: http://127.0.0.1:PORT/#cle=SECRET (or the listen address).
  std::string launch_url() const;

 private:
  std::vector<std::string> hosts_;    // accepted Host header values
  std::vector<std::string> origins_;  // accepted Origin header values
  std::string secret_;
  std::string url_host_;
  std::uint16_t port_;
};

}  // namespace carnet::tool
