#include "core/validation.hpp"

#include "core/addendum.hpp"
#include "core/inspection.hpp"

namespace carnet::core {
namespace {

FieldSpec spec_of(const Column& c, std::string_view name) { return {name, c.type, &c.choices, c.min, c.max}; }

Status check_system_field(std::string_view f, const Value& v) {
  if (f == field::kStatus) {
    if (v.kind() != ValueKind::kText || !parse_inspection_status(v.as_text())) {
      return Status::invalid_argument("coeur.validation.statut_invalide");
    }
    return Status::ok_status();
  }
  if (f == field::kGridVersion) {
    if (v.kind() != ValueKind::kNumber || !v.as_number().is_integer()) return Status::invalid_argument("coeur.validation.version_grille_invalide");
    return Status::ok_status();
  }
  if (!v.is_null() && v.kind() != ValueKind::kText) return Status::invalid_argument("coeur.validation.texte_attendu", {{"champ", f}});
  return Status::ok_status();
}

}  // namespace

Status check_change(const Change& c, const Grid& grid, std::string_view row_table) {
  const Value& v = c.value;
  if (c.entity_type == entity::kInspection) {
    if (const MetaField* meta = find_inspection_field(c.field)) {
      if (meta->system) return check_system_field(c.field, v);
      return check_field(spec_of(meta->spec, c.field), v);
    }
    for (std::string_view prefix : {field::kRemarksPrefix, field::kRecommendationsPrefix}) {
      if (c.field.starts_with(prefix)) {
        if (!grid.find_section(c.field.substr(prefix.size()))) {
          return Status::invalid_argument("coeur.validation.section_inconnue", {{"grille", grid.key()}, {"champ", c.field}});
        }
        static const std::vector<Choice> kNone;
        return check_field({c.field, ItemType::kText, &kNone, std::nullopt, std::nullopt}, v);
      }
    }
    auto item = grid.find_item(c.field);
    if (!item) return Status::invalid_argument("coeur.validation.champ_inconnu", {{"grille", grid.key()}, {"champ", c.field}});
    return grid.check_value(*item, v);
  }
  if (c.entity_type == entity::kRow) {
    if (c.field == row_field::kInspection || c.field == row_field::kTable) {
      if (v.kind() != ValueKind::kText) return Status::invalid_argument("coeur.validation.texte_attendu", {{"champ", c.field}});
      if (c.field == row_field::kTable) {
        const auto item = grid.find_item(v.as_text());
        const bool grid_table = item && grid.item(*item).type == ItemType::kTable;
        if (!grid_table && !find_inspection_table(v.as_text())) {
          return Status::invalid_argument("coeur.validation.tableau_inconnu_grille", {{"grille", grid.key()}, {"tableau", v.as_text()}});
        }
      }
      return Status::ok_status();
    }
    if (c.field == row_field::kDeleted) {
      if (v.kind() != ValueKind::kBool) return Status::invalid_argument("coeur.validation.suppression_invalide");
      return Status::ok_status();
    }
    if (!c.field.starts_with(row_field::kCellPrefix)) return Status::invalid_argument("coeur.validation.champ_ligne_inconnu", {{"champ", c.field}});
    const std::string column = c.field.substr(row_field::kCellPrefix.size());
    if (row_table.empty()) return Status::invalid_argument("coeur.validation.cellule_sans_tableau");
    if (auto item = grid.find_item(row_table); item && grid.item(*item).type == ItemType::kTable) {
      auto col = grid.find_column(*item, column);
      if (!col) return Status::invalid_argument("coeur.validation.colonne_inconnue", {{"tableau", row_table}, {"colonne", column}});
      return grid.check_cell(*item, *col, v);
    }
    if (const MetaTable* t = find_inspection_table(row_table)) {
      for (const auto& col : t->columns) {
        if (col.key == column) return check_field(spec_of(col, c.field), v);
      }
      return Status::invalid_argument("coeur.validation.colonne_inconnue", {{"tableau", row_table}, {"colonne", column}});
    }
    return Status::invalid_argument("coeur.validation.tableau_inconnu", {{"tableau", row_table}});
  }
  if (c.entity_type == entity::kAddendum) {
    if (!addendum_field_from_device(c.field)) {
      return Status::invalid_argument("coeur.validation.addendum_revue_bureau", {{"champ", c.field}});
    }
    if (v.kind() != ValueKind::kText) return Status::invalid_argument("coeur.validation.texte_attendu", {{"champ", c.field}});
    if (c.field == addendum_field::kText) return check_addendum_text(v.as_text());
    return Status::ok_status();
  }
  if (c.entity_type == entity::kDossier) {
    return Status::invalid_argument("coeur.validation.dossier_bureau");
  }
  return Status::invalid_argument("coeur.validation.type_entite_inconnu", {{"type", c.entity_type}});
}

}  // namespace carnet::core
