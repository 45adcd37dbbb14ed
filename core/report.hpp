// The inspection report, laid out like the official canvas: header, sections I to VII of
// the grid with their findings, remarks and recommendations, VIII conclusions, IX follow-up
// and signature, X the holder's answer.
//
// HTML: one self-contained page (no script, no external resource) that prints on A4;
// non-conformities are highlighted. JSON: the same content, structured. Pure functions.
#pragma once

#include <functional>
#include <string>

#include "core/inspection_view.hpp"
#include "core/json.hpp"

namespace carnet::core {

// The person's display name for an inspector id ("" when unknown: the id is shown).
using InspectorNames = std::function<std::string(std::string_view inspector_id)>;

std::string report_html(const InspectionView& view, const InspectorNames& names);
Json report_json(const InspectionView& view, const InspectorNames& names);

// One finding as JSON: item, norm, section, status, reference, requirement, message.
Json finding_json(const Finding& f);
// A value as JSON: numbers exact, dates ISO, yes/no as text, null as null.
Json value_json(const Value& v);

}  // namespace carnet::core
