#include "tools/carnet/tablet_app.hpp"

#include <chrono>
#include <set>

#include "core/form_json.hpp"
#include "core/grid.hpp"
#include "core/report.hpp"
#include "core/text.hpp"
#include "storage/blob_store.hpp"
#include "storage/files.hpp"
#include "sync/device_credentials.hpp"
#include "sync/report_signing.hpp"
#include "tools/carnet/conflicts.hpp"
#include "tools/carnet/edit_syntax.hpp"
#include "tools/carnet/node.hpp"

namespace carnet::tool {
namespace {

using core::Json;
using web::HttpRequest;
using web::HttpResponse;

constexpr std::uint64_t kMaxAttachmentBytes = 32u << 20;  // the central node's default limit

std::string_view phase_name(SyncState::Phase p) {
  switch (p) {
    case SyncState::Phase::kNotEnrolled: return "non_enrolee";
    case SyncState::Phase::kIdle: return "ok";
    case SyncState::Phase::kRunning: return "en_cours";
    case SyncState::Phase::kOffline: return "hors_ligne";
    case SyncState::Phase::kError: return "erreur";
    case SyncState::Phase::kBlocked: return "bloquee";
  }
  return "erreur";
}

// The image type of an attachment by its first bytes (the store keeps bytes, not types).
std::string sniff_type(std::string_view b) {
  if (b.starts_with("\xFF\xD8\xFF")) return "image/jpeg";
  if (b.starts_with("\x89PNG\r\n\x1A\n")) return "image/png";
  if (b.starts_with("GIF8")) return "image/gif";
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP") return "image/webp";
  if (b.starts_with("%PDF-")) return "application/pdf";
  return "application/octet-stream";
}

// The edits of a save, {set: {KEY: TEXT…}, effacer: [KEY…]}, each KEY a path as the command
// line writes it (tools/carnet/edit_syntax.hpp). A TEXT is an answer: a blank one is refused,
// because Capture would read it as clearing; an answer is cleared only when it is named in
// "effacer", so that nothing a page fails to read can erase what is stored. A KEY is in one
// list at most; a cell of a row not made yet ("[+…]") cannot be cleared.
Result<std::vector<storage::Edit>> save_edits(const Json& body) {
  const Json* set = body.find("set");
  const Json* erase = body.find("effacer");
  if (set != nullptr && set->kind() != Json::Kind::kObject) {
    return core::fail(Status::invalid_argument("outils.tablet_app.set_objet"));
  }
  if (erase != nullptr && erase->kind() != Json::Kind::kArray) {
    return core::fail(Status::invalid_argument("outils.tablet_app.effacer_liste"));
  }
  if ((set == nullptr || set->as_object().empty()) &&
      (erase == nullptr || erase->as_array().empty())) {
    return core::fail(Status::invalid_argument("outils.tablet_app.set_objet"));
  }
  const auto valid_key = [](const std::string& k) {
    return !k.empty() && k.find('=') == std::string::npos;
  };
  std::vector<storage::Edit> edits;
  std::set<std::string, std::less<>> set_keys;
  if (set != nullptr) {
    for (const auto& [key, value] : set->as_object()) {
      if (!valid_key(key) || value.kind() != Json::Kind::kString) {
        return core::fail(Status::invalid_argument("outils.tablet_app.set_cle", {{"cle", key}}));
      }
      if (core::is_blank_input(value.as_string())) {
        return core::fail(
            Status::invalid_argument("outils.tablet_app.valeur_vide", {{"champ", key}}));
      }
      auto path = parse_key_path(key);
      if (!path) return core::fail(path.error());
      set_keys.insert(key);
      edits.push_back({std::move(*path), value.as_string()});
    }
  }
  if (erase != nullptr) {
    for (const Json& k : erase->as_array()) {
      if (k.kind() != Json::Kind::kString || !valid_key(k.as_string())) {
        return core::fail(Status::invalid_argument("outils.tablet_app.effacer_liste"));
      }
      const std::string& key = k.as_string();
      if (set_keys.contains(key)) {
        return core::fail(
            Status::invalid_argument("outils.tablet_app.effacer_et_set", {{"cle", key}}));
      }
      auto path = parse_key_path(key);
      if (!path) return core::fail(path.error());
      if (path->is_new_row_cell()) {
        return core::fail(
            Status::invalid_argument("outils.tablet_app.effacer_nouvelle_ligne", {{"cle", key}}));
      }
      edits.push_back({std::move(*path), std::nullopt});
    }
  }
  return edits;
}

Json rows_json(const std::vector<core::Column>& columns, const std::vector<core::TableRow>& rows) {
  Json arr = Json::array();
  for (const auto& r : rows) {
    Json cells = Json::object();
    for (std::size_t i = 0; i < columns.size() && i < r.cells.size(); ++i) cells.set(columns[i].key, core::value_json(r.cells[i]));
    arr.push(Json::object().set("id", r.id).set("cells", std::move(cells)));
  }
  return arr;
}

}  // namespace

void SyncMonitor::set(SyncState state) {
  std::lock_guard lock(mu_);
  state_ = std::move(state);
}

SyncState SyncMonitor::get() const {
  std::lock_guard lock(mu_);
  return state_;
}

void SyncMonitor::request() {
  {
    std::lock_guard lock(mu_);
    requested_ = true;
  }
  cv_.notify_all();
}

void SyncMonitor::stop() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
}

