// Norm tests of grids/sis.grid (services d'insertion sociale): each threshold and deadline at,
// just below and just above its limit, missing data, and the conditions that make a norm
// not applicable.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/grid_harness.hpp"

namespace carnet::testing {
namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// ---------------------------------------------------------------------------------------------
// The grid itself

TEST(SisGrid, HasTheCanvasSectionsInOrder) {
  GridHarness h("sis");
  const auto& sections = h.grid().def().sections;
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"introduction", "I"}, {"agrement", "II"}, {"suivi", "III"},
      {"ateliers", "IV"},    {"subventions", "V"}, {"rash", "VI"}};
  ASSERT_EQ(sections.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(sections[i].key, expected[i].first);
    EXPECT_EQ(sections[i].number, expected[i].second);
  }
}

TEST(SisGrid, EveryNormHasAReferenceAndARequirement) {
  GridHarness h("sis");
  for (const auto& n : h.grid().norms()) {
    EXPECT_FALSE(n.norm->reference.empty()) << n.norm->id;
    EXPECT_FALSE(n.norm->requirement.empty()) << n.norm->id;
    EXPECT_FALSE(n.norm->detail.empty()) << n.norm->id;
  }
}

// ---------------------------------------------------------------------------------------------
// I. Introduction

TEST(SisGrid, SocialWorkersTeamZeroIsNonconformAboveZeroConform) {
  GridHarness h("sis");
  EXPECT_EQ(h.status("introduction.equipe_sociale"), "unknown");
  h.set("introduction.etp_travailleurs_sociaux", "0");
  EXPECT_EQ(h.status("introduction.equipe_sociale"), "nonconform");
  h.set("introduction.etp_travailleurs_sociaux", "0,1");
  EXPECT_EQ(h.status("introduction.equipe_sociale"), "conform");
  h.set("introduction.etp_travailleurs_sociaux", "2,5");
  EXPECT_EQ(h.status("introduction.equipe_sociale"), "conform");
  EXPECT_TRUE(contains(h.message("introduction.equipe_sociale"), "2,5 ETP")) << h.message("introduction.equipe_sociale");
}

TEST(SisGrid, NegativeStaffIsRefused) {
  GridHarness h("sis");
  EXPECT_THROW(h.set("introduction.etp_travailleurs_sociaux", "-1"), std::runtime_error);
}

// ---------------------------------------------------------------------------------------------
// II. Agrément

TEST(SisGrid, OnlyAsblCpasAndChapterXiiMayApply) {
  GridHarness h("sis");
  EXPECT_EQ(h.status("agrement.demandeur_admissible"), "unknown");
  for (const char* ok : {"asbl", "cpas", "chapitre_xii"}) {
    h.set("agrement.forme_juridique", ok);
    EXPECT_EQ(h.status("agrement.demandeur_admissible"), "conform") << ok;
  }
  h.set("agrement.forme_juridique", "autre");
  EXPECT_EQ(h.status("agrement.demandeur_admissible"), "nonconform");
}

TEST(SisGrid, LegalFormAcceptsTheLabelAsTyped) {
  GridHarness h("sis");
  h.set("agrement.forme_juridique", "Association Chapitre XII");
  EXPECT_EQ(h.value("agrement.forme_juridique"), "chapitre_xii");
  EXPECT_EQ(h.status("agrement.demandeur_admissible"), "conform");
}

TEST(SisGrid, SwornStatementRequiredOnlyForAnApprovalApplication) {
  GridHarness h("sis");
  h.set("agrement.objet_inspection", "fonctionnement");
  EXPECT_EQ(h.status("agrement.declaration_honneur"), "not_applicable");
  h.set("agrement.objet_inspection", "demande_agrement");
  EXPECT_EQ(h.status("agrement.declaration_honneur"), "unknown");
  h.set("agrement.declaration_honneur", "non");
  EXPECT_EQ(h.status("agrement.declaration_honneur"), "nonconform");
  h.set("agrement.declaration_honneur", "oui");
  EXPECT_EQ(h.status("agrement.declaration_honneur"), "conform");
}

