// Norm tests of grids/cpas-piis.grid: PIIS concluded with new beneficiaries unless exempted,
// sampled PIIS files (social anamnesis, objectives, council, at least three evaluations a
// year), and the social-activation figures and deadlines.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/grid_harness.hpp"

namespace carnet::testing {
namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// New beneficiaries, PIIS concluded, exemptions for health and for equity reasons.
void set_conclusion(GridHarness& h, const std::string& nouveaux, const std::string& piis, const std::string& sante,
                    const std::string& equite) {
  h.set("conclusion.nouveaux_beneficiaires", nouveaux)
      .set("conclusion.piis_conclus", piis)
      .set("conclusion.dispenses_sante", sante)
      .set("conclusion.dispenses_equite", equite);
}

// One sampled PIIS with everything in order; `changes` ("column=value") override the defaults.
void add_piis(GridHarness& h, const std::string& reference, const std::vector<std::string>& changes = {}) {
  std::vector<std::string> cells = {"reference=" + reference, "date_signature=2024-01-15", "anamnese=oui",
                                    "objectif_general=oui",   "objectifs_intermediaires=oui",
                                    "presente_conseil=oui",   "nb_evaluations=3"};
  cells.insert(cells.end(), changes.begin(), changes.end());  // later cells win
  h.add_row("dossiers.piis", cells);
}

const std::vector<std::string> kFileNorms = {"dossiers.anamnese_sociale", "dossiers.objectif_general",
                                             "dossiers.objectifs_intermediaires", "dossiers.presentation_conseil",
                                             "dossiers.evaluations_trois_par_an"};

const std::vector<std::string> kActivationNorms = {
    "activation.evaluation_28_fevrier",          "activation.distinction_professionnelle",
    "activation.progres_socioprofessionnel_coherent", "activation.progres_autonomie_coherent",
    "activation.progres_benevolat_coherent",     "activation.instrument_mesure",
    "activation.justificatifs_lien_direct"};

// ---------------------------------------------------------------------------------------------
// The grid itself

TEST(CpasPiisGrid, HasItsThreeSections) {
  GridHarness h("cpas-piis");
  const auto& sections = h.grid().def().sections;
  ASSERT_EQ(sections.size(), 3u);
  EXPECT_EQ(sections[0].key, "conclusion");
  EXPECT_EQ(sections[0].number, "I");
  EXPECT_EQ(sections[1].key, "dossiers");
  EXPECT_EQ(sections[1].number, "II");
  EXPECT_EQ(sections[2].key, "activation");
  EXPECT_EQ(sections[2].number, "III");
}

TEST(CpasPiisGrid, EveryNormHasAReferenceAndADetail) {
  GridHarness h("cpas-piis");
  for (const auto& n : h.grid().norms()) {
    EXPECT_FALSE(n.norm->reference.empty()) << n.norm->id;
    EXPECT_FALSE(n.norm->detail.empty()) << n.norm->id;
  }
}

// ---------------------------------------------------------------------------------------------
// I. PIIS concluded with the new beneficiaries

TEST(CpasPiisGrid, PiisPlusExemptionsEqualToNewBeneficiariesIsConform) {
  GridHarness h("cpas-piis");
  set_conclusion(h, "10", "7", "2", "1");
  EXPECT_EQ(h.status("conclusion.piis_nouveaux_beneficiaires"), "conform");
  EXPECT_EQ(h.value("conclusion.dispenses"), "3");
  EXPECT_EQ(h.value("conclusion.sans_piis"), "0");
  EXPECT_EQ(h.value("conclusion.taux_piis"), "70");
  EXPECT_EQ(h.message("conclusion.piis_nouveaux_beneficiaires"),
            "Un PIIS est conclu avec chaque nouveau bénéficiaire du droit à l'intégration sociale, sauf dispense "
            "pour raisons de santé ou d'équité — 10 nouveau(x) bénéficiaire(s), 7 PIIS conclu(s), 3 dispense(s) "
            "(2 santé, 1 équité) ; 0 sans PIIS ni dispense");
}

TEST(CpasPiisGrid, OneNewBeneficiaryWithoutPiisOrExemptionIsNonconform) {
  GridHarness h("cpas-piis");
  set_conclusion(h, "10", "6", "2", "1");
  EXPECT_EQ(h.status("conclusion.piis_nouveaux_beneficiaires"), "nonconform");
  EXPECT_EQ(h.value("conclusion.sans_piis"), "1");
  EXPECT_TRUE(contains(h.message("conclusion.piis_nouveaux_beneficiaires"), "1 sans PIIS ni dispense"))
      << h.message("conclusion.piis_nouveaux_beneficiaires");
}

TEST(CpasPiisGrid, MorePiisThanRequiredIsConform) {
  GridHarness h("cpas-piis");
  set_conclusion(h, "10", "8", "2", "1");
  EXPECT_EQ(h.status("conclusion.piis_nouveaux_beneficiaires"), "conform");
  EXPECT_EQ(h.value("conclusion.sans_piis"), "0");
}

TEST(CpasPiisGrid, ExemptionsOnlyForHealthOrEquityCount) {
  GridHarness h("cpas-piis");
  set_conclusion(h, "4", "0", "3", "1");
  EXPECT_EQ(h.status("conclusion.piis_nouveaux_beneficiaires"), "conform");
  EXPECT_EQ(h.value("conclusion.taux_piis"), "0");
}

TEST(CpasPiisGrid, ConclusionUnknownWhenAnExemptionCountIsMissing) {
  GridHarness h("cpas-piis");
  h.set("conclusion.nouveaux_beneficiaires", "10").set("conclusion.piis_conclus", "10");
  h.set("conclusion.dispenses_sante", "0");
  EXPECT_EQ(h.status("conclusion.piis_nouveaux_beneficiaires"), "unknown");
  EXPECT_EQ(h.value("conclusion.dispenses"), "?");
  h.set("conclusion.dispenses_equite", "0");
  EXPECT_EQ(h.status("conclusion.piis_nouveaux_beneficiaires"), "conform");
}

TEST(CpasPiisGrid, NoNewBeneficiaryMeansNoRateAndNothingMissing) {
  GridHarness h("cpas-piis");
  set_conclusion(h, "0", "0", "0", "0");
  EXPECT_EQ(h.status("conclusion.piis_nouveaux_beneficiaires"), "conform");
  EXPECT_EQ(h.value("conclusion.taux_piis"), "?");
}

TEST(CpasPiisGrid, NegativeCountsAreRefused) {
  GridHarness h("cpas-piis");
  EXPECT_THROW(h.set("conclusion.nouveaux_beneficiaires", "-1"), std::runtime_error);
  EXPECT_THROW(h.set("conclusion.piis_conclus", "2,5"), std::runtime_error);
}

// ---------------------------------------------------------------------------------------------
// II. Sampled PIIS files

TEST(CpasPiisGrid, FileNormsUnknownWithoutSampledFiles) {
  GridHarness h("cpas-piis");
  h.visit("2025-03-10");
  for (const auto& id : kFileNorms) EXPECT_EQ(h.status(id), "unknown") << id;
  EXPECT_EQ(h.value("dossiers.nb_dossiers"), "0");
}

TEST(CpasPiisGrid, CompleteFilesAreConform) {
  GridHarness h("cpas-piis");
  h.visit("2025-03-10");
  add_piis(h, "P-01");
  add_piis(h, "P-02", {"nb_evaluations=5"});
  for (const auto& id : kFileNorms) EXPECT_EQ(h.status(id), "conform") << id;
  EXPECT_EQ(h.value("dossiers.nb_dossiers"), "2");
}

TEST(CpasPiisGrid, EachMissingElementMakesItsNormNonconform) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"anamnese=non", "dossiers.anamnese_sociale"},
      {"objectif_general=non", "dossiers.objectif_general"},
      {"objectifs_intermediaires=non", "dossiers.objectifs_intermediaires"},
      {"presente_conseil=non", "dossiers.presentation_conseil"}};
  for (const auto& [cell, norm] : cases) {
    GridHarness h("cpas-piis");
    h.visit("2025-03-10");
    add_piis(h, "P-01");
    add_piis(h, "P-02", {cell});
    for (const auto& id : kFileNorms) EXPECT_EQ(h.status(id), id == norm ? "nonconform" : "conform") << cell << " " << id;
  }
}

