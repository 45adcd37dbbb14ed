#include "core/grid.hpp"

#include <algorithm>
#include <functional>
#include <set>

#include "core/text.hpp"

namespace carnet::core {
namespace {

bool valid_name(std::string_view s, bool dots) {
  if (s.empty() || s.size() > 80 || !(s[0] >= 'a' && s[0] <= 'z')) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || (dots && c == '.');
  });
}

// Words the expression language reads as literals or operators.
bool reserved(std::string_view s) {
  return s == "true" || s == "false" || s == "null" || s == "and" || s == "or" || s == "not";
}

bool valid_grid_key(std::string_view s) {
  return !s.empty() && s.size() <= 64 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

}  // namespace

ExprType expr_type_of(ItemType t) {
  switch (t) {
    case ItemType::kCheck: return ExprType::kBool;
    case ItemType::kInteger:
    case ItemType::kDecimal:
    case ItemType::kMoney:
    case ItemType::kPercent: return ExprType::kNumber;
    case ItemType::kDate: return ExprType::kDate;
    case ItemType::kTable: return ExprType::kTable;
    case ItemType::kYesNo:
    case ItemType::kText:
    case ItemType::kChoice:
    case ItemType::kPhoto: return ExprType::kText;
  }
  return ExprType::kNull;
}

Status check_field(const FieldSpec& f, const Value& v) {
  if (v.is_null()) return Status::ok_status();
  const ExprType want = expr_type_of(f.type);
  const bool kind_ok = (want == ExprType::kBool && v.kind() == ValueKind::kBool) ||
                       (want == ExprType::kNumber && v.kind() == ValueKind::kNumber) ||
                       (want == ExprType::kDate && v.kind() == ValueKind::kDate) ||
                       (want == ExprType::kText && v.kind() == ValueKind::kText);
  if (!kind_ok) {
    return Status::invalid_argument("coeur.grid.type_valeur",
                                    {{"champ", f.name},
                                     {"type", std::vector<Message>{value_kind_message(v.kind())}},
                                     {"attendu", std::vector<Message>{item_type_message(f.type)}}});
  }
  switch (f.type) {
    case ItemType::kYesNo:
      if (v.as_text() != "oui" && v.as_text() != "non" && v.as_text() != "so") {
        return Status::invalid_argument("coeur.grid.oui_non_so", {{"champ", f.name}});
      }
      break;
    case ItemType::kChoice: {
      const bool known = std::any_of(f.choices->begin(), f.choices->end(),
                                     [&](const Choice& c) { return c.value == v.as_text(); });
      if (!known) {
        std::string list;
        for (const auto& c : *f.choices) list += (list.empty() ? "" : ", ") + c.value;
        return Status::invalid_argument("coeur.grid.choix_impossible",
                                        {{"champ", f.name}, {"valeur", v.as_text()}, {"choix", list}});
      }
      break;
    }
    case ItemType::kText:
      if (v.as_text().size() > kMaxTextBytes) {
        return Status::out_of_range("coeur.grid.texte_trop_long", {{"champ", f.name}});
      }
      if (!valid_utf8_text(v.as_text())) {
        return Status::invalid_argument("coeur.grid.texte_invalide", {{"champ", f.name}});
      }
      break;
    case ItemType::kPhoto:
      if (!is_sha256_hex(v.as_text())) {
        return Status::invalid_argument("coeur.grid.empreinte_attendue", {{"champ", f.name}});
      }
      break;
    case ItemType::kInteger:
      if (!v.as_number().is_integer()) {
        return Status::invalid_argument("coeur.grid.entier_attendu", {{"champ", f.name}});
      }
      break;
    case ItemType::kMoney: {
      const auto places = v.as_number().exact_decimals();
      if (!places || *places > 2) return Status::invalid_argument("coeur.grid.montant_decimales", {{"champ", f.name}});
      break;
    }
    default: break;
  }
  if (v.kind() == ValueKind::kNumber) {
    const Number& n = v.as_number();
    if ((f.min && n < *f.min) || (f.max && n > *f.max)) {
      if (f.min && f.max) {
        return Status::out_of_range("coeur.grid.hors_limites", {{"champ", f.name}, {"valeur", n.to_french(4)},
                                                                {"min", f.min->to_french(4)},
                                                                {"max", f.max->to_french(4)}});
      }
      if (f.min) {
        return Status::out_of_range("coeur.grid.hors_limites_min",
                                    {{"champ", f.name}, {"valeur", n.to_french(4)}, {"min", f.min->to_french(4)}});
      }
      return Status::out_of_range("coeur.grid.hors_limites_max",
                                  {{"champ", f.name}, {"valeur", n.to_french(4)}, {"max", f.max->to_french(4)}});
    }
  }
  return Status::ok_status();
}