bool SyncMonitor::wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return requested_ || stopped_; });
  requested_ = false;
  return !stopped_;
}

TabletApp::TabletApp(storage::Replica& replica, std::string data_dir, LocalGuard guard, SyncMonitor& monitor)
    : replica_(replica),
      dir_(std::move(data_dir)),
      guard_(std::move(guard)),
      monitor_(monitor),
      report_style_hash_(web::csp_hash(core::report_style())) {}

HttpResponse TabletApp::handle(const HttpRequest& request) {
  auto target = web::parse_target(request.target);
  const bool is_api = target && !target->segments.empty() && target->segments[0] == "api";
  if (auto refused = guard_.refuse(request, is_api)) return *refused;
  if (!target) return web::error_response(400, "invalid_argument", core::Message("outils.office_app.adresse_invalide"));
  if (is_api) {
    return api(request, *target);  // an exception becomes a 500 at the server's edge
  }
  if (request.method != "GET" && request.method != "HEAD")
    return web::error_response(405, "invalid_argument", core::Message("outils.local_guard.methode_refusee"));
  const auto& seg = target->segments;
  HttpResponse r;
  if (seg.empty()) {
    r = web::asset_response(web::find_asset("tablet/index.html"));
  } else if (seg.size() == 2 && (seg[0] == "common" || seg[0] == "tablet" || seg[0] == "messages")) {
    r = web::asset_response(web::find_asset(seg[0] + "/" + seg[1]));
  } else {
    r = web::error_response(404, "not_found", core::Message("commun.erreur.page_introuvable"));
  }
  web::add_security_headers(r, false, report_style_hash_);
  return r;
}

