// End-to-end tests of `carnet-central audit` (and serve's option checks): real processes, a real data directory, the
// store edited behind the program's back with raw SQL.
#include <gtest/gtest.h>
#include <pwd.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

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

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// What a traced process did to files, in order: the system calls of `strace -o`, with file
// descriptors replaced by the paths they were opened on.
struct FileEvent {
  std::string call;   // openat, fsync, rename
  std::string path;   // for a rename, the source
  std::string to;     // for a rename
  std::string flags;  // for an openat
};

std::vector<FileEvent> file_events(const std::string& trace_file) {
  static const std::regex open_re(R"re(^openat\(AT_FDCWD, "([^"]*)", ([A-Z_|]+)[^)]*\)\s+= (\d+))re");
  static const std::regex sync_re(R"re(^f(?:data)?sync\((\d+)\)\s+= 0)re");
  static const std::regex rename_re(R"re(^rename(?:at2?)?\((?:AT_FDCWD, )?"([^"]*)", (?:AT_FDCWD, )?"([^"]*)"[^)]*\)\s+= 0)re");
  std::ifstream in(trace_file);
  std::map<std::string, std::string> open_fds;
  std::vector<FileEvent> events;
  std::smatch m;
  for (std::string line; std::getline(in, line);) {
    if (std::regex_search(line, m, open_re)) {
      open_fds[m[3]] = m[1];
      events.push_back({"openat", m[1], "", m[2]});
    } else if (std::regex_search(line, m, sync_re)) {
      events.push_back({"fsync", open_fds[m[1]], "", ""});
    } else if (std::regex_search(line, m, rename_re)) {
      events.push_back({"rename", m[1], m[2], ""});
    }
  }
  return events;
}

// Every file `carnet-central init` creates is written to a temporary file made with O_EXCL |
// O_NOFOLLOW, fsynced, renamed to its name and its directory fsynced after the rename; the
// store is created 0600 before SQLite opens it and its WAL is synced. All of it owner only,
// whatever the umask.
TEST_F(CentralCliTest, InitWritesEveryFileDurablyAndForTheOwnerOnly) {
  const std::string strace = "/usr/bin/strace";
  ASSERT_TRUE(std::filesystem::exists(strace)) << "strace is needed (tools/dev installs it)";
  const std::string data = dir_.file("central");
  const std::string trace = dir_.file("init.strace");
  // LeakSanitizer cannot run under ptrace: in the sanitizer tree the traced process leaves it off.
  const char* asan = std::getenv("ASAN_OPTIONS");
  const std::string asan_options = "ASAN_OPTIONS=" + std::string(asan ? asan : "") + (asan && *asan ? ":" : "") + "detect_leaks=0";
  const mode_t old = ::umask(022);
  const auto r = run_process(strace, {"-qq", "-E", asan_options, "-o", trace, "-e", "trace=openat,fsync,fdatasync,rename,renameat,renameat2",
                                      CARNET_CENTRAL_BIN, "init", "--data", data});
  ::umask(old);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::vector<FileEvent> events = file_events(trace);
  ASSERT_FALSE(events.empty());

  EXPECT_EQ(mode_of(data), 0700u);
  for (const char* name : {"ca.key", "server.key", "ca.pem", "server.pem"}) {
    const std::string path = data + "/" + name;
    EXPECT_EQ(mode_of(path), 0600u) << name;
    const auto renamed = std::find_if(events.begin(), events.end(), [&](const FileEvent& e) {
      return e.call == "rename" && e.to == path && e.path.starts_with(path + ".tmp-");
    });
    ASSERT_NE(renamed, events.end()) << name << " is not renamed from a temporary file";
    const std::string tmp = renamed->path;
    const auto created = std::find_if(events.begin(), renamed, [&](const FileEvent& e) { return e.call == "openat" && e.path == tmp; });
    ASSERT_NE(created, renamed) << name;
    EXPECT_NE(created->flags.find("O_EXCL"), std::string::npos) << name << ": " << created->flags;
    EXPECT_NE(created->flags.find("O_NOFOLLOW"), std::string::npos) << name << ": " << created->flags;
    EXPECT_NE(std::find_if(created, renamed, [&](const FileEvent& e) { return e.call == "fsync" && e.path == tmp; }), renamed)
        << name << " is renamed before its bytes are synced";
    const auto next_sync = std::find_if(renamed, events.end(), [](const FileEvent& e) { return e.call == "fsync"; });
    ASSERT_NE(next_sync, events.end()) << name << ": nothing is synced after the rename";
    EXPECT_EQ(next_sync->path, data) << name << ": the directory is not synced right after the rename";
  }

  const std::string store = data + "/central.db";
  EXPECT_EQ(mode_of(store), 0600u);
  const auto created = std::find_if(events.begin(), events.end(), [&](const FileEvent& e) { return e.call == "openat" && e.path == store; });
  ASSERT_NE(created, events.end());
  EXPECT_NE(created->flags.find("O_EXCL"), std::string::npos) << created->flags;
  const auto wal_syncs = std::count_if(events.begin(), events.end(), [&](const FileEvent& e) { return e.call == "fsync" && e.path == store + "-wal"; });
  EXPECT_GE(wal_syncs, 4) << "one at least per commit: the grids are published one transaction each";
}

}  // namespace
}  // namespace carnet::testing
