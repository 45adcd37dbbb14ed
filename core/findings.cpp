#include "core/findings.hpp"

namespace carnet::core {
namespace {

bool is_true(const Result<Value>& v) { return v && !v->is_null() && v->as_bool(); }

std::string render(const Template& t, const AnswerSet& answers) {
  std::string out;
  for (const auto& part : t.parts) {
    if (!part.expr) {
      out += part.text;
      continue;
    }
    auto v = part.expr->evaluate(answers);
    out += v ? display_or_unknown(*v) : "?";
  }
  return out;
}

}  // namespace

std::string_view finding_status_name(FindingStatus status) {
  switch (status) {
    case FindingStatus::kConform: return "conform";
    case FindingStatus::kNonConform: return "nonconform";
    case FindingStatus::kUnknown: return "unknown";
    case FindingStatus::kNotApplicable: return "not_applicable";
  }
  return "unknown";
}

std::string_view finding_status_label(FindingStatus status) {
  switch (status) {
    case FindingStatus::kConform: return catalogue_text("coeur.constat.conforme");
    case FindingStatus::kNonConform: return catalogue_text("coeur.constat.non_conforme");
    case FindingStatus::kUnknown: return catalogue_text("coeur.constat.a_verifier");
    case FindingStatus::kNotApplicable: return catalogue_text("coeur.constat.sans_objet");
  }
  return catalogue_text("coeur.constat.a_verifier");
}

std::string display_or_unknown(const Value& value) {
  if (value.is_null()) return "?";
  return value.display();
}

std::vector<Finding> evaluate_findings(const AnswerSet& answers) {
  const Grid& grid = answers.grid();
  std::vector<Finding> out;
  out.reserve(grid.norms().size());
  for (const CompiledNorm& cn : grid.norms()) {
    Finding f;
    f.norm_id = cn.norm->id;
    f.item = grid.item(cn.item).key;
    f.section = grid.def().sections[static_cast<std::size_t>(grid.section_of(cn.item))].key;
    f.reference = cn.norm->reference;
    f.requirement = cn.norm->requirement;
    const bool applies = answers.is_relevant(cn.item) && (!cn.when || is_true(cn.when->evaluate(answers)));
    std::string detail = cn.detail.parts.empty() ? std::string() : render(cn.detail, answers);
    if (!applies) {
      f.status = FindingStatus::kNotApplicable;
      f.message = f.requirement + " — " + std::string(catalogue_text("coeur.constat.sans_objet"));
    } else {
      auto v = cn.condition.evaluate(answers);
      if (!v) {
        f.status = FindingStatus::kUnknown;
        detail = Message("coeur.constat.calcul_impossible", {{"detail", v.error().message()}}).render();
      } else if (v->is_null()) {
        f.status = FindingStatus::kUnknown;
        const std::string_view missing = catalogue_text("coeur.constat.donnees_manquantes");
        if (detail.empty()) detail = missing;
        else detail += " (" + std::string(missing) + ")";
      } else {
        f.status = v->as_bool() ? FindingStatus::kConform : FindingStatus::kNonConform;
      }
      f.message = f.requirement;
      if (!detail.empty()) f.message += " — " + detail;
    }
    out.push_back(std::move(f));
  }
  // Tables merged from several tablets may hold more rows than their cap: every row is kept
  // (docs/sync.md) and the table is to be checked, with its count, until rows are removed.
  for (int i = 0; i < grid.item_count(); ++i) {
    const Item& item = grid.item(i);
    const std::size_t n = answers.row_count(i);
    if (item.type != ItemType::kTable || n <= static_cast<std::size_t>(item.max_rows)) continue;
    Finding f;
    f.norm_id = std::string(kTableCapNorm);
    f.item = item.key;
    f.section = grid.def().sections[static_cast<std::size_t>(grid.section_of(i))].key;
    f.status = FindingStatus::kUnknown;
    f.requirement = Message("coeur.constat.plafond_lignes", {{"tableau", item.label}, {"max", item.max_rows}}).render();
    f.message = f.requirement + " — " + Message("coeur.constat.plafond_depasse", {{"n", n}}).render();
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace carnet::core