TEST(CpasPiisGrid, CouncilPresentationMessageCountsTheFiles) {
  GridHarness h("cpas-piis");
  add_piis(h, "P-01");
  add_piis(h, "P-02", {"presente_conseil=non"});
  add_piis(h, "P-03");
  EXPECT_EQ(h.message("dossiers.presentation_conseil"),
            "Les PIIS sont présentés au Conseil de l'action sociale — 1 PIIS non présenté(s) au Conseil sur 3 examiné(s)");
}

TEST(CpasPiisGrid, SansObjetAnswersAreConform) {
  GridHarness h("cpas-piis");
  add_piis(h, "P-01", {"presente_conseil=so"});
  EXPECT_EQ(h.status("dossiers.presentation_conseil"), "conform");
  h.visit("2016-05-01").set("activation.convention", "oui").set("activation.annee", "2015");
  h.set("activation.evaluation_transmise", "so");
  EXPECT_EQ(h.status("activation.evaluation_28_fevrier"), "conform");
}

TEST(CpasPiisGrid, AFileWithAnUnansweredCellMakesItsNormUnknown) {
  GridHarness h("cpas-piis");
  add_piis(h, "P-01");
  add_piis(h, "P-02", {"anamnese="});
  EXPECT_EQ(h.status("dossiers.anamnese_sociale"), "unknown");
}

