// The central store over SQL, one code for both databases (see central_store.hpp for the
// contract): the embedded SQLite file, or PostgreSQL shared by several central nodes
// (storage/postgres.hpp). The few statements that differ choose by Database::dialect().
// Message keys keep their first prefix, stockage.central_sqlite: stored messages name them.
#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <tuple>

#include "core/addendum.hpp"
#include "core/date.hpp"
#include "core/text.hpp"
#include "core/validation.hpp"
#include "storage/audit_log.hpp"
#include "storage/central_schema.hpp"
#include "storage/central_store.hpp"
#include "storage/grid_file.hpp"
#include "storage/password.hpp"
#include "storage/postgres.hpp"
#include "storage/scope_checksum.hpp"
#include "storage/sqlite_values.hpp"

namespace carnet::storage {
namespace {

using namespace internal;
using core::fail;
using core::Value;
using core::Version;
namespace entity = core::entity;
namespace field = core::field;
namespace row_field = core::row_field;

constexpr const char* kOffice = "bureau";  // author of changes written at the central node
constexpr std::string_view kReviewRejected = "rejetee";
constexpr std::string_view kReviewApplied = "appliquee";
// The meta key of the last office change's clock (CentralSchema::kOfficeClock).
constexpr std::string_view kOfficeClock = "office_clock";
// The refusal of a change whose version is too far ahead of the central clock.
constexpr std::string_view kClockRefusal = "horloge";

template <class Fn>
Status each_row(Statement& st, Fn&& fn) {
  while (true) {
    auto row = st.step();
    if (!row) return row.error();
    if (!*row) return Status::ok_status();
    CARNET_RETURN_IF_ERROR(fn(st));
  }
}

class SqlCentral final : public CentralStore, private EntityStore {
 public:
  SqlCentral(std::unique_ptr<Database> db, CentralOptions options, const core::PhysicalClock& clock)
      : EntityStore(*db), owned_(std::move(db)), options_(options), clock_(&clock) {}

  Status load() {
    // In a transaction: a second central node starting on the same database at the same
    // time reads the id the first one wrote.
    {
      auto tx = Transaction::begin(*owned_);
      if (!tx) return tx.error();
      auto id = meta("node_id");
      if (!id) return id.error();
      if (!*id) {
        node_ = core::Uuid::generate(clock_->now_ms());
        CARNET_RETURN_IF_ERROR(set_meta(**tx, "node_id", node_.to_string()));
        CARNET_RETURN_IF_ERROR((*tx)->commit());
      } else {
        auto parsed = core::Uuid::parse(**id);
        if (!parsed) return Status::corruption("stockage.central_sqlite.noeud_illisible");
        node_ = *parsed;
      }
    }
    std::uint64_t last = 0;
    for (const char* sql : {"SELECT coalesce(max(hlc), 0) FROM changes", "SELECT coalesce(max(hlc), 0) FROM fields"}) {
      auto st = owned_->prepare(sql);
      if (!st) return st.error();
      if (!st->step().value_or(false)) return Status::internal("stockage.central_sqlite.lecture_horloge");
      last = std::max(last, static_cast<std::uint64_t>(st->column_int(0)));
    }
    hlc_.emplace(*clock_, core::Hlc{last});
    return Status::ok_status();
  }

  // --- Reading ----------------------------------------------------------------------------

  Result<std::vector<core::Dossier>> dossiers() override {
    std::lock_guard lock(mu_);
    return read_dossiers(*this);
  }

  Result<std::vector<GridInfo>> published_grids() override {
    std::lock_guard lock(mu_);
    return EntityStore::grids();
  }

  Result<std::vector<InspectionListing>> inspection_list() override {
    std::lock_guard lock(mu_);
    auto all = read_inspections(*this);
    if (!all) return fail(all.error());
    std::map<std::string, std::string, std::less<>> dossier_names;
    std::vector<InspectionListing> out;
    out.reserve(all->size());
    for (auto& s : *all) {
      InspectionListing l;
      l.id = std::move(s.id);
      l.dossier_id = std::move(s.dossier_id);
      l.grid_key = std::move(s.grid_key);
      l.status = s.status;
      l.visit_date = s.visit_date;
      auto meta = some_fields(entity::kInspection, l.id, {field::kGridVersion, field::kLeadInspector});
      if (!meta) return fail(meta.error());
      if (auto it = meta->find(field::kGridVersion); it != meta->end() && it->second.value.kind() == core::ValueKind::kNumber) {
        const core::Number& n = it->second.value.as_number();
        if (n.is_integer()) l.grid_version = static_cast<int>(n.numerator());
      }
      if (auto it = meta->find(field::kLeadInspector); it != meta->end() && it->second.value.kind() == core::ValueKind::kText) {
        l.inspector_id = it->second.value.as_text();
      }
      auto name = dossier_names.find(l.dossier_id);
      if (name == dossier_names.end()) {
        auto f = field(entity::kDossier, l.dossier_id, "name");
        if (!f) return fail(f.error());
        const std::string text = *f && (*f)->value.kind() == core::ValueKind::kText ? (*f)->value.as_text() : std::string();
        name = dossier_names.emplace(l.dossier_id, text).first;
      }
      l.dossier_name = name->second;
      out.push_back(std::move(l));
    }
    return out;
  }

  Result<core::InspectionView> inspection_view(std::string_view id) override {
    std::lock_guard lock(mu_);
    return read_inspection(*this, id);
  }

  Result<std::map<core::InspectionStatus, std::int64_t>> inspection_counts() override {
    std::lock_guard lock(mu_);
    auto all = read_inspections(*this);
    if (!all) return fail(all.error());
    std::map<core::InspectionStatus, std::int64_t> out;
    for (auto s : {core::InspectionStatus::kDraft, core::InspectionStatus::kInProgress, core::InspectionStatus::kCompleted,
                   core::InspectionStatus::kSigned}) {
      out[s] = 0;
    }
    for (const auto& s : *all) ++out[s.status];
    return out;
  }

  // --- Inspectors, dossiers, assignments ------------------------------------------------

  Status add_inspector(const Inspector& inspector) override {
    std::lock_guard lock(mu_);
    auto tx = Transaction::begin(*owned_);
    if (!tx) return tx.error();
    auto st = owned_->prepare("INSERT INTO inspectors(id, name, created_ms) VALUES(?1, ?2, ?3)");
    if (!st) return st.error();
    const Status s = st->bind(1, inspector.id).bind(2, inspector.name).bind(3, clock_->now_ms()).run();
    if (!s.ok()) {
      if (s.code() == core::StatusCode::kInternal) {
        return Status::already_exists("stockage.central_sqlite.inspecteur_existant", {{"id", inspector.id}});
      }
      return s;
    }
    CARNET_RETURN_IF_ERROR(audit(AuditKind::kInspectorAdd, office(), inspector.id, {}));
    return (*tx)->commit();
  }

  Result<std::vector<Inspector>> inspectors() override {
    std::lock_guard lock(mu_);
    auto st = owned_->prepare("SELECT id, name FROM inspectors ORDER BY id");
    if (!st) return fail(st.error());
    std::vector<Inspector> out;
    CARNET_RETURN_IF_ERROR_R(each_row(*st, [&](Statement& s) {
      out.push_back({s.column_text(0), s.column_text(1)});
      return Status::ok_status();
    }));
    return out;
  }

  Result<std::optional<Inspector>> inspector(std::string_view id) override {
    std::lock_guard lock(mu_);
    return inspector_locked(id);
  }

  Result<std::size_t> import_dossiers(const std::vector<core::Dossier>& dossiers) override {
    std::lock_guard lock(mu_);
    for (const auto& d : dossiers) {
      auto g = grid(d.kind);
      if (!g) {
        return fail(Status::invalid_argument("stockage.central_sqlite.type_inconnu", {{"id", d.id}, {"type", d.kind}}));
      }
    }
    auto tx = Transaction::begin(*owned_);
    if (!tx) return fail(tx.error());
    const std::int64_t now = clock_->now_ms();
    for (const auto& d : dossiers) {
      CARNET_RETURN_IF_ERROR_R(create_entity({entity::kDossier, d.id, {}, d.id}));
      const core::Json j = core::dossier_to_json(d);
      auto text = [&](const char* key) {
        const core::Json* v = j.find(key);
        return v ? Value::text(v->as_string()) : Value();
      };
      auto count = [](const std::optional<std::int64_t>& n) { return n ? Value::number(core::Number::integer(*n)) : Value(); };
      const std::pair<const char*, Value> values[] = {
          {"kind", text("kind")},
          {"name", text("name")},
          {"reference", text("reference")},
          {"holder", text("holder")},
          {"address", text("address")},
          {"capacity", count(d.capacity)},
          {"subsidised_places", count(d.subsidised_places)},
          {"last_visit", d.last_visit ? Value::date(*d.last_visit) : Value()},
          {"recommendations", Value::text(j.find("recommendations")->dump())},
      };
      std::size_t changed = 0;
      for (const auto& [name, value] : values) {
        CARNET_RETURN_IF_ERROR_R(write_office(entity::kDossier, d.id, "", d.id, name, value, now, &changed));
      }
      if (changed > 0) {  // a dossier imported again unchanged is not an action
        CARNET_RETURN_IF_ERROR_R(audit(AuditKind::kDossierImport, office(), d.id, "champs=" + std::to_string(changed)));
      }
    }
    CARNET_RETURN_IF_ERROR_R((*tx)->commit());
    return dossiers.size();
  }

  Status assign(std::string_view dossier, std::string_view inspector_id) override {
    std::lock_guard lock(mu_);
    CARNET_RETURN_IF_ERROR(require_dossier_and_inspector(dossier, inspector_id));
    auto tx = Transaction::begin(*owned_);
    if (!tx) return tx.error();
    auto st = owned_->prepare("INSERT INTO assignments(dossier, inspector) VALUES(?1, ?2) ON CONFLICT DO NOTHING");
    if (!st) return st.error();
    CARNET_RETURN_IF_ERROR(st->bind(1, dossier).bind(2, inspector_id).run());
    if (owned_->changes() > 0) {
      CARNET_RETURN_IF_ERROR(audit(AuditKind::kAssignment, office(), dossier, "inspecteur=" + std::string(inspector_id)));
    }
    // Every device of the inspector receives the dossier (again, if it was being evicted).
    auto scope = owned_->prepare(
        "INSERT INTO device_scope(device, dossier, state) SELECT id, ?1, 'snapshot' FROM devices "
        "WHERE inspector = ?2 AND revoked_ms IS NULL ON CONFLICT(device, dossier) DO UPDATE SET state = "
        "CASE WHEN device_scope.state = 'evicting' THEN 'snapshot' ELSE device_scope.state END");
    if (!scope) return scope.error();
    CARNET_RETURN_IF_ERROR(scope->bind(1, dossier).bind(2, inspector_id).run());
    return (*tx)->commit();
  }

  Status unassign(std::string_view dossier, std::string_view inspector_id) override {
    std::lock_guard lock(mu_);
    auto tx = Transaction::begin(*owned_);
    if (!tx) return tx.error();
    auto st = owned_->prepare("DELETE FROM assignments WHERE dossier = ?1 AND inspector = ?2");
    if (!st) return st.error();
    CARNET_RETURN_IF_ERROR(st->bind(1, dossier).bind(2, inspector_id).run());
    if (owned_->changes() == 0) {
      return Status::not_found("stockage.central_sqlite.dossier_non_attribue",
                               {{"dossier", dossier}, {"inspecteur", inspector_id}});
    }
    auto scope = owned_->prepare(
        "UPDATE device_scope SET state = 'evicting' WHERE dossier = ?1 AND device IN "
        "(SELECT id FROM devices WHERE inspector = ?2)");
    if (!scope) return scope.error();
    CARNET_RETURN_IF_ERROR(scope->bind(1, dossier).bind(2, inspector_id).run());
    CARNET_RETURN_IF_ERROR(audit(AuditKind::kUnassignment, office(), dossier, "inspecteur=" + std::string(inspector_id)));
    return (*tx)->commit();
  }

  Result<std::vector<std::pair<std::string, std::string>>> assignments() override {
    std::lock_guard lock(mu_);
    auto st = owned_->prepare("SELECT dossier, inspector FROM assignments ORDER BY dossier, inspector");
    if (!st) return fail(st.error());
    std::vector<std::pair<std::string, std::string>> out;
    CARNET_RETURN_IF_ERROR_R(each_row(*st, [&](Statement& s) {
      out.emplace_back(s.column_text(0), s.column_text(1));
      return Status::ok_status();
    }));
    return out;
  }

