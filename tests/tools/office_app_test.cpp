// The office web app's handler (tools/central/office_app.cpp) in process over a real SQLite
// central store with two tablets: no session → 401; every API after login; a missing or wrong
// CSRF token → 403 with nothing changed; the office role refused on the admin endpoints;
// security headers on every answer and never a CORS header.
#include "tools/central/office_app.hpp"

#include <gtest/gtest.h>

#include <set>

#include "core/message_json.hpp"
#include "core/report.hpp"
#include "storage/password.hpp"
#include "storage/sha256.hpp"
#include "support/sync_fixture.hpp"

namespace carnet::testing {
namespace {

using core::Json;
using storage::Edit;

constexpr const char* kJeanPassword = "Jean-Zorglub-mot-de-passe";
constexpr const char* kMariePassword = "Marie-Zorglub-mot-de-passe";

struct Signed {
  std::string cookie;  // "carnet_office=…"
  std::string csrf;
};

class OfficeAppTest : public TwoTabletTest {
 protected:
  void SetUp() override {
    TwoTabletTest::SetUp();
    for (const auto& [name, role, password] : {std::tuple{"jean", "office", kJeanPassword},
                                               std::tuple{"marie", "admin", kMariePassword}}) {
      auto h = storage::hash_password(password);
      ASSERT_OK(h);
      ASSERT_OK(world_.central().staff.add_user({name, role, *h, 0, std::nullopt}));
    }
    central::OfficeAppOptions options;
    options.ca_cert_pem = world_.ca().cert_pem;
    options.central_url = "https://carnet.example:8443";
    app_ = std::make_unique<central::OfficeApp>(world_.central(), options);
  }

  sync::HttpResponse call(const std::string& method, const std::string& target,
                          const std::optional<Json>& body = std::nullopt,
                          const Signed* as = nullptr,
                          std::optional<std::string> csrf = std::nullopt) {
    sync::HttpRequest r;
    r.method = method;
    r.target = target;
    r.remote_address = "192.0.2.7";
    r.headers["host"] = "carnet.example:8443";
    if (body) {
      r.body = body->dump();
      r.headers["content-type"] = "application/json";
    }
    if (as != nullptr) {
      r.headers["cookie"] = as->cookie;
      if (!csrf) csrf = as->csrf;
    }
    if (csrf && !csrf->empty()) r.headers["x-csrf-token"] = *csrf;
    return app_->handle(r);
  }
  static std::string header(const sync::HttpResponse& r, std::string_view name) {
    for (const auto& [n, v] : r.headers) {
      if (n == name) return v;
    }
    return "";
  }
  static Json json(const sync::HttpResponse& r) {
    auto j = Json::parse(r.body);
    EXPECT_OK(j);
    return j ? *j : Json();
  }
  Signed login(const std::string& name, const std::string& password) {
    auto r = call("POST", "/bureau/api/connexion",
                  Json::object().set("nom", name).set("mot_de_passe", password));
    EXPECT_EQ(r.status, 200) << r.body;
    const std::string cookie = header(r, "Set-Cookie");
    EXPECT_NE(cookie.find("Secure; HttpOnly; SameSite=Strict"), std::string::npos);
    const Json j = json(r);
    const Json* csrf = j.find("csrf");
    return {cookie.substr(0, cookie.find(';')), csrf ? csrf->as_string() : ""};
  }

