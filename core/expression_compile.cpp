// The parser of the expression language (grammar in expression.hpp): tokens from
// expression_lexer, types and functions checked by expression_typing.
#include <optional>
#include <utility>

#include "core/expression.hpp"
#include "core/expression_lexer.hpp"
#include "core/expression_node.hpp"
#include "core/expression_typing.hpp"

namespace carnet::core {
namespace {

constexpr std::size_t kMaxLength = 4096;
constexpr int kMaxDepth = 64;

// Binding strength, loosest first: or, and, the prefix not, a comparison, sums, products,
// the prefix minus.
enum class Level { kOr, kAnd, kNot, kCompare, kSum, kProduct, kNeg };

// An operator whose right operand is still being read.
struct Pending {
  Level level;
  Tok tok;          // which operator of its level (kName for or, and, not)
  std::size_t pos;  // where it is written
};

class Parser {
 public:
  Parser(std::string_view src, const SymbolTable& symbols, std::vector<int>& refs)
      : lexer_(src), symbols_(symbols), refs_(refs) {
    advance();
  }

  NodePtr parse_all() {
    NodePtr n = parse_expr();
    if (tok_.kind != Tok::kEnd) {
      compile_error(tok_.pos, Message("coeur.expression_compile.symbole_en_trop", {sub("symbole", describe(tok_))}));
    }
    return n;
  }

 private:
  void advance() { tok_ = lexer_.next(); }

  void expect(Tok kind, Message what) {
    if (tok_.kind != kind) {
      compile_error(tok_.pos, Message("coeur.expression_compile.attendu_trouve",
                                      {sub("attendu", std::move(what)), sub("trouve", describe(tok_))}));
    }
    advance();
  }

  bool is_keyword(const char* kw) const { return tok_.kind == Tok::kName && tok_.text == kw; }

  // Depth: one level per nested expression (the whole one, parentheses, arguments) and per
  // prefix operator (not, unary minus) whose operand is being read.
  void enter(std::size_t pos) {
    if (++depth_ > kMaxDepth) compile_error(pos, Message("coeur.expression_compile.trop_imbriquee"));
  }
  struct DepthGuard {
    DepthGuard(Parser& p, std::size_t pos) : p_(p) { p_.enter(pos); }
    ~DepthGuard() { --p_.depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
    Parser& p_;
  };

  // expr := or, read by operator precedence: the operands and the pending operators wait on
  // two stacks, and only a nested expression (parentheses, arguments) is a recursive call,
  // so that the thread's stack grows with the nesting (at most kMaxDepth), not with the
  // length of a chain or the number of precedence levels. A chain of one level ("a + b - c",
  // "a and b and c") becomes one node (expression_node.hpp). Each operator is checked, and
  // its node built, as soon as its right operand ends, as the recursive descent of the
  // grammar would: the same errors at the same places.
  NodePtr parse_expr() {
    DepthGuard guard(*this, tok_.pos);
    std::vector<NodePtr> operands;
    std::vector<Pending> pending;
    for (;;) {
      // Prefix operators: "not" where a comparison may start (first, or after and, or, not),
      // "-" before any operand.
      for (;;) {
        const bool is_not = is_keyword("not") && (pending.empty() || pending.back().level <= Level::kNot);
        if (!is_not && tok_.kind != Tok::kMinus) break;
        enter(tok_.pos);
        pending.push_back({is_not ? Level::kNot : Level::kNeg, tok_.kind, tok_.pos});
        advance();
      }
      operands.push_back(parse_primary());
      std::optional<Level> next = binary_level();
      while (next && !pending.empty() && pending.back().level > *next) reduce(operands, pending);
      // One comparison at most: a second one ends the expression, for the caller to refuse.
      if (next == Level::kCompare && !pending.empty() && pending.back().level == Level::kCompare) next.reset();
      if (!next) {
        while (!pending.empty()) reduce(operands, pending);
        return std::move(operands.back());
      }
      if (!pending.empty() && pending.back().level == *next) reduce(operands, pending);
      pending.push_back({*next, tok_.kind, tok_.pos});
      advance();
    }
  }