bool is_blank_input(std::string_view text) { return trim(text).empty(); }

Result<Value> parse_field(const FieldSpec& f, std::string_view raw) {
  if (is_blank_input(raw)) return Value();
  const std::string text = trim(raw);
  Value v;
  switch (f.type) {
    case ItemType::kYesNo: {
      const std::string t = ascii_lower(text);
      if (t == "oui" || t == "o" || t == "yes") v = Value::text("oui");
      else if (t == "non" || t == "n" || t == "no") v = Value::text("non");
      else if (t == "so" || t == "sans objet" || t == "na") v = Value::text("so");
      else return fail(Status::invalid_argument("coeur.grid.saisie_oui_non_so", {{"champ", f.name}, {"texte", text}}));
      break;
    }
    case ItemType::kCheck: {
      const std::string t = ascii_lower(text);
      if (t == "oui" || t == "x" || t == "1" || t == "true") v = Value::boolean(true);
      else if (t == "non" || t == "0" || t == "false") v = Value::boolean(false);
      else return fail(Status::invalid_argument("coeur.grid.saisie_case", {{"champ", f.name}, {"texte", text}}));
      break;
    }
    case ItemType::kInteger:
    case ItemType::kDecimal:
    case ItemType::kMoney:
    case ItemType::kPercent: {
      std::string t = text;
      for (std::string_view suffix : {"€", "%"}) {
        if (t.size() > suffix.size() && t.ends_with(suffix)) t = trim(t.substr(0, t.size() - suffix.size()));
      }
      auto n = Number::parse(t);
      if (!n) return fail(n.error().with_context("coeur.grid.champ", {{"champ", f.name}}));
      v = Value::number(*n);
      break;
    }
    case ItemType::kDate: {
      auto d = Date::parse(text);
      if (!d) return fail(d.error().with_context("coeur.grid.champ", {{"champ", f.name}}));
      v = Value::date(*d);
      break;
    }
    case ItemType::kChoice: {
      // Accept the stored value or the label, ignoring case.
      v = Value::text(text);
      const std::string lowered = ascii_lower(text);
      for (const auto& c : *f.choices) {
        if (c.value == lowered || ascii_lower(c.label) == lowered) v = Value::text(c.value);
      }
      break;
    }
    case ItemType::kPhoto: v = Value::text(ascii_lower(text)); break;
    case ItemType::kText: v = Value::text(std::string(raw)); break;
    case ItemType::kTable:
      return fail(Status::invalid_argument("coeur.grid.saisie_tableau", {{"champ", f.name}}));
  }
  CARNET_RETURN_IF_ERROR_R(check_field(f, v));
  return v;
}

namespace {

// Options belong to choices only, and a choice has valid, distinct options.
Status check_choices(ItemType type, const std::vector<Choice>& choices, const Message& ctx) {
  if (type != ItemType::kChoice) {
    if (choices.empty()) return Status::ok_status();
    return Status::invalid_argument("coeur.grid.options_hors_choix").with_context(ctx);
  }
  if (choices.empty()) return Status::invalid_argument("coeur.grid.choix_sans_options").with_context(ctx);
  std::set<std::string> seen;
  for (const auto& c : choices) {
    if (!valid_name(c.value, false) || !seen.insert(c.value).second) {
      return Status::invalid_argument("coeur.grid.option_invalide", {{"option", c.value}}).with_context(ctx);
    }
  }
  return Status::ok_status();
}

// Names visible to the grid's expressions.
class GridSymbols final : public SymbolTable {
 public:
  GridSymbols(const GridDef& def, const std::map<std::string, int, std::less<>>& items,
              const std::vector<const Item*>& item_ptrs)
      : def_(def), items_(items), item_ptrs_(item_ptrs) {}

