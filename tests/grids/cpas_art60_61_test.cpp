// Norm tests of grids/cpas-art60-61.grid: phase 1 (SPP Intégration sociale / e-Comptes
// discrepancies, per year and for the reference year) and phase 2 (supporting documents in
// each worker's file).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/grid_harness.hpp"

namespace carnet::testing {
namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// One phase 1 row: the year, then art. 60 §7 SPP IS / e-Comptes, art. 61 SPP IS / e-Comptes.
void add_year(GridHarness& h, const std::string& year, const std::string& spp60, const std::string& ec60,
              const std::string& spp61, const std::string& ec61) {
  h.add_row("phase1.annees", {"annee=" + year, "spp_art60=" + spp60, "ecomptes_art60=" + ec60,
                              "spp_art61=" + spp61, "ecomptes_art61=" + ec61});
}

// One phase 2 row with every document present; `changes` ("column=value") override the defaults.
void add_worker(GridHarness& h, const std::string& reference, const std::string& type,
                const std::vector<std::string>& changes = {}) {
  std::vector<std::string> cells = {"reference=" + reference, "type_contrat=" + type,
                                    "date_debut=2024-01-15", "date_fin=2025-07-14",
                                    "beneficiaire_dis=oui", "decision_conseil=oui", "contrat_travail=oui",
                                    "fiches_paie=oui", "plan_accompagnement=oui", "evaluations=oui"};
  if (type == "art60") {
    cells.insert(cells.end(), {"mise_a_disposition=non", "convention_mad=so", "convention_collaboration=so",
                               "duree_chomage=oui"});
  } else {
    cells.insert(cells.end(), {"mise_a_disposition=so", "convention_mad=so", "convention_collaboration=oui",
                               "duree_chomage=so"});
  }
  cells.insert(cells.end(), changes.begin(), changes.end());  // later cells win
  h.add_row("phase2.travailleurs", cells);
}

const std::vector<std::string> kEveryWorkerNorms = {"phase2.beneficiaire_dis", "phase2.decision_conseil",
                                                    "phase2.contrat_travail", "phase2.fiches_paie",
                                                    "phase2.plan_accompagnement", "phase2.evaluations"};

// ---------------------------------------------------------------------------------------------
// The grid itself

TEST(CpasArt6061Grid, HasPhaseOneAndPhaseTwoSections) {
  GridHarness h("cpas-art60-61");
  const auto& sections = h.grid().def().sections;
  ASSERT_EQ(sections.size(), 2u);
  EXPECT_EQ(sections[0].key, "phase1");
  EXPECT_EQ(sections[0].number, "I");
  EXPECT_EQ(sections[1].key, "phase2");
  EXPECT_EQ(sections[1].number, "II");
}

TEST(CpasArt6061Grid, ToleranceParameterFlagsAnyDifferenceByDefault) {
  GridHarness h("cpas-art60-61");
  const auto& params = h.grid().def().params;
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0].name, "tolerance_ecart");
  EXPECT_TRUE(params[0].value.is_zero());
  EXPECT_FALSE(params[0].reference.empty());
}

TEST(CpasArt6061Grid, EveryNormHasAReferenceAndADetail) {
  GridHarness h("cpas-art60-61");
  for (const auto& n : h.grid().norms()) {
    EXPECT_FALSE(n.norm->reference.empty()) << n.norm->id;
    EXPECT_FALSE(n.norm->detail.empty()) << n.norm->id;
  }
}

// ---------------------------------------------------------------------------------------------
// Phase 1 — every year

TEST(CpasArt6061Grid, YearlyComparisonUnknownWithoutAnyYear) {
  GridHarness h("cpas-art60-61");
  EXPECT_EQ(h.status("phase1.ecarts_art60_annees"), "unknown");
  EXPECT_EQ(h.status("phase1.ecarts_art61_annees"), "unknown");
}

TEST(CpasArt6061Grid, YearlyComparisonConformWhenFiguresMatch) {
  GridHarness h("cpas-art60-61");
  add_year(h, "2023", "120000", "120000", "15000,50", "15000,50");
  add_year(h, "2024", "98000,25", "98000,25", "0", "0");
  EXPECT_EQ(h.status("phase1.ecarts_art60_annees"), "conform");
  EXPECT_EQ(h.status("phase1.ecarts_art61_annees"), "conform");
  EXPECT_TRUE(contains(h.message("phase1.ecarts_art60_annees"), "0 exercice(s) sur 2"))
      << h.message("phase1.ecarts_art60_annees");
}

