// SyncLog: one sync exchange at the central node (docs/sync.md): a device's push applied
// exactly once per change id — merged, with conflicts recorded and what breaks an invariant
// quarantined — and a page of its scope pulled after its cursor, in one transaction.
//
// Thread safety: stateless; each exchange runs under the CentralDb's lock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/change.hpp"
#include "core/hlc.hpp"
#include "core/message.hpp"
#include "storage/central/conflicts.hpp"

namespace carnet::storage {

// A change pulled by a device, with its central sequence number.
struct LoggedChange {
  core::Change change;
  std::uint64_t seq = 0;
};

struct SyncInput {
  core::Uuid device;
  std::string inspector_id;
  core::Hlc device_clock;
  std::uint64_t cursor = 0;
  std::vector<core::Change> push;
  std::size_t max_pull = 1000;
  std::vector<std::pair<std::string, int>> grids_held;
  std::vector<std::string> evicted;
  std::vector<std::string> resolved_conflicts;
  bool want_checksum = false;
  // The device re-stamps a change refused for its clock (docs/sync.md, "Clocks"): such a
  // change is answered kClockAhead, neither applied nor kept; otherwise it is quarantined.
  bool restamps = false;
  // Dossiers to send whole, their checksums having differed (docs/sync.md, "Repair").
  std::vector<std::string> repair;
};

struct ChangeOutcome {
  // Stored in the `received` table by number: new values go at the end.
  enum class Status { kDuplicate, kConflictWon, kConflictLost, kQuarantined, kSuperseded, kClockAhead };
  std::size_t index = 0;  // in SyncInput::push
  Status status = Status::kDuplicate;
  std::string reason;  // French, the record
  // The reason as a catalogue message, for a reader in another language: nullopt for a change
  // refused before the stores kept it, or whose key this program's catalogue does not have.
  std::optional<core::Message> reason_message;
  // The field's authoritative value and version, when the device must take it.
  std::optional<std::pair<core::Value, core::Version>> state;
};

struct SyncOutput {
  core::Hlc clock;
  std::vector<ChangeOutcome> outcomes;  // only the changes not simply applied
  std::vector<LoggedChange> pull;
  std::uint64_t cursor = 0;
  bool has_more = false;
  std::vector<std::string> assigned;
  std::vector<std::string> evict;
  std::vector<std::string> grid_files;
  std::vector<ConflictRecord> conflicts;
  std::string checksum;                                               // hex SHA-256 (when asked)
  std::vector<std::pair<std::string, std::string>> dossier_checksums;  // each dossier's (when asked)
  std::vector<std::string> repaired;  // dossiers of SyncInput::repair sent whole in `pull`
  std::size_t applied = 0;
  std::size_t conflicts_recorded = 0;
  std::size_t quarantined = 0;
  std::size_t clock_ahead = 0;  // answered kClockAhead
};

class ChangeBatch;

class SyncLog {
 public:
  SyncLog(CentralDb& db, AuditLog& audit, Conflicts& conflicts, ChangeRules& rules)
      : db_(db), audit_(audit), conflicts_(conflicts), rules_(rules) {}

  // One sync exchange, in one transaction: applies `push` (exactly once per change id,
  // merging, recording conflicts, quarantining what breaks an invariant) and returns the
  // outcomes and a page of the device's scope after `cursor`.
  Result<SyncOutput> sync(const SyncInput& input);

 private:
  // One attempt at sync(), in `tx`: with `exact`, which pushed changes the log holds is read
  // before they are applied; without, only those not applied are looked up, and the flush
  // fails, setting *retry, when the log refuses one as already there.
  Result<SyncOutput> exchange(Transaction& tx, const SyncInput& in, bool exact, bool* retry);
  // Applies pushed change `i` in `batch`, adding its outcome to `out`.
  Status apply_pushed(ChangeBatch& batch, const SyncInput& in, const std::string& device,
                      const std::map<std::string, std::string, std::less<>>& scope, std::size_t i, std::int64_t now,
                      SyncOutput& out);
  // A row deleted on one replica while another edited it: one open conflict per row.
  Status row_deletion_conflict(ChangeBatch& batch, const core::Change& c, const SyncInput& in, std::int64_t now,
                               SyncOutput& out);
  // The name of the author of version `v`: a device's inspector, the office, or "?".
  Result<std::string> author_of(Database& held, const core::Version& v);

  CentralDb& db_;
  AuditLog& audit_;
  Conflicts& conflicts_;
  ChangeRules& rules_;
};

}  // namespace carnet::storage