  std::optional<Symbol> lookup(std::string_view name) const override {
    for (const auto& p : def_.params) {
      if (p.name == name) {
        Symbol s;
        s.kind = Symbol::Kind::kConstant;
        s.type = ExprType::kNumber;
        s.constant = Value::number(p.value);
        return s;
      }
    }
    if (name == "date_visite") {
      Symbol s;
      s.kind = Symbol::Kind::kBuiltin;
      s.type = ExprType::kDate;
      s.builtin = Builtin::kVisitDate;
      return s;
    }
    auto it = items_.find(name);
    if (it == items_.end()) return std::nullopt;
    const Item& item = *item_ptrs_[static_cast<std::size_t>(it->second)];
    Symbol s;
    s.kind = item.type == ItemType::kTable ? Symbol::Kind::kTable : Symbol::Kind::kItem;
    s.type = expr_type_of(item.type);
    s.index = it->second;
    return s;
  }

  std::optional<Symbol> column(int table, std::string_view name) const override {
    const Item& item = *item_ptrs_[static_cast<std::size_t>(table)];
    for (std::size_t i = 0; i < item.columns.size(); ++i) {
      if (item.columns[i].key == name) {
        Symbol s;
        s.kind = Symbol::Kind::kColumn;
        s.type = expr_type_of(item.columns[i].type);
        s.index = static_cast<int>(i);
        return s;
      }
    }
    return std::nullopt;
  }

 private:
  const GridDef& def_;
  const std::map<std::string, int, std::less<>>& items_;
  const std::vector<const Item*>& item_ptrs_;
};

Result<Template> compile_template(std::string_view text, const SymbolTable& symbols) {
  Template t;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t open = text.find('{', pos);
    if (open == std::string_view::npos) {
      t.parts.push_back({std::string(text.substr(pos)), std::nullopt});
      break;
    }
    if (open > pos) t.parts.push_back({std::string(text.substr(pos, open - pos)), std::nullopt});
    const std::size_t close = text.find('}', open);
    if (close == std::string_view::npos) {
      // "{" as a parameter: a brace in the catalogue's text would open a placeholder.
      return fail(Status::invalid_argument("coeur.grid.accolade_non_fermee",
                                           {{"accolade", "{"}, {"position", open + 1}}));
    }
    auto e = Expression::compile(text.substr(open + 1, close - open - 1), symbols);
    if (!e) {
      return fail(e.error().with_context("coeur.grid.gabarit", {{"gabarit", text.substr(open, close - open + 1)}}));
    }
    t.parts.push_back({{}, std::move(*e)});
    pos = close + 1;
  }
  return t;
}

}  // namespace

Message item_type_message(ItemType type) {
  switch (type) {
    case ItemType::kYesNo: return Message("coeur.grid.type_oui_non");
    case ItemType::kCheck: return Message("coeur.grid.type_case");
    case ItemType::kInteger: return Message("coeur.grid.type_entier");
    case ItemType::kDecimal: return Message("coeur.grid.type_nombre");
    case ItemType::kMoney: return Message("coeur.grid.type_montant");
    case ItemType::kPercent: return Message("coeur.grid.type_pourcentage");
    case ItemType::kDate: return Message("coeur.grid.type_date");
    case ItemType::kText: return Message("coeur.grid.type_texte");
    case ItemType::kChoice: return Message("coeur.grid.type_choix");
    case ItemType::kTable: return Message("coeur.grid.type_tableau");
    case ItemType::kPhoto: return Message("coeur.grid.type_photo");
  }
  return Message("coeur.grid.type_inconnu");
}

std::string_view item_type_name(ItemType type) { return message_text(item_type_message(type).key()); }

Result<std::shared_ptr<const Grid>> Grid::compile(GridDef def) {
  std::shared_ptr<Grid> grid(new Grid());
  grid->def_ = std::move(def);
  const Status s = grid->build();
  if (!s.ok()) {
    return fail(s.with_context("coeur.grid.grille", {{"cle", grid->def_.key}, {"version", grid->def_.version}}));
  }
  return std::shared_ptr<const Grid>(std::move(grid));
}

