// The office app's sign-in and request checks (tools/central/office_auth.cpp) over a real
// central store: logins, the same answer for a wrong name and a wrong password, growing waits
// per (name, address) and per address that no stranger can turn into a lockout, sessions,
// CSRF, roles, and an audit log free of secrets.
#include "tools/central/office_auth.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "storage/central/central.hpp"
#include "storage/password.hpp"
#include "storage/sha256.hpp"
#include "support/status_matchers.hpp"
#include "support/temp_dir.hpp"
#include "sync/pki.hpp"

namespace carnet::testing {
namespace {

using central::OfficeArea;

constexpr std::int64_t kMinute = 60 * 1000;
constexpr std::int64_t kStart = 1'750'000'000'000;
constexpr const char* kJeanPassword = "Jean-Zorglub-mot-de-passe";
constexpr const char* kMariePassword = "Marie-Zorglub-mot-de-passe";

class OfficeAuth : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s =
        storage::open_sqlite_central(dir_.file("central.db"), storage::Database::Mode::kCreate);
    ASSERT_OK(s);
    store_ = std::move(*s);
    for (const auto& [name, role, password] : {std::tuple{"jean", "office", kJeanPassword},
                                               std::tuple{"marie", "admin", kMariePassword}}) {
      auto h = storage::hash_password(password);
      ASSERT_OK(h);
      ASSERT_OK(store_->staff.add_user({name, role, *h, 0, std::nullopt}));
    }
    auth_ = std::make_unique<central::OfficeAuth>(store_->staff);
  }

  central::AuthResult<central::OfficeLogin> login(const std::string& name, const std::string& password,
                                          const std::string& address = "192.0.2.1") {
    return auth_->login(name, password, address, now_);
  }
  sync::HttpRequest request(const std::string& method, const std::string& cookie) {
    sync::HttpRequest r;
    r.method = method;
    r.target = "/office/api/overview";
    if (!cookie.empty()) r.headers["cookie"] = cookie;
    return r;
  }
  sync::HttpRequest with_session(const central::OfficeLogin& l, const std::string& method = "GET") {
    return request(method, "theme=clair; carnet_office=" + l.token);
  }
  std::vector<storage::AuditEntry> entries() {
    auto all = store_->audit.entries(0);
    EXPECT_OK(all);
    return all.value_or(std::vector<storage::AuditEntry>());
  }

  TempDir dir_;
  std::unique_ptr<storage::Central> store_;
  std::unique_ptr<central::OfficeAuth> auth_;
  std::int64_t now_ = kStart;
};

TEST_F(OfficeAuth, TheRightPasswordOpensASessionThatAuthenticatesRequests) {
  auto l = login("jean", kJeanPassword);
  ASSERT_TRUE(l) << l.error().message.render();
  EXPECT_EQ(l->user, "jean");
  EXPECT_EQ(l->role, "office");
  EXPECT_EQ(l->token.size(), 64u);
  EXPECT_EQ(l->csrf_token.size(), 64u);
  EXPECT_NE(l->token, l->csrf_token);
  auto s = auth_->authenticate(with_session(*l), now_ + kMinute);
  ASSERT_TRUE(s) << s.error().message.render();
  EXPECT_EQ(s->user, "jean");
  EXPECT_EQ(s->csrf_token, l->csrf_token);
  EXPECT_EQ(s->token_sha256, storage::sha256_hex(l->token));
  auto other = login("jean", kJeanPassword);
  ASSERT_TRUE(other);
  EXPECT_NE(other->token, l->token);
}

