// Norm tests of grids/maison-accueil.grid: every numeric or date threshold at, just below and
// just above it, missing data ("unknown"), specific subsidies not ticked ("not_applicable"),
// and the oui / non / so questions of the canvas.
#include <ostream>
#include <string>
#include <vector>

#include "support/grid_harness.hpp"

namespace carnet::testing {
namespace {

constexpr const char* kGrid = "maison-accueil";

// "0.49" from 49: FTE and amounts written as an inspector types them.
std::string hundredths(int n) {
  const std::string frac = std::to_string(n % 100);
  return std::to_string(n / 100) + "." + (frac.size() == 1 ? "0" + frac : frac);
}

// The harness's display of a value given in hundredths: "0,5", "1", "4,5", "1,75".
std::string shown(int n) {
  std::string s = std::to_string(n / 100);
  int frac = n % 100;
  if (frac == 0) return s;
  std::string f = frac < 10 ? "0" + std::to_string(frac) : std::to_string(frac);
  if (f.back() == '0') f.pop_back();
  return s + "," + f;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// ---------------------------------------------------------------------------------------
// Structure and contract

TEST(MaisonAccueilGrid, SectionsAreTheCanvasSectionsIToVII) {
  GridHarness h(kGrid);
  const auto& sections = h.grid().def().sections;
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"introduction", "I"},    {"agrement", "II"},          {"personnel", "III"},
      {"fonctionnement", "IV"}, {"dossier_individuel", "V"}, {"participation", "VI"},
      {"batiments", "VII"}};
  ASSERT_EQ(sections.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(sections[i].key, expected[i].first);
    EXPECT_EQ(sections[i].number, expected[i].second);
  }
}

TEST(MaisonAccueilGrid, ContractKeysExist) {
  GridHarness h(kGrid);
  for (const char* key :
       {"agrement.places_subventionnees", "fonctionnement.nuitees_totales",
        "fonctionnement.nuitees_agreees", "fonctionnement.nuitees_enfants",
        "fonctionnement.taux_occupation", "personnel.art94.etp_directeur", "personnel.art94.etp_as",
        "personnel.art94.etp_educateur", "batiments.nb_heberges", "batiments.nb_wc",
        "batiments.nb_douches", "batiments.nb_lavabos", "batiments.attestation_incendie_expiration",
        "introduction.ca_hommes", "introduction.ca_femmes", "participation.paf_gite",
        "participation.paf_gite_couvert"}) {
    EXPECT_TRUE(h.grid().find_item(key).has_value()) << key;
  }
}

TEST(MaisonAccueilGrid, ContractNormsAreAttachedToTheirContractItems) {
  GridHarness h(kGrid);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"fonctionnement.taux_occupation", "fonctionnement.taux_occupation"},
      {"personnel.art94.directeur", "personnel.art94.etp_directeur"},
      {"personnel.art94.as", "personnel.art94.etp_as"},
      {"personnel.art94.educateur", "personnel.art94.etp_educateur"},
      {"batiments.wc", "batiments.nb_wc"},
      {"batiments.douches", "batiments.nb_douches"},
      {"batiments.lavabos", "batiments.nb_lavabos"},
      {"batiments.attestation_incendie_expiration", "batiments.attestation_incendie_expiration"},
      {"introduction.mixite_hommes", "introduction.ca_hommes"},
      {"introduction.mixite_femmes", "introduction.ca_femmes"},
      {"participation.paf_gite_minimum", "participation.paf_gite"},
      {"participation.paf_gite_couvert_minimum", "participation.paf_gite_couvert"}};
  for (const auto& [norm_id, item_key] : expected) {
    bool found = false;
    for (const auto& cn : h.grid().norms()) {
      if (cn.norm->id != norm_id) continue;
      found = true;
      EXPECT_EQ(h.grid().item(cn.item).key, item_key) << norm_id;
    }
    EXPECT_TRUE(found) << norm_id;
  }
}

TEST(MaisonAccueilGrid, OccupancyRateIsComputedAsAPercent) {
  GridHarness h(kGrid);
  const int item = *h.grid().find_item("fonctionnement.taux_occupation");
  EXPECT_TRUE(h.grid().calculate(item).has_value());
  EXPECT_EQ(h.grid().item(item).type, core::ItemType::kPercent);
}

TEST(MaisonAccueilGrid, EveryNormHasAReferenceRequirementAndDetail) {
  GridHarness h(kGrid);
  for (const auto& cn : h.grid().norms()) {
    EXPECT_FALSE(cn.norm->reference.empty()) << cn.norm->id;
    EXPECT_FALSE(cn.norm->requirement.empty()) << cn.norm->id;
    EXPECT_FALSE(cn.norm->detail.empty()) << cn.norm->id;
  }
}

TEST(MaisonAccueilGrid, CoefficientIndexParameterIs1_3196) {
  GridHarness h(kGrid);
  bool found = false;
  for (const auto& p : h.grid().def().params) {
    if (p.name == "coefficient_index") {
      found = true;
      EXPECT_EQ(p.value.canonical(), "1.3196");
    }
  }
  EXPECT_TRUE(found);
}

TEST(MaisonAccueilGrid, EmptyInspectionHasNoVerdicts) {
  GridHarness h(kGrid);
  for (const auto& cn : h.grid().norms()) {
    const std::string s = h.status(cn.norm->id);
    EXPECT_TRUE(s == "unknown" || s == "not_applicable") << cn.norm->id << " : " << s;
  }
}

// ---------------------------------------------------------------------------------------
// I. Introduction: board composition (Décret du 9 janvier 2014)

GridHarness board(const std::string& men, const std::string& women) {
  GridHarness h(kGrid);
  h.set("introduction.ca_hommes", men).set("introduction.ca_femmes", women);
  return h;
}

// The rule is checked for each gender on its own item: "men" and "women" statuses.
std::pair<std::string, std::string> board_status(const std::string& men, const std::string& women) {
  GridHarness h = board(men, women);
  return {h.status("introduction.mixite_hommes"), h.status("introduction.mixite_femmes")};
}

using Statuses = std::pair<std::string, std::string>;

TEST(MaisonAccueilBoard, ExactlyTwoThirdsOfOneGenderIsConform) {
  EXPECT_EQ(board_status("4", "2"), Statuses("conform", "conform"));
  EXPECT_EQ(board_status("2", "4"), Statuses("conform", "conform"));
  EXPECT_EQ(board_status("6", "3"), Statuses("conform", "conform"));
}

TEST(MaisonAccueilBoard, MoreThanTwoThirdsOfOneGenderIsNonconformForThatGender) {
  EXPECT_EQ(board_status("5", "2"), Statuses("nonconform", "conform"));
  EXPECT_EQ(board_status("2", "5"), Statuses("conform", "nonconform"));
  EXPECT_EQ(board_status("7", "3"), Statuses("nonconform", "conform"));
  EXPECT_EQ(board_status("3", "0"), Statuses("nonconform", "conform"));
  EXPECT_EQ(board_status("0", "3"), Statuses("conform", "nonconform"));
}

TEST(MaisonAccueilBoard, LessThanTwoThirdsOfOneGenderIsConform) {
  EXPECT_EQ(board_status("3", "2"), Statuses("conform", "conform"));
  EXPECT_EQ(board_status("2", "3"), Statuses("conform", "conform"));
  EXPECT_EQ(board_status("3", "3"), Statuses("conform", "conform"));
}

TEST(MaisonAccueilBoard, MissingCountIsUnknown) {
  GridHarness h(kGrid);
  h.set("introduction.ca_hommes", "4");
  EXPECT_EQ(h.status("introduction.mixite_hommes"), "unknown");
  EXPECT_EQ(h.status("introduction.mixite_femmes"), "unknown");
}

TEST(MaisonAccueilBoard, TotalIsComputedAndShownInTheMessage) {
  GridHarness h = board("5", "2");
  EXPECT_EQ(h.value("introduction.ca_administrateurs"), "7");
  EXPECT_TRUE(
      contains(h.message("introduction.mixite_hommes"), "5 hommes et 2 femmes sur 7 administrateurs"))
      << h.message("introduction.mixite_hommes");
  EXPECT_TRUE(contains(h.message("introduction.mixite_hommes"), "au plus 4 de même genre"))
      << h.message("introduction.mixite_hommes");
}