  // The level of the binary operator `tok_`, or nullopt if it is none.
  std::optional<Level> binary_level() const {
    switch (tok_.kind) {
      case Tok::kPlus:
      case Tok::kMinus: return Level::kSum;
      case Tok::kStar:
      case Tok::kSlash: return Level::kProduct;
      case Tok::kEq:
      case Tok::kNe:
      case Tok::kLt:
      case Tok::kLe:
      case Tok::kGt:
      case Tok::kGe: return Level::kCompare;
      case Tok::kName:
        if (tok_.text == "or") return Level::kOr;
        if (tok_.text == "and") return Level::kAnd;
        return std::nullopt;
      default: return std::nullopt;
    }
  }

  // Applies the last pending operator to its operands, the last one or two.
  [[gnu::noinline]] void reduce(std::vector<NodePtr>& operands, std::vector<Pending>& pending) {
    const Pending op = pending.back();
    pending.pop_back();
    NodePtr right = std::move(operands.back());
    operands.pop_back();
    if (op.level == Level::kNot || op.level == Level::kNeg) {
      --depth_;
      const bool is_not = op.level == Level::kNot;
      require(*right, is_not ? ExprType::kBool : ExprType::kNumber, op.pos,
              is_not ? code_name("not") : Message("coeur.expression_compile.signe_moins"));
      NodePtr n = make_node(is_not ? ExprOp::kNot : ExprOp::kNeg, is_not ? ExprType::kBool : ExprType::kNumber);
      n->kids.push_back(std::move(right));
      operands.push_back(std::move(n));
      return;
    }
    NodePtr& left = operands.back();
    switch (op.level) {
      case Level::kOr:
        chain(left, std::move(right), ExprOp::kOr, std::nullopt, op.pos, code_name("or"));
        break;
      case Level::kAnd:
        chain(left, std::move(right), ExprOp::kAnd, std::nullopt, op.pos, code_name("and"));
        break;
      case Level::kSum:
        chain(left, std::move(right), ExprOp::kArithmetic, op.tok == Tok::kPlus ? ArithOp::kAdd : ArithOp::kSub,
              op.pos, Message("coeur.expression_compile.operation_arithmetique"));
        break;
      case Level::kProduct:
        chain(left, std::move(right), ExprOp::kArithmetic, op.tok == Tok::kStar ? ArithOp::kMul : ArithOp::kDiv,
              op.pos, Message("coeur.expression_compile.operation_arithmetique"));
        break;
      default: left = comparison(op, std::move(left), std::move(right)); break;
    }
  }

  static bool is_sum_step(ArithOp step) { return step == ArithOp::kAdd || step == ArithOp::kSub; }

  // `left op right` for and, or, and the arithmetic (with `step`): `left` becomes the node of
  // the chain, or takes one more operand if it already is a chain of that level.
  static void chain(NodePtr& left, NodePtr right, ExprOp op, std::optional<ArithOp> step, std::size_t pos,
                    const Message& what) {
    const ExprType type = op == ExprOp::kArithmetic ? ExprType::kNumber : ExprType::kBool;
    require(*left, type, pos, what);
    require(*right, type, pos, what);
    const bool continues =
        left->op == op && (!step || is_sum_step(left->steps.front()) == is_sum_step(*step));
    if (!continues) {
      NodePtr node = make_node(op, type);
      node->kids.push_back(std::move(left));
      left = std::move(node);
    }
    if (step) left->steps.push_back(*step);
    left->kids.push_back(std::move(right));
  }

