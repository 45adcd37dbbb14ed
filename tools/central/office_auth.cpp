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

// What the failure counters are keyed by: a name or an address, cut so that a huge one
// costs no memory (a real one is far shorter).
std::string_view counter_key(std::string_view s) { return s.substr(0, 128); }

bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && !a.empty() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

OfficeAuth::OfficeAuth(storage::Staff& staff, OfficeAuthOptions options)
    : staff_(staff), options_(options), dummy_hash_(make_dummy_hash()) {}

std::int64_t OfficeAuth::pause_ms(std::map<std::string, Failures, std::less<>>& counters,
                                  std::string_view key, std::int64_t now_ms) {
  auto it = counters.find(key);
  if (it == counters.end()) return 0;
  auto& times = it->second.times;
  while (!times.empty() && times.front() + options_.failure_window_ms <= now_ms) times.pop_front();
  if (times.empty()) {
    counters.erase(it);
    return 0;
  }
  if (static_cast<int>(times.size()) < options_.max_failures) return 0;
  // Paused until the failure that completed the count leaves the window.
  const std::int64_t until = times[times.size() - static_cast<std::size_t>(options_.max_failures)] +
                             options_.failure_window_ms;
  return std::max<std::int64_t>(until - now_ms, 1);
}

void OfficeAuth::note_failure(std::string_view name, std::string_view address,
                              std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  for (auto* counters : {&by_address_, &by_name_}) {
    const std::string_view key = counter_key(counters == &by_address_ ? address : name);
    if (counters->size() >= options_.max_tracked && !counters->contains(key)) {
      // Forget what left the window; if that is not enough, the entry whose last failure
      // is oldest.
      std::erase_if(*counters, [&](const auto& kv) {
        return kv.second.times.empty() ||
               kv.second.times.back() + options_.failure_window_ms <= now_ms;
      });
      if (counters->size() >= options_.max_tracked) {
        auto oldest =
            std::min_element(counters->begin(), counters->end(), [](const auto& a, const auto& b) {
              return a.second.times.back() < b.second.times.back();
            });
        counters->erase(oldest);
      }
    }
    auto& times = (*counters)[std::string(key)].times;
    times.push_back(now_ms);
    while (times.size() > static_cast<std::size_t>(options_.max_failures)) times.pop_front();
  }
}

AuthFailure OfficeAuth::refuse_login(std::string_view name, std::string_view address,
                                     std::int64_t now_ms, std::string_view reason) {
  note_failure(name, address, now_ms);
  if (!staff_.record_login_failure(name, reason).ok()) return internal_failure();
  if (reason == "compte_desactive")
    return {403, core::Message("outils.office_auth.compte_desactive")};
  return {401, core::Message("outils.office_auth.identifiants_incorrects")};
}

AuthResult<OfficeLogin> OfficeAuth::login(std::string_view name, std::string_view password,
                                          std::string_view remote_address, std::int64_t now_ms) {
  {
    std::lock_guard lock(mu_);
    const std::int64_t wait = std::max(pause_ms(by_address_, counter_key(remote_address), now_ms),
                                       pause_ms(by_name_, counter_key(name), now_ms));
    if (wait > 0) {
      const std::int64_t minutes = (wait + 59999) / 60000;
      return std::unexpected(AuthFailure{
          429, minutes > 1 ? core::Message("outils.office_auth.trop_tentatives_minutes", {{"minutes", minutes}})
                           : core::Message("outils.office_auth.trop_tentatives_minute")});
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
  {
    std::lock_guard lock(mu_);
    by_name_.erase(out.user);
  }
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
