// AnswerSet: the answers of one inspection arranged as its grid expects, and the context
// in which the grid's expressions are evaluated (computed items included).
//
// Not thread safe: computed values are cached on first use.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "core/expression.hpp"
#include "core/grid.hpp"

namespace carnet::core {

class AnswerSet final : public EvalContext {
 public:
  explicit AnswerSet(std::shared_ptr<const Grid> grid);

  const Grid& grid() const { return *grid_; }
  // Precondition: `value` passed Grid::check_value for `item` (not a table).
  void set(int item, Value value);
  // Appends a row to table item `table`; `cells` has one value per column.
  void add_row(int table, std::vector<Value> cells);
  void set_visit_date(std::optional<Date> date);

  // What was entered for `item` (null for computed items and tables).
  const Value& answer(int item) const { return answers_[static_cast<std::size_t>(item)]; }
  const std::vector<std::vector<Value>>& rows(int table) const { return rows_[static_cast<std::size_t>(table)]; }

  // Whether `item` applies: its `relevant` expression is true, or it has none. An unknown
  // (null) relevance counts as not applicable, as in XLSForm.
  bool is_relevant(int item) const;

  // EvalContext: an answered item's value, or the value its calculate expression gives.
  Result<Value> item(int item) const override;
  std::size_t row_count(int table) const override { return rows(table).size(); }
  Value cell(int table, std::size_t row, int column) const override;
  Value builtin(Builtin which) const override;

 private:
  std::shared_ptr<const Grid> grid_;
  std::vector<Value> answers_;
  std::vector<std::vector<std::vector<Value>>> rows_;
  std::optional<Date> visit_date_;
  mutable std::vector<std::optional<Result<Value>>> computed_;  // cache of calculate results
};

}  // namespace carnet::core