TEST(CpasArt6061Grid, YearlyDiscrepancyOfOneCentAboveIsFlagged) {
  GridHarness h("cpas-art60-61");
  add_year(h, "2023", "120000", "120000", "15000", "15000");
  add_year(h, "2024", "98000", "98000,01", "5000", "5000");
  EXPECT_EQ(h.status("phase1.ecarts_art60_annees"), "nonconform");
  EXPECT_EQ(h.status("phase1.ecarts_art61_annees"), "conform");
  EXPECT_EQ(h.message("phase1.ecarts_art60_annees"),
            "Les données art. 60 §7 du SPP Intégration sociale et de e-Comptes concordent pour chaque exercice — "
            "1 exercice(s) sur 2 avec un écart supérieur à la tolérance de 0 % ; écart cumulé 0,01 €");
}

TEST(CpasArt6061Grid, YearlyDiscrepancyOfOneCentBelowIsFlagged) {
  GridHarness h("cpas-art60-61");
  add_year(h, "2024", "5000", "5000", "7000", "6999,99");
  EXPECT_EQ(h.status("phase1.ecarts_art60_annees"), "conform");
  EXPECT_EQ(h.status("phase1.ecarts_art61_annees"), "nonconform");
  EXPECT_TRUE(contains(h.message("phase1.ecarts_art61_annees"), "écart cumulé -0,01 €"))
      << h.message("phase1.ecarts_art61_annees");
}

TEST(CpasArt6061Grid, AccountingWithoutFederalFiguresIsFlagged) {
  GridHarness h("cpas-art60-61");
  add_year(h, "2024", "0", "250", "0", "0");
  EXPECT_EQ(h.status("phase1.ecarts_art60_annees"), "nonconform");
}

TEST(CpasArt6061Grid, YearlyComparisonUnknownWhenAFigureIsMissing) {
  GridHarness h("cpas-art60-61");
  add_year(h, "2023", "1000", "1000", "0", "0");
  h.add_row("phase1.annees", {"annee=2024", "spp_art60=2000", "spp_art61=0", "ecomptes_art61=0"});
  EXPECT_EQ(h.status("phase1.ecarts_art60_annees"), "unknown");
  EXPECT_EQ(h.status("phase1.ecarts_art61_annees"), "conform");
  add_year(h, "2022", "1000", "900", "0", "0");  // a known discrepancy wins over the missing figure
  EXPECT_EQ(h.status("phase1.ecarts_art60_annees"), "nonconform");
}

TEST(CpasArt6061Grid, NegativeAmountsAreRefused) {
  GridHarness h("cpas-art60-61");
  EXPECT_THROW(h.add_row("phase1.annees", {"annee=2024", "spp_art60=-1"}), std::runtime_error);
  EXPECT_THROW(h.add_row("phase1.annees", {"annee=2024", "spp_art60=10,001"}), std::runtime_error);
}

// ---------------------------------------------------------------------------------------------
// Phase 1 — reference year (computed from the table)

TEST(CpasArt6061Grid, ReferenceYearFiguresAreTakenFromItsRow) {
  GridHarness h("cpas-art60-61");
  add_year(h, "2023", "90000", "90000", "10000", "10000");
  add_year(h, "2024", "100000", "101000", "20000", "19500");
  h.set("phase1.annee_reference", "2024");
  EXPECT_EQ(h.value("phase1.spp_art60"), "100000");
  EXPECT_EQ(h.value("phase1.ecomptes_art60"), "101000");
  EXPECT_EQ(h.value("phase1.ecart_art60"), "1000");
  EXPECT_EQ(h.value("phase1.ecart_art60_pct"), "1");
  EXPECT_EQ(h.value("phase1.spp_art61"), "20000");
  EXPECT_EQ(h.value("phase1.ecomptes_art61"), "19500");
  EXPECT_EQ(h.value("phase1.ecart_art61"), "-500");
  EXPECT_EQ(h.value("phase1.ecart_art61_pct"), "-2,5");
  EXPECT_EQ(h.status("phase1.ecart_art60_reference"), "nonconform");
  EXPECT_EQ(h.status("phase1.ecart_art61_reference"), "nonconform");
  EXPECT_EQ(h.message("phase1.ecart_art60_reference"),
            "Les données art. 60 §7 du SPP Intégration sociale et de e-Comptes concordent pour l'exercice de "
            "référence — exercice 2024 : SPP IS 100000 €, e-Comptes 101000 €, écart 1000 € (1 %), tolérance 0 %");
  h.set("phase1.annee_reference", "2023");
  EXPECT_EQ(h.value("phase1.ecart_art60"), "0");
  EXPECT_EQ(h.status("phase1.ecart_art60_reference"), "conform");
  EXPECT_EQ(h.status("phase1.ecart_art61_reference"), "conform");
}

