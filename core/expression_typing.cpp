// Type checking of the expression language: the built-in functions' signatures.
#include "core/expression_typing.hpp"

#include <array>
#include <utility>

namespace carnet::core {

NodePtr make_node(ExprOp op, ExprType type) {
  auto n = std::make_unique<ExprNode>();
  n->op = op;
  n->type = type;
  return n;
}

NodePtr literal_node(Value v, ExprType type) {
  NodePtr n = make_node(ExprOp::kLiteral, type);
  n->literal = std::move(v);
  return n;
}

bool compatible(ExprType a, ExprType b) {
  return a == b || a == ExprType::kNull || b == ExprType::kNull;
}

ExprType unify(ExprType a, ExprType b) { return a == ExprType::kNull ? b : a; }

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

MessageParam sub(std::string_view name, Message m) { return {name, std::vector<Message>{std::move(m)}}; }

Message code_name(std::string_view name) { return Message("coeur.expression_compile.nom", {{"nom", name}}); }

Message call_name(std::string_view fn) { return Message("coeur.expression_compile.fonction", {{"fonction", fn}}); }

void compile_error(std::size_t pos, Message message) { throw CompileError{pos, {std::move(message)}}; }

void compile_error(std::size_t pos, const Status& status) { throw CompileError{pos, status.parts()}; }

void require(const ExprNode& n, ExprType type, std::size_t pos, Message what) {
  if (!compatible(n.type, type)) {
    compile_error(pos, Message("coeur.expression_compile.type_attendu", {sub("quoi", std::move(what)),
                                                                         sub("attendu", type_message(type)),
                                                                         sub("trouve", type_message(n.type))}));
  }
}

namespace {

// The functions whose every parameter has one type.
struct Signature {
  std::string_view name;
  ExprOp op;
  ExprType result;
  std::size_t arity;
  std::array<ExprType, 3> params;
};

constexpr ExprType kNum = ExprType::kNumber;
constexpr ExprType kDat = ExprType::kDate;

constexpr std::array<Signature, 10> kSignatures = {{
    {"abs", ExprOp::kAbs, kNum, 1, {kNum}},
    {"floor", ExprOp::kFloor, kNum, 1, {kNum}},
    {"ceil", ExprOp::kCeil, kNum, 1, {kNum}},
    {"date", ExprOp::kMakeDate, kDat, 3, {kNum, kNum, kNum}},  // date(y, m, d); date('…') is a literal
    {"year", ExprOp::kYear, kNum, 1, {kDat}},
    {"month", ExprOp::kMonth, kNum, 1, {kDat}},
    {"day", ExprOp::kDay, kNum, 1, {kDat}},
    {"days", ExprOp::kDays, kNum, 2, {kDat, kDat}},
    {"add_days", ExprOp::kAddDays, kDat, 2, {kDat, kNum}},
    {"add_months", ExprOp::kAddMonths, kDat, 2, {kDat, kNum}},
}};

}  // namespace

NodePtr typed_call(const std::string& fn, std::size_t pos, std::vector<NodePtr> args,
                   const std::vector<std::size_t>& arg_pos) {
  auto arity = [&](std::size_t lo, std::size_t hi) {
    if (args.size() < lo || args.size() > hi) {
      if (lo == hi) {
        compile_error(pos, Message("coeur.expression_compile.arite", {{"fonction", fn}, {"n", args.size()}, {"min", lo}}));
      }
      compile_error(pos, Message("coeur.expression_compile.arite_plage",
                                 {{"fonction", fn}, {"n", args.size()}, {"min", lo}, {"max", hi}}));
    }
  };
  auto node = [&](ExprOp op, ExprType type) {
    NodePtr n = make_node(op, type);
    for (auto& a : args) n->kids.push_back(std::move(a));
    return n;
  };
  auto arg = [&](std::size_t i, ExprType type) { require(*args[i], type, arg_pos[i], code_name(fn)); };

  if (fn == "if") {
    arity(3, 3);
    arg(0, ExprType::kBool);
    if (!compatible(args[1]->type, args[2]->type)) compile_error(pos, Message("coeur.expression_compile.if_branches"));
    const ExprType t = unify(args[1]->type, args[2]->type);
    return node(ExprOp::kIf, t);
  }
  if (fn == "coalesce") {
    arity(2, 2);
    if (!compatible(args[0]->type, args[1]->type)) {
      compile_error(pos, Message("coeur.expression_compile.types_differents", {{"fonction", fn}}));
    }
    const ExprType t = unify(args[0]->type, args[1]->type);
    return node(ExprOp::kCoalesce, t);
  }
  if (fn == "answered") {
    arity(1, 1);
    if (args[0]->op != ExprOp::kItem && args[0]->op != ExprOp::kColumn) {
      compile_error(arg_pos[0], Message("coeur.expression_compile.answered_item"));
    }
    return node(ExprOp::kAnswered, ExprType::kBool);
  }
  if (fn == "min" || fn == "max") {
    arity(1, 32);
    ExprType t = ExprType::kNull;
    for (std::size_t i = 0; i < args.size(); ++i) {
      if (!compatible(t, args[i]->type)) {
        compile_error(arg_pos[i], Message("coeur.expression_compile.types_differents", {{"fonction", fn}}));
      }
      t = unify(t, args[i]->type);
    }
    if (t != ExprType::kNumber && t != ExprType::kDate) {
      compile_error(pos, Message("coeur.expression_compile.nombres_ou_dates", {{"fonction", fn}}));
    }
    return node(fn == "min" ? ExprOp::kMin : ExprOp::kMax, t);
  }
  if (fn == "round") {
    arity(2, 2);
    arg(0, ExprType::kNumber);
    const ExprNode& d = *args[1];
    if (d.op != ExprOp::kLiteral || d.type != ExprType::kNumber || !d.literal.as_number().is_integer() ||
        d.literal.as_number() < Number::integer(0) || d.literal.as_number() > Number::integer(9)) {
      compile_error(arg_pos[1], Message("coeur.expression_compile.round_decimales"));
    }
    const int decimals = static_cast<int>(d.literal.as_number().numerator());
    args.pop_back();
    NodePtr n = node(ExprOp::kRound, ExprType::kNumber);
    n->decimals = decimals;
    return n;
  }
  if (fn == "date" && args.size() == 1) {
    if (args[0]->op != ExprOp::kLiteral || args[0]->type != ExprType::kText) {
      compile_error(arg_pos[0], Message("coeur.expression_compile.date_texte"));
    }
    auto d = Date::parse(args[0]->literal.as_text());
    if (!d) compile_error(arg_pos[0], d.error());
    return literal_node(Value::date(*d), ExprType::kDate);
  }
  for (const Signature& sig : kSignatures) {
    if (fn != sig.name) continue;
    arity(sig.arity, sig.arity);
    for (std::size_t i = 0; i < sig.arity; ++i) arg(i, sig.params[i]);
    return node(sig.op, sig.result);
  }
  compile_error(pos, Message("coeur.expression_compile.fonction_inconnue", {{"fonction", fn}}));
}

}  // namespace carnet::core
