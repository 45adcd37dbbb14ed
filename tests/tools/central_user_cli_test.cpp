// `carnet-central user` and `carnet-central quarantine review` as the office runs them: real
// processes on a real data directory; the password from a private file or typed twice at a
// terminal without echo, and never in the store, the output or the audit log.
#include <gtest/gtest.h>
#include <pty.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "core/json.hpp"
#include "storage/password.hpp"
#include "support/central_cli.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/terminal.hpp"

namespace carnet::testing {
namespace {

constexpr const char* kPassword = "Zorglub-bureau-2026";

class CentralUserCli : public CentralCliTest {
 protected:
  void SetUp() override { ASSERT_EQ(central({"init"}).exit_code, 0); }
  std::string password_file(const std::string& name, const std::string& text, mode_t mode = 0600) {
    const std::string path = dir_.file(name);
    std::ofstream(path) << text << "\n";
    ::chmod(path.c_str(), mode);
    return path;
  }
  // The whole store file and the audit log as text, to look for secrets in.
  std::string store_bytes() {
    std::ifstream in(dir_.file("central") + "/central.db", std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::string stored_hash(const std::string& name) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open((dir_.file("central") + "/central.db").c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT password_hash FROM staff_users WHERE name = ?1", -1, &st,
                       nullptr);
    sqlite3_bind_text(st, 1, name.c_str(), -1, SQLITE_TRANSIENT);
    std::string out;
    if (sqlite3_step(st) == SQLITE_ROW)
      out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
  }
  // Runs carnet-central on a pseudo-terminal, answering each password prompt with the next
  // of `typed`; what the terminal showed and the exit code.
  std::pair<std::string, int> on_terminal(std::vector<std::string> args,
                                          const std::vector<std::string>& typed) {
    args.push_back("--data");
    args.push_back(dir_.file("central"));
    TerminalRun r = run_on_terminal(CARNET_CENTRAL_BIN, args, typed, {"ot de passe : "});
    return {r.screen, r.exit_code};
  }

};

TEST_F(CentralUserCli, AddListDisableAndRemoveAStaffAccount) {
  const std::string file = password_file("pw", kPassword);
  const core::Json added =
      json({"user", "add", "marie", "--role", "admin", "--password-file", file});
  EXPECT_EQ(added.find("role")->as_string(), "admin");
  ASSERT_EQ(central({"user", "add", "jean", "--role", "office", "--password-file", file}).exit_code,
            0);
  const std::string hash = stored_hash("marie");
  EXPECT_EQ(hash.rfind("scrypt$32768$8$1$", 0), 0u) << hash;
  EXPECT_TRUE(storage::verify_password(kPassword, hash));

  const core::Json all = json({"user", "list"});
  ASSERT_EQ(all.as_array().size(), 2u);
  EXPECT_EQ(all.as_array()[0].find("name")->as_string(), "jean");
  EXPECT_TRUE(all.as_array()[0].find("disabled")->is_null());
  const auto text = central({"user", "list"});
  EXPECT_EQ(text.out.find("scrypt"), std::string::npos) << "hashes are not listed: " << text.out;

  EXPECT_EQ(central({"user", "disable", "jean"}).exit_code, 0);
  EXPECT_FALSE(json({"user", "list"}).as_array()[0].find("disabled")->is_null());
  EXPECT_EQ(central({"user", "remove", "jean"}).exit_code, 0);
  EXPECT_EQ(json({"user", "list"}).as_array().size(), 1u);
  EXPECT_EQ(central({"user", "remove", "jean"}).exit_code, 3);

  const core::Json audit = json({"audit", "list"});
  std::vector<std::string> kinds;
  for (const auto& e : audit.as_array()) {
    const std::string& kind = e.find("kind")->as_string();
    if (kind.rfind("staff_", 0) == 0) kinds.push_back(kind);
    EXPECT_EQ(e.dump().find(kPassword), std::string::npos);
    EXPECT_EQ(e.dump().find(hash.substr(18)), std::string::npos);
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"staff_user_add", "staff_user_add",
                                             "staff_user_disable", "staff_user_remove"}));
  EXPECT_EQ(store_bytes().find(kPassword), std::string::npos);
}

TEST_F(CentralUserCli, BadRolesNamesShortPasswordsAndDuplicatesAreRefusedInFrench) {
  const std::string file = password_file("pw", kPassword);
  auto r = central({"user", "add", "marie", "--role", "root", "--password-file", file});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("admin ou office"), std::string::npos) << r.err;
  EXPECT_EQ(central({"user", "add", "marie", "--password-file", file}).exit_code, 2);  // no role
  EXPECT_EQ(central({"user", "add", "avec espace", "--role", "office", "--password-file", file})
                .exit_code,
            2);
  r = central({"user", "add", "marie", "--role", "office", "--password-file",
               password_file("short", "onze-octets")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("trop court"), std::string::npos) << r.err;
  ASSERT_EQ(
      central({"user", "add", "marie", "--role", "office", "--password-file", file}).exit_code, 0);
  EXPECT_EQ(central({"user", "add", "marie", "--role", "admin", "--password-file", file}).exit_code,
            8);
}

TEST_F(CentralUserCli, APasswordFileReadableByOthersIsRefused) {
  const std::string file = password_file("pw", kPassword, 0644);
  const auto r = central({"user", "add", "marie", "--role", "office", "--password-file", file});
  EXPECT_EQ(r.exit_code, 9);
  EXPECT_NE(r.err.find("lisible par d'autres"), std::string::npos) << r.err;
  EXPECT_EQ(json({"user", "list"}).as_array().size(), 0u);
}

TEST_F(CentralUserCli, AtTheTerminalThePasswordIsTypedTwiceWithoutEcho) {
  auto [screen, code] =
      on_terminal({"user", "add", "marie", "--role", "office"}, {kPassword, kPassword});
  EXPECT_EQ(code, 0) << screen;
  EXPECT_NE(screen.find("Mot de passe : "), std::string::npos) << screen;
  EXPECT_NE(screen.find("Confirmer le mot de passe : "), std::string::npos) << screen;
  EXPECT_EQ(screen.find(kPassword), std::string::npos) << "the password was echoed: " << screen;
  EXPECT_TRUE(storage::verify_password(kPassword, stored_hash("marie")));
  std::tie(screen, code) = on_terminal({"user", "add", "jean", "--role", "office"},
                                       {kPassword, "un-autre-mot-de-passe"});
  EXPECT_EQ(code, 2) << screen;
  EXPECT_NE(screen.find("les deux mots de passe diffèrent"), std::string::npos) << screen;
  EXPECT_EQ(stored_hash("jean"), "");
}

TEST_F(CentralUserCli, QuarantineReviewNeedsAKnownIdAndAFrenchDecision) {
  auto r = central({"quarantine", "review", "1", "--decision", "apply"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("rejeter ou appliquer"), std::string::npos) << r.err;
  r = central({"quarantine", "review", "1", "--decision", "rejeter"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("aucun changement en quarantaine"), std::string::npos) << r.err;
  EXPECT_EQ(central({"quarantine", "review", "1"}).exit_code, 2);
  EXPECT_EQ(json({"quarantine", "list", "--all"}).as_array().size(), 0u);
}

}  // namespace
}  // namespace carnet::testing