TEST(SisGrid, SansObjetAnswersAreConform) {
  GridHarness h("sis");
  h.visit("2025-06-10").set("agrement.objet_inspection", "demande_agrement");
  h.set("agrement.declaration_honneur", "so").set("agrement.autre_agrement", "so");
  h.set("rash.transmis", "so").set("subventions.demande_annee_transmise", "sans objet");
  EXPECT_EQ(h.status("agrement.declaration_honneur"), "conform");
  EXPECT_EQ(h.status("agrement.pas_autre_agrement"), "conform");
  EXPECT_EQ(h.status("rash.transmis_1er_mars"), "conform");
  EXPECT_EQ(h.status("subventions.demande_annee_1er_mars"), "conform");
  h.add_row("suivi.dossiers", {"majeur=oui", "difficultes=so"});
  EXPECT_EQ(h.status("suivi.public_difficultes"), "conform");
}

TEST(SisGrid, ApprovalUnderAnotherRegulationIsNonconform) {
  GridHarness h("sis");
  EXPECT_EQ(h.status("agrement.pas_autre_agrement"), "unknown");
  h.set("agrement.autre_agrement", "oui");
  EXPECT_EQ(h.status("agrement.pas_autre_agrement"), "nonconform");
  h.set("agrement.autre_agrement", "non");
  EXPECT_EQ(h.status("agrement.pas_autre_agrement"), "conform");
}

TEST(SisGrid, TwoYearsOfActivitiesBeforeTheApplicationAtBelowAndAbove) {
  GridHarness h("sis");
  h.set("agrement.date_debut_activites", "2023-03-10");
  EXPECT_EQ(h.status("agrement.activites_deux_ans"), "unknown");
  h.set("agrement.date_demande", "2025-03-10");  // exactly two years
  EXPECT_EQ(h.status("agrement.activites_deux_ans"), "conform");
  EXPECT_TRUE(contains(h.message("agrement.activites_deux_ans"), "2 ans requis depuis le 10/03/2023"))
      << h.message("agrement.activites_deux_ans");
  h.set("agrement.date_demande", "2025-03-09");  // one day short
  EXPECT_EQ(h.status("agrement.activites_deux_ans"), "nonconform");
  h.set("agrement.date_demande", "2025-03-11");
  EXPECT_EQ(h.status("agrement.activites_deux_ans"), "conform");
}

TEST(SisGrid, TwoYearsOfActivitiesUnknownWithoutStartDate) {
  GridHarness h("sis");
  h.set("agrement.date_demande", "2025-03-10");
  EXPECT_EQ(h.status("agrement.activites_deux_ans"), "unknown");
}

TEST(SisGrid, ApprovalInspectionWithinOneMonthOfTheCompleteApplication) {
  GridHarness h("sis");
  h.set("agrement.objet_inspection", "demande_agrement").set("agrement.date_demande", "2025-02-10");
  EXPECT_EQ(h.status("agrement.inspection_dans_le_mois"), "unknown");  // no visit date yet
  h.visit("2025-03-10");                                                // exactly one month
  EXPECT_EQ(h.status("agrement.inspection_dans_le_mois"), "conform");
  EXPECT_TRUE(contains(h.message("agrement.inspection_dans_le_mois"), "au plus tard le 10/03/2025"))
      << h.message("agrement.inspection_dans_le_mois");
  h.visit("2025-03-11");
  EXPECT_EQ(h.status("agrement.inspection_dans_le_mois"), "nonconform");
  h.visit("2025-03-09");
  EXPECT_EQ(h.status("agrement.inspection_dans_le_mois"), "conform");
}

TEST(SisGrid, OneMonthRuleDoesNotApplyToAnInspectionOfAnApprovedService) {
  GridHarness h("sis");
  h.set("agrement.date_demande", "2020-02-10").visit("2025-03-11");
  EXPECT_EQ(h.status("agrement.inspection_dans_le_mois"), "not_applicable");  // purpose not given
  h.set("agrement.objet_inspection", "fonctionnement");
  EXPECT_EQ(h.status("agrement.inspection_dans_le_mois"), "not_applicable");
}

// ---------------------------------------------------------------------------------------------
// III. Public et suivi individualisé

TEST(SisGrid, FileNormsAreUnknownWithoutSampledFiles) {
  GridHarness h("sis");
  for (const char* id : {"suivi.public_majeur", "suivi.public_difficultes", "suivi.public_sans_aide_emploi",
                         "suivi.suivi_individualise"}) {
    EXPECT_EQ(h.status(id), "unknown") << id;
  }
  EXPECT_EQ(h.value("suivi.nb_dossiers"), "0");
}

