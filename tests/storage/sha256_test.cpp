// SHA-256 (storage/sha256.cpp): the published test vectors, in one piece and in pieces.
#include "storage/sha256.hpp"

#include <gtest/gtest.h>

#include <string>

#include "storage/encoding.hpp"

namespace carnet::testing {
namespace {

using storage::sha256_hex;

TEST(Sha256, MatchesKnownVectors) {
  // FIPS 180-2 appendix B.
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1'000'000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // Every byte counts, a NUL included.
  EXPECT_EQ(sha256_hex(std::string("a\0b", 3)).size(), 64u);
  EXPECT_NE(sha256_hex(std::string("a\0b", 3)), sha256_hex("a"));
}

TEST(Sha256, DigestIsTheBytesOfTheHex) {
  const storage::Sha256Digest digest = storage::sha256("abc");
  EXPECT_EQ(storage::to_hex(
                std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size())),
            sha256_hex("abc"));
  storage::Sha256Digest into{};
  storage::sha256("abc", into);
  EXPECT_EQ(into, digest);
}

TEST(Sha256, InPiecesIsTheSameAsAtOnce) {
  const std::string text = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  for (std::size_t cut = 0; cut <= text.size(); cut += 7) {
    storage::Sha256 digest;
    digest.update(std::string_view(text).substr(0, cut));
    digest.update("");
    digest.update(std::string_view(text).substr(cut));
    EXPECT_EQ(digest.finish_hex(), sha256_hex(text)) << cut;
  }
  storage::Sha256 empty;
  EXPECT_EQ(empty.finish(), storage::sha256(""));
}

}  // namespace
}  // namespace carnet::testing