  // An inspection both tablets hold, a conflict on batiments.nb_wc (a kept 2, b's 3 set
  // aside, or the reverse) and a malformed change quarantined (its version below its base's).
  std::string make_conflict_and_quarantine() {
    auto id = a().capture().start("d1", std::nullopt, core::Date::parse("2025-03-10").value());
    EXPECT_OK(id);
    EXPECT_OK(a().sync());
    EXPECT_OK(b().sync());
    EXPECT_OK(a().capture().set(*id, {Edit::answer("batiments.nb_wc", "2")}));
    EXPECT_OK(b().capture().set(*id, {Edit::answer("batiments.nb_wc", "3")}));
    EXPECT_OK(b().sync());
    EXPECT_OK(a().sync());
    EXPECT_OK(a().capture().set(*id, {Edit::answer("batiments.nb_douches", "4")}));
    EXPECT_OK(a().sync(false));
    EXPECT_OK(a().capture().set(*id, {Edit::answer("batiments.nb_douches", "5")}));
    EXPECT_OK(a().replica->db().exec("UPDATE outbox SET hlc = base_hlc - 1 WHERE field = 'batiments.nb_douches'"));
    EXPECT_OK(a().sync(false));
    return id.value_or("");
  }
  std::size_t open_conflicts() { return world_.central().conflicts.list(true).value().size(); }
  std::size_t open_quarantine() { return world_.central().conflicts.quarantine(true).value().size(); }
  std::size_t assignments() { return world_.central().catalogue.assignments().value().size(); }

  std::unique_ptr<central::OfficeApp> app_;
};

TEST_F(OfficeAppTest, WithoutASessionEveryApiIs401AndTheReportPageSendsToLogin) {
  for (const auto& [method, target] :
       std::vector<std::pair<std::string, std::string>>{{"GET", "/bureau/api/session"},
                                                        {"GET", "/bureau/api/apercu"},
                                                        {"GET", "/bureau/api/inspections"},
                                                        {"GET", "/bureau/api/conflits"},
                                                        {"GET", "/bureau/api/quarantaine"},
                                                        {"GET", "/bureau/api/dossiers"},
                                                        {"GET", "/bureau/api/journal"},
                                                        {"GET", "/bureau/api/appareils"},
                                                        {"POST", "/bureau/api/deconnexion"},
                                                        {"POST", "/bureau/api/conflits/x"},
                                                        {"POST", "/bureau/api/affectations"},
                                                        {"POST", "/bureau/api/enrolements"}}) {
    auto r =
        call(method, target, method == "POST" ? std::optional<Json>(Json::object()) : std::nullopt);
    EXPECT_EQ(r.status, 401) << method << " " << target;
    EXPECT_NE(json(r).dump().find("veuillez vous connecter"), std::string::npos);
  }
  auto page = call("GET", "/bureau/rapport/abc");
  EXPECT_EQ(page.status, 303);
  EXPECT_EQ(header(page, "Location"), "/bureau/#/connexion");
  // A made-up cookie is no session.
  Signed fake{"carnet_office=" + std::string(64, 'a'), "x"};
  EXPECT_EQ(call("GET", "/bureau/api/apercu", std::nullopt, &fake).status, 401);
}

TEST_F(OfficeAppTest, TheOfficeSignsInAndUsesEveryScreen) {
  const std::string inspection = make_conflict_and_quarantine();
  ASSERT_EQ(open_conflicts(), 1u);
  ASSERT_EQ(open_quarantine(), 1u);
  const Signed jean = login("jean", kJeanPassword);

  auto session = json(call("GET", "/bureau/api/session", std::nullopt, &jean));
  EXPECT_EQ(session.find("utilisateur")->as_string(), "jean");
  EXPECT_EQ(session.find("csrf")->as_string(), jean.csrf);

  auto overview = json(call("GET", "/bureau/api/apercu", std::nullopt, &jean));
  EXPECT_EQ(overview.find("conflits_ouverts")->number_text(), "1");
  EXPECT_EQ(overview.find("quarantaine_ouverte")->number_text(), "1");
  EXPECT_EQ(overview.find("appareils")->as_array().size(), 2u);
  EXPECT_NE(overview.dump().find("\"in_progress\""), std::string::npos);

  auto list = json(call("GET", "/bureau/api/inspections", std::nullopt, &jean));
  ASSERT_EQ(list.as_array().size(), 1u);
  EXPECT_EQ(list.as_array()[0].find("id")->as_string(), inspection);
  EXPECT_EQ(list.as_array()[0].find("dossier_name")->as_string(), "Maison d1");

  // The report page: HTML, its style allowed by hash, the export audited under jean's name.
  auto page = call("GET", "/bureau/rapport/" + inspection, std::nullopt, &jean);
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("Maison d1"), std::string::npos);
  EXPECT_NE(header(page, "Content-Security-Policy").find(web::csp_hash(core::report_style())),
            std::string::npos);
  auto audit = world_.central().audit.entries(1);
  ASSERT_OK(audit);
  EXPECT_EQ(audit->back().kind, "report_export");
  EXPECT_EQ(audit->back().actor, "jean");
  EXPECT_EQ(audit->back().subject, inspection);
  EXPECT_EQ(call("GET", "/bureau/rapport/inconnue", std::nullopt, &jean).status, 404);

