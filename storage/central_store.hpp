// CentralStore: the central node's state — inspectors, devices and enrollment codes,
// dossiers and their assignments, grids, the replicated fields with the change log that
// tablets pull by sequence number, conflicts and quarantine, and the audit log of every action
// (docs/audit.md) — behind an interface, so that
// a PostgreSQL store can stand beside the embedded SQLite one (DESIGN.md, "Storage").
//
// Every mutating call is one transaction, and that transaction appends the audit entry of
// the action: an action is in the log if and only if it happened. Thread safety: implementations serialise their
// own access (one store is shared by the server's threads).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/change.hpp"
#include "core/dossier.hpp"
#include "core/grid.hpp"
#include "core/inspection_view.hpp"
#include "core/report_signature.hpp"
#include "storage/audit_log.hpp"
#include "storage/inspection_reader.hpp"
#include "storage/replica.hpp"

namespace carnet::storage {

struct Inspector {
  std::string id;
  std::string name;
};

struct DeviceRecord {
  core::Uuid id;
  std::string inspector_id;
  std::string name;
  std::string serial_hex;
  std::string fingerprint;
  std::int64_t not_after = 0;  // certificate expiry, Unix seconds
  std::int64_t enrolled_ms = 0;
  std::optional<std::int64_t> revoked_ms;
  std::optional<std::int64_t> last_sync_ms;
};

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

struct CentralConflict {
  ConflictRecord record;
  std::string status;  // "open" or "resolved"
  std::optional<std::int64_t> resolved_ms;
  std::string resolved_by;
};

struct QuarantineRecord {
  std::int64_t id = 0;
  core::Change change;
  std::string device;
  std::string inspector_id;
  std::string reason;  // French, the record
  // The reason as a catalogue message; nullopt for a row from before the stores kept it, or
  // one this program cannot read.
  std::optional<core::Message> reason_message;
  std::int64_t received_ms = 0;
  // The office's decision (empty while open): "rejetee" (kept, never applied) or "appliquee"
  // (its value written as an office change), by whom and when.
  std::string review;
  std::string reviewed_by;
  std::optional<std::int64_t> reviewed_ms;
  bool open() const { return review.empty(); }
};

// What the office decides for a quarantined change; the names are the French words the
// command line and the office app use ("rejeter", "appliquer").
enum class QuarantineDecision { kReject, kApply };
std::optional<QuarantineDecision> parse_quarantine_decision(std::string_view name);

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

// An addendum as the office reviews it, with the dossier it belongs to.
struct AddendumRecord {
  core::Addendum addendum;
  std::string dossier_id;
};

// A staff account of the office web app (tools/central/office_auth.hpp). `role` is "office"
// (dossiers, inspections, conflicts, quarantine, audit) or "admin" (all that, and staff
// accounts and devices).
struct StaffUser {
  std::string name;
  std::string role;
  std::string password_hash;  // storage/password.hpp
  std::int64_t created_ms = 0;
  std::optional<std::int64_t> disabled_ms;
  bool disabled() const { return disabled_ms.has_value(); }
};

inline constexpr std::string_view kStaffRoleAdmin = "admin";
inline constexpr std::string_view kStaffRoleOffice = "office";

// A signed-in staff user's web session. The store keeps the SHA-256 of the token (the cookie
// holds the token), so that a copy of the database does not sign anyone in.
struct StaffSession {
  std::string token_sha256;  // lower-case hex
  std::string user;
  std::string role;        // the user's, read with the session
  std::string csrf_token;  // every state-changing request must carry it
  std::int64_t created_ms = 0;
  std::int64_t expires_ms = 0;    // created + the absolute limit
  std::int64_t last_seen_ms = 0;  // the idle limit runs from here
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
  std::string checksum;  // hex SHA-256 (when asked)
  std::vector<std::pair<std::string, std::string>> dossier_checksums;  // each dossier's (when asked)
  std::vector<std::string> repaired;  // dossiers of SyncInput::repair sent whole in `pull`
  std::size_t applied = 0;
  std::size_t conflicts_recorded = 0;
  std::size_t quarantined = 0;
  std::size_t clock_ahead = 0;  // answered kClockAhead
};

// Checks the signature of a report (sync/report_signing.hpp provides one over the central
// CA): `view` is the inspection as the central node holds it, with the signature fields;
// `pushing_device` is the device whose push carries the signature, or "" outside a sync.
using SignatureVerifier =
    std::function<core::SignatureVerdict(const core::InspectionView& view, std::string_view pushing_device)>;

struct CentralOptions {
  std::size_t max_pull = 5000;             // changes per page
  std::int64_t max_clock_drift_ms = 5 * 60 * 1000;
  // The actor recorded in the audit log for the office's actions through this store.
  std::string office_actor = "bureau";
  // Checks a signature when it arrives (the `signature` field, then the move to "signed"):
  // one that does not verify is quarantined ("signature_invalide") and the inspection stays
  // unsigned. Without a verifier, every signature is refused as unverifiable.
  SignatureVerifier verify_signature;
  // Office web sessions end after this long without a request, and this long after login
  // whatever happens.
  std::int64_t session_idle_ms = 30 * 60 * 1000;
  std::int64_t session_absolute_ms = 8 * 60 * 60 * 1000;
};

class CentralStore {
 public:
  virtual ~CentralStore() = default;

