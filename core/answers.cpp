#include "core/answers.hpp"

namespace carnet::core {

AnswerSet::AnswerSet(std::shared_ptr<const Grid> grid)
    : grid_(std::move(grid)),
      answers_(static_cast<std::size_t>(grid_->item_count())),
      rows_(static_cast<std::size_t>(grid_->item_count())),
      computed_(static_cast<std::size_t>(grid_->item_count())) {}

void AnswerSet::set(int item, Value value) {
  answers_[static_cast<std::size_t>(item)] = std::move(value);
  for (auto& c : computed_) c.reset();
}

void AnswerSet::add_row(int table, std::vector<Value> cells) {
  cells.resize(grid_->item(table).columns.size());
  rows_[static_cast<std::size_t>(table)].push_back(std::move(cells));
  for (auto& c : computed_) c.reset();
}

void AnswerSet::set_visit_date(std::optional<Date> date) {
  visit_date_ = date;
  for (auto& c : computed_) c.reset();
}

bool AnswerSet::is_relevant(int item) const {
  const auto& rel = grid_->relevant(item);
  if (!rel) return true;
  auto v = rel->evaluate(*this);
  return v && !v->is_null() && v->as_bool();
}

Result<Value> AnswerSet::item(int item) const {
  const auto& calc = grid_->calculate(item);
  if (!calc) return answers_[static_cast<std::size_t>(item)];
  auto& slot = computed_[static_cast<std::size_t>(item)];
  if (!slot) slot = calc->evaluate(*this);  // no cycles: Grid::compile refused them
  return *slot;
}

Value AnswerSet::cell(int table, std::size_t row, int column) const {
  return rows(table)[row][static_cast<std::size_t>(column)];
}

Value AnswerSet::builtin(Builtin which) const {
  switch (which) {
    case Builtin::kVisitDate: return visit_date_ ? Value::date(*visit_date_) : Value();
  }
  return Value();
}

}  // namespace carnet::core