HttpResponse TabletApp::api(const HttpRequest& request, const web::Target& target) {
  const auto& seg = target.segments;
  const std::string& m = request.method;
  std::lock_guard lock(mu_);
  if (seg.size() == 2 && seg[1] == "etat" && m == "GET") return web::json_response(state_json());
  if (seg.size() == 2 && seg[1] == "synchroniser" && m == "POST") {
    monitor_.request();
    return web::json_response(Json::object().set("demande", true), 202);
  }
  if (seg.size() == 2 && seg[1] == "dossiers" && m == "GET") {
    auto j = dossiers_json();
    return j ? web::json_response(*j) : web::error_response(j.error());
  }
  if (seg.size() == 2 && seg[1] == "inspections" && m == "POST") {
    auto body = web::json_body(request);
    if (!body) return web::error_response(body.error());
    const Json* dossier = body->find("dossier");
    if (dossier == nullptr || dossier->kind() != Json::Kind::kString) {
      return web::error_response(Status::invalid_argument("outils.tablet_app.dossier_manquant"));
    }
    std::optional<core::Date> date = today();
    if (const Json* d = body->find("date"); d != nullptr && d->kind() == Json::Kind::kString) {
      auto parsed = core::Date::parse(d->as_string());
      if (!parsed) return web::error_response(parsed.error());
      date = *parsed;
    }
    storage::Capture capture(replica_);
    auto id = capture.start(dossier->as_string(), std::nullopt, date);
    if (!id) return web::error_response(id.error());
    return web::json_response(Json::object().set("id", *id), 201);
  }
  if (seg.size() >= 3 && seg[1] == "inspections") return inspection_api(request, target);
  if (seg.size() == 3 && seg[1] == "pieces" && m == "GET") {
    if (!core::is_sha256_hex(seg[2]))
      return web::error_response(Status::invalid_argument("outils.tablet_app.empreinte_invalide"));
    storage::BlobStore blobs(dir_ + "/blobs", kMaxAttachmentBytes, replica_.key());
    const auto size = blobs.size(seg[2]);
    if (!size) return web::error_response(Status::not_found("outils.tablet_app.piece_absente"));
    auto bytes = blobs.read(seg[2], 0, static_cast<std::size_t>(*size));
    if (!bytes) return web::error_response(bytes.error());
    HttpResponse r;
    r.content_type = sniff_type(*bytes);
    r.body = std::move(*bytes);
    web::add_security_headers(r, true);
    return r;
  }
  if (seg.size() == 2 && seg[1] == "conflits" && m == "GET") {
    auto j = conflicts_json();
    return j ? web::json_response(*j) : web::error_response(j.error());
  }
  if (seg.size() == 3 && seg[1] == "conflits" && m == "POST") {
    auto body = web::json_body(request);
    if (!body) return web::error_response(body.error());
    const Json* keep = body->find("garder");
    if (keep == nullptr || keep->kind() != Json::Kind::kString || (keep->as_string() != "mine" && keep->as_string() != "theirs")) {
      return web::error_response(Status::invalid_argument("outils.tablet_app.garder"));
    }
    auto value = resolve_conflict(replica_, seg[2], keep->as_string() == "mine");
    if (!value) return web::error_response(value.error());
    monitor_.request();
    return web::json_response(Json::object().set("id", seg[2]).set("valeur", core::value_json(*value)));
  }
  return web::error_response(404, "not_found", core::Message("outils.office_app.point_acces_inconnu"));
}

std::size_t TabletApp::body_limit(const sync::RequestHead& head) {
  // POST /api/inspections/<id>/photo
  const auto target = web::parse_target(head.target);
  const bool photo = head.method == "POST" && target && target->segments.size() == 4 &&
                     target->segments[0] == "api" && target->segments[1] == "inspections" &&
                     target->segments[3] == "photo";
  return photo ? kPhotoBodyBytes : kFormBodyBytes;
}

