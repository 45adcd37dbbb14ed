// Number: an exact rational number with 64-bit numerator and denominator.
//
// Grid figures (nights, FTEs, euros, rates) are compared against legal thresholds, and a
// rate of exactly 80 % must compare equal to 80. Binary floating point cannot promise that,
// so every number in Carnet is exact: inputs are finite decimals, and arithmetic on them is
// done on normalised fractions. An operation whose exact result does not fit in 64 bits
// fails with kOutOfRange instead of losing precision. Thread safety: a value type.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.hpp"

namespace carnet::core {

class Number {
 public:
  __extension__ using i128 = __int128;  // intermediate results of exact arithmetic

  Number() = default;  // zero
  static Number integer(std::int64_t value) { return Number(value, 1); }

  // Parses a decimal written by a person: optional sign, digits, an optional '.' or ','
  // decimal separator and decimals ("12", "-3", "0.25", "1,3196"). At most 15 integer
  // digits and 9 decimals; anything else is kInvalidArgument with a French message.
  static Result<Number> parse(std::string_view text);

  // Exact arithmetic; kOutOfRange when the result does not fit, kInvalidArgument when
  // dividing by zero.
  static Result<Number> add(const Number& a, const Number& b);
  static Result<Number> sub(const Number& a, const Number& b);
  static Result<Number> mul(const Number& a, const Number& b);
  static Result<Number> div(const Number& a, const Number& b);

  std::int64_t numerator() const { return num_; }
  std::int64_t denominator() const { return den_; }
  bool is_integer() const { return den_ == 1; }
  bool is_zero() const { return num_ == 0; }
  Number negated() const { return Number(-num_, den_); }
  Number abs() const { return Number(num_ < 0 ? -num_ : num_, den_); }

  // Number of decimals needed to write the value exactly, or nullopt when its decimal
  // expansion does not terminate (e.g. 1/3).
  std::optional<int> exact_decimals() const;

  // Rounds to `decimals` places, halves away from zero. kOutOfRange if it cannot be held.
  Result<Number> rounded(int decimals) const;
  Number floor() const;
  Number ceil() const;

  // Canonical text: exact decimal with '.' when the expansion terminates within 9 places
  // ("12", "-0.25"), otherwise "num/den". parse_canonical() reads both forms back.
  std::string canonical() const;
  static Result<Number> parse_canonical(std::string_view text);

  // Decimal text with '.', rounded to at most `max_decimals` places (0 to 9), trailing zeros
  // dropped: a JSON number ("80", "78.219178").
  std::string to_decimal(int max_decimals) const;

  // For people: rounded to at most `max_decimals` places, trailing zeros dropped, French
  // decimal comma ("80", "79,45"). With `fixed`, always `max_decimals` places ("7,92").
  std::string to_french(int max_decimals = 2, bool fixed = false) const;

  double to_double() const { return static_cast<double>(num_) / static_cast<double>(den_); }

  friend bool operator==(const Number&, const Number&) = default;
  friend std::strong_ordering operator<=>(const Number& a, const Number& b);

 private:
  Number(std::int64_t num, std::int64_t den) : num_(num), den_(den) {}
  static Result<Number> make_fraction(i128 num, i128 den);
  // Rounded decimal text with '.' and exactly `decimals` places.
  std::string fixed_text(int decimals) const;

  std::int64_t num_ = 0;
  std::int64_t den_ = 1;  // > 0, gcd(num_, den_) == 1
};

}  // namespace carnet::core
