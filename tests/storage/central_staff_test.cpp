// Staff accounts and their web sessions in the central store (storage/central/staff.cpp, schema
// step 4): accounts added, disabled and removed; sessions that end when idle, at their
// absolute limit, at logout and with their user; every action audited without a secret.
#include <gtest/gtest.h>

#include "storage/central_schema.hpp"
#include "storage/central/central.hpp"
#include "storage/password.hpp"
#include "support/replica_fixture.hpp"
#include "support/status_matchers.hpp"
#include "support/temp_dir.hpp"
#include "support/test_central.hpp"

namespace carnet::testing {
namespace {

using core::StatusCode;
using storage::StaffSession;
using storage::StaffUser;

constexpr std::int64_t kMinute = 60 * 1000;
constexpr const char* kPassword = "Zorglub-mot-de-passe-42";
const std::string kToken(64, 'a');  // the SHA-256 of a session token, as hex
const std::string kCsrf = "csrf-Zorglub-0123456789abcdef";

class CentralStaff : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::CentralOptions options;
    options.office_actor = "bureau:clerc";
    auto s = central_.open(options, clock_);
    ASSERT_OK(s);
    store_ = std::move(*s);
    auto h = storage::hash_password(kPassword, {1024, 8, 1});
    ASSERT_OK(h);
    hash_ = *h;
  }
  StaffUser user(const std::string& name, const std::string& role = "office") {
    return StaffUser{name, role, hash_, 0, std::nullopt};
  }
  StaffSession new_session(const std::string& token_sha256, const std::string& name) {
    StaffSession s;
    s.token_sha256 = token_sha256;
    s.user = name;
    s.csrf_token = kCsrf;
    s.created_ms = clock_.now_ms();
    return s;
  }
  std::optional<StaffSession> session(const std::string& token_sha256) {
    auto s = store_->staff.session(token_sha256, clock_.now_ms());
    EXPECT_OK(s);
    return s ? *s : std::nullopt;
  }
  std::vector<storage::AuditEntry> entries() {
    auto all = store_->audit.entries(0);
    EXPECT_OK(all);
    return all.value_or(std::vector<storage::AuditEntry>());
  }
  // Every entry is free of the password, its hash, the token hash and the CSRF token.
  void expect_no_secret_in_log() {
    for (const auto& e : entries()) {
      for (const std::string* text : {&e.actor, &e.subject, &e.detail}) {
        for (const std::string& secret : {std::string(kPassword), hash_, kToken, kCsrf}) {
          EXPECT_EQ(text->find(secret), std::string::npos) << e.kind << " " << *text;
        }
      }
    }
  }

  TempDir dir_;
  TestCentral central_{dir_};
  FakeClock clock_;
  std::unique_ptr<storage::Central> store_;
  std::string hash_;
};

TEST_F(CentralStaff, AnAccountIsAddedListedAndAudited) {
  ASSERT_OK(store_->staff.add_user(user("marie.dupont", "admin")));
  ASSERT_OK(store_->staff.add_user(user("jean")));
  auto all = store_->staff.users();
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "jean");
  EXPECT_EQ((*all)[1].role, "admin");
  auto one = store_->staff.user("jean");
  ASSERT_OK(one);
  ASSERT_TRUE(one->has_value());
  EXPECT_EQ((*one)->password_hash, hash_);
  EXPECT_EQ((*one)->created_ms, clock_.now_ms());
  EXPECT_FALSE((*one)->disabled());
  const auto log = entries();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].kind, "staff_user_add");
  EXPECT_EQ(log[0].actor, "bureau:clerc");
  EXPECT_EQ(log[0].subject, "marie.dupont");
  EXPECT_EQ(log[0].detail, "role=admin");
  expect_no_secret_in_log();
}