  // Conflicts: both sides; resolved with the value set aside, by jean.
  auto conflicts = json(call("GET", "/bureau/api/conflits", std::nullopt, &jean));
  ASSERT_EQ(conflicts.as_array().size(), 1u);
  const Json& c = conflicts.as_array()[0];
  const std::string conflict = c.find("id")->as_string();
  const std::string loser = c.find("loser_text")->as_string();
  EXPECT_NE(c.find("winner_text")->as_string(), loser);
  EXPECT_FALSE(c.find("label")->as_string().empty());
  auto resolved = call("POST", "/bureau/api/conflits/" + conflict,
                       Json::object().set("garder", "ecartee"), &jean);
  EXPECT_EQ(resolved.status, 200) << resolved.body;
  EXPECT_EQ(open_conflicts(), 0u);
  EXPECT_EQ(world_.central().conflicts.find(conflict).value()->resolved_by, "jean");
  EXPECT_EQ(world_.central().catalogue.inspection(inspection)->field("batiments.nb_wc").display(),
            loser);
  EXPECT_EQ(call("POST", "/bureau/api/conflits/" + conflict,
                 Json::object().set("garder", "retenue"), &jean)
                .status,
            409);
  ASSERT_OK(a().sync());
  ASSERT_OK(b().sync());
  EXPECT_EQ(a().capture().load(inspection)->field("batiments.nb_wc").display(), loser);
  EXPECT_EQ(b().capture().load(inspection)->field("batiments.nb_wc").display(), loser);

  // Quarantine: the French reason; applied by jean.
  auto quarantined = json(call("GET", "/bureau/api/quarantaine", std::nullopt, &jean));
  ASSERT_EQ(quarantined.as_array().size(), 1u);
  const Json& q = quarantined.as_array()[0];
  EXPECT_NE(q.find("reason")->as_string().find("mal formé"), std::string::npos) << q.dump();
  // ...and the same reason as a message for the page to show in the reader's language.
  ASSERT_NE(q.find("raison"), nullptr) << q.dump();
  ASSERT_NE(q.find("raison")->find("cle"), nullptr) << q.dump();
  EXPECT_EQ(q.find("raison")->find("cle")->as_string(), "stockage.central_sqlite.version_sous_base") << q.dump();
  auto raison = core::message_from_json(*q.find("raison"));
  ASSERT_TRUE(raison.has_value()) << q.dump();
  EXPECT_EQ(raison->render(), q.find("reason")->as_string());
  const std::string qid = q.find("id")->number_text();
  EXPECT_EQ(call("POST", "/bureau/api/quarantaine/" + qid, Json::object().set("decision", "garder"),
                 &jean)
                .status,
            400);
  auto reviewed = call("POST", "/bureau/api/quarantaine/" + qid,
                       Json::object().set("decision", "appliquer"), &jean);
  EXPECT_EQ(reviewed.status, 200) << reviewed.body;
  EXPECT_EQ(json(reviewed).find("reviewed_by")->as_string(), "jean");
  EXPECT_EQ(open_quarantine(), 0u);