Status Grid::build() {
  if (!valid_grid_key(def_.key)) return Status::invalid_argument("coeur.grid.cle_invalide", {{"cle", def_.key}});
  if (def_.version <= 0) return Status::invalid_argument("coeur.grid.version_invalide");
  if (def_.title.empty()) return Status::invalid_argument("coeur.grid.titre_manquant");

  std::set<std::string, std::less<>> names;
  for (const auto& p : def_.params) {
    if (!valid_name(p.name, false) || reserved(p.name) || p.name == "date_visite") {
      return Status::invalid_argument("coeur.grid.parametre_invalide", {{"nom", p.name}});
    }
    if (!names.insert(p.name).second) return Status::invalid_argument("coeur.grid.parametre_double", {{"nom", p.name}});
  }
  std::set<std::string, std::less<>> section_keys;
  for (std::size_t si = 0; si < def_.sections.size(); ++si) {
    Section& sec = def_.sections[si];
    if (!valid_name(sec.key, false) || reserved(sec.key) || sec.key == "remarques" || sec.key == "recommandations") {
      return Status::invalid_argument("coeur.grid.section_invalide", {{"cle", sec.key}});
    }
    if (!section_keys.insert(sec.key).second) {
      return Status::invalid_argument("coeur.grid.section_double", {{"cle", sec.key}});
    }
    if (sec.title.empty()) {
      return Status::invalid_argument("coeur.grid.titre_manquant")
          .with_context("coeur.grid.section", {{"cle", sec.key}});
    }
    for (Item& item : sec.items) {
      const Message ctx("coeur.grid.item", {{"item", item.key}});
      if (!item_index_.emplace(item.key, static_cast<int>(items_.size())).second) {
        return Status::invalid_argument("coeur.grid.item_double", {{"item", item.key}});
      }
      if (!valid_name(item.key, true) || !item.key.starts_with(sec.key + ".") || item.key.ends_with(".")) {
        return Status::invalid_argument("coeur.grid.cle_item", {{"section", sec.key}}).with_context(ctx);
      }
      if (item.label.empty()) return Status::invalid_argument("coeur.grid.libelle_manquant").with_context(ctx);
      CARNET_RETURN_IF_ERROR(check_choices(item.type, item.choices, ctx));
      if (item.type == ItemType::kTable) {
        if (item.columns.empty()) return Status::invalid_argument("coeur.grid.tableau_sans_colonnes").with_context(ctx);
        std::set<std::string> seen;
        for (const auto& col : item.columns) {
          if (!valid_name(col.key, false) || reserved(col.key) || !seen.insert(col.key).second) {
            return Status::invalid_argument("coeur.grid.colonne_invalide", {{"colonne", col.key}}).with_context(ctx);
          }
          if (col.type == ItemType::kTable) {
            return Status::invalid_argument("coeur.grid.tableau_dans_tableau").with_context(ctx);
          }
          const Message col_ctx("coeur.grid.item_colonne", {{"item", item.key}, {"colonne", col.key}});
          CARNET_RETURN_IF_ERROR(check_choices(col.type, col.choices, col_ctx));
          if (col.min && col.max && *col.max < *col.min) {
            return Status::invalid_argument("coeur.grid.min_max").with_context(col_ctx);
          }
        }
        if (item.max_rows <= 0 || item.max_rows > kMaxTableRows) item.max_rows = item.max_rows <= 0 ? 200 : kMaxTableRows;
      } else if (!item.columns.empty()) {
        return Status::invalid_argument("coeur.grid.colonnes_hors_tableau").with_context(ctx);
      }
      if (item.min && item.max && *item.max < *item.min) {
        return Status::invalid_argument("coeur.grid.min_max").with_context(ctx);
      }
      if (!item.calculate.empty() && (item.type == ItemType::kTable || item.type == ItemType::kPhoto)) {
        return Status::invalid_argument("coeur.grid.calcul_interdit").with_context(ctx);
      }
      items_.push_back(&item);
      section_of_.push_back(static_cast<int>(si));
    }
  }

  GridSymbols symbols(def_, item_index_, items_);
  calculate_.resize(items_.size());
  relevant_.resize(items_.size());
  std::set<std::string, std::less<>> norm_ids;
  for (std::size_t i = 0; i < items_.size(); ++i) {
    const Item& item = *items_[i];
    const Message ctx("coeur.grid.item", {{"item", item.key}});
    if (!item.calculate.empty()) {
      auto e = Expression::compile(item.calculate, symbols, expr_type_of(item.type));
      if (!e) {
        return e.error().with_context("coeur.grid.item_expression", {{"item", item.key}, {"expression", "calculate"}});
      }
      calculate_[i] = std::move(*e);
    }
    if (!item.relevant.empty()) {
      auto e = Expression::compile(item.relevant, symbols, ExprType::kBool);
      if (!e) {
        return e.error().with_context("coeur.grid.item_expression", {{"item", item.key}, {"expression", "relevant"}});
      }
      relevant_[i] = std::move(*e);
    }
    for (const Norm& norm : item.norms) {
      const Message nctx("coeur.grid.item_norme", {{"item", item.key}, {"norme", norm.id}});
      auto norm_ctx = [&](const char* expression) {
        return Message("coeur.grid.item_norme_expression",
                       {{"item", item.key}, {"norme", norm.id}, {"expression", expression}});
      };
      if (!valid_name(norm.id, true) || !norm_ids.insert(norm.id).second) {
        return Status::invalid_argument("coeur.grid.norme_invalide", {{"norme", norm.id}}).with_context(ctx);
      }
      if (norm.reference.empty()) return Status::invalid_argument("coeur.grid.reference_manquante").with_context(nctx);
      if (norm.requirement.empty()) return Status::invalid_argument("coeur.grid.exigence_manquante").with_context(nctx);
      auto cond = Expression::compile(norm.condition, symbols, ExprType::kBool);
      if (!cond) return cond.error().with_context(norm_ctx("condition"));
      CompiledNorm cn{&norm, static_cast<int>(i), std::move(*cond), std::nullopt, {}};
      if (!norm.when.empty()) {
        auto w = Expression::compile(norm.when, symbols, ExprType::kBool);
        if (!w) return w.error().with_context(norm_ctx("when"));
        cn.when = std::move(*w);
      }
      auto detail = compile_template(norm.detail, symbols);
      if (!detail) return detail.error().with_context(norm_ctx("detail"));
      cn.detail = std::move(*detail);
      norms_.push_back(std::move(cn));
    }
  }

  // Computed items must not depend on themselves, directly or not.
  std::vector<int> state(items_.size(), 0);  // 0 new, 1 on the path, 2 done
  std::function<Status(int)> visit = [&](int i) -> Status {
    const auto u = static_cast<std::size_t>(i);
    if (state[u] == 2 || !calculate_[u]) return Status::ok_status();
    if (state[u] == 1) {
      return Status::invalid_argument("coeur.grid.calcul_circulaire")
          .with_context("coeur.grid.item", {{"item", items_[u]->key}});
    }
    state[u] = 1;
    for (int dep : calculate_[u]->item_refs()) CARNET_RETURN_IF_ERROR(visit(dep));
    state[u] = 2;
    return Status::ok_status();
  };
  for (std::size_t i = 0; i < items_.size(); ++i) CARNET_RETURN_IF_ERROR(visit(static_cast<int>(i)));
  return Status::ok_status();
}

