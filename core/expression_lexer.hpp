// Internal: the tokens of the expression language (grammar in expression.hpp) and the error
// the compiler throws inside itself.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/message.hpp"

namespace carnet::core {

enum class Tok {
  kEnd, kNumber, kString, kName, kLParen, kRParen, kComma, kColon,
  kPlus, kMinus, kStar, kSlash, kEq, kNe, kLt, kLe, kGt, kGe,
};

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;
  std::size_t pos = 0;  // 0-based offset in the source
};

// Thrown inside the compiler only and turned into a Status by Expression::compile(); never
// escapes it.
struct CompileError {
  std::size_t pos;
  std::vector<Message> parts;  // a Status's parts: contexts first, then the message
};

// Splits a source into tokens, one at a time. Throws CompileError for a character that
// starts no token, an unterminated string or a name ending in ".".
class Lexer {
 public:
  explicit Lexer(std::string_view src) : src_(src) {}

  // The next token; kEnd (at the end of the source) from then on.
  Token next();

 private:
  std::string_view src_;
  std::size_t pos_ = 0;
};

// The token as written ("'texte'", "<=", a name), "" for the end.
std::string symbol(const Token& t);
// The token as a message names it: its symbol, or « fin » for the end.
Message describe(const Token& t);

}  // namespace carnet::core