TEST(CpasArt6061Grid, ReferenceYearDiscrepancyZeroConformOneCentEitherWayNonconform) {
  for (const auto& [ecomptes, expected] : std::vector<std::pair<std::string, std::string>>{
           {"5000", "conform"}, {"5000,01", "nonconform"}, {"4999,99", "nonconform"}}) {
    GridHarness h("cpas-art60-61");
    add_year(h, "2024", "5000", ecomptes, "800", ecomptes == "5000" ? "800" : "800,01");
    h.set("phase1.annee_reference", "2024");
    EXPECT_EQ(h.status("phase1.ecart_art60_reference"), expected) << ecomptes;
    EXPECT_EQ(h.status("phase1.ecart_art61_reference"), expected) << ecomptes;
  }
}

TEST(CpasArt6061Grid, ReferenceYearPercentageUnknownWhenFederalAmountIsZero) {
  GridHarness h("cpas-art60-61");
  add_year(h, "2024", "0", "300", "0", "0");
  h.set("phase1.annee_reference", "2024");
  EXPECT_EQ(h.value("phase1.ecart_art60"), "300");
  EXPECT_EQ(h.value("phase1.ecart_art60_pct"), "?");
  EXPECT_EQ(h.status("phase1.ecart_art60_reference"), "nonconform");
  EXPECT_EQ(h.status("phase1.ecart_art61_reference"), "conform");
}

TEST(CpasArt6061Grid, ReferenceYearUnknownWhenNotGivenOrAbsentFromTheTable) {
  GridHarness h("cpas-art60-61");
  add_year(h, "2024", "1000", "1200", "0", "0");
  EXPECT_EQ(h.value("phase1.ecart_art60"), "?");
  EXPECT_EQ(h.status("phase1.ecart_art60_reference"), "unknown");
  h.set("phase1.annee_reference", "2022");
  EXPECT_EQ(h.value("phase1.spp_art60"), "?");
  EXPECT_EQ(h.status("phase1.ecart_art60_reference"), "unknown");
}

TEST(CpasArt6061Grid, ReferenceYearUnknownWhenItsFigureIsMissingOrTheYearIsDuplicated) {
  GridHarness h("cpas-art60-61");
  h.add_row("phase1.annees", {"annee=2024", "spp_art60=1000", "spp_art61=0", "ecomptes_art61=0"});
  h.set("phase1.annee_reference", "2024");
  EXPECT_EQ(h.value("phase1.spp_art60"), "1000");
  EXPECT_EQ(h.value("phase1.ecomptes_art60"), "?");  // an empty cell is not 0
  EXPECT_EQ(h.status("phase1.ecart_art60_reference"), "unknown");
  EXPECT_EQ(h.status("phase1.ecart_art61_reference"), "conform");
  add_year(h, "2024", "1000", "1000", "0", "0");
  EXPECT_EQ(h.value("phase1.spp_art60"), "?");  // two rows for 2024: ambiguous
  EXPECT_EQ(h.status("phase1.ecart_art60_reference"), "unknown");
}

// ---------------------------------------------------------------------------------------------
// Phase 2 — supporting documents per worker

TEST(CpasArt6061Grid, DocumentNormsUnknownWithoutWorkers) {
  GridHarness h("cpas-art60-61");
  for (const auto& id : kEveryWorkerNorms) EXPECT_EQ(h.status(id), "unknown") << id;
  EXPECT_EQ(h.status("phase2.convention_mise_a_disposition"), "not_applicable");
  EXPECT_EQ(h.status("phase2.convention_collaboration"), "not_applicable");
  EXPECT_EQ(h.status("phase2.duree_ouverture_droits"), "not_applicable");
}

TEST(CpasArt6061Grid, CompleteFilesAreConform) {
  GridHarness h("cpas-art60-61");
  add_worker(h, "A60-001", "art60");
  add_worker(h, "A60-002", "art60", {"mise_a_disposition=oui", "convention_mad=oui"});
  add_worker(h, "A61-001", "art61");
  for (const auto& id : kEveryWorkerNorms) EXPECT_EQ(h.status(id), "conform") << id;
  EXPECT_EQ(h.status("phase2.convention_mise_a_disposition"), "conform");
  EXPECT_EQ(h.status("phase2.convention_collaboration"), "conform");
  EXPECT_EQ(h.status("phase2.duree_ouverture_droits"), "conform");
  EXPECT_EQ(h.value("phase2.nb_art60"), "2");
  EXPECT_EQ(h.value("phase2.nb_art61"), "1");
}

TEST(CpasArt6061Grid, ContractTypeAcceptsItsLabel) {
  GridHarness h("cpas-art60-61");
  h.add_row("phase2.travailleurs", {"reference=X", "type_contrat=Article 60 §7"});
  EXPECT_EQ(h.value("phase2.nb_art60"), "1");
}