  Status publish_grid(const core::Grid& g, std::string_view source) override {
    std::lock_guard lock(mu_);
    auto tx = Transaction::begin(*owned_);
    if (!tx) return tx.error();
    auto st = owned_->prepare("SELECT source FROM grids WHERE key = ?1 AND version = ?2");
    if (!st) return st.error();
    st->bind(1, g.key()).bind(2, static_cast<std::int64_t>(g.version()));
    auto row = st->step();
    if (!row) return row.error();
    if (*row) {
      if (st->column_text(0) == source) return Status::ok_status();
      return Status::already_exists("stockage.central_sqlite.grille_publiee",
                                    {{"grille", g.key()}, {"version", g.version()}});
    }
    auto ins = owned_->prepare("INSERT INTO grids(key, version, title, source) VALUES(?1, ?2, ?3, ?4)");
    if (!ins) return ins.error();
    CARNET_RETURN_IF_ERROR(
        ins->bind(1, g.key()).bind(2, static_cast<std::int64_t>(g.version())).bind(3, g.def().title).bind(4, source).run());
    CARNET_RETURN_IF_ERROR(audit(AuditKind::kGridPublish, office(), g.key(), "version=" + std::to_string(g.version())));
    return (*tx)->commit();
  }

  // --- Enrollment and devices -------------------------------------------------------------

  Status add_enrollment_code(std::string_view code_sha256, std::string_view inspector_id, std::int64_t expires_ms) override {
    std::lock_guard lock(mu_);
    auto who = inspector_locked(inspector_id);
    if (!who) return who.error();
    if (!*who) return Status::not_found("stockage.central_sqlite.inspecteur_inconnu", {{"id", inspector_id}});
    auto tx = Transaction::begin(*owned_);
    if (!tx) return tx.error();
    auto st = owned_->prepare("INSERT INTO enrollment_codes(code_sha256, inspector, expires_ms) VALUES(?1, ?2, ?3)");
    if (!st) return st.error();
    CARNET_RETURN_IF_ERROR(st->bind(1, code_sha256).bind(2, inspector_id).bind(3, expires_ms).run());
    CARNET_RETURN_IF_ERROR(audit(AuditKind::kEnrollmentCode, office(), inspector_id, "expire=" + core::iso_timestamp(expires_ms)));
    return (*tx)->commit();
  }

  Result<Inspector> check_enrollment_code(std::string_view code_sha256, std::int64_t now_ms) override {
    std::lock_guard lock(mu_);
    return code_inspector_locked(code_sha256, now_ms);
  }

  Status enroll_device(std::string_view code_sha256, std::int64_t now_ms, const DeviceRecord& d) override {
    std::lock_guard lock(mu_);
    auto tx = Transaction::begin(*owned_);
    if (!tx) return tx.error();
    auto who = code_inspector_locked(code_sha256, now_ms);  // again: it may have been used meanwhile
    if (!who) return who.error();
    if (who->id != d.inspector_id) return Status::failed_precondition("stockage.central_sqlite.code_autre_inspecteur");
    auto use = owned_->prepare("UPDATE enrollment_codes SET used_ms = ?2 WHERE code_sha256 = ?1");
    if (!use) return use.error();
    CARNET_RETURN_IF_ERROR(use->bind(1, code_sha256).bind(2, now_ms).run());
    CARNET_RETURN_IF_ERROR(insert_device_locked(d));
    CARNET_RETURN_IF_ERROR(audit(AuditKind::kEnrollment, d.inspector_id, d.id.to_string(), "certificat=" + d.serial_hex));
    return (*tx)->commit();
  }

  Status add_device(const DeviceRecord& d) override {
    std::lock_guard lock(mu_);
    auto tx = Transaction::begin(*owned_);
    if (!tx) return tx.error();
    CARNET_RETURN_IF_ERROR(insert_device_locked(d));
    CARNET_RETURN_IF_ERROR(
        audit(AuditKind::kEnrollment, d.inspector_id, d.id.to_string(), "certificat=" + d.serial_hex + " sans_code"));
    return (*tx)->commit();
  }

  Result<std::optional<DeviceRecord>> device(const core::Uuid& id) override {
    std::lock_guard lock(mu_);
    auto all = devices_locked(id.to_string());
    if (!all) return fail(all.error());
    if (all->empty()) return std::optional<DeviceRecord>();
    return std::optional<DeviceRecord>(all->front());
  }

  Status revoke_device(const core::Uuid& id, std::int64_t now_ms) override {
    std::lock_guard lock(mu_);
    auto tx = Transaction::begin(*owned_);
    if (!tx) return tx.error();
    auto known = devices_locked(id.to_string());
    if (!known) return known.error();
    if (known->empty()) return Status::not_found("stockage.central_sqlite.appareil_inconnu", {{"id", id.to_string()}});
    if (known->front().revoked_ms) return Status::ok_status();  // revoked already: the first date stays
    auto st = owned_->prepare("UPDATE devices SET revoked_ms = ?2 WHERE id = ?1");
    if (!st) return st.error();
    CARNET_RETURN_IF_ERROR(st->bind(1, id.to_string()).bind(2, now_ms).run());
    CARNET_RETURN_IF_ERROR(audit(AuditKind::kRevocation, office(), id.to_string(), {}));
    return (*tx)->commit();
  }

  Result<std::vector<DeviceRecord>> devices() override {
    std::lock_guard lock(mu_);
    return devices_locked({});
  }

  Status reenroll_device(std::string_view code_sha256, std::int64_t now_ms, const DeviceRecord& d) override {
    std::lock_guard lock(mu_);
    auto tx = Transaction::begin(*owned_);
    if (!tx) return tx.error();
    auto existing = devices_locked(d.id.to_string());
    if (!existing) return existing.error();
    if (existing->empty()) {
      return Status::not_found("stockage.central_sqlite.appareil_inconnu", {{"id", d.id.to_string()}});
    }
    const DeviceRecord& current = existing->front();
    if (current.revoked_ms) {
      return Status::failed_precondition("stockage.central_sqlite.appareil_revoque");
    }
    auto who = code_inspector_locked(code_sha256, now_ms);
    if (!who) return who.error();
    if (who->id != current.inspector_id || who->id != d.inspector_id) {
      return Status::failed_precondition("stockage.central_sqlite.code_autre_proprietaire",
                                         {{"inspecteur", who->id}, {"proprietaire", current.inspector_id}});
    }
    auto use = owned_->prepare("UPDATE enrollment_codes SET used_ms = ?2 WHERE code_sha256 = ?1");
    if (!use) return use.error();
    CARNET_RETURN_IF_ERROR(use->bind(1, code_sha256).bind(2, now_ms).run());
    CARNET_RETURN_IF_ERROR(update_certificate_locked(d.id, d.serial_hex, d.fingerprint, d.not_after));
    return (*tx)->commit();
  }

  Status set_device_certificate(const core::Uuid& id, std::string_view serial_hex, std::string_view fingerprint,
                                std::int64_t not_after) override {
    std::lock_guard lock(mu_);
    auto tx = Transaction::begin(*owned_);
    if (!tx) return tx.error();
    CARNET_RETURN_IF_ERROR(update_certificate_locked(id, serial_hex, fingerprint, not_after));
    return (*tx)->commit();
  }

  // --- Sync ---------------------------------------------------------------------------------

  Result<SyncOutput> sync(const SyncInput& in) override {
    std::lock_guard lock(mu_);
    // A device clock within the allowed drift moves ours; one beyond it does not, and its
    // changes are quarantined below.
    hlc_->observe(in.device_clock, options_.max_clock_drift_ms).ignore();
    // First on the likely guess that no pushed change is in the log already; should one be
    // (a retried push), the log's unique change ids catch it, nothing is kept, and the
    // exchange runs again with the log read first.
    auto out = sync_once(in, false);
    if (!out && retry_exactly_) out = sync_once(in, true);
    return out;
  }

  // One attempt at sync(): with `exact`, which pushed changes the log holds is read before
  // they are applied; without, only those not applied are looked up, and flush() sets
  // retry_exactly_ (and fails) when the log refuses one as already there.
  Result<SyncOutput> sync_once(const SyncInput& in, bool exact) {
    retry_exactly_ = false;
    auto tx = Transaction::begin(*owned_);
    if (!tx) return fail(tx.error());
    const std::int64_t now = clock_->now_ms();
    const std::string device = in.device.to_string();
    SyncOutput out;

    std::map<std::string, std::string, std::less<>> scope;  // dossier -> state
    {
      auto st = owned_->prepare("SELECT dossier, state FROM device_scope WHERE device = ?1");
      if (!st) return fail(st.error());
      st->bind(1, device);
      CARNET_RETURN_IF_ERROR_R(each_row(*st, [&](Statement& s) {
        scope.emplace(s.column_text(0), s.column_text(1));
        return Status::ok_status();
      }));
    }

    // The push, applied as a batch (PushBatch), written by flush() before the rest of the
    // exchange reads the tables.
    batch_ = PushBatch{};
    batch_.active = true;
    batch_.exact = exact;
    struct EndBatch {
      PushBatch& batch;
      ~EndBatch() { batch = PushBatch{}; }
    } end_batch{batch_};
    CARNET_RETURN_IF_ERROR_R(prefetch_answers(in.push));
    CARNET_RETURN_IF_ERROR_R(prefetch_state(in.push));
    for (std::size_t i = 0; i < in.push.size(); ++i) {
      CARNET_RETURN_IF_ERROR_R(apply_pushed(in, device, scope, i, now, out));
    }
    CARNET_RETURN_IF_ERROR_R(flush());
    batch_.active = false;

    for (const auto& id : in.resolved_conflicts) {
      auto st = owned_->prepare(
          "UPDATE conflicts SET status = 'resolved', resolved_ms = ?2, resolved_by = ?3 WHERE id = ?1 AND status = 'open' "
          "AND scope IN (SELECT dossier FROM device_scope WHERE device = ?4)");
      if (!st) return fail(st.error());
      CARNET_RETURN_IF_ERROR_R(st->bind(1, id).bind(2, now).bind(3, in.inspector_id).bind(4, device).run());
      if (owned_->changes() > 0) {
        CARNET_RETURN_IF_ERROR_R(audit(AuditKind::kConflictResolution, device, id, "depuis=tablette inspecteur=" + in.inspector_id));
      }
    }
    for (const auto& dossier : in.evicted) {
      auto st = owned_->prepare("DELETE FROM device_scope WHERE device = ?1 AND dossier = ?2 AND state = 'evicting'");
      if (!st) return fail(st.error());
      CARNET_RETURN_IF_ERROR_R(st->bind(1, device).bind(2, dossier).run());
      if (auto it = scope.find(dossier); it != scope.end() && it->second == "evicting") scope.erase(it);
    }

    CARNET_RETURN_IF_ERROR_R(build_pull(in, device, scope, out));
    for (const auto& [dossier, state] : scope) {
      (state == "evicting" ? out.evict : out.assigned).push_back(dossier);
    }
    CARNET_RETURN_IF_ERROR_R(missing_grids(in, out));
    CARNET_RETURN_IF_ERROR_R(open_conflicts(device, out));
    if (in.want_checksum) {
      auto sum = checksum(out.assigned);
      if (!sum) return fail(sum.error());
      out.checksum = *sum;
      for (const auto& dossier : out.assigned) {
        auto one = checksum({dossier});
        if (!one) return fail(one.error());
        out.dossier_checksums.emplace_back(dossier, std::move(*one));
      }
    }
    auto seen = owned_->prepare("UPDATE devices SET last_sync_ms = ?2 WHERE id = ?1");
    if (!seen) return fail(seen.error());
    CARNET_RETURN_IF_ERROR_R(seen->bind(1, device).bind(2, now).run());
    CARNET_RETURN_IF_ERROR_R(audit(AuditKind::kSync, device, in.inspector_id,
                                   "envoyes=" + std::to_string(in.push.size()) + " appliques=" + std::to_string(out.applied) +
                                       " conflits=" + std::to_string(out.conflicts_recorded) +
                                       " quarantaine=" + std::to_string(out.quarantined) + " tires=" + std::to_string(out.pull.size()) +
                                       (out.clock_ahead ? " horloge=" + std::to_string(out.clock_ahead) : "")));
    CARNET_RETURN_IF_ERROR_R((*tx)->commit());
    out.clock = hlc_->now();
    return out;
  }

  // --- Conflicts and quarantine -------------------------------------------------------------

  Result<std::vector<CentralConflict>> conflicts(bool open_only) override {
    std::lock_guard lock(mu_);
    return conflicts_locked(open_only ? "WHERE status = 'open'" : "", {});
  }

  Result<std::optional<CentralConflict>> conflict(std::string_view id) override {
    std::lock_guard lock(mu_);
    auto all = conflicts_locked("WHERE id = ?1", id);
    if (!all) return fail(all.error());
    if (all->empty()) return std::optional<CentralConflict>();
    return std::optional<CentralConflict>(all->front());
  }

