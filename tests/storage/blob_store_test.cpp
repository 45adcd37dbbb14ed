#include "storage/blob_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "support/status_matchers.hpp"
#include "support/temp_dir.hpp"

namespace carnet::testing {
namespace {

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xFF);
  return s;
}

class Blobs : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& bytes) {
    const std::string path = dir_.file(name);
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  TempDir dir_;
  storage::BlobStore store_{dir_.file("blobs"), 1 << 20};
};

TEST_F(Blobs, FileIsStoredUnderItsHashWithOwnerOnlyAccess) {
  const std::string bytes = random_bytes(100000, 1);
  auto sha = store_.put_file(write("photo.jpg", bytes));
  ASSERT_OK(sha);
  EXPECT_EQ(*sha, storage::sha256_file(dir_.file("photo.jpg")).value());
  EXPECT_TRUE(store_.has(*sha));
  EXPECT_EQ(store_.size(*sha), std::optional<std::uint64_t>(100000));
  EXPECT_EQ(store_.read(*sha, 10, 5).value(), bytes.substr(10, 5));
  const auto perms = std::filesystem::status(dir_.file("blobs") + "/" + *sha).permissions();
  EXPECT_EQ(perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all), std::filesystem::perms::none);
}

TEST_F(Blobs, TooLargeIsRefused) {
  auto sha = store_.put_file(write("big", random_bytes((1 << 20) + 1, 2)));
  ASSERT_FALSE(sha);
  EXPECT_EQ(sha.error().code(), core::StatusCode::kOutOfRange);
}

TEST_F(Blobs, ChunksResumeFromWhatIsHeldAndCompleteOnlyWithTheRightHash) {
  const std::string bytes = random_bytes(300000, 3);
  const std::string sha = storage::sha256_file(write("doc.pdf", bytes)).value();
  ASSERT_OK(store_.append(sha, 0, bytes.size(), bytes.substr(0, 100000)));
  EXPECT_EQ(store_.received(sha), 100000u);
  EXPECT_FALSE(store_.has(sha));
  // A chunk at the wrong offset (a lost acknowledgement) says where to resume.
  auto wrong = store_.append(sha, 0, bytes.size(), bytes.substr(0, 100000));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code(), core::StatusCode::kFailedPrecondition);
  ASSERT_OK(store_.append(sha, 100000, bytes.size(), bytes.substr(100000, 100000)));
  auto done = store_.append(sha, 200000, bytes.size(), bytes.substr(200000));
  ASSERT_OK(done);
  EXPECT_TRUE(store_.has(sha));
  EXPECT_EQ(store_.read(sha, 0, bytes.size()).value(), bytes);
}

TEST_F(Blobs, BytesThatDoNotMatchTheirHashAreDiscarded) {
  const std::string bytes = random_bytes(5000, 4);
  const std::string sha = storage::sha256_file(write("a", bytes)).value();
  std::string tampered = bytes;
  tampered[100] ^= 1;
  auto r = store_.append(sha, 0, tampered.size(), tampered);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), core::StatusCode::kInvalidArgument);
  EXPECT_FALSE(store_.has(sha));
  EXPECT_EQ(store_.received(sha), 0u);
  EXPECT_EQ(store_.append(sha, 0, 2 << 20, "x").error().code(), core::StatusCode::kOutOfRange);
  EXPECT_EQ(store_.append("not-a-hash", 0, 1, "x").error().code(), core::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace carnet::testing
