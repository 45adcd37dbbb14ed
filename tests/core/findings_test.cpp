#include "core/findings.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/answers.hpp"
#include "core/grid.hpp"

namespace carnet::core {
namespace {

Number n(const char* text) { return *Number::parse(text); }

Item make_item(std::string key, ItemType type) {
  Item it;
  it.key = std::move(key);
  it.label = "Libellé";
  it.type = type;
  return it;
}

Norm make_norm(std::string id, std::string condition, std::string reference, std::string requirement,
               std::string detail = "") {
  Norm nm;
  nm.id = std::move(id);
  nm.condition = std::move(condition);
  nm.reference = std::move(reference);
  nm.requirement = std::move(requirement);
  nm.detail = std::move(detail);
  return nm;
}

// A small shelter grid: an occupancy rate with a legal threshold, a register required only
// when the house is open, a reason required only when it is closed, staffing against a
// norm table, and a yearly plan.
GridDef shelter_grid() {
  GridDef def;
  def.key = "abri";
  def.version = 3;
  def.title = "Maison d'accueil";
  def.params.push_back({"taux_min", n("80"), "Taux minimum", "art. 94 C.R."});

  Section f;
  f.key = "fonctionnement";
  f.title = "Fonctionnement";
  Item places = make_item("fonctionnement.places", ItemType::kInteger);
  places.min = n("0");
  places.norms.push_back(make_norm("places", "fonctionnement.places >= 0", "art. 10", "Places déclarées",
                                   "{fonctionnement.places} places, {100 / fonctionnement.places} % par place"));
  Item nuitees = make_item("fonctionnement.nuitees", ItemType::kInteger);
  Item taux = make_item("fonctionnement.taux", ItemType::kPercent);
  taux.calculate = "fonctionnement.nuitees / (fonctionnement.places * 365) * 100";
  taux.norms.push_back(make_norm("taux_occupation", "fonctionnement.taux >= taux_min", "art. 94 C.R.",
                                 "Taux d'occupation d'au moins 80 %",
                                 "taux de {fonctionnement.taux} % pour {taux_min} % requis"));
  Item ouvert = make_item("fonctionnement.ouvert", ItemType::kYesNo);
  Item registre = make_item("fonctionnement.registre", ItemType::kYesNo);
  Norm reg = make_norm("registre", "fonctionnement.registre == 'oui'", "art. 12", "Registre des présences tenu");
  reg.when = "fonctionnement.ouvert == 'oui'";
  registre.norms.push_back(reg);
  Item motif = make_item("fonctionnement.motif", ItemType::kText);
  motif.relevant = "fonctionnement.ouvert == 'non'";
  motif.norms.push_back(make_norm("motif", "answered(fonctionnement.motif)", "art. 13", "Motif de fermeture indiqué"));
  Item fragile = make_item("fonctionnement.fragile", ItemType::kCheck);
  fragile.relevant = "10 / fonctionnement.places > 1";
  fragile.norms.push_back(make_norm("fragile", "fonctionnement.fragile", "art. 14", "Petite structure vérifiée"));
  Norm fragile_when = make_norm("fragile_when", "true", "art. 15", "Grande structure vérifiée");
  fragile_when.when = "fonctionnement.places / fonctionnement.nuitees > 0";
  fragile.norms.push_back(fragile_when);
  f.items = {places, nuitees, taux, ouvert, registre, motif, fragile};

  Section p;
  p.key = "personnel";
  p.title = "Personnel";
  Item equipe = make_item("personnel.equipe", ItemType::kTable);
  Column nom;
  nom.key = "nom";
  nom.label = "Nom";
  nom.type = ItemType::kText;
  Column etp;
  etp.key = "etp";
  etp.label = "ETP";
  etp.type = ItemType::kDecimal;
  Column diplome;
  diplome.key = "diplome";
  diplome.label = "Diplômé";
  diplome.type = ItemType::kCheck;
  equipe.columns = {nom, etp, diplome};
  equipe.norms.push_back(make_norm(
      "encadrement", "sum(personnel.equipe, etp, diplome) >= bracket(fonctionnement.places, 10: 1, 20: 2, *: 3)",
      "art. 20", "Encadrement suffisant",
      "{sum(personnel.equipe, etp, diplome)} ETP qualifiés pour {bracket(fonctionnement.places, 10: 1, 20: 2, *: 3)} requis"));
  Item plan = make_item("personnel.date_plan", ItemType::kDate);
  plan.norms.push_back(make_norm("plan", "days(personnel.date_plan, date_visite) <= 365", "art. 30",
                                 "Plan revu chaque année", "plan du {personnel.date_plan}, visite du {date_visite}"));
  p.items = {equipe, plan};

  def.sections = {f, p};
  return def;
}

class FindingsTest : public ::testing::Test {
 public:  // set() and add_staff() chain through a FindingsTest&
  FindingsTest() {
    auto g = Grid::compile(shelter_grid());
    if (!g) throw std::runtime_error(g.error().to_string());
    grid_ = *g;
    answers_ = std::make_unique<AnswerSet>(grid_);
  }

