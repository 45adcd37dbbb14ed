// OfficeAuth: signing in to the office web app and authenticating its requests — staff
// accounts and sessions kept by the central store (storage/central/staff.hpp), the session
// cookie, CSRF tokens, login rate limiting and the two roles.
//
// - Login: a wrong name and a wrong password get the same French message and cost the same
//   time (an unknown name is verified against a dummy hash of the same cost). Refused logins
//   are counted in the store per (name, client address) and per address for every name
//   (storage::Staff, shared by every central node). Past `free_failures` for the pair, or
//   `free_failures_per_address` for the address, each refusal makes the next try wait, twice
//   as long as the last (2 s, 4 s, … up to 15 minutes); a try before then is answered 429,
//   even with the right password. The message says how many tries are left before a wait,
//   or how long the wait is. Failures from other addresses never delay the real user: no
//   stranger can lock an account. An administrator lists and clears the counts
//   (`carnet-central user blocks`, `user unblock`).
// - Session: a random 256-bit token in the cookie `carnet_office` (Secure, HttpOnly,
//   SameSite=Strict); the store keeps its SHA-256 and ends it after 30 idle minutes or 8
//   hours. Each session has a random CSRF token that every state-changing request (POST, PUT,
//   PATCH, DELETE) must carry, in the header X-CSRF-Token or a form field.
// - Roles: "office" works on dossiers, inspections, reports, conflicts, quarantine and the
//   audit log; "admin" does all that too, and manages staff accounts and devices
//   (enrollment codes, revocation).
//
// Thread safety: every method may be called from the server's threads at once (the store
// serialises its own access; the failure counters are guarded by a mutex).
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/message.hpp"
#include "storage/central/staff.hpp"
#include "sync/http.hpp"

namespace carnet::central {

inline constexpr std::string_view kSessionCookieName = "carnet_office";
inline constexpr std::string_view kCsrfHeader = "x-csrf-token";  // as HttpRequest names headers
inline constexpr std::string_view kCsrfFormField = "csrf";

// A refusal, as the office app answers it.
struct AuthFailure {
  int http_status = 401;  // 401 sign in, 403 forbidden, 429 too many attempts, 500
  core::Message message;  // for the office staff
};
template <class T>
using AuthResult = std::expected<T, AuthFailure>;

// A successful login: what goes in the cookie and in the app's pages.
struct OfficeLogin {
  std::string token;  // for the cookie only; never logged nor stored
  std::string csrf_token;
  std::string user;
  std::string role;
};

// An authenticated request's session.
struct OfficeSession {
  std::string user;
  std::string role;
  std::string csrf_token;
  std::string token_sha256;
};

// What a request touches, for the role check.
enum class OfficeArea {
  kStaffAccounts,  // admin
  kDevices,        // admin: enrollment codes, revocation
  kOffice,         // office and admin: dossiers, inspections, reports, conflicts, quarantine, audit log
};

struct OfficeAuthOptions {
  int free_failures = 5;               // per (name, address) before the first wait
  int free_failures_per_address = 20;  // per address, every name together
  std::int64_t first_wait_ms = 2000;   // doubled by each further failure
  std::int64_t max_wait_ms = 15 * 60 * 1000;
};

// How long after its last failure a row of refused logins makes the next try wait (0: it
// does not); `per_address` for a kAnyName row.
std::int64_t login_wait_ms(const storage::LoginFailures& failures, const OfficeAuthOptions& options);

class OfficeAuth {
 public:
  // Computes the dummy hash (one scrypt, about 0.1 s). `staff` must outlive this object.
  explicit OfficeAuth(storage::Staff& staff, OfficeAuthOptions options = {});

  // Signs `name` in from `remote_address` at `now_ms`: a new session, audited. Refusals: 401
  // wrong name or password (one message, with the tries left or the wait), 403 disabled
  // account (only with the right password), 429 during a wait, 500 when the store fails.
  // Refused logins are audited and counted, except those answered 429.
  AuthResult<OfficeLogin> login(std::string_view name, std::string_view password,
                                std::string_view remote_address, std::int64_t now_ms);

  // The session of the request's cookie at `now_ms` (its idle limit starts again). 401 when
  // there is no cookie, no such session, it has expired, or its user is disabled or removed.
  AuthResult<OfficeSession> authenticate(const sync::HttpRequest& request, std::int64_t now_ms);

  // Ends the session (audited).
  core::Status logout(const OfficeSession& session);

 private:
  AuthFailure refuse_login(std::string_view name, std::string_view address, std::int64_t now_ms,
                           std::string_view reason);

  storage::Staff& staff_;
  const OfficeAuthOptions options_;
  const std::string dummy_hash_;  // verified for unknown names, so that they take as long
};

// Whether a request with this method changes state (and so must carry the CSRF token).
bool is_state_changing(std::string_view method);

// Refuses (403) a state-changing request whose CSRF token — the X-CSRF-Token header, else
// `form_token` (the form's `csrf` field, when the app parsed one) — is not the session's
// (compared in constant time); nullopt when the request may go on.
std::optional<AuthFailure> check_csrf(const sync::HttpRequest& request,
                                      const OfficeSession& session,
                                      std::optional<std::string_view> form_token = std::nullopt);

// Whether `role` may work in `area`.
bool role_allows(std::string_view role, OfficeArea area);
// Refuses (403, French) a session whose role does not allow `area`.
std::optional<AuthFailure> check_role(const OfficeSession& session, OfficeArea area);

// The Set-Cookie value that carries a session token, and the one that removes it.
std::string session_cookie(std::string_view token);
std::string cleared_session_cookie();

// The value of cookie `name` in a Cookie request header ("a=1; b=2"), the first one if the
// name appears more than once; nullopt when absent.
std::optional<std::string> cookie_value(std::string_view cookie_header, std::string_view name);

}  // namespace carnet::central