  Status resolve_conflict(std::string_view id, const Value& value, std::string_view by) override {
    std::lock_guard lock(mu_);
    auto all = conflicts_locked("WHERE id = ?1", id);
    if (!all) return all.error();
    if (all->empty()) return Status::not_found("stockage.central_sqlite.conflit_inconnu", {{"id", id}});
    const CentralConflict& c = all->front();
    if (c.status != "open") return Status::failed_precondition("stockage.central_sqlite.conflit_resolu");
    auto parent = entity_parent(c.record.entity_type, c.record.entity_id);
    if (!parent) return parent.error();
    // A signed report never changes, not even by the office: what remains to say is an addendum.
    if (c.record.entity_type != entity::kAddendum &&
        !(c.record.entity_type == entity::kInspection && c.record.field == field::kHolderAnswer)) {
      const std::string inspection = c.record.entity_type == entity::kInspection ? c.record.entity_id : *parent;
      auto status = field(entity::kInspection, inspection, field::kStatus);
      if (!status) return status.error();
      if (*status && (*status)->value == Value::text("signed")) {
        return Status::failed_precondition("stockage.central_sqlite.conflit_inspection_signee");
      }
    }
    auto tx = Transaction::begin(*owned_);
    if (!tx) return tx.error();
    const std::int64_t now = clock_->now_ms();
    CARNET_RETURN_IF_ERROR(write_office(c.record.entity_type, c.record.entity_id, *parent, c.record.scope, c.record.field,
                                        value, now));
    auto st = owned_->prepare("UPDATE conflicts SET status = 'resolved', resolved_ms = ?2, resolved_by = ?3 WHERE id = ?1");
    if (!st) return st.error();
    CARNET_RETURN_IF_ERROR(st->bind(1, id).bind(2, now).bind(3, by).run());
    const char* kept = value == c.record.winner_value ? "retenue" : value == c.record.loser_value ? "ecartee" : "autre";
    CARNET_RETURN_IF_ERROR(audit(AuditKind::kConflictResolution, office(), id, std::string("valeur=") + kept));
    return (*tx)->commit();
  }

  Result<std::vector<QuarantineRecord>> quarantine(bool open_only) override {
    std::lock_guard lock(mu_);
    return quarantine_locked(open_only ? "WHERE review IS NULL" : "", 0);
  }

  Result<std::optional<QuarantineRecord>> quarantined(std::int64_t id) override {
    std::lock_guard lock(mu_);
    auto all = quarantine_locked("WHERE id = ?1", id);
    if (!all) return fail(all.error());
    if (all->empty()) return std::optional<QuarantineRecord>();
    return std::optional<QuarantineRecord>(all->front());
  }

  Status review_quarantine(std::int64_t id, QuarantineDecision decision, std::string_view by) override {
    std::lock_guard lock(mu_);
    auto tx = Transaction::begin(*owned_);
    if (!tx) return tx.error();
    auto found = quarantine_locked("WHERE id = ?1", id);
    if (!found) return found.error();
    if (found->empty()) return Status::not_found("stockage.central_sqlite.quarantaine_inconnue", {{"id", id}});
    const QuarantineRecord& q = found->front();
    if (!q.open()) {
      const Status::Params who = {{"qui", q.reviewed_by}, {"date", core::iso_timestamp(q.reviewed_ms.value_or(0))}};
      if (q.review == kReviewApplied) {
        return Status::failed_precondition("stockage.central_sqlite.quarantaine_appliquee", who);
      }
      return Status::failed_precondition("stockage.central_sqlite.quarantaine_rejetee", who);
    }
    const std::int64_t now = clock_->now_ms();
    const std::string_view review = decision == QuarantineDecision::kApply ? kReviewApplied : kReviewRejected;
    if (decision == QuarantineDecision::kApply) {
      auto refused = store_refusal(q.change, q.device);
      if (!refused) return refused.error();
      if (*refused) {
        return Status::failed_precondition("stockage.central_sqlite.quarantaine_refusee",
                                           {{"raison", std::vector{(*refused)->message}}});
      }
      CARNET_RETURN_IF_ERROR(write_office(q.change.entity_type, q.change.entity_id, q.change.parent, q.change.scope,
                                          q.change.field, q.change.value, now));
    }
    auto st = owned_->prepare("UPDATE quarantine SET review = ?2, reviewed_by = ?3, reviewed_ms = ?4 WHERE id = ?1");
    if (!st) return st.error();
    CARNET_RETURN_IF_ERROR(st->bind(1, id).bind(2, review).bind(3, by).bind(4, now).run());
    CARNET_RETURN_IF_ERROR(audit(AuditKind::kQuarantineReview, by.empty() ? std::string_view(office()) : by,
                                 std::to_string(id),
                                 "decision=" + std::string(review) + " changement=" + q.change.id.to_string()));
    return (*tx)->commit();
  }

  // --- Addenda -------------------------------------------------------------------------------

  Result<std::vector<AddendumRecord>> addenda(bool pending_only) override {
    std::lock_guard lock(mu_);
    auto ids = EntityStore::entities(entity::kAddendum);
    if (!ids) return fail(ids.error());
    std::vector<AddendumRecord> out;
    for (const auto& id : *ids) {
      auto a = read_addendum(*this, id);
      if (!a) return fail(a.error());
      if (pending_only && a->reviewed()) continue;
      auto place = entity_place(entity::kAddendum, id);
      if (!place) return fail(place.error());
      out.push_back({std::move(*a), *place ? (*place)->second : std::string()});
    }
    return out;
  }

  Status review_addendum(std::string_view id, bool accept) override {
    std::lock_guard lock(mu_);
    auto a = read_addendum(*this, id);
    if (!a) return a.error();
    if (a->reviewed()) {
      return a->accepted()
                 ? Status::failed_precondition("stockage.central_sqlite.addendum_accepte", {{"qui", a->reviewed_by}})
                 : Status::failed_precondition("stockage.central_sqlite.addendum_rejete", {{"qui", a->reviewed_by}});
    }
    auto place = entity_place(entity::kAddendum, id);
    if (!place) return place.error();
    if (!*place) return Status::not_found("stockage.central_sqlite.addendum_inconnu", {{"id", id}});
    auto tx = Transaction::begin(*owned_);
    if (!tx) return tx.error();
    const std::int64_t now = clock_->now_ms();
    namespace af = core::addendum_field;
    const auto& [parent, scope] = **place;
    const std::string_view decision = accept ? core::kAddendumAccepted : core::kAddendumRejected;
    CARNET_RETURN_IF_ERROR(write_office(entity::kAddendum, id, parent, scope, af::kReview, Value::text(std::string(decision)), now));
    CARNET_RETURN_IF_ERROR(write_office(entity::kAddendum, id, parent, scope, af::kReviewedBy, Value::text(office()), now));
    CARNET_RETURN_IF_ERROR(
        write_office(entity::kAddendum, id, parent, scope, af::kReviewedAt, Value::text(core::iso_timestamp(now)), now));
    CARNET_RETURN_IF_ERROR(audit(AuditKind::kAddendumReview, office(), id,
                                 "decision=" + std::string(decision) + " inspection=" + parent));
    return (*tx)->commit();
  }

  Result<bool> blob_in_scope(const core::Uuid& device, std::string_view sha256) override {
    std::lock_guard lock(mu_);
    // The conditions of the index fields_by_blob, in each dialect's words.
    auto st = owned_->prepare(
        sqlite() ? "SELECT 1 FROM fields WHERE value = ?1 AND length(value) = 66 AND value GLOB 't:[0-9a-f]*' AND scope IN "
                   "(SELECT dossier FROM device_scope WHERE device = ?2 AND state <> 'evicting') LIMIT 1"
                 : "SELECT 1 FROM fields WHERE value = ?1 AND length(value) = 66 AND value LIKE 't:%' AND scope IN "
                   "(SELECT dossier FROM device_scope WHERE device = ?2 AND state <> 'evicting') LIMIT 1");
    if (!st) return fail(st.error());
    st->bind(1, "t:" + std::string(sha256)).bind(2, device.to_string());
    return st->step();
  }

  // --- Staff accounts and sessions ---------------------------------------------------------

  Status add_staff_user(const StaffUser& user) override {
    if (!valid_staff_name(user.name)) {
      return Status::invalid_argument("stockage.central_sqlite.nom_utilisateur_invalide");
    }
    if (user.role != kStaffRoleAdmin && user.role != kStaffRoleOffice) {
      return Status::invalid_argument("stockage.central_sqlite.role_inconnu");
    }
    if (!password_hash_well_formed(user.password_hash)) {
      return Status::invalid_argument("stockage.central_sqlite.empreinte_mot_de_passe");
    }
    std::lock_guard lock(mu_);
    auto tx = Transaction::begin(*owned_);
    if (!tx) return tx.error();
    auto known = staff_user_locked(user.name);
    if (!known) return known.error();
    if (*known) return Status::already_exists("stockage.central_sqlite.utilisateur_existant", {{"nom", user.name}});
    auto st = owned_->prepare("INSERT INTO staff_users(name, role, password_hash, created_ms) VALUES(?1, ?2, ?3, ?4)");
    if (!st) return st.error();
    CARNET_RETURN_IF_ERROR(st->bind(1, user.name).bind(2, user.role).bind(3, user.password_hash).bind(4, clock_->now_ms()).run());
    CARNET_RETURN_IF_ERROR(audit(AuditKind::kStaffUserAdd, office(), user.name, "role=" + user.role));
    return (*tx)->commit();
  }

  Result<std::optional<StaffUser>> staff_user(std::string_view name) override {
    std::lock_guard lock(mu_);
    return staff_user_locked(name);
  }

  Result<std::vector<StaffUser>> staff_users() override {
    std::lock_guard lock(mu_);
    auto st = owned_->prepare("SELECT name, role, password_hash, created_ms, disabled_ms FROM staff_users ORDER BY name");
    if (!st) return fail(st.error());
    std::vector<StaffUser> out;
    CARNET_RETURN_IF_ERROR_R(each_row(*st, [&](Statement& s) {
      out.push_back(staff_user_at(s));
      return Status::ok_status();
    }));
    return out;
  }

  Status disable_staff_user(std::string_view name) override {
    std::lock_guard lock(mu_);
    auto tx = Transaction::begin(*owned_);
    if (!tx) return tx.error();
    auto known = staff_user_locked(name);
    if (!known) return known.error();
    if (!*known) return Status::not_found("stockage.central_sqlite.utilisateur_inconnu", {{"nom", name}});
    if ((*known)->disabled()) return Status::ok_status();
    auto st = owned_->prepare("UPDATE staff_users SET disabled_ms = ?2 WHERE name = ?1");
    if (!st) return st.error();
    CARNET_RETURN_IF_ERROR(st->bind(1, name).bind(2, clock_->now_ms()).run());
    auto ended = delete_sessions_locked(name);
    if (!ended) return ended.error();
    CARNET_RETURN_IF_ERROR(audit(AuditKind::kStaffUserDisable, office(), name, "sessions=" + std::to_string(*ended)));
    return (*tx)->commit();
  }

  Status remove_staff_user(std::string_view name) override {
    std::lock_guard lock(mu_);
    auto tx = Transaction::begin(*owned_);
    if (!tx) return tx.error();
    auto ended = delete_sessions_locked(name);
    if (!ended) return ended.error();
    auto st = owned_->prepare("DELETE FROM staff_users WHERE name = ?1");
    if (!st) return st.error();
    CARNET_RETURN_IF_ERROR(st->bind(1, name).run());
    if (owned_->changes() == 0) {
      return Status::not_found("stockage.central_sqlite.utilisateur_inconnu", {{"nom", name}});
    }
    CARNET_RETURN_IF_ERROR(audit(AuditKind::kStaffUserRemove, office(), name, "sessions=" + std::to_string(*ended)));
    return (*tx)->commit();
  }

  Status create_session(const StaffSession& session) override {
    if (!core::is_sha256_hex(session.token_sha256) || session.csrf_token.empty()) {
      return Status::invalid_argument("stockage.central_sqlite.session_invalide");
    }
    std::lock_guard lock(mu_);
    auto tx = Transaction::begin(*owned_);
    if (!tx) return tx.error();
    auto known = staff_user_locked(session.user);
    if (!known) return known.error();
    if (!*known) return Status::not_found("stockage.central_sqlite.utilisateur_inconnu", {{"nom", session.user}});
    if ((*known)->disabled()) return Status::failed_precondition("stockage.central_sqlite.compte_desactive");
    auto st = owned_->prepare(
        "INSERT INTO staff_sessions(token_sha256, \"user\", csrf_token, created_ms, expires_ms, last_seen_ms) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?4)");
    if (!st) return st.error();
    CARNET_RETURN_IF_ERROR(st->bind(1, session.token_sha256)
                               .bind(2, session.user)
                               .bind(3, session.csrf_token)
                               .bind(4, session.created_ms)
                               .bind(5, session.created_ms + options_.session_absolute_ms)
                               .run());
    CARNET_RETURN_IF_ERROR(audit(AuditKind::kStaffLogin, session.user, session.user, {}));
    return (*tx)->commit();
  }

