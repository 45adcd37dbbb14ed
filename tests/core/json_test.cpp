#include "core/json.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace carnet::core {
namespace {

// Whether `s` was refused for the reason `key` (its parts hold the reason, then the offset).
bool refused_for(const Status& s, std::string_view key) {
  return std::any_of(s.parts().begin(), s.parts().end(), [&](const Message& m) { return m.key() == key; });
}

// An object of `n` members "k0":0, "k1":0, ...
std::string object_of(std::size_t n) {
  std::string text = "{";
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) text += ',';
    text += "\"k" + std::to_string(i) + "\":0";
  }
  return text + "}";
}

TEST(Json, ParsesAndKeepsMemberOrder) {
  auto j = Json::parse(R"({"b":1,"a":[true,null,"é"],"c":{"d":-2.50}})");
  ASSERT_TRUE(j.has_value()) << j.error().message();
  ASSERT_EQ(j->as_object().size(), 3u);
  EXPECT_EQ(j->as_object()[0].first, "b");
  EXPECT_EQ(j->find("a")->as_array()[2].as_string(), "é");
  EXPECT_EQ(j->find("c")->find("d")->number_text(), "-2.50");
  EXPECT_EQ(j->dump(), R"({"b":1,"a":[true,null,"é"],"c":{"d":-2.50}})");
}

TEST(Json, RefusesADuplicateKeyAnywhereInAnObject) {
  auto j = Json::parse(R"({"a":1,"b":2,"c":{"a":3},"b":4})");
  ASSERT_FALSE(j.has_value());
  EXPECT_TRUE(refused_for(j.error(), "coeur.json.champ_double")) << j.error().message();
  EXPECT_NE(j.error().message().find("« b »"), std::string::npos) << j.error().message();
  // The same key in two objects is no duplicate.
  EXPECT_TRUE(Json::parse(R"({"a":{"x":1},"b":{"x":2}})").has_value());
}

TEST(Json, AcceptsAnObjectAtTheMemberCap) {
  auto j = Json::parse(object_of(kMaxJsonMembers));
  ASSERT_TRUE(j.has_value()) << j.error().message();
  EXPECT_EQ(j->as_object().size(), kMaxJsonMembers);
  EXPECT_EQ(j->find("k9999")->number_text(), "0");
}

// The hostile login body of issue 16: 90,000 short keys in 1 MiB. It is refused at the cap,
// with a message naming it (its cost is measured by `carnet-bench json`).
TEST(Json, RefusesAnObjectOverTheMemberCap) {
  const std::string body = object_of(90'000);
  auto j = Json::parse(body);
  ASSERT_FALSE(j.has_value());
  EXPECT_TRUE(refused_for(j.error(), "coeur.json.trop_de_champs")) << j.error().message();
  EXPECT_NE(j.error().message().find("10000"), std::string::npos) << j.error().message();
}

TEST(Json, RefusesADocumentOverTheValueCap) {
  // 1,000,000 values fit (the array and 999,999 items); one more does not.
  std::string text = "[";
  for (std::size_t i = 0; i + 1 < kMaxJsonValues; ++i) text += i ? ",0" : "0";
  text += "]";
  EXPECT_TRUE(Json::parse(text).has_value());
  text.insert(text.size() - 1, ",0");
  auto j = Json::parse(text);
  ASSERT_FALSE(j.has_value());
  EXPECT_TRUE(refused_for(j.error(), "coeur.json.trop_de_valeurs")) << j.error().message();
}

TEST(Json, NestedValuesCountTowardsTheCap) {
  // 500,001 arrays of one number each: 1,000,003 values in all, over the cap although no
  // single array or object is large.
  std::string text = "[";
  for (std::size_t i = 0; i <= kMaxJsonValues / 2; ++i) text += i ? ",[0]" : "[0]";
  text += "]";
  auto j = Json::parse(text);
  ASSERT_FALSE(j.has_value());
  EXPECT_TRUE(refused_for(j.error(), "coeur.json.trop_de_valeurs")) << j.error().message();
}

TEST(Json, RefusesWhatRfc8259Refuses) {
  for (const char* bad : {"", "{", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "01", "\"\\x\"", "nul", "1 2", "\"\x01\"",
                          "{\"a\":1}}", "[\"\\ud800\"]"}) {
    EXPECT_FALSE(Json::parse(bad).has_value()) << bad;
  }
  std::string deep(100, '[');
  deep += std::string(100, ']');
  auto j = Json::parse(deep);
  ASSERT_FALSE(j.has_value());
  EXPECT_TRUE(refused_for(j.error(), "coeur.json.trop_imbrique"));
}

TEST(Json, RefusesADocumentOverTheCallersLimit) {
  auto j = Json::parse(R"({"a":"0123456789"})", 10);
  ASSERT_FALSE(j.has_value());
  EXPECT_TRUE(refused_for(j.error(), "coeur.json.trop_grand"));
}

}  // namespace
}  // namespace carnet::core