TEST(MaisonAccueilBoard, DeclaredRespectIsConformUnlessNoWithoutDerogation) {
  GridHarness h(kGrid);
  EXPECT_EQ(h.status("introduction.mixite_respect"), "unknown");
  h.set("introduction.mixite", "oui");
  EXPECT_EQ(h.status("introduction.mixite_respect"), "conform");
  h.set("introduction.mixite", "so");
  EXPECT_EQ(h.status("introduction.mixite_respect"), "conform");
  h.set("introduction.mixite", "non");
  EXPECT_EQ(h.status("introduction.mixite_respect"), "nonconform");
  EXPECT_TRUE(
      contains(h.message("introduction.mixite_respect"), "réponse : non ; dérogation : non"))
      << h.message("introduction.mixite_respect");
  h.set("introduction.mixite_autres", "oui");
  EXPECT_EQ(h.status("introduction.mixite_respect"), "nonconform");
  h.set("introduction.mixite_derogation", "oui");
  EXPECT_EQ(h.status("introduction.mixite_respect"), "conform");
}

// ---------------------------------------------------------------------------------------
// IV. Occupancy rate (approved nights / (subsidised places × 365) × 100)

// 20 subsidised places: 7300 place-nights a year; 80 % = 5840 nights, 70 % = 5110 nights.
GridHarness occupancy(const std::string& approved, const std::string& total,
                      const std::string& children) {
  GridHarness h(kGrid);
  h.set("agrement.places_subventionnees", "20");
  h.set("fonctionnement.annee", "2024");
  h.set("fonctionnement.nuitees_agreees", approved);
  h.set("fonctionnement.nuitees_totales", total);
  h.set("fonctionnement.nuitees_enfants", children);
  return h;
}

TEST(MaisonAccueilOccupancy, RateIsApprovedNightsOverSubsidisedPlacesTimes365) {
  EXPECT_EQ(occupancy("5840", "6000", "0").value("fonctionnement.taux_occupation"), "80");
  EXPECT_EQ(occupancy("5841", "6000", "0").value("fonctionnement.taux_occupation"), "80,01");
  EXPECT_EQ(occupancy("5839", "6000", "0").value("fonctionnement.taux_occupation"), "79,99");
  EXPECT_EQ(occupancy("3650", "6000", "0").value("fonctionnement.taux_occupation"), "50");
}

TEST(MaisonAccueilOccupancy, Exactly80PercentWithoutChildrenIsNonconform) {
  EXPECT_EQ(occupancy("5840", "6000", "0").status("fonctionnement.taux_occupation"), "nonconform");
}

TEST(MaisonAccueilOccupancy, JustAbove80PercentIsConform) {
  EXPECT_EQ(occupancy("5841", "6000", "0").status("fonctionnement.taux_occupation"), "conform");
}

TEST(MaisonAccueilOccupancy, JustBelow80PercentWithoutChildrenIsNonconform) {
  EXPECT_EQ(occupancy("5839", "6000", "0").status("fonctionnement.taux_occupation"), "nonconform");
}

TEST(MaisonAccueilOccupancy, Above80PercentIsConformWhateverTheChildren) {
  EXPECT_EQ(occupancy("6000", "10000", "2499").status("fonctionnement.taux_occupation"), "conform");
  EXPECT_EQ(occupancy("6000", "10000", "5000").status("fonctionnement.taux_occupation"), "conform");
}

TEST(MaisonAccueilOccupancy, Exactly70PercentWith25PercentChildNightsIsNonconform) {
  GridHarness h = occupancy("5110", "10000", "2500");
  EXPECT_EQ(h.value("fonctionnement.taux_occupation"), "70");
  EXPECT_EQ(h.status("fonctionnement.taux_occupation"), "nonconform");
}

TEST(MaisonAccueilOccupancy, JustAbove70PercentWithExactly25PercentChildNightsIsConform) {
  GridHarness h = occupancy("5111", "10000", "2500");
  EXPECT_EQ(h.value("fonctionnement.part_enfants"), "25");
  EXPECT_EQ(h.status("fonctionnement.taux_occupation"), "conform");
}

TEST(MaisonAccueilOccupancy, JustBelow70PercentWithChildrenIsNonconform) {
  EXPECT_EQ(occupancy("5109", "10000", "2500").status("fonctionnement.taux_occupation"),
            "nonconform");
}

TEST(MaisonAccueilOccupancy, JustAbove70PercentWith24_99PercentChildNightsIsNonconform) {
  GridHarness h = occupancy("5111", "10000", "2499");
  EXPECT_EQ(h.value("fonctionnement.part_enfants"), "24,99");
  EXPECT_EQ(h.status("fonctionnement.taux_occupation"), "nonconform");
}

TEST(MaisonAccueilOccupancy, JustAbove70PercentWithMoreThan25PercentChildNightsIsConform) {
  EXPECT_EQ(occupancy("5111", "10000", "2501").status("fonctionnement.taux_occupation"), "conform");
}

TEST(MaisonAccueilOccupancy, MessageShowsRateAndApplicableThreshold) {
  const std::string m =
      occupancy("5111", "10000", "2500").message("fonctionnement.taux_occupation");
  EXPECT_TRUE(contains(m, "70,01 % en 2024")) << m;
  EXPECT_TRUE(contains(m, "5111 nuitées agréées pour 20 places subventionnées")) << m;
  EXPECT_TRUE(contains(m, "seuil applicable : 70 %")) << m;
  const std::string m80 = occupancy("5840", "6000", "0").message("fonctionnement.taux_occupation");
  EXPECT_TRUE(contains(m80, "seuil applicable : 80 %")) << m80;
}

TEST(MaisonAccueilOccupancy, MissingSubsidisedPlacesIsUnknown) {
  GridHarness h(kGrid);
  h.set("fonctionnement.nuitees_agreees", "5841");
  EXPECT_EQ(h.value("fonctionnement.taux_occupation"), "?");
  EXPECT_EQ(h.status("fonctionnement.taux_occupation"), "unknown");
}

TEST(MaisonAccueilOccupancy, ZeroSubsidisedPlacesIsUnknownNotAnError) {
  GridHarness h(kGrid);
  h.set("agrement.places_subventionnees", "0").set("fonctionnement.nuitees_agreees", "100");
  EXPECT_EQ(h.value("fonctionnement.taux_occupation"), "?");
  EXPECT_EQ(h.status("fonctionnement.taux_occupation"), "unknown");
}

TEST(MaisonAccueilOccupancy, MissingApprovedNightsIsUnknown) {
  GridHarness h(kGrid);
  h.set("agrement.places_subventionnees", "20");
  EXPECT_EQ(h.status("fonctionnement.taux_occupation"), "unknown");
}

TEST(MaisonAccueilOccupancy, Between70And80WithoutChildFiguresIsUnknown) {
  GridHarness h(kGrid);
  h.set("agrement.places_subventionnees", "20").set("fonctionnement.nuitees_agreees", "5500");
  EXPECT_EQ(h.status("fonctionnement.taux_occupation"), "unknown");
}

TEST(MaisonAccueilOccupancy, Above80WithoutChildFiguresIsConform) {
  GridHarness h(kGrid);
  h.set("agrement.places_subventionnees", "20").set("fonctionnement.nuitees_agreees", "6000");
  EXPECT_EQ(h.status("fonctionnement.taux_occupation"), "conform");
}

// Two years: N from occupancy(), N-1 added here; still 20 places, 14600 place-nights.
GridHarness two_years(const std::string& approved, const std::string& total,
                      const std::string& children, const std::string& approved_prev,
                      const std::string& total_prev, const std::string& children_prev) {
  GridHarness h = occupancy(approved, total, children);
  h.set("fonctionnement.annee_prec", "2023");
  h.set("fonctionnement.nuitees_agreees_prec", approved_prev);
  h.set("fonctionnement.nuitees_totales_prec", total_prev);
  h.set("fonctionnement.nuitees_enfants_prec", children_prev);
  return h;
}

TEST(MaisonAccueilOccupancy, TwoYearNormIsNotApplicableWithoutPreviousYear) {
  EXPECT_EQ(occupancy("6000", "6000", "0").status("fonctionnement.taux_occupation_2ans"),
            "not_applicable");
}

TEST(MaisonAccueilOccupancy, PreviousYearRateIsComputed) {
  GridHarness h = two_years("5840", "6000", "0", "5110", "6000", "0");
  EXPECT_EQ(h.value("fonctionnement.taux_occupation_prec"), "70");
  EXPECT_EQ(h.value("fonctionnement.taux_occupation_2ans"), "75");
}

TEST(MaisonAccueilOccupancy, TwoYearRateExactly80WithoutChildrenIsNonconform) {
  GridHarness h = two_years("5840", "6000", "0", "5840", "6000", "0");
  EXPECT_EQ(h.value("fonctionnement.taux_occupation_2ans"), "80");
  EXPECT_EQ(h.status("fonctionnement.taux_occupation_2ans"), "nonconform");
}

TEST(MaisonAccueilOccupancy, TwoYearRateJustAbove80IsConform) {
  GridHarness h = two_years("5840", "6000", "0", "5841", "6000", "0");
  EXPECT_EQ(h.status("fonctionnement.taux_occupation_2ans"), "conform");
}