  // --- Reading dossiers, grids and inspections ------------------------------------------
  // Under the store's lock, so that the server's threads can read while others write.

  virtual Result<std::vector<core::Dossier>> dossiers() = 0;  // by id
  virtual Result<std::vector<GridInfo>> published_grids() = 0;  // by key and version
  virtual Result<std::vector<InspectionListing>> inspection_list() = 0;  // by id
  // One inspection with its rows and addenda (storage/inspection_reader.hpp). kNotFound for
  // an unknown id.
  virtual Result<core::InspectionView> inspection_view(std::string_view id) = 0;
  // How many inspections have each status (every status present, 0 when none).
  virtual Result<std::map<core::InspectionStatus, std::int64_t>> inspection_counts() = 0;

  virtual Status add_inspector(const Inspector& inspector) = 0;
  virtual Result<std::vector<Inspector>> inspectors() = 0;
  virtual Result<std::optional<Inspector>> inspector(std::string_view id) = 0;

  // Imports (or updates) dossiers as central changes that assigned tablets pull.
  virtual Result<std::size_t> import_dossiers(const std::vector<core::Dossier>& dossiers) = 0;
  virtual Status assign(std::string_view dossier, std::string_view inspector) = 0;
  virtual Status unassign(std::string_view dossier, std::string_view inspector) = 0;
  virtual Result<std::vector<std::pair<std::string, std::string>>> assignments() = 0;  // (dossier, inspector)

  // Publishes a grid version (immutable once published).
  virtual Status publish_grid(const core::Grid& grid, std::string_view source) = 0;

  // Enrollment: a code is stored as its SHA-256 and is good once, until it expires.
  virtual Status add_enrollment_code(std::string_view code_sha256, std::string_view inspector, std::int64_t expires_ms) = 0;
  // The inspector a code was issued for; kFailedPrecondition (French) for an unknown, used
  // or expired code. Does not use the code.
  virtual Result<Inspector> check_enrollment_code(std::string_view code_sha256, std::int64_t now_ms) = 0;
  // Uses the code and records the device, in one transaction (the code is checked again).
  virtual Status enroll_device(std::string_view code_sha256, std::int64_t now_ms, const DeviceRecord& device) = 0;
  // Records a device without a code (tests and benchmarks).
  virtual Status add_device(const DeviceRecord& device) = 0;
  virtual Result<std::optional<DeviceRecord>> device(const core::Uuid& id) = 0;
  virtual Result<std::vector<DeviceRecord>> devices() = 0;
  // Enrolls an enrolled device again, with a new certificate (its scope and what it has
  // pulled stay as they are): checks and uses the code, and records `device`'s serial,
  // fingerprint and expiry, in one transaction. kNotFound for an unknown device;
  // kFailedPrecondition (French) for an unknown, used or expired code, a code issued for
  // another inspector than the device's, or a revoked device.
  virtual Status reenroll_device(std::string_view code_sha256, std::int64_t now_ms, const DeviceRecord& device) = 0;
  // Records the certificate a device now authenticates with (a renewed one). kNotFound for
  // an unknown device.
  virtual Status set_device_certificate(const core::Uuid& id, std::string_view serial_hex, std::string_view fingerprint,
                                        std::int64_t not_after) = 0;
  // From now on the device's requests are refused and it is told to erase its replica.
  // kNotFound for an unknown device; revoking twice keeps the first date.
  virtual Status revoke_device(const core::Uuid& id, std::int64_t now_ms) = 0;

