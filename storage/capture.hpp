// Capture: what an inspector does on the tablet, as operations on the replica — dossiers,
// starting an inspection, answering, completing and signing it — each one transaction.
//
// Every operation validates all its input before it writes anything: an unknown key, a
// value of the wrong type or out of range, an edit to a signed inspection is refused whole,
// with one French message naming what is wrong, and nothing is written. The command line
// and the benchmark go through this class, so what the benchmark measures is what the
// inspector runs. Thread safety: as the Replica it works on.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/answers.hpp"
#include "core/dossier.hpp"
#include "core/findings.hpp"
#include "core/inspection.hpp"
#include "core/inspection_view.hpp"
#include "storage/edit.hpp"
#include "storage/inspection_reader.hpp"
#include "storage/replica.hpp"

namespace carnet::storage {

// What signs a report on this tablet: its device id, its certificate (PEM) and a function
// that signs the canonical bytes (core/report_signature.hpp) with its private key, returning
// the signature as base64 DER. Made by the sync layer from the device's credentials
// (sync/report_signing.hpp), so that storage needs no X.509.
struct ReportSigner {
  std::string device_id;
  std::string certificate_pem;
  std::function<Result<std::string>(std::string_view canonical_bytes)> sign;
};

class Capture {
 public:
  explicit Capture(Replica& replica) : replica_(replica) {}

  // Installs (or replaces) dossiers; every dossier's kind must be an installed grid.
  // All or nothing. Returns how many were imported.
  Result<std::size_t> import_dossiers(const std::vector<core::Dossier>& dossiers);
  Result<std::vector<core::Dossier>> dossiers();
  Result<core::Dossier> dossier(std::string_view id);

  // Starts an inspection of `dossier_id` with grid `grid_key` (default: the dossier's kind,
  // latest version) on `visit_date`, led by this node's inspector. The previous visit's date
  // and recommendations are copied from the dossier. Returns the new inspection's id.
  Result<std::string> start(std::string_view dossier_id, std::optional<std::string> grid_key,
                            std::optional<core::Date> visit_date);

  // Applies `edits` (storage/edit.hpp), all or nothing. An edit's path is one of:
  //   an item of the grid                   agrement.places_subventionnees
  //   an inspection field                   date, suivi, conclusions…
  //   a section's remarks/recommendations   remarques.batiments, recommandations.batiments
  //   a cell of a new row                   personnel.art94 + NewRow{n} + nom
  //   a cell of an existing row             personnel.art94 + ExistingRow{2} + etp_subv
  // where a table is a table item of the grid, `personnes` or `recommandations_precedentes`.
  // A field given twice (one cell of one existing or new row alike) is refused, nothing
  // written: two changes of one command would share a version. The edits of one command that
  // name one NewRow number fill one new row. Returns the number of fields changed; errors name
  // the path as the command line writes it (KeyPath::text).
  Result<std::size_t> set(std::string_view inspection_id, const std::vector<Edit>& edits);
  // Sets one field of an inspection or of one of its rows to a typed value (settling a
  // conflict), with the same checks as set().
  Status set_value(std::string_view entity_type, std::string_view entity_id, std::string_view field,
                   const core::Value& value);
  // Deletes row `position` (1-based) of `table` (a tombstone).
  Status delete_row(std::string_view inspection_id, std::string_view table, int position);

  Status complete(std::string_view inspection_id);
  // Signs a completed inspection, in one transaction: reads it, writes who signs and when
  // (signee_par, signee_le), signs its canonical bytes with `signer`, writes the device, the
  // certificate and the signature, then moves it to "signed" — so the signature fields
  // follow every answer in the outbox and precede the status. kFailedPrecondition unless
  // completed; the signer's errors as they are (nothing written).
  Status sign(std::string_view inspection_id, const ReportSigner& signer);

  // Adds an addendum (core/addendum.hpp) to a signed inspection: its text, this node's
  // inspector as author, now as date, in one transaction; the report itself is untouched.
  // Returns the addendum's id. kFailedPrecondition unless the inspection is signed (before
  // that, edit it); kInvalidArgument for an empty or invalid text.
  Result<std::string> add_addendum(std::string_view inspection_id, std::string_view text);

  Result<InspectionView> load(std::string_view inspection_id);
  Result<std::vector<InspectionSummary>> list();

 private:
  struct Write {
    std::string entity_type;
    std::string entity_id;
    std::string field;
    core::Value value;
  };
  // kIfChanged: an edit moves the status only if it changed something; kAlways: a lifecycle
  // operation (complete, sign) moves it in any case.
  enum class Transition { kIfChanged, kAlways };
  // Writes `writes` and the status change in one transaction; returns the fields changed.
  Result<std::size_t> commit(const InspectionHeader& h, const std::vector<Write>& writes, std::vector<std::string> new_rows,
                             std::optional<core::InspectionStatus> new_status, Transition when);

  Replica& replica_;
};

}  // namespace carnet::storage
