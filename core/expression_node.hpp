// Internal: the typed syntax tree shared by the expression compiler and evaluator.
#pragma once

#include <memory>
#include <vector>

#include "core/expression.hpp"

namespace carnet::core {

// Chains of one precedence level ("a + b - c", "a and b and c") are one node with a kid per
// operand, not a tree of binary nodes, so that neither the evaluator nor the destructor
// recurses once per operator: the depth of the tree is bounded by the compiler's nesting
// limit, whatever the length of the expression.
enum class ExprOp {
  kLiteral, kItem, kColumn, kBuiltin,
  kNeg, kNot,
  kAnd, kOr,     // two kids or more, evaluated left to right until one decides
  kArithmetic,   // kids[0], then steps[i] applied with kids[i + 1], left to right
  kEq, kNe, kLt, kLe, kGt, kGe,
  kIf, kCoalesce, kAnswered, kMin, kMax, kAbs, kFloor, kCeil, kRound,
  kCount, kSum, kAll, kAny, kBracket,
  kMakeDate, kYear, kMonth, kDay, kDays, kAddDays, kAddMonths,
};

// One step of a kArithmetic chain.
enum class ArithOp { kAdd, kSub, kMul, kDiv };

struct ExprNode {
  ExprOp op = ExprOp::kLiteral;
  ExprType type = ExprType::kNull;
  Value literal;                 // kLiteral
  int index = -1;                // item (kItem, aggregates: the table) or column (kColumn)
  int decimals = 0;              // kRound
  Builtin builtin = Builtin::kVisitDate;
  std::vector<Number> bounds;    // kBracket: increasing upper bounds, one per value
  bool has_default = false;      // kBracket: the last kid is the "*" value
  std::vector<ArithOp> steps;    // kArithmetic: one per kid after the first
  std::vector<std::unique_ptr<ExprNode>> kids;
};

}  // namespace carnet::core