HttpResponse TabletApp::inspection_api(const HttpRequest& request, const web::Target& target) {
  const auto& seg = target.segments;
  const std::string& id = seg[2];
  const std::string& m = request.method;
  storage::Capture capture(replica_);
  const std::string action = seg.size() == 4 ? seg[3] : "";
  if (seg.size() > 4)
    return web::error_response(404, "not_found", core::Message("outils.office_app.point_acces_inconnu"));
  Status done = Status::ok_status();
  std::optional<std::string> photo;
  if (action.empty() && m == "GET") {
    // read only
  } else if (action.empty() && m == "PUT") {
    auto body = web::json_body(request);
    if (!body) return web::error_response(body.error());
    auto edits = save_edits(*body);
    if (!edits) return web::error_response(edits.error());
    auto n = capture.set(id, *edits);
    if (!n) done = n.error();
  } else if (action == "supprimer-ligne" && m == "POST") {
    auto body = web::json_body(request);
    if (!body) return web::error_response(body.error());
    const Json* table = body->find("table");
    const Json* position = body->find("position");
    if (table == nullptr || table->kind() != Json::Kind::kString || position == nullptr ||
        position->kind() != Json::Kind::kNumber) {
      return web::error_response(Status::invalid_argument("outils.tablet_app.table_position"));
    }
    const std::string& text = position->number_text();
    const bool integer = !text.empty() && text.size() <= 6 && text.find_first_not_of("0123456789") == std::string::npos;
    if (!integer || std::stoi(text) < 1)
      return web::error_response(Status::invalid_argument("outils.inspection.numero_ligne", {{"numero", text}}));
    done = capture.delete_row(id, table->as_string(), std::stoi(text));
  } else if (action == "photo" && m == "POST") {
    const std::string* key = target.param("cle");
    if (key == nullptr || key->empty() || key->find('=') != std::string::npos) {
      return web::error_response(Status::invalid_argument("outils.tablet_app.cle_photo"));
    }
    if (request.body.empty()) return web::error_response(Status::invalid_argument("outils.tablet_app.photo_vide"));
    auto path = parse_key_path(*key);
    if (!path) return web::error_response(path.error());
    storage::BlobStore blobs(dir_ + "/blobs", kMaxAttachmentBytes, replica_.key());
    auto sha = blobs.put(request.body);
    if (!sha) return web::error_response(sha.error());
    auto tx = storage::Transaction::begin(replica_.db());
    if (!tx) return web::error_response(tx.error());
    if (auto s = replica_.add_blob(**tx, *sha, request.body.size()); !s.ok()) return web::error_response(s);
    if (auto s = (*tx)->commit(); !s.ok()) return web::error_response(s);
    auto n = capture.set(id, {storage::Edit{std::move(*path), *sha}});
    if (!n) done = n.error();
    photo = *sha;
  } else if (action == "cloturer" && m == "POST") {
    done = capture.complete(id);
  } else if (action == "signer" && m == "POST") {
    const std::int64_t now_s = core::SystemClock::instance().now_ms() / 1000;
    auto signer = sync::device_report_signer(sync::DeviceFiles(dir_, replica_.key()), now_s);
    done = signer ? capture.sign(id, *signer) : signer.error();
  } else if (action == "rapport" && m == "GET") {
    auto view = capture.load(id);
    if (!view) return web::error_response(view.error());
    return web::html_response(core::report_html(*view, names_of(replica_), check_signature(dir_, replica_, *view)));
  } else {
    return web::error_response(404, "not_found", core::Message("outils.office_app.point_acces_inconnu"));
  }
  if (!done.ok()) return web::error_response(done);
  if (m != "GET") monitor_.request();
  auto j = inspection_json(id);
  if (!j) return web::error_response(j.error());
  if (photo) j->set("photo", *photo);
  return web::json_response(*j);
}

Result<Json> TabletApp::inspection_json(std::string_view id) {
  storage::Capture capture(replica_);
  auto view = capture.load(id);
  if (!view) return core::fail(view.error());
  Json values = Json::object();
  for (const auto& [key, value] : view->fields) values.set(key, core::value_json(value));
  Json tables = Json::object();
  for (const auto& t : core::inspection_tables()) tables.set(t.key, rows_json(t.columns, view->table(t.key)));
  for (const auto& sec : view->grid->def().sections) {
    for (const auto& item : sec.items) {
      if (item.type == core::ItemType::kTable) tables.set(item.key, rows_json(item.columns, view->table(item.key)));
    }
  }
  return Json::object()
      .set("id", view->id)
      .set("status", std::string(core::inspection_status_name(view->status)))
      .set("status_label", std::string(core::inspection_status_label(view->status)))
      .set("status_libelle_cle", core::inspection_status_key(view->status).str())
      .set("report", core::report_json(*view, names_of(replica_), check_signature(dir_, replica_, *view)))
      .set("form", core::grid_form_json(*view->grid))
      .set("meta", core::inspection_form_json())
      .set("values", std::move(values))
      .set("tables", std::move(tables));
}