  Status record_login_failure(std::string_view name, std::string_view reason) override {
    std::lock_guard lock(mu_);
    auto tx = Transaction::begin(*owned_);
    if (!tx) return tx.error();
    auto known = valid_staff_name(name) ? staff_user_locked(name) : Result<std::optional<StaffUser>>(std::nullopt);
    if (!known) return known.error();
    std::string code(reason);
    if (!*known) code = "utilisateur_inconnu";
    if (code.empty() || code.size() > 40 || code.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos) {
      code = "autre";
    }
    const std::string who = *known ? (*known)->name : std::string("inconnu");
    CARNET_RETURN_IF_ERROR(audit(AuditKind::kStaffLoginFailure, who, *known ? who : std::string(), "raison=" + code));
    return (*tx)->commit();
  }

  Result<std::optional<StaffSession>> session(std::string_view token_sha256, std::int64_t now_ms) override {
    std::lock_guard lock(mu_);
    auto st = owned_->prepare(
        "SELECT s.token_sha256, s.\"user\", u.role, s.csrf_token, s.created_ms, s.expires_ms, s.last_seen_ms, u.disabled_ms "
        "FROM staff_sessions s JOIN staff_users u ON u.name = s.\"user\" WHERE s.token_sha256 = ?1");
    if (!st) return fail(st.error());
    st->bind(1, token_sha256);
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) return std::optional<StaffSession>();
    StaffSession out{st->column_text(0), st->column_text(1), st->column_text(2), st->column_text(3),
                     st->column_int(4),  st->column_int(5),  st->column_int(6)};
    const bool disabled = !st->column_is_null(7);
    const bool expired = now_ms >= out.expires_ms || now_ms - out.last_seen_ms >= options_.session_idle_ms;
    if (disabled || expired) {
      auto gone = owned_->prepare("DELETE FROM staff_sessions WHERE token_sha256 = ?1");
      if (!gone) return fail(gone.error());
      CARNET_RETURN_IF_ERROR_R(gone->bind(1, token_sha256).run());
      return std::optional<StaffSession>();
    }
    if (now_ms > out.last_seen_ms) {
      auto seen = owned_->prepare("UPDATE staff_sessions SET last_seen_ms = ?2 WHERE token_sha256 = ?1");
      if (!seen) return fail(seen.error());
      CARNET_RETURN_IF_ERROR_R(seen->bind(1, token_sha256).bind(2, now_ms).run());
      out.last_seen_ms = now_ms;
    }
    return std::optional<StaffSession>(std::move(out));
  }

  Status delete_session(std::string_view token_sha256) override {
    std::lock_guard lock(mu_);
    auto tx = Transaction::begin(*owned_);
    if (!tx) return tx.error();
    auto st = owned_->prepare("SELECT \"user\" FROM staff_sessions WHERE token_sha256 = ?1");
    if (!st) return st.error();
    st->bind(1, token_sha256);
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return Status::ok_status();
    const std::string user = st->column_text(0);
    auto gone = owned_->prepare("DELETE FROM staff_sessions WHERE token_sha256 = ?1");
    if (!gone) return gone.error();
    CARNET_RETURN_IF_ERROR(gone->bind(1, token_sha256).run());
    CARNET_RETURN_IF_ERROR(audit(AuditKind::kStaffLogout, user, user, {}));
    return (*tx)->commit();
  }

  Result<std::size_t> delete_staff_sessions(std::string_view name) override {
    std::lock_guard lock(mu_);
    auto tx = Transaction::begin(*owned_);
    if (!tx) return fail(tx.error());
    auto ended = delete_sessions_locked(name);
    if (!ended) return fail(ended.error());
    if (*ended > 0) {
      CARNET_RETURN_IF_ERROR_R(audit(AuditKind::kStaffLogout, office(), name, "sessions=" + std::to_string(*ended)));
    }
    CARNET_RETURN_IF_ERROR_R((*tx)->commit());
    return *ended;
  }

  // --- Audit log ----------------------------------------------------------------------------

  Status audited(const AuditEvent& event, const std::function<Status()>& action) override {
    std::lock_guard lock(mu_);
    auto tx = Transaction::begin(*owned_);
    if (!tx) return tx.error();
    CARNET_RETURN_IF_ERROR(audit(event.kind, event.actor, event.subject, event.detail));
    CARNET_RETURN_IF_ERROR(action());
    return (*tx)->commit();
  }

  Result<std::vector<AuditEntry>> audit_entries(std::size_t limit) override {
    std::lock_guard lock(mu_);
    auto st = owned_->prepare(
        "SELECT seq, time_ms, kind, actor, subject, detail, prev_hash, hash FROM "
        "(SELECT * FROM audit ORDER BY seq DESC LIMIT ?1) AS recent ORDER BY seq");
    if (!st) return fail(st.error());
    st->bind(1, limit == 0 ? std::numeric_limits<std::int64_t>::max() : static_cast<std::int64_t>(limit));
    std::vector<AuditEntry> out;
    CARNET_RETURN_IF_ERROR_R(each_row(*st, [&](Statement& s) {
      out.push_back(audit_entry_at(s));
      return Status::ok_status();
    }));
    return out;
  }

  Result<AuditCheck> verify_audit(const std::optional<std::pair<std::uint64_t, std::string>>& noted) override {
    std::lock_guard lock(mu_);
    // One read transaction, so that the chain and its recorded head are seen together.
    CARNET_RETURN_IF_ERROR_R(owned_->run_cached(sqlite() ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    struct End {
      Database* db;
      ~End() { db->run_cached("ROLLBACK").ignore(); }
    } end{owned_.get()};
    AuditChainChecker checker;
    if (noted) checker.expect(noted->first, noted->second);
    auto st = owned_->prepare("SELECT seq, time_ms, kind, actor, subject, detail, prev_hash, hash FROM audit ORDER BY seq");
    if (!st) return fail(st.error());
    CARNET_RETURN_IF_ERROR_R(each_row(*st, [&](Statement& s) {
      checker.add(audit_entry_at(s));
      return Status::ok_status();
    }));
    auto head = audit_head();
    if (!head) return fail(head.error());
    AuditCheck check = checker.finish(*head);
    if (check.ok) {
      auto guards = owned_->prepare(
          sqlite() ? "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit' AND name IN "
                     "('audit_no_update', 'audit_no_delete', 'audit_append_only')"
                   : "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'audit'::regclass AND tgenabled <> 'D' AND tgname IN "
                     "('audit_no_update', 'audit_no_delete', 'audit_no_truncate', 'audit_append_only')");
      if (!guards) return fail(guards.error());
      if (!guards->step().value_or(false)) return fail(Status::internal("stockage.central_sqlite.lecture_schema"));
      if (guards->column_int(0) != (sqlite() ? 3 : 4)) {
        check.ok = false;
        check.problem = core::Message("stockage.audit_log.declencheurs_supprimes");
      }
    }
    return check;
  }

  Result<Totals> totals() override {
    std::lock_guard lock(mu_);
    Totals t;
    const std::pair<const char*, std::int64_t*> queries[] = {
        {"SELECT count(*) FROM changes", &t.changes},
        {"SELECT count(*) FROM conflicts WHERE status = 'open'", &t.conflicts_open},
        {"SELECT count(*) FROM quarantine", &t.quarantined},
        {"SELECT count(*) FROM quarantine WHERE review IS NULL", &t.quarantine_open},
        {"SELECT count(*) FROM devices WHERE revoked_ms IS NULL", &t.devices},
    };
    for (const auto& [sql, target] : queries) {
      auto st = owned_->prepare(sql);
      if (!st) return fail(st.error());
      if (!st->step().value_or(false)) return fail(Status::internal("stockage.central_sqlite.comptage"));
      *target = st->column_int(0);
    }
    return t;
  }

 private:
  // --- helpers (mu_ held) --------------------------------------------------------------------

  Result<std::optional<std::string>> meta(std::string_view key) {
    auto st = owned_->prepare("SELECT value FROM meta WHERE key = ?1");
    if (!st) return fail(st.error());
    st->bind(1, key);
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) return std::optional<std::string>();
    return std::optional<std::string>(st->column_text(0));
  }

  Status set_meta(Transaction& tx, std::string_view key, std::string_view value) {
    auto st = tx.db().prepare("INSERT INTO meta(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2");
    if (!st) return st.error();
    return st->bind(1, key).bind(2, value).run();
  }

  // The office's actor: acting_as()'s on this thread for this store, else the configured one.
  struct ActingAs {
    const SqlCentral* store = nullptr;
    std::string actor;
  };
  static thread_local ActingAs acting_;
  const std::string& office() const { return acting_.store == this ? acting_.actor : options_.office_actor; }

 public:
  Status acting_as(std::string_view actor, const std::function<Status()>& action) override {
    const ActingAs outer = acting_;
    acting_ = {this, std::string(actor)};
    const Status s = action();
    acting_ = outer;
    return s;
  }

 private:

  static AuditEntry audit_entry_at(const Statement& s) {
    return AuditEntry{static_cast<std::uint64_t>(s.column_int(0)), s.column_int(1), s.column_text(2), s.column_text(3),
                      s.column_text(4), s.column_text(5), s.column_text(6), s.column_text(7)};
  }

  // The head recorded in meta ("COUNT HASH"); nullopt when missing.
  Result<std::optional<std::pair<std::uint64_t, std::string>>> audit_head() {
    auto text = meta("audit_head");
    if (!text) return fail(text.error());
    if (!*text) return std::optional<std::pair<std::uint64_t, std::string>>();
    const auto space = (*text)->find(' ');
    const std::string count = (*text)->substr(0, space);
    if (space == std::string::npos || count.empty() || count.size() > 18 ||
        count.find_first_not_of("0123456789") != std::string::npos) {
      return fail(Status::corruption("stockage.central_sqlite.tete_audit_illisible"));
    }
    return std::optional<std::pair<std::uint64_t, std::string>>({std::stoull(count), (*text)->substr(space + 1)});
  }

  // Appends the entry of an action to the audit log, in the action's transaction (open).
  // The entry follows the recorded head, not the last row, so that entries removed from the
  // end leave a gap that verification finds.
  Status audit(AuditKind kind, std::string_view actor, std::string_view subject, std::string_view detail) {
    auto head = audit_head();
    if (!head) return head.error();
    if (!*head) return Status::corruption("stockage.central_sqlite.tete_audit_absente");
    AuditEntry e{(*head)->first + 1,          clock_->now_ms(),      std::string(audit_kind_name(kind)),
                 std::string(actor),          std::string(subject),  std::string(detail),
                 std::move((*head)->second), {}};
    e.hash = audit_entry_hash(e);
    auto st = owned_->prepare(
        "INSERT INTO audit(seq, time_ms, kind, actor, subject, detail, prev_hash, hash) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!st) return st.error();
    const Status s = st->bind(1, static_cast<std::int64_t>(e.seq))
                         .bind(2, e.time_ms)
                         .bind(3, e.kind)
                         .bind(4, e.actor)
                         .bind(5, e.subject)
                         .bind(6, e.detail)
                         .bind(7, e.prev_hash)
                         .bind(8, e.hash)
                         .run();
    if (s.code() == core::StatusCode::kInternal) {  // refused by audit_append_only
      return Status::corruption("stockage.central_sqlite.audit_ajout_refuse", {{"n", e.seq}});
    }
    if (!s.ok()) return s;
    auto put = owned_->prepare("UPDATE meta SET value = ?1 WHERE key = 'audit_head'");
    if (!put) return put.error();
    return put->bind(1, std::to_string(e.seq) + " " + e.hash).run();
  }

  static bool valid_staff_name(std::string_view name) {
    return !name.empty() && name.size() <= 64 &&
           name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@") ==
               std::string_view::npos;
  }

  static StaffUser staff_user_at(const Statement& s) {
    StaffUser u{s.column_text(0), s.column_text(1), s.column_text(2), s.column_int(3), std::nullopt};
    if (!s.column_is_null(4)) u.disabled_ms = s.column_int(4);
    return u;
  }

  Result<std::optional<StaffUser>> staff_user_locked(std::string_view name) {
    auto st = owned_->prepare("SELECT name, role, password_hash, created_ms, disabled_ms FROM staff_users WHERE name = ?1");
    if (!st) return fail(st.error());
    st->bind(1, name);
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) return std::optional<StaffUser>();
    return std::optional<StaffUser>(staff_user_at(*st));
  }

  // Removes the sessions of a user (in the caller's transaction); their count.
  Result<std::size_t> delete_sessions_locked(std::string_view name) {
    auto st = owned_->prepare("DELETE FROM staff_sessions WHERE \"user\" = ?1");
    if (!st) return fail(st.error());
    CARNET_RETURN_IF_ERROR_R(st->bind(1, name).run());
    return static_cast<std::size_t>(owned_->changes());
  }

  // The inspector of an unused, unexpired enrollment code; kFailedPrecondition otherwise.
  Result<Inspector> code_inspector_locked(std::string_view code_sha256, std::int64_t now_ms) {
    std::string inspector_id;
    {
      auto st = owned_->prepare("SELECT inspector, expires_ms, used_ms FROM enrollment_codes WHERE code_sha256 = ?1");
      if (!st) return fail(st.error());
      st->bind(1, code_sha256);
      auto row = st->step();
      if (!row) return fail(row.error());
      if (!*row) return fail(Status::failed_precondition("stockage.central_sqlite.code_inconnu"));
      if (!st->column_is_null(2)) return fail(Status::failed_precondition("stockage.central_sqlite.code_utilise"));
      if (st->column_int(1) < now_ms) return fail(Status::failed_precondition("stockage.central_sqlite.code_expire"));
      inspector_id = st->column_text(0);
    }
    auto who = inspector_locked(inspector_id);
    if (!who) return fail(who.error());
    if (!*who) return fail(Status::not_found("stockage.central_sqlite.inspecteur_inconnu", {{"id", inspector_id}}));
    return **who;
  }

  // The device and, for a start, snapshots of its inspector's dossiers.
  Status insert_device_locked(const DeviceRecord& d) {
    auto st = owned_->prepare(
        "INSERT INTO devices(id, inspector, name, serial, fingerprint, not_after, enrolled_ms, floor_seq) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, (SELECT coalesce(max(seq), 0) FROM changes))");
    if (!st) return st.error();
    CARNET_RETURN_IF_ERROR(st->bind(1, d.id.to_string())
                               .bind(2, d.inspector_id)
                               .bind(3, d.name)
                               .bind(4, d.serial_hex)
                               .bind(5, d.fingerprint)
                               .bind(6, d.not_after)
                               .bind(7, d.enrolled_ms)
                               .run());
    auto scope = owned_->prepare(
        "INSERT INTO device_scope(device, dossier, state) SELECT ?1, dossier, 'snapshot' FROM assignments WHERE inspector = ?2");
    if (!scope) return scope.error();
    return scope->bind(1, d.id.to_string()).bind(2, d.inspector_id).run();
  }

  Result<std::optional<Inspector>> inspector_locked(std::string_view id) {
    auto st = owned_->prepare("SELECT id, name FROM inspectors WHERE id = ?1");
    if (!st) return fail(st.error());
    st->bind(1, id);
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) return std::optional<Inspector>();
    return std::optional<Inspector>(Inspector{st->column_text(0), st->column_text(1)});
  }