  // Dossiers and assignments.
  auto dossiers = json(call("GET", "/bureau/api/dossiers", std::nullopt, &jean));
  EXPECT_EQ(dossiers.find("dossiers")->as_array()[0].find("inspecteurs")->as_array().size(), 2u);
  EXPECT_EQ(dossiers.find("inspecteurs")->as_array().size(), 2u);
  const Json off =
      Json::object().set("dossier", "d1").set("inspecteur", "second").set("affecter", false);
  EXPECT_EQ(call("POST", "/bureau/api/affectations", off, &jean).status, 200);
  EXPECT_EQ(assignments(), 1u);
  const Json on =
      Json::object().set("dossier", "d1").set("inspecteur", "second").set("affecter", true);
  EXPECT_EQ(call("POST", "/bureau/api/affectations", on, &jean).status, 200);
  EXPECT_EQ(assignments(), 2u);
  // Both changes are audited under the clerk's name, not the store's default actor.
  auto assigned = world_.central().audit.entries(2);
  ASSERT_OK(assigned);
  ASSERT_EQ(assigned->size(), 2u);
  EXPECT_EQ((*assigned)[0].kind, "unassignment");
  EXPECT_EQ((*assigned)[1].kind, "assignment");
  EXPECT_EQ((*assigned)[0].actor, "jean");
  EXPECT_EQ((*assigned)[1].actor, "jean");

  // The audit log and its verification.
  auto journal = json(call("GET", "/bureau/api/journal?limite=5", std::nullopt, &jean));
  EXPECT_EQ(journal.find("entrees")->as_array().size(), 5u);
  EXPECT_TRUE(journal.find("verification")->find("ok")->as_bool());
  EXPECT_EQ(call("GET", "/bureau/api/journal?limite=0", std::nullopt, &jean).status, 400);