TEST(CpasPiisGrid, ThreeEvaluationsAYearForAPiisOfOneYearOrMore) {
  for (const auto& [evaluations, expected] :
       std::vector<std::pair<std::string, std::string>>{{"2", "nonconform"}, {"3", "conform"}, {"4", "conform"}}) {
    GridHarness h("cpas-piis");
    h.visit("2025-03-10");
    add_piis(h, "P-01", {"date_signature=2024-03-10", "nb_evaluations=" + evaluations});  // 365 days
    EXPECT_EQ(h.status("dossiers.evaluations_trois_par_an"), expected) << evaluations;
  }
}

TEST(CpasPiisGrid, OldPiisStillNeedsThreeEvaluations) {
  GridHarness h("cpas-piis");
  h.visit("2025-03-10");
  add_piis(h, "P-01", {"date_signature=2021-09-01", "nb_evaluations=2"});
  EXPECT_EQ(h.status("dossiers.evaluations_trois_par_an"), "nonconform");
  EXPECT_TRUE(contains(h.message("dossiers.evaluations_trois_par_an"), "1 PIIS sous le minimum d'évaluations sur 1"))
      << h.message("dossiers.evaluations_trois_par_an");
}

TEST(CpasPiisGrid, EvaluationMinimumIsProratedForAPiisUnderOneYear) {
  GridHarness h("cpas-piis");
  h.visit("2025-03-10");
  add_piis(h, "P-01", {"date_signature=2024-03-11", "nb_evaluations=2"});  // 364 days: 2 required
  EXPECT_EQ(h.status("dossiers.evaluations_trois_par_an"), "conform");
  add_piis(h, "P-02", {"date_signature=2024-07-10", "nb_evaluations=1"});  // 243 days: 1 required
  EXPECT_EQ(h.status("dossiers.evaluations_trois_par_an"), "conform");
  add_piis(h, "P-03", {"date_signature=2024-07-10", "nb_evaluations=0"});
  EXPECT_EQ(h.status("dossiers.evaluations_trois_par_an"), "nonconform");
}