TEST(SisGrid, FileNormsConformWhenEveryFileComplies) {
  GridHarness h("sis");
  for (const char* ref : {"U-01", "U-02"}) {
    h.add_row("suivi.dossiers", {std::string("reference=") + ref, "majeur=oui", "difficultes=oui",
                                 "sans_aide_emploi=oui", "suivi_individualise=oui"});
  }
  EXPECT_EQ(h.value("suivi.nb_dossiers"), "2");
  for (const char* id : {"suivi.public_majeur", "suivi.public_difficultes", "suivi.public_sans_aide_emploi",
                         "suivi.suivi_individualise"}) {
    EXPECT_EQ(h.status(id), "conform") << id;
  }
}

TEST(SisGrid, OneMinorInTheSampleIsNonconform) {
  GridHarness h("sis");
  h.add_row("suivi.dossiers", {"reference=U-01", "majeur=oui"});
  h.add_row("suivi.dossiers", {"reference=U-02", "majeur=non"});
  EXPECT_EQ(h.status("suivi.public_majeur"), "nonconform");
  EXPECT_TRUE(contains(h.message("suivi.public_majeur"), "1 dossier(s) de personne non majeure sur 2"))
      << h.message("suivi.public_majeur");
}

TEST(SisGrid, OneFileWithoutIndividualFollowUpIsNonconform) {
  GridHarness h("sis");
  h.add_row("suivi.dossiers", {"reference=U-01", "suivi_individualise=oui"});
  h.add_row("suivi.dossiers", {"reference=U-02", "suivi_individualise=non"});
  EXPECT_EQ(h.status("suivi.suivi_individualise"), "nonconform");
}

TEST(SisGrid, PublicConditionsEachFailOnTheirOwnColumn) {
  GridHarness h("sis");
  h.add_row("suivi.dossiers", {"majeur=oui", "difficultes=non", "sans_aide_emploi=non", "suivi_individualise=oui"});
  EXPECT_EQ(h.status("suivi.public_majeur"), "conform");
  EXPECT_EQ(h.status("suivi.public_difficultes"), "nonconform");
  EXPECT_EQ(h.status("suivi.public_sans_aide_emploi"), "nonconform");
  EXPECT_EQ(h.status("suivi.suivi_individualise"), "conform");
}

TEST(SisGrid, AnUnansweredCellMakesTheFileNormUnknown) {
  GridHarness h("sis");
  h.add_row("suivi.dossiers", {"reference=U-01", "majeur=oui"});
  h.add_row("suivi.dossiers", {"reference=U-02"});
  EXPECT_EQ(h.status("suivi.public_majeur"), "unknown");
}

// ---------------------------------------------------------------------------------------------
// IV. Ateliers collectifs

TEST(SisGrid, GroupWorkshopsZeroNonconformOneConform) {
  GridHarness h("sis");
  EXPECT_EQ(h.status("ateliers.activites_groupe"), "nonconform");
  h.add_row("ateliers.liste", {"intitule=Cuisine", "domaine=sante", "frequence=hebdomadaire", "nb_participants=8"});
  EXPECT_EQ(h.status("ateliers.activites_groupe"), "conform");
  h.add_row("ateliers.liste", {"intitule=Théâtre", "domaine=Accès à la culture", "nb_participants=5"});
  EXPECT_EQ(h.status("ateliers.activites_groupe"), "conform");
  EXPECT_EQ(h.value("ateliers.nb_ateliers"), "2");
  EXPECT_EQ(h.value("ateliers.nb_participants"), "13");
}

// ---------------------------------------------------------------------------------------------
// V. Subventions

TEST(SisGrid, YearNIsUnknownWithoutVisitDateOrYear) {
  GridHarness h("sis");
  EXPECT_EQ(h.value("subventions.annee"), "?");
}

TEST(SisGrid, YearNDefaultsToTheVisitYearAndCanBeOverridden) {
  GridHarness h("sis");
  h.visit("2025-06-10");
  EXPECT_EQ(h.value("subventions.annee"), "2025");
  h.set("subventions.annee_controlee", "2024");
  EXPECT_EQ(h.value("subventions.annee"), "2024");
}