TEST(MaisonAccueilOccupancy, TwoYearRateJustBelow80IsNonconform) {
  GridHarness h = two_years("5840", "6000", "0", "5839", "6000", "0");
  EXPECT_EQ(h.status("fonctionnement.taux_occupation_2ans"), "nonconform");
}

TEST(MaisonAccueilOccupancy, TwoYearRateCompensatesAWeakYear) {
  GridHarness h = two_years("5000", "6000", "0", "6700", "7000", "0");
  EXPECT_EQ(h.status("fonctionnement.taux_occupation"), "nonconform");
  EXPECT_EQ(h.status("fonctionnement.taux_occupation_2ans"), "conform");
}

TEST(MaisonAccueilOccupancy, TwoYearRateExactly70WithChildrenIsNonconform) {
  GridHarness h = two_years("5110", "10000", "2500", "5110", "10000", "2500");
  EXPECT_EQ(h.value("fonctionnement.taux_occupation_2ans"), "70");
  EXPECT_EQ(h.status("fonctionnement.taux_occupation_2ans"), "nonconform");
}

TEST(MaisonAccueilOccupancy, TwoYearRateJustAbove70WithExactly25PercentChildrenIsConform) {
  GridHarness h = two_years("5111", "10000", "2500", "5110", "10000", "2500");
  EXPECT_EQ(h.value("fonctionnement.part_enfants_2ans"), "25");
  EXPECT_EQ(h.status("fonctionnement.taux_occupation_2ans"), "conform");
}

TEST(MaisonAccueilOccupancy, TwoYearRateJustAbove70WithJustUnder25PercentChildrenIsNonconform) {
  GridHarness h = two_years("5111", "10000", "2500", "5110", "10000", "2499");
  EXPECT_EQ(h.status("fonctionnement.taux_occupation_2ans"), "nonconform");
}

TEST(MaisonAccueilOccupancy, TwoYearRateJustBelow70WithChildrenIsNonconform) {
  GridHarness h = two_years("5110", "10000", "2500", "5109", "10000", "2500");
  EXPECT_EQ(h.status("fonctionnement.taux_occupation_2ans"), "nonconform");
}

TEST(MaisonAccueilOccupancy, TwoYearRateWithMissingPreviousChildFiguresIsUnknown) {
  GridHarness h = occupancy("5300", "10000", "2500");
  h.set("fonctionnement.nuitees_agreees_prec", "5300");
  EXPECT_EQ(h.status("fonctionnement.taux_occupation_2ans"), "unknown");
}

TEST(MaisonAccueilOccupancy, PreviousYearUsesItsOwnSubsidisedPlacesWhenGiven) {
  GridHarness h = two_years("5840", "6000", "0", "2920", "3000", "0");
  h.set("fonctionnement.places_subventionnees_prec", "10");
  EXPECT_EQ(h.value("fonctionnement.taux_occupation_prec"), "80");
  EXPECT_EQ(h.value("fonctionnement.taux_occupation_2ans"), "80");
}

// ---------------------------------------------------------------------------------------
// IV. Non-beneficiaries (art. 117 C.D.)

TEST(MaisonAccueilBeneficiaries, ThreeOver60IsConform) {
  GridHarness h(kGrid);
  h.set("fonctionnement.nb_plus_60", "3");
  EXPECT_EQ(h.status("fonctionnement.plus_60"), "conform");
  h.set("fonctionnement.nb_plus_60", "2");
  EXPECT_EQ(h.status("fonctionnement.plus_60"), "conform");
}

TEST(MaisonAccueilBeneficiaries, FourthOver60CountedAsBeneficiaryIsNonconform) {
  GridHarness h(kGrid);
  h.set("fonctionnement.nb_plus_60", "4");
  EXPECT_EQ(h.status("fonctionnement.plus_60"), "unknown");
  h.set("fonctionnement.plus_60_non_comptes", "non");
  EXPECT_EQ(h.status("fonctionnement.plus_60"), "nonconform");
  h.set("fonctionnement.plus_60_non_comptes", "oui");
  EXPECT_EQ(h.status("fonctionnement.plus_60"), "conform");
}

TEST(MaisonAccueilBeneficiaries, MissingOver60CountIsUnknown) {
  GridHarness h(kGrid);
  EXPECT_EQ(h.status("fonctionnement.plus_60"), "unknown");
}

GridHarness stay(const std::string& pai_days, const std::string& days,
                 const std::string& derogations, const std::string& annex13 = "") {
  GridHarness h(kGrid);
  h.add_row("fonctionnement.sejours",
            {"reference=D-2024-017", "duree_pai=" + pai_days, "jours=" + days,
             "derogations=" + derogations, "annexe13=" + annex13});
  return h;
}

TEST(MaisonAccueilBeneficiaries, StayOf275DaysWithoutDerogationIsConform) {
  EXPECT_EQ(stay("300", "275", "").status("fonctionnement.sejours_duree"), "conform");
  EXPECT_EQ(stay("300", "274", "0").status("fonctionnement.sejours_duree"), "conform");
}

TEST(MaisonAccueilBeneficiaries, StayOf276DaysWithoutDerogationIsNonconform) {
  EXPECT_EQ(stay("300", "276", "").status("fonctionnement.sejours_duree"), "nonconform");
  EXPECT_EQ(stay("300", "276", "0").status("fonctionnement.sejours_duree"), "nonconform");
}

TEST(MaisonAccueilBeneficiaries, StayBeyondThePaiDurationIsNonconform) {
  EXPECT_EQ(stay("200", "199", "").status("fonctionnement.sejours_duree"), "conform");
  EXPECT_EQ(stay("200", "200", "").status("fonctionnement.sejours_duree"), "conform");
  EXPECT_EQ(stay("200", "201", "").status("fonctionnement.sejours_duree"), "nonconform");
}

TEST(MaisonAccueilBeneficiaries, EachDerogationAdds90Days) {
  EXPECT_EQ(stay("400", "365", "1").status("fonctionnement.sejours_duree"), "conform");
  EXPECT_EQ(stay("400", "366", "1").status("fonctionnement.sejours_duree"), "nonconform");
  EXPECT_EQ(stay("600", "545", "3").status("fonctionnement.sejours_duree"), "conform");
  EXPECT_EQ(stay("600", "544", "3").status("fonctionnement.sejours_duree"), "conform");
  EXPECT_EQ(stay("600", "546", "3").status("fonctionnement.sejours_duree"), "nonconform");
}

TEST(MaisonAccueilBeneficiaries, AFourthDerogationDoesNotExtendTheStay) {
  GridHarness h = stay("700", "546", "4");
  EXPECT_EQ(h.status("fonctionnement.sejours_duree"), "nonconform");
  EXPECT_EQ(h.status("fonctionnement.sejours_derogations"), "nonconform");
}

TEST(MaisonAccueilBeneficiaries, AtMostThreeDerogations) {
  EXPECT_EQ(stay("600", "500", "2").status("fonctionnement.sejours_derogations"), "conform");
  EXPECT_EQ(stay("600", "500", "3").status("fonctionnement.sejours_derogations"), "conform");
  EXPECT_EQ(stay("600", "500", "4").status("fonctionnement.sejours_derogations"), "nonconform");
}

TEST(MaisonAccueilBeneficiaries, DerogationsFollowTheAnnex13Model) {
  EXPECT_EQ(stay("400", "300", "1", "oui").status("fonctionnement.sejours_annexe13"), "conform");
  EXPECT_EQ(stay("400", "300", "1", "non").status("fonctionnement.sejours_annexe13"), "nonconform");
  EXPECT_EQ(stay("400", "300", "1").status("fonctionnement.sejours_annexe13"), "unknown");
  EXPECT_EQ(stay("300", "200", "0", "non").status("fonctionnement.sejours_annexe13"), "conform");
}

TEST(MaisonAccueilBeneficiaries, OneLongStayAmongSeveralIsNonconformAndCounted) {
  GridHarness h = stay("300", "100", "");
  h.add_row("fonctionnement.sejours", {"reference=D-2024-018", "duree_pai=300", "jours=290"});
  EXPECT_EQ(h.status("fonctionnement.sejours_duree"), "nonconform");
  EXPECT_TRUE(contains(h.message("fonctionnement.sejours_duree"),
                       "1 séjour(s) au-delà de la durée admise sur 2"))
      << h.message("fonctionnement.sejours_duree");
}

TEST(MaisonAccueilBeneficiaries, NoSampledStayIsUnknown) {
  GridHarness h(kGrid);
  EXPECT_EQ(h.status("fonctionnement.sejours_duree"), "unknown");
  EXPECT_EQ(h.status("fonctionnement.sejours_derogations"), "unknown");
  EXPECT_EQ(h.status("fonctionnement.sejours_annexe13"), "unknown");
}

