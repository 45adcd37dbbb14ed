#include "core/form_json.hpp"

#include "core/inspection.hpp"

namespace carnet::core {
namespace {

void set_if(Json& j, std::string key, const std::string& text) {
  if (!text.empty()) j.set(std::move(key), text);
}

// A label that comes from the catalogue also gives its key ("libelle_cle"), so that a page can
// show it in the reader's language; labels read from a grid file have none.
void set_label_key(Json& j, std::string_view label_key) {
  if (!label_key.empty()) j.set("libelle_cle", std::string(label_key));
}

Json choices_json(const std::vector<Choice>& choices) {
  Json arr = Json::array();
  for (const auto& c : choices) {
    Json choice = Json::object().set("value", c.value).set("label", c.label);
    set_label_key(choice, c.label_key);
    arr.push(std::move(choice));
  }
  return arr;
}

// What items, columns and fields share: type, unit, choices, bounds.
void control_json(Json& j, ItemType type, const std::string& unit, const std::vector<Choice>& choices,
                  const std::optional<Number>& min, const std::optional<Number>& max) {
  j.set("type", item_type_key(type));
  set_if(j, "unit", unit);
  if (!choices.empty()) j.set("choices", choices_json(choices));
  if (min) j.set("min", Json::number(*min));
  if (max) j.set("max", Json::number(*max));
}

Json columns_json(const std::vector<Column>& columns) {
  Json arr = Json::array();
  for (const auto& c : columns) {
    Json col = Json::object().set("key", c.key).set("label", c.label);
    set_label_key(col, c.label_key);
    control_json(col, c.type, c.unit, c.choices, c.min, c.max);
    arr.push(std::move(col));
  }
  return arr;
}

}  // namespace

std::string_view item_type_key(ItemType type) {
  switch (type) {
    case ItemType::kYesNo: return "oui_non";
    case ItemType::kCheck: return "case";
    case ItemType::kInteger: return "entier";
    case ItemType::kDecimal: return "decimal";
    case ItemType::kMoney: return "montant";
    case ItemType::kPercent: return "pourcentage";
    case ItemType::kDate: return "date";
    case ItemType::kText: return "texte";
    case ItemType::kChoice: return "choix";
    case ItemType::kTable: return "tableau";
    case ItemType::kPhoto: return "photo";
  }
  return "texte";
}

Json grid_form_json(const Grid& grid) {
  const GridDef& def = grid.def();
  Json sections = Json::array();
  for (const Section& sec : def.sections) {
    Json items = Json::array();
    for (const Item& item : sec.items) {
      Json it = Json::object().set("key", item.key).set("label", item.label);
      set_if(it, "help", item.help);
      set_if(it, "heading", item.heading);
      control_json(it, item.type, item.unit, item.choices, item.min, item.max);
      if (!item.calculate.empty()) it.set("computed", true);
      if (item.type == ItemType::kTable) it.set("max_rows", item.max_rows).set("columns", columns_json(item.columns));
      items.push(std::move(it));
    }
    Json s = Json::object().set("key", sec.key).set("number", sec.number).set("title", sec.title);
    set_if(s, "help", sec.help);
    s.set("items", std::move(items));
    sections.push(std::move(s));
  }
  return Json::object()
      .set("key", def.key)
      .set("version", def.version)
      .set("title", def.title)
      .set("legal_basis", def.legal_basis)
      .set("sections", std::move(sections));
}

Json inspection_form_json() {
  Json fields = Json::array();
  for (const MetaField& f : inspection_fields()) {
    if (f.system) continue;
    Json j = Json::object().set("key", f.spec.key).set("label", f.spec.label);
    set_label_key(j, f.spec.label_key);
    control_json(j, f.spec.type, f.spec.unit, f.spec.choices, f.spec.min, f.spec.max);
    fields.push(std::move(j));
  }
  Json tables = Json::array();
  for (const MetaTable& t : inspection_tables()) {
    Json table = Json::object().set("key", t.key).set("label", t.label);
    set_label_key(table, t.label_key);
    table.set("columns", columns_json(t.columns));
    tables.push(std::move(table));
  }
  return Json::object().set("fields", std::move(fields)).set("tables", std::move(tables));
}

}  // namespace carnet::core