TEST(CpasPiisGrid, FirstEvaluationDueAfterFourMonths) {
  GridHarness h("cpas-piis");
  h.visit("2025-03-10");
  add_piis(h, "P-01", {"date_signature=2024-11-09", "nb_evaluations=0"});  // 121 days: none due yet
  EXPECT_EQ(h.status("dossiers.evaluations_trois_par_an"), "conform");
  GridHarness g("cpas-piis");
  g.visit("2025-03-10");
  add_piis(g, "P-01", {"date_signature=2024-11-08", "nb_evaluations=0"});  // 122 days: one due
  EXPECT_EQ(g.status("dossiers.evaluations_trois_par_an"), "nonconform");
}

TEST(CpasPiisGrid, EvaluationNormUnknownWithoutVisitDateSignatureOrCount) {
  GridHarness h("cpas-piis");
  add_piis(h, "P-01");
  EXPECT_EQ(h.status("dossiers.evaluations_trois_par_an"), "unknown");  // no visit date
  h.visit("2025-03-10");
  EXPECT_EQ(h.status("dossiers.evaluations_trois_par_an"), "conform");
  add_piis(h, "P-02", {"date_signature="});
  EXPECT_EQ(h.status("dossiers.evaluations_trois_par_an"), "unknown");
  GridHarness g("cpas-piis");
  g.visit("2025-03-10");
  add_piis(g, "P-01", {"nb_evaluations="});
  EXPECT_EQ(g.status("dossiers.evaluations_trois_par_an"), "unknown");
}

// ---------------------------------------------------------------------------------------------
// III. Social activation

TEST(CpasPiisGrid, ActivationNormsNotApplicableWithoutASocialActivationSubsidy) {
  GridHarness h("cpas-piis");
  h.visit("2016-05-01");
  for (const auto& id : kActivationNorms) EXPECT_EQ(h.status(id), "not_applicable") << id << " (unanswered)";
  h.set("activation.convention", "non").set("activation.participants", "10").set("activation.progres_benevolat", "12");
  for (const auto& id : kActivationNorms) EXPECT_EQ(h.status(id), "not_applicable") << id;
}

TEST(CpasPiisGrid, ActivationNormsUnknownWhenSubsidisedButNotFilled) {
  GridHarness h("cpas-piis");
  h.visit("2016-05-01").set("activation.convention", "oui");
  for (const char* id : {"activation.distinction_professionnelle", "activation.progres_socioprofessionnel_coherent",
                         "activation.progres_autonomie_coherent", "activation.progres_benevolat_coherent",
                         "activation.justificatifs_lien_direct"}) {
    EXPECT_EQ(h.status(id), "unknown") << id;
  }
}

TEST(CpasPiisGrid, ProgressCountsCannotExceedParticipants) {
  const std::vector<std::string> items = {"activation.progres_socioprofessionnel", "activation.progres_autonomie",
                                          "activation.progres_benevolat"};
  for (const auto& item : items) {
    const std::string norm = item + "_coherent";
    GridHarness h("cpas-piis");
    h.set("activation.convention", "oui").set("activation.participants", "20");
    h.set(item, "20");
    EXPECT_EQ(h.status(norm), "conform") << item;
    h.set(item, "21");
    EXPECT_EQ(h.status(norm), "nonconform") << item;
    EXPECT_TRUE(contains(h.message(norm), "21 bénéficiaire(s) en progrès sur 20 participant(s)")) << h.message(norm);
    h.set(item, "19");
    EXPECT_EQ(h.status(norm), "conform") << item;
  }
}

TEST(CpasPiisGrid, ProgressRatesAreComputed) {
  GridHarness h("cpas-piis");
  h.set("activation.convention", "oui").set("activation.participants", "40");
  h.set("activation.progres_socioprofessionnel", "10").set("activation.progres_autonomie", "25");
  h.set("activation.progres_benevolat", "3");
  EXPECT_EQ(h.value("activation.taux_socioprofessionnel"), "25");
  EXPECT_EQ(h.value("activation.taux_autonomie"), "62,5");
  EXPECT_EQ(h.value("activation.taux_benevolat"), "7,5");
  h.set("activation.participants", "0");
  EXPECT_EQ(h.value("activation.taux_autonomie"), "?");
}

