// storage/files: a file is written whole or not at all, with exactly its mode, and a secret
// file is never written over something already there or through a planted symbolic link.
#include "storage/files.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "support/status_matchers.hpp"
#include "support/temp_dir.hpp"

namespace carnet::testing {
namespace {

namespace fs = std::filesystem;
using core::StatusCode;

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

std::string contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// The names in `dir`, to see that nothing (a temporary file) is left behind.
std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// Sets the process's umask for one test.
class Umask {
 public:
  explicit Umask(mode_t mask) : old_(::umask(mask)) {}
  ~Umask() { ::umask(old_); }

 private:
  mode_t old_;
};

TEST(Files, AFileIsWrittenWholeWithExactlyItsModeWhateverTheUmask) {
  TempDir dir;
  for (const mode_t mask : {mode_t{0}, mode_t{022}, mode_t{077}, mode_t{0277}}) {
    const Umask umask(mask);
    const std::string path = dir.file("f" + std::to_string(mask));
    ASSERT_OK(storage::write_file_durably(path, "contenu"));
    EXPECT_EQ(mode_of(path), 0600u) << std::oct << mask;
    EXPECT_EQ(contents(path), "contenu");
    const std::string shared = path + ".pub";
    ASSERT_OK(storage::write_file_durably(shared, "public", storage::Existing::kReplace, 0644));
    EXPECT_EQ(mode_of(shared), 0644u) << std::oct << mask;
  }
}

TEST(Files, ReplacingAFileLeavesTheNewOneAndNoTemporaryFile) {
  TempDir dir;
  const std::string path = dir.file("central.conf");
  ASSERT_OK(storage::write_file_durably(path, "ancien"));
  ASSERT_OK(storage::write_file_durably(path, "nouveau"));
  EXPECT_EQ(contents(path), "nouveau");
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"central.conf"});
  // Refusing leaves the old file as it was.
  const core::Status refused = storage::write_file_durably(path, "autre", storage::Existing::kRefuse);
  EXPECT_EQ(refused.code(), StatusCode::kAlreadyExists) << refused.to_string();
  EXPECT_NE(refused.message().find(path), std::string::npos) << refused.message();
  EXPECT_EQ(contents(path), "nouveau");
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"central.conf"});
}

TEST(Files, AWriteThatFailsLeavesNothing) {
  TempDir dir;
  const core::Status s = storage::write_file_durably(dir.file("absent/f"), "x");
  EXPECT_EQ(s.code(), StatusCode::kIoError) << s.to_string();
  EXPECT_TRUE(names_in(dir.path()).empty());
}

TEST(Files, ASecretFileIsCreatedMode0600AndNeverOverAnExistingFile) {
  TempDir dir;
  const Umask umask(0);
  const std::string key = dir.file("ca.key");
  ASSERT_OK(storage::create_secret_file(key, "secret"));
  EXPECT_EQ(mode_of(key), 0600u);
  EXPECT_EQ(contents(key), "secret");
  // O_EXCL: a file already there (even readable by all) is refused and left as it was.
  const std::string lax = dir.file("lax.key");
  std::ofstream(lax) << "ancien";
  ASSERT_EQ(::chmod(lax.c_str(), 0644), 0);
  for (const std::string& path : {key, lax}) {
    const std::string before = contents(path);
    const core::Status s = storage::create_secret_file(path, "nouveau");
    EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s.to_string();
    EXPECT_EQ(contents(path), before);
  }
  EXPECT_EQ(mode_of(lax), 0644u);
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"ca.key", "lax.key"}));
}

TEST(Files, ASecretFileIsNeverWrittenThroughAPlantedSymbolicLink) {
  TempDir dir;
  // O_NOFOLLOW: a link to a file the attacker wants overwritten, and a dangling link to a
  // file the attacker wants created where it can read it.
  const std::string victim = dir.file("victime");
  std::ofstream(victim) << "a garder";
  const std::string planted = dir.file("server.key");
  ASSERT_EQ(::symlink(victim.c_str(), planted.c_str()), 0);
  const std::string dangling = dir.file("device.key");
  const std::string lure = dir.file("lue-par-tous");
  ASSERT_EQ(::symlink(lure.c_str(), dangling.c_str()), 0);
  for (const std::string& path : {planted, dangling}) {
    const core::Status s = storage::create_secret_file(path, "-----BEGIN PRIVATE KEY-----");
    EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s.to_string();
    EXPECT_NE(s.message().find("lien symbolique"), std::string::npos) << s.message();
    EXPECT_TRUE(fs::is_symlink(path)) << path;
  }
  EXPECT_EQ(contents(victim), "a garder");
  EXPECT_FALSE(fs::exists(lure));
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"device.key", "server.key", "victime"}));
}

TEST(Files, ReplacingAFileReplacesALinkAtItsPathNotWhatTheLinkNames) {
  TempDir dir;
  const std::string victim = dir.file("victime");
  std::ofstream(victim) << "a garder";
  const std::string path = dir.file("serve.url");
  ASSERT_EQ(::symlink(victim.c_str(), path.c_str()), 0);
  ASSERT_OK(storage::write_file_durably(path, "https://127.0.0.1:1/\n"));
  EXPECT_FALSE(fs::is_symlink(path));
  EXPECT_EQ(contents(path), "https://127.0.0.1:1/\n");
  EXPECT_EQ(contents(victim), "a garder");
}

TEST(Files, DirectoriesAreCreatedWithExactlyTheirMode) {
  TempDir dir;
  const Umask umask(022);
  const std::string deep = dir.file("a/b/c");
  ASSERT_OK(storage::create_directories_durably(deep));
  for (const std::string& d : {dir.file("a"), dir.file("a/b"), deep}) EXPECT_EQ(mode_of(d), 0700u) << d;
  // One already there gets the mode too; a file in the way is an error.
  const std::string open = dir.file("ouvert");
  ASSERT_EQ(::mkdir(open.c_str(), 0755), 0);
  ASSERT_OK(storage::create_directories_durably(open));
  EXPECT_EQ(mode_of(open), 0700u);
  std::ofstream(dir.file("fichier")) << "x";
  EXPECT_EQ(storage::create_directories_durably(dir.file("fichier/d")).code(), StatusCode::kIoError);
}

TEST(Files, ParentDirectory) {
  EXPECT_EQ(storage::parent_directory("a/b"), "a");
  EXPECT_EQ(storage::parent_directory("a/b/"), "a");
  EXPECT_EQ(storage::parent_directory("b"), ".");
  EXPECT_EQ(storage::parent_directory("/b"), "/");
  EXPECT_EQ(storage::parent_directory("/"), "/");
}

}  // namespace
}  // namespace carnet::testing
