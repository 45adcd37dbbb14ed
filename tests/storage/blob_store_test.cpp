#include "storage/blob_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
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

// Every test runs on the central node's plain store and on the tablet's sealed one.
class Blobs : public ::testing::TestWithParam<bool> {
 protected:
  std::string write(const std::string& name, const std::string& bytes) {
    const std::string path = dir_.file(name);
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  TempDir dir_;
  storage::DataKey key_ = storage::DataKey::random().value();
  storage::BlobStore store_{dir_.file("blobs"), 1 << 20, GetParam() ? std::optional(key_) : std::nullopt};
};

INSTANTIATE_TEST_SUITE_P(PlainAndSealed, Blobs, ::testing::Bool(),
                         [](const auto& p) { return p.param ? "sealed" : "plain"; });

TEST_P(Blobs, FileIsStoredUnderItsHashWithOwnerOnlyAccess) {
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

TEST_P(Blobs, TooLargeIsRefused) {
  auto sha = store_.put_file(write("big", random_bytes((1 << 20) + 1, 2)));
  ASSERT_FALSE(sha);
  EXPECT_EQ(sha.error().code(), core::StatusCode::kOutOfRange);
}

TEST_P(Blobs, ChunksResumeFromWhatIsHeldAndCompleteOnlyWithTheRightHash) {
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

TEST_P(Blobs, BytesThatDoNotMatchTheirHashAreDiscarded) {
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

TEST_P(Blobs, ChunksOfAnySizeReassembleAcrossSegments) {
  // Chunk boundaries that fall inside the sealed segments (64 KiB) and on them.
  const std::string bytes = random_bytes(3 * 65536 + 777, 5);
  const std::string sha = storage::sha256_file(write("scan", bytes)).value();
  std::uint64_t at = 0;
  for (std::size_t n : {1000u, 65536u - 1000u, 70000u, 1u, 60000u}) {
    ASSERT_OK(store_.append(sha, at, bytes.size(), bytes.substr(at, n)));
    at += n;
    EXPECT_EQ(store_.received(sha), at);
  }
  ASSERT_OK(store_.append(sha, at, bytes.size(), bytes.substr(at)));
  ASSERT_TRUE(store_.has(sha));
  EXPECT_EQ(store_.size(sha), std::optional<std::uint64_t>(bytes.size()));
  EXPECT_EQ(store_.read(sha, 0, bytes.size()).value(), bytes);
  EXPECT_EQ(store_.read(sha, 65530, 20).value(), bytes.substr(65530, 20));
  EXPECT_EQ(store_.read(sha, bytes.size() - 5, 100).value(), bytes.substr(bytes.size() - 5));
}

class SealedBlobs : public Blobs {};

TEST_P(SealedBlobs, NoPhotoIsOnDiskInClearAndAnAlteredByteIsDetected) {
  std::string bytes = random_bytes(200000, 6);
  const std::string marker = "Zorglub-Sentinelle-7731";
  bytes.replace(70000, marker.size(), marker);
  storage::BlobStore sealed(dir_.file("sealed"), 1 << 20, key_);
  const std::string sha = sealed.put_file(write("photo.jpg", bytes)).value();
  const std::string file = dir_.file("sealed") + "/" + sha;
  std::string on_disk;
  {
    std::ifstream in(file, std::ios::binary);
    on_disk.assign(std::istreambuf_iterator<char>(in), {});
  }
  EXPECT_EQ(on_disk.find(marker), std::string::npos);
  EXPECT_EQ(sealed.read(sha, 70000, marker.size()).value(), marker);
  // Another key reads nothing.
  storage::BlobStore other(dir_.file("sealed"), 1 << 20, storage::DataKey::random().value());
  EXPECT_EQ(other.read(sha, 0, 10).error().code(), core::StatusCode::kCorruption);
  // One flipped byte in the second segment.
  on_disk[16 + 65536 + 28 + 10] ^= 1;
  std::ofstream(file, std::ios::binary | std::ios::trunc) << on_disk;
  EXPECT_OK(sealed.read(sha, 0, 100));  // the first segment is intact
  EXPECT_EQ(sealed.read(sha, 65536, 100).error().code(), core::StatusCode::kCorruption);
  // Cut short at a segment boundary: refused, not read as a smaller photo.
  on_disk.resize(16 + 65536 + 28);
  std::ofstream(file, std::ios::binary | std::ios::trunc) << on_disk;
  EXPECT_EQ(sealed.read(sha, 0, 100).error().code(), core::StatusCode::kCorruption);
}

INSTANTIATE_TEST_SUITE_P(Sealed, SealedBlobs, ::testing::Values(true));

}  // namespace
}  // namespace carnet::testing
