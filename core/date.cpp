#include "core/date.hpp"

#include <chrono>
#include <cstdio>

namespace carnet::core {
namespace {

constexpr int kMinYear = 1900;
constexpr int kMaxYear = 2199;

std::chrono::year_month_day ymd_of(std::int32_t days) {
  return std::chrono::year_month_day{std::chrono::sys_days{std::chrono::days{days}}};
}

// Reads exactly `n` digits at `pos`; -1 if they are not all digits.
int digits(std::string_view s, std::size_t pos, std::size_t n) {
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

}  // namespace

std::optional<Date> Date::from_ymd(int year, int month, int day) {
  if (year < kMinYear || year > kMaxYear || month < 1 || month > 12 || day < 1 || day > 31) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year{year},
                                        std::chrono::month{static_cast<unsigned>(month)},
                                        std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  return Date(static_cast<std::int32_t>(std::chrono::sys_days{ymd}.time_since_epoch().count()));
}

std::optional<Date> Date::from_days(std::int64_t days_since_epoch) {
  // Bounds of the valid range, in days since the epoch.
  static const std::int64_t lo = from_ymd(kMinYear, 1, 1)->days_;
  static const std::int64_t hi = from_ymd(kMaxYear, 12, 31)->days_;
  if (days_since_epoch < lo || days_since_epoch > hi) return std::nullopt;
  return Date(static_cast<std::int32_t>(days_since_epoch));
}

Result<Date> Date::parse(std::string_view text) {
  int y = -1, m = -1, d = -1;
  if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    y = digits(text, 0, 4);
    m = digits(text, 5, 2);
    d = digits(text, 8, 2);
  } else if (text.size() == 10 && text[2] == '/' && text[5] == '/') {
    d = digits(text, 0, 2);
    m = digits(text, 3, 2);
    y = digits(text, 6, 4);
  } else {
    return fail(Status::invalid_argument("coeur.date.pas_une_date", {{"texte", text}}));
  }
  auto date = from_ymd(y, m, d);
  if (!date) {
    return fail(Status::invalid_argument("coeur.date.date_invalide", {{"texte", text}}));
  }
  return *date;
}

int Date::year() const { return static_cast<int>(ymd_of(days_).year()); }
int Date::month() const { return static_cast<int>(static_cast<unsigned>(ymd_of(days_).month())); }
int Date::day() const { return static_cast<int>(static_cast<unsigned>(ymd_of(days_).day())); }

std::string Date::iso() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year(), month(), day());
  return buf;
}

std::string Date::french() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d/%02d/%04d", day(), month(), year());
  return buf;
}

std::optional<Date> Date::plus_days(std::int64_t n) const {
  if (n > 200000 || n < -200000) return std::nullopt;
  return from_days(days_ + n);
}

std::optional<Date> Date::plus_months(std::int64_t n) const {
  if (n > 12 * 400 || n < -12 * 400) return std::nullopt;
  const std::int64_t total = static_cast<std::int64_t>(year()) * 12 + (month() - 1) + n;
  const int y = static_cast<int>(total / 12);
  const int m = static_cast<int>(total % 12) + 1;
  if (y < kMinYear || y > kMaxYear) return std::nullopt;
  const auto last = std::chrono::year_month_day_last{
      std::chrono::year{y}, std::chrono::month_day_last{std::chrono::month{static_cast<unsigned>(m)}}};
  const int last_day = static_cast<int>(static_cast<unsigned>(last.day()));
  return from_ymd(y, m, day() < last_day ? day() : last_day);
}

std::string iso_timestamp(std::int64_t unix_ms) {
  const std::chrono::sys_time<std::chrono::milliseconds> t{std::chrono::milliseconds{unix_ms}};
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{std::chrono::floor<std::chrono::seconds>(t - day)};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  return buf;
}

}  // namespace carnet::core