  Status require_dossier_and_inspector(std::string_view dossier, std::string_view inspector_id) {
    auto exists = entity_exists(entity::kDossier, dossier);
    if (!exists) return exists.error();
    if (!*exists) return Status::not_found("stockage.central_sqlite.dossier_inconnu", {{"id", dossier}});
    auto who = inspector_locked(inspector_id);
    if (!who) return who.error();
    if (!*who) return Status::not_found("stockage.central_sqlite.inspecteur_inconnu", {{"id", inspector_id}});
    return Status::ok_status();
  }

  Result<std::vector<DeviceRecord>> devices_locked(const std::string& only) {
    auto st = only.empty()
                  ? owned_->prepare("SELECT id, inspector, name, serial, fingerprint, not_after, enrolled_ms, revoked_ms, "
                                    "last_sync_ms FROM devices ORDER BY enrolled_ms, id")
                  : owned_->prepare("SELECT id, inspector, name, serial, fingerprint, not_after, enrolled_ms, revoked_ms, "
                                    "last_sync_ms FROM devices WHERE id = ?1");
    if (!st) return fail(st.error());
    if (!only.empty()) st->bind(1, only);
    std::vector<DeviceRecord> out;
    CARNET_RETURN_IF_ERROR_R(each_row(*st, [&](Statement& s) {
      DeviceRecord d;
      auto id = core::Uuid::parse(s.column_text(0));
      if (!id) return Status::corruption("stockage.central_sqlite.appareil_illisible");
      d.id = *id;
      d.inspector_id = s.column_text(1);
      d.name = s.column_text(2);
      d.serial_hex = s.column_text(3);
      d.fingerprint = s.column_text(4);
      d.not_after = s.column_int(5);
      d.enrolled_ms = s.column_int(6);
      if (!s.column_is_null(7)) d.revoked_ms = s.column_int(7);
      if (!s.column_is_null(8)) d.last_sync_ms = s.column_int(8);
      out.push_back(std::move(d));
      return Status::ok_status();
    }));
    return out;
  }

  Status create_entity(const EntityRef& e) {
    std::pair<std::string, std::string> key{std::string(e.type), std::string(e.id)};
    const auto known = batch_.active ? batch_.places.find(key) : batch_.places.end();
    if (known != batch_.places.end() && known->second) return Status::ok_status();  // exists
    auto st = owned_->prepare("INSERT INTO entities(type, id, parent, scope) VALUES(?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING");
    if (!st) return st.error();
    st->bind(1, e.type).bind(2, e.id);
    if (e.parent.empty()) st->bind_null(3);
    else st->bind(3, e.parent);
    CARNET_RETURN_IF_ERROR(st->bind(4, e.scope).run());
    if (known != batch_.places.end()) known->second = std::make_pair(std::string(e.parent), std::string(e.scope));
    return Status::ok_status();
  }

  Result<std::string> entity_parent(std::string_view type, std::string_view id) {
    auto place = entity_place(type, id);
    if (!place) return fail(place.error());
    return *place ? (*place)->first : std::string();
  }

  // Appends an applied change to the log and makes it the field's state: at once, or during
  // a push at the next flush().
  Status log_and_apply(const core::Change& c, const std::string& device, std::string_view author, std::int64_t now) {
    FieldKey key{c.entity_type, c.entity_id, c.field};
    batch_.log.push_back({c, device, std::string(author), now});
    batch_.dirty[key] = batch_.log.size() - 1;
    if (!batch_.active) {
      const Status written = flush();
      batch_.log.clear();  // written, or not at all (the transaction fails)
      batch_.dirty.clear();
      return written;
    }
    batch_.fields.insert_or_assign(std::move(key), FieldValue{c.value, c.version});
    batch_.logged.insert(std::string(uuid_bytes(c.id)));
    return Status::ok_status();
  }

  // Multi-row statements take one of a few row counts, so that the statements prepared and
  // cached stay few (at most 500 rows of 16 values: under SQLite's and PostgreSQL's limits).
  static constexpr std::array<std::size_t, 5> kRowCounts{500, 100, 20, 5, 1};
  // Rows the next multi-row INSERT writes, of `left`: the largest count that fits.
  static std::size_t chunk(std::size_t left) {
    for (const std::size_t size : kRowCounts) {
      if (left >= size) return size;
    }
    return 1;
  }
  // Reads `count` keys a few statements at a time: read(first, slots) binds keys
  // first … first + slots - 1, each index passed through clamp(); the last statement is the
  // smallest count that holds what is left, padded by repeating the last key.
  template <class Read>
  static Status in_chunks(std::size_t count, Read read) {
    for (std::size_t first = 0; first < count;) {
      std::size_t slots = kRowCounts.front();
      for (const std::size_t size : kRowCounts) {
        if (size >= count - first) slots = size;
      }
      CARNET_RETURN_IF_ERROR(read(first, slots, [count](std::size_t i) { return std::min(i, count - 1); }));
      first += slots;
    }
    return Status::ok_status();
  }

  // "(?1, …, ?columns), (…)" for `rows` rows.
  static std::string value_rows(std::size_t rows, int columns) {
    std::string out;
    int n = 0;
    for (std::size_t r = 0; r < rows; ++r) {
      out += r == 0 ? "(" : ", (";
      for (int c = 0; c < columns; ++c) out += (c == 0 ? "?" : ", ?") + std::to_string(++n);
      out += ")";
    }
    return out;
  }

  // Writes what the push has applied: the log rows in multi-row inserts (their sequence
  // numbers in the order they were applied, checked), then each field's last state once.
  Status flush() {
    auto& log = batch_.log;
    std::vector<std::int64_t> seqs(log.size(), 0);
    for (std::size_t first = 0, n = 0; first < log.size(); first += n) {
      n = chunk(log.size() - first);
      auto st = owned_->prepare(
          "INSERT INTO changes(change_id, entity_type, entity_id, field, value, hlc, node, base_hlc, base_node, grid_key, "
          "grid_version, parent, scope, device, author, received_ms) VALUES " +
          value_rows(n, 16) + " ON CONFLICT(change_id) DO NOTHING RETURNING change_id, seq");
      if (!st) return st.error();
      std::map<std::string, std::size_t, std::less<>> row_of;
      for (std::size_t i = 0; i < n; ++i) {
        const Pending& p = log[first + i];
        bind_log_row(*st, static_cast<int>(16 * i), p.change, p.device, p.author, p.now);
        row_of.emplace(std::string(uuid_bytes(p.change.id)), first + i);
      }
      std::size_t returned = 0;
      CARNET_RETURN_IF_ERROR(each_row(*st, [&](Statement& s) {
        auto it = row_of.find(s.column_blob(0));
        if (it == row_of.end()) return Status::internal("stockage.central_sqlite.journal_numerotation");
        seqs[it->second] = s.column_int(1);
        ++returned;
        return Status::ok_status();
      }));
      if (returned != n) {
        // A change already in the log: expected only of a push applied without reading the
        // log first (PushBatch::exact), which then runs again.
        retry_exactly_ = !batch_.exact;
        return Status::internal("stockage.central_sqlite.journal_numerotation");
      }
    }
    // A tablet applies pulled changes in sequence order: it must be the order they were applied.
    for (std::size_t i = 1; i < seqs.size(); ++i) {
      if (seqs[i] <= seqs[i - 1]) return Status::internal("stockage.central_sqlite.journal_numerotation");
    }
    std::vector<std::size_t> last;  // per field, its last log entry
    for (const auto& [key, index] : batch_.dirty) last.push_back(index);
    for (std::size_t first = 0, n = 0; first < last.size(); first += n) {
      n = chunk(last.size() - first);
      auto st = owned_->prepare(
          "INSERT INTO fields(entity_type, entity_id, field, value, hlc, node, seq, author, scope) VALUES " + value_rows(n, 9) +
          " ON CONFLICT(entity_type, entity_id, field) DO UPDATE SET value = excluded.value, hlc = excluded.hlc, "
          "node = excluded.node, seq = excluded.seq, author = excluded.author");
      if (!st) return st.error();
      for (std::size_t i = 0; i < n; ++i) {
        const Pending& p = log[last[first + i]];
        const auto nid = uuid_bytes(p.change.version.node);
        const int o = static_cast<int>(9 * i);
        st->bind(o + 1, p.change.entity_type)
            .bind(o + 2, p.change.entity_id)
            .bind(o + 3, p.change.field)
            .bind_optional(o + 4, encoded(p.change.value))
            .bind(o + 5, static_cast<std::int64_t>(p.change.version.hlc.value))
            .bind_blob(o + 6, nid.data(), nid.size())
            .bind(o + 7, seqs[last[first + i]])
            .bind(o + 8, p.author)
            .bind(o + 9, p.change.scope);
      }
      CARNET_RETURN_IF_ERROR(st->run());
    }
    log.clear();
    batch_.dirty.clear();
    return Status::ok_status();
  }

  // The 16 columns of a log row, as ?first+1 … ?first+16.
  static void bind_log_row(Statement& st, int first, const core::Change& c, const std::string& device, std::string_view author,
                           std::int64_t now) {
    const auto cid = uuid_bytes(c.id);
    const auto nid = uuid_bytes(c.version.node);
    const auto bid = uuid_bytes(c.base.node);
    st.bind_blob(first + 1, cid.data(), cid.size())
        .bind(first + 2, c.entity_type)
        .bind(first + 3, c.entity_id)
        .bind(first + 4, c.field)
        .bind_optional(first + 5, encoded(c.value))
        .bind(first + 6, static_cast<std::int64_t>(c.version.hlc.value))
        .bind_blob(first + 7, nid.data(), nid.size())
        .bind(first + 8, static_cast<std::int64_t>(c.base.hlc.value))
        .bind_blob(first + 9, bid.data(), bid.size());
    if (c.grid_key.empty()) st.bind_null(first + 10).bind_null(first + 11);
    else st.bind(first + 10, c.grid_key).bind(first + 11, static_cast<std::int64_t>(c.grid_version));
    st.bind(first + 12, c.parent).bind(first + 13, c.scope);
    if (device.empty()) st.bind_null(first + 14);
    else st.bind(first + 14, device);
    st.bind(first + 15, author).bind(first + 16, now);
  }

