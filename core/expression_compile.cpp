// Lexer, parser and type checker of the expression language (grammar in expression.hpp).
#include <cctype>
#include <cstdio>
#include <utility>

#include "core/expression.hpp"
#include "core/expression_node.hpp"

namespace carnet::core {
namespace {

constexpr std::size_t kMaxLength = 4096;
constexpr int kMaxDepth = 64;

enum class Tok {
  kEnd, kNumber, kString, kName, kLParen, kRParen, kComma, kColon,
  kPlus, kMinus, kStar, kSlash, kEq, kNe, kLt, kLe, kGt, kGe,
};

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;
  std::size_t pos = 0;  // 0-based offset in the source
};

// Thrown inside the parser only and turned into a Status by compile(); never escapes.
struct CompileError {
  std::size_t pos;
  std::vector<Message> parts;  // a Status's parts: contexts first, then the message
};

// A parameter made of one sub-message (a French phrase chosen by the code).
MessageParam sub(std::string_view name, Message m) { return {name, std::vector<Message>{std::move(m)}}; }

Message type_message(ExprType type) {
  switch (type) {
    case ExprType::kNull: return Message("coeur.expression_compile.type_null");
    case ExprType::kBool: return Message("coeur.expression_compile.type_booleen");
    case ExprType::kNumber: return Message("coeur.expression_compile.type_nombre");
    case ExprType::kDate: return Message("coeur.expression_compile.type_date");
    case ExprType::kText: return Message("coeur.expression_compile.type_texte");
    case ExprType::kTable: return Message("coeur.expression_compile.type_tableau");
  }
  return Message("coeur.expression_compile.type_inconnu");
}

class Lexer {
 public:
  explicit Lexer(std::string_view src) : src_(src) {}

  Token next() {
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

 private:
  std::string_view src_;
  std::size_t pos_ = 0;
};

using NodePtr = std::unique_ptr<ExprNode>;

NodePtr make(ExprOp op, ExprType type) {
  auto n = std::make_unique<ExprNode>();
  n->op = op;
  n->type = type;
  return n;
}

bool compatible(ExprType a, ExprType b) {
  return a == b || a == ExprType::kNull || b == ExprType::kNull;
}

ExprType unify(ExprType a, ExprType b) { return a == ExprType::kNull ? b : a; }

class Parser {
 public:
  Parser(std::string_view src, const SymbolTable& symbols, std::vector<int>& refs)
      : lexer_(src), symbols_(symbols), refs_(refs) {
    advance();
  }

  NodePtr parse_all() {
    NodePtr n = parse_or();
    if (tok_.kind != Tok::kEnd) {
      error(tok_.pos, Message("coeur.expression_compile.symbole_en_trop", {sub("symbole", describe(tok_))}));
    }
    return n;
  }

 private:
  [[noreturn]] void error(std::size_t pos, Message message) {
    throw CompileError{pos, {std::move(message)}};
  }
  [[noreturn]] void error(std::size_t pos, const Status& status) { throw CompileError{pos, status.parts()}; }

  static Message describe(const Token& t) {
    if (t.kind == Tok::kEnd) return Message("coeur.expression_compile.fin");
    return Message("coeur.expression_compile.symbole", {{"symbole", symbol(t)}});
  }

