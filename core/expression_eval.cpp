// Evaluation of compiled expressions: three-valued logic, exact arithmetic, no I/O.
#include "core/expression.hpp"
#include "core/expression_node.hpp"

namespace carnet::core {
namespace {

// A row being iterated by an aggregate.
struct Frame {
  int table = -1;
  std::size_t row = 0;
};

class Evaluator {
 public:
  explicit Evaluator(const EvalContext& ctx) : ctx_(ctx) {}

  Result<Value> eval(const ExprNode& n) {
    switch (n.op) {
      case ExprOp::kLiteral: return n.literal;
      case ExprOp::kItem: return ctx_.item(n.index);
      case ExprOp::kColumn: return ctx_.cell(frame_.table, frame_.row, n.index);
      case ExprOp::kBuiltin: return ctx_.builtin(n.builtin);
      case ExprOp::kNeg: {
        auto v = eval(*n.kids[0]);
        if (!v || v->is_null()) return v;
        return Value::number(v->as_number().negated());
      }
      case ExprOp::kNot: {
        auto v = eval(*n.kids[0]);
        if (!v || v->is_null()) return v;
        return Value::boolean(!v->as_bool());
      }
      case ExprOp::kAnd:
      case ExprOp::kOr: return logic(n);
      case ExprOp::kAdd:
      case ExprOp::kSub:
      case ExprOp::kMul:
      case ExprOp::kDiv: return arithmetic(n);
      case ExprOp::kEq:
      case ExprOp::kNe:
      case ExprOp::kLt:
      case ExprOp::kLe:
      case ExprOp::kGt:
      case ExprOp::kGe: return compare(n);
      case ExprOp::kIf: {
        auto c = eval(*n.kids[0]);
        if (!c || c->is_null()) return c;
        return eval(*n.kids[c->as_bool() ? 1 : 2]);
      }
      case ExprOp::kCoalesce: {
        auto a = eval(*n.kids[0]);
        if (!a || !a->is_null()) return a;
        return eval(*n.kids[1]);
      }
      case ExprOp::kAnswered: {
        auto v = eval(*n.kids[0]);
        if (!v) return v;
        return Value::boolean(!v->is_null() && !(v->kind() == ValueKind::kText && v->as_text().empty()));
      }
      case ExprOp::kMin:
      case ExprOp::kMax: return extremum(n);
      case ExprOp::kAbs:
      case ExprOp::kFloor:
      case ExprOp::kCeil:
      case ExprOp::kRound: return rounding(n);
      case ExprOp::kCount:
      case ExprOp::kSum:
      case ExprOp::kAll:
      case ExprOp::kAny: return aggregate(n);
      case ExprOp::kBracket: return bracket(n);
      case ExprOp::kMakeDate:
      case ExprOp::kYear:
      case ExprOp::kMonth:
      case ExprOp::kDay:
      case ExprOp::kDays:
      case ExprOp::kAddDays:
      case ExprOp::kAddMonths: return dates(n);
    }
    return fail(Status::internal("coeur.expression_eval.operation_inconnue"));
  }

 private:
  Result<Value> logic(const ExprNode& n) {
    const bool is_and = n.op == ExprOp::kAnd;
    auto l = eval(*n.kids[0]);
    if (!l) return l;
    // and: false wins; or: true wins; otherwise null beats the neutral value.
    if (!l->is_null() && l->as_bool() != is_and) return l;
    auto r = eval(*n.kids[1]);
    if (!r) return r;
    if (!r->is_null() && r->as_bool() != is_and) return r;
    if (l->is_null() || r->is_null()) return Value();
    return Value::boolean(is_and);
  }

  Result<Value> arithmetic(const ExprNode& n) {
    auto l = eval(*n.kids[0]);
    if (!l || l->is_null()) return l;
    auto r = eval(*n.kids[1]);
    if (!r || r->is_null()) return r;
    Result<Number> out = Number();
    switch (n.op) {
      case ExprOp::kAdd: out = Number::add(l->as_number(), r->as_number()); break;
      case ExprOp::kSub: out = Number::sub(l->as_number(), r->as_number()); break;
      case ExprOp::kMul: out = Number::mul(l->as_number(), r->as_number()); break;
      default: out = Number::div(l->as_number(), r->as_number()); break;
    }
    if (!out) return fail(out.error());
    return Value::number(*out);
  }

  Result<Value> compare(const ExprNode& n) {
    auto l = eval(*n.kids[0]);
    if (!l || l->is_null()) return l;
    auto r = eval(*n.kids[1]);
    if (!r || r->is_null()) return r;
    std::partial_ordering ord = std::partial_ordering::unordered;
    switch (l->kind()) {
      case ValueKind::kNumber: ord = l->as_number() <=> r->as_number(); break;
      case ValueKind::kDate: ord = l->as_date() <=> r->as_date(); break;
      case ValueKind::kText: ord = l->as_text() == r->as_text() ? std::partial_ordering::equivalent
                                                                 : std::partial_ordering::unordered; break;
      case ValueKind::kBool: ord = l->as_bool() == r->as_bool() ? std::partial_ordering::equivalent
                                                                 : std::partial_ordering::unordered; break;
      case ValueKind::kNull: break;
    }
    bool result = false;
    switch (n.op) {
      case ExprOp::kEq: result = ord == 0; break;
      case ExprOp::kNe: result = ord != 0; break;
      case ExprOp::kLt: result = ord < 0; break;
      case ExprOp::kLe: result = ord <= 0; break;
      case ExprOp::kGt: result = ord > 0; break;
      default: result = ord >= 0; break;
    }
    return Value::boolean(result);
  }

