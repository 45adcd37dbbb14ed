// Evaluation of compiled expressions: three-valued logic, exact arithmetic, no I/O.
//
// The tree is walked without recursion: the nodes being evaluated wait on an explicit stack
// (a Task each, with what it has computed so far), and a node that needs the value of one of
// its kids pushes that kid and is resumed with its value. The depth of a tree costs heap, not
// thread stack, so that the deepest expression the compiler accepts evaluates in a small
// stack (tests/core/expression_test.cpp runs it in 256 KiB, sanitizers included).
#include <optional>
#include <utility>
#include <vector>

#include "core/expression.hpp"
#include "core/expression_node.hpp"

namespace carnet::core {
namespace {

// A row being iterated by an aggregate.
struct Frame {
  int table = -1;
  std::size_t row = 0;
};

// A node being evaluated, and what it has computed so far.
struct Task {
  explicit Task(const ExprNode& n) : node(&n) {}

  const ExprNode* node;
  std::size_t step = 0;      // how many times it has run: 0, then once per kid's value received
  Value held;                // a comparison's left side, the best value of min() or max()
  Number acc;                // the running value of an arithmetic chain, an aggregate's total
  bool saw_null = false;     // and, or, all, any: an operand or a row was null
  std::vector<Value> args;   // the date functions' arguments
  // Aggregates.
  enum class Wait { kNothing, kCondition, kValue } wait = Wait::kNothing;
  std::size_t rows = 0;
  std::size_t row = 0;
  Frame saved;               // the row being iterated when the aggregate started
};

// What a task does next: evaluate `kid` and run again with its value, or end with `value`.
struct Next {
  const ExprNode* kid = nullptr;
  Result<Value> value = Value();
};

Next need(const ExprNode& kid) { return Next{&kid, Value()}; }
Next done(Result<Value> value) { return Next{nullptr, std::move(value)}; }

// The value or error that ends an evaluation early: an error, or null (which propagates).
bool stops(const Result<Value>& v) { return !v || v->is_null(); }

Value compared(ExprOp op, const Value& l, const Value& r) {
  std::partial_ordering ord = std::partial_ordering::unordered;
  switch (l.kind()) {
    case ValueKind::kNumber: ord = l.as_number() <=> r.as_number(); break;
    case ValueKind::kDate: ord = l.as_date() <=> r.as_date(); break;
    case ValueKind::kText: ord = l.as_text() == r.as_text() ? std::partial_ordering::equivalent
                                                             : std::partial_ordering::unordered; break;
    case ValueKind::kBool: ord = l.as_bool() == r.as_bool() ? std::partial_ordering::equivalent
                                                             : std::partial_ordering::unordered; break;
    case ValueKind::kNull: break;
  }
  bool result = false;
  switch (op) {
    case ExprOp::kEq: result = ord == 0; break;
    case ExprOp::kNe: result = ord != 0; break;
    case ExprOp::kLt: result = ord < 0; break;
    case ExprOp::kLe: result = ord <= 0; break;
    case ExprOp::kGt: result = ord > 0; break;
    default: result = ord >= 0; break;
  }
  return Value::boolean(result);
}

Result<Value> rounded(const ExprNode& n, const Number& x) {
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

Result<Value> date_function(ExprOp op, const std::vector<Value>& args) {
  auto as_int = [](const Value& v) -> std::optional<std::int64_t> {
    const Number& x = v.as_number();
    if (!x.is_integer()) return std::nullopt;
    return x.numerator();
  };
  auto date_or_error = [](std::optional<Date> d) -> Result<Value> {
    if (!d) return fail(Status::out_of_range("coeur.expression_eval.date_hors_limites"));
    return Value::date(*d);
  };
  switch (op) {
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
      return date_or_error(op == ExprOp::kAddDays ? d.plus_days(*k) : d.plus_months(*k));
    }
  }
}

class Evaluator {
 public:
  explicit Evaluator(const EvalContext& ctx) : ctx_(ctx) {}

  Result<Value> evaluate(const ExprNode& root) {
    std::vector<Task> tasks;
    tasks.reserve(16);
    tasks.emplace_back(root);
    Result<Value> value = Value();  // the value of the last node that ended
    for (;;) {
      Next next = run(tasks.back(), value);
      if (next.kid != nullptr) {
        tasks.emplace_back(*next.kid);
        continue;
      }
      tasks.pop_back();
      if (tasks.empty()) return std::move(next.value);
      value = std::move(next.value);
    }
  }