TEST(MaisonAccueilBeneficiaries, MissingStayFigureIsUnknown) {
  GridHarness h(kGrid);
  h.add_row("fonctionnement.sejours", {"reference=D-1", "jours=100"});
  EXPECT_EQ(h.status("fonctionnement.sejours_duree"), "unknown");
}

// ---------------------------------------------------------------------------------------
// IV. Activity report by 1 March (art. 46 C.D. & 12/3 C.D.)

GridHarness report_sent(const std::string& year, const std::string& sent) {
  GridHarness h(kGrid);
  h.set("fonctionnement.rapport_activites_annee", year)
      .set("fonctionnement.rapport_activites_envoi", sent);
  return h;
}

TEST(MaisonAccueilActivityReport, SentOnFirstMarchIsConform) {
  EXPECT_EQ(report_sent("2024", "2025-03-01").status("fonctionnement.rapport_activites_delai"),
            "conform");
}

TEST(MaisonAccueilActivityReport, SentBeforeFirstMarchIsConform) {
  EXPECT_EQ(report_sent("2024", "28/02/2025").status("fonctionnement.rapport_activites_delai"),
            "conform");
}

TEST(MaisonAccueilActivityReport, SentAfterFirstMarchIsNonconform) {
  GridHarness h = report_sent("2024", "2025-03-02");
  EXPECT_EQ(h.status("fonctionnement.rapport_activites_delai"), "nonconform");
  EXPECT_TRUE(
      contains(h.message("fonctionnement.rapport_activites_delai"), "échéance : 01/03/2025"))
      << h.message("fonctionnement.rapport_activites_delai");
}

TEST(MaisonAccueilActivityReport, NoDateSentIsNotApplicable) {
  GridHarness h(kGrid);
  h.set("fonctionnement.rapport_activites_annee", "2024");
  EXPECT_EQ(h.status("fonctionnement.rapport_activites_delai"), "not_applicable");
}

TEST(MaisonAccueilActivityReport, DateWithoutYearIsUnknown) {
  GridHarness h(kGrid);
  h.set("fonctionnement.rapport_activites_envoi", "2025-02-01");
  EXPECT_EQ(h.status("fonctionnement.rapport_activites_delai"), "unknown");
}

// ---------------------------------------------------------------------------------------
// III. Staffing, art. 94 C.R.: required FTE by number of subsidised places

struct Art94Bracket {
  int places;
  int director;  // required FTE, in hundredths
  int social_worker;
  int educator;
};

void PrintTo(const Art94Bracket& b, std::ostream* os) { *os << b.places << " places"; }

class MaisonAccueilArt94 : public ::testing::TestWithParam<Art94Bracket> {
 protected:
  // The norm at the required FTE, 0.01 below (if possible) and 0.01 above.
  static void check(int places, const std::string& item, const std::string& norm, int required) {
    GridHarness h(kGrid);
    h.set("agrement.places_subventionnees", std::to_string(places));
    EXPECT_EQ(h.value(item + "_requis"), shown(required)) << item;
    h.set(item, hundredths(required));
    EXPECT_EQ(h.status(norm), "conform") << item << " = " << hundredths(required);
    h.set(item, hundredths(required + 1));
    EXPECT_EQ(h.status(norm), "conform") << item << " = " << hundredths(required + 1);
    if (required > 0) {
      h.set(item, hundredths(required - 1));
      EXPECT_EQ(h.status(norm), "nonconform") << item << " = " << hundredths(required - 1);
    }
  }
};

TEST_P(MaisonAccueilArt94, DirectorFteAtJustBelowAndAboveRequirement) {
  check(GetParam().places, "personnel.art94.etp_directeur", "personnel.art94.directeur",
        GetParam().director);
}

TEST_P(MaisonAccueilArt94, SocialWorkerFteAtJustBelowAndAboveRequirement) {
  check(GetParam().places, "personnel.art94.etp_as", "personnel.art94.as",
        GetParam().social_worker);
}

TEST_P(MaisonAccueilArt94, EducatorFteAtJustBelowAndAboveRequirement) {
  check(GetParam().places, "personnel.art94.etp_educateur", "personnel.art94.educateur",
        GetParam().educator);
}

// Each bracket boundary of the canvas table: 10/11, 15/16, 20/21, 30/31, 40/41, 50/51, 60/61.
INSTANTIATE_TEST_SUITE_P(
    Brackets, MaisonAccueilArt94,
    ::testing::Values(Art94Bracket{10, 0, 100, 50}, Art94Bracket{11, 100, 100, 150},
                      Art94Bracket{15, 100, 100, 150}, Art94Bracket{16, 100, 100, 200},
                      Art94Bracket{20, 100, 100, 200}, Art94Bracket{21, 100, 100, 300},
                      Art94Bracket{30, 100, 100, 300}, Art94Bracket{31, 100, 100, 400},
                      Art94Bracket{40, 100, 100, 400}, Art94Bracket{41, 100, 100, 450},
                      Art94Bracket{50, 100, 100, 450}, Art94Bracket{51, 100, 150, 500},
                      Art94Bracket{60, 100, 150, 500}, Art94Bracket{61, 100, 200, 500},
                      Art94Bracket{120, 100, 200, 500}),
    [](const ::testing::TestParamInfo<Art94Bracket>& p) {
      return "places_" + std::to_string(p.param.places);
    });

TEST(MaisonAccueilStaffing, Art94MessageShowsPresentAndRequiredFte) {
  GridHarness h(kGrid);
  h.set("agrement.places_subventionnees", "16").set("personnel.art94.etp_educateur", "1,5");
  EXPECT_EQ(h.status("personnel.art94.educateur"), "nonconform");
  EXPECT_TRUE(contains(h.message("personnel.art94.educateur"),
                       "1,5 ETP éducateur cl. 1 pour 16 places subventionnées (requis : 2 ETP)"))
      << h.message("personnel.art94.educateur");
}

TEST(MaisonAccueilStaffing, Art94WithoutPlacesIsUnknown) {
  GridHarness h(kGrid);
  h.set("personnel.art94.etp_directeur", "1")
      .set("personnel.art94.etp_as", "2")
      .set("personnel.art94.etp_educateur", "5");
  EXPECT_EQ(h.status("personnel.art94.directeur"), "unknown");
  EXPECT_EQ(h.status("personnel.art94.as"), "unknown");
  EXPECT_EQ(h.status("personnel.art94.educateur"), "unknown");
}

TEST(MaisonAccueilStaffing, Art94WithoutFteIsUnknown) {
  GridHarness h(kGrid);
  h.set("agrement.places_subventionnees", "30");
  EXPECT_EQ(h.status("personnel.art94.directeur"), "unknown");
  EXPECT_EQ(h.status("personnel.art94.as"), "unknown");
  EXPECT_EQ(h.status("personnel.art94.educateur"), "unknown");
}

TEST(MaisonAccueilStaffing, StaffListAcceptsRowsPerSubsidyArticle) {
  GridHarness h(kGrid);
  h.add_row("personnel.art94.personnel",
            {"nom=Dupont Marie", "fonction=Directrice", "etp_subv=1", "etp_total=1", "site=Namur"});
  h.add_row("personnel.autres.personnel",
            {"nom=Martin Paul", "fonction=Ouvrier", "etp=0,5", "financement=APE", "site=Namur"});
  for (const char* table :
       {"personnel.art95.personnel", "personnel.art96.personnel", "personnel.art97.personnel",
        "personnel.art98.personnel", "personnel.art99.personnel"}) {
    h.add_row(table, {"nom=X", "fonction=AS", "etp_subv=0,5", "etp_total=1", "site=Namur"});
  }
  EXPECT_THROW(h.add_row("personnel.art94.personnel", {"etp_subv=-1"}), std::runtime_error);
}

// Art. 95 and 96 C.R.: 0.5 FTE for 20 places ... 1.75 above 60 places.
struct ChildBracket {
  int places;
  int required;  // hundredths
};

void PrintTo(const ChildBracket& b, std::ostream* os) { *os << b.places << " places"; }

class MaisonAccueilArt95And96 : public ::testing::TestWithParam<ChildBracket> {
 protected:
  static void check(const std::string& art) {
    GridHarness h(kGrid);
    h.set("agrement.subvention_" + art, "oui");
    h.set("agrement.places_subventionnees", std::to_string(GetParam().places));
    const std::string item = "personnel." + art + ".etp";
    const std::string norm = "personnel." + art;
    EXPECT_EQ(h.value(item + "_requis"), shown(GetParam().required));
    h.set(item, hundredths(GetParam().required));
    EXPECT_EQ(h.status(norm), "conform");
    h.set(item, hundredths(GetParam().required + 1));
    EXPECT_EQ(h.status(norm), "conform");
    h.set(item, hundredths(GetParam().required - 1));
    EXPECT_EQ(h.status(norm), "nonconform");
  }
};