  // The exactly-once answers of a push, read before it is applied: the first answer given to
  // those of its changes received but not applied, and when the push is exact which of its
  // change ids are in the log.
  Status prefetch_answers(const std::vector<core::Change>& push) {
    return in_chunks(push.size(), [&](std::size_t first, std::size_t n, auto clamp) -> Status {
      std::string ids;
      for (std::size_t i = 0; i < n; ++i) ids += (i == 0 ? "?" : ", ?") + std::to_string(i + 1);
      auto bind_ids = [&](Statement& st) {
        for (std::size_t i = 0; i < n; ++i) {
          const auto cid = uuid_bytes(push[clamp(first + i)].id);
          st.bind_blob(static_cast<int>(i + 1), cid.data(), cid.size());
        }
      };
      if (batch_.exact) {
        auto logged = owned_->prepare("SELECT change_id FROM changes WHERE change_id IN (" + ids + ")");
        if (!logged) return logged.error();
        bind_ids(*logged);
        CARNET_RETURN_IF_ERROR(each_row(*logged, [&](Statement& s) {
          batch_.logged.insert(s.column_blob(0));
          return Status::ok_status();
        }));
      }
      auto got = owned_->prepare("SELECT change_id, status, reason, reason_message FROM received WHERE change_id IN (" + ids + ")");
      if (!got) return got.error();
      bind_ids(*got);
      return each_row(*got, [&](Statement& s) {
        batch_.received.insert_or_assign(s.column_blob(0), Answer{s.column_int(1), s.column_text(2), message_column(s, 3)});
        return Status::ok_status();
      });
    });
  }

  // Whether the log holds change id `cid` (16 bytes): as read by prefetch_answers() when the
  // push is exact, else asked (for a change about to be answered without being applied).
  Result<bool> in_log(const std::string& cid) {
    if (batch_.exact || batch_.logged.contains(cid)) return batch_.logged.contains(cid);
    auto st = owned_->prepare("SELECT 1 FROM changes WHERE change_id = ?1");
    if (!st) return fail(st.error());
    st->bind_blob(1, cid.data(), cid.size());
    return st->step();
  }

  // The state a push reads, read before it is applied in a few statements: the places of the
  // entities it writes (and of their inspections), and the fields it writes or checks (an
  // inspection's status, a row's table, an addendum's review). field() and entity_place()
  // then answer from the cache.
  Status prefetch_state(const std::vector<core::Change>& push) {
    std::set<std::pair<std::string, std::string>> places;
    std::set<FieldKey> fields;
    for (const auto& c : push) {
      places.emplace(c.entity_type, c.entity_id);
      fields.emplace(c.entity_type, c.entity_id, c.field);
      if (c.entity_type == entity::kRow || c.entity_type == entity::kAddendum) places.emplace(entity::kInspection, c.parent);
      fields.emplace(entity::kInspection, c.entity_type == entity::kInspection ? c.entity_id : c.parent, field::kStatus);
      if (c.entity_type == entity::kRow) fields.emplace(entity::kRow, c.entity_id, row_field::kTable);
      if (c.entity_type == entity::kAddendum) fields.emplace(entity::kAddendum, c.entity_id, core::addendum_field::kReview);
    }
    const std::vector<std::pair<std::string, std::string>> place_keys(places.begin(), places.end());
    CARNET_RETURN_IF_ERROR(in_chunks(place_keys.size(), [&](std::size_t first, std::size_t n, auto clamp) -> Status {
      auto st = owned_->prepare("WITH k(t, i) AS (VALUES " + value_rows(n, 2) +
                                ") SELECT e.type, e.id, coalesce(e.parent, ''), coalesce(e.scope, '') FROM k "
                                "JOIN entities e ON e.type = k.t AND e.id = k.i");
      if (!st) return st.error();
      for (std::size_t i = 0; i < n; ++i) {
        const auto& [type, id] = place_keys[clamp(first + i)];
        st->bind(static_cast<int>(2 * i + 1), type).bind(static_cast<int>(2 * i + 2), id);
        batch_.places.try_emplace({type, id}, std::nullopt);
      }
      return each_row(*st, [&](Statement& s) {
        batch_.places.insert_or_assign({s.column_text(0), s.column_text(1)}, std::make_pair(s.column_text(2), s.column_text(3)));
        return Status::ok_status();
      });
    }));
    const std::vector<FieldKey> field_keys(fields.begin(), fields.end());
    return in_chunks(field_keys.size(), [&](std::size_t first, std::size_t n, auto clamp) -> Status {
      auto st = owned_->prepare("WITH k(t, i, f) AS (VALUES " + value_rows(n, 3) +
                                ") SELECT f.entity_type, f.entity_id, f.field, f.value, f.hlc, f.node FROM k "
                                "JOIN fields f ON f.entity_type = k.t AND f.entity_id = k.i AND f.field = k.f");
      if (!st) return st.error();
      for (std::size_t i = 0; i < n; ++i) {
        const auto& [type, id, name] = field_keys[clamp(first + i)];
        st->bind(static_cast<int>(3 * i + 1), type).bind(static_cast<int>(3 * i + 2), id).bind(static_cast<int>(3 * i + 3), name);
        batch_.fields.try_emplace(field_keys[clamp(first + i)], std::nullopt);
      }
      return each_row(*st, [&](Statement& s) {
        auto fv = field_value_at(s, 3);
        if (!fv) return fv.error();
        batch_.fields.insert_or_assign({s.column_text(0), s.column_text(1), s.column_text(2)}, std::move(*fv));
        return Status::ok_status();
      });
    });
  }

  // During a push, what it has read (cached) and written (the overlay): a field's state.
  Result<std::optional<FieldValue>> field(std::string_view type, std::string_view id, std::string_view f) {
    if (!batch_.active) return EntityStore::field(type, id, f);
    FieldKey key{std::string(type), std::string(id), std::string(f)};
    if (auto it = batch_.fields.find(key); it != batch_.fields.end()) return it->second;
    auto read = EntityStore::field(type, id, f);
    if (read) batch_.fields.emplace(std::move(key), *read);
    return read;
  }
  // The same for an entity's place.
  Result<std::optional<std::pair<std::string, std::string>>> entity_place(std::string_view type, std::string_view id) {
    if (!batch_.active) return EntityStore::entity_place(type, id);
    std::pair<std::string, std::string> key{std::string(type), std::string(id)};
    if (auto it = batch_.places.find(key); it != batch_.places.end()) return it->second;
    auto read = EntityStore::entity_place(type, id);
    if (read) batch_.places.emplace(std::move(key), *read);
    return read;
  }

  // A change written at the central node (office): a clean successor of the current state.
  // Nothing when the field already holds `value`; otherwise counts one in `*changed`.
  Status write_office(std::string_view type, std::string_view id, std::string_view parent, std::string_view scope,
                      std::string_view f, const Value& value, std::int64_t now, std::size_t* changed = nullptr) {
    auto current = field(type, id, f);
    if (!current) return current.error();
    if (*current && (*current)->value == value) return Status::ok_status();
    if (changed) ++*changed;
    CARNET_RETURN_IF_ERROR(create_entity({type, id, parent, scope}));
    core::Change c;
    c.id = core::Uuid::generate(now);
    c.entity_type = std::string(type);
    c.entity_id = std::string(id);
    c.parent = std::string(parent);
    c.scope = std::string(scope);
    c.field = std::string(f);
    c.value = value;
    // Every central node writes office changes under the office's node id: its clock first
    // passes the last of them, kept in meta (under the writer lock, so none is being written).
    auto last = meta(kOfficeClock);
    if (!last) return last.error();
    std::uint64_t last_hlc = 0;
    if (*last) std::from_chars((*last)->data(), (*last)->data() + (*last)->size(), last_hlc);
    hlc_->advance(core::Hlc{last_hlc});
    // The version rule: above the version it replaces, whichever node wrote that.
    if (*current) hlc_->advance((*current)->version.hlc);
    c.version = {hlc_->now(), node_};
    auto put = owned_->prepare("UPDATE meta SET value = ?2 WHERE key = ?1");
    if (!put) return put.error();
    CARNET_RETURN_IF_ERROR(put->bind(1, kOfficeClock).bind(2, std::to_string(c.version.hlc.value)).run());
    if (*current) c.base = (*current)->version;
    return log_and_apply(c, "", kOffice, now);
  }

  Result<std::string> author_of(const Version& v) {
    auto st = owned_->prepare("SELECT inspector FROM devices WHERE id = ?1");
    if (!st) return fail(st.error());
    st->bind(1, v.node.to_string());
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) return std::string(v.node == node_ ? kOffice : "?");
    return st->column_text(0);
  }

  // Why a pushed change breaks an invariant (an empty code if it does not): a short code for
  // the audit log, which never holds values, and the message for people (its French text is
  // the record, kept in `reason`).
  struct Refusal {
    std::string code;
    core::Message message;
  };
  Result<std::optional<Refusal>> refusal(const core::Change& c, const std::map<std::string, std::string, std::less<>>& scope,
                          std::int64_t now, const std::string& device) {
    if (!scope.contains(c.scope)) {
      return Refusal{"hors_perimetre", core::Message("stockage.central_sqlite.hors_perimetre", {{"dossier", c.scope}})};
    }
    // The version rule: a change is above the version it replaces (docs/sync.md).
    if (!c.base.is_zero() && !(c.base < c.version)) {
      return Refusal{"version_sous_base", core::Message("stockage.central_sqlite.version_sous_base")};
    }
    const std::int64_t ahead = c.version.hlc.physical_ms() - now;
    if (ahead > options_.max_clock_drift_ms) {
      return Refusal{std::string(kClockRefusal),
                     core::Message("stockage.central_sqlite.horloge_en_avance", {{"minutes", ahead / 60000}})};
    }
    return store_refusal(c, device);
  }

  // The checks that hold for every writer of a change: the entity known in its dossier, a
  // published grid, a value of the field's type, no edit of a signed inspection or of a
  // reviewed addendum, a signature that verifies. `device` is the device that pushed it.
  Result<std::optional<Refusal>> store_refusal(const core::Change& c, const std::string& device) {
    auto place = entity_place(c.entity_type, c.entity_id);
    if (!place) return fail(place.error());
    if (*place) {
      if ((*place)->second != c.scope || (*place)->first != c.parent) {
        return Refusal{"autre_dossier", core::Message("stockage.central_sqlite.autre_dossier")};
      }
    } else if (c.entity_type == entity::kInspection) {
      if (c.parent != c.scope) {
        return Refusal{"inspection_hors_dossier", core::Message("stockage.central_sqlite.inspection_hors_dossier")};
      }
      auto dossier = entity_exists(entity::kDossier, c.scope);
      if (!dossier) return fail(dossier.error());
      if (!*dossier) {
        return Refusal{"dossier_inconnu", core::Message("stockage.central_sqlite.dossier_inconnu", {{"id", c.scope}})};
      }
    } else if (c.entity_type == entity::kRow || c.entity_type == entity::kAddendum) {
      auto parent = entity_place(entity::kInspection, c.parent);
      if (!parent) return fail(parent.error());
      if (!*parent || (*parent)->second != c.scope) {
        return Refusal{"ligne_orpheline", c.entity_type == entity::kRow
                                              ? core::Message("stockage.central_sqlite.ligne_orpheline")
                                              : core::Message("stockage.central_sqlite.addendum_orphelin")};
      }
    }
    if (c.grid_key.empty()) return Refusal{"sans_grille", core::Message("stockage.central_sqlite.sans_grille")};
    auto g = grid(c.grid_key, c.grid_version);
    if (!g) {
      return Refusal{"grille_inconnue", core::Message("stockage.central_sqlite.grille_inconnue",
                                                      {{"grille", c.grid_key}, {"version", c.grid_version}})};
    }
    std::string row_table;
    if (c.entity_type == entity::kRow && c.field.starts_with(row_field::kCellPrefix)) {
      auto t = field(entity::kRow, c.entity_id, row_field::kTable);
      if (!t) return fail(t.error());
      if (*t && (*t)->value.kind() == core::ValueKind::kText) row_table = (*t)->value.as_text();
    }
    const Status typed = core::check_change(c, **g, row_table);
    if (!typed.ok()) {
      // check_change() answers one message; should it carry contexts, their French text is kept.
      if (typed.parts().size() == 1) {
        return Refusal{"valeur_invalide",
                       core::Message("stockage.central_sqlite.valeur_invalide", {{"raison", typed.parts()}})};
      }
      return Refusal{"valeur_invalide",
                     core::Message("stockage.central_sqlite.valeur_invalide", {{"raison", typed.message()}})};
    }
    // A signed report never changes, except for the holder's answer.
    const std::string inspection = c.entity_type == entity::kInspection ? c.entity_id : c.parent;
    auto status = field(entity::kInspection, inspection, field::kStatus);
    if (!status) return fail(status.error());
    // An addendum is reviewed once: after that it never changes either.
    if (c.entity_type == entity::kAddendum) {
      auto review = field(entity::kAddendum, c.entity_id, core::addendum_field::kReview);
      if (!review) return fail(review.error());
      if (*review && !(*review)->value.is_null()) {
        return Refusal{"addendum_revu", core::Message("stockage.central_sqlite.addendum_revu")};
      }
      return std::nullopt;
    }
    if (*status && (*status)->value == Value::text("signed") &&
        !(c.entity_type == entity::kInspection && c.field == field::kHolderAnswer)) {
      return Refusal{"inspection_signee", core::Message("stockage.central_sqlite.inspection_signee")};
    }
    // The signature, and the move to "signed", only with a signature that verifies against
    // what the central node holds.
    if (c.entity_type == entity::kInspection &&
        ((c.field == field::kSignature && !c.value.is_null()) ||
         (c.field == field::kStatus && c.value == Value::text("signed")))) {
      return signature_refusal(c, device);
    }
    return std::nullopt;
  }

