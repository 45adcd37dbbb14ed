#include "storage/central/staff.hpp"

#include "core/text.hpp"
#include "storage/central/statements.hpp"
#include "storage/meta_table.hpp"
#include "storage/password.hpp"
#include "storage/sha256.hpp"

namespace carnet::storage {
namespace {

using namespace internal;

bool valid_staff_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 &&
         name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@") == std::string_view::npos;
}

StaffUser staff_user_at(const Statement& s) {
  StaffUser u{s.column_text(0), s.column_text(1), s.column_text(2), s.column_int(3), std::nullopt};
  if (!s.column_is_null(4)) u.disabled_ms = s.column_int(4);
  return u;
}

Result<std::optional<StaffUser>> read_user(Database& db, std::string_view name) {
  auto st = db.prepare("SELECT name, role, password_hash, created_ms, disabled_ms FROM staff_users WHERE name = ?1");
  if (!st) return fail(st.error());
  st->bind(1, name);
  return first_row(*st, staff_user_at);
}

// Removes the sessions of a user; their count.
Result<std::size_t> end_sessions(Transaction& tx, std::string_view name) {
  auto st = tx.db().prepare("DELETE FROM staff_sessions WHERE \"user\" = ?1");
  if (!st) return fail(st.error());
  CARNET_RETURN_IF_ERROR_R(st->bind(1, name).run());
  return static_cast<std::size_t>(tx.db().changes());
}

// Removes one session.
Status end_session(Transaction& tx, std::string_view token_sha256) {
  auto gone = tx.db().prepare("DELETE FROM staff_sessions WHERE token_sha256 = ?1");
  if (!gone) return gone.error();
  return gone->bind(1, token_sha256).run();
}

}  // namespace

Status Staff::add_user(const StaffUser& user) {
  if (!valid_staff_name(user.name)) return Status::invalid_argument("stockage.central_sqlite.nom_utilisateur_invalide");
  if (user.role != kStaffRoleAdmin && user.role != kStaffRoleOffice) {
    return Status::invalid_argument("stockage.central_sqlite.role_inconnu");
  }
  if (!password_hash_well_formed(user.password_hash)) {
    return Status::invalid_argument("stockage.central_sqlite.empreinte_mot_de_passe");
  }
  return db_.write([&](Transaction& tx) -> Status {
    auto known = read_user(tx.db(), user.name);
    if (!known) return known.error();
    if (*known) return Status::already_exists("stockage.central_sqlite.utilisateur_existant", {{"nom", user.name}});
    auto st = tx.db().prepare("INSERT INTO staff_users(name, role, password_hash, created_ms) VALUES(?1, ?2, ?3, ?4)");
    if (!st) return st.error();
    CARNET_RETURN_IF_ERROR(st->bind(1, user.name).bind(2, user.role).bind(3, user.password_hash).bind(4, db_.now_ms()).run());
    return audit_.append(tx, AuditKind::kStaffUserAdd, audit_.office(), user.name, "role=" + user.role);
  });
}

Result<std::optional<StaffUser>> Staff::user(std::string_view name) {
  return db_.read([&](Database& db) { return read_user(db, name); });
}

Result<std::vector<StaffUser>> Staff::users() {
  return db_.read([&](Database& db) -> Result<std::vector<StaffUser>> {
    auto st = db.prepare("SELECT name, role, password_hash, created_ms, disabled_ms FROM staff_users ORDER BY name");
    if (!st) return fail(st.error());
    return collect(*st, staff_user_at);
  });
}

Status Staff::disable_user(std::string_view name) {
  return db_.write([&](Transaction& tx) -> Status {
    auto known = read_user(tx.db(), name);
    if (!known) return known.error();
    if (!*known) return Status::not_found("stockage.central_sqlite.utilisateur_inconnu", {{"nom", name}});
    if ((*known)->disabled()) return Status::ok_status();
    auto st = tx.db().prepare("UPDATE staff_users SET disabled_ms = ?2 WHERE name = ?1");
    if (!st) return st.error();
    CARNET_RETURN_IF_ERROR(st->bind(1, name).bind(2, db_.now_ms()).run());
    auto ended = end_sessions(tx, name);
    if (!ended) return ended.error();
    return audit_.append(tx, AuditKind::kStaffUserDisable, audit_.office(), name, "sessions=" + std::to_string(*ended));
  });
}

Status Staff::remove_user(std::string_view name) {
  return db_.write([&](Transaction& tx) -> Status {
    auto ended = end_sessions(tx, name);
    if (!ended) return ended.error();
    auto st = tx.db().prepare("DELETE FROM staff_users WHERE name = ?1");
    if (!st) return st.error();
    CARNET_RETURN_IF_ERROR(st->bind(1, name).run());
    if (tx.db().changes() == 0) return Status::not_found("stockage.central_sqlite.utilisateur_inconnu", {{"nom", name}});
    return audit_.append(tx, AuditKind::kStaffUserRemove, audit_.office(), name, "sessions=" + std::to_string(*ended));
  });
}

