#include "tools/carnet/edit_syntax.hpp"

#include <gtest/gtest.h>

#include "support/status_matchers.hpp"

namespace carnet::tool {
namespace {

using core::StatusCode;
using storage::Edit;
using storage::ExistingRow;
using storage::KeyPath;
using storage::NewRow;

TEST(EditSyntax, AKeyWithoutBracketsIsTakenAsItIs) {
  for (const char* key : {"agrement.places_subventionnees", "suivi", "remarques.batiments", "s.personnel"}) {
    auto path = parse_key_path(key);
    ASSERT_OK(path);
    EXPECT_EQ(*path, KeyPath::field(key));
    EXPECT_EQ(path->text(), key);
  }
}

TEST(EditSyntax, CellsOfExistingAndNewRows) {
  auto existing = parse_key_path("personnel.art94[2].etp_subv");
  ASSERT_OK(existing);
  EXPECT_EQ(*existing, KeyPath::cell("personnel.art94", ExistingRow{2}, "etp_subv"));
  auto added = parse_key_path("personnel.art94[+3].nom");
  ASSERT_OK(added);
  EXPECT_EQ(*added, KeyPath::cell("personnel.art94", NewRow{3}, "nom"));
  // [+] is [+1], and a row number is a number: [01] is [1].
  EXPECT_EQ(*parse_key_path("personnes[+].nom"), *parse_key_path("personnes[+1].nom"));
  EXPECT_EQ(*parse_key_path("personnes[01].nom"), *parse_key_path("personnes[1].nom"));
  EXPECT_NE(*parse_key_path("personnes[+1].nom"), *parse_key_path("personnes[+2].nom"));
  EXPECT_NE(*parse_key_path("personnes[1].nom"), *parse_key_path("personnes[+1].nom"));
}

TEST(EditSyntax, APathIsWrittenBackAsTheCommandLineWritesIt) {
  for (const char* text : {"suivi", "personnes[+].nom", "personnes[+2].nom", "personnes[3].fonction"}) {
    auto path = parse_key_path(text);
    ASSERT_OK(path);
    EXPECT_EQ(path->text(), text);
  }
  EXPECT_EQ(parse_key_path("personnes[+1].nom")->text(), "personnes[+].nom");
  EXPECT_EQ(parse_key_path("personnes[007].nom")->text(), "personnes[7].nom");
}

TEST(EditSyntax, AnAssignmentSetsOrWithAnEmptyValueClears) {
  auto set = parse_assignment("s.personnel[+2].etp=0,5");
  ASSERT_OK(set);
  EXPECT_EQ(*set, Edit::cell("s.personnel", NewRow{2}, "etp", "0,5"));
  auto cleared = parse_assignment("s.places=");
  ASSERT_OK(cleared);
  EXPECT_EQ(*cleared, Edit::answer("s.places", std::nullopt));
  // Only the first "=" separates: the value may hold others.
  EXPECT_EQ(*parse_assignment("conclusions=a=b"), Edit::answer("conclusions", "a=b"));
  EXPECT_EQ(*parse_assignment("remarques.s= "), Edit::answer("remarques.s", " "));
}

TEST(EditSyntax, MalformedTextIsRefusedWithAClearMessage) {
  struct Case {
    std::string text;
    std::string message;
  };
  const Case cases[] = {
      {"sans_egal", "« sans_egal » : CLÉ=VALEUR attendu"},
      {"=1", "« =1 » : CLÉ=VALEUR attendu"},
      {"s.personnel[1]=x", "« s.personnel[1] » : TABLEAU[+].colonne ou TABLEAU[N].colonne attendu"},
      {"s.personnel[1=x", "« s.personnel[1 » : TABLEAU[+].colonne ou TABLEAU[N].colonne attendu"},
      {"s.personnel[1]nom=x", "« s.personnel[1]nom » : TABLEAU[+].colonne ou TABLEAU[N].colonne attendu"},
      {"s.personnel[+x].nom=x", "« s.personnel[+x].nom » : [+] ou [+N] attendu pour une nouvelle ligne"},
      {"s.personnel[+1234567].nom=x",
       "« s.personnel[+1234567].nom » : [+] ou [+N] attendu pour une nouvelle ligne"},
      {"s.personnel[x].nom=x",
       "« s.personnel[x].nom » : numéro de ligne attendu entre crochets (ou [+] pour une nouvelle ligne)"},
      {"s.personnel[].nom=x",
       "« s.personnel[].nom » : numéro de ligne attendu entre crochets (ou [+] pour une nouvelle ligne)"},
      {"s.personnel[1234567].nom=x",
       "« s.personnel[1234567].nom » : numéro de ligne attendu entre crochets (ou [+] pour une nouvelle "
       "ligne)"},
  };
  for (const auto& c : cases) {
    auto r = parse_assignment(c.text);
    ASSERT_FALSE(r) << c.text;
    EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument) << c.text;
    EXPECT_EQ(r.error().message(), c.message) << c.text;
  }
}

TEST(EditSyntax, ACommandsAssignmentsAreReadInOrderOrNotAtAll) {
  auto edits = parse_assignments({"s.places=20", "personnes[+].nom=Dupont", "personnes[2].fonction="});
  ASSERT_OK(edits);
  EXPECT_EQ(*edits, (std::vector<Edit>{Edit::answer("s.places", "20"),
                                       Edit::cell("personnes", NewRow{1}, "nom", "Dupont"),
                                       Edit::cell("personnes", ExistingRow{2}, "fonction", std::nullopt)}));
  auto bad = parse_assignments({"s.places=20", "sans_egal", "personnes[x].nom=y"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "« sans_egal » : CLÉ=VALEUR attendu");
  auto none = parse_assignments({});
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace carnet::tool
