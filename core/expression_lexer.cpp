// The lexer of the expression language.
#include "core/expression_lexer.hpp"

#include <cctype>
#include <cstdio>

namespace carnet::core {

Token Lexer::next() {
  while (pos_ < src_.size() && std::isspace(static_cast<unsigned char>(src_[pos_]))) ++pos_;
  Token t;
  t.pos = pos_;
  if (pos_ >= src_.size()) return t;
  const char c = src_[pos_];
  if (std::isdigit(static_cast<unsigned char>(c))) {
    std::size_t end = pos_;
    while (end < src_.size() &&
           (std::isdigit(static_cast<unsigned char>(src_[end])) || src_[end] == '.')) {
      ++end;
    }
    t.kind = Tok::kNumber;
    t.text = std::string(src_.substr(pos_, end - pos_));
    pos_ = end;
    return t;
  }
  if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
    std::size_t end = pos_;
    while (end < src_.size() && (std::isalnum(static_cast<unsigned char>(src_[end])) ||
                                 src_[end] == '_' || src_[end] == '.')) {
      ++end;
    }
    t.kind = Tok::kName;
    t.text = std::string(src_.substr(pos_, end - pos_));
    if (t.text.back() == '.') {
      throw CompileError{pos_, {Message("coeur.expression_compile.nom_incomplet", {{"nom", t.text}})}};
    }
    pos_ = end;
    return t;
  }
  if (c == '\'') {
    const std::size_t close = src_.find('\'', pos_ + 1);
    if (close == std::string_view::npos) {
      throw CompileError{pos_, {Message("coeur.expression_compile.texte_non_termine")}};
    }
    t.kind = Tok::kString;
    t.text = std::string(src_.substr(pos_ + 1, close - pos_ - 1));
    pos_ = close + 1;
    return t;
  }
  auto two = [&](char second) { return pos_ + 1 < src_.size() && src_[pos_ + 1] == second; };
  std::size_t len = 1;
  switch (c) {
    case '(': t.kind = Tok::kLParen; break;
    case ')': t.kind = Tok::kRParen; break;
    case ',': t.kind = Tok::kComma; break;
    case ':': t.kind = Tok::kColon; break;
    case '+': t.kind = Tok::kPlus; break;
    case '-': t.kind = Tok::kMinus; break;
    case '*': t.kind = Tok::kStar; break;
    case '/': t.kind = Tok::kSlash; break;
    case '=': t.kind = Tok::kEq; len = two('=') ? 2 : 1; break;
    case '!':
      if (!two('=')) throw CompileError{pos_, {Message("coeur.expression_compile.point_exclamation")}};
      t.kind = Tok::kNe; len = 2; break;
    case '<': t.kind = two('=') ? Tok::kLe : Tok::kLt; len = two('=') ? 2 : 1; break;
    case '>': t.kind = two('=') ? Tok::kGe : Tok::kGt; len = two('=') ? 2 : 1; break;
    default: {
      const auto byte = static_cast<unsigned char>(c);
      if (byte >= 0x21 && byte < 0x7F) {
        throw CompileError{pos_, {Message("coeur.expression_compile.caractere_inattendu",
                                          {{"caractere", std::string(1, c)}})}};
      }
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", byte);
      throw CompileError{pos_, {Message("coeur.expression_compile.octet_inattendu", {{"octet", hex}})}};
    }
  }
  pos_ += len;
  return t;
}

Message describe(const Token& t) {
  if (t.kind == Tok::kEnd) return Message("coeur.expression_compile.fin");
  return Message("coeur.expression_compile.symbole", {{"symbole", symbol(t)}});
}

std::string symbol(const Token& t) {
  switch (t.kind) {
    case Tok::kEnd: return "";
    case Tok::kString: return "'" + t.text + "'";
    case Tok::kNumber:
    case Tok::kName: return t.text;
    case Tok::kLParen: return "(";
    case Tok::kRParen: return ")";
    case Tok::kComma: return ",";
    case Tok::kColon: return ":";
    case Tok::kPlus: return "+";
    case Tok::kMinus: return "-";
    case Tok::kStar: return "*";
    case Tok::kSlash: return "/";
    case Tok::kEq: return "==";
    case Tok::kNe: return "!=";
    case Tok::kLt: return "<";
    case Tok::kLe: return "<=";
    case Tok::kGt: return ">";
    case Tok::kGe: return ">=";
  }
  return "?";
}

}  // namespace carnet::core