 private:
  // Runs `t` one step further; `in` is the value of the kid it asked for last (unused on its
  // first step). Each operation reads as the recursive evaluation it replaces: evaluate the
  // operands left to right, stop at the first error (or null, where null propagates).
  Next run(Task& t, Result<Value>& in) {
    const ExprNode& n = *t.node;
    const std::size_t step = t.step++;
    switch (n.op) {
      case ExprOp::kLiteral: return done(n.literal);
      case ExprOp::kItem: return done(ctx_.item(n.index));
      case ExprOp::kColumn: return done(ctx_.cell(frame_.table, frame_.row, n.index));
      case ExprOp::kBuiltin: return done(ctx_.builtin(n.builtin));
      case ExprOp::kNeg:
      case ExprOp::kNot:
      case ExprOp::kAnswered:
        if (step == 0) return need(*n.kids[0]);
        return done(unary(n.op, std::move(in)));
      case ExprOp::kIf:
        if (step == 0) return need(*n.kids[0]);
        if (step == 1 && !stops(in)) return need(*n.kids[in->as_bool() ? 1 : 2]);
        return done(std::move(in));
      case ExprOp::kCoalesce:
        if (step == 0) return need(*n.kids[0]);
        if (step == 1 && in && in->is_null()) return need(*n.kids[1]);
        return done(std::move(in));
      case ExprOp::kAnd:
      case ExprOp::kOr: return logic(t, step, in);
      case ExprOp::kArithmetic: return arithmetic(t, step, in);
      case ExprOp::kEq:
      case ExprOp::kNe:
      case ExprOp::kLt:
      case ExprOp::kLe:
      case ExprOp::kGt:
      case ExprOp::kGe:
        if (step == 0) return need(*n.kids[0]);
        if (stops(in)) return done(std::move(in));
        if (step == 1) {
          t.held = std::move(*in);
          return need(*n.kids[1]);
        }
        return done(compared(n.op, t.held, *in));
      case ExprOp::kMin:
      case ExprOp::kMax: return extremum(t, step, in);
      case ExprOp::kAbs:
      case ExprOp::kFloor:
      case ExprOp::kCeil:
      case ExprOp::kRound:
        if (step == 0) return need(*n.kids[0]);
        if (stops(in)) return done(std::move(in));
        return done(rounded(n, in->as_number()));
      case ExprOp::kCount:
      case ExprOp::kSum:
      case ExprOp::kAll:
      case ExprOp::kAny: return aggregate(t, in);
      case ExprOp::kBracket: return bracket(t, step, in);
      case ExprOp::kMakeDate:
      case ExprOp::kYear:
      case ExprOp::kMonth:
      case ExprOp::kDay:
      case ExprOp::kDays:
      case ExprOp::kAddDays:
      case ExprOp::kAddMonths:
        if (step == 0) return need(*n.kids[0]);
        if (stops(in)) return done(std::move(in));
        t.args.push_back(std::move(*in));
        if (step < n.kids.size()) return need(*n.kids[step]);
        return done(date_function(n.op, t.args));
    }
    return done(fail(Status::internal("coeur.expression_eval.operation_inconnue")));
  }

  static Result<Value> unary(ExprOp op, Result<Value> v) {
    if (!v) return v;
    if (op == ExprOp::kAnswered) {
      return Value::boolean(!v->is_null() && !(v->kind() == ValueKind::kText && v->as_text().empty()));
    }
    if (v->is_null()) return v;
    if (op == ExprOp::kNeg) return Value::number(v->as_number().negated());
    return Value::boolean(!v->as_bool());
  }

  // and: the first false decides; or: the first true decides; otherwise null if an operand
  // was null, else the neutral value. Operands are evaluated up to the one that decides.
  static Next logic(Task& t, std::size_t step, Result<Value>& in) {
    const ExprNode& n = *t.node;
    const bool is_and = n.op == ExprOp::kAnd;
    if (step > 0) {
      if (!in) return done(std::move(in));
      if (in->is_null()) {
        t.saw_null = true;
      } else if (in->as_bool() != is_and) {
        return done(std::move(in));
      }
    }
    if (step < n.kids.size()) return need(*n.kids[step]);
    if (t.saw_null) return done(Value());
    return done(Value::boolean(is_and));
  }

  // Left to right, as ((a + b) - c) would be: the first null or error among the operands and
  // the steps is the value.
  static Next arithmetic(Task& t, std::size_t step, Result<Value>& in) {
    const ExprNode& n = *t.node;
    if (step == 0) return need(*n.kids[0]);
    if (stops(in)) return done(std::move(in));
    if (step == 1) {
      t.acc = in->as_number();
    } else {
      Result<Number> out = Number();
      const Number& r = in->as_number();
      switch (n.steps[step - 2]) {
        case ArithOp::kAdd: out = Number::add(t.acc, r); break;
        case ArithOp::kSub: out = Number::sub(t.acc, r); break;
        case ArithOp::kMul: out = Number::mul(t.acc, r); break;
        case ArithOp::kDiv: out = Number::div(t.acc, r); break;
      }
      if (!out) return done(fail(out.error()));
      t.acc = *out;
    }
    if (step < n.kids.size()) return need(*n.kids[step]);
    return done(Value::number(t.acc));
  }