TEST_F(OfficeAuth, AWrongNameAndAWrongPasswordGetTheSameAnswerInTheSameTime) {
  using clock = std::chrono::steady_clock;
  std::int64_t known = INT64_MAX, unknown = INT64_MAX;
  for (int i = 0; i < 3; ++i) {
    const std::string address = "192.0.2." + std::to_string(10 + i);
    auto t0 = clock::now();
    auto wrong_password = login("jean", "pas-le-bon-mot-de-passe", address);
    auto t1 = clock::now();
    auto wrong_name = login("jeanne" + std::to_string(i), kJeanPassword, address);
    auto t2 = clock::now();
    ASSERT_FALSE(wrong_password);
    ASSERT_FALSE(wrong_name);
    EXPECT_EQ(wrong_password.error().http_status, 401);
    EXPECT_EQ(wrong_name.error().http_status, 401);
    EXPECT_EQ(wrong_password.error().message.render(), wrong_name.error().message.render());
    EXPECT_EQ(wrong_name.error().message.render(),
              "nom d'utilisateur ou mot de passe incorrect : encore 4 essais avant une attente");
    known = std::min<std::int64_t>(
        known, std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count());
    unknown = std::min<std::int64_t>(
        unknown, std::chrono::duration_cast<std::chrono::microseconds>(t2 - t1).count());
  }
  // Both run one scrypt of the same cost (tens of milliseconds); a name lookup alone takes
  // microseconds. Loose bounds: the machine is shared.
  EXPECT_GT(unknown * 3, known) << known << " µs vs " << unknown << " µs";
  EXPECT_GT(known * 3, unknown) << known << " µs vs " << unknown << " µs";
}

constexpr std::int64_t kSecond = 1000;

// Issue 16: five wrong passwords typed by a stranger locked the real user out for 15 minutes
// from every address. Now they count for the stranger's address only.
TEST_F(OfficeAuth, FailuresFromOtherAddressesNeverLockTheRealUserOut) {
  for (int i = 0; i < 30; ++i) {
    ASSERT_FALSE(login("jean", "mauvais-mot-de-passe", "203.0.113." + std::to_string(i % 3)));
  }
  EXPECT_EQ(login("jean", kJeanPassword, "203.0.113.1").error().http_status, 429);  // the stranger waits
  auto real = login("jean", kJeanPassword, "192.0.2.44");
  EXPECT_TRUE(real) << real.error().message.render();
}

TEST_F(OfficeAuth, EachFailureSaysTheTriesLeftThenTheWaitWhichDoubles) {
  const std::string a = "198.51.100.7";
  for (int left = 4; left >= 1; --left) {
    auto r = login("jean", "mauvais-mot-de-passe", a);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().http_status, 401);
    EXPECT_EQ(r.error().message.render(),
              left == 1 ? std::string("nom d'utilisateur ou mot de passe incorrect : encore 1 essai avant une attente")
                        : "nom d'utilisateur ou mot de passe incorrect : encore " + std::to_string(left) +
                              " essais avant une attente");
  }
  auto fifth = login("jean", "mauvais-mot-de-passe", a);
  EXPECT_EQ(fifth.error().message.render(), "nom d'utilisateur ou mot de passe incorrect : prochain essai possible dans 2 s");
  // Even the right password waits, and the wait is told.
  auto early = login("jean", kJeanPassword, a);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().http_status, 429);
  EXPECT_EQ(early.error().message.render(), "trop de tentatives depuis cette adresse : réessayez dans 2 s");
  now_ += 2 * kSecond;
  EXPECT_EQ(login("jean", "mauvais-mot-de-passe", a).error().message.render(),
            "nom d'utilisateur ou mot de passe incorrect : prochain essai possible dans 4 s");
  for (int i = 0; i < 6; ++i) {  // then 8, 16, … 256 s
    now_ += 600 * kSecond;
    ASSERT_EQ(login("jean", "mauvais-mot-de-passe", a).error().http_status, 401);
  }
  now_ += 100 * kSecond;
  EXPECT_EQ(login("jean", kJeanPassword, a).error().message.render(),
            "trop de tentatives depuis cette adresse : réessayez dans 3 min");  // 156 s
  now_ += 156 * kSecond;
  auto in = login("jean", kJeanPassword, a);
  ASSERT_TRUE(in) << in.error().message.render();
  // A successful login forgets that name's failures from that address.
  EXPECT_EQ(login("jean", "mauvais-mot-de-passe", a).error().message.render(),
            "nom d'utilisateur ou mot de passe incorrect : encore 4 essais avant une attente");
}

