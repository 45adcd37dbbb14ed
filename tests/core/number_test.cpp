#include "core/number.hpp"

#include <gtest/gtest.h>

namespace carnet::core {
namespace {

Number n(const char* text) { return *Number::parse(text); }

TEST(Number, ParsesDecimalsWithPointOrComma) {
  EXPECT_EQ(n("1,3196"), n("1.3196"));
  EXPECT_EQ(n("-0.25").canonical(), "-0.25");
  EXPECT_EQ(n("007").canonical(), "7");
  EXPECT_EQ(n("12.50").canonical(), "12.5");
}

TEST(Number, RefusesWhatIsNotANumber) {
  for (const char* bad : {"", "-", "1.2.3", "1e5", "abc", "12a", "1 000", ".", "--1"}) {
    EXPECT_FALSE(Number::parse(bad).has_value()) << bad;
  }
}

TEST(Number, RefusesHugeNumbersInsteadOfLosingPrecision) {
  EXPECT_FALSE(Number::parse("1234567890123456").has_value());
  EXPECT_TRUE(Number::parse("123456789012345").has_value());
  EXPECT_FALSE(Number::parse("0.1234567891").has_value());
  const Number big = n("999999999999999");
  auto sq = Number::mul(big, big);
  EXPECT_FALSE(sq.has_value());
  EXPECT_EQ(sq.error().code(), StatusCode::kOutOfRange);
}

TEST(Number, ArithmeticIsExact) {
  // 5840 approved nights for 20 places over 365 days is exactly 80 %.
  auto rate = Number::mul(*Number::div(n("5840"), *Number::mul(n("20"), n("365"))), n("100"));
  ASSERT_TRUE(rate);
  EXPECT_EQ(*rate, n("80"));
  EXPECT_EQ(*Number::add(n("0.1"), n("0.2")), n("0.3"));
  EXPECT_EQ(Number::mul(n("6"), n("1.3196"))->canonical(), "7.9176");
}

TEST(Number, DivisionByZeroIsAnError) {
  auto r = Number::div(n("1"), n("0"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
}

TEST(Number, CanonicalRoundTripsNonTerminatingFractions) {
  const Number third = *Number::div(n("1"), n("3"));
  EXPECT_EQ(third.canonical(), "1/3");
  EXPECT_EQ(*Number::parse_canonical(third.canonical()), third);
}

TEST(Number, FormatsForPeopleInFrench) {
  EXPECT_EQ(n("79.456").to_french(2), "79,46");
  EXPECT_EQ(n("80").to_french(2), "80");
  EXPECT_EQ(n("7.9").to_french(2, true), "7,90");
  EXPECT_EQ(n("-0.004").to_french(2), "0");
  EXPECT_EQ(n("-2.5").to_french(0), "-3");
}

TEST(Number, RoundingFloorCeil) {
  EXPECT_EQ(*n("2.345").rounded(2), n("2.35"));
  EXPECT_EQ(*n("-2.345").rounded(2), n("-2.35"));
  EXPECT_EQ(n("1.1").ceil(), n("2"));
  EXPECT_EQ(n("-1.1").floor(), n("-2"));
  EXPECT_EQ(n("-1.1").ceil(), n("-1"));
}

}  // namespace
}  // namespace carnet::core
