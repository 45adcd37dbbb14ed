#include "core/value.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace carnet::core {
namespace {

Number n(const char* text) { return *Number::parse(text); }
Date d(const char* text) { return *Date::parse(text); }

// Encodes `v` and decodes it back; fails the test if it does not decode.
Value round_trip(const Value& v) {
  auto back = Value::decode(v.encode());
  EXPECT_TRUE(back) << v.encode() << " -> " << back.error().to_string();
  return back ? *back : Value();
}

TEST(Value, KindsAndAccessors) {
  EXPECT_EQ(Value().kind(), ValueKind::kNull);
  EXPECT_TRUE(Value().is_null());
  EXPECT_EQ(Value::boolean(true).kind(), ValueKind::kBool);
  EXPECT_TRUE(Value::boolean(true).as_bool());
  EXPECT_FALSE(Value::boolean(false).as_bool());
  EXPECT_EQ(Value::number(n("12.5")).kind(), ValueKind::kNumber);
  EXPECT_EQ(Value::number(n("12.5")).as_number(), n("12.5"));
  EXPECT_EQ(Value::date(d("2024-03-01")).kind(), ValueKind::kDate);
  EXPECT_EQ(Value::date(d("2024-03-01")).as_date(), d("2024-03-01"));
  EXPECT_EQ(Value::text("oui").kind(), ValueKind::kText);
  EXPECT_EQ(Value::text("oui").as_text(), "oui");
  EXPECT_FALSE(Value::text("").is_null());  // an empty text is a value
}

TEST(Value, KindNamesAreFrench) {
  EXPECT_EQ(value_kind_name(ValueKind::kNull), "vide");
  EXPECT_EQ(value_kind_name(ValueKind::kBool), "booléen");
  EXPECT_EQ(value_kind_name(ValueKind::kNumber), "nombre");
  EXPECT_EQ(value_kind_name(ValueKind::kDate), "date");
  EXPECT_EQ(value_kind_name(ValueKind::kText), "texte");
}

TEST(Value, Equality) {
  EXPECT_EQ(Value(), Value());
  EXPECT_EQ(Value::number(n("1.50")), Value::number(n("1.5")));
  EXPECT_NE(Value::number(n("1")), Value::text("1"));
  EXPECT_NE(Value::boolean(true), Value::text("oui"));
  EXPECT_NE(Value::boolean(false), Value());
  EXPECT_NE(Value::text(""), Value());
  EXPECT_NE(Value::number(n("0")), Value());
  EXPECT_NE(Value::date(d("2024-03-01")), Value::text("2024-03-01"));
}

TEST(Value, EncodedForm) {
  EXPECT_EQ(Value::boolean(true).encode(), "b:1");
  EXPECT_EQ(Value::boolean(false).encode(), "b:0");
  EXPECT_EQ(Value::number(n("12")).encode(), "n:12");
  EXPECT_EQ(Value::number(n("-0.25")).encode(), "n:-0.25");
  EXPECT_EQ(Value::number(n("1,3196")).encode(), "n:1.3196");
  EXPECT_EQ(Value::number(n("12.50")).encode(), "n:12.5");
  EXPECT_EQ(Value::number(*Number::div(n("1"), n("3"))).encode(), "n:1/3");
  EXPECT_EQ(Value::number(*Number::div(n("-2"), n("3"))).encode(), "n:-2/3");
  EXPECT_EQ(Value::date(d("01/03/2024")).encode(), "d:2024-03-01");
  EXPECT_EQ(Value::text("Salle d'eau : 2 WC").encode(), "t:Salle d'eau : 2 WC");
  EXPECT_EQ(Value::text("").encode(), "t:");
}

TEST(Value, RoundTripsEveryKind) {
  const std::vector<Value> values = {
      Value::boolean(true),
      Value::boolean(false),
      Value::number(n("0")),
      Value::number(n("12")),
      Value::number(n("-12")),
      Value::number(n("0.25")),
      Value::number(n("1.3196")),
      Value::number(n("0.000000001")),
      Value::number(n("-0.123456789")),
      Value::number(n("999999999999999")),
      Value::number(n("-999999999999999")),
      Value::number(n("999999999.999999999")),
      Value::number(*Number::div(n("1"), n("3"))),
      Value::number(*Number::div(n("-22"), n("7"))),
      Value::number(*Number::div(n("1"), n("1024"))),  // 10 decimals: written as a fraction
      Value::number(*Number::div(n("5840"), n("73"))),
      Value::date(d("1900-01-01")),
      Value::date(d("2024-02-29")),
      Value::date(d("2199-12-31")),
      Value::text(""),
      Value::text("oui"),
      Value::text("Crèche « Les P'tits Loups » — 2e étage 🏠"),
      Value::text("ligne 1\nligne 2\r\n\ttabulée"),
      Value::text("t:n:b:1"),
      Value::text(":"),
      Value::text(std::string(10000, 'x')),
  };
  for (const Value& v : values) {
    EXPECT_EQ(round_trip(v), v) << v.encode();
  }
}

TEST(Value, RoundTripsTheLargestNumbersArithmeticProduces) {
  const Number big = n("999999999999999");
  const std::vector<Number> numbers = {
      *Number::add(big, n("1")),                         // 1000000000000000
      *Number::mul(big, n("9000")),                      // 8999999999999991000
      Number::integer(9223372036854775807),              // the largest numerator
      *Number::div(n("1"), *Number::add(big, n("1"))),   // 1/1000000000000000
      *Number::div(n("1"), *Number::mul(big, n("7"))),
  };
  for (const Number& x : numbers) {
    const Value v = Value::number(x);
    auto back = Value::decode(v.encode());
    if (!back) {
      ADD_FAILURE() << v.encode() << " -> " << back.error().to_string();
      continue;
    }
    EXPECT_EQ(*back, v) << v.encode();
  }
}

TEST(Value, DecodeRefusesCorruptInput) {
  for (const char* bad : {"", "b", "n", "t", ":", "b:", "b:2", "b:true", "b:01", "b:1 ", "B:1", "x:1",
                          "n:", "n:abc", "n:1e5", "n:1/0", "n:1/", "n:/2", "n:1/2/3", "n:--1", "n:1.2.3",
                          "n:0.1234567891", "d:", "d:2024-02-30", "d:2023-02-29",
                          "d:1899-12-31", "d:2200-01-01", "d:garbage", "d:2024-03-01T00:00", "n1", "b1",
                          "t_x", "?:x", "nn:1"}) {
    auto v = Value::decode(bad);
    ASSERT_FALSE(v) << "'" << bad << "' decoded as " << v->display();
    EXPECT_EQ(v.error().code(), StatusCode::kCorruption) << bad;
  }
  EXPECT_FALSE(Value::decode(std::string_view("\0:1", 3)));
  EXPECT_FALSE(Value::decode(std::string_view("b:1\0", 4)));
}

TEST(Value, CorruptionMessageQuotesAShortPrefix) {
  const std::string junk = "x:" + std::string(500, 'z');
  auto v = Value::decode(junk);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().message(), "valeur enregistrée illisible : « " + junk.substr(0, 40) + " »");
}

