// Internal: the typed syntax tree shared by the expression compiler and evaluator.
#pragma once

#include <memory>
#include <vector>

#include "core/expression.hpp"

namespace carnet::core {

enum class ExprOp {
  kLiteral, kItem, kColumn, kBuiltin,
  kNeg, kNot, kAnd, kOr,
  kAdd, kSub, kMul, kDiv,
  kEq, kNe, kLt, kLe, kGt, kGe,
  kIf, kCoalesce, kAnswered, kMin, kMax, kAbs, kFloor, kCeil, kRound,
  kCount, kSum, kAll, kAny, kBracket,
  kMakeDate, kYear, kMonth, kDay, kDays, kAddDays, kAddMonths,
};

struct ExprNode {
  ExprOp op = ExprOp::kLiteral;
  ExprType type = ExprType::kNull;
  Value literal;                 // kLiteral
  int index = -1;                // item (kItem, aggregates: the table) or column (kColumn)
  int decimals = 0;              // kRound
  Builtin builtin = Builtin::kVisitDate;
  std::vector<Number> bounds;    // kBracket: increasing upper bounds, one per value
  bool has_default = false;      // kBracket: the last kid is the "*" value
  std::vector<std::unique_ptr<ExprNode>> kids;
};

}  // namespace carnet::core
