// End-to-end tests of `carnet-central audit` (and serve's option checks): real processes, a real data directory, the
// store edited behind the program's back with raw SQL.
#include <gtest/gtest.h>
#include <pwd.h>
#include <sqlite3.h>
#include <unistd.h>

#include "core/json.hpp"
#include "support/central_cli.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace carnet::testing {
namespace {

class CentralCli : public CentralCliTest {
 protected:
  void SetUp() override {
    ASSERT_EQ(central({"init"}).exit_code, 0);
    ASSERT_EQ(central({"inspector", "add", "lead", "--name", "Inspectrice Zorglub"}).exit_code, 0);
    ASSERT_EQ(central({"dossier", "import",
                       std::string(CARNET_SOURCE_DIR) + "/tools/samples/dossiers.json"})
                  .exit_code,
              0);
    ASSERT_EQ(central({"assign", "ma-0042", "lead"}).exit_code, 0);
    ASSERT_EQ(central({"unassign", "ma-0042", "lead"}).exit_code, 0);
  }
  void sql(const std::string& text) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_.file("central") + "/central.db").c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    const int rc = sqlite3_exec(db, text.c_str(), nullptr, nullptr, &err);
    EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
  }

};

TEST_F(CentralCli, AuditListShowsTheOfficeActionsWithTheAccountThatMadeThem) {
  const core::Json all = json({"audit", "list"});
  ASSERT_EQ(all.as_array().size(),
            4u + 1 + 3 + 2);  // grids, inspector, dossiers, assign + unassign
  const passwd* pw = ::getpwuid(::geteuid());
  ASSERT_NE(pw, nullptr);
  const core::Json& last = all.as_array().back();
  EXPECT_EQ(last.find("kind")->as_string(), "unassignment");
  EXPECT_EQ(last.find("actor")->as_string(), std::string("bureau:") + pw->pw_name);
  EXPECT_EQ(last.find("subject")->as_string(), "ma-0042");
  EXPECT_EQ(last.find("detail")->as_string(), "inspecteur=lead");
  EXPECT_EQ(json({"audit", "list", "--limit", "2"}).as_array().size(), 2u);
  const auto text = central({"audit", "list"});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_EQ(text.out.find("Zorglub"), std::string::npos) << text.out;
}

TEST_F(CentralCli, ServeRefusesAPublicUrlThatIsNotHttps) {
  const auto r = central({"serve", "--listen", "127.0.0.1:0", "--public-url", "http://carnet.example"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--public-url"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("https"), std::string::npos) << r.err;
}

TEST_F(CentralCli, VerifyPrintsTheHeadAndNamesTheFirstBadEntryWithExitCode6) {
  const core::Json ok = json({"audit", "verify"});
  EXPECT_TRUE(ok.find("ok")->as_bool());
  EXPECT_EQ(ok.find("entries")->number_text(), "10");
  const std::string head = ok.find("head")->as_string();
  EXPECT_EQ(head.substr(0, 3), "10:");
  const auto text = central({"audit", "verify"});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("10 entrée(s)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find(head), std::string::npos) << text.out;
  EXPECT_EQ(central({"audit", "verify", "--head", head}).exit_code, 0);

  sql("DROP TRIGGER audit_no_update; UPDATE audit SET detail = 'version=7' WHERE seq = 2");
  const auto bad = central({"audit", "verify"});
  EXPECT_EQ(bad.exit_code, 6);
  EXPECT_NE(bad.err.find("entrée n° 2 modifiée"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("première entrée en cause : n° 2"), std::string::npos) << bad.err;
  const auto bad_json = central({"audit", "verify", "--json"});
  EXPECT_EQ(bad_json.exit_code, 6);
  EXPECT_EQ(core::Json::parse(bad_json.out)->find("error")->find("code")->as_string(), "corruption")
      << bad_json.out;
}

TEST_F(CentralCli, ANotedHeadRevealsTheEndCutTogetherWithTheRecordedHead) {
  const std::string head = json({"audit", "verify"}).find("head")->as_string();
  // Someone removes the last entry and rewrites the recorded head to match: the chain alone
  // looks intact…
  sql("DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 10;"
      "UPDATE meta SET value = (SELECT seq || ' ' || hash FROM audit WHERE seq = 9) WHERE key = "
      "'audit_head';"
      "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'x'); END;");
  EXPECT_EQ(central({"audit", "verify"}).exit_code, 0);
  // …but not against the head the administrator noted.
  const auto r = central({"audit", "verify", "--head", head});
  EXPECT_EQ(r.exit_code, 6);
  EXPECT_NE(r.err.find("entrée n° 10 manquante"), std::string::npos) << r.err;
  EXPECT_EQ(central({"audit", "verify", "--head", "10:zz"}).exit_code, 2);
}

}  // namespace
}  // namespace carnet::testing