  // Verifies the signature that `c` carries (the signature field) or relies on (the move to
  // "signed"), over the inspection as the central node holds it; audits the result.
  Result<std::optional<Refusal>> signature_refusal(const core::Change& c, const std::string& device) {
    CARNET_RETURN_IF_ERROR_R(flush());  // the inspection is read from the tables
    auto view = read_inspection(*this, c.entity_id);
    if (!view) {
      if (view.error().code() == core::StatusCode::kNotFound) {
        return Refusal{"signature_invalide", core::Message("stockage.central_sqlite.signature_inspection_inconnue")};
      }
      return fail(view.error());
    }
    if (c.field == field::kSignature) view->fields.insert_or_assign(std::string(field::kSignature), c.value);
    core::SignatureVerdict verdict;
    if (!core::report_signature(*view)) {
      verdict = {core::SignatureState::kInvalid, "signature_absente", core::Message("stockage.central_sqlite.signee_sans_signature")};
    } else if (!options_.verify_signature) {
      verdict = {core::SignatureState::kUnverifiable, "sans_autorite", core::Message("stockage.central_sqlite.signature_inverifiable")};
    } else {
      verdict = options_.verify_signature(*view, device);
    }
    const std::string where = c.field == field::kSignature ? "signature" : "statut";
    CARNET_RETURN_IF_ERROR_R(audit(AuditKind::kSignatureCheck, device, c.entity_id,
                                   "champ=" + where + " resultat=" + std::string(core::signature_state_name(verdict.state)) +
                                       (verdict.code.empty() ? "" : " raison=" + verdict.code)));
    if (verdict.valid()) return std::nullopt;
    std::vector<core::Message> why;
    if (verdict.message) why.push_back(*verdict.message);
    return Refusal{"signature_invalide",
                   core::Message("stockage.central_sqlite.signature_refusee", {{"verdict", std::move(why)}})};
  }

  Status remember(const core::Change& c, ChangeOutcome::Status status, std::string_view reason,
                  const std::optional<core::Message>& reason_message = std::nullopt) {
    auto st = owned_->prepare(
        "INSERT INTO received(change_id, status, reason, reason_message) VALUES(?1, ?2, ?3, ?4) "
        "ON CONFLICT(change_id) DO UPDATE SET status = ?2, reason = ?3, reason_message = ?4");
    if (!st) return st.error();
    const auto cid = uuid_bytes(c.id);
    CARNET_RETURN_IF_ERROR(st->bind_blob(1, cid.data(), cid.size())
                               .bind(2, static_cast<std::int64_t>(status))
                               .bind(3, reason)
                               .bind_optional(4, encoded(reason_message))
                               .run());
    if (batch_.active) {
      batch_.received.insert_or_assign(std::string(cid), Answer{static_cast<std::int64_t>(status), std::string(reason), reason_message});
    }
    return Status::ok_status();
  }

  Result<std::optional<std::pair<Value, Version>>> state_of(const core::Change& c) {
    auto cur = field(c.entity_type, c.entity_id, c.field);
    if (!cur) return fail(cur.error());
    if (!*cur) return std::optional<std::pair<Value, Version>>();
    return std::optional<std::pair<Value, Version>>(std::make_pair((*cur)->value, (*cur)->version));
  }

  Status apply_pushed(const SyncInput& in, const std::string& device,
                      const std::map<std::string, std::string, std::less<>>& scope, std::size_t i, std::int64_t now,
                      SyncOutput& out) {
    const core::Change& c = in.push[i];
    const auto cid = uuid_bytes(c.id);
    {  // Exactly once: a change id seen before gets its first answer again (prefetch_answers()).
      const std::string key(cid);
      if (batch_.logged.contains(key)) {
        out.outcomes.push_back({i, ChangeOutcome::Status::kDuplicate, {}, {}, {}});
        return Status::ok_status();
      }
      if (auto again = batch_.received.find(key); again != batch_.received.end()) {
        ChangeOutcome o{i, static_cast<ChangeOutcome::Status>(again->second.status), again->second.reason,
                        again->second.message, {}};
        auto state = state_of(c);
        if (!state) return state.error();
        o.state = *state;
        out.outcomes.push_back(std::move(o));
        return Status::ok_status();
      }
    }
    // A change answered without being applied is looked up in the log first: the log's
    // unique ids catch only those applied again (flush()).
    auto answer_once = [&]() -> Result<bool> {
      auto logged = in_log(std::string(cid));
      if (!logged) return logged;
      if (*logged) out.outcomes.push_back({i, ChangeOutcome::Status::kDuplicate, {}, {}, {}});
      return logged;
    };
    auto refused = refusal(c, scope, now, device);
    if (!refused) return refused.error();
    if (*refused) {
      auto again = answer_once();
      if (!again) return again.error();
      if (*again) return Status::ok_status();
      const Refusal& why = **refused;
      if (why.code == kClockRefusal && in.restamps) {
        // The answer is the inspector's; only its time is wrong: the device re-stamps it and
        // pushes it again. Nothing is kept, so the same change id may come back and be judged
        // again (docs/sync.md, "Clocks").
        out.outcomes.push_back({i, ChangeOutcome::Status::kClockAhead, why.message.render(), why.message, {}});
        ++out.clock_ahead;
        return Status::ok_status();
      }
      const std::string reason = why.message.render();
      const std::optional<core::Message> reason_message = why.message;
      auto q = owned_->prepare(
          "INSERT INTO quarantine(change_id, device, inspector, entity_type, entity_id, field, value, hlc, node, base_hlc, "
          "base_node, grid_key, grid_version, parent, scope, reason, received_ms, reason_message) "
          "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18) RETURNING id");
      if (!q) return q.error();
      const auto nid = uuid_bytes(c.version.node);
      const auto bid = uuid_bytes(c.base.node);
      auto quarantined = q->bind_blob(1, cid.data(), cid.size())
                                 .bind(2, device)
                                 .bind(3, in.inspector_id)
                                 .bind(4, c.entity_type)
                                 .bind(5, c.entity_id)
                                 .bind(6, c.field)
                                 .bind_optional(7, encoded(c.value))
                                 .bind(8, static_cast<std::int64_t>(c.version.hlc.value))
                                 .bind_blob(9, nid.data(), nid.size())
                                 .bind(10, static_cast<std::int64_t>(c.base.hlc.value))
                                 .bind_blob(11, bid.data(), bid.size())
                                 .bind(12, c.grid_key)
                                 .bind(13, static_cast<std::int64_t>(c.grid_version))
                                 .bind(14, c.parent)
                                 .bind(15, c.scope)
                                 .bind(16, reason)
                                 .bind(17, now)
                                 .bind_optional(18, encoded(reason_message))
                                 .run_returning();
      if (!quarantined) return quarantined.error();
      const std::int64_t quarantine_id = *quarantined;
      CARNET_RETURN_IF_ERROR(remember(c, ChangeOutcome::Status::kQuarantined, reason, reason_message));
      CARNET_RETURN_IF_ERROR(audit(AuditKind::kQuarantine, device, c.id.to_string(),
                                   "raison=" + why.code + " quarantaine=" + std::to_string(quarantine_id)));
      ChangeOutcome o{i, ChangeOutcome::Status::kQuarantined, reason, reason_message, {}};
      auto state = state_of(c);
      if (!state) return state.error();
      o.state = *state;
      out.outcomes.push_back(std::move(o));
      ++out.quarantined;
      return Status::ok_status();
    }
    CARNET_RETURN_IF_ERROR(create_entity({c.entity_type, c.entity_id, c.parent, c.scope}));
    auto current = state_of(c);
    if (!current) return current.error();
    const core::MergeDecision d = core::merge(*current, c);
    if (d.conflict || !d.apply) {
      auto again = answer_once();
      if (!again) return again.error();
      if (*again) return Status::ok_status();
    }
    if (d.conflict) {
      const bool won = d.apply;
      const auto& [cur_value, cur_version] = **current;
      auto incoming_author = std::string(in.inspector_id);
      auto current_author = author_of(cur_version);
      if (!current_author) return current_author.error();
      ConflictRecord r;
      r.id = core::Uuid::generate(now).to_string();
      r.entity_type = c.entity_type;
      r.entity_id = c.entity_id;
      r.field = c.field;
      r.scope = c.scope;
      r.winner_value = won ? c.value : cur_value;
      r.winner_version = won ? c.version : cur_version;
      r.winner_author = won ? incoming_author : *current_author;
      r.loser_value = won ? cur_value : c.value;
      r.loser_version = won ? cur_version : c.version;
      r.loser_author = won ? *current_author : incoming_author;
      r.created_ms = now;
      CARNET_RETURN_IF_ERROR(insert_conflict(r));
      ++out.conflicts_recorded;
    }
    if (d.apply) {
      CARNET_RETURN_IF_ERROR(log_and_apply(c, device, in.inspector_id, now));
      ++out.applied;
      if (d.conflict) out.outcomes.push_back({i, ChangeOutcome::Status::kConflictWon, {}, {}, {}});
      return row_deletion_conflict(c, in, now, out);
    }
    const auto status = d.conflict ? ChangeOutcome::Status::kConflictLost : ChangeOutcome::Status::kSuperseded;
    CARNET_RETURN_IF_ERROR(remember(c, status, {}));
    out.outcomes.push_back({i, status, {}, {}, *current});
    return Status::ok_status();
  }

  // A row deleted on one replica while another edited it (docs/sync.md, "Deleted rows"): the
  // deletion stands, the edits stay on the row, and one open conflict per row names both
  // sides — the deletion (true) and the row kept with its edits (false) — so that a person
  // restores the row or confirms its deletion. `c` is a pushed change just applied.
  Status row_deletion_conflict(const core::Change& c, const SyncInput& in, std::int64_t now, SyncOutput& out) {
    if (c.entity_type != entity::kRow) return Status::ok_status();
    struct Side {
      Version version;
      std::string author;
    };
    std::optional<Side> deletion;
    std::optional<Side> edit;
    if (c.field == row_field::kDeleted && c.value == Value::boolean(true)) {
      // An edit of the row the deleter had neither pulled nor written: the latest one.
      auto st = owned_->prepare(
          "SELECT hlc, node, author FROM fields WHERE entity_type = ?1 AND entity_id = ?2 AND field LIKE 'c.%' "
          "AND seq > ?3 AND node <> ?4 ORDER BY seq DESC LIMIT 1");
      if (!st) return st.error();
      const auto node = uuid_bytes(c.version.node);
      st->bind(1, c.entity_type).bind(2, c.entity_id)
          .bind(3, static_cast<std::int64_t>(c.seen_cursor != 0 ? c.seen_cursor : in.cursor))
          .bind_blob(4, node.data(), node.size());
      auto row = st->step();
      if (!row) return row.error();
      if (!*row) return Status::ok_status();
      auto who = uuid_from_blob(st->column_blob(1));
      if (!who) return who.error();
      edit = Side{{core::Hlc{static_cast<std::uint64_t>(st->column_int(0))}, *who}, st->column_text(2)};
      deletion = Side{c.version, in.inspector_id};
    } else if (c.field.starts_with(row_field::kCellPrefix)) {
      auto deleted = field(entity::kRow, c.entity_id, row_field::kDeleted);
      if (!deleted) return deleted.error();
      if (!*deleted || (*deleted)->value != Value::boolean(true) || (*deleted)->version.node == c.version.node) {
        return Status::ok_status();
      }
      auto author = author_of((*deleted)->version);
      if (!author) return author.error();
      deletion = Side{(*deleted)->version, *author};
      edit = Side{c.version, in.inspector_id};
    } else {
      return Status::ok_status();
    }
    auto open = owned_->prepare(
        "SELECT count(*) FROM conflicts WHERE entity_type = ?1 AND entity_id = ?2 AND field = ?3 AND status = 'open'");
    if (!open) return open.error();
    auto n = open->bind(1, entity::kRow).bind(2, c.entity_id).bind(3, row_field::kDeleted).run_returning();
    if (!n) return n.error();
    if (*n > 0) return Status::ok_status();
    ConflictRecord r;
    r.id = core::Uuid::generate(now).to_string();
    r.entity_type = std::string(entity::kRow);
    r.entity_id = c.entity_id;
    r.field = std::string(row_field::kDeleted);
    r.scope = c.scope;
    r.winner_value = Value::boolean(true);
    r.winner_version = deletion->version;
    r.winner_author = deletion->author;
    r.loser_value = Value::boolean(false);
    r.loser_version = edit->version;
    r.loser_author = edit->author;
    r.created_ms = now;
    CARNET_RETURN_IF_ERROR(insert_conflict(r));
    ++out.conflicts_recorded;
    return Status::ok_status();
  }

