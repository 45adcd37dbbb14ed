// Password hashes (storage/password.cpp) and the scrypt helper they share with the key file
// (storage/scrypt.cpp).
#include "storage/password.hpp"

#include <gtest/gtest.h>

#include <array>

#include "storage/encoding.hpp"
#include "storage/scrypt.hpp"
#include "support/status_matchers.hpp"

namespace carnet::testing {
namespace {

using core::StatusCode;

// A cheap cost for the tests that hash many times; the default is checked once.
constexpr storage::ScryptParams kCheap{1024, 8, 1};

TEST(Scrypt, MatchesTheRfc7914TestVector) {
  std::array<std::uint8_t, 64> out{};
  ASSERT_OK(storage::scrypt("password", "NaCl", {1024, 8, 16}, out));
  EXPECT_EQ(storage::to_hex(std::string_view(reinterpret_cast<const char*>(out.data()), out.size())),
            "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109"
            "279d9830dac727afb94a83"
            "ee6d8360cbdfa2cc0640");
}

TEST(Scrypt, BoundsRefuseCostsAStoredStringCouldImpose) {
  EXPECT_TRUE(storage::scrypt_params_in_bounds({}));
  EXPECT_FALSE(storage::scrypt_params_in_bounds({1000, 8, 1}));      // not a power of two
  EXPECT_FALSE(storage::scrypt_params_in_bounds({1u << 21, 8, 1}));  // too much memory
  EXPECT_FALSE(storage::scrypt_params_in_bounds({1024, 0, 1}));
  EXPECT_FALSE(storage::scrypt_params_in_bounds({1024, 8, 17}));
}

TEST(Password, DefaultHashHasTheDocumentedFormAndVerifies) {
  auto h = storage::hash_password("une phrase assez longue");
  ASSERT_OK(h);
  EXPECT_EQ(h->rfind("scrypt$32768$8$1$", 0), 0u) << *h;
  EXPECT_EQ(h->size(), std::string("scrypt$32768$8$1$").size() + 24 + 1 + 44);
  EXPECT_TRUE(storage::password_hash_well_formed(*h));
  EXPECT_TRUE(storage::verify_password("une phrase assez longue", *h));
  EXPECT_FALSE(storage::verify_password("une phrase assez longuE", *h));
}

TEST(Password, VerifiesAHashComputedIndependently) {
  // Python: hashlib.scrypt(b'mot-de-passe-du-bureau', salt=bytes(range(16)), n=1024, r=8, p=1,
  // dklen=32)
  const std::string stored =
      "scrypt$1024$8$1$AAECAwQFBgcICQoLDA0ODw==$8A4BHx574tERoJyt2lCebbuaMNxaCN19yW/v/JtId+w=";
  EXPECT_TRUE(storage::verify_password("mot-de-passe-du-bureau", stored));
  EXPECT_FALSE(storage::verify_password("mot-de-passe-du-burea", stored));
}

TEST(Password, EachHashHasItsOwnSalt) {
  auto a = storage::hash_password("le même mot de passe", kCheap);
  auto b = storage::hash_password("le même mot de passe", kCheap);
  ASSERT_OK(a);
  ASSERT_OK(b);
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(storage::verify_password("le même mot de passe", *a));
  EXPECT_TRUE(storage::verify_password("le même mot de passe", *b));
}

TEST(Password, LengthsOutsideTwelveTo1024BytesAreRefusedInFrench) {
  auto short_one = storage::hash_password("onze-octets");
  ASSERT_FALSE(short_one);
  EXPECT_EQ(short_one.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(short_one.error().message().find("trop court"), std::string::npos);
  auto long_one = storage::hash_password(std::string(1025, 'x'), kCheap);
  ASSERT_FALSE(long_one);
  EXPECT_EQ(long_one.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(long_one.error().message().find("trop long"), std::string::npos);
  EXPECT_OK(storage::hash_password("douze-octets", kCheap));
  EXPECT_OK(storage::hash_password(std::string(1024, 'x'), kCheap));
}

TEST(Password, MalformedStoredStringsAreRefused) {
  const std::string good =
      "scrypt$1024$8$1$AAECAwQFBgcICQoLDA0ODw==$8A4BHx574tERoJyt2lCebbuaMNxaCN19yW/v/JtId+w=";
  ASSERT_TRUE(storage::password_hash_well_formed(good));
  const std::string
      bad
          [] =
              {
                  "",
                  "scrypt",
                  "bcrypt$1024$8$1$AAECAwQFBgcICQoLDA0ODw==$8A4BHx574tERoJyt2lCebbuaMNxaCN19yW/v/"
                  "JtId+w=",
                  "scrypt$1000$8$1$AAECAwQFBgcICQoLDA0ODw==$8A4BHx574tERoJyt2lCebbuaMNxaCN19yW/v/"
                  "JtId+w=",  // N
                  "scrypt$2097152$8$1$AAECAwQFBgcICQoLDA0ODw==$8A4BHx574tERoJyt2lCebbuaMNxaCN19yW/"
                  "v/JtId+w=",  // N too big
                  "scrypt$01024$8$1$AAECAwQFBgcICQoLDA0ODw==$8A4BHx574tERoJyt2lCebbuaMNxaCN19yW/v/"
                  "JtId+w=",  // leading zero
                  "scrypt$1024$8$-1$AAECAwQFBgcICQoLDA0ODw==$8A4BHx574tERoJyt2lCebbuaMNxaCN19yW/v/"
                  "JtId+w=",
                  "scrypt$1024$8$1$AAECAwQFBgcICQoLDA0O$8A4BHx574tERoJyt2lCebbuaMNxaCN19yW/v/"
                  "JtId+w=",  // salt 12 bytes
                  "scrypt$1024$8$1$AAECAwQFBgcICQoLDA0ODw==$8A4BHx574tERoJyt2lCebbuaMNxaCN19yW/v/"
                  "JtId+w",  // no padding
                  "scrypt$1024$8$1$AAECAwQFBgcICQoLDA0ODw==$8A4BHx574tERoJyt2lCebbuaMNxaCN19yW/v/"
                  "JtId+x=",  // non-canonical
                  "scrypt$1024$8$1$AAECAwQFBgcICQoLDA0ODw==$8A4BHx574tERoJyt2lCebbuaMNxaCN19yW/v/"
                  "JtId+w=$",  // extra field
                  "scrypt$1024$8$AAECAwQFBgcICQoLDA0ODw==$8A4BHx574tERoJyt2lCebbuaMNxaCN19yW/v/"
                  "JtId+w=",  // missing p
              };
  for (const auto& s : bad) {
    EXPECT_FALSE(storage::password_hash_well_formed(s)) << s;
    EXPECT_FALSE(storage::verify_password("mot-de-passe-du-bureau", s)) << s;
  }
}

}  // namespace
}  // namespace carnet::testing