  // One sync exchange, in one transaction: applies `push` (exactly once per change id,
  // merging, recording conflicts, quarantining what breaks an invariant) and returns the
  // outcomes and a page of the device's scope after `cursor`.
  virtual Result<SyncOutput> sync(const SyncInput& input) = 0;

  virtual Result<std::vector<CentralConflict>> conflicts(bool open_only) = 0;
  virtual Result<std::optional<CentralConflict>> conflict(std::string_view id) = 0;
  // Settles a conflict with `value` (the winner's, the loser's or another), written by the
  // office as a new change that every replica pulls.
  virtual Status resolve_conflict(std::string_view id, const core::Value& value, std::string_view by) = 0;
  // Quarantined changes, oldest first: every one, or only those still to review.
  virtual Result<std::vector<QuarantineRecord>> quarantine(bool open_only) = 0;
  Result<std::vector<QuarantineRecord>> quarantine() { return quarantine(false); }
  virtual Result<std::optional<QuarantineRecord>> quarantined(std::int64_t id) = 0;
  // Reviews a quarantined change, audited. kReject keeps it, marked reviewed, never applied.
  // kApply writes its value as an office change that every replica pulls, if it now passes
  // the store's checks (known entity in its dossier, value of the field's type, inspection
  // not signed, signature that verifies) — the device's own checks (scope, clock) do not
  // apply to the office. kNotFound for an unknown id; kFailedPrecondition (French, saying
  // why) for one already reviewed or a value that still breaks a check.
  virtual Status review_quarantine(std::int64_t id, QuarantineDecision decision, std::string_view by) = 0;

  // Addenda (core/addendum.hpp): every one (or only those still to review), oldest first.
  virtual Result<std::vector<AddendumRecord>> addenda(bool pending_only) = 0;
  // Accepts or rejects an addendum, as the office (a change every replica pulls), audited.
  // kNotFound for an unknown id; kFailedPrecondition (French) for one already reviewed.
  virtual Status review_addendum(std::string_view id, bool accept) = 0;

  // Whether a field of a dossier in the device's scope refers to the attachment `sha256`.
  virtual Result<bool> blob_in_scope(const core::Uuid& device, std::string_view sha256) = 0;

  // --- Staff accounts and their web sessions ----------------------------------------------
  // Each mutation is one transaction with its audit entry; entries hold user names and
  // reason codes, never a password, a hash or a token.