  Status insert_conflict(const ConflictRecord& c) {
    auto st = owned_->prepare(std::string("INSERT INTO conflicts(") + kConflictColumns +
                              ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
    if (!st) return st.error();
    return bind_conflict(*st, c).run();
  }

  Result<std::vector<CentralConflict>> conflicts_locked(const std::string& where, std::string_view arg) {
    auto st = owned_->prepare(
        std::string("SELECT ") + kConflictColumns + ", status, resolved_ms, coalesce(resolved_by, '') FROM conflicts " +
        where + " ORDER BY created, id");
    if (!st) return fail(st.error());
    if (!where.empty()) st->bind(1, arg);
    std::vector<CentralConflict> out;
    CARNET_RETURN_IF_ERROR_R(each_row(*st, [&](Statement& s) {
      CentralConflict c;
      auto record = read_conflict(s);
      if (!record) return record.error();
      c.record = std::move(*record);
      c.status = s.column_text(14);
      if (!s.column_is_null(15)) c.resolved_ms = s.column_int(15);
      c.resolved_by = s.column_text(16);
      out.push_back(std::move(c));
      return Status::ok_status();
    }));
    return out;
  }

  Result<std::vector<QuarantineRecord>> quarantine_locked(const std::string& where, std::int64_t id) {
    auto st = owned_->prepare(std::string("SELECT id, ") + kChangeColumns +
                              ", device, inspector, reason, received_ms, coalesce(review, ''), coalesce(reviewed_by, ''), "
                              "reviewed_ms, reason_message FROM quarantine " +
                              where + " ORDER BY id");
    if (!st) return fail(st.error());
    if (where.find("?1") != std::string::npos) st->bind(1, id);
    std::vector<QuarantineRecord> out;
    CARNET_RETURN_IF_ERROR_R(each_row(*st, [&](Statement& s) {
      QuarantineRecord q;
      q.id = s.column_int(0);
      auto change = read_change(s, 1);
      if (!change) return change.error();
      q.change = std::move(*change);
      q.device = s.column_text(14);
      q.inspector_id = s.column_text(15);
      q.reason = s.column_text(16);
      q.received_ms = s.column_int(17);
      q.review = s.column_text(18);
      q.reviewed_by = s.column_text(19);
      if (!s.column_is_null(20)) q.reviewed_ms = s.column_int(20);
      q.reason_message = message_column(s, 21);
      out.push_back(std::move(q));
      return Status::ok_status();
    }));
    return out;
  }

  // Snapshots of newly assigned dossiers, then a page of the log after the cursor.
  Status build_pull(const SyncInput& in, const std::string& device, std::map<std::string, std::string, std::less<>>& scope,
                    SyncOutput& out) {
    std::uint64_t floor = 0;
    {
      auto st = owned_->prepare("SELECT floor_seq FROM devices WHERE id = ?1");
      if (!st) return st.error();
      st->bind(1, device);
      if (st->step().value_or(false)) floor = static_cast<std::uint64_t>(st->column_int(0));
    }
    const std::uint64_t from = std::max(in.cursor, floor);
    for (const auto& dossier : in.repair) {
      const auto it = scope.find(dossier);
      if (it == scope.end() || it->second != "active") continue;
      it->second = "snapshot";
      out.repaired.push_back(dossier);
    }
    for (auto& [dossier, state] : scope) {
      if (state != "snapshot") continue;
      auto st = owned_->prepare(
          "SELECT f.entity_type, f.entity_id, f.field, f.value, f.hlc, f.node, f.seq, coalesce(e.parent, ''), f.scope "
          "FROM fields f JOIN entities e ON e.type = f.entity_type AND e.id = f.entity_id WHERE f.scope = ?1 "
          "ORDER BY f.seq");
      if (!st) return st.error();
      st->bind(1, dossier);
      CARNET_RETURN_IF_ERROR(each_row(*st, [&](Statement& s) {
        LoggedChange lc;
        lc.change.entity_type = s.column_text(0);
        lc.change.entity_id = s.column_text(1);
        lc.change.field = s.column_text(2);
        auto fv = field_value_at(s, 3);
        if (!fv) return fv.error();
        lc.change.value = fv->value;
        lc.change.version = fv->version;
        lc.seq = static_cast<std::uint64_t>(s.column_int(6));
        lc.change.parent = s.column_text(7);
        lc.change.scope = s.column_text(8);
        out.pull.push_back(std::move(lc));
        return Status::ok_status();
      }));
      auto mark = owned_->prepare("UPDATE device_scope SET state = 'active' WHERE device = ?1 AND dossier = ?2");
      if (!mark) return mark.error();
      CARNET_RETURN_IF_ERROR(mark->bind(1, device).bind(2, dossier).run());
      state = "active";
    }
    const std::size_t page = std::max<std::size_t>(1, std::min(in.max_pull, options_.max_pull));
    // Its own changes it has: they are not read (an absent device is the office's).
    auto st = owned_->prepare(
        std::string("SELECT seq, ") + kChangeColumns + " FROM changes "
        "WHERE seq > ?1 AND scope IN (SELECT dossier FROM device_scope WHERE device = ?2 AND state = 'active') "
        "AND (device IS NULL OR device <> ?2) ORDER BY seq LIMIT ?3");
    if (!st) return st.error();
    st->bind(1, static_cast<std::int64_t>(from)).bind(2, device).bind(3, static_cast<std::int64_t>(page + 1));
    std::size_t rows = 0;
    std::uint64_t last = from;
    CARNET_RETURN_IF_ERROR(each_row(*st, [&](Statement& s) {
      if (++rows > page) {
        out.has_more = true;
        return Status::ok_status();
      }
      last = static_cast<std::uint64_t>(s.column_int(0));
      LoggedChange lc;
      lc.seq = last;
      auto change = read_change(s, 1);
      if (!change) return change.error();
      lc.change = std::move(*change);
      out.pull.push_back(std::move(lc));
      return Status::ok_status();
    }));
    if (!out.has_more) {
      // Nothing more in scope: move the cursor to the end of the log, so that the next pull
      // does not scan what lies outside the scope again.
      auto end = owned_->prepare("SELECT coalesce(max(seq), 0) FROM changes");
      if (!end) return end.error();
      if (end->step().value_or(false)) last = std::max(last, static_cast<std::uint64_t>(end->column_int(0)));
    }
    out.cursor = last;
    return Status::ok_status();
  }

  // The grid files the device lacks (each read only when it lacks it: they are large).
  Status missing_grids(const SyncInput& in, SyncOutput& out) {
    std::set<std::pair<std::string, int>> held(in.grids_held.begin(), in.grids_held.end());
    std::vector<std::pair<std::string, std::int64_t>> missing;
    auto st = owned_->prepare("SELECT key, version FROM grids ORDER BY key, version");
    if (!st) return st.error();
    CARNET_RETURN_IF_ERROR(each_row(*st, [&](Statement& s) {
      if (!held.contains({s.column_text(0), static_cast<int>(s.column_int(1))})) missing.emplace_back(s.column_text(0), s.column_int(1));
      return Status::ok_status();
    }));
    for (const auto& [key, version] : missing) {
      auto source = owned_->prepare("SELECT source FROM grids WHERE key = ?1 AND version = ?2");
      if (!source) return source.error();
      source->bind(1, key).bind(2, version);
      CARNET_RETURN_IF_ERROR(each_row(*source, [&](Statement& s) {
        out.grid_files.push_back(s.column_text(0));
        return Status::ok_status();
      }));
    }
    return Status::ok_status();
  }

  Status open_conflicts(const std::string& device, SyncOutput& out) {
    auto all = conflicts_locked(
        "WHERE status = 'open' AND scope IN (SELECT dossier FROM device_scope WHERE device = ?1 AND state = 'active')",
        device);
    if (!all) return all.error();
    for (auto& c : *all) out.conflicts.push_back(std::move(c.record));
    return Status::ok_status();
  }

  Result<std::string> checksum(const std::vector<std::string>& dossiers) {
    return scope_checksum(*owned_, dossiers,
                          "SELECT entity_type, entity_id, field, value, hlc, node FROM fields WHERE scope = ?1 "
                          "ORDER BY entity_type, entity_id, field");
  }

  // The certificate a device authenticates with (re-enrollment, renewal).
  Status update_certificate_locked(const core::Uuid& id, std::string_view serial_hex, std::string_view fingerprint,
                                   std::int64_t not_after) {
    auto st = owned_->prepare("UPDATE devices SET serial = ?2, fingerprint = ?3, not_after = ?4 WHERE id = ?1");
    if (!st) return st.error();
    CARNET_RETURN_IF_ERROR(st->bind(1, id.to_string()).bind(2, serial_hex).bind(3, fingerprint).bind(4, not_after).run());
    if (owned_->changes() == 0) {
      return Status::not_found("stockage.central_sqlite.appareil_inconnu", {{"id", id.to_string()}});
    }
    return Status::ok_status();
  }

  std::unique_ptr<Database> owned_;
  CentralOptions options_;
  const core::PhysicalClock* clock_;
  bool sqlite() const { return owned_->dialect() == Database::Dialect::kSqlite; }

  // A push being applied (sync()): what it has read and what it has written, so that a page
  // of changes costs a few multi-row statements instead of several statements per change.
  // Outside a push only `log` and `dirty` are used, for one change written at once.
  using FieldKey = std::tuple<std::string, std::string, std::string>;  // entity type, id, field
  struct Answer {
    std::int64_t status = 0;
    std::string reason;
    std::optional<core::Message> message;
  };
  struct Pending {
    core::Change change;
    std::string device;
    std::string author;
    std::int64_t now = 0;
  };
  struct PushBatch {
    bool active = false;
    // Whether `logged` holds every pushed change id in the log (read before), or only those
    // this push has applied (see sync_once()).
    bool exact = true;
    std::set<std::string, std::less<>> logged;                  // change ids (16 bytes) in the log
    std::map<std::string, Answer, std::less<>> received;        // change id -> first answer
    std::map<std::pair<std::string, std::string>, std::optional<std::pair<std::string, std::string>>> places;
    std::map<FieldKey, std::optional<FieldValue>> fields;       // read, or written by this push
    std::vector<Pending> log;                                   // applied, not yet written
    std::map<FieldKey, std::size_t> dirty;                      // field -> its last entry in `log`
  };
  PushBatch batch_;
  bool retry_exactly_ = false;  // set by flush(): see sync_once()

  std::mutex mu_;  // guards everything below and every use of owned_
  core::Uuid node_;
  std::optional<core::HybridClock> hlc_;
};

thread_local SqlCentral::ActingAs SqlCentral::acting_;

}  // namespace

std::optional<QuarantineDecision> parse_quarantine_decision(std::string_view name) {
  if (name == "rejeter") return QuarantineDecision::kReject;
  if (name == "appliquer") return QuarantineDecision::kApply;
  return std::nullopt;
}

namespace {

Result<std::unique_ptr<CentralStore>> open_central_on(Result<std::unique_ptr<Database>> db, CentralOptions options,
                                                      const core::PhysicalClock& clock) {
  if (!db) return fail(db.error());
  CARNET_RETURN_IF_ERROR_R(migrate_central(**db));
  auto store = std::make_unique<SqlCentral>(std::move(*db), options, clock);
  CARNET_RETURN_IF_ERROR_R(store->load());
  return std::unique_ptr<CentralStore>(std::move(store));
}

}  // namespace

Result<std::unique_ptr<CentralStore>> open_sqlite_central(const std::string& path, Database::Mode mode,
                                                          CentralOptions options, const core::PhysicalClock& clock) {
  return open_central_on(Database::open(path, mode), std::move(options), clock);
}

Result<std::unique_ptr<CentralStore>> open_postgres_central(std::string_view url, CentralOptions options,
                                                            const core::PhysicalClock& clock) {
  return open_central_on(open_postgres(url), std::move(options), clock);
}

Result<std::unique_ptr<CentralStore>> open_central(const std::string& address, Database::Mode mode,
                                                   CentralOptions options, const core::PhysicalClock& clock) {
  if (is_postgres_address(address)) return open_postgres_central(address, std::move(options), clock);
  return open_sqlite_central(address, mode, std::move(options), clock);
}

}  // namespace carnet::storage
