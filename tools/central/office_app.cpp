#include "tools/central/office_app.hpp"

#include <chrono>
#include <map>
#include <set>

#include "core/date.hpp"
#include "core/message_json.hpp"
#include "core/report.hpp"
#include "sync/central_service.hpp"
#include "tools/central/office_actions.hpp"
#include "tools/web/qr_code.hpp"

namespace carnet::central {
namespace {

using web::HttpRequest;
using web::HttpResponse;

constexpr std::string_view kPrefix = "bureau";
constexpr int kEnrollMinutes = 15;
constexpr std::size_t kDefaultAuditEntries = 50;
constexpr std::size_t kMaxAuditEntries = 1000;

std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string_view failure_code(int http_status) {
  switch (http_status) {
    case 401:
      return "unauthenticated";
    case 403:
      return "permission_denied";
    case 429:
      return "too_many_attempts";
    default:
      return "internal";
  }
}

HttpResponse refused(const AuthFailure& f) {
  return web::error_response(f.http_status, failure_code(f.http_status), f.message);
}

const std::string* string_member(const Json& body, std::string_view key) {
  const Json* j = body.find(key);
  return j != nullptr && j->kind() == Json::Kind::kString ? &j->as_string() : nullptr;
}

std::string value_text(const core::Value& v) {
  return v.is_null() ? std::string("—") : v.display();
}

// A Host header fit to be shown in an address: a name or an address and a port.
bool plain_host(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  for (const char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
    if (!ok) return false;
  }
  return true;
}

HttpResponse redirect(std::string location) {
  HttpResponse r;
  r.status = 303;
  r.content_type = "text/plain; charset=utf-8";
  r.headers.emplace_back("Location", std::move(location));
  return r;
}

}  // namespace

OfficeApp::OfficeApp(storage::Central& store, OfficeAppOptions options)
    : store_(store),
      options_(std::move(options)),
      auth_(store.staff, options_.auth),
      report_style_hash_(web::csp_hash(core::report_style())) {}

bool OfficeApp::serves(std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  return path == "/" || path == "/favicon.ico" || path == "/bureau" || path.starts_with("/bureau/");
}

std::size_t OfficeApp::body_limit(const sync::RequestHead& head) {
  const std::string_view path = head.target.substr(0, head.target.find('?'));
  return path == "/bureau/api/connexion" ? kLoginBodyBytes : sync::kSmallBodyBytes;
}

std::int64_t OfficeApp::now() const {
  return options_.now_ms ? options_.now_ms() : system_now_ms();
}

HttpResponse OfficeApp::handle(const HttpRequest& request) {
  auto target = web::parse_target(request.target);
  if (target && target->segments.size() == 1 && target->segments[0] == "favicon.ico") {
    // Browsers ask for it on every page (the report's too): no icon, and no error.
    HttpResponse r;
    r.status = 204;
    r.content_type = "image/x-icon";
    web::add_security_headers(r, false);
    return r;
  }
  if (!target || (!target->segments.empty() && target->segments[0] != kPrefix)) {
    return web::error_response(400, "invalid_argument", core::Message("outils.office_app.adresse_invalide"));
  }
  const auto& seg = target->segments;
  if (seg.size() >= 2 && seg[1] == "api") {
    HttpResponse r;
    try {
      r = api(request, *target);
    } catch (const std::exception&) {
      r = web::error_response(500, "internal", core::Message("outils.office_auth.erreur_interne"));
    }
    return r;
  }
  if (request.method != "GET" && request.method != "HEAD")
    return web::error_response(405, "invalid_argument", core::Message("outils.local_guard.methode_refusee"));
  HttpResponse r;
  if (seg.empty()) {
    r = redirect("/bureau/");
  } else if (seg.size() == 1) {
    r = web::asset_response(web::find_asset("office/index.html"));
  } else if (seg.size() == 3 &&
             (seg[1] == "common" || seg[1] == "office" || seg[1] == "messages")) {
    r = web::asset_response(web::find_asset(seg[1] + "/" + seg[2]));
  } else if (seg.size() == 3 && seg[1] == "rapport") {
    return report_page(request, seg[2]);
  } else {
    r = web::error_response(404, "not_found", core::Message("commun.erreur.page_introuvable"));
  }
  web::add_security_headers(r, false);
  return r;
}

HttpResponse OfficeApp::report_page(const HttpRequest& request, const std::string& id) {
  auto session = auth_.authenticate(request, now());
  HttpResponse r;
  if (!session) {
    r = redirect("/bureau/#/connexion");
  } else if (auto denied = check_role(*session, OfficeArea::kOffice)) {
    r = refused(*denied);
  } else {
    std::string html;
    const Status s =
        export_report(store_, options_.ca_cert_pem, id, session->user, "format=html via=bureau",
                      [&](const core::InspectionView& view, const core::InspectorNames& names,
                          const core::SignatureVerdict& verdict) {
                        html = core::report_html(view, names, verdict);
                        return Status::ok_status();
                      });
    r = s.ok() ? web::html_response(std::move(html)) : web::error_response(s);
  }
  web::add_security_headers(r, true, report_style_hash_);
  return r;
}

HttpResponse OfficeApp::api(const HttpRequest& request, const web::Target& target) {
  const auto& seg = target.segments;
  const std::string& m = request.method;
  if (seg.size() == 3 && seg[2] == "connexion") {
    return m == "POST"
               ? login(request)
               : web::error_response(405, "invalid_argument", core::Message("outils.local_guard.methode_refusee"));
  }
  auto session = auth_.authenticate(request, now());
  if (!session) return refused(session.error());
  if (auto bad = check_csrf(request, *session)) return refused(*bad);
  const OfficeArea area = seg.size() >= 3 && (seg[2] == "appareils" || seg[2] == "enrolements")
                                   ? OfficeArea::kDevices
                                   : OfficeArea::kOffice;
  if (auto denied = check_role(*session, area)) return refused(*denied);

  // What the clerk changes through the store is audited under the clerk's name.
  HttpResponse response;
  store_.audit.acting_as(session->user, [&] {
        response = signed_in_api(request, target, *session);
        return Status::ok_status();
      }).ignore();
  return response;
}

HttpResponse OfficeApp::signed_in_api(const HttpRequest& request, const web::Target& target,
                                      const OfficeSession& session) {
  const auto& seg = target.segments;
  const std::string& m = request.method;
  const std::string what = seg.size() >= 3 ? seg[2] : "";
  if (seg.size() == 3 && what == "session" && m == "GET") {
    return web::json_response(Json::object()
                                  .set("utilisateur", session.user)
                                  .set("role", session.role)
                                  .set("csrf", session.csrf_token));
  }
  if (seg.size() == 3 && what == "deconnexion" && m == "POST") {
    if (auto s = auth_.logout(session); !s.ok()) return web::error_response(s);
    HttpResponse r = web::json_response(Json::object().set("deconnecte", true));
    r.headers.emplace_back("Set-Cookie", cleared_session_cookie());
    return r;
  }
  if (seg.size() == 3 && m == "GET") {
    if (what == "apercu") return overview();
    if (what == "inspections") return inspections();
    if (what == "conflits") return conflicts();
    if (what == "quarantaine") return quarantine();
    if (what == "dossiers") return dossiers();
    if (what == "journal") return audit(target);
    if (what == "appareils") return devices();
  }
  if (seg.size() == 4 && what == "conflits" && m == "POST")
    return resolve_conflict(request, seg[3], session);
  if (seg.size() == 4 && what == "quarantaine" && m == "POST")
    return review_quarantine(request, seg[3], session);
  if (seg.size() == 3 && what == "affectations" && m == "POST") return assign(request);
  if (seg.size() == 5 && what == "appareils" && seg[4] == "revoquer" && m == "POST")
    return revoke(seg[3]);
  if (seg.size() == 3 && what == "enrolements" && m == "POST") return enroll(request);
  return web::error_response(404, "not_found", core::Message("outils.office_app.point_acces_inconnu"));
}

HttpResponse OfficeApp::login(const HttpRequest& request) {
  auto body = web::json_body(request);
  if (!body) return web::error_response(body.error());
  const std::string* name = string_member(*body, "nom");
  const std::string* password = string_member(*body, "mot_de_passe");
  if (name == nullptr || password == nullptr) {
    return web::error_response(
        Status::invalid_argument("outils.office_app.nom_mot_de_passe"));
  }
  auto l = auth_.login(*name, *password, request.remote_address, now());
  if (!l) return refused(l.error());
  HttpResponse r = web::json_response(
      Json::object().set("utilisateur", l->user).set("role", l->role).set("csrf", l->csrf_token));
  r.headers.emplace_back("Set-Cookie", session_cookie(l->token));
  return r;
}

HttpResponse OfficeApp::overview() {
  auto counts = store_.catalogue.inspection_counts();
  if (!counts) return web::error_response(counts.error());
  auto totals = store_.catalogue.totals();
  if (!totals) return web::error_response(totals.error());
  auto devices = store_.devices.list();
  if (!devices) return web::error_response(devices.error());
  const auto names = names_of(store_);
  Json statuses = Json::array();
  for (const auto& [status, n] : *counts) {
    statuses.push(Json::object()
                      .set("status", std::string(core::inspection_status_name(status)))
                      .set("label", std::string(core::inspection_status_label(status)))
                      .set("libelle_cle", core::inspection_status_key(status).str())
                      .set("n", n));
  }
  Json devs = Json::array();
  for (const auto& d : *devices)
    devs.push(device_json(d).set("inspector_name", names(d.inspector_id)));
  return web::json_response(Json::object()
                                .set("inspections", std::move(statuses))
                                .set("appareils", std::move(devs))
                                .set("conflits_ouverts", totals->conflicts_open)
                                .set("quarantaine_ouverte", totals->quarantine_open));
}

HttpResponse OfficeApp::inspections() {
  auto list = store_.catalogue.inspections();
  if (!list) return web::error_response(list.error());
  const auto names = names_of(store_);
  Json arr = Json::array();
  for (const auto& s : *list) {
    arr.push(inspection_listing_json(s)
                 .set("status_label", std::string(core::inspection_status_label(s.status)))
                 .set("status_libelle_cle", core::inspection_status_key(s.status).str())
                 .set("inspector_name", names(s.inspector_id)));
  }
  return web::json_response(arr);
}

HttpResponse OfficeApp::conflicts() {
  auto all = store_.conflicts.list(true);
  if (!all) return web::error_response(all.error());
  auto dossiers = store_.catalogue.dossiers();
  if (!dossiers) return web::error_response(dossiers.error());
  std::map<std::string, std::string> dossier_names;
  for (const auto& d : *dossiers) dossier_names[d.id] = d.name;
  const auto names = names_of(store_);
  Json arr = Json::array();
  for (const auto& c : *all) {
    std::optional<core::InspectionView> view;
    if (c.record.entity_type == "inspection") {
      if (auto v = store_.catalogue.inspection(c.record.entity_id)) view = std::move(*v);
    }
    Json j = conflict_json(c);
    j.set("label", core::field_label(view ? &*view : nullptr, c.record.field))
        .set("dossier_name", dossier_names[c.record.scope])
        .set("winner_text", core::conflict_value_text(c.record.field, c.record.winner_value))
        .set("winner_name", names(c.record.winner_author))
        .set("loser_text", core::conflict_value_text(c.record.field, c.record.loser_value))
        .set("loser_name", names(c.record.loser_author));
    arr.push(std::move(j));
  }
  return web::json_response(arr);
}

HttpResponse OfficeApp::resolve_conflict(const HttpRequest& request, const std::string& id,
                                         const OfficeSession& session) {
  auto body = web::json_body(request);
  if (!body) return web::error_response(body.error());
  const std::string* keep = string_member(*body, "garder");
  if (keep == nullptr || (*keep != "retenue" && *keep != "ecartee")) {
    return web::error_response(Status::invalid_argument("outils.office_app.garder"));
  }
  auto c = store_.conflicts.find(id);
  if (!c) return web::error_response(c.error());
  if (!*c) return web::error_response(Status::not_found("outils.conflicts.conflit_inconnu", {{"id", id}}));
  if ((*c)->status != "open")
    return web::error_response(Status::failed_precondition("outils.office_app.conflit_resolu"));
  const core::Value& value =
      *keep == "retenue" ? (*c)->record.winner_value : (*c)->record.loser_value;
  if (auto s = store_.conflicts.resolve(id, value, session.user); !s.ok())
    return web::error_response(s);
  return web::json_response(Json::object()
                                .set("id", id)
                                .set("valeur", core::value_json(value))
                                .set("texte", value_text(value)));
}

HttpResponse OfficeApp::quarantine() {
  auto all = store_.conflicts.quarantine(true);
  if (!all) return web::error_response(all.error());
  const auto names = names_of(store_);
  Json arr = Json::array();
  for (const auto& q : *all) {
    arr.push(quarantine_json(q)
                 .set("value_text", value_text(q.change.value))
                 .set("inspector_name", names(q.inspector_id)));
  }
  return web::json_response(arr);
}

HttpResponse OfficeApp::review_quarantine(const HttpRequest& request, const std::string& id,
                                          const OfficeSession& session) {
  auto body = web::json_body(request);
  if (!body) return web::error_response(body.error());
  const std::string* name = string_member(*body, "decision");
  const auto decision = name ? storage::parse_quarantine_decision(*name) : std::nullopt;
  if (!decision)
    return web::error_response(Status::invalid_argument("outils.office_app.decision"));
  if (id.empty() || id.size() > 18 || id.find_first_not_of("0123456789") != std::string::npos) {
    return web::error_response(Status::invalid_argument("outils.office_app.numero_changement", {{"id", id}}));
  }
  const std::int64_t n = std::stoll(id);
  if (auto s = store_.conflicts.review_quarantine(n, *decision, session.user); !s.ok())
    return web::error_response(s);
  auto q = store_.conflicts.quarantined(n);
  if (!q) return web::error_response(q.error());
  if (!*q)
    return web::error_response(Status::not_found("outils.office_app.quarantaine_inconnue", {{"id", id}}));
  return web::json_response(quarantine_json(**q));
}

HttpResponse OfficeApp::dossiers() {
  auto all = store_.catalogue.dossiers();
  if (!all) return web::error_response(all.error());
  auto assigned = store_.catalogue.assignments();
  if (!assigned) return web::error_response(assigned.error());
  auto inspectors = store_.catalogue.inspectors();
  if (!inspectors) return web::error_response(inspectors.error());
  const auto names = names_of(store_);
  Json arr = Json::array();
  for (const auto& d : *all) {
    Json who = Json::array();
    for (const auto& [dossier, inspector] : *assigned) {
      if (dossier == d.id)
        who.push(Json::object().set("id", inspector).set("name", names(inspector)));
    }
    arr.push(Json::object()
                 .set("id", d.id)
                 .set("name", d.name)
                 .set("reference", d.reference)
                 .set("kind", d.kind)
                 .set("inspecteurs", std::move(who)));
  }
  Json people = Json::array();
  for (const auto& i : *inspectors) people.push(Json::object().set("id", i.id).set("name", i.name));
  return web::json_response(
      Json::object().set("dossiers", std::move(arr)).set("inspecteurs", std::move(people)));
}

HttpResponse OfficeApp::assign(const HttpRequest& request) {
  auto body = web::json_body(request);
  if (!body) return web::error_response(body.error());
  const std::string* dossier = string_member(*body, "dossier");
  const std::string* inspector = string_member(*body, "inspecteur");
  const Json* on = body->find("affecter");
  if (dossier == nullptr || inspector == nullptr || on == nullptr ||
      on->kind() != Json::Kind::kBool) {
    return web::error_response(
        Status::invalid_argument("outils.office_app.affectation"));
  }
  const Status s =
      on->as_bool() ? store_.catalogue.assign(*dossier, *inspector) : store_.catalogue.unassign(*dossier, *inspector);
  if (!s.ok()) return web::error_response(s);
  return web::json_response(Json::object()
                                .set("dossier", *dossier)
                                .set("inspecteur", *inspector)
                                .set("affecte", on->as_bool()));
}

HttpResponse OfficeApp::audit(const web::Target& target) {
  std::size_t limit = kDefaultAuditEntries;
  if (const std::string* text = target.param("limite")) {
    if (text->empty() || text->size() > 4 ||
        text->find_first_not_of("0123456789") != std::string::npos || std::stoul(*text) < 1 ||
        std::stoul(*text) > kMaxAuditEntries) {
      return web::error_response(
          Status::invalid_argument("outils.office_app.limite"));
    }
    limit = std::stoul(*text);
  }
  auto entries = store_.audit.entries(limit);
  if (!entries) return web::error_response(entries.error());
  auto check = store_.audit.verify();
  if (!check) return web::error_response(check.error());
  Json arr = Json::array();
  for (auto it = entries->rbegin(); it != entries->rend(); ++it)
    arr.push(audit_entry_json(*it));  // newest first
  return web::json_response(
      Json::object()
          .set("entrees", std::move(arr))
          .set("verification",
               Json::object()
                   .set("ok", check->ok)
                   .set("entries", static_cast<std::int64_t>(check->count))
                   .set("head", std::to_string(check->count) + ":" + check->head_hash)
                   .set("problem", check->problem ? core::message_json(*check->problem) : Json())
                   .set("first_bad", static_cast<std::int64_t>(check->first_bad))));
}

HttpResponse OfficeApp::devices() {
  auto all = store_.devices.list();
  if (!all) return web::error_response(all.error());
  auto inspectors = store_.catalogue.inspectors();
  if (!inspectors) return web::error_response(inspectors.error());
  const auto names = names_of(store_);
  Json arr = Json::array();
  for (const auto& d : *all) arr.push(device_json(d).set("inspector_name", names(d.inspector_id)));
  Json people = Json::array();
  for (const auto& i : *inspectors) people.push(Json::object().set("id", i.id).set("name", i.name));
  return web::json_response(
      Json::object().set("appareils", std::move(arr)).set("inspecteurs", std::move(people)));
}

HttpResponse OfficeApp::revoke(const std::string& id_text) {
  auto id = core::Uuid::parse(id_text);
  if (!id)
    return web::error_response(
        Status::invalid_argument("outils.office_app.appareil_invalide", {{"id", id_text}}));
  if (auto s = store_.devices.revoke(*id, now()); !s.ok()) return web::error_response(s);
  return web::json_response(Json::object().set("id", id->to_string()).set("revoked", true));
}

HttpResponse OfficeApp::enroll(const HttpRequest& request) {
  auto body = web::json_body(request);
  if (!body) return web::error_response(body.error());
  const std::string* inspector = string_member(*body, "inspecteur");
  if (inspector == nullptr || inspector->empty())
    return web::error_response(Status::invalid_argument("outils.office_app.inspecteur"));
  int minutes = kEnrollMinutes;
  if (const Json* m = body->find("minutes"); m != nullptr) {
    const std::string text = m->kind() == Json::Kind::kNumber ? m->number_text() : "";
    if (text.empty() || text.size() > 5 ||
        text.find_first_not_of("0123456789") != std::string::npos || std::stoi(text) < 1 ||
        std::stoi(text) > 7 * 24 * 60) {
      return web::error_response(
          Status::invalid_argument("outils.office_app.minutes"));
    }
    minutes = std::stoi(text);
  }
  auto code = issue_enrollment_code(store_, options_.ca_cert_pem, *inspector, minutes, now());
  if (!code) return web::error_response(code.error());
  std::string central = options_.central_url;
  if (central.empty()) {
    auto host = request.headers.find("host");
    central = "https://" + (host != request.headers.end() && plain_host(host->second)
                                ? host->second
                                : std::string("localhost"));
  }
  const std::string link = enrollment_link(central, *code);
  auto qr = web::QrCode::encode(link, web::Ecc::kMedium);
  if (!qr) return web::error_response(qr.error());
  return web::json_response(Json::object()
                                .set("code", code->code)
                                .set("inspecteur", code->inspector)
                                .set("expire", core::iso_timestamp(code->expires_ms))
                                .set("ca_fingerprint", code->ca_fingerprint)
                                .set("lien", link)
                                .set("qr_svg", web::qr_svg(*qr, 4)),
                            201);
}

}  // namespace carnet::central
