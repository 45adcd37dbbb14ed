#include "storage/central/devices.hpp"

#include "core/text.hpp"
#include "storage/central/statements.hpp"

namespace carnet::storage {
namespace {

using namespace internal;

// The inspector of an unused, unexpired enrollment code; kFailedPrecondition otherwise.
Result<Inspector> code_inspector(Database& db, std::string_view code_sha256, std::int64_t now_ms) {
  std::string inspector_id;
  {
    auto st = db.prepare("SELECT inspector, expires_ms, used_ms FROM enrollment_codes WHERE code_sha256 = ?1");
    if (!st) return fail(st.error());
    st->bind(1, code_sha256);
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) return fail(Status::failed_precondition("stockage.central_sqlite.code_inconnu"));
    if (!st->column_is_null(2)) return fail(Status::failed_precondition("stockage.central_sqlite.code_utilise"));
    if (st->column_int(1) < now_ms) return fail(Status::failed_precondition("stockage.central_sqlite.code_expire"));
    inspector_id = st->column_text(0);
  }
  auto who = Catalogue::inspector(db, inspector_id);
  if (!who) return fail(who.error());
  if (!*who) return fail(Status::not_found("stockage.central_sqlite.inspecteur_inconnu", {{"id", inspector_id}}));
  return **who;
}

Status use_code(Transaction& tx, std::string_view code_sha256, std::int64_t now_ms) {
  auto use = tx.db().prepare("UPDATE enrollment_codes SET used_ms = ?2 WHERE code_sha256 = ?1");
  if (!use) return use.error();
  return use->bind(1, code_sha256).bind(2, now_ms).run();
}

// The device and, for a start, snapshots of its inspector's dossiers.
Status insert_device(Transaction& tx, const DeviceRecord& d) {
  auto st = tx.db().prepare(
      "INSERT INTO devices(id, inspector, name, serial, fingerprint, not_after, enrolled_ms, floor_seq) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, (SELECT coalesce(max(seq), 0) FROM changes))");
  if (!st) return st.error();
  CARNET_RETURN_IF_ERROR(
      st->bind_all(d.id.to_string(), d.inspector_id, d.name, d.serial_hex, d.fingerprint, d.not_after, d.enrolled_ms)
          .run());
  auto scope = tx.db().prepare(
      "INSERT INTO device_scope(device, dossier, state) SELECT ?1, dossier, 'snapshot' FROM assignments WHERE inspector = ?2");
  if (!scope) return scope.error();
  return scope->bind(1, d.id.to_string()).bind(2, d.inspector_id).run();
}

// Every device, or the one with id `only`.
Result<std::vector<DeviceRecord>> read_devices(Database& db, const std::string& only) {
  auto st = only.empty() ? db.prepare("SELECT id, inspector, name, serial, fingerprint, not_after, enrolled_ms, revoked_ms, "
                                      "last_sync_ms FROM devices ORDER BY enrolled_ms, id")
                         : db.prepare("SELECT id, inspector, name, serial, fingerprint, not_after, enrolled_ms, revoked_ms, "
                                      "last_sync_ms FROM devices WHERE id = ?1");
  if (!st) return fail(st.error());
  if (!only.empty()) st->bind(1, only);
  std::vector<DeviceRecord> out;
  CARNET_RETURN_IF_ERROR_R(each_row(*st, [&](Statement& s) {
    DeviceRecord d;
    auto id = core::Uuid::parse(s.column_text(0));
    if (!id) return Status::corruption("stockage.central_sqlite.appareil_illisible");
    d.id = *id;
    s.read_columns(1, d.inspector_id, d.name, d.serial_hex, d.fingerprint, d.not_after, d.enrolled_ms, d.revoked_ms,
                   d.last_sync_ms);
    out.push_back(std::move(d));
    return Status::ok_status();
  }));
  return out;
}

// The certificate a device authenticates with (re-enrollment, renewal).
Status update_certificate(Transaction& tx, const core::Uuid& id, std::string_view serial_hex, std::string_view fingerprint,
                          std::int64_t not_after) {
  auto st = tx.db().prepare("UPDATE devices SET serial = ?2, fingerprint = ?3, not_after = ?4 WHERE id = ?1");
  if (!st) return st.error();
  CARNET_RETURN_IF_ERROR(st->bind(1, id.to_string()).bind(2, serial_hex).bind(3, fingerprint).bind(4, not_after).run());
  if (tx.db().changes() == 0) return Status::not_found("stockage.central_sqlite.appareil_inconnu", {{"id", id.to_string()}});
  return Status::ok_status();
}

}  // namespace

Status Devices::add_enrollment_code(std::string_view code_sha256, std::string_view inspector_id, std::int64_t expires_ms) {
  return db_.write([&](Transaction& tx) -> Status {
    auto who = Catalogue::inspector(tx.db(), inspector_id);
    if (!who) return who.error();
    if (!*who) return Status::not_found("stockage.central_sqlite.inspecteur_inconnu", {{"id", inspector_id}});
    auto st = tx.db().prepare("INSERT INTO enrollment_codes(code_sha256, inspector, expires_ms) VALUES(?1, ?2, ?3)");
    if (!st) return st.error();
    CARNET_RETURN_IF_ERROR(st->bind(1, code_sha256).bind(2, inspector_id).bind(3, expires_ms).run());
    return audit_.append(tx, AuditKind::kEnrollmentCode, audit_.office(), inspector_id,
                         "expire=" + core::iso_timestamp(expires_ms));
  });
}