Json TabletApp::state_json() {
  const SyncState sync = monitor_.get();
  Json j = Json::object();
  auto node = replica_.node();
  auto pending = replica_.pending_count();
  auto last = replica_.last_sync_ms();
  auto conflicts = replica_.conflicts();
  auto quarantined = replica_.quarantined();
  std::optional<sync::CertificateInfo> certificate;
  if (auto pem = storage::read_file(sync::DeviceFiles(dir_).certificate, 1 << 20)) {
    if (auto info = sync::inspect_certificate(*pem)) certificate = *info;
  }
  j.set("inspector", node ? Json(node->inspector_name) : Json())
      .set("pending", pending ? *pending : std::int64_t{0})
      .set("last_sync", last && *last ? Json(core::iso_timestamp(**last)) : Json())
      .set("conflicts", conflicts ? conflicts->size() : std::size_t{0})
      .set("quarantined", quarantined ? quarantined->size() : std::size_t{0})
      .set("certificate_expires", certificate ? Json(core::iso_timestamp(certificate->not_after * 1000)) : Json())
      .set("sync", Json::object()
                       .set("state", phase_name(sync.phase))
                       .set("message", sync.error.message())
                       .set("erreur", sync.error.ok() ? Json() : web::status_json(sync.error))
                       .set("last_attempt", sync.last_attempt_ms ? Json(core::iso_timestamp(sync.last_attempt_ms)) : Json())
                       .set("repaired", sync.repaired));
  return j;
}

Result<Json> TabletApp::dossiers_json() {
  storage::Capture capture(replica_);
  auto dossiers = capture.dossiers();
  if (!dossiers) return core::fail(dossiers.error());
  auto inspections = capture.list();
  if (!inspections) return core::fail(inspections.error());
  Json arr = Json::array();
  for (const auto& d : *dossiers) {
    Json j = core::dossier_to_json(d);
    Json list = Json::array();
    for (const auto& s : *inspections) {
      if (s.dossier_id != d.id) continue;
      list.push(Json::object()
                    .set("id", s.id)
                    .set("status", std::string(core::inspection_status_name(s.status)))
                    .set("status_label", std::string(core::inspection_status_label(s.status)))
                    .set("status_libelle_cle", core::inspection_status_key(s.status).str())
                    .set("visit_date", s.visit_date ? Json(s.visit_date->iso()) : Json()));
    }
    j.set("inspections", std::move(list));
    arr.push(std::move(j));
  }
  return arr;
}

Result<Json> TabletApp::conflicts_json() {
  auto node = replica_.node();
  if (!node) return core::fail(node.error());
  auto all = replica_.conflicts();
  if (!all) return core::fail(all.error());
  storage::Capture capture(replica_);
  Json arr = Json::array();
  for (const auto& c : *all) {
    const ConflictSides s = sides_of(c, node->inspector_id);
    std::optional<core::InspectionView> view;
    if (c.entity_type == "inspection") {
      if (auto v = capture.load(c.entity_id)) view = std::move(*v);
    }
    auto dossier = capture.dossier(c.scope);
    arr.push(Json::object()
                 .set("id", c.id)
                 .set("dossier", c.scope)
                 .set("dossier_name", dossier ? Json(dossier->name) : Json())
                 .set("field", c.field)
                 .set("label", core::field_label(view ? &*view : nullptr, c.field))
                 .set("mine", core::value_json(*s.mine))
                 .set("mine_text", core::conflict_value_text(c.field, *s.mine))
                 .set("theirs", core::value_json(*s.theirs))
                 .set("theirs_text", core::conflict_value_text(c.field, *s.theirs))
                 .set("who", s.their_author)
                 .set("when", core::iso_timestamp(s.their_ms))
                 .set("kept", s.kept_mine ? "mine" : "theirs"));
  }
  return arr;
}

}  // namespace carnet::tool