TEST_P(MaisonAccueilArt95And96, Art95FteAtJustBelowAndAboveRequirement) { check("art95"); }
TEST_P(MaisonAccueilArt95And96, Art96FteAtJustBelowAndAboveRequirement) { check("art96"); }

INSTANTIATE_TEST_SUITE_P(Brackets, MaisonAccueilArt95And96,
                         ::testing::Values(ChildBracket{20, 50}, ChildBracket{21, 75},
                                           ChildBracket{30, 75}, ChildBracket{31, 100},
                                           ChildBracket{40, 100}, ChildBracket{41, 125},
                                           ChildBracket{50, 125}, ChildBracket{51, 150},
                                           ChildBracket{60, 150}, ChildBracket{61, 175},
                                           ChildBracket{100, 175}),
                         [](const ::testing::TestParamInfo<ChildBracket>& p) {
                           return "places_" + std::to_string(p.param.places);
                         });

TEST(MaisonAccueilStaffing, SpecificSubsidyNormsAreNotApplicableWhenNotTicked) {
  GridHarness h(kGrid);
  h.set("agrement.places_subventionnees", "30");
  for (const char* art : {"art95", "art96", "art97", "art98", "art99"}) {
    h.set(std::string("personnel.") + art + ".etp", "0");
  }
  h.set("personnel.art99.frais_fonctionnement", "50000");
  for (const char* norm : {"personnel.art95", "personnel.art96", "personnel.art97",
                           "personnel.art98", "personnel.art99", "personnel.art99_frais"}) {
    EXPECT_EQ(h.status(norm), "not_applicable") << norm;
  }
  for (const char* box :
       {"agrement.subvention_art95", "agrement.subvention_art96", "agrement.subvention_art97",
        "agrement.subvention_art98", "agrement.subvention_art99"}) {
    h.set(box, "non");
  }
  for (const char* norm : {"personnel.art95", "personnel.art96", "personnel.art97",
                           "personnel.art98", "personnel.art99", "personnel.art99_frais"}) {
    EXPECT_EQ(h.status(norm), "not_applicable") << norm;
  }
}

TEST(MaisonAccueilStaffing, SpecificSubsidyTickedWithoutFteIsUnknown) {
  GridHarness h(kGrid);
  h.set("agrement.places_subventionnees", "30");
  for (const char* box :
       {"agrement.subvention_art95", "agrement.subvention_art96", "agrement.subvention_art97",
        "agrement.subvention_art98", "agrement.subvention_art99"}) {
    h.set(box, "oui");
  }
  for (const char* norm : {"personnel.art95", "personnel.art96", "personnel.art97",
                           "personnel.art98", "personnel.art99"}) {
    EXPECT_EQ(h.status(norm), "unknown") << norm;
  }
}

TEST(MaisonAccueilStaffing, Art95WithoutPlacesIsUnknown) {
  GridHarness h(kGrid);
  h.set("agrement.subvention_art95", "oui").set("personnel.art95.etp", "2");
  EXPECT_EQ(h.status("personnel.art95"), "unknown");
}

TEST(MaisonAccueilStaffing, Art97RequiresOneFte) {
  GridHarness h(kGrid);
  h.set("agrement.subvention_art97", "oui");
  h.set("personnel.art97.etp", "0.99");
  EXPECT_EQ(h.status("personnel.art97"), "nonconform");
  h.set("personnel.art97.etp", "1");
  EXPECT_EQ(h.status("personnel.art97"), "conform");
  h.set("personnel.art97.etp", "1.01");
  EXPECT_EQ(h.status("personnel.art97"), "conform");
}

TEST(MaisonAccueilStaffing, Art98RequiresOneFte) {
  GridHarness h(kGrid);
  h.set("agrement.subvention_art98", "oui");
  h.set("personnel.art98.etp", "0.99");
  EXPECT_EQ(h.status("personnel.art98"), "nonconform");
  h.set("personnel.art98.etp", "1");
  EXPECT_EQ(h.status("personnel.art98"), "conform");
  h.set("personnel.art98.etp", "1.01");
  EXPECT_EQ(h.status("personnel.art98"), "conform");
}

TEST(MaisonAccueilStaffing, Art99RequiresOneFteOrOperatingCosts) {
  GridHarness h(kGrid);
  h.set("agrement.subvention_art99", "oui");
  h.set("personnel.art99.etp", "1");
  EXPECT_EQ(h.status("personnel.art99"), "conform");
  h.set("personnel.art99.etp", "1.01");
  EXPECT_EQ(h.status("personnel.art99"), "conform");
  h.set("personnel.art99.etp", "0.99");
  EXPECT_EQ(h.status("personnel.art99"), "unknown");
  h.set("personnel.art99.frais_fonctionnement", "0");
  EXPECT_EQ(h.status("personnel.art99"), "nonconform");
  h.set("personnel.art99.frais_fonctionnement", "15000");
  EXPECT_EQ(h.status("personnel.art99"), "conform");
  h.set("personnel.art99.etp", "0");
  EXPECT_EQ(h.status("personnel.art99"), "conform");
}

TEST(MaisonAccueilStaffing, Art99OperatingCostsAtMost20000IndexedEuros) {
  GridHarness h(kGrid);
  h.set("agrement.subvention_art99", "oui");
  EXPECT_EQ(h.status("personnel.art99_frais"), "not_applicable");
  h.set("personnel.art99.frais_fonctionnement", "26392");  // 20 000 × 1,3196
  EXPECT_EQ(h.status("personnel.art99_frais"), "conform");
  h.set("personnel.art99.frais_fonctionnement", "26392.01");
  EXPECT_EQ(h.status("personnel.art99_frais"), "nonconform");
  h.set("personnel.art99.frais_fonctionnement", "26391.99");
  EXPECT_EQ(h.status("personnel.art99_frais"), "conform");
  EXPECT_TRUE(contains(h.message("personnel.art99_frais"), "maximum 26392 €"))
      << h.message("personnel.art99_frais");
}

// ---------------------------------------------------------------------------------------
// IV. Specific actions: conditions of art. 95 to 99 C.R.

TEST(MaisonAccueilSpecificActions, Art95And96NeedAtLeast20Places) {
  for (const char* art : {"art95", "art96"}) {
    GridHarness h(kGrid);
    h.set(std::string("agrement.subvention_") + art, "oui");
    const std::string norm = std::string("fonctionnement.") + art + "_places";
    h.set("agrement.places_subventionnees", "19");
    EXPECT_EQ(h.status(norm), "nonconform") << art;
    h.set("agrement.places_subventionnees", "20");
    EXPECT_EQ(h.status(norm), "conform") << art;
    h.set("agrement.places_subventionnees", "21");
    EXPECT_EQ(h.status(norm), "conform") << art;
  }
}

TEST(MaisonAccueilSpecificActions, Art95And96NeedChildNightsAtLeast25PercentOverTwoYears) {
  for (const char* art : {"art95", "art96"}) {
    const std::string norm = std::string("fonctionnement.") + art + "_nuitees_enfants";
    GridHarness h = two_years("5000", "10000", "2500", "5000", "10000", "2500");
    h.set(std::string("agrement.subvention_") + art, "oui");
    EXPECT_EQ(h.status(norm), "conform") << art;
    h.set("fonctionnement.nuitees_enfants_prec", "2499");  // 24,995 %
    EXPECT_EQ(h.status(norm), "nonconform") << art;
    h.set("fonctionnement.nuitees_enfants_prec", "2501");
    EXPECT_EQ(h.status(norm), "conform") << art;
    h.set("fonctionnement.nuitees_enfants_prec", "");
    EXPECT_EQ(h.status(norm), "unknown") << art;
  }
}

TEST(MaisonAccueilSpecificActions, Art98NeedsAtLeast50Places) {
  GridHarness h(kGrid);
  h.set("agrement.subvention_art98", "oui");
  h.set("agrement.places_subventionnees", "49");
  EXPECT_EQ(h.status("fonctionnement.art98_places"), "nonconform");
  h.set("agrement.places_subventionnees", "50");
  EXPECT_EQ(h.status("fonctionnement.art98_places"), "conform");
  h.set("agrement.places_subventionnees", "51");
  EXPECT_EQ(h.status("fonctionnement.art98_places"), "conform");
}