Result<Inspector> Devices::check_enrollment_code(std::string_view code_sha256, std::int64_t now_ms) {
  return db_.read([&](Database& db) { return code_inspector(db, code_sha256, now_ms); });
}

Status Devices::enroll(std::string_view code_sha256, std::int64_t now_ms, const DeviceRecord& d) {
  return db_.write([&](Transaction& tx) -> Status {
    auto who = code_inspector(tx.db(), code_sha256, now_ms);  // again: it may have been used meanwhile
    if (!who) return who.error();
    if (who->id != d.inspector_id) return Status::failed_precondition("stockage.central_sqlite.code_autre_inspecteur");
    CARNET_RETURN_IF_ERROR(use_code(tx, code_sha256, now_ms));
    CARNET_RETURN_IF_ERROR(insert_device(tx, d));
    return audit_.append(tx, AuditKind::kEnrollment, d.inspector_id, d.id.to_string(), "certificat=" + d.serial_hex);
  });
}

Status Devices::reenroll(std::string_view code_sha256, std::int64_t now_ms, const DeviceRecord& d) {
  return db_.write([&](Transaction& tx) -> Status {
    auto existing = read_devices(tx.db(), d.id.to_string());
    if (!existing) return existing.error();
    if (existing->empty()) return Status::not_found("stockage.central_sqlite.appareil_inconnu", {{"id", d.id.to_string()}});
    const DeviceRecord& current = existing->front();
    if (current.revoked_ms) return Status::failed_precondition("stockage.central_sqlite.appareil_revoque");
    auto who = code_inspector(tx.db(), code_sha256, now_ms);
    if (!who) return who.error();
    if (who->id != current.inspector_id || who->id != d.inspector_id) {
      return Status::failed_precondition("stockage.central_sqlite.code_autre_proprietaire",
                                         {{"inspecteur", who->id}, {"proprietaire", current.inspector_id}});
    }
    CARNET_RETURN_IF_ERROR(use_code(tx, code_sha256, now_ms));
    return update_certificate(tx, d.id, d.serial_hex, d.fingerprint, d.not_after);
  });
}

Status Devices::add(const DeviceRecord& d) {
  return db_.write([&](Transaction& tx) -> Status {
    CARNET_RETURN_IF_ERROR(insert_device(tx, d));
    return audit_.append(tx, AuditKind::kEnrollment, d.inspector_id, d.id.to_string(), "certificat=" + d.serial_hex + " sans_code");
  });
}

Result<std::optional<DeviceRecord>> Devices::find(const core::Uuid& id) {
  auto all = db_.read([&](Database& db) { return read_devices(db, id.to_string()); });
  if (!all) return fail(all.error());
  if (all->empty()) return std::optional<DeviceRecord>();
  return std::optional<DeviceRecord>(all->front());
}

Result<std::vector<DeviceRecord>> Devices::list() {
  return db_.read([&](Database& db) { return read_devices(db, {}); });
}

Status Devices::set_certificate(const core::Uuid& id, std::string_view serial_hex, std::string_view fingerprint,
                                std::int64_t not_after) {
  return db_.write([&](Transaction& tx) { return update_certificate(tx, id, serial_hex, fingerprint, not_after); });
}

Status Devices::revoke(const core::Uuid& id, std::int64_t now_ms) {
  return db_.write([&](Transaction& tx) -> Status {
    auto known = read_devices(tx.db(), id.to_string());
    if (!known) return known.error();
    if (known->empty()) return Status::not_found("stockage.central_sqlite.appareil_inconnu", {{"id", id.to_string()}});
    if (known->front().revoked_ms) return Status::ok_status();  // revoked already: the first date stays
    auto st = tx.db().prepare("UPDATE devices SET revoked_ms = ?2 WHERE id = ?1");
    if (!st) return st.error();
    CARNET_RETURN_IF_ERROR(st->bind(1, id.to_string()).bind(2, now_ms).run());
    return audit_.append(tx, AuditKind::kRevocation, audit_.office(), id.to_string(), {});
  });
}

Result<bool> Devices::blob_in_scope(const core::Uuid& device, std::string_view sha256) {
  const bool sqlite = db_.sqlite();
  return db_.read([&](Database& db) -> Result<bool> {
    // The conditions of the index fields_by_blob, in each dialect's words.
    auto st = db.prepare(
        sqlite ? "SELECT 1 FROM fields WHERE value = ?1 AND length(value) = 66 AND value GLOB 't:[0-9a-f]*' AND scope IN "
                 "(SELECT dossier FROM device_scope WHERE device = ?2 AND state <> 'evicting') LIMIT 1"
               : "SELECT 1 FROM fields WHERE value = ?1 AND length(value) = 66 AND value LIKE 't:%' AND scope IN "
                 "(SELECT dossier FROM device_scope WHERE device = ?2 AND state <> 'evicting') LIMIT 1");
    if (!st) return fail(st.error());
    st->bind(1, "t:" + std::string(sha256)).bind(2, device.to_string());
    return st->step();
  });
}

}  // namespace carnet::storage
