#include "tools/web/web_http.hpp"

#include <gtest/gtest.h>

#include "tools/web/assets.hpp"

namespace carnet::web {
namespace {

const std::string* header_of(const HttpResponse& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return &v;
  }
  return nullptr;
}

HttpRequest request(std::string target, std::map<std::string, std::string> headers, std::string method = "GET") {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers = std::move(headers);
  return r;
}

TEST(WebHttp, TargetsAreDecodedAndTraversalRefused) {
  auto t = parse_target("/api/inspections/a%20b/photo?cle=batiments.photos%5B%2B%5D.photo&x=1+2");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->segments, (std::vector<std::string>{"api", "inspections", "a b", "photo"}));
  ASSERT_NE(t->param("cle"), nullptr);
  EXPECT_EQ(*t->param("cle"), "batiments.photos[+].photo");
  EXPECT_EQ(*t->param("x"), "1 2");
  EXPECT_EQ(t->param("y"), nullptr);
  for (const char* bad : {"", "api", "/../etc/passwd", "/a/%2e%2e/b", "/a/%2Fb", "/a%zz", "/a%0", "/a%00b", "/x?a=%"}) {
    EXPECT_FALSE(parse_target(bad)) << bad;
  }
}

TEST(WebHttp, FormsAndCookies) {
  auto f = parse_form("nom=Mme+Dubois&mot=%C3%A9t%C3%A9&vide=&nom=Dupont");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->at("nom"), "Dupont");
  EXPECT_EQ(f->at("mot"), "été");
  EXPECT_EQ(f->at("vide"), "");
  EXPECT_FALSE(parse_form("a=%G1"));
  const auto r = request("/", {{"cookie", "a=1; carnet_office=TOKEN; b=2"}});
  EXPECT_EQ(cookie(r, "carnet_office"), "TOKEN");
  EXPECT_EQ(cookie(r, "b"), "2");
  EXPECT_EQ(cookie(r, "carnet"), std::nullopt);
}

TEST(WebHttp, ErrorsAreFrenchJsonWithTheirStatus) {
  const auto r = error_response(Status::failed_precondition("outils.web_http_test.inspection_signee"));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.content_type, "application/json; charset=utf-8");
  EXPECT_EQ(r.body, R"({"erreur":{"code":"failed_precondition","message":"inspection signée : modification refusée",)"
                    R"("cle":"outils.web_http_test.inspection_signee","params":{},"contexte":[]}})");
  const core::Message x("outils.web_http_test.inspection_signee");
  EXPECT_EQ(http_status_of(Status::not_found(x)), 404);
  EXPECT_EQ(http_status_of(Status::invalid_argument(x)), 400);
  EXPECT_EQ(http_status_of(Status::permission_denied(x)), 403);
  EXPECT_EQ(http_status_of(Status::io_error(x)), 503);
  EXPECT_EQ(http_status_of(Status::internal(x)), 500);
}