  static std::string symbol(const Token& t) {
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

  void advance() { tok_ = lexer_.next(); }

  void expect(Tok kind, Message what) {
    if (tok_.kind != kind) {
      error(tok_.pos, Message("coeur.expression_compile.attendu_trouve", {sub("attendu", std::move(what)),
                                                                          sub("trouve", describe(tok_))}));
    }
    advance();
  }

  bool is_keyword(const char* kw) const { return tok_.kind == Tok::kName && tok_.text == kw; }

  // Depth guard: one level per nested expression (parentheses, arguments) and per prefix
  // operator (not, unary minus), the only ways the parser recurses.
  struct DepthGuard {
    explicit DepthGuard(Parser& p, std::size_t pos) : p_(p) {
      if (++p_.depth_ > kMaxDepth) p_.error(pos, Message("coeur.expression_compile.trop_imbriquee"));
    }
    ~DepthGuard() { --p_.depth_; }
    Parser& p_;
  };

  void require(const ExprNode& n, ExprType type, std::size_t pos, Message what) {
    if (!compatible(n.type, type)) {
      error(pos, Message("coeur.expression_compile.type_attendu", {sub("quoi", std::move(what)),
                                                                   sub("attendu", type_message(type)),
                                                                   sub("trouve", type_message(n.type))}));
    }
  }

  static Message code_name(std::string_view n) { return Message("coeur.expression_compile.nom", {{"nom", n}}); }
  static Message call_name(std::string_view fn) {
    return Message("coeur.expression_compile.fonction", {{"fonction", fn}});
  }

  NodePtr parse_or() {
    DepthGuard g(*this, tok_.pos);
    NodePtr left = parse_and();
    while (is_keyword("or")) {
      const std::size_t pos = tok_.pos;
      advance();
      NodePtr right = parse_and();
      require(*left, ExprType::kBool, pos, code_name("or"));
      require(*right, ExprType::kBool, pos, code_name("or"));
      left = binary(ExprOp::kOr, ExprType::kBool, std::move(left), std::move(right));
    }
    return left;
  }

  NodePtr parse_and() {
    NodePtr left = parse_not();
    while (is_keyword("and")) {
      const std::size_t pos = tok_.pos;
      advance();
      NodePtr right = parse_not();
      require(*left, ExprType::kBool, pos, code_name("and"));
      require(*right, ExprType::kBool, pos, code_name("and"));
      left = binary(ExprOp::kAnd, ExprType::kBool, std::move(left), std::move(right));
    }
    return left;
  }

  NodePtr parse_not() {
    if (is_keyword("not")) {
      DepthGuard g(*this, tok_.pos);
      const std::size_t pos = tok_.pos;
      advance();
      NodePtr operand = parse_not();
      require(*operand, ExprType::kBool, pos, code_name("not"));
      NodePtr n = make(ExprOp::kNot, ExprType::kBool);
      n->kids.push_back(std::move(operand));
      return n;
    }
    return parse_compare();
  }

  NodePtr parse_compare() {
    NodePtr left = parse_sum();
    ExprOp op;
    switch (tok_.kind) {
      case Tok::kEq: op = ExprOp::kEq; break;
      case Tok::kNe: op = ExprOp::kNe; break;
      case Tok::kLt: op = ExprOp::kLt; break;
      case Tok::kLe: op = ExprOp::kLe; break;
      case Tok::kGt: op = ExprOp::kGt; break;
      case Tok::kGe: op = ExprOp::kGe; break;
      default: return left;
    }
    const std::size_t pos = tok_.pos;
    advance();
    NodePtr right = parse_sum();
    if (!compatible(left->type, right->type)) {
      error(pos, Message("coeur.expression_compile.comparaison_types", {sub("gauche", type_message(left->type)),
                                                                        sub("droite", type_message(right->type))}));
    }
    const ExprType t = unify(left->type, right->type);
    const bool ordered = op != ExprOp::kEq && op != ExprOp::kNe;
    if (t == ExprType::kTable || (ordered && (t == ExprType::kBool || t == ExprType::kText))) {
      error(pos, Message("coeur.expression_compile.comparaison_ordre", {sub("type", type_message(t))}));
    }
    return binary(op, ExprType::kBool, std::move(left), std::move(right));
  }

  NodePtr parse_sum() {
    NodePtr left = parse_product();
    while (tok_.kind == Tok::kPlus || tok_.kind == Tok::kMinus) {
      const ExprOp op = tok_.kind == Tok::kPlus ? ExprOp::kAdd : ExprOp::kSub;
      const std::size_t pos = tok_.pos;
      advance();
      NodePtr right = parse_product();
      require(*left, ExprType::kNumber, pos, Message("coeur.expression_compile.operation_arithmetique"));
      require(*right, ExprType::kNumber, pos, Message("coeur.expression_compile.operation_arithmetique"));
      left = binary(op, ExprType::kNumber, std::move(left), std::move(right));
    }
    return left;
  }

  NodePtr parse_product() {
    NodePtr left = parse_unary();
    while (tok_.kind == Tok::kStar || tok_.kind == Tok::kSlash) {
      const ExprOp op = tok_.kind == Tok::kStar ? ExprOp::kMul : ExprOp::kDiv;
      const std::size_t pos = tok_.pos;
      advance();
      NodePtr right = parse_unary();
      require(*left, ExprType::kNumber, pos, Message("coeur.expression_compile.operation_arithmetique"));
      require(*right, ExprType::kNumber, pos, Message("coeur.expression_compile.operation_arithmetique"));
      left = binary(op, ExprType::kNumber, std::move(left), std::move(right));
    }
    return left;
  }

  NodePtr parse_unary() {
    if (tok_.kind == Tok::kMinus) {
      DepthGuard g(*this, tok_.pos);
      const std::size_t pos = tok_.pos;
      advance();
      NodePtr operand = parse_unary();
      require(*operand, ExprType::kNumber, pos, Message("coeur.expression_compile.signe_moins"));
      NodePtr n = make(ExprOp::kNeg, ExprType::kNumber);
      n->kids.push_back(std::move(operand));
      return n;
    }
    return parse_primary();
  }

  static NodePtr binary(ExprOp op, ExprType type, NodePtr l, NodePtr r) {
    NodePtr n = make(op, type);
    n->kids.push_back(std::move(l));
    n->kids.push_back(std::move(r));
    return n;
  }

  NodePtr literal(Value v, ExprType type) {
    NodePtr n = make(ExprOp::kLiteral, type);
    n->literal = std::move(v);
    return n;
  }

  NodePtr parse_primary() {
    const Token t = tok_;
    switch (t.kind) {
      case Tok::kNumber: {
        advance();
        auto n = Number::parse(t.text);
        if (!n) error(t.pos, n.error());
        return literal(Value::number(*n), ExprType::kNumber);
      }
      case Tok::kString:
        advance();
        return literal(Value::text(t.text), ExprType::kText);
      case Tok::kLParen: {
        advance();
        NodePtr inner = parse_or();
        expect(Tok::kRParen, Message("coeur.expression_compile.attendu_parenthese"));
        return inner;
      }
      case Tok::kName: break;
      default: error(t.pos, Message("coeur.expression_compile.valeur_attendue", {sub("trouve", describe(t))}));
    }
    advance();
    if (t.text == "true") return literal(Value::boolean(true), ExprType::kBool);
    if (t.text == "false") return literal(Value::boolean(false), ExprType::kBool);
    if (t.text == "null") return literal(Value(), ExprType::kNull);
    if (t.text == "and" || t.text == "or" || t.text == "not") {
      error(t.pos, Message("coeur.expression_compile.mal_place", {{"nom", t.text}}));
    }
    if (tok_.kind == Tok::kLParen) return parse_call(t);
    return reference(t);
  }

  NodePtr reference(const Token& t) {
    if (row_table_ >= 0) {
      if (auto col = symbols_.column(row_table_, t.text)) {
        NodePtr n = make(ExprOp::kColumn, col->type);
        n->index = col->index;
        return n;
      }
    }
    auto sym = symbols_.lookup(t.text);
    if (!sym) error(t.pos, Message("coeur.expression_compile.nom_inconnu", {{"nom", t.text}}));
    switch (sym->kind) {
      case Symbol::Kind::kConstant: return literal(sym->constant, sym->type);
      case Symbol::Kind::kBuiltin: {
        NodePtr n = make(ExprOp::kBuiltin, sym->type);
        n->builtin = sym->builtin;
        return n;
      }
      case Symbol::Kind::kTable:
        error(t.pos, Message("coeur.expression_compile.tableau_hors_agregat", {{"nom", t.text}}));
      case Symbol::Kind::kColumn:
        error(t.pos, Message("coeur.expression_compile.colonne_hors_parcours", {{"nom", t.text}}));
      case Symbol::Kind::kItem: break;
    }
    refs_.push_back(sym->index);
    NodePtr n = make(ExprOp::kItem, sym->type);
    n->index = sym->index;
    return n;
  }

  // The first argument of an aggregate: a table name. Returns its item index.
  int table_arg(const char* fn) {
    const Token t = tok_;
    if (t.kind != Tok::kName) error(t.pos, Message("coeur.expression_compile.nom_tableau_attendu", {{"fonction", fn}}));
    advance();
    auto sym = symbols_.lookup(t.text);
    if (!sym || sym->kind != Symbol::Kind::kTable) {
      error(t.pos, Message("coeur.expression_compile.pas_un_tableau", {{"fonction", fn}, {"nom", t.text}}));
    }
    if (row_table_ >= 0) error(t.pos, Message("coeur.expression_compile.agregat_imbrique", {{"fonction", fn}}));
    refs_.push_back(sym->index);
    return sym->index;
  }

  // Parses an expression evaluated once per row of `table`.
  NodePtr row_expr(int table) {
    row_table_ = table;
    NodePtr n = parse_or();
    row_table_ = -1;
    return n;
  }

  bool accept(Tok kind) {
    if (tok_.kind != kind) return false;
    advance();
    return true;
  }

  NodePtr parse_call(const Token& name) {
    const std::string& fn = name.text;
    const std::size_t pos = name.pos;
    advance();  // "("
    if (fn == "count" || fn == "sum" || fn == "all" || fn == "any") return parse_aggregate(fn, pos);
    if (fn == "bracket") return parse_bracket(pos);
    std::vector<NodePtr> args;
    std::vector<std::size_t> arg_pos;
    if (tok_.kind != Tok::kRParen) {
      do {
        arg_pos.push_back(tok_.pos);
        args.push_back(parse_or());
      } while (accept(Tok::kComma));
    }
    expect(Tok::kRParen, Message("coeur.expression_compile.attendu_parenthese"));
    auto arity = [&](std::size_t lo, std::size_t hi) {
      if (args.size() < lo || args.size() > hi) {
        if (lo == hi) {
          error(pos, Message("coeur.expression_compile.arite", {{"fonction", fn}, {"n", args.size()}, {"min", lo}}));
        }
        error(pos, Message("coeur.expression_compile.arite_plage",
                           {{"fonction", fn}, {"n", args.size()}, {"min", lo}, {"max", hi}}));
      }
    };
    auto node = [&](ExprOp op, ExprType type) {
      NodePtr n = make(op, type);
      for (auto& a : args) n->kids.push_back(std::move(a));
      return n;
    };
    auto arg = [&](std::size_t i, ExprType type) { require(*args[i], type, arg_pos[i], code_name(fn)); };

    if (fn == "if") {
      arity(3, 3);
      arg(0, ExprType::kBool);
      if (!compatible(args[1]->type, args[2]->type)) error(pos, Message("coeur.expression_compile.if_branches"));
      const ExprType t = unify(args[1]->type, args[2]->type);
      return node(ExprOp::kIf, t);
    }
    if (fn == "coalesce") {
      arity(2, 2);
      if (!compatible(args[0]->type, args[1]->type)) {
        error(pos, Message("coeur.expression_compile.types_differents", {{"fonction", fn}}));
      }
      const ExprType t = unify(args[0]->type, args[1]->type);
      return node(ExprOp::kCoalesce, t);
    }
    if (fn == "answered") {
      arity(1, 1);
      if (args[0]->op != ExprOp::kItem && args[0]->op != ExprOp::kColumn) {
        error(arg_pos[0], Message("coeur.expression_compile.answered_item"));
      }
      return node(ExprOp::kAnswered, ExprType::kBool);
    }
    if (fn == "min" || fn == "max") {
      arity(1, 32);
      ExprType t = ExprType::kNull;
      for (std::size_t i = 0; i < args.size(); ++i) {
        if (!compatible(t, args[i]->type)) {
          error(arg_pos[i], Message("coeur.expression_compile.types_differents", {{"fonction", fn}}));
        }
        t = unify(t, args[i]->type);
      }
      if (t != ExprType::kNumber && t != ExprType::kDate) {
        error(pos, Message("coeur.expression_compile.nombres_ou_dates", {{"fonction", fn}}));
      }
      return node(fn == "min" ? ExprOp::kMin : ExprOp::kMax, t);
    }
    if (fn == "abs" || fn == "floor" || fn == "ceil") {
      arity(1, 1);
      arg(0, ExprType::kNumber);
      return node(fn == "abs" ? ExprOp::kAbs : fn == "floor" ? ExprOp::kFloor : ExprOp::kCeil,
                  ExprType::kNumber);
    }
    if (fn == "round") {
      arity(2, 2);
      arg(0, ExprType::kNumber);
      const ExprNode& d = *args[1];
      if (d.op != ExprOp::kLiteral || d.type != ExprType::kNumber || !d.literal.as_number().is_integer() ||
          d.literal.as_number() < Number::integer(0) || d.literal.as_number() > Number::integer(9)) {
        error(arg_pos[1], Message("coeur.expression_compile.round_decimales"));
      }
      const int decimals = static_cast<int>(d.literal.as_number().numerator());
      args.pop_back();
      NodePtr n = node(ExprOp::kRound, ExprType::kNumber);
      n->decimals = decimals;
      return n;
    }
    if (fn == "date") {
      if (args.size() == 1) {
        if (args[0]->op != ExprOp::kLiteral || args[0]->type != ExprType::kText) {
          error(arg_pos[0], Message("coeur.expression_compile.date_texte"));
        }
        auto d = Date::parse(args[0]->literal.as_text());
        if (!d) error(arg_pos[0], d.error());
        return literal(Value::date(*d), ExprType::kDate);
      }
      arity(3, 3);
      for (std::size_t i = 0; i < 3; ++i) arg(i, ExprType::kNumber);
      return node(ExprOp::kMakeDate, ExprType::kDate);
    }
    if (fn == "year" || fn == "month" || fn == "day") {
      arity(1, 1);
      arg(0, ExprType::kDate);
      return node(fn == "year" ? ExprOp::kYear : fn == "month" ? ExprOp::kMonth : ExprOp::kDay,
                  ExprType::kNumber);
    }
    if (fn == "days") {
      arity(2, 2);
      arg(0, ExprType::kDate);
      arg(1, ExprType::kDate);
      return node(ExprOp::kDays, ExprType::kNumber);
    }
    if (fn == "add_days" || fn == "add_months") {
      arity(2, 2);
      arg(0, ExprType::kDate);
      arg(1, ExprType::kNumber);
      return node(fn == "add_days" ? ExprOp::kAddDays : ExprOp::kAddMonths, ExprType::kDate);
    }
    error(pos, Message("coeur.expression_compile.fonction_inconnue", {{"fonction", fn}}));
  }

  NodePtr parse_aggregate(const std::string& fn, std::size_t pos) {
    const int table = table_arg(fn.c_str());
    ExprOp op = ExprOp::kCount;
    ExprType type = ExprType::kNumber;
    if (fn == "sum") op = ExprOp::kSum;
    if (fn == "all") op = ExprOp::kAll, type = ExprType::kBool;
    if (fn == "any") op = ExprOp::kAny, type = ExprType::kBool;
    NodePtr n = make(op, type);
    n->index = table;
    if (op == ExprOp::kSum) {
      expect(Tok::kComma, Message("coeur.expression_compile.attendu_valeur"));
      const std::size_t p = tok_.pos;
      NodePtr value = row_expr(table);
      require(*value, ExprType::kNumber, p, call_name("sum"));
      n->kids.push_back(std::move(value));
    }
    const bool needs_cond = op == ExprOp::kAll || op == ExprOp::kAny;
    if (needs_cond || tok_.kind == Tok::kComma) {
      expect(Tok::kComma, Message("coeur.expression_compile.attendu_condition"));
      const std::size_t p = tok_.pos;
      NodePtr cond = row_expr(table);
      require(*cond, ExprType::kBool, p, call_name(fn));
      n->kids.push_back(std::move(cond));
    }
    expect(Tok::kRParen, Message("coeur.expression_compile.attendu_parenthese"));
    (void)pos;
    return n;
  }

  NodePtr parse_bracket(std::size_t pos) {
    NodePtr n = make(ExprOp::kBracket, ExprType::kNull);
    const std::size_t xpos = tok_.pos;
    n->kids.push_back(parse_or());
    require(*n->kids[0], ExprType::kNumber, xpos, call_name("bracket"));
    ExprType t = ExprType::kNull;
    while (accept(Tok::kComma)) {
      if (n->has_default) error(tok_.pos, Message("coeur.expression_compile.bracket_defaut_dernier"));
      const Token b = tok_;
      if (accept(Tok::kStar)) {
        n->has_default = true;
      } else {
        bool negative = accept(Tok::kMinus);
        if (tok_.kind != Tok::kNumber) error(tok_.pos, Message("coeur.expression_compile.bracket_palier_attendu"));
        auto bound = Number::parse(tok_.text);
        if (!bound) error(tok_.pos, bound.error());
        advance();
        const Number v = negative ? bound->negated() : *bound;
        if (!n->bounds.empty() && !(n->bounds.back() < v)) {
          error(b.pos, Message("coeur.expression_compile.bracket_croissant"));
        }
        n->bounds.push_back(v);
      }
      expect(Tok::kColon, Message("coeur.expression_compile.attendu_deux_points"));
      const std::size_t vpos = tok_.pos;
      NodePtr value = parse_or();
      if (!compatible(t, value->type)) error(vpos, Message("coeur.expression_compile.bracket_types"));
      t = unify(t, value->type);
      n->kids.push_back(std::move(value));
    }
    expect(Tok::kRParen, Message("coeur.expression_compile.attendu_parenthese"));
    if (n->kids.size() < 2) error(pos, Message("coeur.expression_compile.bracket_un_palier"));
    n->type = t;
    return n;
  }

  Lexer lexer_;
  const SymbolTable& symbols_;
  std::vector<int>& refs_;
  Token tok_;
  int depth_ = 0;
  int row_table_ = -1;  // the table iterated by the enclosing aggregate, or -1
};

}  // namespace

std::string_view expr_type_name(ExprType type) { return message_text(type_message(type).key()); }

Result<Expression> Expression::compile(std::string_view text, const SymbolTable& symbols,
                                       std::optional<ExprType> expected) {
  if (text.size() > kMaxLength) {
    return fail(Status::out_of_range("coeur.expression_compile.trop_longue", {{"taille", text.size()}}));
  }
  Expression e;
  e.text_ = std::string(text);
  try {
    Parser parser(text, symbols, e.item_refs_);
    std::unique_ptr<ExprNode> root = parser.parse_all();
    if (expected && !compatible(root->type, *expected)) {
      throw CompileError{0, {Message("coeur.expression_compile.type_resultat",
                                     {sub("type", type_message(root->type)),
                                      sub("attendu", type_message(*expected))})}};
    }
    e.root_ = std::move(root);
  } catch (const CompileError& err) {
    Status s = Status::invalid_argument(err.parts.back());
    for (auto it = err.parts.rbegin() + 1; it != err.parts.rend(); ++it) s = s.with_context(*it);
    return fail(s.with_context("coeur.expression_compile.colonne", {{"colonne", err.pos + 1}}));
  }
  return e;
}

ExprType Expression::type() const { return root_ ? root_->type : ExprType::kNull; }

}  // namespace carnet::core
