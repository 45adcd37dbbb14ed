// Addenda: after signature a report never changes; what the inspector adds later is an
// addendum — a separate entity under the inspection (entity type "addendum", parent the
// inspection, scope its dossier) with its text, author and date, synced like any entity and
// reviewed at the office (accepted or rejected). Accepted addenda appear in the report in
// their own section, after the signature and not covered by it (the canonical report of
// core/report_signature.hpp reads only the inspection's fields and rows).
//
// Fields of an addendum entity: written on the tablet once — `inspection`, `texte`, `auteur`,
// `cree_le`; written by the office only — `revue` (acceptee | rejetee), `revu_par`,
// `revu_le`. Pure; thread safe.
#pragma once

#include <string>
#include <string_view>

#include "core/status.hpp"

namespace carnet::core {

namespace addendum_field {
inline constexpr std::string_view kInspection = "inspection";
inline constexpr std::string_view kText = "texte";
inline constexpr std::string_view kAuthor = "auteur";
inline constexpr std::string_view kCreatedAt = "cree_le";
inline constexpr std::string_view kReview = "revue";
inline constexpr std::string_view kReviewedBy = "revu_par";
inline constexpr std::string_view kReviewedAt = "revu_le";
}  // namespace addendum_field

inline constexpr std::string_view kAddendumAccepted = "acceptee";
inline constexpr std::string_view kAddendumRejected = "rejetee";

struct Addendum {
  std::string id;
  std::string inspection_id;
  std::string text;
  std::string author;      // inspector id
  std::string created_at;  // ISO 8601 UTC
  std::string review;      // "" (to review), kAddendumAccepted or kAddendumRejected
  std::string reviewed_by;
  std::string reviewed_at;

  bool accepted() const { return review == kAddendumAccepted; }
  bool reviewed() const { return !review.empty(); }
};

// "à examiner", "accepté", "rejeté".
std::string_view addendum_review_label(const Addendum& a);

// kInvalidArgument (French) unless `text` is a non-blank UTF-8 text of at most kMaxTextBytes.
Status check_addendum_text(std::string_view text);

// Whether a device may write `field` of an addendum (the review fields are the office's).
bool addendum_field_from_device(std::string_view field);

}  // namespace carnet::core