TEST(MaisonAccueilSpecificActions, Art97NeedsMoreThan1000YearlyNightsOfVictims) {
  GridHarness h(kGrid);
  h.set("agrement.subvention_art97", "oui");
  EXPECT_EQ(h.status("fonctionnement.art97_nuitees_vc"), "unknown");
  h.set("fonctionnement.art97_nuitees_vc", "999");
  EXPECT_EQ(h.status("fonctionnement.art97_nuitees_vc"), "nonconform");
  h.set("fonctionnement.art97_nuitees_vc", "1000");
  EXPECT_EQ(h.status("fonctionnement.art97_nuitees_vc"), "nonconform");
  h.set("fonctionnement.art97_nuitees_vc", "1001");
  EXPECT_EQ(h.status("fonctionnement.art97_nuitees_vc"), "conform");
}

TEST(MaisonAccueilSpecificActions, Art97EmergencyRoomNeedsAtLeastTwoBeds) {
  GridHarness h(kGrid);
  h.set("agrement.subvention_art97", "oui");
  h.set("fonctionnement.art97_lits_urgence", "1");
  EXPECT_EQ(h.status("fonctionnement.art97_lits_urgence"), "nonconform");
  h.set("fonctionnement.art97_lits_urgence", "2");
  EXPECT_EQ(h.status("fonctionnement.art97_lits_urgence"), "conform");
  h.set("fonctionnement.art97_lits_urgence", "3");
  EXPECT_EQ(h.status("fonctionnement.art97_lits_urgence"), "conform");
}

TEST(MaisonAccueilSpecificActions, Art99Accompanies20HouseholdsSimultaneously) {
  GridHarness h(kGrid);
  h.set("agrement.subvention_art99", "oui");
  h.set("fonctionnement.art99_menages", "19");
  EXPECT_EQ(h.status("fonctionnement.art99_menages"), "nonconform");
  h.set("fonctionnement.art99_menages", "20");
  EXPECT_EQ(h.status("fonctionnement.art99_menages"), "conform");
  h.set("fonctionnement.art99_menages", "21");
  EXPECT_EQ(h.status("fonctionnement.art99_menages"), "conform");
}

TEST(MaisonAccueilSpecificActions, ConditionsAreNotApplicableWithoutTheSubsidy) {
  GridHarness h(kGrid);
  h.set("agrement.places_subventionnees", "10").set("fonctionnement.art97_nuitees_vc", "10");
  h.set("fonctionnement.art97_lits_urgence", "0").set("fonctionnement.art99_menages", "1");
  h.set("fonctionnement.art97_permanence_24h", "non");
  for (const char* norm : {"fonctionnement.art95_places", "fonctionnement.art95_nuitees_enfants",
                           "fonctionnement.art96_places", "fonctionnement.art96_nuitees_enfants",
                           "fonctionnement.art97_nuitees_vc", "fonctionnement.art97_lits_urgence",
                           "fonctionnement.art97_permanence_24h", "fonctionnement.art98_places",
                           "fonctionnement.art99_menages"}) {
    EXPECT_EQ(h.status(norm), "not_applicable") << norm;
  }
}

// ---------------------------------------------------------------------------------------
// V. Individual file: PAI written within 30 days of arrival (art. 94 C.D.)

GridHarness pai(const std::string& arrival, const std::string& written) {
  GridHarness h(kGrid);
  h.add_row("dossier_individuel.pai_echantillon",
            {"reference=D-7", "date_arrivee=" + arrival, "date_pai=" + written});
  return h;
}

TEST(MaisonAccueilIndividualFile, PaiWrittenOnDay30IsConform) {
  EXPECT_EQ(pai("2025-01-01", "2025-01-31").status("dossier_individuel.pai_delai"), "conform");
}

TEST(MaisonAccueilIndividualFile, PaiWrittenBeforeDay30IsConform) {
  EXPECT_EQ(pai("2025-01-01", "2025-01-30").status("dossier_individuel.pai_delai"), "conform");
}

TEST(MaisonAccueilIndividualFile, PaiWrittenOnDay31IsNonconform) {
  GridHarness h = pai("2025-01-01", "2025-02-01");
  EXPECT_EQ(h.status("dossier_individuel.pai_delai"), "nonconform");
  EXPECT_TRUE(
      contains(h.message("dossier_individuel.pai_delai"), "1 PAI rédigé(s) après 30 jours sur 1"))
      << h.message("dossier_individuel.pai_delai");
}

TEST(MaisonAccueilIndividualFile, NoSampledFileOrMissingDateIsUnknown) {
  GridHarness h(kGrid);
  EXPECT_EQ(h.status("dossier_individuel.pai_delai"), "unknown");
  EXPECT_EQ(pai("2025-01-01", "").status("dossier_individuel.pai_delai"), "unknown");
}

// ---------------------------------------------------------------------------------------
// VI. Financial participation: minima indexed with coefficient 1,3196 (6 € and 10 €)

TEST(MaisonAccueilParticipation, GiteMinimumIs6EurosTimesTheCoefficient) {
  GridHarness h(kGrid);
  h.set("participation.paf_gite", "7.92");
  EXPECT_EQ(h.status("participation.paf_gite_minimum"), "conform");
  h.set("participation.paf_gite", "7.91");
  EXPECT_EQ(h.status("participation.paf_gite_minimum"), "nonconform");
  h.set("participation.paf_gite", "7.93");
  EXPECT_EQ(h.status("participation.paf_gite_minimum"), "conform");
  EXPECT_TRUE(contains(h.message("participation.paf_gite_minimum"), "minimum 7,92 €"))
      << h.message("participation.paf_gite_minimum");
}

TEST(MaisonAccueilParticipation, GiteEtCouvertMinimumIs10EurosTimesTheCoefficient) {
  GridHarness h(kGrid);
  h.set("participation.paf_gite_couvert", "13,20 €");
  EXPECT_EQ(h.status("participation.paf_gite_couvert_minimum"), "conform");
  h.set("participation.paf_gite_couvert", "13.19");
  EXPECT_EQ(h.status("participation.paf_gite_couvert_minimum"), "nonconform");
  h.set("participation.paf_gite_couvert", "13.21");
  EXPECT_EQ(h.status("participation.paf_gite_couvert_minimum"), "conform");
  EXPECT_TRUE(contains(h.message("participation.paf_gite_couvert_minimum"), "minimum 13,2 €"))
      << h.message("participation.paf_gite_couvert_minimum");
}

TEST(MaisonAccueilParticipation, MissingPafIsUnknown) {
  GridHarness h(kGrid);
  EXPECT_EQ(h.status("participation.paf_gite_minimum"), "unknown");
  EXPECT_EQ(h.status("participation.paf_gite_couvert_minimum"), "unknown");
}

TEST(MaisonAccueilParticipation, PafHasAtMostTwoDecimals) {
  GridHarness h(kGrid);
  EXPECT_THROW(h.set("participation.paf_gite", "7.9176"), std::runtime_error);
  EXPECT_THROW(h.set("participation.paf_gite", "-1"), std::runtime_error);
}

// Maxima on sampled files (monthly amounts): gîte 4/10 × R + 2/3 × 4/10 × AF,
// gîte et couvert 2/3 × R + 4/9 × AF.
GridHarness paf_file(const std::string& formula, const std::string& resources,
                     const std::string& family, const std::string& paf) {
  GridHarness h(kGrid);
  h.add_row("participation.paf_echantillon",
            {"reference=D-3", "formule=" + formula, "ressources=" + resources,
             "allocations_familiales=" + family, "paf=" + paf});
  return h;
}

TEST(MaisonAccueilParticipation, GiteMaximumAtJustBelowAndAbove) {
  // 4/10 × 1000 + 2/3 × 4/10 × 300 = 400 + 80 = 480 €.
  EXPECT_EQ(paf_file("gite", "1000", "300", "480").status("participation.paf_maximum_gite"),
            "conform");
  EXPECT_EQ(paf_file("gite", "1000", "300", "479.99").status("participation.paf_maximum_gite"),
            "conform");
  EXPECT_EQ(paf_file("gite", "1000", "300", "480.01").status("participation.paf_maximum_gite"),
            "nonconform");
}

TEST(MaisonAccueilParticipation, GiteMaximumWithoutFamilyAllowanceIs4TenthsOfResources) {
  EXPECT_EQ(paf_file("gite", "1000", "", "400").status("participation.paf_maximum_gite"),
            "conform");
  EXPECT_EQ(paf_file("gite", "1000", "", "400.01").status("participation.paf_maximum_gite"),
            "nonconform");
}

