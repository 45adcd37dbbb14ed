// The grid expression language: computed values (`calculate`), conditions (`relevant`) and
// legal requirements (`norm`).
//
// Grammar (whitespace between tokens is free; keywords are lower case):
//   expr    := or
//   or      := and { "or" and }
//   and     := not { "and" not }
//   not     := "not" not | compare
//   compare := sum [ ("==" | "!=" | "<" | "<=" | ">" | ">=") sum ]
//   sum     := product { ("+" | "-") product }
//   product := unary { ("*" | "/") unary }
//   unary   := "-" unary | primary
//   primary := NUMBER | STRING | "true" | "false" | "null" | "(" expr ")"
//            | NAME "(" [ arg { "," arg } ] ")"          -- a function call
//            | NAME                                      -- an item, a column, a parameter
//   arg     := expr | expr ":" expr | "*" ":" expr       -- the ":" forms only in bracket()
//   NAME    := letter { letter | digit | "_" | "." }     -- e.g. fonctionnement.nuitees_agreees
//   NUMBER  := digits [ "." digits ]                     -- at most 15 + 9 digits
//   STRING  := "'" { any but "'" } "'"
//
// Names resolve, in this order, to a column of the row being iterated (inside count, sum,
// all, any), a grid parameter (a constant), a built-in (`date_visite`), or an item of the
// grid. Functions: if(c, a, b), coalesce(a, b), answered(x), min(a, b, ...), max(...),
// abs(x), floor(x), ceil(x), round(x, n), count(T [, cond]), sum(T, x [, cond]),
// all(T, cond), any(T, cond), bracket(x, b1: v1, ..., *: v) (the value of the first bound
// b with x <= b, else the value after "*"), date('YYYY-MM-DD'), date(y, m, d), year(d),
// month(d), day(d), days(from, to), add_days(d, n), add_months(d, n).
//
// Types are checked when the expression is compiled. An unanswered item is null; null
// propagates through arithmetic and comparisons, and and/or use three-valued logic, so a
// norm over missing data evaluates to null ("unknown") rather than to a verdict.
// Limits: 4096 characters, nesting depth 64. Compiled expressions are immutable and can be
// evaluated from several threads at once.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"
#include "core/value.hpp"

namespace carnet::core {

enum class ExprType { kNull, kBool, kNumber, kDate, kText, kTable };

std::string_view expr_type_name(ExprType type);  // French, for messages

enum class Builtin { kVisitDate };

// What a name stands for, as told by the grid at compile time.
struct Symbol {
  enum class Kind { kItem, kTable, kColumn, kConstant, kBuiltin };
  Kind kind = Kind::kItem;
  ExprType type = ExprType::kNull;
  int index = -1;   // item index (kItem, kTable) or column index (kColumn)
  Value constant;   // kConstant
  Builtin builtin = Builtin::kVisitDate;
};

// Resolves names during compilation.
class SymbolTable {
 public:
  virtual ~SymbolTable() = default;
  // A top-level name: parameter, built-in or item.
  virtual std::optional<Symbol> lookup(std::string_view name) const = 0;
  // A column of the repeated table `table` (an item index), or nullopt.
  virtual std::optional<Symbol> column(int table, std::string_view name) const = 0;
};

// Values seen during evaluation.
class EvalContext {
 public:
  virtual ~EvalContext() = default;
  // The value of item `item` (answered, or computed by its own calculate expression).
  // An error (e.g. a division by zero in that computation) propagates.
  virtual Result<Value> item(int item) const = 0;
  virtual std::size_t row_count(int table) const = 0;
  virtual Value cell(int table, std::size_t row, int column) const = 0;
  virtual Value builtin(Builtin which) const = 0;
};

struct ExprNode;

class Expression {
 public:
  // Parses and type-checks `text`. Errors are kInvalidArgument with "colonne N : ..." in
  // French. `expected` (if set) is the type the result must have.
  static Result<Expression> compile(std::string_view text, const SymbolTable& symbols,
                                    std::optional<ExprType> expected = std::nullopt);

  // Evaluates against `context`. Errors: division by zero and overflow (kInvalidArgument,
  // kOutOfRange); null is not an error.
  Result<Value> evaluate(const EvalContext& context) const;

  ExprType type() const;
  const std::string& text() const { return text_; }
  // Indices of the items this expression reads (for dependency ordering and cycles).
  const std::vector<int>& item_refs() const { return item_refs_; }

 private:
  std::string text_;
  std::shared_ptr<const ExprNode> root_;
  std::vector<int> item_refs_;
};

}  // namespace carnet::core
