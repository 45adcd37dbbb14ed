// Hex and base64 (storage/encoding.cpp): the forms each encoder writes, and decoders that
// take back exactly those forms and refuse everything else without crashing.
#include "storage/encoding.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace carnet::testing {
namespace {

using storage::from_base64;
using storage::from_hex;
using storage::to_base64;
using storage::to_base64url;
using storage::to_hex;
using storage::to_hex_pairs;

// Every byte value, in order.
std::string all_bytes() {
  std::string s;
  for (int b = 0; b < 256; ++b) s += static_cast<char>(b);
  return s;
}

TEST(Hex, IsLowerCaseWithoutSeparator) {
  EXPECT_EQ(to_hex(""), "");
  EXPECT_EQ(to_hex(std::string("\x00\x01\xab\xff", 4)), "0001abff");
  const std::string hex = to_hex(all_bytes());
  ASSERT_EQ(hex.size(), 512u);
  EXPECT_EQ(hex.substr(0, 8), "00010203");
  EXPECT_EQ(hex.substr(504), "fcfdfeff");
  EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(Hex, DecodesWhatItWrites) {
  EXPECT_EQ(from_hex(""), std::string());
  EXPECT_EQ(from_hex("0001abff"), std::string("\x00\x01\xab\xff", 4));
  EXPECT_EQ(from_hex(to_hex(all_bytes())), all_bytes());
}

TEST(Hex, RefusesAnythingElse) {
  for (const std::string bad :
       {"0", "abc", "0g", "AB", "aB", "0x00", " 00", "00 ", "0:0", "+1", "-1"}) {
    EXPECT_EQ(from_hex(bad), std::nullopt) << bad;
  }
  // A NUL byte inside does not end the text early.
  EXPECT_EQ(from_hex(std::string("00\0\0", 4)), std::nullopt);
  EXPECT_EQ(from_hex(std::string("\0\0", 2)), std::nullopt);
}

TEST(HexPairs, AreUpperCaseJoinedByColons) {
  EXPECT_EQ(to_hex_pairs(""), "");
  EXPECT_EQ(to_hex_pairs(std::string("\x7a", 1)), "7A");
  EXPECT_EQ(to_hex_pairs(std::string("\x7a\x75\x51\x00", 4)), "7A:75:51:00");
}

TEST(Base64, MatchesTheRfc4648Vectors) {
  // RFC 4648 §10.
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
      {std::string("\xfb\xff", 2), "+/8="}};
  for (const auto& [bytes, text] : vectors) {
    EXPECT_EQ(to_base64(bytes), text);
    EXPECT_EQ(from_base64(text), bytes) << text;
  }
  EXPECT_EQ(from_base64(to_base64(all_bytes())), all_bytes());
}

TEST(Base64, LongInputsRoundTrip) {
  std::string big(5'000'000, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 + i / 251);
  const std::string text = to_base64(big);
  EXPECT_EQ(text.size(), (big.size() + 2) / 3 * 4);
  EXPECT_EQ(from_base64(text), big);
}

TEST(Base64, DecodingIsStrict) {
  for (const std::string bad : {"Zg", "Zg=", "Zg===", "====", "Z===", "Zm=v", "=Zm9", "Zm9v====",
                                " Zm9v", "Zm9v ", "Zm9v\n", "Zm 9v", "Zm9-", "Zm9_", "Zm9v!aaa"}) {
    EXPECT_EQ(from_base64(bad), std::nullopt) << bad;
  }
  // Bits that the padding leaves unused must be zero: one text per byte string.
  EXPECT_EQ(from_base64("Zg=="), "f");
  EXPECT_EQ(from_base64("Zh=="), std::nullopt);
  EXPECT_EQ(from_base64("Zm8="), "fo");
  EXPECT_EQ(from_base64("Zm9="), std::nullopt);
  EXPECT_EQ(from_base64(std::string("Zm9v\0\0\0\0", 8)), std::nullopt);
}

TEST(Base64Url, HasNoPaddingAndTheUrlAlphabet) {
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", ""}, {"f", "Zg"}, {"fo", "Zm8"}, {"foo", "Zm9v"}, {std::string("\xfb\xff", 2), "-_8"}};
  for (const auto& [bytes, text] : vectors) EXPECT_EQ(to_base64url(bytes), text);
  const std::string all = to_base64url(all_bytes());
  EXPECT_EQ(all.find_first_of("+/="), std::string::npos);
  EXPECT_EQ(all.size(), (256 * 8 + 5) / 6);
}

}  // namespace
}  // namespace carnet::testing
