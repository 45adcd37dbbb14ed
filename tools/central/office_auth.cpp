#include "tools/central/office_auth.hpp"

#include <openssl/crypto.h>

#include <algorithm>

#include "core/text.hpp"
#include "storage/encoding.hpp"
#include "storage/password.hpp"
#include "storage/sha256.hpp"
#include "sync/pki.hpp"

namespace carnet::central {
namespace {

constexpr std::size_t kTokenBytes = 32;

AuthFailure internal_failure() { return {500, core::Message("outils.office_auth.erreur_interne")}; }

std::string random_hex(std::size_t bytes) {
  auto raw = sync::random_bytes(bytes);
  if (!raw) return {};
  return storage::to_hex(*raw);
}

// A hash of a random password, with the cost of real ones, for names that are not accounts.
std::string make_dummy_hash() {
  std::string password = random_hex(24);
  if (password.empty()) password = "carnet-mot-de-passe-factice";
  auto h = storage::hash_password(password);
  OPENSSL_cleanse(password.data(), password.size());
  return h ? *h : std::string();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && !a.empty() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::int64_t login_wait_ms(const storage::LoginFailures& failures, const OfficeAuthOptions& options) {
  const std::int64_t free =
      failures.name == storage::kAnyName ? options.free_failures_per_address : options.free_failures;
  if (failures.failures < free) return 0;
  const std::int64_t doublings = failures.failures - free;
  if (doublings >= 30) return options.max_wait_ms;
  return std::min(options.first_wait_ms << doublings, options.max_wait_ms);
}

namespace {

// "… dans 45 s" or "… dans 3 min" (rounded up).
core::Message with_wait(core::MessageKey seconds_key, core::MessageKey minutes_key, std::int64_t wait_ms) {
  const std::int64_t seconds = (wait_ms + 999) / 1000;
  if (seconds < 60) return core::Message(seconds_key, {{"secondes", seconds}});
  return core::Message(minutes_key, {{"minutes", (seconds + 59) / 60}});
}

}  // namespace

OfficeAuth::OfficeAuth(storage::Staff& staff, OfficeAuthOptions options)
    : staff_(staff), options_(options), dummy_hash_(make_dummy_hash()) {}

AuthFailure OfficeAuth::refuse_login(std::string_view name, std::string_view address,
                                     std::int64_t now_ms, std::string_view reason) {
  if (!staff_.record_login_failure(name, reason, address, now_ms).ok()) return internal_failure();
  if (reason == "compte_desactive")
    return {403, core::Message("outils.office_auth.compte_desactive")};
  auto counts = staff_.login_failures(name, address, now_ms);
  if (!counts) return internal_failure();
  const auto& [pair, any] = *counts;
  const std::int64_t wait = std::max(login_wait_ms(pair, options_), login_wait_ms(any, options_));
  if (wait > 0) {
    return {401, with_wait("outils.office_auth.incorrects_attente_secondes",
                           "outils.office_auth.incorrects_attente_minutes", wait)};
  }
  const std::int64_t left = std::min(options_.free_failures - pair.failures,
                                     options_.free_failures_per_address - any.failures);
  return {401, left == 1 ? core::Message("outils.office_auth.incorrects_un_essai")
                         : core::Message("outils.office_auth.incorrects_essais", {{"essais", left}})};
}

AuthResult<OfficeLogin> OfficeAuth::login(std::string_view name, std::string_view password,
                                          std::string_view remote_address, std::int64_t now_ms) {
  {
    auto counts = staff_.login_failures(name, remote_address, now_ms);
    if (!counts) return std::unexpected(internal_failure());
    const auto& [pair, any] = *counts;
    const std::int64_t until = std::max(pair.last_ms + login_wait_ms(pair, options_),
                                        any.last_ms + login_wait_ms(any, options_));
    if (until > now_ms) {
      return std::unexpected(AuthFailure{429, with_wait("outils.office_auth.trop_tentatives_secondes",
                                                        "outils.office_auth.trop_tentatives_min", until - now_ms)});
    }
  }
  if (dummy_hash_.empty()) return std::unexpected(internal_failure());
  auto user = name.empty() ? core::Result<std::optional<storage::StaffUser>>(std::nullopt)
                           : staff_.user(name);
  if (!user) return std::unexpected(internal_failure());
  // The same work whether or not the name is an account's.
  const bool right =
      storage::verify_password(password, *user ? (*user)->password_hash : dummy_hash_);
  if (!*user || !right)
    return std::unexpected(refuse_login(name, remote_address, now_ms, "mot_de_passe"));
  if ((*user)->disabled())
    return std::unexpected(refuse_login(name, remote_address, now_ms, "compte_desactive"));

  OfficeLogin out{random_hex(kTokenBytes), random_hex(kTokenBytes), (*user)->name, (*user)->role};
  if (out.token.empty() || out.csrf_token.empty()) return std::unexpected(internal_failure());
  storage::StaffSession session;
  session.token_sha256 = storage::sha256_hex(out.token);
  session.user = out.user;
  session.csrf_token = out.csrf_token;
  session.created_ms = now_ms;
  const core::Status s = staff_.create_session(session);
  if (s.code() == core::StatusCode::kFailedPrecondition ||
      s.code() == core::StatusCode::kNotFound) {
    // Disabled or removed meanwhile.
    return std::unexpected(
        AuthFailure{403, core::Message("outils.office_auth.compte_desactive")});
  }
  if (!s.ok()) return std::unexpected(internal_failure());
  if (!staff_.forget_login_failures(name, remote_address).ok()) return std::unexpected(internal_failure());
  return out;
}

AuthResult<OfficeSession> OfficeAuth::authenticate(const sync::HttpRequest& request,
                                                   std::int64_t now_ms) {
  const AuthFailure sign_in{401, core::Message("outils.office_auth.se_connecter")};
  auto header = request.headers.find("cookie");
  if (header == request.headers.end()) return std::unexpected(sign_in);
  auto token = cookie_value(header->second, kSessionCookieName);
  if (!token || token->size() != 2 * kTokenBytes || !core::is_sha256_hex(*token))
    return std::unexpected(sign_in);
  const std::string token_sha256 = storage::sha256_hex(*token);
  auto session = staff_.session(token_sha256, now_ms);
  if (!session) return std::unexpected(internal_failure());
  if (!*session)
    return std::unexpected(
        AuthFailure{401, core::Message("outils.office_auth.session_expiree")});
  return OfficeSession{(*session)->user, (*session)->role, (*session)->csrf_token, token_sha256};
}

core::Status OfficeAuth::logout(const OfficeSession& session) {
  return staff_.delete_session(session.token_sha256);
}

bool is_state_changing(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

std::optional<AuthFailure> check_csrf(const sync::HttpRequest& request,
                                      const OfficeSession& session,
                                      std::optional<std::string_view> form_token) {
  if (!is_state_changing(request.method)) return std::nullopt;
  std::optional<std::string_view> given = form_token;
  if (auto h = request.headers.find(std::string(kCsrfHeader)); h != request.headers.end())
    given = h->second;
  if (given && same_secret(*given, session.csrf_token)) return std::nullopt;
  return AuthFailure{403, core::Message("outils.office_auth.jeton_invalide")};
}

bool role_allows(std::string_view role, OfficeArea area) {
  switch (area) {
    case OfficeArea::kStaffAccounts:
    case OfficeArea::kDevices:
      return role == storage::kStaffRoleAdmin;
    case OfficeArea::kOffice:
      // Admin is a superset of office.
      return role == storage::kStaffRoleOffice || role == storage::kStaffRoleAdmin;
  }
  return false;
}

std::optional<AuthFailure> check_role(const OfficeSession& session, OfficeArea area) {
  if (role_allows(session.role, area)) return std::nullopt;
  return AuthFailure{403, area == OfficeArea::kOffice
                              ? core::Message("outils.office_auth.reserve_bureau")
                              : core::Message("outils.office_auth.reserve_admin")};
}

std::string session_cookie(std::string_view token) {
  return std::string(kSessionCookieName) + "=" + std::string(token) +
         "; Path=/; Secure; HttpOnly; SameSite=Strict";
}

std::string cleared_session_cookie() {
  return std::string(kSessionCookieName) +
         "=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict";
}

std::optional<std::string> cookie_value(std::string_view cookie_header, std::string_view name) {
  while (!cookie_header.empty()) {
    const auto semi = cookie_header.find(';');
    const std::string_view pair = trim(cookie_header.substr(0, semi));
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && trim(pair.substr(0, eq)) == name) {
      std::string_view value = trim(pair.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.substr(1, value.size() - 2);
      return std::string(value);
    }
    if (semi == std::string_view::npos) break;
    cookie_header.remove_prefix(semi + 1);
  }
  return std::nullopt;
}

}  // namespace carnet::central