TEST(MaisonAccueilParticipation, GiteEtCouvertMaximumAtJustBelowAndAbove) {
  // 2/3 × 900 + 4/9 × 450 = 600 + 200 = 800 €.
  EXPECT_EQ(paf_file("gite_couvert", "900", "450", "800")
                .status("participation.paf_maximum_gite_couvert"),
            "conform");
  EXPECT_EQ(paf_file("gite_couvert", "900", "450", "799.99")
                .status("participation.paf_maximum_gite_couvert"),
            "conform");
  EXPECT_EQ(paf_file("gite_couvert", "900", "450", "800.01")
                .status("participation.paf_maximum_gite_couvert"),
            "nonconform");
}

TEST(MaisonAccueilParticipation, EachFormulaIsCheckedAgainstItsOwnMaximum) {
  // 500 € is above the gîte maximum (400 €) but below the gîte et couvert one (666,67 €).
  GridHarness h = paf_file("gite_couvert", "1000", "", "500");
  EXPECT_EQ(h.status("participation.paf_maximum_gite_couvert"), "conform");
  EXPECT_EQ(h.status("participation.paf_maximum_gite"), "unknown");
  h.add_row("participation.paf_echantillon",
            {"reference=D-4", "formule=Gîte", "ressources=1000", "paf=500"});
  EXPECT_EQ(h.status("participation.paf_maximum_gite"), "nonconform");
  EXPECT_EQ(h.status("participation.paf_maximum_gite_couvert"), "conform");
  EXPECT_TRUE(contains(h.message("participation.paf_maximum_gite"),
                       "1 PAF au-delà du maximum sur 1 dossier(s) gîte"))
      << h.message("participation.paf_maximum_gite");
}

TEST(MaisonAccueilParticipation, NoSampledFileIsUnknown) {
  GridHarness h(kGrid);
  EXPECT_EQ(h.status("participation.paf_maximum_gite"), "unknown");
  EXPECT_EQ(h.status("participation.paf_maximum_gite_couvert"), "unknown");
}

TEST(MaisonAccueilParticipation, SampledFileWithMissingPafIsUnknown) {
  EXPECT_EQ(paf_file("gite", "1000", "", "").status("participation.paf_maximum_gite"), "unknown");
}

// ---------------------------------------------------------------------------------------
// VII. Buildings: fire certificate valid on the visit date (Annexe 8 C.R.)

GridHarness fire(const std::string& expiry) {
  GridHarness h(kGrid);
  h.visit("2025-03-10").set("batiments.attestation_incendie_expiration", expiry);
  return h;
}

TEST(MaisonAccueilFireCertificate, ExpiringTheDayBeforeTheVisitIsNonconform) {
  GridHarness h = fire("2025-03-09");
  EXPECT_EQ(h.status("batiments.attestation_incendie_expiration"), "nonconform");
  EXPECT_TRUE(contains(h.message("batiments.attestation_incendie_expiration"),
                       "expiration le 09/03/2025, visite le 10/03/2025"))
      << h.message("batiments.attestation_incendie_expiration");
}

TEST(MaisonAccueilFireCertificate, ExpiringOnTheVisitDayIsConform) {
  EXPECT_EQ(fire("2025-03-10").status("batiments.attestation_incendie_expiration"), "conform");
}

TEST(MaisonAccueilFireCertificate, ExpiringTheDayAfterTheVisitIsConform) {
  EXPECT_EQ(fire("11/03/2025").status("batiments.attestation_incendie_expiration"), "conform");
}

TEST(MaisonAccueilFireCertificate, MissingExpiryOrVisitDateIsUnknown) {
  GridHarness h(kGrid);
  h.visit("2025-03-10");
  EXPECT_EQ(h.status("batiments.attestation_incendie_expiration"), "unknown");
  GridHarness no_visit(kGrid);
  no_visit.set("batiments.attestation_incendie_expiration", "2026-01-01");
  EXPECT_EQ(no_visit.status("batiments.attestation_incendie_expiration"), "unknown");
}

TEST(MaisonAccueilFireCertificate, EverySiteCertificateMustBeValidOnTheVisitDate) {
  GridHarness h(kGrid);
  h.visit("2025-03-10");
  EXPECT_EQ(h.status("batiments.attestations_sites"), "not_applicable");
  h.add_row("batiments.attestations_sites", {"site=Rue Haute", "date_expiration=2025-03-10"});
  EXPECT_EQ(h.status("batiments.attestations_sites"), "conform");
  h.add_row("batiments.attestations_sites", {"site=Rue Basse", "date_expiration=2025-03-09"});
  EXPECT_EQ(h.status("batiments.attestations_sites"), "nonconform");
  EXPECT_TRUE(contains(h.message("batiments.attestations_sites"),
                       "1 attestation(s) expirée(s) sur 2 site(s)"))
      << h.message("batiments.attestations_sites");
}

// ---------------------------------------------------------------------------------------
// VII. Buildings: Annexe 4 C.R. figures

GridHarness sanitary(const std::string& residents, const std::string& key,
                     const std::string& count) {
  GridHarness h(kGrid);
  h.set("batiments.nb_heberges", residents).set(key, count);
  return h;
}

TEST(MaisonAccueilBuildings, OneWcPerTenResidents) {
  EXPECT_EQ(sanitary("30", "batiments.nb_wc", "3").status("batiments.wc"), "conform");
  EXPECT_EQ(sanitary("30", "batiments.nb_wc", "2").status("batiments.wc"), "nonconform");
  EXPECT_EQ(sanitary("30", "batiments.nb_wc", "4").status("batiments.wc"), "conform");
  EXPECT_EQ(sanitary("31", "batiments.nb_wc", "3").status("batiments.wc"), "nonconform");
  EXPECT_EQ(sanitary("29", "batiments.nb_wc", "3").status("batiments.wc"), "conform");
}

TEST(MaisonAccueilBuildings, WcMessageShowsTheMinimum) {
  const std::string m = sanitary("31", "batiments.nb_wc", "3").message("batiments.wc");
  EXPECT_EQ(m, "1 WC / 10 hébergés — 3 WC pour 31 hébergés (minimum 4)");
}

TEST(MaisonAccueilBuildings, OneBathOrShowerPerTwelveResidents) {
  EXPECT_EQ(sanitary("24", "batiments.nb_douches", "2").status("batiments.douches"), "conform");
  EXPECT_EQ(sanitary("24", "batiments.nb_douches", "1").status("batiments.douches"), "nonconform");
  EXPECT_EQ(sanitary("24", "batiments.nb_douches", "3").status("batiments.douches"), "conform");
  EXPECT_EQ(sanitary("25", "batiments.nb_douches", "2").status("batiments.douches"), "nonconform");
  EXPECT_EQ(sanitary("23", "batiments.nb_douches", "2").status("batiments.douches"), "conform");
}

TEST(MaisonAccueilBuildings, OneWashbasinPerFourResidents) {
  EXPECT_EQ(sanitary("20", "batiments.nb_lavabos", "5").status("batiments.lavabos"), "conform");
  EXPECT_EQ(sanitary("20", "batiments.nb_lavabos", "4").status("batiments.lavabos"), "nonconform");
  EXPECT_EQ(sanitary("20", "batiments.nb_lavabos", "6").status("batiments.lavabos"), "conform");
  EXPECT_EQ(sanitary("21", "batiments.nb_lavabos", "5").status("batiments.lavabos"), "nonconform");
  EXPECT_EQ(sanitary("19", "batiments.nb_lavabos", "5").status("batiments.lavabos"), "conform");
}

TEST(MaisonAccueilBuildings, SanitaryRatiosWithoutResidentCountAreUnknown) {
  GridHarness h(kGrid);
  h.set("batiments.nb_wc", "3").set("batiments.nb_douches", "3").set("batiments.nb_lavabos", "3");
  EXPECT_EQ(h.status("batiments.wc"), "unknown");
  EXPECT_EQ(h.status("batiments.douches"), "unknown");
  EXPECT_EQ(h.status("batiments.lavabos"), "unknown");
}

TEST(MaisonAccueilBuildings, TemperatureAtLeast18Degrees) {
  GridHarness h(kGrid);
  EXPECT_EQ(h.status("batiments.temperature"), "unknown");
  h.set("batiments.temperature", "17.9");
  EXPECT_EQ(h.status("batiments.temperature"), "nonconform");
  h.set("batiments.temperature", "18");
  EXPECT_EQ(h.status("batiments.temperature"), "conform");
  h.set("batiments.temperature", "18,1");
  EXPECT_EQ(h.status("batiments.temperature"), "conform");
}

TEST(MaisonAccueilBuildings, AtLeast60CmBetweenTwoAdultBeds) {
  GridHarness h(kGrid);
  EXPECT_EQ(h.status("batiments.distance_lits_adultes"), "unknown");
  h.set("batiments.distance_lits_adultes", "59.9");
  EXPECT_EQ(h.status("batiments.distance_lits_adultes"), "nonconform");
  h.set("batiments.distance_lits_adultes", "60");
  EXPECT_EQ(h.status("batiments.distance_lits_adultes"), "conform");
  h.set("batiments.distance_lits_adultes", "60.1");
  EXPECT_EQ(h.status("batiments.distance_lits_adultes"), "conform");
}