TEST(CpasArt6061Grid, EachMissingDocumentMakesItsNormNonconform) {
  for (const char* column : {"beneficiaire_dis", "decision_conseil", "contrat_travail", "fiches_paie",
                             "plan_accompagnement", "evaluations"}) {
    GridHarness h("cpas-art60-61");
    add_worker(h, "A60-001", "art60");
    add_worker(h, "A61-001", "art61", {std::string(column) + "=non"});
    for (const auto& id : kEveryWorkerNorms) {
      EXPECT_EQ(h.status(id), id == std::string("phase2.") + column ? "nonconform" : "conform") << column << " " << id;
    }
  }
}

TEST(CpasArt6061Grid, MissingContractMessageCountsTheFiles) {
  GridHarness h("cpas-art60-61");
  add_worker(h, "A60-001", "art60");
  add_worker(h, "A60-002", "art60", {"contrat_travail=non"});
  EXPECT_EQ(h.message("phase2.contrat_travail"),
            "Le dossier de chaque travailleur contient son contrat de travail — "
            "1 dossier(s) sans contrat de travail sur 2 examiné(s)");
}

TEST(CpasArt6061Grid, DocumentMarkedSansObjetIsConform) {
  GridHarness h("cpas-art60-61");
  add_worker(h, "A60-001", "art60", {"date_debut=2025-03-01", "fiches_paie=so"});  // no payslip yet
  add_worker(h, "A60-002", "art60", {"mise_a_disposition=oui", "convention_mad=so"});
  EXPECT_EQ(h.status("phase2.fiches_paie"), "conform");
  EXPECT_EQ(h.status("phase2.convention_mise_a_disposition"), "conform");
}

TEST(CpasArt6061Grid, DocumentNotAnsweredMakesTheNormUnknown) {
  GridHarness h("cpas-art60-61");
  add_worker(h, "A60-001", "art60");
  add_worker(h, "A60-002", "art60", {"decision_conseil="});
  EXPECT_EQ(h.status("phase2.decision_conseil"), "unknown");
  add_worker(h, "A60-003", "art60", {"decision_conseil=non"});
  EXPECT_EQ(h.status("phase2.decision_conseil"), "nonconform");
}

TEST(CpasArt6061Grid, SecondedArt60WorkerNeedsASecondmentAgreement) {
  GridHarness h("cpas-art60-61");
  add_worker(h, "A60-001", "art60");  // works within the CPAS: no agreement needed
  add_worker(h, "A61-001", "art61", {"convention_mad=non"});
  EXPECT_EQ(h.status("phase2.convention_mise_a_disposition"), "not_applicable");
  add_worker(h, "A60-002", "art60", {"mise_a_disposition=oui", "convention_mad=non"});
  EXPECT_EQ(h.status("phase2.convention_mise_a_disposition"), "nonconform");
  EXPECT_TRUE(contains(h.message("phase2.convention_mise_a_disposition"), "1 convention(s) manquante(s) sur 1 travailleur(s)"))
      << h.message("phase2.convention_mise_a_disposition");
}

TEST(CpasArt6061Grid, SecondmentAgreementPresentIsConform) {
  GridHarness h("cpas-art60-61");
  add_worker(h, "A60-002", "art60", {"mise_a_disposition=oui", "convention_mad=oui"});
  EXPECT_EQ(h.status("phase2.convention_mise_a_disposition"), "conform");
  add_worker(h, "A60-003", "art60", {"mise_a_disposition=oui", "convention_mad="});
  EXPECT_EQ(h.status("phase2.convention_mise_a_disposition"), "unknown");
}

TEST(CpasArt6061Grid, Art61WorkerNeedsACollaborationAgreement) {
  GridHarness h("cpas-art60-61");
  add_worker(h, "A60-001", "art60", {"convention_collaboration=non"});  // irrelevant for art. 60
  EXPECT_EQ(h.status("phase2.convention_collaboration"), "not_applicable");
  add_worker(h, "A61-001", "art61");
  EXPECT_EQ(h.status("phase2.convention_collaboration"), "conform");
  add_worker(h, "A61-002", "art61", {"convention_collaboration=non"});
  EXPECT_EQ(h.status("phase2.convention_collaboration"), "nonconform");
}

TEST(CpasArt6061Grid, Art60ContractMustCoverTheOpeningOfUnemploymentRights) {
  GridHarness h("cpas-art60-61");
  add_worker(h, "A61-001", "art61", {"duree_chomage=non"});  // irrelevant for art. 61
  EXPECT_EQ(h.status("phase2.duree_ouverture_droits"), "not_applicable");
  add_worker(h, "A60-001", "art60");
  EXPECT_EQ(h.status("phase2.duree_ouverture_droits"), "conform");
  add_worker(h, "A60-002", "art60", {"duree_chomage=non"});
  EXPECT_EQ(h.status("phase2.duree_ouverture_droits"), "nonconform");
}

}  // namespace
}  // namespace carnet::testing
