// storage/database: every SQLite file Carnet opens commits durably (WAL with
// synchronous=FULL: the log is synced before COMMIT returns) and is created mode 0600 with
// its -wal and -shm files, which hold the same data.
#include "storage/database.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <optional>

#include "storage/replica.hpp"
#include "support/status_matchers.hpp"
#include "support/sync_counting_vfs.hpp"
#include "support/temp_dir.hpp"

namespace carnet::testing {
namespace {

using storage::Database;

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

std::int64_t pragma(Database& db, const char* name) {
  auto st = db.prepare(std::string("PRAGMA ") + name);
  EXPECT_OK(st);
  if (!st || !st->step().value_or(false)) return -1;
  return st->column_int(0);
}

core::Status write_something(Database& db) {
  CARNET_RETURN_IF_ERROR(db.exec("CREATE TABLE IF NOT EXISTS t(x)"));
  auto tx = storage::Transaction::begin(db);
  if (!tx) return tx.error();
  auto st = db.prepare("INSERT INTO t(x) VALUES(?1)");
  if (!st) return st.error();
  CARNET_RETURN_IF_ERROR(st->bind(1, "donnée personnelle").run());
  return (*tx)->commit();
}

class DatabaseFile : public ::testing::TestWithParam<bool> {
 protected:
  // The key of the encrypted case (the tablet's replica), none in clear (the central store).
  const storage::DataKey* key() {
    if (!GetParam()) return nullptr;
    if (!key_) key_ = storage::DataKey::random().value();
    return &*key_;
  }
  TempDir dir_;
  std::optional<storage::DataKey> key_;
};

TEST_P(DatabaseFile, CommitsWithSynchronousFull) {
  auto db = Database::open(dir_.file("a.db"), Database::Mode::kCreate, key());
  ASSERT_OK(db);
  EXPECT_EQ(pragma(**db, "synchronous"), 2) << "FULL";
  ASSERT_OK(write_something(**db));
  db->reset();
  auto again = Database::open(dir_.file("a.db"), Database::Mode::kReadWrite, key());
  ASSERT_OK(again);
  EXPECT_EQ(pragma(**again, "synchronous"), 2);
}

TEST_P(DatabaseFile, ANewFileAndItsWalAndSharedMemoryAreMode0600WhateverTheUmask) {
  const mode_t old = ::umask(022);
  const std::string path = dir_.file("central.db");
  {
    auto db = Database::open(path, Database::Mode::kCreate, key());
    ASSERT_OK(db);
    ASSERT_OK(write_something(**db));
    // While the connection is open the log and the shared memory hold the data too.
    for (const char* suffix : {"", "-wal", "-shm"}) EXPECT_EQ(mode_of(path + suffix), 0600u) << suffix;
  }
  ::umask(old);
  EXPECT_EQ(mode_of(path), 0600u);
}

INSTANTIATE_TEST_SUITE_P(ClearAndEncrypted, DatabaseFile, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& p) { return p.param ? "Encrypted" : "Clear"; });

// In clear: the counting VFS replaces the default one, which the encrypting VFS wraps from its
// first use on; the encrypting VFS forwards every xSync to it (encrypted_vfs.cpp).
TEST(DatabaseDurability, ACommitSyncsTheLogBeforeItReturns) {
  TempDir dir;
  SyncCountingVfs counting;
  auto db = Database::open(dir.file("a.db"), Database::Mode::kCreate);
  ASSERT_OK(db);
  ASSERT_OK(write_something(**db));
  for (int i = 0; i < 5; ++i) {
    counting.reset();
    ASSERT_OK(write_something(**db));
    EXPECT_GE(counting.syncs("a.db-wal"), 1) << "commit " << i << " returned before the WAL was synced";
  }
}

TEST(DatabaseReplica, TheTabletReplicaCommitsWithSynchronousFull) {
  TempDir dir;
  auto key = storage::DataKey::random();
  ASSERT_OK(key);
  auto replica = storage::Replica::open(dir.file("carnet.db"), Database::Mode::kCreate, core::SystemClock::instance(), *key);
  ASSERT_OK(replica);
  EXPECT_EQ(pragma((*replica)->db(), "synchronous"), 2);
}

}  // namespace
}  // namespace carnet::testing