  // Adds an account. kInvalidArgument (French) for a name that is not 1..64 of letters,
  // digits and . _ - @, a role other than admin|office, or a hash that is not well formed;
  // kAlreadyExists for a name taken.
  virtual Status add_staff_user(const StaffUser& user) = 0;
  virtual Result<std::optional<StaffUser>> staff_user(std::string_view name) = 0;
  virtual Result<std::vector<StaffUser>> staff_users() = 0;  // by name
  // Disables an account (kept, refused at login) and ends its sessions; disabling twice
  // keeps the first date. kNotFound for an unknown name.
  virtual Status disable_staff_user(std::string_view name) = 0;
  // Removes an account and its sessions. kNotFound for an unknown name.
  virtual Status remove_staff_user(std::string_view name) = 0;
  // Records a login: a new session for an enabled user (audited as a login). `session`
  // gives the token's hash, the user, the CSRF token and created_ms; the store sets
  // expires_ms and last_seen_ms. kNotFound for an unknown user; kFailedPrecondition for a
  // disabled one.
  virtual Status create_session(const StaffSession& session) = 0;
  // Records a refused login. `name` is audited only if it is an account's (what was typed
  // in the name field may be a password); `reason` is a code (mot_de_passe, compte_desactive,
  // …; utilisateur_inconnu is recorded for an unknown name whatever `reason` says).
  virtual Status record_login_failure(std::string_view name, std::string_view reason) = 0;
  // The session with this token hash at `now_ms`, seen now (its idle limit starts again), or
  // nullopt when there is none, it has expired (idle or absolute; then it is removed) or its
  // user is disabled.
  virtual Result<std::optional<StaffSession>> session(std::string_view token_sha256, std::int64_t now_ms) = 0;
  // Logout: removes the session (audited); nothing for an unknown one.
  virtual Status delete_session(std::string_view token_sha256) = 0;
  // Ends every session of a user (audited with the count, when there were any); returns the
  // count.
  virtual Result<std::size_t> delete_staff_sessions(std::string_view name) = 0;

  // --- The audit log (docs/audit.md) -----------------------------------------------------

  // For an action outside the store (exporting a report): appends `event` and runs `action`
  // in one transaction, committed only if `action` succeeds; `action` must not use the
  // store. Returns the first failure (of the log or of `action`).
  virtual Status audited(const AuditEvent& event, const std::function<Status()>& action) = 0;
  // Runs `action` with `actor` (a staff user of the office app) recorded in the audit log, in
  // place of CentralOptions::office_actor, for the office's actions it makes through this
  // store on this thread. Returns what `action` returns.
  virtual Status acting_as(std::string_view actor, const std::function<Status()>& action) = 0;
  // The last `limit` entries (every entry when 0), oldest first.
  virtual Result<std::vector<AuditEntry>> audit_entries(std::size_t limit) = 0;
  // Walks the whole chain and compares its end with the recorded head, and with `noted`
  // (count and hash of a head an administrator noted earlier) when given; the triggers that
  // guard the log are checked too (AuditCheck::problem when one is missing).
  virtual Result<AuditCheck> verify_audit(const std::optional<std::pair<std::uint64_t, std::string>>& noted) = 0;
  Result<AuditCheck> verify_audit() { return verify_audit(std::nullopt); }

  // Counters for /metrics.
  struct Totals {
    std::int64_t changes = 0;
    std::int64_t conflicts_open = 0;
    std::int64_t quarantined = 0;       // every quarantined change, reviewed or not
    std::int64_t quarantine_open = 0;   // those still to review
    std::int64_t devices = 0;
  };
  virtual Result<Totals> totals() = 0;
};

// The embedded SQLite store in `path` (created with kCreate).
Result<std::unique_ptr<CentralStore>> open_sqlite_central(const std::string& path, Database::Mode mode,
                                                          CentralOptions options = {},
                                                          const core::PhysicalClock& clock = core::SystemClock::instance());
// The store in the PostgreSQL database at `url` (storage/postgres.hpp), its schema created or
// brought up to date; several central nodes may open the same database.
Result<std::unique_ptr<CentralStore>> open_postgres_central(std::string_view url, CentralOptions options = {},
                                                            const core::PhysicalClock& clock = core::SystemClock::instance());
// The store at `address`: a PostgreSQL URL (postgresql://…), else an SQLite file (`mode`
// applies to the file only).
Result<std::unique_ptr<CentralStore>> open_central(const std::string& address, Database::Mode mode,
                                                   CentralOptions options = {},
                                                   const core::PhysicalClock& clock = core::SystemClock::instance());

}  // namespace carnet::storage