  int item(const char* key) const { return *grid_->find_item(key); }
  FindingsTest& set(const char* key, std::string_view text) {
    auto v = grid_->parse_input(item(key), text);
    if (!v) throw std::runtime_error(v.error().to_string());
    answers_->set(item(key), *v);
    return *this;
  }
  FindingsTest& add_staff(const char* name, const char* etp, bool qualified) {
    answers_->add_row(item("personnel.equipe"), {Value::text(name), Value::number(n(etp)), Value::boolean(qualified)});
    return *this;
  }

  Finding finding(const std::string& id) const {
    for (const auto& f : evaluate_findings(*answers_)) {
      if (f.norm_id == id) return f;
    }
    throw std::runtime_error("no finding " + id);
  }
  std::string status(const std::string& id) const { return std::string(finding_status_name(finding(id).status)); }
  std::string message(const std::string& id) const { return finding(id).message; }

  std::shared_ptr<const Grid> grid_;
  std::unique_ptr<AnswerSet> answers_;
};

TEST_F(FindingsTest, OneFindingPerNormInGridOrder) {
  const auto all = evaluate_findings(*answers_);
  std::vector<std::string> ids;
  for (const auto& f : all) ids.push_back(f.norm_id);
  EXPECT_THAT(ids, ::testing::ElementsAre("places", "taux_occupation", "registre", "motif", "fragile",
                                          "fragile_when", "encadrement", "plan"));
  const Finding& taux = all[1];
  EXPECT_EQ(taux.item, "fonctionnement.taux");
  EXPECT_EQ(taux.section, "fonctionnement");
  EXPECT_EQ(taux.reference, "art. 94 C.R.");
  EXPECT_EQ(taux.requirement, "Taux d'occupation d'au moins 80 %");
  EXPECT_EQ(all[6].item, "personnel.equipe");
  EXPECT_EQ(all[6].section, "personnel");
}

TEST_F(FindingsTest, ConformAtExactlyTheThreshold) {
  set("fonctionnement.places", "20").set("fonctionnement.nuitees", "5840");  // exactly 80 %
  EXPECT_EQ(status("taux_occupation"), "conform");
  EXPECT_EQ(message("taux_occupation"), "Taux d'occupation d'au moins 80 % — taux de 80 % pour 80 % requis");
  set("fonctionnement.nuitees", "6000");
  EXPECT_EQ(status("taux_occupation"), "conform");
  EXPECT_EQ(message("taux_occupation"), "Taux d'occupation d'au moins 80 % — taux de 82,19 % pour 80 % requis");
}

TEST_F(FindingsTest, NonConformJustBelowTheThreshold) {
  set("fonctionnement.places", "20").set("fonctionnement.nuitees", "5839");  // 79,986... %
  EXPECT_EQ(status("taux_occupation"), "nonconform");
  EXPECT_EQ(message("taux_occupation"), "Taux d'occupation d'au moins 80 % — taux de 79,99 % pour 80 % requis");
}

TEST_F(FindingsTest, UnknownWhenDataIsMissing) {
  EXPECT_EQ(status("taux_occupation"), "unknown");
  EXPECT_EQ(message("taux_occupation"),
            "Taux d'occupation d'au moins 80 % — taux de ? % pour 80 % requis (donnée(s) manquante(s))");
  set("fonctionnement.places", "20");
  EXPECT_EQ(status("taux_occupation"), "unknown");
  EXPECT_EQ(status("encadrement"), "nonconform");  // places known: 0 qualified FTE for 2
  set("fonctionnement.places", "");
  EXPECT_EQ(status("encadrement"), "unknown");
  EXPECT_EQ(message("encadrement"), "Encadrement suffisant — 0 ETP qualifiés pour ? requis (donnée(s) manquante(s))");
  set("fonctionnement.ouvert", "oui");
  EXPECT_EQ(status("registre"), "unknown");
  EXPECT_EQ(message("registre"), "Registre des présences tenu — donnée(s) manquante(s)");  // no detail text
}

TEST_F(FindingsTest, UnknownWhenTheConditionCannotBeComputed) {
  set("fonctionnement.places", "0").set("fonctionnement.nuitees", "10");
  EXPECT_EQ(status("taux_occupation"), "unknown");
  EXPECT_EQ(message("taux_occupation"), "Taux d'occupation d'au moins 80 % — calcul impossible : division par zéro");
}

TEST_F(FindingsTest, APlaceholderThatFailsShowsAQuestionMark) {
  set("fonctionnement.places", "0");
  EXPECT_EQ(status("places"), "conform");
  EXPECT_EQ(message("places"), "Places déclarées — 0 places, ? % par place");
  set("fonctionnement.places", "3");
  EXPECT_EQ(message("places"), "Places déclarées — 3 places, 33,33 % par place");
}

TEST_F(FindingsTest, NotApplicableWhenTheItemIsNotRelevant) {
  set("fonctionnement.ouvert", "oui");
  EXPECT_EQ(status("motif"), "not_applicable");
  EXPECT_EQ(message("motif"), "Motif de fermeture indiqué — sans objet");
  set("fonctionnement.ouvert", "non");
  EXPECT_EQ(status("motif"), "nonconform");
  set("fonctionnement.motif", "Travaux");
  EXPECT_EQ(status("motif"), "conform");
  EXPECT_EQ(message("motif"), "Motif de fermeture indiqué");
}

TEST_F(FindingsTest, AnUnknownRelevanceIsNotApplicable) {
  EXPECT_FALSE(answers_->is_relevant(item("fonctionnement.motif")));  // ouvert unanswered
  EXPECT_EQ(status("motif"), "not_applicable");
  // A relevance that cannot be computed (division by zero) counts as not relevant too.
  set("fonctionnement.places", "0");
  EXPECT_FALSE(answers_->is_relevant(item("fonctionnement.fragile")));
  EXPECT_EQ(status("fragile"), "not_applicable");
  set("fonctionnement.places", "5");
  EXPECT_TRUE(answers_->is_relevant(item("fonctionnement.fragile")));
  EXPECT_EQ(status("fragile"), "unknown");
  set("fonctionnement.fragile", "x");
  EXPECT_EQ(status("fragile"), "conform");
  EXPECT_TRUE(answers_->is_relevant(item("fonctionnement.places")));  // no relevant expression
}

TEST_F(FindingsTest, NotApplicableUnlessWhenIsTrue) {
  set("fonctionnement.registre", "non");
  EXPECT_EQ(status("registre"), "not_applicable");  // when is null: ouvert unanswered
  EXPECT_EQ(message("registre"), "Registre des présences tenu — sans objet");
  set("fonctionnement.ouvert", "non");
  EXPECT_EQ(status("registre"), "not_applicable");
  set("fonctionnement.ouvert", "oui");
  EXPECT_EQ(status("registre"), "nonconform");
  set("fonctionnement.registre", "oui");
  EXPECT_EQ(status("registre"), "conform");
  set("fonctionnement.registre", "so");
  EXPECT_EQ(status("registre"), "nonconform");
  // A `when` that cannot be computed is not true either.
  set("fonctionnement.places", "5").set("fonctionnement.nuitees", "0");
  EXPECT_EQ(status("fragile_when"), "not_applicable");
  set("fonctionnement.nuitees", "10");
  EXPECT_EQ(status("fragile_when"), "conform");
}

TEST_F(FindingsTest, NormTablesOverRows) {
  set("fonctionnement.places", "15");  // 11 to 20 places: 2 qualified FTE
  add_staff("A", "1", true).add_staff("B", "0.5", false).add_staff("C", "0.75", true);
  EXPECT_EQ(status("encadrement"), "nonconform");
  EXPECT_EQ(message("encadrement"), "Encadrement suffisant — 1,75 ETP qualifiés pour 2 requis");
  add_staff("D", "0.25", true);
  EXPECT_EQ(status("encadrement"), "conform");
  EXPECT_EQ(message("encadrement"), "Encadrement suffisant — 2 ETP qualifiés pour 2 requis");
  set("fonctionnement.places", "10");
  EXPECT_EQ(message("encadrement"), "Encadrement suffisant — 2 ETP qualifiés pour 1 requis");
  set("fonctionnement.places", "21");
  EXPECT_EQ(status("encadrement"), "nonconform");
  EXPECT_EQ(message("encadrement"), "Encadrement suffisant — 2 ETP qualifiés pour 3 requis");
}

TEST_F(FindingsTest, DatesInDetails) {
  answers_->set_visit_date(*Date::parse("2024-03-01"));
  set("personnel.date_plan", "01/03/2023");  // 366 days: 2024 is a leap year
  EXPECT_EQ(status("plan"), "nonconform");
  EXPECT_EQ(message("plan"), "Plan revu chaque année — plan du 01/03/2023, visite du 01/03/2024");
  set("personnel.date_plan", "02/03/2023");
  EXPECT_EQ(status("plan"), "conform");
  answers_->set_visit_date(std::nullopt);
  EXPECT_EQ(status("plan"), "unknown");
  EXPECT_EQ(message("plan"), "Plan revu chaque année — plan du 02/03/2023, visite du ? (donnée(s) manquante(s))");
}

TEST_F(FindingsTest, ComputedValuesFollowNewAnswers) {
  set("fonctionnement.places", "20").set("fonctionnement.nuitees", "5840");
  EXPECT_EQ(display_or_unknown(*answers_->item(item("fonctionnement.taux"))), "80");
  set("fonctionnement.nuitees", "5000");
  EXPECT_EQ(display_or_unknown(*answers_->item(item("fonctionnement.taux"))), "68,49");
  set("fonctionnement.places", "");
  EXPECT_EQ(display_or_unknown(*answers_->item(item("fonctionnement.taux"))), "?");
  EXPECT_TRUE(answers_->answer(item("fonctionnement.taux")).is_null());  // computed, never entered
}

TEST(FindingStatus, NamesAndLabels) {
  EXPECT_EQ(finding_status_name(FindingStatus::kConform), "conform");
  EXPECT_EQ(finding_status_name(FindingStatus::kNonConform), "nonconform");
  EXPECT_EQ(finding_status_name(FindingStatus::kUnknown), "unknown");
  EXPECT_EQ(finding_status_name(FindingStatus::kNotApplicable), "not_applicable");
  EXPECT_EQ(finding_status_label(FindingStatus::kConform), "conforme");
  EXPECT_EQ(finding_status_label(FindingStatus::kNonConform), "non conforme");
  EXPECT_EQ(finding_status_label(FindingStatus::kUnknown), "à vérifier");
  EXPECT_EQ(finding_status_label(FindingStatus::kNotApplicable), "sans objet");
}

TEST(DisplayOrUnknown, ShowsValuesForPeople) {
  EXPECT_EQ(display_or_unknown(Value()), "?");
  EXPECT_EQ(display_or_unknown(Value::number(n("79.456"))), "79,46");
  EXPECT_EQ(display_or_unknown(Value::number(n("80"))), "80");
  EXPECT_EQ(display_or_unknown(Value::number(*Number::div(n("2"), n("3")))), "0,67");
  EXPECT_EQ(display_or_unknown(Value::date(*Date::parse("2024-03-01"))), "01/03/2024");
  EXPECT_EQ(display_or_unknown(Value::boolean(true)), "oui");
  EXPECT_EQ(display_or_unknown(Value::text("so")), "so");
  EXPECT_EQ(display_or_unknown(Value::text("")), "");
}

TEST(Findings, AGridWithoutNormsHasNoFindings) {
  GridDef def;
  def.key = "vide";
  def.version = 1;
  def.title = "Vide";
  auto g = Grid::compile(def);
  ASSERT_TRUE(g);
  AnswerSet answers(*g);
  EXPECT_TRUE(evaluate_findings(answers).empty());
}

}  // namespace
}  // namespace carnet::core