TEST(SisGrid, SubsidyRequestOfYearNBy1MarchAtBelowAndAbove) {
  GridHarness h("sis");
  h.visit("2025-06-10").set("subventions.demande_annee_transmise", "oui");
  EXPECT_EQ(h.status("subventions.demande_annee_1er_mars"), "unknown");  // date missing
  h.set("subventions.date_demande_annee", "2025-03-01");
  EXPECT_EQ(h.status("subventions.demande_annee_1er_mars"), "conform");
  EXPECT_TRUE(contains(h.message("subventions.demande_annee_1er_mars"), "échéance : 01/03/2025"))
      << h.message("subventions.demande_annee_1er_mars");
  h.set("subventions.date_demande_annee", "2025-03-02");
  EXPECT_EQ(h.status("subventions.demande_annee_1er_mars"), "nonconform");
  h.set("subventions.date_demande_annee", "2025-02-28");
  EXPECT_EQ(h.status("subventions.demande_annee_1er_mars"), "conform");
}

TEST(SisGrid, SubsidyRequestOfYearNNotSentAfterTheDeadlineIsNonconform) {
  GridHarness h("sis");
  h.visit("2025-06-10");
  EXPECT_EQ(h.status("subventions.demande_annee_1er_mars"), "unknown");
  h.set("subventions.demande_annee_transmise", "non");
  EXPECT_EQ(h.status("subventions.demande_annee_1er_mars"), "nonconform");
}

TEST(SisGrid, SubsidyRequestOfYearNNotYetDueIsNotApplicable) {
  GridHarness h("sis");
  h.visit("2025-02-15").set("subventions.demande_annee_transmise", "non");
  EXPECT_EQ(h.status("subventions.demande_annee_1er_mars"), "not_applicable");
  h.visit("2025-03-01");  // the deadline day itself: still not late
  EXPECT_EQ(h.status("subventions.demande_annee_1er_mars"), "not_applicable");
  h.visit("2025-03-02");
  EXPECT_EQ(h.status("subventions.demande_annee_1er_mars"), "nonconform");
}

TEST(SisGrid, SubsidyRequestUsesTheYearGivenByTheInspector) {
  GridHarness h("sis");
  h.visit("2025-06-10").set("subventions.annee_controlee", "2024");
  h.set("subventions.demande_annee_transmise", "oui").set("subventions.date_demande_annee", "2024-03-02");
  EXPECT_EQ(h.status("subventions.demande_annee_1er_mars"), "nonconform");
  h.set("subventions.date_demande_annee", "2024-03-01");
  EXPECT_EQ(h.status("subventions.demande_annee_1er_mars"), "conform");
}

TEST(SisGrid, SubsidyRequestOfYearNPlus1By1DecemberAtBelowAndAbove) {
  GridHarness h("sis");
  h.visit("2025-12-15").set("subventions.demande_suivante_transmise", "oui");
  h.set("subventions.date_demande_suivante", "2025-12-01");
  EXPECT_EQ(h.status("subventions.demande_suivante_1er_decembre"), "conform");
  EXPECT_TRUE(contains(h.message("subventions.demande_suivante_1er_decembre"), "échéance : 01/12/2025"))
      << h.message("subventions.demande_suivante_1er_decembre");
  h.set("subventions.date_demande_suivante", "2025-12-02");
  EXPECT_EQ(h.status("subventions.demande_suivante_1er_decembre"), "nonconform");
  h.set("subventions.date_demande_suivante", "2025-11-30");
  EXPECT_EQ(h.status("subventions.demande_suivante_1er_decembre"), "conform");
}

TEST(SisGrid, SubsidyRequestOfYearNPlus1BeforeDecemberIsNotYetDue) {
  GridHarness h("sis");
  h.visit("2025-10-01").set("subventions.demande_suivante_transmise", "non");
  EXPECT_EQ(h.status("subventions.demande_suivante_1er_decembre"), "not_applicable");
  h.set("subventions.demande_suivante_transmise", "oui").set("subventions.date_demande_suivante", "2025-09-20");
  EXPECT_EQ(h.status("subventions.demande_suivante_1er_decembre"), "conform");  // sent early
  h.visit("2025-12-02").set("subventions.demande_suivante_transmise", "non");
  EXPECT_EQ(h.status("subventions.demande_suivante_1er_decembre"), "nonconform");
}

