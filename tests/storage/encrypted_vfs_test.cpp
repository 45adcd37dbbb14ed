// The encrypting VFS through Database: nothing in clear on disk, tampering detected, the
// wrong key refused, and SQLite's ordinary life (WAL, checkpoints, big rows, VACUUM) intact.
#include "storage/encrypted_vfs.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "storage/database.hpp"
#include "support/status_matchers.hpp"
#include "support/temp_dir.hpp"

namespace carnet::testing {
namespace {

namespace fs = std::filesystem;
using storage::Database;
using storage::DataKey;
using core::Status;

constexpr const char* kSentinel = "Zorglub-Sentinelle-7731";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Every file under `dir` whose bytes contain `needle`.
std::vector<std::string> files_containing(const fs::path& dir, const std::string& needle) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && slurp(e.path()).find(needle) != std::string::npos) out.push_back(e.path().string());
  }
  return out;
}

void flip_byte(const std::string& path, std::int64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(offset);
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x01);
  f.seekp(offset);
  f.write(&c, 1);
}

class EncryptedVfs : public ::testing::Test {
 protected:
  std::unique_ptr<Database> open(const DataKey* key) {
    auto db = Database::open(path(), Database::Mode::kCreate, key);
    EXPECT_OK(db);
    return db ? std::move(*db) : nullptr;
  }
  // Writes `rows` rows that each hold the sentinel, one transaction per 50 rows.
  void fill(Database& db, int rows) {
    ASSERT_OK(db.exec("CREATE TABLE IF NOT EXISTS residents(id INTEGER PRIMARY KEY, name TEXT, note BLOB)"));
    ASSERT_OK(db.exec("CREATE INDEX IF NOT EXISTS residents_by_name ON residents(name)"));
    for (int i = 0; i < rows; i += 50) {
      auto tx = storage::Transaction::begin(db);
      ASSERT_OK(tx);
      for (int j = i; j < i + 50 && j < rows; ++j) {
        auto st = db.prepare("INSERT INTO residents(name, note) VALUES (?, ?)");
        ASSERT_OK(st);
        const std::string name = std::string(kSentinel) + " n°" + std::to_string(j);
        const std::string note(j % 10 == 0 ? 9000 : 40, 'x');  // some rows overflow a page
        st->bind(1, name).bind_blob(2, note.data(), note.size());
        ASSERT_OK(st->run());
      }
      ASSERT_OK((*tx)->commit());
    }
  }
  std::int64_t count(Database& db) {
    auto st = db.prepare("SELECT count(*) FROM residents WHERE name LIKE 'Zorglub%'");
    EXPECT_OK(st);
    auto row = st->step();
    EXPECT_OK(row);
    return st->column_int(0);
  }
  // Reads every row and column through the table and through the index; the first error.
  Status read_everything(Database& db) {
    for (const char* sql : {"SELECT name, note FROM residents", "SELECT name FROM residents INDEXED BY residents_by_name WHERE name > ''"}) {
      auto st = db.prepare(sql);
      if (!st) return st.error();
      for (;;) {
        auto row = st->step();
        if (!row) return row.error();
        if (!*row) break;
        EXPECT_NE(st->column_text(0).find(kSentinel), std::string::npos);
      }
    }
    return Status::ok_status();
  }
  std::string path() const { return dir_.file("carnet.db"); }

  TempDir dir_;
  DataKey key_ = DataKey::random().value();
};

TEST_F(EncryptedVfs, NoFileHoldsTheSentinelInClearWhileOpenOrAfterClose) {
  {
    auto db = open(&key_);
    ASSERT_NE(db, nullptr);
    ASSERT_OK(db->exec("PRAGMA wal_autocheckpoint=0"));  // keep everything in the WAL for now
    fill(*db, 600);
    EXPECT_TRUE(fs::exists(path() + "-wal"));
    EXPECT_GT(fs::file_size(path() + "-wal"), 100000u);
    EXPECT_EQ(files_containing(dir_.path(), kSentinel), std::vector<std::string>{});
    ASSERT_OK(db->exec("PRAGMA wal_checkpoint(TRUNCATE)"));
    fill(*db, 200);
    EXPECT_EQ(files_containing(dir_.path(), kSentinel), std::vector<std::string>{});
    EXPECT_EQ(count(*db), 800);
  }
  EXPECT_EQ(files_containing(dir_.path(), kSentinel), std::vector<std::string>{});
  EXPECT_EQ(files_containing(dir_.path(), "SQLite format 3"), std::vector<std::string>{});
  auto db = open(&key_);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(count(*db), 800);
  EXPECT_OK(read_everything(*db));
}

TEST_F(EncryptedVfs, ControlWithoutKeyTheSentinelIsVisible) {
  // The same writes without a key leave the name on disk: the check above can fail.
  auto db = open(nullptr);
  ASSERT_NE(db, nullptr);
  fill(*db, 60);
  EXPECT_FALSE(files_containing(dir_.path(), kSentinel).empty());
}

