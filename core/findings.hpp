// Findings: every norm of a grid evaluated against an inspection's answers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/answers.hpp"

namespace carnet::core {

enum class FindingStatus { kConform, kNonConform, kUnknown, kNotApplicable };

// "conform", "nonconform", "unknown", "not_applicable" (stable, used in JSON).
std::string_view finding_status_name(FindingStatus status);
// "conforme", "non conforme", "à vérifier", "sans objet".
std::string_view finding_status_label(FindingStatus status);

struct Finding {
  std::string norm_id;
  std::string item;     // key of the item the norm is attached to
  std::string section;  // key of that item's section
  FindingStatus status = FindingStatus::kUnknown;
  std::string reference;
  std::string requirement;
  std::string message;  // French, requirement and figures
};

// The finding of a table holding more rows than its cap (after a merge), not a grid norm.
inline constexpr std::string_view kTableCapNorm = "carnet.plafond_lignes";

// One finding per norm, in grid order, then one per table over its cap (à vérifier). A norm whose item is not relevant, or whose `when`
// is not true, is not applicable; a condition that is null (missing data) or fails to
// evaluate (e.g. a division by zero) is unknown, with the reason in the message.
std::vector<Finding> evaluate_findings(const AnswerSet& answers);

// A value for people: numbers with at most 2 decimals and a French comma, dates DD/MM/YYYY,
// "?" for null.
std::string display_or_unknown(const Value& value);

}  // namespace carnet::core
