// InspectionView: everything about one inspection, as read from a store in one go; what
// the findings, the report and the command line's output are made from.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/addendum.hpp"
#include "core/answers.hpp"
#include "core/dossier.hpp"
#include "core/findings.hpp"
#include "core/inspection.hpp"

namespace carnet::core {

struct TableRow {
  std::string id;            // the row entity's id
  std::vector<Value> cells;  // one per column
};

struct InspectionView {
  std::string id;
  Dossier dossier;
  std::shared_ptr<const Grid> grid;
  InspectionStatus status = InspectionStatus::kDraft;
  std::map<std::string, Value, std::less<>> fields;           // the inspection entity's non-null fields
  std::map<std::string, std::vector<TableRow>, std::less<>> rows;  // by table key, in order
  std::unique_ptr<AnswerSet> answers;                          // the grid's items and tables
  std::vector<Addendum> addenda;                               // every addendum, oldest first

  // An inspection field ("date", "conclusions", "remarques.batiments", ...), null if unset.
  const Value& field(std::string_view key) const {
    static const Value kNull;
    auto it = fields.find(key);
    return it == fields.end() ? kNull : it->second;
  }
  // The rows of a table (a grid table item or one of the canvas's own), empty if none.
  const std::vector<TableRow>& table(std::string_view key) const {
    static const std::vector<TableRow> kNone;
    auto it = rows.find(key);
    return it == rows.end() ? kNone : it->second;
  }
  std::vector<Finding> findings() const { return evaluate_findings(*answers); }
};

}  // namespace carnet::core
