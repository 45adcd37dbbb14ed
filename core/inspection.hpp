// The inspection: its lifecycle (draft → in progress → completed → signed) and the fields
// the canvas holds outside the grid itself (visit, people, follow-up, holder's answer).
//
// An inspection is stored as fields of entities (see storage/replica.hpp); this header
// names those fields, types them and states which transitions and edits are allowed.
// Pure functions and constant tables; thread safe.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/grid.hpp"
#include "core/status.hpp"

namespace carnet::core {

enum class InspectionStatus { kDraft, kInProgress, kCompleted, kSigned };

std::string_view inspection_status_name(InspectionStatus s);   // "draft", "in_progress", ...
std::string_view inspection_status_label(InspectionStatus s);  // "brouillon", "en cours", ...
MessageKey inspection_status_key(InspectionStatus s);           // its catalogue key, for the pages
std::optional<InspectionStatus> parse_inspection_status(std::string_view name);

// The fields of the inspection entity. Keys are what `carnet inspection set` accepts and
// what is stored; "system" fields are written only by the lifecycle operations.
namespace field {
inline constexpr std::string_view kDossier = "dossier";
inline constexpr std::string_view kGrid = "grille";
inline constexpr std::string_view kGridVersion = "version_grille";
inline constexpr std::string_view kStatus = "statut";
inline constexpr std::string_view kLeadInspector = "inspecteur";
inline constexpr std::string_view kAccompanying = "accompagnateur";
inline constexpr std::string_view kVisitDate = "date";
inline constexpr std::string_view kPreviousVisit = "derniere_visite";
inline constexpr std::string_view kConclusions = "conclusions";
inline constexpr std::string_view kFollowUp = "suivi";
inline constexpr std::string_view kFollowUpDays = "suivi_delai";
inline constexpr std::string_view kFollowUpOther = "suivi_autre";
inline constexpr std::string_view kHolderAnswer = "avis_titulaire";
inline constexpr std::string_view kCompletedAt = "cloturee_le";
inline constexpr std::string_view kSignedAt = "signee_le";
inline constexpr std::string_view kSignedBy = "signee_par";
// The signature (core/report_signature.hpp): the signing device, its certificate (PEM) and
// the signature itself (base64 DER), written with the move to "signed".
inline constexpr std::string_view kSignatureDevice = "signature_appareil";
inline constexpr std::string_view kSignatureCertificate = "signature_certificat";
inline constexpr std::string_view kSignature = "signature";
// Per-section texts: "remarques.<section>" and "recommandations.<section>".
inline constexpr std::string_view kRemarksPrefix = "remarques.";
inline constexpr std::string_view kRecommendationsPrefix = "recommandations.";
}  // namespace field

struct MetaField {
  Column spec;        // key, French label (catalogue entry spec.label_key), type, choices, bounds
  bool system;        // set by the lifecycle only, never by `set`
};

// Every field of the inspection entity, in canvas order.
const std::vector<MetaField>& inspection_fields();
const MetaField* find_inspection_field(std::string_view key);

// The canvas's own repeated tables (not part of any grid): the people met during the visit
// and the recommendations of the previous visit with the answers given.
inline constexpr std::string_view kPeopleTable = "personnes";
inline constexpr std::string_view kPreviousRecommendationsTable = "recommandations_precedentes";
struct MetaTable {
  std::string key;
  std::string label;  // French, from the catalogue entry `label_key`
  std::vector<Column> columns;
  std::string_view label_key = {};
};
const std::vector<MetaTable>& inspection_tables();
const MetaTable* find_inspection_table(std::string_view key);

// Follow-up requested (section IX), stored in `suivi`.
inline constexpr std::string_view kFollowUpChoiceNone = "aucun";
inline constexpr std::string_view kFollowUpChoiceNoDeadline = "sans_delai";
inline constexpr std::string_view kFollowUpChoiceDeadline = "avec_delai";
inline constexpr std::string_view kFollowUpChoiceOther = "autre";

// The state an inspection is in, as far as edits and transitions are concerned.
struct InspectionState {
  InspectionStatus status = InspectionStatus::kDraft;
  std::optional<Date> visit_date;
  std::string follow_up;               // one of the kFollowUp* values, or empty
  std::optional<Number> follow_up_days;
  std::string follow_up_other;
};

// Whether `field` (an inspection field, an item key, a remark or a row) may be changed.
// A signed inspection refuses everything but the holder's answer.
Status check_edit(InspectionStatus status, std::string_view field);
// The status after a content edit: draft and completed inspections become in progress.
InspectionStatus status_after_edit(InspectionStatus status, std::string_view field);
// kFailedPrecondition, naming what is missing, unless the inspection can be completed.
Status check_complete(const InspectionState& state);
// kFailedPrecondition unless the inspection is completed.
Status check_sign(const InspectionState& state);

}  // namespace carnet::core
