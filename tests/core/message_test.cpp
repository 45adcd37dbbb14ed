// The message catalogue as the C++ code uses it: keys checked at compile time (a wrong key
// does not build, so it cannot be tested here), texts rendered with their parameters, and a
// Status made of catalogue parts.
#include "core/message.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

#include "core/message_json.hpp"
#include "core/status.hpp"

namespace carnet::core {
namespace {

TEST(Message, RendersTheCatalogueTextWithItsParameters) {
  const Message m("coeur.validation.colonne_inconnue", {{"tableau", "personnes"}, {"colonne", 3}});
  EXPECT_EQ(m.key(), "coeur.validation.colonne_inconnue");
  EXPECT_EQ(m.render(), "colonne inconnue : personnes[3]");
}

TEST(Message, AMissingParameterStaysVisibleAndAnUnusedOneIsIgnored) {
  EXPECT_EQ(Message("coeur.validation.colonne_inconnue", {{"tableau", "t"}, {"autre", "x"}}).render(),
            "colonne inconnue : t[{colonne}]");
  EXPECT_EQ(render_message("{a} et {", {{"a", "1"}}), "1 et {");
  EXPECT_EQ(render_message("sans paramètre", {}), "sans paramètre");
}

TEST(Message, AParameterValueIsNeverReadAsAPlaceholder) {
  EXPECT_EQ(Message("coeur.validation.texte_attendu", {{"champ", "{champ}"}}).render(), "{champ} : texte attendu");
}

TEST(Message, AListOfSubMessagesIsJoinedWithTheCatalogueSeparator) {
  const MessageParam list("champ", std::vector<Message>{Message("coeur.validation.tableau_inconnu", {{"tableau", "a"}}),
                                                         Message("coeur.validation.tableau_inconnu", {{"tableau", "b"}})});
  EXPECT_EQ(list.render(), "tableau inconnu : a, tableau inconnu : b");
  EXPECT_EQ(Message("coeur.validation.texte_attendu", {list}).render(),
            "tableau inconnu : a, tableau inconnu : b : texte attendu");
}

TEST(Message, TheCatalogueIsSortedUniqueAndWellFormed) {
  const auto all = message_catalogue();
  ASSERT_GT(all.size(), 100u);
  const std::regex key("[a-z0-9_]+(\\.[a-z0-9_]+)+");
  std::set<std::string_view> seen;
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_TRUE(std::regex_match(std::string(all[i].key), key)) << all[i].key;
    if (i > 0) {
      EXPECT_LT(all[i - 1].key, all[i].key);
    }
    EXPECT_TRUE(seen.insert(all[i].key).second) << all[i].key;
    EXPECT_FALSE(all[i].text.empty()) << all[i].key;
    // "{" only opens a {name} placeholder (a lone "}" is plain text for both renderers).
    const std::string stripped = std::regex_replace(std::string(all[i].text), std::regex("\\{[a-z_]+\\}"), "");
    EXPECT_EQ(stripped.find('{'), std::string::npos) << all[i].key << " : " << all[i].text;
  }
  EXPECT_EQ(message_text("pas.une.cle"), "pas.une.cle");
  EXPECT_TRUE(MessageKey::known("commun.separateur_contexte"));
  EXPECT_FALSE(MessageKey::known("pas.une.cle"));
}

TEST(Message, AStatusIsItsPartsRenderedInFrench) {
  const Status s = Status::invalid_argument("coeur.validation.tableau_inconnu", {{"tableau", "x"}})
                       .with_context("coeur.validation.texte_attendu", {{"champ", "f"}});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "f : texte attendu : tableau inconnu : x");
  ASSERT_EQ(s.parts().size(), 2u);
  EXPECT_EQ(s.parts()[0].key(), "coeur.validation.texte_attendu");
  EXPECT_EQ(s.parts()[1].key(), "coeur.validation.tableau_inconnu");
  EXPECT_EQ(s.to_string(), "invalid_argument: f : texte attendu : tableau inconnu : x");
  EXPECT_EQ(s, Status::invalid_argument("coeur.validation.tableau_inconnu", {{"tableau", "x"}})
                   .with_context("coeur.validation.texte_attendu", {{"champ", "f"}}));
  EXPECT_NE(s, Status::invalid_argument("coeur.validation.tableau_inconnu", {{"tableau", "y"}}));
  EXPECT_TRUE(Status::ok_status().parts().empty());
  EXPECT_EQ(Status::ok_status().with_context("coeur.validation.texte_attendu"), Status::ok_status());
}

TEST(Message, EveryCatalogueFileIsServedAsWrittenAndFrenchIsTheTable) {
  const auto files = message_catalogue_files();
  const auto french = std::ranges::find(files, std::string_view("fr"), &CatalogueFile::language);
  ASSERT_NE(french, files.end());
  auto json = Json::parse(french->json);
  ASSERT_TRUE(json.has_value());
  EXPECT_EQ(json->as_object().size(), message_catalogue().size());
  for (const MessageEntry& e : message_catalogue()) {
    const Json* text = json->find(e.key);
    ASSERT_NE(text, nullptr) << e.key;
    EXPECT_EQ(text->as_string(), e.text);
  }
}

TEST(MessageJson, RoundTripsAndRefusesWhatThisCatalogueCannotShow) {
  const Message m("coeur.validation.texte_attendu",
                  {{"champ", std::vector<Message>{Message("coeur.validation.tableau_inconnu", {{"tableau", "t"}})}}});
  EXPECT_EQ(message_json(m).dump(),
            R"({"cle":"coeur.validation.texte_attendu","params":{"champ":[{"cle":"coeur.validation.tableau_inconnu","params":{"tableau":"t"}}]}})");
  auto back = message_from_json(message_json(m));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, m);
  EXPECT_FALSE(message_from_json(Json::parse(R"({"cle":"pas.une.cle","params":{}})").value()).has_value());
  EXPECT_FALSE(message_from_json(Json::parse(R"({"params":{}})").value()).has_value());
  EXPECT_FALSE(message_from_json(Json::parse(R"({"cle":"commun.separateur_liste","params":{"a":1}})").value()).has_value());
  Json deep = message_json(Message("coeur.validation.statut_invalide"));
  for (int i = 0; i < 4; ++i) {
    deep = Json::object().set("cle", "coeur.validation.texte_attendu").set("params", Json::object().set("champ", Json::array().push(deep)));
  }
  EXPECT_FALSE(message_from_json(deep).has_value()) << "five deep";
}

}  // namespace
}  // namespace carnet::core