TEST_F(OfficeAuth, OneAddressTryingManyNamesWaitsTooAndOthersDoNot) {
  for (int i = 0; i < 20; ++i) ASSERT_FALSE(login("nom" + std::to_string(i), "x", "198.51.100.9"));
  auto paused = login("marie", kMariePassword, "198.51.100.9");
  ASSERT_FALSE(paused);
  EXPECT_EQ(paused.error().http_status, 429);
  EXPECT_TRUE(login("marie", kMariePassword, "198.51.100.10"));
  now_ += 2 * kSecond;
  EXPECT_TRUE(login("marie", kMariePassword, "198.51.100.9"));
}

TEST_F(OfficeAuth, AnUnknownNameIsCountedOnItsOwnAndNeverStoredAsTyped) {
  // An account-enumeration probe: an unknown name's tries are told as an account's would be.
  for (int i = 0; i < 4; ++i) ASSERT_FALSE(login("inconnu-a", "x"));
  EXPECT_EQ(login("inconnu-b", "x").error().message.render(),
            "nom d'utilisateur ou mot de passe incorrect : encore 4 essais avant une attente");
  EXPECT_EQ(login("jean", "x").error().message.render(),
            "nom d'utilisateur ou mot de passe incorrect : encore 4 essais avant une attente");
  ASSERT_FALSE(login(kJeanPassword, "x"));  // the password typed as the name
  auto rows = store_->staff.all_login_failures(now_);
  ASSERT_OK(rows);
  std::set<std::string> names;
  for (const auto& r : *rows) {
    EXPECT_EQ(r.address, "192.0.2.1");
    names.insert(r.name);
  }
  EXPECT_EQ(names.size(), 5u);  // jean, three hashes, and every name from the address
  EXPECT_TRUE(names.contains("jean"));
  EXPECT_TRUE(names.contains("*"));
  for (const auto& n : names) {
    EXPECT_EQ(n.find("inconnu"), std::string::npos) << n;
    EXPECT_EQ(n.find("Zorglub"), std::string::npos) << n;
    if (n != "jean" && n != "*") {
      EXPECT_EQ(n.size(), 17u) << n;
    }
  }
}

TEST_F(OfficeAuth, AnAdministratorClearsTheCountsOfANameAndItIsAudited) {
  for (int i = 0; i < 6; ++i) ASSERT_FALSE(login("jean", "mauvais-mot-de-passe", "198.51.100.7"));
  EXPECT_EQ(login("jean", kJeanPassword, "198.51.100.7").error().http_status, 429);
  auto cleared = store_->staff.clear_login_failures("jean", std::nullopt);
  ASSERT_OK(cleared);
  EXPECT_EQ(*cleared, 1u);
  EXPECT_TRUE(login("jean", kJeanPassword, "198.51.100.7"));
  EXPECT_EQ(entries().back().kind, "staff_login");
  bool audited = false;
  for (const auto& e : entries()) audited = audited || (e.kind == "staff_unblock" && e.subject == "jean" && e.detail == "lignes=1");
  EXPECT_TRUE(audited);
}

TEST_F(OfficeAuth, ADisabledUserIsRefusedAtLoginAndItsSessionsEnd) {
  auto l = login("jean", kJeanPassword);
  ASSERT_TRUE(l);
  ASSERT_OK(store_->staff.disable_user("jean"));
  auto s = auth_->authenticate(with_session(*l), now_);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().http_status, 401);
  auto again = login("jean", kJeanPassword);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().http_status, 403);
  EXPECT_NE(again.error().message.render().find("désactivé"), std::string::npos);
  auto wrong = login("jean", "mauvais-mot-de-passe");  // without the password: the usual answer
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().http_status, 401);
}

