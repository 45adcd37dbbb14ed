// Catalogue: what the office manages and reads at the central node: inspectors, dossiers and
// their assignments, published grids, and the inspections as the office's lists show them,
// with the counters of /metrics. Each mutation is one transaction with its audit entry.
//
// Thread safety: stateless; every call runs under the CentralDb's lock.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/dossier.hpp"
#include "core/grid.hpp"
#include "core/inspection.hpp"
#include "core/inspection_view.hpp"
#include "storage/central/audit_log.hpp"

namespace carnet::storage {

struct Inspector {
  std::string id;
  std::string name;
};

// An inspection as the office's lists show it.
struct InspectionListing {
  std::string id;
  std::string dossier_id;
  std::string dossier_name;
  std::string grid_key;
  int grid_version = 0;
  core::InspectionStatus status = core::InspectionStatus::kDraft;
  std::optional<core::Date> visit_date;
  std::string inspector_id;  // the lead inspector, "" if unset
};

// Counters for /metrics.
struct CentralTotals {
  std::int64_t changes = 0;
  std::int64_t conflicts_open = 0;
  std::int64_t quarantined = 0;      // every quarantined change, reviewed or not
  std::int64_t quarantine_open = 0;  // those still to review
  std::int64_t devices = 0;
};

class Catalogue {
 public:
  Catalogue(CentralDb& db, AuditLog& audit) : db_(db), audit_(audit) {}

  // --- Reading ------------------------------------------------------------------------------

  Result<std::vector<core::Dossier>> dossiers();     // by id
  Result<std::vector<GridInfo>> published_grids();   // by key and version
  Result<std::vector<InspectionListing>> inspections();  // by id
  // One inspection with its rows and addenda (storage/inspection_reader.hpp). kNotFound for
  // an unknown id.
  Result<core::InspectionView> inspection(std::string_view id);
  // How many inspections have each status (every status present, 0 when none).
  Result<std::map<core::InspectionStatus, std::int64_t>> inspection_counts();
  Result<CentralTotals> totals();

  // --- Inspectors, dossiers, assignments, grids --------------------------------------------

  // kAlreadyExists for an id taken.
  Status add_inspector(const Inspector& inspector);
  Result<std::vector<Inspector>> inspectors();  // by id
  Result<std::optional<Inspector>> inspector(std::string_view id);
  // The same under the lock (write() or read()).
  static Result<std::optional<Inspector>> inspector(Database& held, std::string_view id);

  // Imports (or updates) dossiers as office changes that assigned tablets pull; returns how
  // many. kInvalidArgument for a dossier of a type no published grid has.
  Result<std::size_t> import_dossiers(const std::vector<core::Dossier>& dossiers);
  // Assigns a dossier to an inspector, whose devices then receive it. kNotFound for an
  // unknown dossier or inspector.
  Status assign(std::string_view dossier, std::string_view inspector);
  // The inspector's devices evict the dossier. kNotFound when it was not assigned.
  Status unassign(std::string_view dossier, std::string_view inspector);
  Result<std::vector<std::pair<std::string, std::string>>> assignments();  // (dossier, inspector)

  // Publishes a grid version (immutable once published: kAlreadyExists for another source
  // under a published key and version; publishing the same source again does nothing).
  Status publish_grid(const core::Grid& grid, std::string_view source);

 private:
  CentralDb& db_;
  AuditLog& audit_;
};

}  // namespace carnet::storage