  // Logout ends the session.
  auto out = call("POST", "/bureau/api/deconnexion", Json::object(), &jean);
  EXPECT_EQ(out.status, 200);
  EXPECT_NE(header(out, "Set-Cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(call("GET", "/bureau/api/apercu", std::nullopt, &jean).status, 401);
}

TEST_F(OfficeAppTest, AMissingOrWrongCsrfTokenIsRefusedAndChangesNothing) {
  const std::string inspection = make_conflict_and_quarantine();
  const Signed jean = login("jean", kJeanPassword);
  const Signed marie = login("marie", kMariePassword);
  const std::string conflict = world_.central().conflicts.list(true).value().front().record.id;
  const std::string qid = std::to_string(world_.central().conflicts.quarantine(true).value().front().id);
  const std::string device = world_.central().devices.list().value().front().id.to_string();
  const std::size_t audit_before = world_.central().audit.entries(0).value().size();
  for (const std::string& csrf : {std::string(), std::string("faux"), marie.csrf}) {
    for (const auto& [target, body] : std::vector<std::pair<std::string, Json>>{
             {"/bureau/api/conflits/" + conflict, Json::object().set("garder", "ecartee")},
             {"/bureau/api/quarantaine/" + qid, Json::object().set("decision", "rejeter")},
             {"/bureau/api/affectations",
              Json::object().set("dossier", "d1").set("inspecteur", "lead").set("affecter", false)},
             {"/bureau/api/deconnexion", Json::object()}}) {
      // The session's cookie, with no token header or another one.
      sync::HttpRequest req;
      req.method = "POST";
      req.target = target;
      req.body = body.dump();
      req.headers["content-type"] = "application/json";
      req.headers["cookie"] = jean.cookie;
      if (!csrf.empty()) req.headers["x-csrf-token"] = csrf;
      auto r = app_->handle(req);
      EXPECT_EQ(r.status, 403) << target << " csrf=" << csrf;
      EXPECT_NE(r.body.find("jeton de sécurité"), std::string::npos);
    }
    // Marie's admin endpoints with a wrong token.
    const Signed as{marie.cookie,
                    csrf.empty() ? std::string("faux") : (csrf == marie.csrf ? jean.csrf : csrf)};
    EXPECT_EQ(
        call("POST", "/bureau/api/appareils/" + device + "/revoquer", Json::object(), &as).status,
        403);
    EXPECT_EQ(call("POST", "/bureau/api/enrolements", Json::object().set("inspecteur", "lead"), &as)
                  .status,
              403);
  }
  EXPECT_EQ(open_conflicts(), 1u);
  EXPECT_EQ(open_quarantine(), 1u);
  EXPECT_EQ(assignments(), 2u);
  EXPECT_FALSE(world_.central().devices.list().value().front().revoked_ms.has_value());
  EXPECT_EQ(world_.central().audit.entries(0).value().size(), audit_before);
  EXPECT_EQ(call("GET", "/bureau/api/apercu", std::nullopt, &jean).status, 200);  // still signed in
  EXPECT_FALSE(inspection.empty());
}

TEST_F(OfficeAppTest, TheOfficeRoleIsRefusedTheAdminEndpointsAndAdminDoesEverything) {
  make_conflict_and_quarantine();
  const Signed jean = login("jean", kJeanPassword);
  const std::string device = world_.central().devices.list().value().front().id.to_string();
  for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/bureau/api/appareils"},
           {"POST", "/bureau/api/appareils/" + device + "/revoquer"},
           {"POST", "/bureau/api/enrolements"}}) {
    auto r = call(method, target,
                  method == "POST" ? std::optional<Json>(Json::object().set("inspecteur", "lead"))
                                   : std::nullopt,
                  &jean);
    EXPECT_EQ(r.status, 403) << target;
    EXPECT_NE(r.body.find("administrateurs"), std::string::npos);
  }
  EXPECT_FALSE(world_.central().devices.list().value().front().revoked_ms.has_value());

  const Signed marie = login("marie", kMariePassword);
  EXPECT_EQ(call("GET", "/bureau/api/apercu", std::nullopt, &marie).status, 200);
  EXPECT_EQ(call("GET", "/bureau/api/conflits", std::nullopt, &marie).status, 200);
  auto devices = json(call("GET", "/bureau/api/appareils", std::nullopt, &marie));
  ASSERT_EQ(devices.find("appareils")->as_array().size(), 2u);
  EXPECT_FALSE(
      devices.find("appareils")->as_array()[0].find("certificate_expires")->as_string().empty());

  auto enrolled =
      call("POST", "/bureau/api/enrolements", Json::object().set("inspecteur", "lead"), &marie);
  ASSERT_EQ(enrolled.status, 201) << enrolled.body;
  const Json e = json(enrolled);
  const std::string code = e.find("code")->as_string();
  EXPECT_EQ(code.size(), 14u);
  EXPECT_OK(world_.central().devices.check_enrollment_code(storage::sha256_hex(code), 0));
  EXPECT_TRUE(e.find("lien")->as_string().starts_with(
      "carnet://enroll?central=https%3A%2F%2Fcarnet.example%3A8443&code=" + code + "&ca="));
  EXPECT_TRUE(e.find("qr_svg")->as_string().starts_with("<svg"));
  EXPECT_EQ(
      call("POST", "/bureau/api/enrolements", Json::object().set("inspecteur", "personne"), &marie)
          .status,
      404);

