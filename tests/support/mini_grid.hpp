// A small grid for storage and tool tests that must not depend on the real grids' contents.
#pragma once

namespace carnet::testing {

inline constexpr const char* kMiniGridText = R"pb(
  key: "mini"
  version: 1
  title: "Grille de test"
  params { name: "seuil" value: "80" }
  sections {
    key: "s"
    number: "I"
    title: "Section"
    items { key: "places" label: "Places" type: ITEM_TYPE_INTEGER min: "0" max: "1000" }
    items { key: "nuits" label: "Nuitées" type: ITEM_TYPE_INTEGER min: "0" }
    items { key: "conforme" label: "Conforme ?" type: ITEM_TYPE_YES_NO }
    items { key: "note" label: "Note" type: ITEM_TYPE_TEXT }
    items { key: "visite" label: "Date" type: ITEM_TYPE_DATE }
    items {
      key: "taux"
      label: "Taux"
      type: ITEM_TYPE_PERCENT
      calculate: "s.nuits / (s.places * 365) * 100"
      norms { id: "s.taux" condition: "s.taux > seuil" reference: "art. 1" requirement: "Taux > 80 %" detail: "{round(s.taux, 2)} %" }
    }
    items {
      key: "personnel"
      label: "Personnel"
      type: ITEM_TYPE_TABLE
      max_rows: 3
      columns { key: "nom" label: "Nom" type: ITEM_TYPE_TEXT }
      columns { key: "etp" label: "ETP" type: ITEM_TYPE_DECIMAL min: "0" max: "1" }
      norms { id: "s.etp" condition: "sum(s.personnel, etp) >= 1" reference: "art. 2" requirement: "1 ETP" }
    }
  }
)pb";

}  // namespace carnet::testing