TEST(CpasPiisGrid, ProgressMustBeMeasuredWithAnInstrument) {
  GridHarness h("cpas-piis");
  h.set("activation.convention", "oui").set("activation.participants", "10");
  h.set("activation.progres_socioprofessionnel", "0").set("activation.progres_autonomie", "0");
  h.set("activation.progres_benevolat", "0");
  EXPECT_EQ(h.status("activation.instrument_mesure"), "not_applicable");  // no progress reported
  h.set("activation.progres_autonomie", "1");
  EXPECT_EQ(h.status("activation.instrument_mesure"), "unknown");
  h.set("activation.instrument_utilise", "non");
  EXPECT_EQ(h.status("activation.instrument_mesure"), "nonconform");
  h.set("activation.instrument_utilise", "oui").set("activation.instrument", "Échelle d'autonomie du CPAS");
  EXPECT_EQ(h.status("activation.instrument_mesure"), "conform");
  EXPECT_TRUE(contains(h.message("activation.instrument_mesure"), "(Échelle d'autonomie du CPAS)"))
      << h.message("activation.instrument_mesure");
}

TEST(CpasPiisGrid, EvaluationFormBy28FebruaryOfTheFollowingYear) {
  GridHarness h("cpas-piis");
  h.visit("2016-05-01").set("activation.convention", "oui").set("activation.annee", "2015");
  h.set("activation.evaluation_transmise", "oui").set("activation.date_evaluation", "2016-02-28");
  EXPECT_EQ(h.status("activation.evaluation_28_fevrier"), "conform");
  EXPECT_TRUE(contains(h.message("activation.evaluation_28_fevrier"), "date butoir : 28/02/2016"))
      << h.message("activation.evaluation_28_fevrier");
  h.set("activation.date_evaluation", "2016-02-29");
  EXPECT_EQ(h.status("activation.evaluation_28_fevrier"), "nonconform");
  h.set("activation.date_evaluation", "2016-02-27");
  EXPECT_EQ(h.status("activation.evaluation_28_fevrier"), "conform");
  h.set("activation.date_evaluation", "");
  EXPECT_EQ(h.status("activation.evaluation_28_fevrier"), "unknown");
  h.set("activation.evaluation_transmise", "non");
  EXPECT_EQ(h.status("activation.evaluation_28_fevrier"), "nonconform");
}

TEST(CpasPiisGrid, EvaluationFormNotYetDueBeforeTheDeadline) {
  GridHarness h("cpas-piis");
  h.visit("2016-02-28").set("activation.convention", "oui").set("activation.annee", "2015");
  h.set("activation.evaluation_transmise", "non");
  EXPECT_EQ(h.status("activation.evaluation_28_fevrier"), "not_applicable");
  h.visit("2016-02-29").set("activation.evaluation_transmise", "non");
  EXPECT_EQ(h.status("activation.evaluation_28_fevrier"), "nonconform");
}

TEST(CpasPiisGrid, SocialAndProfessionalActivationMustBeDistinguished) {
  GridHarness h("cpas-piis");
  h.set("activation.convention", "oui").set("activation.activation_sociale_distincte", "non");
  EXPECT_EQ(h.status("activation.distinction_professionnelle"), "nonconform");
  h.set("activation.activation_sociale_distincte", "oui");
  EXPECT_EQ(h.status("activation.distinction_professionnelle"), "conform");
}

TEST(CpasPiisGrid, ExpensesMustHaveADirectAndProportionateLink) {
  GridHarness h("cpas-piis");
  h.set("activation.convention", "oui").set("activation.justificatifs_lien_direct", "non");
  EXPECT_EQ(h.status("activation.justificatifs_lien_direct"), "nonconform");
  h.set("activation.justificatifs_lien_direct", "oui");
  EXPECT_EQ(h.status("activation.justificatifs_lien_direct"), "conform");
}

}  // namespace
}  // namespace carnet::testing
