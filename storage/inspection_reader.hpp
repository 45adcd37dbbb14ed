// Reading dossiers and inspections out of an EntityStore (the tablet's replica or the
// central node's store): the one place that knows how an inspection is laid out in entities
// and fields (core/inspection.hpp, core/change.hpp).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/change.hpp"
#include "core/dossier.hpp"
#include "core/inspection.hpp"
#include "core/inspection_view.hpp"
#include "storage/entity_store.hpp"

namespace carnet::storage {

using core::InspectionView;
using core::TableRow;

// A table known to an inspection: a table item of its grid, or one of the canvas's own.
struct TableRef {
  std::string key;
  int item = -1;  // grid item index, or -1 for the canvas's own tables
  const std::vector<core::Column>* columns = nullptr;
  int max_rows = core::kMaxTableRows;

  std::vector<std::string> column_keys() const;
};
std::optional<TableRef> find_table(const core::Grid& grid, std::string_view key);

// What identifies an inspection's state: its dossier, pinned grid and status.
struct InspectionHeader {
  std::string id;
  std::string dossier_id;
  std::shared_ptr<const core::Grid> grid;
  core::InspectionStatus status = core::InspectionStatus::kDraft;
};

struct InspectionSummary {
  std::string id;
  std::string dossier_id;
  std::string grid_key;
  core::InspectionStatus status = core::InspectionStatus::kDraft;
  std::optional<core::Date> visit_date;
};

Result<core::Dossier> read_dossier(EntityStore& store, std::string_view id);
Result<std::vector<core::Dossier>> read_dossiers(EntityStore& store);
// kNotFound for an unknown inspection; kCorruption if its header fields are unreadable.
Result<InspectionHeader> read_header(EntityStore& store, std::string_view inspection_id);
// The live (not deleted) rows of a table of an inspection, in creation order.
Result<std::vector<TableRow>> read_table_rows(EntityStore& store, std::string_view inspection_id, const TableRef& table);
// Every addendum of an inspection, oldest first (ids are time-ordered).
Result<std::vector<core::Addendum>> read_addenda(EntityStore& store, std::string_view inspection_id);
// One addendum; kNotFound if unknown.
Result<core::Addendum> read_addendum(EntityStore& store, std::string_view addendum_id);
// The inspection with its rows and addenda.
Result<InspectionView> read_inspection(EntityStore& store, std::string_view inspection_id);
Result<std::vector<InspectionSummary>> read_inspections(EntityStore& store);

}  // namespace carnet::storage
