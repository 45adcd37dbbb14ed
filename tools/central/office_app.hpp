// OfficeApp: the central office's web app, served by `carnet-central serve` beside the sync
// protocol — its page (/bureau/), its assets, the report pages and its JSON API. Requests for
// "/" and "/bureau/…" come here (OfficeApp::serves), everything else to the CentralService.
//
//   GET  /                              → 303 /bureau/
//   GET  /favicon.ico                   204 (no icon; browsers ask on every page)
//   GET  /bureau/                       the single-page app (assets/office/index.html)
//   GET  /bureau/{common,office,messages}/FILE   its assets
//   GET  /bureau/rapport/ID             the report page (core::report_html), audited as an export
//
// The API, under /bureau/api/ (JSON; errors {"erreur": {code, message, cle, params, contexte}}, see web_http.hpp):
//
//   POST connexion {nom, mot_de_passe}  → {utilisateur, role, csrf} and the session cookie
//   GET  session                        → {utilisateur, role, csrf}
//   POST deconnexion                    ends the session, clears the cookie
//   GET  apercu                         inspections by status, devices' last sync, open
//                                       conflicts and quarantined changes (counts)
//   GET  inspections                    dossier, grid, status, visit date, inspector
//   GET  conflits                       open conflicts, both sides (value, who, when)
//   POST conflits/ID {garder: "retenue"|"ecartee"}   resolves with that side's value
//   GET  quarantaine                    open quarantined changes, with their French reason
//   POST quarantaine/ID {decision: "rejeter"|"appliquer"}
//   GET  dossiers                       dossiers with their assigned inspectors, and inspectors
//   POST affectations {dossier, inspecteur, affecter: true|false}
//   GET  journal?limite=N               the last N audit entries and the chain's verification
//   GET  appareils                      (admin) devices: last sync, certificate expiry, revoked
//   POST appareils/ID/revoquer          (admin)
//   POST enrolements {inspecteur, minutes?}  (admin) → code, expiry, CA fingerprint, link, QR (SVG)
//
// Every request but login needs the session cookie (401 otherwise); every state-changing one
// its CSRF token in X-CSRF-Token (403 otherwise, nothing done); "office" may not use the
// admin endpoints (403); "admin" may use everything. The office's decisions are recorded in
// the store with the staff user's name. Every answer carries the security headers of
// web::add_security_headers and no CORS header.
//
// Thread safety: handle() may be called from the server's threads at once (the store and
// OfficeAuth serialise their own state).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "storage/central/central.hpp"
#include "tools/central/office_auth.hpp"
#include "tools/web/web_http.hpp"

namespace carnet::central {

struct OfficeAppOptions {
  std::string ca_cert_pem;  // the central CA: enrollment codes' fingerprint, report signatures
  // The central node's address in enrollment links; empty: https:// and the request's Host.
  std::string central_url;
  std::function<std::int64_t()> now_ms;  // default: the system clock
  OfficeAuthOptions auth;
};

class OfficeApp {
 public:
  // `store` must outlive this object.
  OfficeApp(storage::Central& store, OfficeAppOptions options);

  // Whether the request target is the office app's ("/", "/favicon.ico", "/bureau", "/bureau/…").
  static bool serves(std::string_view target);
  // The body a request to the office app may send (ServerOptions::body_limit): a login
  // kLoginBodyBytes, anything else sync::kSmallBodyBytes (every form of the app is far
  // smaller).
  static constexpr std::size_t kLoginBodyBytes = 4u << 10;
  static std::size_t body_limit(const sync::RequestHead& head);

  web::HttpResponse handle(const web::HttpRequest& request);

 private:
  web::HttpResponse api(const web::HttpRequest& request, const web::Target& target);
  // The API once the session, its CSRF token and its role are checked.
  web::HttpResponse signed_in_api(const web::HttpRequest& request, const web::Target& target,
                                  const OfficeSession& session);
  web::HttpResponse login(const web::HttpRequest& request);
  web::HttpResponse report_page(const web::HttpRequest& request, const std::string& id);
  web::HttpResponse overview();
  web::HttpResponse inspections();
  web::HttpResponse conflicts();
  web::HttpResponse resolve_conflict(const web::HttpRequest& request, const std::string& id,
                                     const OfficeSession& session);
  web::HttpResponse quarantine();
  web::HttpResponse review_quarantine(const web::HttpRequest& request, const std::string& id,
                                      const OfficeSession& session);
  web::HttpResponse dossiers();
  web::HttpResponse assign(const web::HttpRequest& request);
  web::HttpResponse audit(const web::Target& target);
  web::HttpResponse devices();
  web::HttpResponse revoke(const std::string& id);
  web::HttpResponse enroll(const web::HttpRequest& request);
  std::int64_t now() const;

  storage::Central& store_;
  const OfficeAppOptions options_;
  OfficeAuth auth_;
  const std::string report_style_hash_;
};

}  // namespace carnet::central