  Result<Value> extremum(const ExprNode& n) {
    Value best;
    for (const auto& kid : n.kids) {
      auto v = eval(*kid);
      if (!v || v->is_null()) return v;
      if (best.is_null()) {
        best = *v;
        continue;
      }
      const bool less = v->kind() == ValueKind::kNumber ? v->as_number() < best.as_number()
                                                        : v->as_date() < best.as_date();
      if (less == (n.op == ExprOp::kMin) && !(*v == best)) best = *v;
    }
    return best;
  }

  Result<Value> rounding(const ExprNode& n) {
    auto v = eval(*n.kids[0]);
    if (!v || v->is_null()) return v;
    const Number& x = v->as_number();
    switch (n.op) {
      case ExprOp::kAbs: return Value::number(x.abs());
      case ExprOp::kFloor: return Value::number(x.floor());
      case ExprOp::kCeil: return Value::number(x.ceil());
      default: {
        auto r = x.rounded(n.decimals);
        if (!r) return fail(r.error());
        return Value::number(*r);
      }
    }
  }

  Result<Value> aggregate(const ExprNode& n) {
    const std::size_t rows = ctx_.row_count(n.index);
    const ExprNode* value = n.op == ExprOp::kSum ? n.kids[0].get() : nullptr;
    const ExprNode* cond = nullptr;
    if (n.op == ExprOp::kSum && n.kids.size() > 1) cond = n.kids[1].get();
    if (n.op != ExprOp::kSum && !n.kids.empty()) cond = n.kids[0].get();
    Number total;
    bool saw_null = false;
    const Frame saved = frame_;
    for (std::size_t r = 0; r < rows; ++r) {
      frame_ = {n.index, r};
      std::optional<bool> holds = true;
      if (cond) {
        auto c = eval(*cond);
        if (!c) return restore(saved, fail(c.error()));
        holds = c->is_null() ? std::nullopt : std::optional<bool>(c->as_bool());
      }
      if (n.op == ExprOp::kAll || n.op == ExprOp::kAny) {
        if (!holds) {
          saw_null = true;
          continue;
        }
        if (*holds == (n.op == ExprOp::kAny)) return restore(saved, Value::boolean(*holds));
        continue;
      }
      if (!holds.value_or(false)) continue;  // count and sum: a null condition does not count
      if (n.op == ExprOp::kCount) {
        total = *Number::add(total, Number::integer(1));
        continue;
      }
      auto v = eval(*value);
      if (!v) return restore(saved, fail(v.error()));
      if (v->is_null()) continue;  // sum: an empty cell adds nothing
      auto s = Number::add(total, v->as_number());
      if (!s) return restore(saved, fail(s.error()));
      total = *s;
    }
    frame_ = saved;
    if (n.op == ExprOp::kAll || n.op == ExprOp::kAny) {
      if (saw_null) return Value();
      return Value::boolean(n.op == ExprOp::kAll);
    }
    return Value::number(total);
  }

  Result<Value> restore(const Frame& saved, Result<Value> r) {
    frame_ = saved;
    return r;
  }

  Result<Value> bracket(const ExprNode& n) {
    auto x = eval(*n.kids[0]);
    if (!x || x->is_null()) return x;
    for (std::size_t i = 0; i < n.bounds.size(); ++i) {
      if (x->as_number() <= n.bounds[i]) return eval(*n.kids[i + 1]);
    }
    if (n.has_default) return eval(*n.kids.back());
    return Value();  // beyond the last bound and no "*": no norm applies
  }

  Result<Value> dates(const ExprNode& n) {
    std::vector<Value> args;
    for (const auto& kid : n.kids) {
      auto v = eval(*kid);
      if (!v || v->is_null()) return v;
      args.push_back(std::move(*v));
    }
    auto as_int = [](const Value& v) -> std::optional<std::int64_t> {
      const Number& x = v.as_number();
      if (!x.is_integer()) return std::nullopt;
      return x.numerator();
    };
    auto date_or_error = [](std::optional<Date> d) -> Result<Value> {
      if (!d) return fail(Status::out_of_range("coeur.expression_eval.date_hors_limites"));
      return Value::date(*d);
    };
    switch (n.op) {
      case ExprOp::kMakeDate: {
        auto y = as_int(args[0]), m = as_int(args[1]), d = as_int(args[2]);
        if (!y || !m || !d || *y < 0 || *y > 9999 || *m < 0 || *m > 99 || *d < 0 || *d > 99) {
          return fail(Status::invalid_argument("coeur.expression_eval.date_entiers"));
        }
        return date_or_error(Date::from_ymd(static_cast<int>(*y), static_cast<int>(*m), static_cast<int>(*d)));
      }
      case ExprOp::kYear: return Value::number(Number::integer(args[0].as_date().year()));
      case ExprOp::kMonth: return Value::number(Number::integer(args[0].as_date().month()));
      case ExprOp::kDay: return Value::number(Number::integer(args[0].as_date().day()));
      case ExprOp::kDays: return Value::number(Number::integer(days_between(args[0].as_date(), args[1].as_date())));
      default: {
        auto k = as_int(args[1]);
        if (!k) return fail(Status::invalid_argument("coeur.expression_eval.jours_mois_entier"));
        const Date& d = args[0].as_date();
        return date_or_error(n.op == ExprOp::kAddDays ? d.plus_days(*k) : d.plus_months(*k));
      }
    }
  }

  const EvalContext& ctx_;
  Frame frame_;
};

}  // namespace

Result<Value> Expression::evaluate(const EvalContext& context) const {
  if (!root_) return Value();
  Evaluator evaluator(context);
  return evaluator.eval(*root_);
}

}  // namespace carnet::core