  static NodePtr comparison(const Pending& op, NodePtr left, NodePtr right) {
    if (!compatible(left->type, right->type)) {
      compile_error(op.pos, Message("coeur.expression_compile.comparaison_types",
                                    {sub("gauche", type_message(left->type)), sub("droite", type_message(right->type))}));
    }
    const ExprType t = unify(left->type, right->type);
    const bool ordered = op.tok != Tok::kEq && op.tok != Tok::kNe;
    if (t == ExprType::kTable || (ordered && (t == ExprType::kBool || t == ExprType::kText))) {
      compile_error(op.pos, Message("coeur.expression_compile.comparaison_ordre", {sub("type", type_message(t))}));
    }
    ExprOp node_op = ExprOp::kEq;
    switch (op.tok) {
      case Tok::kNe: node_op = ExprOp::kNe; break;
      case Tok::kLt: node_op = ExprOp::kLt; break;
      case Tok::kLe: node_op = ExprOp::kLe; break;
      case Tok::kGt: node_op = ExprOp::kGt; break;
      case Tok::kGe: node_op = ExprOp::kGe; break;
      default: break;
    }
    NodePtr n = make_node(node_op, ExprType::kBool);
    n->kids.push_back(std::move(left));
    n->kids.push_back(std::move(right));
    return n;
  }

  NodePtr parse_primary() {
    const Token t = tok_;
    switch (t.kind) {
      case Tok::kNumber: {
        advance();
        auto n = Number::parse(t.text);
        if (!n) compile_error(t.pos, n.error());
        return literal_node(Value::number(*n), ExprType::kNumber);
      }
      case Tok::kString:
        advance();
        return literal_node(Value::text(t.text), ExprType::kText);
      case Tok::kLParen: {
        advance();
        NodePtr inner = parse_expr();
        expect(Tok::kRParen, Message("coeur.expression_compile.attendu_parenthese"));
        return inner;
      }
      case Tok::kName: break;
      default:
        compile_error(t.pos, Message("coeur.expression_compile.valeur_attendue", {sub("trouve", describe(t))}));
    }
    advance();
    if (t.text == "true") return literal_node(Value::boolean(true), ExprType::kBool);
    if (t.text == "false") return literal_node(Value::boolean(false), ExprType::kBool);
    if (t.text == "null") return literal_node(Value(), ExprType::kNull);
    if (t.text == "and" || t.text == "or" || t.text == "not") {
      compile_error(t.pos, Message("coeur.expression_compile.mal_place", {{"nom", t.text}}));
    }
    if (tok_.kind == Tok::kLParen) return parse_call(t);
    return reference(t);
  }

  // A name: a column of the row being iterated, a parameter, a built-in or an item.
  [[gnu::noinline]] NodePtr reference(const Token& t) {
    if (row_table_ >= 0) {
      if (auto col = symbols_.column(row_table_, t.text)) {
        NodePtr n = make_node(ExprOp::kColumn, col->type);
        n->index = col->index;
        return n;
      }
    }
    auto sym = symbols_.lookup(t.text);
    if (!sym) compile_error(t.pos, Message("coeur.expression_compile.nom_inconnu", {{"nom", t.text}}));
    switch (sym->kind) {
      case Symbol::Kind::kConstant: return literal_node(sym->constant, sym->type);
      case Symbol::Kind::kBuiltin: {
        NodePtr n = make_node(ExprOp::kBuiltin, sym->type);
        n->builtin = sym->builtin;
        return n;
      }
      case Symbol::Kind::kTable:
        compile_error(t.pos, Message("coeur.expression_compile.tableau_hors_agregat", {{"nom", t.text}}));
      case Symbol::Kind::kColumn:
        compile_error(t.pos, Message("coeur.expression_compile.colonne_hors_parcours", {{"nom", t.text}}));
      case Symbol::Kind::kItem: break;
    }
    refs_.push_back(sym->index);
    NodePtr n = make_node(ExprOp::kItem, sym->type);
    n->index = sym->index;
    return n;
  }