TEST_F(OfficeAuth, SessionsExpireWhenIdleAndAfterEightHours) {
  auto l = login("jean", kJeanPassword);
  ASSERT_TRUE(l);
  EXPECT_TRUE(auth_->authenticate(with_session(*l), now_ + 29 * kMinute));
  EXPECT_FALSE(auth_->authenticate(with_session(*l), now_ + 59 * kMinute));  // 30 idle minutes
  auto m = login("jean", kJeanPassword);
  ASSERT_TRUE(m);
  std::int64_t t = now_;
  for (int i = 0; i < 31; ++i) {  // every 15 minutes for 7 h 45
    t += 15 * kMinute;
    ASSERT_TRUE(auth_->authenticate(with_session(*m), t)) << i;
  }
  t += 15 * kMinute;
  auto late = auth_->authenticate(with_session(*m), t);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().http_status, 401);
  EXPECT_NE(late.error().message.render().find("reconnecter"), std::string::npos);
}

TEST_F(OfficeAuth, LogoutEndsTheSession) {
  auto l = login("jean", kJeanPassword);
  ASSERT_TRUE(l);
  auto s = auth_->authenticate(with_session(*l), now_);
  ASSERT_TRUE(s);
  ASSERT_OK(auth_->logout(*s));
  EXPECT_FALSE(auth_->authenticate(with_session(*l), now_));
  EXPECT_EQ(entries().back().kind, "staff_logout");
}

TEST_F(OfficeAuth, RequestsWithoutAGoodCookieAreRefused) {
  for (const std::string& cookie :
       {std::string(), std::string("autre=1"), std::string("carnet_office="),
        std::string("carnet_office=") + std::string(64, 'z'),
        std::string("carnet_office=") + std::string(64, 'a')}) {
    auto s = auth_->authenticate(request("GET", cookie), now_);
    ASSERT_FALSE(s) << cookie;
    EXPECT_EQ(s.error().http_status, 401) << cookie;
  }
}

TEST_F(OfficeAuth, AStateChangingRequestNeedsTheSessionsCsrfToken) {
  auto l = login("jean", kJeanPassword);
  ASSERT_TRUE(l);
  auto s = auth_->authenticate(with_session(*l), now_);
  ASSERT_TRUE(s);
  EXPECT_FALSE(central::check_csrf(with_session(*l, "GET"), *s));  // reading needs none
  for (const char* method : {"POST", "PUT", "DELETE"}) {
    auto r = with_session(*l, method);
    auto missing = central::check_csrf(r, *s);
    ASSERT_TRUE(missing) << method;
    EXPECT_EQ(missing->http_status, 403);
    EXPECT_TRUE(central::check_csrf(r, *s, std::string(64, '0')));
    EXPECT_TRUE(central::check_csrf(r, *s, l->csrf_token.substr(0, 63)));
    EXPECT_TRUE(central::check_csrf(r, *s, std::string_view()));
    EXPECT_FALSE(central::check_csrf(r, *s, l->csrf_token));  // the form field
    r.headers["x-csrf-token"] = l->csrf_token;
    EXPECT_FALSE(central::check_csrf(r, *s));  // the header
    r.headers["x-csrf-token"] = std::string(64, '0');
    EXPECT_TRUE(central::check_csrf(r, *s, l->csrf_token))
        << "a wrong header is not saved by the form field";
  }
  // Another session's token does not do.
  auto other = login("marie", kMariePassword);
  ASSERT_TRUE(other);
  EXPECT_TRUE(central::check_csrf(with_session(*l, "POST"), *s, other->csrf_token));
}