  EXPECT_EQ(
      call("POST", "/bureau/api/appareils/" + device + "/revoquer", Json::object(), &marie).status,
      200);
  EXPECT_TRUE(world_.central().devices.list().value().front().revoked_ms.has_value());
  // The enrollment code and the revocation are audited under the administrator's name.
  auto audited = world_.central().audit.entries(0);
  ASSERT_OK(audited);
  std::set<std::string> marie_did;
  for (const auto& entry : *audited) {
    if (entry.actor == "marie") marie_did.insert(entry.kind);
  }
  EXPECT_TRUE(marie_did.contains("enrollment_code")) << "enrollment code";
  EXPECT_TRUE(marie_did.contains("revocation")) << "revocation";
  // Outside the app the store's own actor is used again.
  ASSERT_OK(world_.central().catalogue.unassign("d1", "lead"));
  ASSERT_OK(world_.central().catalogue.assign("d1", "lead"));
  const auto last = world_.central().audit.entries(1).value().back();
  EXPECT_EQ(last.kind, "assignment");
  EXPECT_NE(last.actor, "marie");
}

TEST_F(OfficeAppTest, WrongPasswordsGetOneFrenchMessageAndTheSixthAttemptIsPaused) {
  for (int i = 0; i < 5; ++i) {
    auto r = call("POST", "/bureau/api/connexion",
                  Json::object().set("nom", "jean").set("mot_de_passe", "mauvais"));
    EXPECT_EQ(r.status, 401);
    EXPECT_NE(r.body.find("nom d'utilisateur ou mot de passe incorrect"), std::string::npos);
  }
  auto r = call("POST", "/bureau/api/connexion",
                Json::object().set("nom", "jean").set("mot_de_passe", kJeanPassword));
  EXPECT_EQ(r.status, 429);
  EXPECT_NE(r.body.find("trop de tentatives"), std::string::npos);
  EXPECT_EQ(header(r, "Set-Cookie"), "");
}

TEST_F(OfficeAppTest, EveryAnswerCarriesTheSecurityHeadersAndNoCorsHeader) {
  const std::string inspection = make_conflict_and_quarantine();
  const Signed jean = login("jean", kJeanPassword);
  EXPECT_EQ(call("GET", "/").status, 303);
  EXPECT_FALSE(central::OfficeApp::serves("/v1/sync"));
  EXPECT_FALSE(central::OfficeApp::serves("/bureaux"));
  EXPECT_TRUE(central::OfficeApp::serves("/bureau/api/apercu?x=1"));
  EXPECT_EQ(call("GET", "/favicon.ico").status, 204);
  for (const std::string& target :
       {std::string("/bureau/"), std::string("/bureau/office/app.js"),
        std::string("/bureau/common/carnet.css"), std::string("/bureau/messages/fr.json"),
        std::string("/bureau/api/apercu"), std::string("/bureau/api/session"),
        std::string("/bureau/rapport/") + inspection, std::string("/bureau/inconnu"),
        std::string("/"), std::string("/favicon.ico")}) {
    for (const Signed* as : {static_cast<const Signed*>(nullptr), &jean}) {
      auto r = call("GET", target, std::nullopt, as);
      const std::string csp = header(r, "Content-Security-Policy");
      EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << target;
      EXPECT_NE(csp.find("frame-ancestors 'self'"), std::string::npos) << target;
      EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << target;
      EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff") << target;
      EXPECT_EQ(header(r, "Referrer-Policy"), "no-referrer") << target;
      for (const auto& [name, value] : r.headers)
        EXPECT_FALSE(name.starts_with("Access-Control-")) << target << " " << name;
      if (target.find("/api/") != std::string::npos) {
        EXPECT_EQ(header(r, "Cache-Control"), "no-store") << target;
      }
    }
  }
  // A preflight gets no CORS answer either.
  sync::HttpRequest options;
  options.method = "OPTIONS";
  options.target = "/bureau/api/apercu";
  options.headers["origin"] = "https://ailleurs.example";
  auto r = app_->handle(options);
  EXPECT_NE(r.status, 200);
  for (const auto& [name, value] : r.headers)
    EXPECT_FALSE(name.starts_with("Access-Control-")) << name;
}

}  // namespace
}  // namespace carnet::testing
