#include "core/number.hpp"

#include <array>
#include <limits>

namespace carnet::core {
namespace {

using i128 = Number::i128;

constexpr int kMaxIntegerDigits = 15;
constexpr int kMaxDecimals = 9;

i128 gcd128(i128 a, i128 b) {
  if (a < 0) a = -a;
  if (b < 0) b = -b;
  while (b != 0) {
    i128 t = a % b;
    a = b;
    b = t;
  }
  return a;
}

bool fits(i128 v) {
  return v >= std::numeric_limits<std::int64_t>::min() + 1 &&
         v <= std::numeric_limits<std::int64_t>::max();
}

i128 pow10(int n) {
  i128 p = 1;
  for (int i = 0; i < n; ++i) p *= 10;
  return p;
}

Status too_big() {
  return Status::out_of_range("coeur.number.trop_grand_calcul");
}

}  // namespace

// Builds a normalised Number (den > 0, lowest terms) from a 128-bit fraction.
Result<Number> Number::make_fraction(i128 num, i128 den) {
  if (den == 0) return fail(Status::invalid_argument("coeur.number.division_par_zero"));
  if (den < 0) {
    num = -num;
    den = -den;
  }
  const i128 g = gcd128(num, den);
  if (g > 1) {
    num /= g;
    den /= g;
  }
  if (num == 0) den = 1;
  if (!fits(num) || !fits(den)) return fail(too_big());
  return Number(static_cast<std::int64_t>(num), static_cast<std::int64_t>(den));
}


Result<Number> Number::parse(std::string_view text) {
  auto bad = [&] {
    return fail(Status::invalid_argument("coeur.number.pas_un_nombre", {{"texte", text}}));
  };
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
    negative = text[i] == '-';
    ++i;
  }
  i128 value = 0;
  int int_digits = 0;
  int decimals = 0;
  bool seen_separator = false;
  bool any_digit = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.' || c == ',') {
      if (seen_separator) return bad();
      seen_separator = true;
      continue;
    }
    if (c < '0' || c > '9') return bad();
    any_digit = true;
    if (seen_separator) {
      if (++decimals > kMaxDecimals) {
        return fail(Status::out_of_range("coeur.number.trop_de_decimales", {{"texte", text}}));
      }
    } else if (value != 0 || c != '0') {
      if (++int_digits > kMaxIntegerDigits) {
        return fail(Status::out_of_range("coeur.number.trop_grand", {{"texte", text}}));
      }
    }
    value = value * 10 + (c - '0');
  }
  if (!any_digit) return bad();
  return make_fraction(negative ? -value : value, pow10(decimals));
}

Result<Number> Number::add(const Number& a, const Number& b) {
  const i128 num = static_cast<i128>(a.num_) * b.den_ + static_cast<i128>(b.num_) * a.den_;
  const i128 den = static_cast<i128>(a.den_) * b.den_;
  return make_fraction(num, den);
}

Result<Number> Number::sub(const Number& a, const Number& b) { return add(a, b.negated()); }

Result<Number> Number::mul(const Number& a, const Number& b) {
  const i128 num = static_cast<i128>(a.num_) * b.num_;
  const i128 den = static_cast<i128>(a.den_) * b.den_;
  return make_fraction(num, den);
}

Result<Number> Number::div(const Number& a, const Number& b) {
  if (b.num_ == 0) return fail(Status::invalid_argument("coeur.number.division_par_zero"));
  return make_fraction(static_cast<i128>(a.num_) * b.den_, static_cast<i128>(a.den_) * b.num_);
}

std::strong_ordering operator<=>(const Number& a, const Number& b) {
  const i128 l = static_cast<i128>(a.num_) * b.den_;
  const i128 r = static_cast<i128>(b.num_) * a.den_;
  if (l < r) return std::strong_ordering::less;
  if (l > r) return std::strong_ordering::greater;
  return std::strong_ordering::equal;
}

std::optional<int> Number::exact_decimals() const {
  std::int64_t d = den_;
  int twos = 0;
  int fives = 0;
  while (d % 2 == 0) {
    d /= 2;
    ++twos;
  }
  while (d % 5 == 0) {
    d /= 5;
    ++fives;
  }
  if (d != 1) return std::nullopt;
  return twos > fives ? twos : fives;
}

