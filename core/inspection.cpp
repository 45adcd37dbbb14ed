#include "core/inspection.hpp"

namespace carnet::core {
namespace {

Column col(std::string key, std::string label, ItemType type, std::vector<Choice> choices = {},
           std::optional<Number> min = std::nullopt, std::optional<Number> max = std::nullopt) {
  Column c;
  c.key = std::move(key);
  c.label = std::move(label);
  c.type = type;
  c.choices = std::move(choices);
  c.min = min;
  c.max = max;
  return c;
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

std::string_view inspection_status_label(InspectionStatus s) {
  switch (s) {
    case InspectionStatus::kDraft: return "brouillon";
    case InspectionStatus::kInProgress: return "en cours";
    case InspectionStatus::kCompleted: return "clôturée";
    case InspectionStatus::kSigned: return "signée";
  }
  return "brouillon";
}

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
    auto add = [&](std::string_view key, std::string label, ItemType type, bool system,
                   std::vector<Choice> choices = {}, std::optional<Number> min = std::nullopt,
                   std::optional<Number> max = std::nullopt) {
      f.push_back({col(std::string(key), std::move(label), type, std::move(choices), min, max), system});
    };
    add(kDossier, "Dossier", ItemType::kText, true);
    add(kGrid, "Grille", ItemType::kText, true);
    add(kGridVersion, "Version de la grille", ItemType::kInteger, true);
    add(kStatus, "Statut", ItemType::kText, true);
    add(kVisitDate, "Date de l'inspection", ItemType::kDate, false);
    add(kLeadInspector, "Inspecteur/trice", ItemType::kText, true);
    add(kAccompanying, "Accompagnateur", ItemType::kText, false);
    add(kPreviousVisit, "Dernière visite d'inspection", ItemType::kDate, false);
    add(kConclusions, "Conclusions", ItemType::kText, false);
    add(kFollowUp, "Suivi souhaité", ItemType::kChoice, false,
        {{std::string(kFollowUpChoiceNone), "Aucune remarque"},
         {std::string(kFollowUpChoiceNoDeadline), "Avec remarque(s) sans délai"},
         {std::string(kFollowUpChoiceDeadline), "Avec remarque(s) avec délai"},
         {std::string(kFollowUpChoiceOther), "Autre(s)"}});
    add(kFollowUpDays, "Délai (jours à dater de l'envoi du courrier)", ItemType::kInteger, false, {},
        Number::integer(1), Number::integer(365));
    add(kFollowUpOther, "Autre suivi", ItemType::kText, false);
    add(kHolderAnswer, "Avis / remarques du titulaire", ItemType::kText, false);
    add(kCompletedAt, "Clôturée le", ItemType::kText, true);
    add(kSignedAt, "Signée le", ItemType::kText, true);
    add(kSignedBy, "Signée par", ItemType::kText, true);
    add(kSignatureDevice, "Appareil de signature", ItemType::kText, true);
    add(kSignatureCertificate, "Certificat de signature", ItemType::kText, true);
    add(kSignature, "Signature", ItemType::kText, true);
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
      {std::string(kPeopleTable), "Personne(s) rencontrée(s)",
       {col("nom", "Nom, prénom", ItemType::kText), col("fonction", "Fonction", ItemType::kText)}},
      {std::string(kPreviousRecommendationsTable),
       "Remarques et recommandations de la dernière visite d'inspection",
       {col("recommandation", "Remarque ou recommandation", ItemType::kText),
        col("reponse", "Réponse apportée", ItemType::kText)}},
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