TEST_F(EncryptedVfs, AnotherKeyIsRefusedAsCorruptionNotReadAsGarbage) {
  { fill(*open(&key_), 60); }
  const DataKey other = DataKey::random().value();
  auto db = Database::open(path(), Database::Mode::kReadWrite, &other);
  ASSERT_FALSE(db.has_value());
  EXPECT_EQ(db.error().code(), core::StatusCode::kCorruption) << db.error().to_string();
  auto plain = Database::open(path(), Database::Mode::kReadWrite, nullptr);
  ASSERT_FALSE(plain.has_value());
  EXPECT_EQ(plain.error().code(), core::StatusCode::kCorruption);
}

TEST_F(EncryptedVfs, AFlippedByteInADatabasePageIsDetected) {
  { fill(*open(&key_), 400); }
  ASSERT_FALSE(fs::exists(path() + "-wal"));  // checkpointed on close
  const auto pages = static_cast<std::int64_t>(fs::file_size(path())) / storage::kEncryptedPageSize;
  ASSERT_GT(pages, 10);
  flip_byte(path(), (pages - 2) * storage::kEncryptedPageSize + 100);
  auto db = open(&key_);
  ASSERT_NE(db, nullptr);  // page 1 is intact
  EXPECT_EQ(read_everything(*db).code(), core::StatusCode::kCorruption);
}

TEST_F(EncryptedVfs, AFlippedTagOrNonceIsDetectedToo) {
  { fill(*open(&key_), 100); }
  flip_byte(path(), storage::kEncryptedPageSize - 1);  // page 1's tag
  auto db = Database::open(path(), Database::Mode::kReadWrite, &key_);
  ASSERT_FALSE(db.has_value());
  EXPECT_EQ(db.error().code(), core::StatusCode::kCorruption);
}

TEST_F(EncryptedVfs, AFlippedByteInAWalFrameIsDetected) {
  auto writer = open(&key_);
  ASSERT_NE(writer, nullptr);
  ASSERT_OK(writer->exec("PRAGMA wal_autocheckpoint=0"));
  fill(*writer, 300);
  // The last frame's page data (the newest version of its page): after the 32-byte WAL
  // header, the earlier frames and the frame's 24-byte header.
  const auto frame = static_cast<std::int64_t>(24 + storage::kEncryptedPageSize);
  const auto frames = (static_cast<std::int64_t>(fs::file_size(path() + "-wal")) - 32) / frame;
  ASSERT_GT(frames, 10);
  flip_byte(path() + "-wal", 32 + (frames - 1) * frame + 24 + 7);
  auto reader = Database::open(path(), Database::Mode::kReadWrite, &key_);
  Status s = reader ? Status::ok_status() : reader.error();
  if (reader) s = read_everything(**reader);
  EXPECT_EQ(s.code(), core::StatusCode::kCorruption) << s.to_string();
}

TEST_F(EncryptedVfs, PagesMovedWithinTheFileAreDetected) {
  { fill(*open(&key_), 400); }
  std::string bytes = slurp(path());
  const std::size_t p = storage::kEncryptedPageSize;
  ASSERT_GT(bytes.size(), 8 * p);
  // Swap pages 4 and 5 (both well-formed ciphertext, sealed for other positions).
  std::string a = bytes.substr(3 * p, p);
  bytes.replace(3 * p, p, bytes.substr(4 * p, p));
  bytes.replace(4 * p, p, a);
  std::ofstream(path(), std::ios::binary | std::ios::trunc) << bytes;
  auto db = open(&key_);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(read_everything(*db).code(), core::StatusCode::kCorruption);
}

TEST_F(EncryptedVfs, VacuumAndDeletesKeepWorking) {
  auto db = open(&key_);
  ASSERT_NE(db, nullptr);
  fill(*db, 500);
  ASSERT_OK(db->exec("DELETE FROM residents WHERE id % 2 = 0"));
  ASSERT_OK(db->exec("VACUUM"));
  EXPECT_EQ(count(*db), 250);
  ASSERT_OK(db->exec("PRAGMA integrity_check"));
  EXPECT_EQ(files_containing(dir_.path(), kSentinel), std::vector<std::string>{});
}


TEST_F(EncryptedVfs, ATornWalFrameAfterACrashLosesOnlyWhatWasNotWhole) {
  // A writer dies without closing: its WAL stays, and the next opening recovers from it.
  const pid_t pid = ::fork();
  if (pid == 0) {
    auto db = Database::open(path(), Database::Mode::kCreate, &key_);
    if (!db || !(*db)->exec("PRAGMA wal_autocheckpoint=0").ok()) ::_exit(1);
    fill(**db, 500);  // ten transactions of 50 rows
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  // Tear the last frame, as a power cut during the last commit would.
  const auto frame = static_cast<std::int64_t>(24 + storage::kEncryptedPageSize);
  const auto frames = (static_cast<std::int64_t>(fs::file_size(path() + "-wal")) - 32) / frame;
  ASSERT_GT(frames, 10);
  flip_byte(path() + "-wal", 32 + (frames - 1) * frame + 24 + 2000);
  auto db = open(&key_);
  ASSERT_NE(db, nullptr);
  // The torn commit is gone, every earlier one is whole.
  EXPECT_EQ(count(*db), 450);
  EXPECT_OK(read_everything(*db));
}

}  // namespace
}  // namespace carnet::testing
