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
#include "core/report_signature.hpp"

namespace carnet::core {

// The person's display name for an inspector id ("" when unknown: the id is shown).
using InspectorNames = std::function<std::string(std::string_view inspector_id)>;

// `signature` is the result of checking the report's signature (sync/report_signing.hpp),
// shown in the signature block: who signed, when, with which device, and whether the
// signature verified. Accepted addenda (`view.addenda`) follow in their own section, marked
// as not covered by the signature.
std::string report_html(const InspectionView& view, const InspectorNames& names, const SignatureVerdict& signature = {});
Json report_json(const InspectionView& view, const InspectorNames& names, const SignatureVerdict& signature = {});

// The report page's stylesheet, as report_html() inlines it in its <style> element (a web
// app that shows the report allows exactly this style by its hash).
std::string_view report_style();

// The French label of a replicated field, as the conflict screens show it: the grid item's,
// "table — column" for a table column, the canvas field's, or the key itself. `view` (the
// inspection the field belongs to) may be null.
std::string field_label(const InspectionView* view, std::string_view field);
// A field's value in a conflict, for people: « — » when it has none; a row's deletion as
// « ligne supprimée » or « ligne gardée, avec ses modifications » (docs/sync.md).
std::string conflict_value_text(std::string_view field, const Value& value);

// One finding as JSON: item, norm, section, status, reference, requirement, message.
Json finding_json(const Finding& f);
// A value as JSON: numbers exact, dates ISO, yes/no as text, null as null.
Json value_json(const Value& v);

}  // namespace carnet::core
