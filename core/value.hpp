// Value: one typed answer or computed value (null, boolean, number, date or text).
//
// Encoded form (storage and wire), one tag letter then the payload:
//   value   := "b:" ("0" | "1") | "n:" number | "d:" YYYY-MM-DD | "t:" utf8-text
//   number  := Number::canonical()          (exact decimal, or "num/den")
// Null is not encoded: it is the absence of a value (SQL NULL, an unset proto field).
// Thread safety: a value type.
#pragma once

#include <concepts>
#include <string>
#include <string_view>
#include <variant>

#include "core/date.hpp"
#include "core/number.hpp"
#include "core/status.hpp"

namespace carnet::core {

enum class ValueKind { kNull, kBool, kNumber, kDate, kText };

// French name of a kind ("nombre", "date", ...); as a message of the catalogue for messages.
std::string_view value_kind_name(ValueKind kind);
Message value_kind_message(ValueKind kind);

class Value {
 public:
  Value() = default;  // null
  static Value boolean(bool b) { return Value(b); }
  static Value number(Number n) { return Value(n); }
  static Value date(Date d) { return Value(d); }
  static Value text(std::string s) { return Value(std::move(s)); }

  ValueKind kind() const { return static_cast<ValueKind>(v_.index()); }
  bool is_null() const { return kind() == ValueKind::kNull; }
  bool as_bool() const { return std::get<bool>(v_); }
  const Number& as_number() const { return std::get<Number>(v_); }
  const Date& as_date() const { return std::get<Date>(v_); }
  const std::string& as_text() const { return std::get<std::string>(v_); }

  // The encoded form above; precondition: not null.
  std::string encode() const;
  // Reads an encoded value; kCorruption when it does not decode.
  static Result<Value> decode(std::string_view encoded);

  // For people, in French: "oui"/"non", "12,5", "01/03/2024", the text itself, "" for null.
  std::string display() const;

  friend bool operator==(const Value&, const Value&) = default;

 private:
  // Only the payload types: an unconstrained T made every type look constructible into a
  // Value, which sends clang's check of std::expected<Value, Status> into a cycle.
  template <class T>
    requires(std::same_as<T, bool> || std::same_as<T, Number> || std::same_as<T, Date> || std::same_as<T, std::string>)
  explicit Value(T v) : v_(std::move(v)) {}
  // Order matches ValueKind.
  std::variant<std::monostate, bool, Number, Date, std::string> v_;
};

}  // namespace carnet::core