Status Staff::create_session(const StaffSession& session) {
  if (!core::is_sha256_hex(session.token_sha256) || session.csrf_token.empty()) {
    return Status::invalid_argument("stockage.central_sqlite.session_invalide");
  }
  return db_.write([&](Transaction& tx) -> Status {
    auto known = read_user(tx.db(), session.user);
    if (!known) return known.error();
    if (!*known) return Status::not_found("stockage.central_sqlite.utilisateur_inconnu", {{"nom", session.user}});
    if ((*known)->disabled()) return Status::failed_precondition("stockage.central_sqlite.compte_desactive");
    auto st = tx.db().prepare(
        "INSERT INTO staff_sessions(token_sha256, \"user\", csrf_token, created_ms, expires_ms, last_seen_ms) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?4)");
    if (!st) return st.error();
    CARNET_RETURN_IF_ERROR(st->bind(1, session.token_sha256)
                               .bind(2, session.user)
                               .bind(3, session.csrf_token)
                               .bind(4, session.created_ms)
                               .bind(5, session.created_ms + db_.options().session_absolute_ms)
                               .run());
    return audit_.append(tx, AuditKind::kStaffLogin, session.user, session.user, {});
  });
}

namespace {

LoginFailures login_failures_at(const Statement& s) {
  return {s.column_text(0), s.column_text(1), s.column_int(2), s.column_int(3)};
}

// The name a refused login is counted under (LoginFailures): kAnyName and an account's name as
// they are, any other text as a keyed hash.
Result<std::string> counted_name(Database& db, std::string_view name) {
  if (name == kAnyName) return std::string(name);
  auto known = valid_staff_name(name) ? read_user(db, name) : Result<std::optional<StaffUser>>(std::nullopt);
  if (!known) return fail(known.error());
  if (*known) return std::string(name);
  auto secret = read_meta(db, "login_failures_secret");
  if (!secret) return fail(secret.error());
  if (!*secret || (*secret)->size() < 32) return fail(Status::corruption("stockage.central_sqlite.secret_absent"));
  return "#" + sha256_hex(**secret + "\n" + std::string(name)).substr(0, 16);
}

// An address as counted: a client's, cut to what an IPv6 address can be.
std::string_view counted_address(std::string_view address) { return address.substr(0, 64); }

}  // namespace

Status Staff::record_login_failure(std::string_view name, std::string_view reason, std::string_view address,
                                   std::int64_t now_ms) {
  return db_.write([&](Transaction& tx) -> Status {
    auto known = valid_staff_name(name) ? read_user(tx.db(), name) : Result<std::optional<StaffUser>>(std::nullopt);
    if (!known) return known.error();
    std::string code(reason);
    if (!*known) code = "utilisateur_inconnu";
    if (code.empty() || code.size() > 40 || code.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos) {
      code = "autre";
    }
    const std::int64_t forgotten = now_ms - kLoginFailureMemoryMs;
    auto purge = tx.db().prepare("DELETE FROM login_failures WHERE last_ms < ?1");
    if (!purge) return purge.error();
    CARNET_RETURN_IF_ERROR(purge->bind(1, forgotten).run());
    auto count = tx.db().prepare(
        "INSERT INTO login_failures(name, address, failures, last_ms) VALUES(?1, ?2, 1, ?3) "
        "ON CONFLICT(name, address) DO UPDATE SET failures = login_failures.failures + 1, last_ms = ?3");
    if (!count) return count.error();
    auto counted = counted_name(tx.db(), name);
    if (!counted) return counted.error();
    for (const std::string_view row : {std::string_view(*counted), kAnyName}) {
      CARNET_RETURN_IF_ERROR(count->bind(1, row).bind(2, counted_address(address)).bind(3, now_ms).run());
    }
    const std::string who = *known ? (*known)->name : std::string("inconnu");
    return audit_.append(tx, AuditKind::kStaffLoginFailure, who, *known ? who : std::string(), "raison=" + code);
  });
}

Result<std::pair<LoginFailures, LoginFailures>> Staff::login_failures(std::string_view name, std::string_view address,
                                                                      std::int64_t now_ms) {
  return db_.read([&](Database& db) -> Result<std::pair<LoginFailures, LoginFailures>> {
    auto one = [&](std::string_view counted) -> Result<LoginFailures> {
      auto st = db.prepare(
          "SELECT name, address, failures, last_ms FROM login_failures WHERE name = ?1 AND address = ?2 AND last_ms >= ?3");
      if (!st) return fail(st.error());
      st->bind(1, counted).bind(2, counted_address(address)).bind(3, now_ms - kLoginFailureMemoryMs);
      auto row = first_row(*st, login_failures_at);
      if (!row) return fail(row.error());
      return row->value_or(LoginFailures{std::string(counted), std::string(counted_address(address)), 0, 0});
    };
    auto counted = counted_name(db, name);
    if (!counted) return fail(counted.error());
    auto pair = one(*counted);
    if (!pair) return fail(pair.error());
    auto any = one(kAnyName);
    if (!any) return fail(any.error());
    return std::pair{std::move(*pair), std::move(*any)};
  });
}

