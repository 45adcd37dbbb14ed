#include "core/report.hpp"

#include <map>

#include "core/change.hpp"

namespace carnet::core {
namespace {

std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// Text with line breaks kept.
std::string esc_lines(std::string_view s) {
  std::string out;
  for (const char c : s) {
    if (c == '\n') out += "<br>";
    else out += esc(std::string_view(&c, 1));
  }
  return out;
}

// The report's fixed texts come from the catalogue (core/messages/fr.json, "coeur.rapport.*").
std::string label(MessageKey key) { return std::string(catalogue_text(key)); }
std::string said(MessageKey key, std::initializer_list<MessageParam> params) { return Message(key, params).render(); }

std::string text_of(const Value& v) { return v.kind() == ValueKind::kText ? v.as_text() : v.display(); }

std::string shown(const Value& v, ItemType type, const std::vector<Choice>& choices, std::string_view unit) {
  if (v.is_null()) return "";
  if (type == ItemType::kYesNo) {
    if (v.as_text() == "so") return label("coeur.rapport.sans_objet");
    return v.as_text();
  }
  if (type == ItemType::kChoice) {
    for (const auto& c : choices) {
      if (c.value == v.as_text()) return c.label;
    }
  }
  if (type == ItemType::kMoney && v.kind() == ValueKind::kNumber) return v.as_number().to_french(2, true) + " €";
  std::string s = v.display();
  if (!unit.empty() && v.kind() == ValueKind::kNumber) s += " " + std::string(unit);
  return s;
}

std::string inspector(const InspectorNames& names, const Value& id) {
  if (id.kind() != ValueKind::kText || id.as_text().empty()) return "";
  const std::string name = names ? names(id.as_text()) : std::string();
  return name.empty() ? id.as_text() : name;
}

// What the signature block shows: "non signé" for an inspection that is not signed,
// whatever the verdict says.
SignatureState shown_state(const InspectionView& view, const SignatureVerdict& verdict) {
  if (view.status != InspectionStatus::kSigned) return SignatureState::kUnsigned;
  return verdict.state == SignatureState::kUnsigned ? SignatureState::kInvalid : verdict.state;
}

// "2025-03-10T14:03:07Z" as people read it: "10/03/2025 à 14:03:07 (UTC)"; other text as is.
std::string french_instant(const std::string& iso) {
  if (iso.size() != 20 || iso[10] != 'T' || iso[19] != 'Z') return iso;
  auto date = Date::parse(iso.substr(0, 10));
  if (!date) return iso;
  return said("coeur.rapport.instant", {{"date", date->french()}, {"heure", iso.substr(11, 8)}});
}

// "Nom (id)", or the id alone when the name is unknown.
std::string signer_text(const InspectorNames& names, const InspectionView& view) {
  const Value& id = view.field(field::kSignedBy);
  const std::string shown_name = inspector(names, id);
  if (id.kind() != ValueKind::kText || shown_name == id.as_text()) return shown_name;
  return shown_name + " (" + id.as_text() + ")";
}

const char* kStyle = R"css(
@page { size: A4; margin: 18mm 16mm 20mm 16mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10.5pt; color: #111; margin: 0 auto; max-width: 180mm; line-height: 1.35; }
header.org { font-size: 9pt; color: #333; border-bottom: 2px solid #c8102e; padding-bottom: 4px; margin-bottom: 10px; }
h1 { font-size: 16pt; text-align: center; margin: 14px 0 2px; letter-spacing: .04em; }
p.subtitle { text-align: center; margin: 0 0 12px; font-size: 9.5pt; }
h2 { font-size: 12pt; background: #eee; padding: 4px 6px; margin: 18px 0 8px; break-after: avoid; }
h3 { font-size: 10.5pt; margin: 12px 0 4px; text-decoration: underline; break-after: avoid; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 8px; break-inside: auto; }
tr { break-inside: avoid; }
th, td { border: 1px solid #999; padding: 3px 5px; vertical-align: top; text-align: left; }
th { background: #f3f3f3; font-weight: 600; }
td.v { width: 38%; }
dl.head { display: grid; grid-template-columns: 48mm 1fr; gap: 2px 8px; margin: 0 0 8px; }
dl.head dt { font-weight: 600; }
dl.head dd { margin: 0; }
.findings td.st { white-space: nowrap; font-weight: 600; width: 24mm; }
.nonconform { background: #fde2e1; }
.nonconform td.st { color: #a40000; }
.unknown td.st { color: #8a5a00; }
.conform td.st { color: #1d6b2a; }
.not_applicable { color: #666; }
.summary { border: 2px solid #a40000; padding: 6px 8px; margin: 10px 0; }
.summary.ok { border-color: #1d6b2a; }
.remark { border-left: 3px solid #999; padding: 2px 8px; margin: 6px 0; }
.box::before { content: "\2610\00a0"; }
.box.on::before { content: "\2612\00a0"; }
.sign { margin-top: 16px; }
.signature.valid { color: #1d6b2a; }
.signature.invalid, .signature.unsigned { color: #a40000; }
.signature.unverifiable { color: #8a5a00; }
footer { margin-top: 20px; font-size: 8.5pt; color: #555; border-top: 1px solid #ccc; padding-top: 4px; }
@media print { h2 { break-after: avoid; } .section { break-inside: auto; } }
)css";

void findings_table(std::string& out, const std::vector<const Finding*>& fs) {
  if (fs.empty()) return;
  out += "<table class=\"findings\"><tr><th>" + label("coeur.rapport.colonne_constat") + "</th><th>" +
         label("coeur.rapport.colonne_exigence") + "</th><th>" + label("coeur.rapport.colonne_reference") +
         "</th></tr>\n";
  for (const Finding* f : fs) {
    out += "<tr class=\"" + std::string(finding_status_name(f->status)) + "\"><td class=\"st\">" +
           esc(finding_status_label(f->status)) + "</td><td>" + esc(f->message) + "</td><td>" + esc(f->reference) +
           "</td></tr>\n";
  }
  out += "</table>\n";
}

void rows_table(std::string& out, const std::vector<Column>& columns, const std::vector<TableRow>& rows) {
  out += "<table><tr>";
  for (const auto& c : columns) out += "<th>" + esc(c.label) + (c.unit.empty() ? "" : " (" + esc(c.unit) + ")") + "</th>";
  out += "</tr>\n";
  if (rows.empty()) {
    out += "<tr><td colspan=\"" + std::to_string(columns.size()) + "\"><em>" + label("coeur.rapport.aucune_ligne") +
           "</em></td></tr>\n";
  }
  for (const auto& r : rows) {
    out += "<tr>";
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const Value& v = i < r.cells.size() ? r.cells[i] : Value();
      out += "<td>" + esc_lines(shown(v, columns[i].type, columns[i].choices, "")) + "</td>";
    }
    out += "</tr>\n";
  }
  out += "</table>\n";
}

}  // namespace

std::string_view report_style() { return kStyle; }

Json value_json(const Value& v) {
  switch (v.kind()) {
    case ValueKind::kNull: return Json();
    case ValueKind::kBool: return Json(v.as_bool());
    case ValueKind::kNumber: return Json::number(v.as_number());
    case ValueKind::kDate: return Json(v.as_date().iso());
    case ValueKind::kText: return Json(v.as_text());
  }
  return Json();
}

Json finding_json(const Finding& f) {
  Json j = Json::object();
  j.set("item", f.item)
      .set("norm", f.norm_id)
      .set("section", f.section)
      .set("status", std::string(finding_status_name(f.status)))
      .set("reference", f.reference)
      .set("requirement", f.requirement)
      .set("message", f.message);
  return j;
}

std::string report_html(const InspectionView& view, const InspectorNames& names, const SignatureVerdict& signature) {
  const Grid& grid = *view.grid;
  const auto findings = view.findings();
  std::map<std::string, std::vector<const Finding*>> by_section;
  std::size_t nonconform = 0, unknown = 0;
  for (const auto& f : findings) {
    by_section[f.section].push_back(&f);
    if (f.status == FindingStatus::kNonConform) ++nonconform;
    if (f.status == FindingStatus::kUnknown) ++unknown;
  }
  std::string out;
  out.reserve(64 * 1024);
  out += "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>" + said("coeur.rapport.titre_page", {{"dossier", esc(view.dossier.name)}}) + "</title>\n<style>" +
         std::string(kStyle) + "</style></head><body>\n";
  out += "<header class=\"org\">" + label("coeur.rapport.organisation_service") + "<br>" +
         label("coeur.rapport.organisation_direction") + "</header>\n";
  out += "<h1>" + label("coeur.rapport.titre") + "</h1>\n<p class=\"subtitle\"><strong>" + esc(grid.def().title) +
         "</strong>";
  if (!grid.def().legal_basis.empty()) out += "<br>" + esc_lines(grid.def().legal_basis);
  out += "</p>\n<dl class=\"head\">";
  auto head = [&](MessageKey key, std::string_view value) {
    out += "<dt>" + esc(catalogue_text(key)) + "</dt><dd>" + esc_lines(value) + "</dd>";
  };
  head("coeur.rapport.entete.concerne", view.dossier.name + " — " + view.dossier.reference);
  if (!view.dossier.holder.empty()) head("coeur.rapport.entete.pouvoir_organisateur", view.dossier.holder);
  if (!view.dossier.address.empty()) head("coeur.rapport.entete.adresse", view.dossier.address);
  head("coeur.rapport.entete.objet",
       grid.def().subject.empty() ? label("coeur.rapport.objet_par_defaut") : grid.def().subject);
  head("coeur.rapport.entete.date", view.field(field::kVisitDate).display());
  head("coeur.rapport.entete.inspecteur", inspector(names, view.field(field::kLeadInspector)));
  head("coeur.rapport.entete.accompagnateur", inspector(names, view.field(field::kAccompanying)));
  head("coeur.rapport.entete.statut", std::string(inspection_status_label(view.status)));
  head("coeur.rapport.entete.grille",
       said("coeur.rapport.grille_version", {{"grille", grid.key()}, {"version", grid.version()}}));
  out += "</dl>\n";

  const MetaTable* people = find_inspection_table(kPeopleTable);
  out += "<h3>" + label("coeur.rapport.personnes_rencontrees") + "</h3>\n";
  rows_table(out, people->columns, view.table(kPeopleTable));
  out += "<h3>" + said("coeur.rapport.derniere_visite", {{"date", esc(view.field(field::kPreviousVisit).display())}}) +
         "</h3>\n";
  const MetaTable* prev = find_inspection_table(kPreviousRecommendationsTable);
  rows_table(out, prev->columns, view.table(kPreviousRecommendationsTable));

  out += std::string("<div class=\"summary") + (nonconform == 0 ? " ok" : "") + "\"><strong>" +
         label("coeur.rapport.synthese_titre") + "</strong> " +
         said("coeur.rapport.synthese",
              {{"non_conformites", nonconform}, {"a_verifier", unknown}, {"normes", findings.size()}}) +
         "</div>\n";

  for (std::size_t si = 0; si < grid.def().sections.size(); ++si) {
    const Section& sec = grid.def().sections[si];
    out += "<section class=\"section\"><h2>" + esc(sec.number) + (sec.number.empty() ? "" : ". ") + esc(sec.title) + "</h2>\n";
    bool open_table = false;
    for (const Item& item : sec.items) {
      const int index = *grid.find_item(item.key);
      if (!item.heading.empty()) {
        if (open_table) out += "</table>\n";
        open_table = false;
        out += "<h3>" + esc(item.heading) + "</h3>\n";
      }
      if (item.type == ItemType::kTable) {
        if (open_table) out += "</table>\n";
        open_table = false;
        out += "<p><strong>" + esc(item.label) + "</strong></p>\n";
        rows_table(out, item.columns, view.table(item.key));
        continue;
      }
      if (!view.answers->is_relevant(index)) continue;
      if (!open_table) out += "<table>\n";
      open_table = true;
      auto v = view.answers->item(index);
      std::string value = v ? shown(*v, item.type, item.choices, item.unit) : label("coeur.rapport.calcul_impossible");
      if (v && item.type == ItemType::kCheck && !v->is_null()) {
        value = v->as_bool() ? "<span class=\"box on\">" + label("coeur.rapport.case_oui") + "</span>"
                             : "<span class=\"box\">" + label("coeur.rapport.case_non") + "</span>";
      } else {
        value = esc_lines(value);
      }
      out += "<tr><td>" + esc(item.label) +
             (grid.calculate(index) ? " <em>" + label("coeur.rapport.calcule") + "</em>" : std::string()) +
             "</td><td class=\"v\">" + value + "</td></tr>\n";
    }
    if (open_table) out += "</table>\n";
    findings_table(out, by_section[sec.key]);
    const Value& remarks = view.field(std::string(field::kRemarksPrefix) + sec.key);
    const Value& recs = view.field(std::string(field::kRecommendationsPrefix) + sec.key);
    if (!remarks.is_null()) {
      out += "<div class=\"remark\"><strong>" + label("coeur.rapport.remarques") + "</strong> " +
             esc_lines(text_of(remarks)) + "</div>\n";
    }
    if (!recs.is_null()) {
      out += "<div class=\"remark\"><strong>" + label("coeur.rapport.recommandations") + "</strong> " +
             esc_lines(text_of(recs)) + "</div>\n";
    }
    out += "</section>\n";
  }

  auto roman = [&](int offset) {
    static const char* kRoman[] = {"I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV"};
    const std::size_t n = grid.def().sections.size() + static_cast<std::size_t>(offset);
    return n < 14 ? std::string(kRoman[n]) : std::to_string(n + 1);
  };
  out += "<section><h2>" + roman(0) + ". " + label("coeur.rapport.section.conclusions") + "</h2>\n<p>" +
         esc_lines(text_of(view.field(field::kConclusions))) + "</p></section>\n";
  const std::string follow = text_of(view.field(field::kFollowUp));
  auto box = [&](std::string_view value, const std::string& text) {
    out += std::string("<p><span class=\"box") + (follow == value ? " on" : "") + "\"></span>" + text + "</p>\n";
  };
  out += "<section><h2>" + roman(1) + ". " + label("coeur.rapport.section.suivi") + "</h2>\n";
  box(kFollowUpChoiceNone, label("coeur.rapport.suivi.aucun"));
  box(kFollowUpChoiceNoDeadline, label("coeur.rapport.suivi.sans_delai"));
  const Value& days = view.field(field::kFollowUpDays);
  box(kFollowUpChoiceDeadline,
      said("coeur.rapport.suivi.avec_delai", {{"jours", days.is_null() ? std::string("….") : esc(days.display())}}));
  box(kFollowUpChoiceOther,
      said("coeur.rapport.suivi.autre", {{"precision", esc(text_of(view.field(field::kFollowUpOther)))}}));
  out += "<div class=\"sign\"><p>" +
         said("coeur.rapport.date", {{"date", esc(view.field(field::kVisitDate).display())}}) + "</p>";
  const SignatureState state = shown_state(view, signature);
  if (view.status == InspectionStatus::kSigned) {
    out += "<p>" +
           said("coeur.rapport.signe_par", {{"signataire", esc(signer_text(names, view))},
                                            {"quand", esc(french_instant(text_of(view.field(field::kSignedAt))))}}) +
           "</p>";
    if (const auto& device = view.field(field::kSignatureDevice); !device.is_null()) {
      out += "<p>" + said("coeur.rapport.appareil_signature", {{"appareil", esc(text_of(device))}}) + "</p>";
    }
    out += "<p class=\"signature " + std::string(signature_state_name(state)) + "\"><strong>" +
           said("coeur.rapport.signature_electronique", {{"etat", esc(signature_state_label(state))}}) + "</strong>" +
           (state != SignatureState::kValid && signature.message ? " — " + esc(signature.message->render()) : "") + "</p>";
  } else {
    out += "<p><em>" + said("coeur.rapport.non_signe", {{"statut", esc(inspection_status_label(view.status))}}) +
           "</em></p>";
  }
  out += "<p>" + esc(inspector(names, view.field(field::kLeadInspector))) + "<br>" + label("coeur.rapport.inspecteur") +
         "</p></div></section>\n";
  out += "<section><h2>" + roman(2) + ". " + label("coeur.rapport.section.avis_titulaire") + "</h2>\n<p>" +
         esc_lines(text_of(view.field(field::kHolderAnswer))) + "</p></section>\n";
  bool any_addendum = false;
  for (const auto& a : view.addenda) any_addendum |= a.accepted();
  if (any_addendum) {
    out += "<section class=\"addenda\"><h2>" + label("coeur.rapport.section.addenda") + "</h2>\n<p><em>" +
           label("coeur.rapport.addenda_avertissement") + "</em></p>\n";
    for (const auto& a : view.addenda) {
      if (!a.accepted()) continue;
      out += "<div class=\"remark\"><strong>" +
             said("coeur.rapport.addendum_titre", {{"quand", esc(french_instant(a.created_at))},
                                                   {"auteur", esc(inspector(names, Value::text(a.author)))}}) +
             "</strong> " + said("coeur.rapport.addendum_accepte", {{"quand", esc(french_instant(a.reviewed_at))}}) +
             "<br>" + esc_lines(a.text) + "</div>\n";
    }
    out += "</section>\n";
  }
  out += "<footer>" +
         said("coeur.rapport.pied", {{"id", esc(view.id)}, {"grille", esc(grid.key())}, {"version", grid.version()}}) +
         "</footer>\n</body></html>\n";
  return out;
}

Json report_json(const InspectionView& view, const InspectorNames& names, const SignatureVerdict& signature) {
  const Grid& grid = *view.grid;
  const auto findings = view.findings();
  Json j = Json::object();
  j.set("id", view.id);
  j.set("grid", Json::object().set("key", grid.key()).set("version", grid.version()).set("title", grid.def().title));
  j.set("dossier", dossier_to_json(view.dossier));
  j.set("status", std::string(inspection_status_name(view.status)));
  j.set("visit_date", value_json(view.field(field::kVisitDate)));
  j.set("inspector", Json::object()
                         .set("id", value_json(view.field(field::kLeadInspector)))
                         .set("name", inspector(names, view.field(field::kLeadInspector))));
  j.set("accompanying", value_json(view.field(field::kAccompanying)));
  j.set("previous_visit", value_json(view.field(field::kPreviousVisit)));
  auto table_json = [&](const std::vector<Column>& columns, const std::vector<TableRow>& rows) {
    Json arr = Json::array();
    for (const auto& r : rows) {
      Json row = Json::object();
      for (std::size_t i = 0; i < columns.size() && i < r.cells.size(); ++i) row.set(columns[i].key, value_json(r.cells[i]));
      arr.push(std::move(row));
    }
    return arr;
  };
  j.set("people", table_json(find_inspection_table(kPeopleTable)->columns, view.table(kPeopleTable)));
  j.set("previous_recommendations", table_json(find_inspection_table(kPreviousRecommendationsTable)->columns,
                                               view.table(kPreviousRecommendationsTable)));
  Json sections = Json::array();
  for (const Section& sec : grid.def().sections) {
    Json s = Json::object();
    s.set("key", sec.key).set("number", sec.number).set("title", sec.title);
    Json items = Json::array();
    for (const Item& item : sec.items) {
      const int index = *grid.find_item(item.key);
      Json it = Json::object();
      it.set("key", item.key).set("label", item.label).set("relevant", view.answers->is_relevant(index));
      if (item.type == ItemType::kTable) {
        it.set("rows", table_json(item.columns, view.table(item.key)));
      } else {
        auto v = view.answers->item(index);
        it.set("value", v ? value_json(*v) : Json());
        if (grid.calculate(index)) it.set("computed", true);
        if (!item.unit.empty()) it.set("unit", item.unit);
      }
      items.push(std::move(it));
    }
    s.set("items", std::move(items));
    Json fs = Json::array();
    for (const auto& f : findings) {
      if (f.section == sec.key) fs.push(finding_json(f));
    }
    s.set("findings", std::move(fs));
    s.set("remarks", value_json(view.field(std::string(field::kRemarksPrefix) + sec.key)));
    s.set("recommendations", value_json(view.field(std::string(field::kRecommendationsPrefix) + sec.key)));
    sections.push(std::move(s));
  }
  j.set("sections", std::move(sections));
  j.set("conclusions", value_json(view.field(field::kConclusions)));
  j.set("follow_up", Json::object()
                         .set("choice", value_json(view.field(field::kFollowUp)))
                         .set("days", value_json(view.field(field::kFollowUpDays)))
                         .set("other", value_json(view.field(field::kFollowUpOther))));
  j.set("completed_at", value_json(view.field(field::kCompletedAt)));
  const SignatureState state = shown_state(view, signature);
  j.set("signed", Json::object()
                      .set("by", value_json(view.field(field::kSignedBy)))
                      .set("by_name", inspector(names, view.field(field::kSignedBy)))
                      .set("at", value_json(view.field(field::kSignedAt)))
                      .set("device", value_json(view.field(field::kSignatureDevice)))
                      .set("verification", Json::object()
                                               .set("state", std::string(signature_state_name(state)))
                                               .set("label", std::string(signature_state_label(state)))
                                               .set("code", state == SignatureState::kValid ? std::string() : signature.code)
                                               .set("message", state == SignatureState::kValid || !signature.message ? std::string() : signature.message->render())));
  j.set("holder_answer", value_json(view.field(field::kHolderAnswer)));
  Json addenda = Json::array();  // accepted ones only, outside the signature
  for (const auto& a : view.addenda) {
    if (!a.accepted()) continue;
    addenda.push(Json::object()
                     .set("id", a.id)
                     .set("text", a.text)
                     .set("author", a.author)
                     .set("created_at", a.created_at)
                     .set("accepted_by", a.reviewed_by)
                     .set("accepted_at", a.reviewed_at)
                     .set("covered_by_signature", false));
  }
  j.set("addenda", std::move(addenda));
  return j;
}

std::string field_label(const InspectionView* view, std::string_view field) {
  if (view != nullptr) {
    if (auto i = view->grid->find_item(field)) return view->grid->item(*i).label;
    for (const auto& item : view->grid->def().sections) {
      for (const auto& it : item.items) {
        for (const auto& c : it.columns) {
          if (c.key == field) return it.label + " — " + c.label;
        }
      }
    }
  }
  if (field == row_field::kDeleted) return std::string(catalogue_text("coeur.conflit.suppression_ligne"));
  if (const auto* f = find_inspection_field(field)) return f->spec.label;
  return std::string(field);
}

std::string conflict_value_text(std::string_view field, const Value& value) {
  if (field == row_field::kDeleted && value.kind() == ValueKind::kBool) {
    return std::string(value.as_bool() ? catalogue_text("coeur.conflit.ligne_supprimee")
                                       : catalogue_text("coeur.conflit.ligne_gardee"));
  }
  return value.is_null() ? std::string("—") : value.display();
}

}  // namespace carnet::core