Result<Number> Number::rounded(int decimals) const {
  if (decimals < 0 || decimals > kMaxDecimals) {
    return fail(Status::out_of_range("coeur.number.arrondi"));
  }
  const i128 scale = pow10(decimals);
  i128 scaled = static_cast<i128>(num_) * scale;
  const i128 q = scaled / den_;
  const i128 r = scaled % den_;
  i128 result = q;
  const i128 twice = (r < 0 ? -r : r) * 2;
  if (twice >= den_) result += (num_ < 0 ? -1 : 1);
  return make_fraction(result, scale);
}

Number Number::floor() const {
  std::int64_t q = num_ / den_;
  if (num_ % den_ != 0 && num_ < 0) --q;
  return integer(q);
}

Number Number::ceil() const {
  std::int64_t q = num_ / den_;
  if (num_ % den_ != 0 && num_ > 0) ++q;
  return integer(q);
}

std::string Number::fixed_text(int decimals) const {
  const i128 scale = pow10(decimals);
  i128 scaled = static_cast<i128>(num_) * scale;
  i128 q = scaled / den_;
  const i128 r = scaled % den_;
  if ((r < 0 ? -r : r) * 2 >= den_) q += (num_ < 0 ? -1 : 1);
  const bool negative = q < 0;
  if (negative) q = -q;
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(q % 10)));
    q /= 10;
  } while (q != 0);
  while (static_cast<int>(digits.size()) <= decimals) digits.insert(digits.begin(), '0');
  if (decimals > 0) digits.insert(digits.end() - decimals, '.');
  if (negative) digits.insert(digits.begin(), '-');
  return digits;
}

std::string Number::canonical() const {
  const auto places = exact_decimals();
  if (places && *places <= kMaxDecimals) return fixed_text(*places);
  return std::to_string(num_) + "/" + std::to_string(den_);
}

Result<Number> Number::parse_canonical(std::string_view text) {
  auto corrupt = [&] { return fail(Status::corruption("coeur.number.mal_encode", {{"texte", text.substr(0, 40)}})); };
  // Reads "-?digits[.digits]" into a fraction; the canonical check below refuses every other
  // spelling of the same number ("+5", "007", "1.50", "2/4", "1,5").
  auto decimal = [](std::string_view t, i128& num, i128& den) {
    bool negative = !t.empty() && t[0] == '-';
    if (negative) t.remove_prefix(1);
    num = 0;
    den = 1;
    bool dot = false;
    int digits = 0;
    for (const char c : t) {
      if (c == '.' && !dot) {
        dot = true;
        continue;
      }
      if (c < '0' || c > '9' || ++digits > 30) return false;
      num = num * 10 + (c - '0');
      if (dot) den *= 10;
    }
    if (negative) num = -num;
    return digits > 0;
  };
  i128 num = 0, den = 1;
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    if (!decimal(text, num, den)) return corrupt();
  } else {
    i128 d = 0, one = 1;
    if (!decimal(text.substr(0, slash), num, one) || one != 1) return corrupt();
    if (!decimal(text.substr(slash + 1), d, one) || one != 1 || d <= 0) return corrupt();
    den = d;
  }
  auto n = make_fraction(num, den);
  if (!n || n->canonical() != text) return corrupt();
  return *n;
}

std::string Number::to_decimal(int max_decimals) const {
  max_decimals = max_decimals < 0 ? 0 : (max_decimals > kMaxDecimals ? kMaxDecimals : max_decimals);
  std::string s = fixed_text(max_decimals);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

std::string Number::to_french(int max_decimals, bool fixed) const {
  max_decimals = max_decimals < 0 ? 0 : (max_decimals > kMaxDecimals ? kMaxDecimals : max_decimals);
  std::string s = fixed ? fixed_text(max_decimals) : to_decimal(max_decimals);
  if (s == "-0") s = "0";
  for (char& c : s) {
    if (c == '.') c = ',';
  }
  return s;
}

}  // namespace carnet::core
