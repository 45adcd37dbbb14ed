#include "core/text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace carnet::core {
namespace {

TEST(Text, Trim) {
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim("   "), "");
  EXPECT_EQ(trim(" \t\r\n "), "");
  EXPECT_EQ(trim("oui"), "oui");
  EXPECT_EQ(trim("  oui  "), "oui");
  EXPECT_EQ(trim("\t12,5 €\r\n"), "12,5 €");
  EXPECT_EQ(trim("sans  objet"), "sans  objet");  // inner spaces stay
  EXPECT_EQ(trim("\xC2\xA0oui"), "\xC2\xA0oui");  // a no-break space is not ASCII whitespace
  EXPECT_EQ(trim(std::string(" a\0b ", 5)), std::string("a\0b", 3));
}

TEST(Text, AsciiLower) {
  EXPECT_EQ(ascii_lower(""), "");
  EXPECT_EQ(ascii_lower("OUI"), "oui");
  EXPECT_EQ(ascii_lower("Sans Objet"), "sans objet");
  EXPECT_EQ(ascii_lower("ÉCOLE Été"), "École Été");  // UTF-8 bytes untouched, É included
  EXPECT_EQ(ascii_lower("AZaz09@[`{"), "azaz09@[`{");
  EXPECT_EQ(ascii_lower(std::string("A\0B", 3)), std::string("a\0b", 3));
}

TEST(Text, ValidUtf8AcceptsText) {
  EXPECT_TRUE(valid_utf8_text(""));
  EXPECT_TRUE(valid_utf8_text("Crèche « Les P'tits Loups »"));
  EXPECT_TRUE(valid_utf8_text("ligne 1\nligne 2\r\n\tfin"));
  EXPECT_TRUE(valid_utf8_text("\x7E"));
  EXPECT_TRUE(valid_utf8_text("\xC2\x80"));          // U+0080, smallest 2-byte form
  EXPECT_TRUE(valid_utf8_text("\xDF\xBF"));          // U+07FF
  EXPECT_TRUE(valid_utf8_text("\xE0\xA0\x80"));      // U+0800
  EXPECT_TRUE(valid_utf8_text("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
  EXPECT_TRUE(valid_utf8_text("\xEE\x80\x80"));      // U+E000, just above
  EXPECT_TRUE(valid_utf8_text("\xEF\xBF\xBF"));      // U+FFFF
  EXPECT_TRUE(valid_utf8_text("\xF0\x90\x80\x80"));  // U+10000
  EXPECT_TRUE(valid_utf8_text("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last code point
  EXPECT_TRUE(valid_utf8_text("🏠 €"));
}

TEST(Text, ValidUtf8RefusesControlCharacters) {
  EXPECT_FALSE(valid_utf8_text(std::string("a\0b", 3)));
  EXPECT_FALSE(valid_utf8_text("\x01"));
  EXPECT_FALSE(valid_utf8_text("a\x1B[31mrouge"));  // terminal escape
  EXPECT_FALSE(valid_utf8_text("\x1F"));
  EXPECT_FALSE(valid_utf8_text("\x7F"));
  EXPECT_FALSE(valid_utf8_text("\b"));
  EXPECT_FALSE(valid_utf8_text("\f"));
  EXPECT_FALSE(valid_utf8_text("\v"));
}

TEST(Text, ValidUtf8RefusesMalformedSequences) {
  EXPECT_FALSE(valid_utf8_text("\x80"));                  // lone continuation byte
  EXPECT_FALSE(valid_utf8_text("\xBF"));
  EXPECT_FALSE(valid_utf8_text("\xC3"));                  // truncated at the end
  EXPECT_FALSE(valid_utf8_text("\xE2\x82"));
  EXPECT_FALSE(valid_utf8_text("\xF0\x9F\x8F"));
  EXPECT_FALSE(valid_utf8_text("\xC3\x28"));              // bad continuation
  EXPECT_FALSE(valid_utf8_text("\xE2\x28\xA1"));
  EXPECT_FALSE(valid_utf8_text("\xE2\x82\x28"));
  EXPECT_FALSE(valid_utf8_text("\xC0\xAF"));              // overlong '/'
  EXPECT_FALSE(valid_utf8_text("\xC1\xBF"));
  EXPECT_FALSE(valid_utf8_text("\xE0\x80\xAF"));          // overlong 3-byte
  EXPECT_FALSE(valid_utf8_text("\xE0\x9F\xBF"));
  EXPECT_FALSE(valid_utf8_text("\xF0\x80\x80\xAF"));      // overlong 4-byte
  EXPECT_FALSE(valid_utf8_text("\xF0\x8F\xBF\xBF"));
  EXPECT_FALSE(valid_utf8_text("\xC0\x80"));              // overlong NUL
  EXPECT_FALSE(valid_utf8_text("\xED\xA0\x80"));          // U+D800, a surrogate
  EXPECT_FALSE(valid_utf8_text("\xED\xBF\xBF"));          // U+DFFF
  EXPECT_FALSE(valid_utf8_text("\xF4\x90\x80\x80"));      // U+110000, beyond Unicode
  EXPECT_FALSE(valid_utf8_text("\xF5\x80\x80\x80"));
  EXPECT_FALSE(valid_utf8_text("\xF8\x88\x80\x80\x80"));  // 5-byte form
  EXPECT_FALSE(valid_utf8_text("\xFC\x84\x80\x80\x80\x80"));
  EXPECT_FALSE(valid_utf8_text("\xFE"));
  EXPECT_FALSE(valid_utf8_text("\xFF"));
  EXPECT_FALSE(valid_utf8_text("Cr\xE8" "che"));          // Latin-1, not UTF-8
  EXPECT_FALSE(valid_utf8_text("ok \xC3"));
}

TEST(Text, Sha256Hex) {
  const std::string good(64, 'a');
  EXPECT_TRUE(is_sha256_hex(good));
  EXPECT_TRUE(is_sha256_hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  EXPECT_FALSE(is_sha256_hex("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"));
  EXPECT_FALSE(is_sha256_hex(""));
  EXPECT_FALSE(is_sha256_hex(std::string(63, 'a')));
  EXPECT_FALSE(is_sha256_hex(std::string(65, 'a')));
  EXPECT_FALSE(is_sha256_hex(std::string(63, 'a') + "g"));
  EXPECT_FALSE(is_sha256_hex(std::string(63, 'a') + " "));
  EXPECT_FALSE(is_sha256_hex(std::string(63, 'a') + std::string(1, '\0')));
}

}  // namespace
}  // namespace carnet::core