Result<std::vector<LoginFailures>> Staff::all_login_failures(std::int64_t now_ms) {
  return db_.read([&](Database& db) -> Result<std::vector<LoginFailures>> {
    auto st = db.prepare(
        "SELECT name, address, failures, last_ms FROM login_failures WHERE last_ms >= ?1 ORDER BY name, address");
    if (!st) return fail(st.error());
    st->bind(1, now_ms - kLoginFailureMemoryMs);
    return collect(*st, login_failures_at);
  });
}

Status Staff::forget_login_failures(std::string_view name, std::string_view address) {
  return db_.write([&](Transaction& tx) -> Status {
    auto counted = counted_name(tx.db(), name);
    if (!counted) return counted.error();
    auto st = tx.db().prepare("DELETE FROM login_failures WHERE name = ?1 AND address = ?2");
    if (!st) return st.error();
    return st->bind(1, *counted).bind(2, counted_address(address)).run();
  });
}

Result<std::size_t> Staff::clear_login_failures(std::string_view name, std::optional<std::string_view> address) {
  return db_.write([&](Transaction& tx) -> Result<std::size_t> {
    auto st = tx.db().prepare(address ? "DELETE FROM login_failures WHERE name = ?1 AND address = ?2"
                                      : "DELETE FROM login_failures WHERE name = ?1");
    if (!st) return fail(st.error());
    // A listed "#…" name is taken as it is; anything else as a login would count it.
    std::string counted(name);
    if (!name.starts_with("#")) {
      auto c = counted_name(tx.db(), name);
      if (!c) return fail(c.error());
      counted = *c;
    }
    st->bind(1, counted);
    if (address) st->bind(2, counted_address(*address));
    CARNET_RETURN_IF_ERROR_R(st->run());
    const auto cleared = static_cast<std::size_t>(tx.db().changes());
    CARNET_RETURN_IF_ERROR_R(
        audit_.append(tx, AuditKind::kStaffUnblock, audit_.office(), counted, "lignes=" + std::to_string(cleared)));
    return cleared;
  });
}

Result<std::optional<StaffSession>> Staff::session(std::string_view token_sha256, std::int64_t now_ms) {
  // A write: the session is seen now, or removed when it has expired.
  return db_.write([&](Transaction& tx) -> Result<std::optional<StaffSession>> {
    auto st = tx.db().prepare(
        "SELECT s.token_sha256, s.\"user\", u.role, s.csrf_token, s.created_ms, s.expires_ms, s.last_seen_ms, u.disabled_ms "
        "FROM staff_sessions s JOIN staff_users u ON u.name = s.\"user\" WHERE s.token_sha256 = ?1");
    if (!st) return fail(st.error());
    st->bind(1, token_sha256);
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) return std::optional<StaffSession>();
    StaffSession out{st->column_text(0), st->column_text(1), st->column_text(2), st->column_text(3),
                     st->column_int(4),  st->column_int(5),  st->column_int(6)};
    const bool disabled = !st->column_is_null(7);
    const bool expired = now_ms >= out.expires_ms || now_ms - out.last_seen_ms >= db_.options().session_idle_ms;
    if (disabled || expired) {
      CARNET_RETURN_IF_ERROR_R(end_session(tx, token_sha256));
      return std::optional<StaffSession>();
    }
    if (now_ms > out.last_seen_ms) {
      auto seen = tx.db().prepare("UPDATE staff_sessions SET last_seen_ms = ?2 WHERE token_sha256 = ?1");
      if (!seen) return fail(seen.error());
      CARNET_RETURN_IF_ERROR_R(seen->bind(1, token_sha256).bind(2, now_ms).run());
      out.last_seen_ms = now_ms;
    }
    return std::optional<StaffSession>(std::move(out));
  });
}

Status Staff::delete_session(std::string_view token_sha256) {
  return db_.write([&](Transaction& tx) -> Status {
    auto st = tx.db().prepare("SELECT \"user\" FROM staff_sessions WHERE token_sha256 = ?1");
    if (!st) return st.error();
    st->bind(1, token_sha256);
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return Status::ok_status();
    const std::string user = st->column_text(0);
    CARNET_RETURN_IF_ERROR(end_session(tx, token_sha256));
    return audit_.append(tx, AuditKind::kStaffLogout, user, user, {});
  });
}

Result<std::size_t> Staff::delete_sessions(std::string_view name) {
  return db_.write([&](Transaction& tx) -> Result<std::size_t> {
    auto ended = end_sessions(tx, name);
    if (!ended) return fail(ended.error());
    if (*ended > 0) {
      CARNET_RETURN_IF_ERROR_R(audit_.append(tx, AuditKind::kStaffLogout, audit_.office(), name, "sessions=" + std::to_string(*ended)));
    }
    return *ended;
  });
}

}  // namespace carnet::storage