TEST(SisGrid, SubsidyJustificationBy1MarchAtBelowAndAbove) {
  GridHarness h("sis");
  h.visit("2025-05-20").set("subventions.justification_transmise", "oui");
  EXPECT_EQ(h.status("subventions.justification_1er_mars"), "unknown");
  h.set("subventions.date_justification", "2025-03-01");
  EXPECT_EQ(h.status("subventions.justification_1er_mars"), "conform");
  h.set("subventions.date_justification", "2025-03-02");
  EXPECT_EQ(h.status("subventions.justification_1er_mars"), "nonconform");
  h.set("subventions.date_justification", "2025-02-28");
  EXPECT_EQ(h.status("subventions.justification_1er_mars"), "conform");
  h.set("subventions.justification_transmise", "non");
  EXPECT_EQ(h.status("subventions.justification_1er_mars"), "nonconform");
  h.visit("2025-01-20");
  EXPECT_EQ(h.status("subventions.justification_1er_mars"), "not_applicable");
}

TEST(SisGrid, AssociativeServicesJustifyThroughMonEspaceFrom2022) {
  GridHarness h("sis");
  h.visit("2022-06-01").set("agrement.forme_juridique", "asbl").set("subventions.justification_transmise", "oui");
  h.set("subventions.canal_justificatifs", "courriel");
  EXPECT_EQ(h.status("subventions.justificatifs_monespace"), "nonconform");
  h.set("subventions.canal_justificatifs", "monespace");
  EXPECT_EQ(h.status("subventions.justificatifs_monespace"), "conform");
  h.set("subventions.canal_justificatifs", "courriel").set("agrement.forme_juridique", "chapitre_xii");
  EXPECT_EQ(h.status("subventions.justificatifs_monespace"), "nonconform");
}

TEST(SisGrid, MonEspaceRuleNotApplicableBefore2022OrToACpas) {
  GridHarness h("sis");
  h.visit("2022-06-01").set("subventions.justification_transmise", "oui").set("subventions.canal_justificatifs", "courriel");
  h.set("agrement.forme_juridique", "asbl").set("subventions.annee_controlee", "2021");
  EXPECT_EQ(h.status("subventions.justificatifs_monespace"), "not_applicable");
  h.set("subventions.annee_controlee", "2022");
  EXPECT_EQ(h.status("subventions.justificatifs_monespace"), "nonconform");
  h.set("agrement.forme_juridique", "cpas");
  EXPECT_EQ(h.status("subventions.justificatifs_monespace"), "not_applicable");
}

TEST(SisGrid, ChannelNotCheckedWhenNothingWasSent) {
  GridHarness h("sis");
  h.visit("2023-06-01").set("agrement.forme_juridique", "asbl").set("subventions.justification_transmise", "non");
  EXPECT_EQ(h.status("subventions.justificatifs_monespace"), "not_applicable");
}

TEST(SisGrid, EmailJustificationInOneSendingWithTheRequiredSubject) {
  GridHarness h("sis");
  h.set("subventions.justification_transmise", "oui").set("subventions.canal_justificatifs", "monespace");
  EXPECT_EQ(h.status("subventions.envoi_unique"), "not_applicable");
  EXPECT_EQ(h.status("subventions.objet_courriel"), "not_applicable");
  h.set("subventions.canal_justificatifs", "courriel");
  EXPECT_EQ(h.status("subventions.envoi_unique"), "unknown");
  EXPECT_EQ(h.status("subventions.objet_courriel"), "unknown");
  h.set("subventions.envoi_unique", "non").set("subventions.objet_courriel", "non");
  EXPECT_EQ(h.status("subventions.envoi_unique"), "nonconform");
  EXPECT_EQ(h.status("subventions.objet_courriel"), "nonconform");
  h.set("subventions.envoi_unique", "oui").set("subventions.objet_courriel", "oui");
  EXPECT_EQ(h.status("subventions.envoi_unique"), "conform");
  EXPECT_EQ(h.status("subventions.objet_courriel"), "conform");
}

TEST(SisGrid, EmailChecksDropWhenTheJustificationIsMarkedNotSent) {
  GridHarness h("sis");
  h.set("subventions.justification_transmise", "oui").set("subventions.canal_justificatifs", "courriel");
  h.set("subventions.envoi_unique", "non").set("subventions.objet_courriel", "non");
  h.set("subventions.justification_transmise", "non");  // the channel answer stays stored
  EXPECT_EQ(h.status("subventions.envoi_unique"), "not_applicable");
  EXPECT_EQ(h.status("subventions.objet_courriel"), "not_applicable");
}

