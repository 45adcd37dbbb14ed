// GridHarness: loads a grid file of grids/ and evaluates its computed items and norms
// against answers given as text, the way an inspector types them.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/answers.hpp"
#include "core/findings.hpp"
#include "storage/grid_file.hpp"

namespace carnet::testing {

class GridHarness {
 public:
  // Loads grids/<key>.grid from the source tree; fails the test if it does not compile.
  explicit GridHarness(const std::string& key) {
    auto text = storage::read_grid_file(std::string(CARNET_SOURCE_DIR) + "/grids/" + key + ".grid");
    if (!text) throw std::runtime_error(text.error().to_string());
    auto grid = storage::parse_grid(*text, key);
    if (!grid) throw std::runtime_error(grid.error().to_string());
    grid_ = *grid;
    answers_ = std::make_unique<core::AnswerSet>(grid_);
  }

  const core::Grid& grid() const { return *grid_; }

  // Sets an item from text; throws (failing the test) when the grid refuses it.
  GridHarness& set(const std::string& key, const std::string& text) {
    auto item = grid_->find_item(key);
    if (!item) throw std::runtime_error("unknown item " + key);
    auto v = grid_->parse_input(*item, text);
    if (!v) throw std::runtime_error(v.error().to_string());
    answers_->set(*item, *v);
    return *this;
  }

  // Appends a row to a table item; cells given as "column=value".
  GridHarness& add_row(const std::string& table, const std::vector<std::string>& cells) {
    auto t = grid_->find_item(table);
    if (!t) throw std::runtime_error("unknown table " + table);
    std::vector<core::Value> row(grid_->item(*t).columns.size());
    for (const auto& cell : cells) {
      const auto eq = cell.find('=');
      auto c = grid_->find_column(*t, cell.substr(0, eq));
      if (!c) throw std::runtime_error("unknown column " + cell);
      auto v = grid_->parse_cell(*t, *c, cell.substr(eq + 1));
      if (!v) throw std::runtime_error(v.error().to_string());
      row[static_cast<std::size_t>(*c)] = *v;
    }
    answers_->add_row(*t, std::move(row));
    return *this;
  }

  GridHarness& visit(const std::string& iso_date) {
    answers_->set_visit_date(*core::Date::parse(iso_date));
    return *this;
  }

  // The computed (or answered) value of an item, for people ("80", "79,45"), "?" if null.
  std::string value(const std::string& key) const {
    auto item = grid_->find_item(key);
    if (!item) throw std::runtime_error("unknown item " + key);
    auto v = answers_->item(*item);
    if (!v) return "error: " + v.error().message();
    return core::display_or_unknown(*v);
  }

  // The status of norm `norm_id`: "conform", "nonconform", "unknown", "not_applicable".
  std::string status(const std::string& norm_id) const { return finding(norm_id).status_name; }
  std::string message(const std::string& norm_id) const { return finding(norm_id).message; }

 private:
  struct Seen {
    std::string status_name;
    std::string message;
  };
  Seen finding(const std::string& norm_id) const {
    for (const auto& f : core::evaluate_findings(*answers_)) {
      if (f.norm_id == norm_id) return {std::string(core::finding_status_name(f.status)), f.message};
    }
    throw std::runtime_error("unknown norm " + norm_id);
  }

  std::shared_ptr<const core::Grid> grid_;
  std::unique_ptr<core::AnswerSet> answers_;
};

}  // namespace carnet::testing
