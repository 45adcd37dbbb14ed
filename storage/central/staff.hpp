// Staff: the office web app's accounts (tools/central/office_auth.hpp) and their sessions, and
// refused logins. Each mutation is one transaction with its audit entry; entries hold user
// names and reason codes, never a password, a hash or a token.
//
// Thread safety: stateless; every call runs under the CentralDb's lock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/central/audit_log.hpp"

namespace carnet::storage {

// A staff account of the office web app. `role` is "office" (dossiers, inspections,
// conflicts, quarantine, audit) or "admin" (all that, and staff accounts and devices).
struct StaffUser {
  std::string name;
  std::string role;
  std::string password_hash;  // storage/password.hpp
  std::int64_t created_ms = 0;
  std::optional<std::int64_t> disabled_ms;
  bool disabled() const { return disabled_ms.has_value(); }
};

inline constexpr std::string_view kStaffRoleAdmin = "admin";
inline constexpr std::string_view kStaffRoleOffice = "office";

// A signed-in staff user's web session. The store keeps the SHA-256 of the token (the cookie
// holds the token), so that a copy of the database does not sign anyone in.
struct StaffSession {
  std::string token_sha256;  // lower-case hex
  std::string user;
  std::string role;        // the user's, read with the session
  std::string csrf_token;  // every state-changing request must carry it
  std::int64_t created_ms = 0;
  std::int64_t expires_ms = 0;    // created + the absolute limit
  std::int64_t last_seen_ms = 0;  // the idle limit runs from here
};

class Staff {
 public:
  Staff(CentralDb& db, AuditLog& audit) : db_(db), audit_(audit) {}

  // Adds an account. kInvalidArgument (French) for a name that is not 1..64 of letters,
  // digits and . _ - @, a role other than admin|office, or a hash that is not well formed;
  // kAlreadyExists for a name taken.
  Status add_user(const StaffUser& user);
  Result<std::optional<StaffUser>> user(std::string_view name);
  Result<std::vector<StaffUser>> users();  // by name
  // Disables an account (kept, refused at login) and ends its sessions; disabling twice
  // keeps the first date. kNotFound for an unknown name.
  Status disable_user(std::string_view name);
  // Removes an account and its sessions. kNotFound for an unknown name.
  Status remove_user(std::string_view name);

  // Records a login: a new session for an enabled user (audited as a login). `session`
  // gives the token's hash, the user, the CSRF token and created_ms; the store sets
  // expires_ms and last_seen_ms. kNotFound for an unknown user; kFailedPrecondition for a
  // disabled one.
  Status create_session(const StaffSession& session);
  // Records a refused login. `name` is audited only if it is an account's (what was typed
  // in the name field may be a password); `reason` is a code (mot_de_passe, compte_desactive,
  // …; utilisateur_inconnu is recorded for an unknown name whatever `reason` says).
  Status record_login_failure(std::string_view name, std::string_view reason);
  // The session with this token hash at `now_ms`, seen now (its idle limit starts again), or
  // nullopt when there is none, it has expired (idle or absolute; then it is removed) or its
  // user is disabled.
  Result<std::optional<StaffSession>> session(std::string_view token_sha256, std::int64_t now_ms);
  // Logout: removes the session (audited); nothing for an unknown one.
  Status delete_session(std::string_view token_sha256);
  // Ends every session of a user (audited with the count, when there were any); returns the
  // count.
  Result<std::size_t> delete_sessions(std::string_view name);

 private:
  CentralDb& db_;
  AuditLog& audit_;
};

}  // namespace carnet::storage
