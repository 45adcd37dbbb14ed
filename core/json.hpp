// Json: a small strict JSON document (RFC 8259) for the command line's input and output.
//
// Objects keep their members in insertion order (outputs read naturally and diff well);
// numbers keep their text so that exact decimals survive (see Number). The parser refuses
// trailing garbage, duplicate keys, invalid UTF-8, nesting deeper than 64, objects of more
// than kMaxJsonMembers members, documents of more than kMaxJsonValues values or larger than
// the caller's limit, with a French message giving the byte offset. Parsing takes time in
// proportion to the text's length.
// Thread safety: a value type.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/number.hpp"
#include "core/status.hpp"

namespace carnet::core {

// The parser's caps, far above any document Carnet writes (a grid's largest object has a few
// hundred members) and low enough that a hostile one is refused before it costs anything.
inline constexpr std::size_t kMaxJsonMembers = 10'000;   // per object
inline constexpr std::size_t kMaxJsonValues = 1'000'000;  // per document, nested ones included

class Json {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  using Array = std::vector<Json>;
  using Object = std::vector<std::pair<std::string, Json>>;

  Json() = default;  // null
  Json(bool b) : v_(b) {}                                    // NOLINT: implicit by design
  Json(const char* s) : v_(std::string(s)) {}                // NOLINT
  Json(std::string s) : v_(std::move(s)) {}                  // NOLINT
  Json(std::string_view s) : v_(std::string(s)) {}           // NOLINT
  Json(std::int64_t n) : v_(NumberText{std::to_string(n)}) {}  // NOLINT
  Json(int n) : Json(static_cast<std::int64_t>(n)) {}        // NOLINT
  Json(std::size_t n) : v_(NumberText{std::to_string(n)}) {}   // NOLINT
  // Exact when the decimal expansion terminates within 9 places, else rounded to 9.
  static Json number(const Number& n) { return from_number_text(n.to_decimal(9)); }
  static Json array(Array items = {}) { Json j; j.v_ = std::move(items); return j; }
  static Json object(Object members = {}) { Json j; j.v_ = std::move(members); return j; }

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_null() const { return kind() == Kind::kNull; }
  bool as_bool() const { return std::get<bool>(v_); }
  const std::string& number_text() const { return std::get<NumberText>(v_).text; }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const Array& as_array() const { return std::get<Array>(v_); }
  Array& as_array() { return std::get<Array>(v_); }
  const Object& as_object() const { return std::get<Object>(v_); }

  // Object access: the member named `key`, or nullptr.
  const Json* find(std::string_view key) const;
  // Appends (or replaces) a member; precondition: an object.
  Json& set(std::string key, Json value);
  // Appends to an array; precondition: an array.
  Json& push(Json value);

  // Compact text; `indent` > 0 pretty-prints. Non-ASCII text is written as UTF-8.
  std::string dump(int indent = 0) const;

  static Result<Json> parse(std::string_view text, std::size_t max_bytes = 16u << 20);

 private:
  struct NumberText {
    std::string text;
    friend bool operator==(const NumberText&, const NumberText&) = default;
  };
  static Json from_number_text(std::string text) { Json j; j.v_ = NumberText{std::move(text)}; return j; }
  void dump_to(std::string& out, int indent, int level) const;
  friend class JsonParser;

  std::variant<std::monostate, bool, NumberText, std::string, Array, Object> v_;
};

// Appends `s` to `out` as a JSON string literal (quotes included).
void json_quote(std::string_view s, std::string& out);

}  // namespace carnet::core