TEST_F(CentralStaff, BadNamesRolesHashesAndDuplicatesAreRefused) {
  EXPECT_EQ(store_->staff.add_user(user("")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->staff.add_user(user("avec espace")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->staff.add_user(user(std::string(65, 'a'))).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->staff.add_user(user("jean", "root")).code(), StatusCode::kInvalidArgument);
  StaffUser plain = user("jean");
  plain.password_hash = kPassword;  // a password where its hash should be
  EXPECT_EQ(store_->staff.add_user(plain).code(), StatusCode::kInvalidArgument);
  ASSERT_OK(store_->staff.add_user(user("jean")));
  EXPECT_EQ(store_->staff.add_user(user("jean", "admin")).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(entries().size(), 1u);
}

TEST_F(CentralStaff, ASessionSlidesWithUseAndEndsAfterThirtyIdleMinutes) {
  ASSERT_OK(store_->staff.add_user(user("jean")));
  ASSERT_OK(store_->staff.create_session(new_session(kToken, "jean")));
  auto s = session(kToken);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->user, "jean");
  EXPECT_EQ(s->role, "office");
  EXPECT_EQ(s->csrf_token, kCsrf);
  EXPECT_EQ(s->expires_ms, clock_.now_ms() + 8 * 60 * kMinute);
  for (int i = 0; i < 5; ++i) {  // used every 29 minutes: still there after 2 h 25
    clock_.advance(29 * kMinute);
    ASSERT_TRUE(session(kToken)) << i;
  }
  clock_.advance(30 * kMinute);
  EXPECT_FALSE(session(kToken));
  clock_.advance(-30 * kMinute);  // gone for good, not just hidden
  EXPECT_FALSE(session(kToken));
}

TEST_F(CentralStaff, ASessionEndsEightHoursAfterLoginHoweverOftenItIsUsed) {
  ASSERT_OK(store_->staff.add_user(user("jean")));
  ASSERT_OK(store_->staff.create_session(new_session(kToken, "jean")));
  for (int i = 0; i < 47; ++i) {  // 47 × 10 min = 7 h 50
    clock_.advance(10 * kMinute);
    ASSERT_TRUE(session(kToken)) << i;
  }
  clock_.advance(10 * kMinute);
  EXPECT_FALSE(session(kToken));
}

TEST_F(CentralStaff, LogoutEndsTheSessionAndIsAudited) {
  ASSERT_OK(store_->staff.add_user(user("jean")));
  ASSERT_OK(store_->staff.create_session(new_session(kToken, "jean")));
  ASSERT_OK(store_->staff.delete_session(kToken));
  EXPECT_FALSE(session(kToken));
  ASSERT_OK(store_->staff.delete_session(kToken));  // again: nothing to do, nothing recorded
  const auto log = entries();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[1].kind, "staff_login");
  EXPECT_EQ(log[1].actor, "jean");
  EXPECT_EQ(log[1].subject, "jean");
  EXPECT_EQ(log[2].kind, "staff_logout");
  EXPECT_EQ(log[2].subject, "jean");
  expect_no_secret_in_log();
  EXPECT_TRUE(store_->audit.verify()->ok);
}

TEST_F(CentralStaff, DisablingAUserEndsItsSessionsAndRefusesNewOnes) {
  ASSERT_OK(store_->staff.add_user(user("jean")));
  ASSERT_OK(store_->staff.create_session(new_session(kToken, "jean")));
  ASSERT_OK(store_->staff.create_session(new_session(std::string(64, 'b'), "jean")));
  ASSERT_OK(store_->staff.disable_user("jean"));
  EXPECT_FALSE(session(kToken));
  EXPECT_FALSE(session(std::string(64, 'b')));
  EXPECT_EQ(store_->staff.create_session(new_session(std::string(64, 'c'), "jean")).code(),
            StatusCode::kFailedPrecondition);
  auto u = store_->staff.user("jean");
  ASSERT_OK(u);
  ASSERT_TRUE(u->has_value());
  EXPECT_TRUE((*u)->disabled());
  EXPECT_EQ(entries().back().kind, "staff_user_disable");
  EXPECT_EQ(entries().back().detail, "sessions=2");
  EXPECT_EQ(store_->staff.disable_user("personne").code(), StatusCode::kNotFound);
}

TEST_F(CentralStaff, RemovingAUserEndsItsSessionsAndDeletingSessionsCountsThem) {
  ASSERT_OK(store_->staff.add_user(user("jean")));
  ASSERT_OK(store_->staff.add_user(user("marie")));
  ASSERT_OK(store_->staff.create_session(new_session(kToken, "jean")));
  ASSERT_OK(store_->staff.create_session(new_session(std::string(64, 'b'), "marie")));
  ASSERT_OK(store_->staff.create_session(new_session(std::string(64, 'c'), "marie")));
  auto ended = store_->staff.delete_sessions("marie");
  ASSERT_OK(ended);
  EXPECT_EQ(*ended, 2u);
  EXPECT_EQ(entries().back().kind, "staff_logout");
  EXPECT_EQ(entries().back().actor, "bureau:clerc");
  EXPECT_EQ(entries().back().detail, "sessions=2");
  EXPECT_TRUE(session(kToken));
  ASSERT_OK(store_->staff.remove_user("jean"));
  EXPECT_FALSE(session(kToken));
  EXPECT_FALSE(store_->staff.user("jean")->has_value());
  EXPECT_EQ(entries().back().kind, "staff_user_remove");
  EXPECT_EQ(entries().back().detail, "sessions=1");
  EXPECT_EQ(store_->staff.remove_user("jean").code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->staff.create_session(new_session(kToken, "jean")).code(), StatusCode::kNotFound);
}

TEST_F(CentralStaff, ALoginFailureNamesAnAccountButNeverWhatWasTypedForAnUnknownOne) {
  ASSERT_OK(store_->staff.add_user(user("jean")));
  const std::int64_t now = clock_.now_ms();
  ASSERT_OK(store_->staff.record_login_failure("jean", "mot_de_passe", "192.0.2.1", now));
  ASSERT_OK(store_->staff.record_login_failure(kPassword, "mot_de_passe", "192.0.2.1",
                                               now));  // a password typed as the name
  ASSERT_OK(store_->staff.record_login_failure("jean", "Zorglub mot de passe", "192.0.2.1", now));
  const auto log = entries();
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log[1].kind, "staff_login_failure");
  EXPECT_EQ(log[1].actor, "jean");
  EXPECT_EQ(log[1].subject, "jean");
  EXPECT_EQ(log[1].detail, "raison=mot_de_passe");
  EXPECT_EQ(log[2].actor, "inconnu");
  EXPECT_EQ(log[2].subject, "");
  EXPECT_EQ(log[2].detail, "raison=utilisateur_inconnu");
  EXPECT_EQ(log[3].detail, "raison=autre");  // a reason that is not a code is not recorded
  expect_no_secret_in_log();
}