  static Next extremum(Task& t, std::size_t step, Result<Value>& in) {
    const ExprNode& n = *t.node;
    if (step > 0) {
      if (stops(in)) return done(std::move(in));
      const Value& v = *in;
      if (t.held.is_null()) {
        t.held = v;
      } else {
        const bool less = v.kind() == ValueKind::kNumber ? v.as_number() < t.held.as_number()
                                                         : v.as_date() < t.held.as_date();
        if (less == (n.op == ExprOp::kMin) && !(v == t.held)) t.held = v;
      }
    }
    if (step < n.kids.size()) return need(*n.kids[step]);
    return done(std::move(t.held));
  }

  // The value of the first bound b with x <= b, else the "*" value, else null.
  static Next bracket(Task& t, std::size_t step, Result<Value>& in) {
    const ExprNode& n = *t.node;
    if (step == 0) return need(*n.kids[0]);
    if (step > 1 || stops(in)) return done(std::move(in));
    for (std::size_t i = 0; i < n.bounds.size(); ++i) {
      if (in->as_number() <= n.bounds[i]) return need(*n.kids[i + 1]);
    }
    if (n.has_default) return need(*n.kids.back());
    return done(Value());  // beyond the last bound and no "*": no norm applies
  }

  // count, sum, all, any: each row of the table in turn, its condition (if any) and, for sum,
  // its value evaluated with that row as the current one.
  Next aggregate(Task& t, Result<Value>& in) {
    const ExprNode& n = *t.node;
    const bool is_sum = n.op == ExprOp::kSum;
    const ExprNode* cond = nullptr;
    if (is_sum && n.kids.size() > 1) cond = n.kids[1].get();
    if (!is_sum && !n.kids.empty()) cond = n.kids[0].get();
    switch (t.wait) {
      case Task::Wait::kNothing:
        t.rows = ctx_.row_count(n.index);
        t.saved = frame_;
        break;
      case Task::Wait::kCondition:
        if (!in) return end_rows(t, fail(in.error()));
        if (auto next = after_condition(t, in->is_null() ? std::nullopt : std::optional<bool>(in->as_bool()))) {
          return std::move(*next);
        }
        break;
      case Task::Wait::kValue:
        if (!in) return end_rows(t, fail(in.error()));
        if (!in->is_null()) {  // sum: an empty cell adds nothing
          auto s = Number::add(t.acc, in->as_number());
          if (!s) return end_rows(t, fail(s.error()));
          t.acc = *s;
        }
        ++t.row;
        break;
    }
    while (t.row < t.rows) {
      frame_ = {n.index, t.row};
      if (cond != nullptr) {
        t.wait = Task::Wait::kCondition;
        return need(*cond);
      }
      if (auto next = after_condition(t, true)) return std::move(*next);
    }
    if (n.op == ExprOp::kAll || n.op == ExprOp::kAny) {
      if (t.saw_null) return end_rows(t, Value());
      return end_rows(t, Value::boolean(n.op == ExprOp::kAll));
    }
    return end_rows(t, Value::number(t.acc));
  }

  // Row `t.row` with its condition's value (nullopt for null): what to do next, or nullopt
  // to go on with the next row.
  std::optional<Next> after_condition(Task& t, std::optional<bool> holds) {
    const ExprNode& n = *t.node;
    if (n.op == ExprOp::kAll || n.op == ExprOp::kAny) {
      if (!holds) {
        t.saw_null = true;
      } else if (*holds == (n.op == ExprOp::kAny)) {
        return end_rows(t, Value::boolean(*holds));
      }
    } else if (holds.value_or(false)) {  // count and sum: a null condition does not count
      if (n.op == ExprOp::kSum) {
        t.wait = Task::Wait::kValue;
        return need(*n.kids[0]);
      }
      t.acc = *Number::add(t.acc, Number::integer(1));
    }
    ++t.row;
    return std::nullopt;
  }

  Next end_rows(const Task& t, Result<Value> value) {
    frame_ = t.saved;
    return done(std::move(value));
  }

  const EvalContext& ctx_;
  Frame frame_;
};

}  // namespace

Result<Value> Expression::evaluate(const EvalContext& context) const {
  if (!root_) return Value();
  Evaluator evaluator(context);
  return evaluator.evaluate(*root_);
}

}  // namespace carnet::core
