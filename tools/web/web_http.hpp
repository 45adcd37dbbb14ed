// What both web apps (the tablet's local app, the office app) share at the HTTP level: JSON
// answers and French error answers, the security headers every answer carries, assets, and
// parsing of targets, queries, forms and cookies. Pure functions; thread safe.
//
// Error answers: {"erreur": {"code": "invalid_argument", "message": "…en français…",
// "cle": KEY, "params": {…}, "contexte": [{"cle": …, "params": …}, …]}} with the HTTP status
// of the Status code (http_status_of). The pages show t(cle, params) from the catalogue, in
// the reader's language; "message" is the French text, for scripts and logs.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "core/status.hpp"
#include "sync/http.hpp"
#include "tools/web/assets.hpp"

namespace carnet::web {

using core::Json;
using core::Result;
using core::Status;
using sync::HttpRequest;
using sync::HttpResponse;

// The HTTP status for a failed Status: 400 invalid argument / out of range, 403 permission
// denied, 404 not found, 409 failed precondition / already exists / busy, 413 for
// kResourceExhausted, 503 I/O error, 500 otherwise.
int http_status_of(const Status& s);

HttpResponse json_response(const Json& body, int status = 200);
HttpResponse error_response(const Status& s);
HttpResponse error_response(int http_status, std::string_view code, const core::Message& message);
// The "erreur" object of an error answer (also used for the tablet's last sync error).
Json status_json(const Status& s);
// A text/html answer (a server-rendered page such as the report).
HttpResponse html_response(std::string html, int status = 200);
// The asset, or 404; `Cache-Control: no-cache` (the browser revalidates; assets change
// with the binary).
HttpResponse asset_response(const Asset* asset);

// The headers every answer of the web apps carries: a Content-Security-Policy that allows
// only the app's own scripts, styles, images and API (`extra_style_hashes`: 'sha256-…'
// sources for inline styles the app shows, such as the report's), no framing by another
// origin, no sniffing, no referrer, no caching of API answers (`api`), same-origin
// isolation. Headers already set are replaced.
void add_security_headers(HttpResponse& response, bool api, std::string_view extra_style_hashes = {});

// The CSP source ('sha256-…') of an inline <style> or <script> text.
std::string csp_hash(std::string_view text);

// "/api/inspections/42?x=1" → path segments {"api","inspections","42"} (percent-decoded) and
// the query. nullopt for a target that is not an absolute path, has "." or ".." segments, or
// bad percent escapes.
struct Target {
  std::vector<std::string> segments;
  std::map<std::string, std::string> query;
  const std::string* param(std::string_view name) const;
};
std::optional<Target> parse_target(std::string_view target);

// application/x-www-form-urlencoded → fields (later duplicates win); nullopt if malformed.
std::optional<std::map<std::string, std::string>> parse_form(std::string_view body);
// The value of cookie `name` in the request's Cookie header, if any.
std::optional<std::string> cookie(const HttpRequest& request, std::string_view name);
// The request's JSON body (an object). kInvalidArgument (French) when it is not JSON or
// not an object, or the content type is not application/json.
Result<Json> json_body(const HttpRequest& request);

// Equal strings, in time that depends only on their lengths.
bool constant_time_equal(std::string_view a, std::string_view b);
// `n` random bytes from OpenSSL, as unpadded base64url (for tokens in URLs and cookies).
std::string random_token(std::size_t n = 32);

}  // namespace carnet::web