// Issue 16: refused logins counted per (name, address) and per address, in the store that
// every node shares; an unknown name under a keyed hash; forgotten after a day.
TEST_F(CentralStaff, RefusedLoginsAreCountedPerNameAndAddressAndForgottenAfterADay) {
  ASSERT_OK(store_->staff.add_user(user("jean")));
  const std::int64_t t0 = clock_.now_ms();
  for (int i = 0; i < 3; ++i) ASSERT_OK(store_->staff.record_login_failure("jean", "mot_de_passe", "192.0.2.1", t0 + i));
  ASSERT_OK(store_->staff.record_login_failure("jean", "mot_de_passe", "2001:db8::7", t0));
  ASSERT_OK(store_->staff.record_login_failure(kPassword, "mot_de_passe", "192.0.2.1", t0 + 5));
  auto counts = store_->staff.login_failures("jean", "192.0.2.1", t0 + 10);
  ASSERT_OK(counts);
  EXPECT_EQ(counts->first.name, "jean");
  EXPECT_EQ(counts->first.failures, 3);
  EXPECT_EQ(counts->first.last_ms, t0 + 2);
  EXPECT_EQ(counts->second.name, "*");
  EXPECT_EQ(counts->second.failures, 4);
  EXPECT_EQ(counts->second.last_ms, t0 + 5);
  auto typed = store_->staff.login_failures(kPassword, "192.0.2.1", t0 + 10);
  ASSERT_OK(typed);
  EXPECT_EQ(typed->first.failures, 1);
  EXPECT_TRUE(typed->first.name.starts_with("#")) << typed->first.name;
  EXPECT_EQ(typed->first.name.size(), 17u);
  auto all = store_->staff.all_login_failures(t0 + 10);
  ASSERT_OK(all);
  EXPECT_EQ(all->size(), 5u);  // jean and * from each address, and the hash
  for (const auto& row : *all) EXPECT_EQ(row.name.find("Zorglub"), std::string::npos) << row.name;

  ASSERT_OK(store_->staff.forget_login_failures("jean", "192.0.2.1"));
  EXPECT_EQ(store_->staff.login_failures("jean", "192.0.2.1", t0 + 10)->first.failures, 0);
  EXPECT_EQ(store_->staff.login_failures("jean", "2001:db8::7", t0 + 10)->first.failures, 1);
  auto cleared = store_->staff.clear_login_failures("*", std::string_view("192.0.2.1"));
  ASSERT_OK(cleared);
  EXPECT_EQ(*cleared, 1u);
  EXPECT_EQ(entries().back().kind, "staff_unblock");

  const std::int64_t day_later = t0 + storage::kLoginFailureMemoryMs + 10;
  EXPECT_EQ(store_->staff.login_failures("jean", "2001:db8::7", day_later)->first.failures, 0);
  ASSERT_OK(store_->staff.record_login_failure("marie", "mot_de_passe", "192.0.2.9", day_later));
  EXPECT_EQ(store_->staff.all_login_failures(day_later)->size(), 2u);  // the old rows are gone
  expect_no_secret_in_log();
}

