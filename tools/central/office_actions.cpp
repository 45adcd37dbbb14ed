#include "tools/central/office_actions.hpp"

#include <map>

#include "core/date.hpp"
#include "core/message_json.hpp"
#include "storage/sha256.hpp"
#include "sync/enrollment_link.hpp"
#include "sync/pki.hpp"
#include "sync/report_signing.hpp"

namespace carnet::central {
namespace {

// A code people can read out and type: 12 characters without look-alikes, in groups of 4.
Result<std::string> new_code() {
  static constexpr char kAlphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  auto bytes = sync::random_bytes(12);
  if (!bytes) return core::fail(bytes.error());
  std::string code;
  for (std::size_t i = 0; i < bytes->size(); ++i) {
    if (i > 0 && i % 4 == 0) code += '-';
    code += kAlphabet[static_cast<unsigned char>((*bytes)[i]) % 32];
  }
  return code;
}


}  // namespace

core::InspectorNames names_of(storage::Central& store) {
  std::map<std::string, std::string, std::less<>> names;
  if (auto all = store.catalogue.inspectors()) {
    for (const auto& i : *all) names[i.id] = i.name;
  }
  return [names](std::string_view id) {
    auto it = names.find(id);
    return it == names.end() ? std::string() : it->second;
  };
}

Result<EnrollmentCode> issue_enrollment_code(storage::Central& store,
                                             std::string_view ca_cert_pem,
                                             std::string_view inspector, int minutes,
                                             std::int64_t now_ms) {
  auto fp = sync::certificate_fingerprint(std::string(ca_cert_pem));
  if (!fp) return core::fail(fp.error());
  auto code = new_code();
  if (!code) return core::fail(code.error());
  EnrollmentCode out{*code, std::string(inspector), *fp, now_ms + std::int64_t{minutes} * 60000};
  if (auto s = store.devices.add_enrollment_code(storage::sha256_hex(out.code), inspector, out.expires_ms);
      !s.ok())
    return core::fail(s);
  return out;
}

std::string enrollment_link(std::string_view central_url, const EnrollmentCode& code) {
  return sync::format_enrollment_link({std::string(central_url), code.code, code.ca_fingerprint});
}

Status export_report(storage::Central& store, std::string_view ca_cert_pem,
                     std::string_view id, std::string actor, std::string detail,
                     const ReportWriter& write) {
  auto view = store.catalogue.inspection(id);
  if (!view) return view.error();
  const auto names = names_of(store);
  const core::SignatureVerdict verdict =
      sync::verify_report_signature(*view, std::string(ca_cert_pem));
  const storage::AuditEvent event{storage::AuditKind::kReportExport, std::move(actor),
                                  std::string(id), std::move(detail)};
  return store.audit.audited(event, [&] { return write(*view, names, verdict); });
}

Json inspection_listing_json(const storage::InspectionListing& s) {
  return Json::object()
      .set("id", s.id)
      .set("dossier", s.dossier_id)
      .set("grid", s.grid_key)
      .set("status", std::string(core::inspection_status_name(s.status)))
      .set("visit_date", s.visit_date ? Json(s.visit_date->iso()) : Json())
      .set("dossier_name", s.dossier_name)
      .set("grid_version", s.grid_version)
      .set("inspector", s.inspector_id);
}

Json conflict_json(const storage::CentralConflict& c) {
  auto side = [](const core::Value& v, const core::Version& ver, const std::string& author) {
    return Json::object()
        .set("value", core::value_json(v))
        .set("author", author)
        .set("time", core::iso_timestamp(ver.hlc.physical_ms()))
        .set("node", ver.node.to_string());
  };
  return Json::object()
      .set("id", c.record.id)
      .set("status", c.status)
      .set("dossier", c.record.scope)
      .set("entity_type", c.record.entity_type)
      .set("entity_id", c.record.entity_id)
      .set("field", c.record.field)
      .set("winner", side(c.record.winner_value, c.record.winner_version, c.record.winner_author))
      .set("loser", side(c.record.loser_value, c.record.loser_version, c.record.loser_author))
      .set("created", core::iso_timestamp(c.record.created_ms))
      .set("resolved_by", c.resolved_by);
}

Json quarantine_json(const storage::QuarantineRecord& q) {
  return Json::object()
      .set("id", q.id)
      .set("reason", q.reason)
      .set("raison", q.reason_message ? core::message_json(*q.reason_message) : Json())
      .set("device", q.device)
      .set("inspector", q.inspector_id)
      .set("dossier", q.change.scope)
      .set("entity_type", q.change.entity_type)
      .set("entity_id", q.change.entity_id)
      .set("field", q.change.field)
      .set("value", core::value_json(q.change.value))
      .set("written", core::iso_timestamp(q.change.version.hlc.physical_ms()))
      .set("received", core::iso_timestamp(q.received_ms))
      .set("review", q.review.empty() ? Json() : Json(q.review))
      .set("reviewed_by", q.reviewed_by)
      .set("reviewed", q.reviewed_ms ? Json(core::iso_timestamp(*q.reviewed_ms)) : Json());
}

Json device_json(const storage::DeviceRecord& d) {
  return Json::object()
      .set("id", d.id.to_string())
      .set("inspector", d.inspector_id)
      .set("name", d.name)
      .set("fingerprint", d.fingerprint)
      .set("certificate_expires", core::iso_timestamp(d.not_after * 1000))
      .set("enrolled", core::iso_timestamp(d.enrolled_ms))
      .set("last_sync", d.last_sync_ms ? Json(core::iso_timestamp(*d.last_sync_ms)) : Json())
      .set("revoked", d.revoked_ms.has_value());
}

Json audit_entry_json(const storage::AuditEntry& e) {
  return Json::object()
      .set("seq", static_cast<std::int64_t>(e.seq))
      .set("time", core::iso_timestamp(e.time_ms))
      .set("kind", e.kind)
      .set("actor", e.actor)
      .set("subject", e.subject)
      .set("detail", e.detail)
      .set("prev_hash", e.prev_hash)
      .set("hash", e.hash);
}

}  // namespace carnet::central