TEST(SisGrid, NonProfitAgreementJustificationBy1MarchOnlyWhenSubsidised) {
  GridHarness h("sis");
  h.visit("2025-04-01");
  EXPECT_EQ(h.status("subventions.anm_1er_mars"), "not_applicable");
  h.set("subventions.accord_non_marchand", "non");
  EXPECT_EQ(h.status("subventions.anm_1er_mars"), "not_applicable");
  h.set("subventions.accord_non_marchand", "oui");
  EXPECT_EQ(h.status("subventions.anm_1er_mars"), "unknown");
  h.set("subventions.anm_transmise", "oui").set("subventions.date_anm", "2025-03-01");
  EXPECT_EQ(h.status("subventions.anm_1er_mars"), "conform");
  h.set("subventions.date_anm", "2025-03-02");
  EXPECT_EQ(h.status("subventions.anm_1er_mars"), "nonconform");
  h.set("subventions.date_anm", "2025-02-28");
  EXPECT_EQ(h.status("subventions.anm_1er_mars"), "conform");
}

TEST(SisGrid, JustifiedShareOfTheSubsidyIsComputed) {
  GridHarness h("sis");
  EXPECT_EQ(h.value("subventions.taux_justification"), "?");
  h.set("subventions.montant_octroye", "50000").set("subventions.montant_justifie", "40005");
  EXPECT_EQ(h.value("subventions.taux_justification"), "80,01");
  h.set("subventions.montant_octroye", "0");
  EXPECT_EQ(h.value("subventions.taux_justification"), "?");
}

// ---------------------------------------------------------------------------------------------
// VI. RASH

TEST(SisGrid, RashBy1MarchAtBelowAndAbove) {
  GridHarness h("sis");
  h.visit("2025-03-10").set("rash.transmis", "oui").set("rash.date_envoi", "2025-03-01");
  EXPECT_EQ(h.status("rash.transmis_1er_mars"), "conform");
  EXPECT_EQ(h.message("rash.transmis_1er_mars"),
            "Le rapport d'activités simplifié et harmonisé (RASH) est rempli pour le 1er mars — "
            "transmis : oui, le 01/03/2025 (échéance : 01/03/2025)");
  h.set("rash.date_envoi", "2025-03-02");
  EXPECT_EQ(h.status("rash.transmis_1er_mars"), "nonconform");
  h.set("rash.date_envoi", "2025-02-28");
  EXPECT_EQ(h.status("rash.transmis_1er_mars"), "conform");
}

TEST(SisGrid, RashNotSentAfter1MarchIsNonconform) {
  GridHarness h("sis");
  h.visit("2025-03-02");
  EXPECT_EQ(h.status("rash.transmis_1er_mars"), "unknown");
  h.set("rash.transmis", "non");
  EXPECT_EQ(h.status("rash.transmis_1er_mars"), "nonconform");
}

TEST(SisGrid, RashNotYetDueBefore1March) {
  GridHarness h("sis");
  h.visit("2025-02-20").set("rash.transmis", "non");
  EXPECT_EQ(h.status("rash.transmis_1er_mars"), "not_applicable");
  h.set("rash.transmis", "oui").set("rash.date_envoi", "2025-02-10");
  EXPECT_EQ(h.status("rash.transmis_1er_mars"), "conform");
}

TEST(SisGrid, RashDeadlineUnknownWithoutDateOrYear) {
  GridHarness h("sis");
  h.set("rash.transmis", "oui").set("rash.date_envoi", "2025-02-10");
  EXPECT_EQ(h.status("rash.transmis_1er_mars"), "unknown");  // no visit date, no year N
  h.set("subventions.annee_controlee", "2025");
  EXPECT_EQ(h.status("rash.transmis_1er_mars"), "conform");
}

TEST(SisGrid, RashCompletenessCheckedOnlyWhenSent) {
  GridHarness h("sis");
  h.set("rash.transmis", "non");
  EXPECT_EQ(h.status("rash.complet"), "not_applicable");
  h.set("rash.transmis", "oui");
  EXPECT_EQ(h.status("rash.complet"), "unknown");
  h.set("rash.complet", "non");
  EXPECT_EQ(h.status("rash.complet"), "nonconform");
  h.set("rash.complet", "oui");
  EXPECT_EQ(h.status("rash.complet"), "conform");
}

}  // namespace
}  // namespace carnet::testing