TEST(CentralStaffSchema, MigrationFromSchema3KeepsTheDataAndTheAuditChain) {
  TempDir dir;
  // A store at schema 3 with data, opened by this code.
  const std::string old = dir.file("old.db");
  {
    auto db = storage::Database::open(old, storage::Database::Mode::kCreate);
    ASSERT_OK(db);
    ASSERT_OK(storage::migrate_central(**db, storage::CentralSchema::kAuditLog));
    ASSERT_OK((*db)->exec(
        "INSERT INTO inspectors(id, name, created_ms) VALUES('lead', 'Inspectrice', 1)"));
  }
  {
    auto store = storage::open_sqlite_central(old, storage::Database::Mode::kReadWrite);
    ASSERT_OK(store);
    ASSERT_OK((*store)->catalogue.add_inspector({"second", "Inspecteur"}));
    auto check = (*store)->audit.verify();
    ASSERT_OK(check);
    EXPECT_TRUE(check->ok);
    EXPECT_EQ(check->count, 1u);
  }
  auto db = storage::Database::open(old, storage::Database::Mode::kReadWrite);
  ASSERT_OK(db);
  EXPECT_EQ(storage::central_schema_version(**db).value(),
            static_cast<int>(storage::CentralSchema::kLatest));
  auto store = storage::open_sqlite_central(old, storage::Database::Mode::kReadWrite);
  ASSERT_OK(store);
  auto who = (*store)->catalogue.inspector("lead");
  ASSERT_OK(who);
  EXPECT_TRUE(who->has_value());
  auto hash = storage::hash_password(kPassword, {1024, 8, 1});
  ASSERT_OK(hash);
  ASSERT_OK((*store)->staff.add_user({"jean", "office", *hash, 0, std::nullopt}));
  auto check = (*store)->audit.verify();
  ASSERT_OK(check);
  EXPECT_TRUE(check->ok);
  EXPECT_EQ(check->count, 2u);
}

}  // namespace
}  // namespace carnet::testing
