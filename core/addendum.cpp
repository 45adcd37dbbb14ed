#include "core/addendum.hpp"

#include "core/grid.hpp"
#include "core/text.hpp"

namespace carnet::core {

std::string_view addendum_review_label(const Addendum& a) {
  if (a.review == kAddendumAccepted) return catalogue_text("coeur.addendum.revue.accepte");
  if (a.review == kAddendumRejected) return catalogue_text("coeur.addendum.revue.rejete");
  return catalogue_text("coeur.addendum.revue.a_examiner");
}

Status check_addendum_text(std::string_view text) {
  if (trim(text).empty())
    return Status::invalid_argument("coeur.addendum.vide");
  if (text.size() > kMaxTextBytes) {
    return Status::out_of_range("coeur.addendum.trop_long", {{"max", kMaxTextBytes}});
  }
  if (!valid_utf8_text(text)) return Status::invalid_argument("coeur.addendum.utf8_invalide");
  return Status::ok_status();
}

bool addendum_field_from_device(std::string_view f) {
  return f == addendum_field::kInspection || f == addendum_field::kText ||
         f == addendum_field::kAuthor || f == addendum_field::kCreatedAt;
}

}  // namespace carnet::core
