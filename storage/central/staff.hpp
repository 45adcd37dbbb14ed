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
#include <utility>
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

// Refused office logins from one client address: for one name typed (`name`), or for every
// name (`name` is kAnyName). A name that is no account's is kept as "#" and 16 hex digits of
// a hash keyed by a secret of the store, so that what was typed (perhaps a password) is never
// stored, and an unknown name is counted on its own as an account is (the answers cannot
// tell them apart). A row is forgotten a day after its last failure (kLoginFailureMemoryMs).
struct LoginFailures {
  std::string name;
  std::string address;
  std::int64_t failures = 0;
  std::int64_t last_ms = 0;
};
inline constexpr std::string_view kAnyName = "*";
inline constexpr std::int64_t kLoginFailureMemoryMs = 24 * 60 * 60 * 1000;

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
  // It also counts one failure for (name, address) and for (kAnyName, address) at `now_ms`.
  Status record_login_failure(std::string_view name, std::string_view reason, std::string_view address,
                              std::int64_t now_ms);
  // The failures counted for (name, address) and for (kAnyName, address) as of `now_ms`
  // (zero when forgotten), in that order.
  Result<std::pair<LoginFailures, LoginFailures>> login_failures(std::string_view name, std::string_view address,
                                                                 std::int64_t now_ms);
  // Every row still remembered at `now_ms`, by name then address.
  Result<std::vector<LoginFailures>> all_login_failures(std::int64_t now_ms);
  // A successful login forgets the failures of (name, address).
  Status forget_login_failures(std::string_view name, std::string_view address);
  // An administrator clears the failures of `name` (an account, kAnyName for the
  // address-wide rows, or a "#…" name as listed) from `address`, or from every address;
  // audited. Returns the rows cleared.
  Result<std::size_t> clear_login_failures(std::string_view name, std::optional<std::string_view> address);
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