  // The first argument of an aggregate: a table name. Returns its item index.
  [[gnu::noinline]] int table_arg(const char* fn) {
    const Token t = tok_;
    if (t.kind != Tok::kName) compile_error(t.pos, Message("coeur.expression_compile.nom_tableau_attendu", {{"fonction", fn}}));
    advance();
    auto sym = symbols_.lookup(t.text);
    if (!sym || sym->kind != Symbol::Kind::kTable) {
      compile_error(t.pos, Message("coeur.expression_compile.pas_un_tableau", {{"fonction", fn}, {"nom", t.text}}));
    }
    if (row_table_ >= 0) compile_error(t.pos, Message("coeur.expression_compile.agregat_imbrique", {{"fonction", fn}}));
    refs_.push_back(sym->index);
    return sym->index;
  }

  // Parses an expression evaluated once per row of `table`.
  NodePtr row_expr(int table) {
    row_table_ = table;
    NodePtr n = parse_expr();
    row_table_ = -1;
    return n;
  }

  bool accept(Tok kind) {
    if (tok_.kind != kind) return false;
    advance();
    return true;
  }

  NodePtr parse_call(const Token& name) {
    advance();  // "("
    const std::string& fn = name.text;
    if (fn == "count" || fn == "sum" || fn == "all" || fn == "any") return parse_aggregate(fn);
    if (fn == "bracket") return parse_bracket(name.pos);
    std::vector<NodePtr> args;
    std::vector<std::size_t> arg_pos;
    if (tok_.kind != Tok::kRParen) {
      do {
        arg_pos.push_back(tok_.pos);
        args.push_back(parse_expr());
      } while (accept(Tok::kComma));
    }
    expect(Tok::kRParen, Message("coeur.expression_compile.attendu_parenthese"));
    return typed_call(fn, name.pos, std::move(args), arg_pos);
  }

  // count(T [, cond]), sum(T, x [, cond]), all(T, cond), any(T, cond), after the "(".
  NodePtr parse_aggregate(const std::string& fn) {
    const int table = table_arg(fn.c_str());
    ExprOp op = ExprOp::kCount;
    ExprType type = ExprType::kNumber;
    if (fn == "sum") op = ExprOp::kSum;
    if (fn == "all") op = ExprOp::kAll, type = ExprType::kBool;
    if (fn == "any") op = ExprOp::kAny, type = ExprType::kBool;
    NodePtr n = make_node(op, type);
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
    return n;
  }

  // bracket(x, b1: v1, ..., *: v), after the "(".
  NodePtr parse_bracket(std::size_t pos) {
    NodePtr n = make_node(ExprOp::kBracket, ExprType::kNull);
    const std::size_t xpos = tok_.pos;
    n->kids.push_back(parse_expr());
    require(*n->kids[0], ExprType::kNumber, xpos, call_name("bracket"));
    ExprType t = ExprType::kNull;
    while (accept(Tok::kComma)) {
      if (n->has_default) compile_error(tok_.pos, Message("coeur.expression_compile.bracket_defaut_dernier"));
      const Token b = tok_;
      if (accept(Tok::kStar)) {
        n->has_default = true;
      } else {
        bool negative = accept(Tok::kMinus);
        if (tok_.kind != Tok::kNumber) compile_error(tok_.pos, Message("coeur.expression_compile.bracket_palier_attendu"));
        auto bound = Number::parse(tok_.text);
        if (!bound) compile_error(tok_.pos, bound.error());
        advance();
        const Number v = negative ? bound->negated() : *bound;
        if (!n->bounds.empty() && !(n->bounds.back() < v)) {
          compile_error(b.pos, Message("coeur.expression_compile.bracket_croissant"));
        }
        n->bounds.push_back(v);
      }
      expect(Tok::kColon, Message("coeur.expression_compile.attendu_deux_points"));
      const std::size_t vpos = tok_.pos;
      NodePtr value = parse_expr();
      if (!compatible(t, value->type)) compile_error(vpos, Message("coeur.expression_compile.bracket_types"));
      t = unify(t, value->type);
      n->kids.push_back(std::move(value));
    }
    expect(Tok::kRParen, Message("coeur.expression_compile.attendu_parenthese"));
    if (n->kids.size() < 2) compile_error(pos, Message("coeur.expression_compile.bracket_un_palier"));
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
