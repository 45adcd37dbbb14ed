// Date: a civil calendar date (no time of day, no time zone), as on the inspection canvas.
//
// Valid from 1900-01-01 to 2199-12-31; anything else is refused at parse time, which keeps
// date arithmetic in expressions far from overflow. Thread safety: a value type.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.hpp"

namespace carnet::core {

class Date {
 public:
  // Parses "YYYY-MM-DD" (ISO 8601) or "DD/MM/YYYY" (as people write it in Belgium).
  // kInvalidArgument with a French message naming the text otherwise.
  static Result<Date> parse(std::string_view text);
  // The date, or nullopt when it does not exist or is out of range.
  static std::optional<Date> from_ymd(int year, int month, int day);
  static std::optional<Date> from_days(std::int64_t days_since_epoch);

  int year() const;
  int month() const;
  int day() const;
  std::int64_t days_since_epoch() const { return days_; }

  std::string iso() const;     // "2024-03-01"
  std::string french() const;  // "01/03/2024"

  // Arithmetic stays within the valid range or yields nullopt.
  std::optional<Date> plus_days(std::int64_t n) const;
  // Adds months, clamping the day to the end of the target month (31/01 + 1 = 29/02).
  std::optional<Date> plus_months(std::int64_t n) const;

  friend std::int64_t days_between(const Date& from, const Date& to) { return to.days_ - from.days_; }
  friend bool operator==(const Date&, const Date&) = default;
  friend std::strong_ordering operator<=>(const Date&, const Date&) = default;

 private:
  explicit Date(std::int32_t days) : days_(days) {}
  std::int32_t days_ = 0;  // days since 1970-01-01
};

// "2025-03-10T14:03:07Z": an instant in UTC, to the second.
std::string iso_timestamp(std::int64_t unix_ms);

}  // namespace carnet::core
