#include "core/inspection.hpp"

namespace carnet::core {
namespace {

// A column (or field) of the canvas, labelled by the catalogue entry `label`.
Column col(std::string key, MessageKey label, ItemType type, std::vector<Choice> choices = {},
           std::optional<Number> min = std::nullopt, std::optional<Number> max = std::nullopt) {
  Column c;
  c.key = std::move(key);
  c.label = std::string(catalogue_text(label));
  c.label_key = label.str();
  c.type = type;
  c.choices = std::move(choices);
  c.min = min;
  c.max = max;
  return c;
}

Choice choice(std::string_view value, MessageKey label) {
  return {std::string(value), std::string(catalogue_text(label)), label.str()};
}

MetaTable table(std::string_view key, MessageKey label, std::vector<Column> columns) {
  return {std::string(key), std::string(catalogue_text(label)), std::move(columns), label.str()};
}

}  // namespace

std::string_view inspection_status_name(InspectionStatus s) {
  switch (s) {
    case InspectionStatus::kDraft: return "draft";
    case InspectionStatus::kInProgress: return "in_progress";
    case InspectionStatus::kCompleted: return "completed";
    case InspectionStatus::kSigned: return "signed";
  }
  return "draft";
}

MessageKey inspection_status_key(InspectionStatus s) {
  switch (s) {
    case InspectionStatus::kDraft: return "coeur.inspection.statut.brouillon";
    case InspectionStatus::kInProgress: return "coeur.inspection.statut.en_cours";
    case InspectionStatus::kCompleted: return "coeur.inspection.statut.cloturee";
    case InspectionStatus::kSigned: return "coeur.inspection.statut.signee";
  }
  return "coeur.inspection.statut.brouillon";
}

std::string_view inspection_status_label(InspectionStatus s) { return catalogue_text(inspection_status_key(s)); }

std::optional<InspectionStatus> parse_inspection_status(std::string_view name) {
  for (auto s : {InspectionStatus::kDraft, InspectionStatus::kInProgress, InspectionStatus::kCompleted,
                 InspectionStatus::kSigned}) {
    if (inspection_status_name(s) == name) return s;
  }
  return std::nullopt;
}

const std::vector<MetaField>& inspection_fields() {
  static const std::vector<MetaField> fields = [] {
    using namespace field;
    std::vector<MetaField> f;
    auto add = [&](std::string_view key, MessageKey label, ItemType type, bool system,
                   std::vector<Choice> choices = {}, std::optional<Number> min = std::nullopt,
                   std::optional<Number> max = std::nullopt) {
      f.push_back({col(std::string(key), label, type, std::move(choices), min, max), system});
    };
    add(kDossier, "coeur.inspection.champ.dossier", ItemType::kText, true);
    add(kGrid, "coeur.inspection.champ.grille", ItemType::kText, true);
    add(kGridVersion, "coeur.inspection.champ.version_grille", ItemType::kInteger, true);
    add(kStatus, "coeur.inspection.champ.statut", ItemType::kText, true);
    add(kVisitDate, "coeur.inspection.champ.date", ItemType::kDate, false);
    add(kLeadInspector, "coeur.inspection.champ.inspecteur", ItemType::kText, true);
    add(kAccompanying, "coeur.inspection.champ.accompagnateur", ItemType::kText, false);
    add(kPreviousVisit, "coeur.inspection.champ.derniere_visite", ItemType::kDate, false);
    add(kConclusions, "coeur.inspection.champ.conclusions", ItemType::kText, false);
    add(kFollowUp, "coeur.inspection.champ.suivi", ItemType::kChoice, false,
        {choice(kFollowUpChoiceNone, "coeur.inspection.suivi.aucun"),
         choice(kFollowUpChoiceNoDeadline, "coeur.inspection.suivi.sans_delai"),
         choice(kFollowUpChoiceDeadline, "coeur.inspection.suivi.avec_delai"),
         choice(kFollowUpChoiceOther, "coeur.inspection.suivi.autre")});
    add(kFollowUpDays, "coeur.inspection.champ.suivi_delai", ItemType::kInteger, false, {},
        Number::integer(1), Number::integer(365));
    add(kFollowUpOther, "coeur.inspection.champ.suivi_autre", ItemType::kText, false);
    add(kHolderAnswer, "coeur.inspection.champ.avis_titulaire", ItemType::kText, false);
    add(kCompletedAt, "coeur.inspection.champ.cloturee_le", ItemType::kText, true);
    add(kSignedAt, "coeur.inspection.champ.signee_le", ItemType::kText, true);
    add(kSignedBy, "coeur.inspection.champ.signee_par", ItemType::kText, true);
    add(kSignatureDevice, "coeur.inspection.champ.signature_appareil", ItemType::kText, true);
    add(kSignatureCertificate, "coeur.inspection.champ.signature_certificat", ItemType::kText, true);
    add(kSignature, "coeur.inspection.champ.signature", ItemType::kText, true);
    return f;
  }();
  return fields;
}

const MetaField* find_inspection_field(std::string_view key) {
  for (const auto& f : inspection_fields()) {
    if (f.spec.key == key) return &f;
  }
  return nullptr;
}

const std::vector<MetaTable>& inspection_tables() {
  static const std::vector<MetaTable> tables = {
      table(kPeopleTable, "coeur.inspection.tableau.personnes",
            {col("nom", "coeur.inspection.colonne.personnes.nom", ItemType::kText),
             col("fonction", "coeur.inspection.colonne.personnes.fonction", ItemType::kText)}),
      table(kPreviousRecommendationsTable, "coeur.inspection.tableau.recommandations_precedentes",
            {col("recommandation", "coeur.inspection.colonne.recommandations_precedentes.recommandation",
                 ItemType::kText),
             col("reponse", "coeur.inspection.colonne.recommandations_precedentes.reponse", ItemType::kText)}),
  };
  return tables;
}

const MetaTable* find_inspection_table(std::string_view key) {
  for (const auto& t : inspection_tables()) {
    if (t.key == key) return &t;
  }
  return nullptr;
}

Status check_edit(InspectionStatus status, std::string_view f) {
  if (status == InspectionStatus::kSigned && f != field::kHolderAnswer) {
    return Status::failed_precondition("coeur.inspection.signee_non_modifiable");
  }
  return Status::ok_status();
}

InspectionStatus status_after_edit(InspectionStatus status, std::string_view f) {
  if (f == field::kHolderAnswer) return status;
  if (status == InspectionStatus::kDraft || status == InspectionStatus::kCompleted) {
    return InspectionStatus::kInProgress;
  }
  return status;
}

Status check_complete(const InspectionState& s) {
  if (s.status == InspectionStatus::kSigned) return Status::failed_precondition("coeur.inspection.deja_signee");
  if (s.status == InspectionStatus::kCompleted) return Status::failed_precondition("coeur.inspection.deja_cloturee");
  std::vector<Message> missing;
  auto need = [&](bool ok, MessageKey what) {
    if (!ok) missing.emplace_back(what);
  };
  need(s.visit_date.has_value(), "coeur.inspection.manque_date");
  need(!s.follow_up.empty(), "coeur.inspection.manque_suivi");
  if (s.follow_up == kFollowUpChoiceDeadline) need(s.follow_up_days.has_value(), "coeur.inspection.manque_delai");
  if (s.follow_up == kFollowUpChoiceOther) need(!s.follow_up_other.empty(), "coeur.inspection.manque_precision");
  if (!missing.empty()) {
    return Status::failed_precondition("coeur.inspection.cloture_incomplete", {{"manque", missing}});
  }
  return Status::ok_status();
}

Status check_sign(const InspectionState& s) {
  if (s.status == InspectionStatus::kSigned) return Status::failed_precondition("coeur.inspection.deja_signee");
  if (s.status != InspectionStatus::kCompleted) {
    return Status::failed_precondition("coeur.inspection.signature_avant_cloture");
  }
  return Status::ok_status();
}

}  // namespace carnet::core
