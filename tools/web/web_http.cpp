#include "tools/web/web_http.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>

#include "core/message_json.hpp"
#include "storage/encoding.hpp"
#include "storage/sha256.hpp"
#include "sync/url_encoding.hpp"

namespace carnet::web {
namespace {

void set_header(HttpResponse& r, std::string_view name, std::string value) {
  for (auto& [n, v] : r.headers) {
    if (n == name) {
      v = std::move(value);
      return;
    }
  }
  r.headers.emplace_back(std::string(name), std::move(value));
}

std::optional<std::map<std::string, std::string>> parse_pairs(std::string_view text) {
  std::map<std::string, std::string> out;
  while (!text.empty()) {
    const std::size_t amp = text.find('&');
    const std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    auto name = sync::percent_decode(pair.substr(0, eq), true);
    auto value = sync::percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!name || !value) return std::nullopt;
    out[*name] = std::move(*value);
  }
  return out;
}


}  // namespace

int http_status_of(const Status& s) {
  switch (s.code()) {
    case core::StatusCode::kOk: return 200;
    case core::StatusCode::kInvalidArgument:
    case core::StatusCode::kOutOfRange: return 400;
    case core::StatusCode::kPermissionDenied: return 403;
    case core::StatusCode::kNotFound: return 404;
    case core::StatusCode::kFailedPrecondition:
    case core::StatusCode::kAlreadyExists:
    case core::StatusCode::kBusy: return 409;
    case core::StatusCode::kIoError: return 503;
    case core::StatusCode::kCorruption:
    case core::StatusCode::kInternal: return 500;
  }
  return 500;
}

HttpResponse json_response(const Json& body, int status) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json; charset=utf-8";
  r.body = body.dump();
  add_security_headers(r, true);
  return r;
}

namespace {

Json error_json(std::string_view code, std::string message, std::span<const core::Message> parts) {
  Json e = Json::object().set("code", code).set("message", std::move(message));
  if (parts.empty()) return e;
  const Json main = core::message_json(parts.back());
  e.set("cle", *main.find("cle")).set("params", *main.find("params"));
  Json context = Json::array();
  for (const core::Message& c : parts.first(parts.size() - 1)) context.push(core::message_json(c));
  e.set("contexte", std::move(context));
  return e;
}

}  // namespace

Json status_json(const Status& s) {
  return error_json(core::status_code_name(s.code()), s.message(), s.parts());
}

HttpResponse error_response(int http_status, std::string_view code, const core::Message& message) {
  return json_response(Json::object().set("erreur", error_json(code, message.render(), std::span(&message, 1))), http_status);
}

HttpResponse error_response(const Status& s) {
  return json_response(Json::object().set("erreur", status_json(s)), http_status_of(s));
}

HttpResponse html_response(std::string html, int status) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(html);
  add_security_headers(r, true);
  return r;
}

HttpResponse asset_response(const Asset* asset) {
  if (asset == nullptr) return error_response(404, "not_found", core::Message("commun.erreur.page_introuvable"));
  HttpResponse r;
  r.content_type = std::string(asset->content_type);
  r.body = std::string(asset->data);
  add_security_headers(r, false);
  set_header(r, "Cache-Control", "no-cache");
  return r;
}

void add_security_headers(HttpResponse& r, bool api, std::string_view extra_style_hashes) {
  std::string styles = "'self'";
  if (!extra_style_hashes.empty()) styles += " " + std::string(extra_style_hashes);
  set_header(r, "Content-Security-Policy",
             "default-src 'none'; script-src 'self'; style-src " + styles +
                 "; img-src 'self' data: blob:; connect-src 'self'; manifest-src 'self'; form-action 'self'; "
                 "frame-src 'self'; frame-ancestors 'self'; base-uri 'none'");
  set_header(r, "X-Content-Type-Options", "nosniff");
  set_header(r, "X-Frame-Options", "SAMEORIGIN");
  set_header(r, "Referrer-Policy", "no-referrer");
  set_header(r, "Cross-Origin-Opener-Policy", "same-origin");
  set_header(r, "Cross-Origin-Resource-Policy", "same-origin");
  set_header(r, "Permissions-Policy", "geolocation=(), microphone=(), camera=(self)");
  if (api) set_header(r, "Cache-Control", "no-store");
}

std::string csp_hash(std::string_view text) {
  const storage::Sha256Digest digest = storage::sha256(text);
  return "'sha256-" + storage::to_base64(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size())) +
         "'";
}

const std::string* Target::param(std::string_view name) const {
  auto it = query.find(std::string(name));
  return it == query.end() ? nullptr : &it->second;
}

std::optional<Target> parse_target(std::string_view target) {
  if (target.empty() || target.front() != '/') return std::nullopt;
  Target out;
  const std::size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  if (q != std::string_view::npos) {
    auto query = parse_pairs(target.substr(q + 1));
    if (!query) return std::nullopt;
    out.query = std::move(*query);
  }
  path.remove_prefix(1);
  while (!path.empty()) {
    const std::size_t slash = path.find('/');
    auto segment = sync::percent_decode(path.substr(0, slash), false);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    if (!segment || *segment == "." || *segment == ".." || segment->find('/') != std::string::npos) return std::nullopt;
    if (!segment->empty()) out.segments.push_back(std::move(*segment));
  }
  return out;
}

std::optional<std::map<std::string, std::string>> parse_form(std::string_view body) { return parse_pairs(body); }

std::optional<std::string> cookie(const HttpRequest& request, std::string_view name) {
  auto it = request.headers.find("cookie");
  if (it == request.headers.end()) return std::nullopt;
  std::string_view rest = it->second;
  while (!rest.empty()) {
    const std::size_t semi = rest.find_first_of(";,");
    std::string_view pair = rest.substr(0, semi);
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const std::size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
  }
  return std::nullopt;
}

Result<Json> json_body(const HttpRequest& request) {
  auto it = request.headers.find("content-type");
  if (it == request.headers.end() || it->second.rfind("application/json", 0) != 0) {
    return core::fail(Status::invalid_argument("outils.web_http.corps_json"));
  }
  auto json = Json::parse(request.body, 1u << 20);
  if (!json) return core::fail(json.error().with_context("commun.erreur.json_invalide"));
  if (json->kind() != Json::Kind::kObject) return core::fail(Status::invalid_argument("outils.web_http.objet_attendu"));
  return json;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string random_token(std::size_t n) {
  std::vector<unsigned char> bytes(n);
  if (RAND_bytes(bytes.data(), static_cast<int>(n)) != 1) std::abort();  // no entropy: never hand out a guessable token
  return storage::to_base64url(std::string_view(reinterpret_cast<const char*>(bytes.data()), n));
}

}  // namespace carnet::web