std::optional<int> Grid::find_item(std::string_view key) const {
  auto it = item_index_.find(key);
  if (it == item_index_.end()) return std::nullopt;
  return it->second;
}

std::optional<int> Grid::find_column(int table, std::string_view key) const {
  const auto& cols = item(table).columns;
  for (std::size_t i = 0; i < cols.size(); ++i) {
    if (cols[i].key == key) return static_cast<int>(i);
  }
  return std::nullopt;
}

std::optional<int> Grid::find_section(std::string_view key) const {
  for (std::size_t i = 0; i < def_.sections.size(); ++i) {
    if (def_.sections[i].key == key) return static_cast<int>(i);
  }
  return std::nullopt;
}

std::unique_ptr<const SymbolTable> Grid::symbols() const {
  return std::make_unique<GridSymbols>(def_, item_index_, items_);
}

Result<Value> Grid::parse_input(int index, std::string_view text) const {
  const Item& it = item(index);
  if (calculate(index)) {
    return fail(Status::invalid_argument("coeur.grid.calcule", {{"champ", it.key}}));
  }
  return parse_field({it.key, it.type, &it.choices, it.min, it.max}, text);
}

Result<Value> Grid::parse_cell(int table, int column, std::string_view text) const {
  const Item& it = item(table);
  const Column& col = it.columns[static_cast<std::size_t>(column)];
  const std::string name = it.key + "[" + col.key + "]";
  return parse_field({name, col.type, &col.choices, col.min, col.max}, text);
}

Status Grid::check_value(int index, const Value& value) const {
  const Item& it = item(index);
  if (it.type == ItemType::kTable) return Status::invalid_argument("coeur.grid.est_un_tableau", {{"champ", it.key}});
  return check_field({it.key, it.type, &it.choices, it.min, it.max}, value);
}

Status Grid::check_cell(int table, int column, const Value& value) const {
  const Item& it = item(table);
  const Column& col = it.columns[static_cast<std::size_t>(column)];
  const std::string name = it.key + "[" + col.key + "]";
  return check_field({name, col.type, &col.choices, col.min, col.max}, value);
}

}  // namespace carnet::core