TEST(WebHttp, ErrorAnswersCarryTheMessageKeyItsParametersAndTheContexts) {
  const Status s = Status::not_found("outils.conflicts.conflit_inconnu", {{"id", "c-42"}})
                       .with_context("outils.documents.fichier", {{"chemin", "/tmp/dossiers.json"}})
                       .with_context("outils.args.option", {{"option", "--date"}});
  const auto r = error_response(s);
  EXPECT_EQ(r.status, 404);
  auto body = Json::parse(r.body);
  ASSERT_TRUE(body);
  const Json* e = body->find("erreur");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->find("code")->as_string(), "not_found");
  EXPECT_EQ(e->find("message")->as_string(), "--date : /tmp/dossiers.json : conflit inconnu : c-42");
  EXPECT_EQ(e->find("cle")->as_string(), "outils.conflicts.conflit_inconnu");
  EXPECT_EQ(e->find("params")->dump(), R"({"id":"c-42"})");
  const Json* context = e->find("contexte");
  ASSERT_NE(context, nullptr);
  EXPECT_EQ(context->dump(), R"([{"cle":"outils.args.option","params":{"option":"--date"}},)"
                             R"({"cle":"outils.documents.fichier","params":{"chemin":"/tmp/dossiers.json"}}])");

  // A parameter made of messages is a list of {cle, params}.
  const Status missing = Status::invalid_argument(
      "outils.args.manquant", {{"quoi", std::vector<core::Message>{core::Message("outils.args.quoi_id_inspection")}}});
  EXPECT_EQ(missing.message(), "ID de l'inspection manquant");
  EXPECT_EQ(status_json(missing).dump(),
            R"({"code":"invalid_argument","message":"ID de l'inspection manquant","cle":"outils.args.manquant",)"
            R"("params":{"quoi":[{"cle":"outils.args.quoi_id_inspection","params":{}}]},"contexte":[]})");

  // An answer made from a message alone (no Status) has the same shape.
  const auto refused = error_response(405, "invalid_argument", core::Message("outils.local_guard.methode_refusee"));
  EXPECT_EQ(refused.status, 405);
  EXPECT_EQ(refused.body, R"({"erreur":{"code":"invalid_argument","message":"méthode refusée",)"
                          R"("cle":"outils.local_guard.methode_refusee","params":{},"contexte":[]}})");
}

TEST(WebHttp, EveryAnswerCarriesTheSecurityHeadersAndNoCors) {
  for (const HttpResponse& r : {json_response(Json::object()), asset_response(find_asset("tablet/index.html")),
                                html_response("<p>x</p>"), asset_response(nullptr)}) {
    const std::string* csp = header_of(r, "Content-Security-Policy");
    ASSERT_NE(csp, nullptr);
    EXPECT_NE(csp->find("script-src 'self'"), std::string::npos);
    EXPECT_EQ(csp->find("unsafe-inline"), std::string::npos);
    EXPECT_NE(csp->find("frame-ancestors 'self'"), std::string::npos);
    EXPECT_NE(header_of(r, "X-Content-Type-Options"), nullptr);
    EXPECT_NE(header_of(r, "Referrer-Policy"), nullptr);
    for (const auto& [name, value] : r.headers) EXPECT_EQ(name.rfind("Access-Control-", 0), std::string::npos) << name;
  }
  EXPECT_EQ(*header_of(json_response(Json::object()), "Cache-Control"), "no-store");
  HttpResponse r = json_response(Json::object());
  add_security_headers(r, true, csp_hash("body{}"));
  EXPECT_NE(header_of(r, "Content-Security-Policy")->find("style-src 'self' 'sha256-"), std::string::npos);
}

TEST(WebHttp, CspHashIsTheBase64Sha256OfTheText) {
  // printf 'abc' | openssl dgst -sha256 -binary | base64
  EXPECT_EQ(csp_hash("abc"), "'sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='");
}

TEST(WebHttp, TokensAreLongRandomAndUrlSafe) {
  const std::string a = random_token(32);
  const std::string b = random_token(32);
  EXPECT_EQ(a.size(), 43u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), std::string::npos);
  EXPECT_TRUE(constant_time_equal(a, a));
  EXPECT_FALSE(constant_time_equal(a, b));
  EXPECT_FALSE(constant_time_equal(a, a.substr(1)));
}

TEST(WebHttp, AssetsAreCompiledIn) {
  const Asset* index = find_asset("tablet/index.html");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_NE(index->data.find("/tablet/app.js"), std::string_view::npos);
  ASSERT_NE(find_asset("messages/fr.json"), nullptr);
  const Asset* languages = find_asset("messages/langues.json");
  ASSERT_NE(languages, nullptr);
  EXPECT_NE(languages->data.find("\"fr\""), std::string_view::npos) << languages->data;
  EXPECT_EQ(find_asset("messages/xx.json"), nullptr);
  EXPECT_EQ(find_asset("tablet/../secret"), nullptr);
  EXPECT_EQ(find_asset("nothing.js"), nullptr);
}

}  // namespace
}  // namespace carnet::web
