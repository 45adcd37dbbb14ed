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
  std::string message;
};

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
      if (t.text.back() == '.') throw CompileError{pos_, "nom incomplet « " + t.text + " »"};
      pos_ = end;
      return t;
    }
    if (c == '\'') {
      const std::size_t close = src_.find('\'', pos_ + 1);
      if (close == std::string_view::npos) throw CompileError{pos_, "texte non terminé (')"};
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
        if (!two('=')) throw CompileError{pos_, "« ! » seul n'existe pas (utiliser not ou !=)"};
        t.kind = Tok::kNe; len = 2; break;
      case '<': t.kind = two('=') ? Tok::kLe : Tok::kLt; len = two('=') ? 2 : 1; break;
      case '>': t.kind = two('=') ? Tok::kGe : Tok::kGt; len = two('=') ? 2 : 1; break;
      default: {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x21 && byte < 0x7F) throw CompileError{pos_, std::string("caractère inattendu « ") + c + " »"};
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02X", byte);
        throw CompileError{pos_, std::string("caractère inattendu (octet ") + hex + ")"};
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
    if (tok_.kind != Tok::kEnd) error(tok_.pos, "symbole en trop « " + describe(tok_) + " »");
    return n;
  }

 private:
  [[noreturn]] void error(std::size_t pos, std::string message) {
    throw CompileError{pos, std::move(message)};
  }

  static std::string describe(const Token& t) {
    switch (t.kind) {
      case Tok::kEnd: return "fin";
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

  void expect(Tok kind, const char* what) {
    if (tok_.kind != kind) error(tok_.pos, std::string("attendu ") + what + ", trouvé « " + describe(tok_) + " »");
    advance();
  }

  bool is_keyword(const char* kw) const { return tok_.kind == Tok::kName && tok_.text == kw; }

  // Depth guard: one level per nested expression (parentheses, arguments) and per prefix
  // operator (not, unary minus), the only ways the parser recurses.
  struct DepthGuard {
    explicit DepthGuard(Parser& p, std::size_t pos) : p_(p) {
      if (++p_.depth_ > kMaxDepth) p_.error(pos, "expression trop imbriquée (profondeur maximale 64)");
    }
    ~DepthGuard() { --p_.depth_; }
    Parser& p_;
  };

  void require(const ExprNode& n, ExprType type, std::size_t pos, const char* what) {
    if (!compatible(n.type, type)) {
      error(pos, std::string(what) + " : attendu " + std::string(expr_type_name(type)) + ", trouvé " +
                     std::string(expr_type_name(n.type)));
    }
  }

  NodePtr parse_or() {
    DepthGuard g(*this, tok_.pos);
    NodePtr left = parse_and();
    while (is_keyword("or")) {
      const std::size_t pos = tok_.pos;
      advance();
      NodePtr right = parse_and();
      require(*left, ExprType::kBool, pos, "or");
      require(*right, ExprType::kBool, pos, "or");
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
      require(*left, ExprType::kBool, pos, "and");
      require(*right, ExprType::kBool, pos, "and");
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
      require(*operand, ExprType::kBool, pos, "not");
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
      error(pos, "comparaison entre " + std::string(expr_type_name(left->type)) + " et " +
                     std::string(expr_type_name(right->type)));
    }
    const ExprType t = unify(left->type, right->type);
    const bool ordered = op != ExprOp::kEq && op != ExprOp::kNe;
    if (t == ExprType::kTable || (ordered && (t == ExprType::kBool || t == ExprType::kText))) {
      error(pos, "comparaison d'ordre impossible sur " + std::string(expr_type_name(t)));
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
      require(*left, ExprType::kNumber, pos, "opération arithmétique");
      require(*right, ExprType::kNumber, pos, "opération arithmétique");
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
      require(*left, ExprType::kNumber, pos, "opération arithmétique");
      require(*right, ExprType::kNumber, pos, "opération arithmétique");
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
      require(*operand, ExprType::kNumber, pos, "signe moins");
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
        if (!n) error(t.pos, n.error().message());
        return literal(Value::number(*n), ExprType::kNumber);
      }
      case Tok::kString:
        advance();
        return literal(Value::text(t.text), ExprType::kText);
      case Tok::kLParen: {
        advance();
        NodePtr inner = parse_or();
        expect(Tok::kRParen, "« ) »");
        return inner;
      }
      case Tok::kName: break;
      default: error(t.pos, "valeur attendue, trouvé « " + describe(t) + " »");
    }
    advance();
    if (t.text == "true") return literal(Value::boolean(true), ExprType::kBool);
    if (t.text == "false") return literal(Value::boolean(false), ExprType::kBool);
    if (t.text == "null") return literal(Value(), ExprType::kNull);
    if (t.text == "and" || t.text == "or" || t.text == "not") {
      error(t.pos, "« " + t.text + " » mal placé");
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
    if (!sym) error(t.pos, "nom inconnu « " + t.text + " »");
    switch (sym->kind) {
      case Symbol::Kind::kConstant: return literal(sym->constant, sym->type);
      case Symbol::Kind::kBuiltin: {
        NodePtr n = make(ExprOp::kBuiltin, sym->type);
        n->builtin = sym->builtin;
        return n;
      }
      case Symbol::Kind::kTable:
        error(t.pos, "« " + t.text + " » est un tableau : utiliser count(), sum(), all() ou any()");
      case Symbol::Kind::kColumn:
        error(t.pos, "colonne « " + t.text + " » hors d'un parcours de tableau");
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
    if (t.kind != Tok::kName) error(t.pos, std::string(fn) + "() : un nom de tableau est attendu");
    advance();
    auto sym = symbols_.lookup(t.text);
    if (!sym || sym->kind != Symbol::Kind::kTable) {
      error(t.pos, std::string(fn) + "() : « " + t.text + " » n'est pas un tableau");
    }
    if (row_table_ >= 0) error(t.pos, std::string(fn) + "() ne peut pas être imbriqué dans un parcours de tableau");
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
    expect(Tok::kRParen, "« ) »");
    auto arity = [&](std::size_t lo, std::size_t hi) {
      if (args.size() < lo || args.size() > hi) {
        error(pos, fn + "() : " + std::to_string(args.size()) + " argument(s), attendu " +
                       (lo == hi ? std::to_string(lo) : std::to_string(lo) + " à " + std::to_string(hi)));
      }
    };
    auto node = [&](ExprOp op, ExprType type) {
      NodePtr n = make(op, type);
      for (auto& a : args) n->kids.push_back(std::move(a));
      return n;
    };
    auto arg = [&](std::size_t i, ExprType type) { require(*args[i], type, arg_pos[i], fn.c_str()); };

    if (fn == "if") {
      arity(3, 3);
      arg(0, ExprType::kBool);
      if (!compatible(args[1]->type, args[2]->type)) error(pos, "if() : les deux branches n'ont pas le même type");
      const ExprType t = unify(args[1]->type, args[2]->type);
      return node(ExprOp::kIf, t);
    }
    if (fn == "coalesce") {
      arity(2, 2);
      if (!compatible(args[0]->type, args[1]->type)) error(pos, "coalesce() : types différents");
      const ExprType t = unify(args[0]->type, args[1]->type);
      return node(ExprOp::kCoalesce, t);
    }
    if (fn == "answered") {
      arity(1, 1);
      if (args[0]->op != ExprOp::kItem && args[0]->op != ExprOp::kColumn) {
        error(arg_pos[0], "answered() : un item ou une colonne est attendu");
      }
      return node(ExprOp::kAnswered, ExprType::kBool);
    }
    if (fn == "min" || fn == "max") {
      arity(1, 32);
      ExprType t = ExprType::kNull;
      for (std::size_t i = 0; i < args.size(); ++i) {
        if (!compatible(t, args[i]->type)) error(arg_pos[i], fn + "() : types différents");
        t = unify(t, args[i]->type);
      }
      if (t != ExprType::kNumber && t != ExprType::kDate) error(pos, fn + "() : nombres ou dates attendus");
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
        error(arg_pos[1], "round() : le nombre de décimales doit être un entier de 0 à 9");
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
          error(arg_pos[0], "date() : un texte 'AAAA-MM-JJ' est attendu");
        }
        auto d = Date::parse(args[0]->literal.as_text());
        if (!d) error(arg_pos[0], d.error().message());
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
    error(pos, "fonction inconnue « " + fn + " »");
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
      expect(Tok::kComma, "« , » puis la valeur à additionner");
      const std::size_t p = tok_.pos;
      NodePtr value = row_expr(table);
      require(*value, ExprType::kNumber, p, "sum()");
      n->kids.push_back(std::move(value));
    }
    const bool needs_cond = op == ExprOp::kAll || op == ExprOp::kAny;
    if (needs_cond || tok_.kind == Tok::kComma) {
      expect(Tok::kComma, "« , » puis une condition");
      const std::size_t p = tok_.pos;
      NodePtr cond = row_expr(table);
      require(*cond, ExprType::kBool, p, (fn + "()").c_str());
      n->kids.push_back(std::move(cond));
    }
    expect(Tok::kRParen, "« ) »");
    (void)pos;
    return n;
  }

  NodePtr parse_bracket(std::size_t pos) {
    NodePtr n = make(ExprOp::kBracket, ExprType::kNull);
    const std::size_t xpos = tok_.pos;
    n->kids.push_back(parse_or());
    require(*n->kids[0], ExprType::kNumber, xpos, "bracket()");
    ExprType t = ExprType::kNull;
    while (accept(Tok::kComma)) {
      if (n->has_default) error(tok_.pos, "bracket() : « * » doit être le dernier palier");
      const Token b = tok_;
      if (accept(Tok::kStar)) {
        n->has_default = true;
      } else {
        bool negative = accept(Tok::kMinus);
        if (tok_.kind != Tok::kNumber) error(tok_.pos, "bracket() : un palier numérique ou « * » est attendu");
        auto bound = Number::parse(tok_.text);
        if (!bound) error(tok_.pos, bound.error().message());
        advance();
        const Number v = negative ? bound->negated() : *bound;
        if (!n->bounds.empty() && !(n->bounds.back() < v)) error(b.pos, "bracket() : les paliers doivent croître");
        n->bounds.push_back(v);
      }
      expect(Tok::kColon, "« : » après le palier");
      const std::size_t vpos = tok_.pos;
      NodePtr value = parse_or();
      if (!compatible(t, value->type)) error(vpos, "bracket() : les valeurs n'ont pas toutes le même type");
      t = unify(t, value->type);
      n->kids.push_back(std::move(value));
    }
    expect(Tok::kRParen, "« ) »");
    if (n->kids.size() < 2) error(pos, "bracket() : au moins un palier est attendu");
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

std::string_view expr_type_name(ExprType type) {
  switch (type) {
    case ExprType::kNull: return "null";
    case ExprType::kBool: return "booléen";
    case ExprType::kNumber: return "nombre";
    case ExprType::kDate: return "date";
    case ExprType::kText: return "texte";
    case ExprType::kTable: return "tableau";
  }
  return "?";
}

Result<Expression> Expression::compile(std::string_view text, const SymbolTable& symbols,
                                       std::optional<ExprType> expected) {
  if (text.size() > kMaxLength) {
    return fail(Status::out_of_range("expression trop longue (" + std::to_string(text.size()) +
                                     " caractères, maximum 4096)"));
  }
  Expression e;
  e.text_ = std::string(text);
  try {
    Parser parser(text, symbols, e.item_refs_);
    std::unique_ptr<ExprNode> root = parser.parse_all();
    if (expected && !compatible(root->type, *expected)) {
      throw CompileError{0, "l'expression donne un " + std::string(expr_type_name(root->type)) +
                                ", attendu " + std::string(expr_type_name(*expected))};
    }
    e.root_ = std::move(root);
  } catch (const CompileError& err) {
    return fail(Status::invalid_argument("colonne " + std::to_string(err.pos + 1) + " : " + err.message));
  }
  return e;
}

ExprType Expression::type() const { return root_ ? root_->type : ExprType::kNull; }

}  // namespace carnet::core