TEST(MaisonAccueilBuildings, AtLeast80CmBetweenAdultAndChildBeds) {
  GridHarness h(kGrid);
  EXPECT_EQ(h.status("batiments.distance_lits_enfants"), "unknown");
  h.set("batiments.distance_lits_enfants", "79.9");
  EXPECT_EQ(h.status("batiments.distance_lits_enfants"), "nonconform");
  h.set("batiments.distance_lits_enfants", "80");
  EXPECT_EQ(h.status("batiments.distance_lits_enfants"), "conform");
  h.set("batiments.distance_lits_enfants", "80.1");
  EXPECT_EQ(h.status("batiments.distance_lits_enfants"), "conform");
}

TEST(MaisonAccueilBuildings, BunkBedsAtMostTwoLevelsAndAtLeast1_2Metres) {
  GridHarness h(kGrid);
  h.set("batiments.presence_lits_superposes", "oui");
  EXPECT_EQ(h.status("batiments.lits_superposes_niveaux"), "unknown");
  h.set("batiments.lits_superposes_niveaux", "1");
  EXPECT_EQ(h.status("batiments.lits_superposes_niveaux"), "conform");
  h.set("batiments.lits_superposes_niveaux", "2");
  EXPECT_EQ(h.status("batiments.lits_superposes_niveaux"), "conform");
  h.set("batiments.lits_superposes_niveaux", "3");
  EXPECT_EQ(h.status("batiments.lits_superposes_niveaux"), "nonconform");
  h.set("batiments.lits_superposes_espace", "1.19");
  EXPECT_EQ(h.status("batiments.lits_superposes_espace"), "nonconform");
  h.set("batiments.lits_superposes_espace", "1.2");
  EXPECT_EQ(h.status("batiments.lits_superposes_espace"), "conform");
  h.set("batiments.lits_superposes_espace", "1.21");
  EXPECT_EQ(h.status("batiments.lits_superposes_espace"), "conform");
}

TEST(MaisonAccueilBuildings, BunkBedFiguresAreNotApplicableWithoutBunkBeds) {
  GridHarness h(kGrid);
  h.set("batiments.lits_superposes_niveaux", "3").set("batiments.lits_superposes_espace", "1");
  EXPECT_EQ(h.status("batiments.lits_superposes_niveaux"), "not_applicable");
  EXPECT_EQ(h.status("batiments.lits_superposes_espace"), "not_applicable");
  h.set("batiments.presence_lits_superposes", "non");
  EXPECT_EQ(h.status("batiments.lits_superposes_niveaux"), "not_applicable");
  EXPECT_EQ(h.status("batiments.lits_superposes_espace"), "not_applicable");
}

GridHarness room(const std::string& surface, const std::string& persons, const std::string& bunk) {
  GridHarness h(kGrid);
  h.add_row("batiments.chambres", {"chambre=12", "surface=" + surface, "personnes=" + persons,
                                   "lits_superposes=" + bunk});
  return h;
}

TEST(MaisonAccueilBuildings, FourSquareMetresPerPerson) {
  EXPECT_EQ(room("8", "2", "").status("batiments.superficie_chambres"), "conform");
  EXPECT_EQ(room("7.99", "2", "").status("batiments.superficie_chambres"), "nonconform");
  EXPECT_EQ(room("8.01", "2", "non").status("batiments.superficie_chambres"), "conform");
}

TEST(MaisonAccueilBuildings, ThreeSquareMetresPerPersonWithBunkBeds) {
  EXPECT_EQ(room("6", "2", "oui").status("batiments.superficie_chambres"), "conform");
  EXPECT_EQ(room("5.99", "2", "oui").status("batiments.superficie_chambres"), "nonconform");
  EXPECT_EQ(room("6.01", "2", "oui").status("batiments.superficie_chambres"), "conform");
}

TEST(MaisonAccueilBuildings, OneSmallRoomAmongSeveralIsNonconform) {
  GridHarness h = room("12", "3", "");
  h.add_row("batiments.chambres", {"chambre=14", "surface=11.5", "personnes=3"});
  EXPECT_EQ(h.status("batiments.superficie_chambres"), "nonconform");
  EXPECT_TRUE(
      contains(h.message("batiments.superficie_chambres"), "1 chambre(s) trop petite(s) sur 2"))
      << h.message("batiments.superficie_chambres");
}

TEST(MaisonAccueilBuildings, NoMeasuredRoomOrMissingFigureIsUnknown) {
  GridHarness h(kGrid);
  EXPECT_EQ(h.status("batiments.superficie_chambres"), "unknown");
  EXPECT_EQ(room("8", "", "").status("batiments.superficie_chambres"), "unknown");
}

// ---------------------------------------------------------------------------------------
// Yes/no questions of the canvas: oui and so conform, non nonconform, unanswered unknown

// Every yes/no item whose norm is "<item> != 'non'", with the specific subsidies ticked so
// that the questions about them apply.
TEST(MaisonAccueilYesNo, EveryCanvasQuestionIsConformForOuiAndSoNonconformForNonUnknownUnanswered) {
  GridHarness probe(kGrid);
  std::vector<std::pair<std::string, std::string>> questions;  // item, norm id
  for (const auto& cn : probe.grid().norms()) {
    const auto& item = probe.grid().item(cn.item);
    if (item.type == core::ItemType::kYesNo && cn.norm->condition == item.key + " != 'non'") {
      questions.emplace_back(item.key, cn.norm->id);
    }
  }
  // 9 in IV (report, PAC ×2, ROI, conventions ×2, registers ×2, council) + 10 specific
  // actions, 4 in V, 3 in VI, 2 fire + 25 Annexe 4 rows in VII.
  EXPECT_EQ(questions.size(), 53u);
  for (const auto& [item, norm] : questions) {
    GridHarness h(kGrid);
    for (const char* box :
         {"agrement.subvention_art95", "agrement.subvention_art96", "agrement.subvention_art97",
          "agrement.subvention_art98", "agrement.subvention_art99"}) {
      h.set(box, "oui");
    }
    EXPECT_EQ(h.status(norm), "unknown") << item;
    h.set(item, "oui");
    EXPECT_EQ(h.status(norm), "conform") << item;
    h.set(item, "so");
    EXPECT_EQ(h.status(norm), "conform") << item;
    h.set(item, "non");
    EXPECT_EQ(h.status(norm), "nonconform") << item;
    EXPECT_TRUE(contains(h.message(norm), "réponse : non")) << item << " : " << h.message(norm);
    h.set(item, "");
    EXPECT_EQ(h.status(norm), "unknown") << item;
  }
}

TEST(MaisonAccueilYesNo, AnnexFourTableHasEveryRowOfTheCanvas) {
  GridHarness h(kGrid);
  for (const char* key : {"salubre",
                          "entretien",
                          "temperature_18",
                          "eclairage_aeration",
                          "eau_potable",
                          "non_fumeurs",
                          "literie",
                          "trousse_secours",
                          "sanitaires_aeration",
                          "wc_10",
                          "douches_12",
                          "lavabos_4",
                          "sanitaires_distincts",
                          "separation_chambres",
                          "espace_60",
                          "espace_80",
                          "lits_superposes",
                          "superficie",
                          "amenagement",
                          "animaux",
                          "enfants_espace",
                          "enfants_moins_3",
                          "enfants_local_activites",
                          "enfants_responsabilite",
                          "salle_sejour"}) {
    const std::string full = std::string("batiments.") + key;
    ASSERT_TRUE(h.grid().find_item(full).has_value()) << full;
    h.set(full, "non");
    EXPECT_EQ(h.status(full), "nonconform") << full;
  }
}

TEST(MaisonAccueilYesNo, SpecificActionQuestionsAreNotApplicableWithoutTheSubsidy) {
  GridHarness h(kGrid);
  for (const char* key : {"fonctionnement.art97_max_2_ma", "fonctionnement.art98_une_ma",
                          "fonctionnement.art99_ouvert", "fonctionnement.art99_relais_social"}) {
    h.set(key, "non");
    EXPECT_EQ(h.status(key), "not_applicable") << key;
  }
}

TEST(MaisonAccueilYesNo, AnswerMustBeOuiNonOrSo) {
  GridHarness h(kGrid);
  EXPECT_THROW(h.set("batiments.salubre", "peut-être"), std::runtime_error);
  h.set("batiments.salubre", "sans objet");
  EXPECT_EQ(h.status("batiments.salubre"), "conform");
}

}  // namespace
}  // namespace carnet::testing
