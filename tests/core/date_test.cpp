#include "core/date.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace carnet::core {
namespace {

Date d(const char* text) { return *Date::parse(text); }

TEST(Date, ParsesIsoAndBelgianForms) {
  const Date iso = d("2024-03-01");
  EXPECT_EQ(iso.year(), 2024);
  EXPECT_EQ(iso.month(), 3);
  EXPECT_EQ(iso.day(), 1);
  EXPECT_EQ(d("01/03/2024"), iso);
  EXPECT_EQ(d("31/12/2199"), d("2199-12-31"));
  EXPECT_EQ(d("29/02/2024"), d("2024-02-29"));
}

TEST(Date, FormatsIsoAndFrench) {
  EXPECT_EQ(d("2024-03-01").iso(), "2024-03-01");
  EXPECT_EQ(d("2024-03-01").french(), "01/03/2024");
  EXPECT_EQ(d("05/07/1901").iso(), "1901-07-05");
  EXPECT_EQ(d("1900-01-01").french(), "01/01/1900");
  EXPECT_EQ(d("2199-12-31").french(), "31/12/2199");
}

TEST(Date, KnowsTheEpoch) {
  EXPECT_EQ(d("1970-01-01").days_since_epoch(), 0);
  EXPECT_EQ(d("1970-01-02").days_since_epoch(), 1);
  EXPECT_EQ(d("1969-12-31").days_since_epoch(), -1);
  EXPECT_EQ(d("2000-03-01").days_since_epoch(), 11017);
  EXPECT_EQ(Date::from_days(11017), d("2000-03-01"));
  EXPECT_EQ(Date::from_days(-25567), d("1900-01-01"));
}

TEST(Date, LeapYears) {
  EXPECT_TRUE(Date::parse("2024-02-29"));
  EXPECT_TRUE(Date::parse("2000-02-29"));  // divisible by 400
  EXPECT_TRUE(Date::parse("2196-02-29"));
  EXPECT_FALSE(Date::parse("2023-02-29"));
  EXPECT_FALSE(Date::parse("1900-02-29"));  // divisible by 100, not by 400
  EXPECT_FALSE(Date::parse("2100-02-29"));
  EXPECT_FALSE(Date::parse("29/02/2023"));
  EXPECT_FALSE(Date::parse("29/02/2100"));
  EXPECT_TRUE(Date::parse("29/02/2000"));
}

TEST(Date, RefusesDatesThatDoNotExist) {
  for (const char* bad : {"31/02/2024", "30/02/2024", "31/04/2024", "31/06/2024", "31/09/2024",
                          "31/11/2024", "2024-13-01", "2024-00-10", "2024-01-00", "2024-01-32",
                          "00/01/2024", "32/01/2024", "01/13/2024", "01/00/2024", "0000-01-01"}) {
    auto r = Date::parse(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(r.error().message(), ::testing::HasSubstr(bad));
  }
}

TEST(Date, RefusesYearsOutsideTheRange) {
  EXPECT_FALSE(Date::parse("1899-12-31"));
  EXPECT_FALSE(Date::parse("31/12/1899"));
  EXPECT_FALSE(Date::parse("2200-01-01"));
  EXPECT_FALSE(Date::parse("01/01/2200"));
  EXPECT_FALSE(Date::parse("9999-12-31"));
  EXPECT_TRUE(Date::parse("1900-01-01"));
  EXPECT_TRUE(Date::parse("2199-12-31"));
  auto r = Date::parse("2200-01-01");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "« 2200-01-01 » n'est pas une date valide (1900 à 2199)");
}

TEST(Date, RefusesGarbage) {
  for (const char* bad : {"", " ", "2024", "2024-03-1", "2024-3-01", "2024/03/01", "01-03-2024",
                          "1/3/2024", "01.03.2024", "2024-03-01T10:00", " 2024-03-01", "2024-03-01 ",
                          "abcd-ef-gh", "aa/bb/cccc", "+024-03-01", "-024-03-01", "2024-+3-01",
                          "2024--3-01", "01/03/-024", "2024-03-01\n", "demain", "2024-03-0x",
                          "20240301", "2024_03_01"}) {
    auto r = Date::parse(bad);
    ASSERT_FALSE(r) << "'" << bad << "'";
    EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_FALSE(Date::parse(std::string_view("2024-03-01\0", 11)));
  EXPECT_FALSE(Date::parse(std::string_view("2024-0\0-01", 10)));
  auto r = Date::parse("demain");
  EXPECT_EQ(r.error().message(), "« demain » n'est pas une date (attendu AAAA-MM-JJ ou JJ/MM/AAAA)");
}

TEST(Date, FromYmdAndFromDays) {
  EXPECT_EQ(Date::from_ymd(2024, 2, 29), d("2024-02-29"));
  EXPECT_FALSE(Date::from_ymd(2023, 2, 29));
  EXPECT_FALSE(Date::from_ymd(2024, 4, 31));
  EXPECT_FALSE(Date::from_ymd(2024, 0, 1));
  EXPECT_FALSE(Date::from_ymd(2024, 13, 1));
  EXPECT_FALSE(Date::from_ymd(2024, 1, 0));
  EXPECT_FALSE(Date::from_ymd(2024, 1, -1));
  EXPECT_FALSE(Date::from_ymd(1899, 12, 31));
  EXPECT_FALSE(Date::from_ymd(2200, 1, 1));
  EXPECT_FALSE(Date::from_ymd(std::numeric_limits<int>::min(), 1, 1));
  EXPECT_FALSE(Date::from_ymd(std::numeric_limits<int>::max(), 1, 1));
  EXPECT_FALSE(Date::from_ymd(2024, std::numeric_limits<int>::max(), 1));
  EXPECT_FALSE(Date::from_ymd(2024, 1, std::numeric_limits<int>::min()));

  const std::int64_t first = d("1900-01-01").days_since_epoch();
  const std::int64_t last = d("2199-12-31").days_since_epoch();
  EXPECT_EQ(Date::from_days(first), d("1900-01-01"));
  EXPECT_EQ(Date::from_days(last), d("2199-12-31"));
  EXPECT_FALSE(Date::from_days(first - 1));
  EXPECT_FALSE(Date::from_days(last + 1));
  EXPECT_FALSE(Date::from_days(std::numeric_limits<std::int64_t>::max()));
  EXPECT_FALSE(Date::from_days(std::numeric_limits<std::int64_t>::min()));
  EXPECT_FALSE(Date::from_days(std::int64_t{1} << 40));  // would wrap in 32 bits
}

TEST(Date, EveryDayOfTheRangeRoundTrips) {
  const std::int64_t first = d("1900-01-01").days_since_epoch();
  const std::int64_t last = d("2199-12-31").days_since_epoch();
  std::int64_t count = 0;
  for (std::int64_t n = first; n <= last; ++n, ++count) {
    const Date x = *Date::from_days(n);
    ASSERT_EQ(Date::parse(x.iso()), x) << n;
    ASSERT_EQ(Date::parse(x.french()), x) << n;
    ASSERT_EQ(Date::from_ymd(x.year(), x.month(), x.day()), x) << n;
  }
  EXPECT_EQ(count, 109573);  // 300 years, 73 leap days
}

TEST(Date, PlusDays) {
  EXPECT_EQ(d("2024-02-28").plus_days(1), d("2024-02-29"));
  EXPECT_EQ(d("2024-02-28").plus_days(2), d("2024-03-01"));
  EXPECT_EQ(d("2023-02-28").plus_days(1), d("2023-03-01"));
  EXPECT_EQ(d("2024-12-31").plus_days(1), d("2025-01-01"));
  EXPECT_EQ(d("2025-01-01").plus_days(-1), d("2024-12-31"));
  EXPECT_EQ(d("2024-03-01").plus_days(0), d("2024-03-01"));
  EXPECT_EQ(d("2024-01-01").plus_days(366), d("2025-01-01"));
  EXPECT_EQ(d("1900-01-01").plus_days(109572), d("2199-12-31"));
  EXPECT_EQ(d("2199-12-31").plus_days(-109572), d("1900-01-01"));
  EXPECT_FALSE(d("2199-12-31").plus_days(1));
  EXPECT_FALSE(d("1900-01-01").plus_days(-1));
  EXPECT_FALSE(d("2024-01-01").plus_days(std::numeric_limits<std::int64_t>::max()));
  EXPECT_FALSE(d("2024-01-01").plus_days(std::numeric_limits<std::int64_t>::min()));
  EXPECT_FALSE(d("2024-01-01").plus_days(std::int64_t{1} << 33));
}

TEST(Date, PlusMonthsClampsToTheEndOfTheMonth) {
  EXPECT_EQ(d("2024-01-31").plus_months(1), d("2024-02-29"));
  EXPECT_EQ(d("2023-01-31").plus_months(1), d("2023-02-28"));
  EXPECT_EQ(d("2024-03-31").plus_months(1), d("2024-04-30"));
  EXPECT_EQ(d("2024-03-31").plus_months(-1), d("2024-02-29"));
  EXPECT_EQ(d("2024-05-31").plus_months(-3), d("2024-02-29"));
  EXPECT_EQ(d("2024-02-29").plus_months(12), d("2025-02-28"));
  EXPECT_EQ(d("2024-02-29").plus_months(-12), d("2023-02-28"));
  EXPECT_EQ(d("2024-02-29").plus_months(48), d("2028-02-29"));
  EXPECT_EQ(d("2100-01-31").plus_months(1), d("2100-02-28"));
  EXPECT_EQ(d("2000-01-31").plus_months(1), d("2000-02-29"));
  EXPECT_EQ(d("2024-02-29").plus_months(1), d("2024-03-29"));  // not moved to the end of March
}

TEST(Date, PlusMonthsAcrossYears) {
  EXPECT_EQ(d("2024-11-15").plus_months(2), d("2025-01-15"));
  EXPECT_EQ(d("2024-12-15").plus_months(1), d("2025-01-15"));
  EXPECT_EQ(d("2024-01-15").plus_months(-1), d("2023-12-15"));
  EXPECT_EQ(d("2024-01-15").plus_months(-13), d("2022-12-15"));
  EXPECT_EQ(d("2024-01-15").plus_months(0), d("2024-01-15"));
  EXPECT_EQ(d("2024-06-15").plus_months(120), d("2034-06-15"));
  EXPECT_EQ(d("1900-01-01").plus_months(3599), d("2199-12-01"));
  EXPECT_EQ(d("2199-12-31").plus_months(-3599), d("1900-01-31"));
  EXPECT_FALSE(d("2199-12-01").plus_months(1));
  EXPECT_FALSE(d("1900-01-31").plus_months(-1));
  EXPECT_FALSE(d("2024-01-01").plus_months(std::numeric_limits<std::int64_t>::max()));
  EXPECT_FALSE(d("2024-01-01").plus_months(std::numeric_limits<std::int64_t>::min()));
  EXPECT_FALSE(d("2024-01-01").plus_months(12 * 400 + 1));
}

TEST(Date, DaysBetween) {
  EXPECT_EQ(days_between(d("2024-01-01"), d("2025-01-01")), 366);
  EXPECT_EQ(days_between(d("2023-01-01"), d("2024-01-01")), 365);
  EXPECT_EQ(days_between(d("2024-02-28"), d("2024-03-01")), 2);
  EXPECT_EQ(days_between(d("2024-03-01"), d("2024-02-28")), -2);
  EXPECT_EQ(days_between(d("2024-03-01"), d("2024-03-01")), 0);
  EXPECT_EQ(days_between(d("1900-01-01"), d("2199-12-31")), 109572);
  EXPECT_EQ(days_between(d("2199-12-31"), d("1900-01-01")), -109572);
}

TEST(Date, Ordering) {
  EXPECT_LT(d("2024-03-01"), d("2024-03-02"));
  EXPECT_LT(d("2023-12-31"), d("2024-01-01"));
  EXPECT_GT(d("2024-02-01"), d("2024-01-31"));
  EXPECT_LE(d("2024-03-01"), d("01/03/2024"));
  EXPECT_NE(d("2024-03-01"), d("2024-03-02"));
}

}  // namespace
}  // namespace carnet::core