TEST_F(OfficeAuth, AdminsManageAccountsAndDevicesAndDoEverythingTheOfficeDoes) {
  EXPECT_TRUE(central::role_allows("admin", OfficeArea::kStaffAccounts));
  EXPECT_TRUE(central::role_allows("admin", OfficeArea::kDevices));
  EXPECT_TRUE(central::role_allows("admin", OfficeArea::kOffice));  // admin is a superset of office
  EXPECT_TRUE(central::role_allows("office", OfficeArea::kOffice));
  EXPECT_FALSE(central::role_allows("office", OfficeArea::kDevices));
  EXPECT_FALSE(central::role_allows("office", OfficeArea::kStaffAccounts));
  EXPECT_FALSE(central::role_allows("", OfficeArea::kOffice));
  const central::OfficeSession office{"jean", "office", "x", "y"};
  auto refused = central::check_role(office, OfficeArea::kDevices);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->http_status, 403);
  EXPECT_NE(refused->message.render().find("administrateurs"), std::string::npos);
  EXPECT_FALSE(central::check_role(office, OfficeArea::kOffice));
  const central::OfficeSession admin{"marie", "admin", "x", "y"};
  EXPECT_FALSE(central::check_role(admin, OfficeArea::kOffice));
  EXPECT_FALSE(central::check_role(admin, OfficeArea::kDevices));
}

TEST_F(OfficeAuth, CookiesAreSecureHttpOnlyAndStrictAndTheHeaderIsParsed) {
  EXPECT_EQ(central::session_cookie("abc"),
            "carnet_office=abc; Path=/; Secure; HttpOnly; SameSite=Strict");
  EXPECT_EQ(central::cleared_session_cookie(),
            "carnet_office=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict");
  EXPECT_EQ(central::cookie_value("a=1; carnet_office=xyz; b=2", "carnet_office"), "xyz");
  EXPECT_EQ(central::cookie_value("carnet_office=\"xyz\"", "carnet_office"), "xyz");
  EXPECT_EQ(central::cookie_value("carnet_office=1;carnet_office=2", "carnet_office"), "1");
  EXPECT_EQ(central::cookie_value("xcarnet_office=1", "carnet_office"), std::nullopt);
  EXPECT_EQ(central::cookie_value("", "carnet_office"), std::nullopt);
}

TEST_F(OfficeAuth, TheAuditLogRecordsLoginsFailuresAndLogoutsWithoutSecrets) {
  ASSERT_FALSE(login("jean", "mauvais-Zorglub-1"));
  ASSERT_FALSE(login(kJeanPassword, kJeanPassword));  // the password typed as the name
  auto l = login("jean", kJeanPassword);
  ASSERT_TRUE(l);
  auto s = auth_->authenticate(with_session(*l), now_);
  ASSERT_TRUE(s);
  ASSERT_OK(auth_->logout(*s));
  std::vector<std::string> kinds;
  for (const auto& e : entries()) {
    kinds.push_back(e.kind);
    for (const std::string* text : {&e.actor, &e.subject, &e.detail}) {
      for (const std::string& secret :
           {std::string(kJeanPassword), std::string("mauvais-Zorglub-1"), l->token, l->csrf_token,
            s->token_sha256}) {
        EXPECT_EQ(text->find(secret), std::string::npos) << e.kind << ": " << *text;
      }
    }
  }
  EXPECT_EQ(kinds,
            (std::vector<std::string>{"staff_user_add", "staff_user_add", "staff_login_failure",
                                      "staff_login_failure", "staff_login", "staff_logout"}));
  const auto all = entries();
  EXPECT_EQ(all[2].subject, "jean");
  EXPECT_EQ(all[2].detail, "raison=mot_de_passe");
  EXPECT_EQ(all[3].subject, "");
  EXPECT_EQ(all[3].detail, "raison=utilisateur_inconnu");
  EXPECT_TRUE(store_->audit.verify()->ok);
}

}  // namespace
}  // namespace carnet::testing
