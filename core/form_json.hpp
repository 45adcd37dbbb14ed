// The form a person fills in, as JSON for the web apps: a grid's sections, items, types,
// units, choices, bounds, help and table columns, and the canvas's own fields and tables
// (core/inspection.hpp). It describes the controls only: values, computed results, relevance
// and findings come from report_json(), computed by the core engine, so that no second
// implementation of the grid's rules exists in the browser. Pure functions.
//
// Item and column types are stable keys: "oui_non", "case", "entier", "decimal", "montant",
// "pourcentage", "date", "texte", "choix", "tableau", "photo".
#pragma once

#include <string_view>

#include "core/grid.hpp"
#include "core/json.hpp"

namespace carnet::core {

std::string_view item_type_key(ItemType type);

// {"key","version","title","legal_basis","sections":[{"key","number","title","help",
//   "items":[{"key","label","help","heading","type","unit","choices":[{"value","label"}],
//   "min","max","computed","max_rows","columns":[…]}]}]}
Json grid_form_json(const Grid& grid);

// {"fields":[{"key","label","libelle_cle","type",…}], "tables":[{"key","label","libelle_cle","columns":[…]}]}:
// the inspection fields a person may set (system fields left out), in canvas order. "libelle_cle" (also in
// columns and choices) is the catalogue key of "label" (core/messages/fr.json), for pages in another language.
Json inspection_form_json();

}  // namespace carnet::core