TEST(Value, DecodeAcceptsOnlyTheDocumentedGrammar) {
  for (const std::string& bad : std::vector<std::string>{"d:01/03/2024", "n:1,5", "n:+5", "n:007", "n:1.",
                                                        "n:2/4", "n:1.50", "t:\xC3\x28", "t:\xFF"}) {
    auto v = Value::decode(bad);
    EXPECT_FALSE(v) << "'" << bad << "' decoded as " << v->encode();
  }
}

TEST(Value, DisplaysInFrench) {
  EXPECT_EQ(Value().display(), "");
  EXPECT_EQ(Value::boolean(true).display(), "oui");
  EXPECT_EQ(Value::boolean(false).display(), "non");
  EXPECT_EQ(Value::number(n("80")).display(), "80");
  EXPECT_EQ(Value::number(n("12.5")).display(), "12,5");
  EXPECT_EQ(Value::number(n("1.3196")).display(), "1,32");
  EXPECT_EQ(Value::number(n("79.456")).display(), "79,46");
  EXPECT_EQ(Value::number(n("-0.5")).display(), "-0,5");
  EXPECT_EQ(Value::number(n("-0.001")).display(), "0");
  EXPECT_EQ(Value::number(*Number::div(n("1"), n("3"))).display(), "0,33");
  EXPECT_EQ(Value::number(*Number::div(n("2"), n("3"))).display(), "0,67");
  EXPECT_EQ(Value::number(n("1234567.5")).display(), "1234567,5");
  EXPECT_EQ(Value::date(d("2024-03-01")).display(), "01/03/2024");
  EXPECT_EQ(Value::text("Crèche « Les P'tits Loups »").display(), "Crèche « Les P'tits Loups »");
  EXPECT_EQ(Value::text("").display(), "");
}

}  // namespace
}  // namespace carnet::core
