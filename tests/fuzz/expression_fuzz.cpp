// Fuzzes the expression language: compile, then evaluate against a small grid.
//
// Input: byte 0 picks the type the expression must have (as calculate / relevant / norm
// ask for one) or none; byte 1 picks the answers (bit 0: the visit date is set, bit 1: the
// staff table has its rows, bit 2: the items are answered); the rest is the expression.
// Names resolve as in a grid (parameters, date_visite, items, columns inside count / sum /
// all / any) against the grid below, and evaluation runs on a real core::AnswerSet.
// Properties: nothing crashes, an expression that compiles evaluates to a value of its
// type or null (or to an error), and evaluating twice gives the same result.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "core/answers.hpp"
#include "core/expression.hpp"
#include "core/grid.hpp"
#include "storage/grid_file.hpp"

namespace {

using namespace carnet::core;

constexpr const char* kGrid = R"pb(
  key: "fuzz"
  version: 1
  title: "Grille du fuzzer"
  params { name: "seuil" value: "80" }
  params { name: "coef" value: "1.3196" }
  sections {
    key: "s"
    number: "I"
    title: "Section"
    items { key: "places" label: "Places" type: ITEM_TYPE_INTEGER }
    items { key: "nuits" label: "Nuitées" type: ITEM_TYPE_INTEGER }
    items { key: "grand" label: "Grand" type: ITEM_TYPE_INTEGER }
    items { key: "taux" label: "Taux" type: ITEM_TYPE_PERCENT }
    items { key: "montant" label: "Montant" type: ITEM_TYPE_MONEY }
    items { key: "etp" label: "ETP" type: ITEM_TYPE_DECIMAL }
    items { key: "conforme" label: "Conforme ?" type: ITEM_TYPE_YES_NO }
    items { key: "coche" label: "Coché" type: ITEM_TYPE_CHECK }
    items { key: "note" label: "Note" type: ITEM_TYPE_TEXT }
    items { key: "visite" label: "Date" type: ITEM_TYPE_DATE }
    items { key: "fin" label: "Fin" type: ITEM_TYPE_DATE }
    items {
      key: "statut"
      label: "Statut"
      type: ITEM_TYPE_CHOICE
      choices { value: "oui" label: "Oui" }
      choices { value: "non" label: "Non" }
    }
    items { key: "calcul" label: "Calcul" type: ITEM_TYPE_DECIMAL calculate: "s.nuits / s.places" }
    items {
      key: "personnel"
      label: "Personnel"
      type: ITEM_TYPE_TABLE
      columns { key: "nom" label: "Nom" type: ITEM_TYPE_TEXT }
      columns { key: "etp" label: "ETP" type: ITEM_TYPE_DECIMAL }
      columns { key: "arrivee" label: "Arrivée" type: ITEM_TYPE_DATE }
      columns { key: "present" label: "Présent" type: ITEM_TYPE_YES_NO }
    }
  }
)pb";

const std::shared_ptr<const Grid>& grid() {
  static const std::shared_ptr<const Grid> kCompiled = [] {
    auto g = carnet::storage::parse_grid(kGrid, "fuzz.grid");
    if (!g) std::abort();
    return *g;
  }();
  return kCompiled;
}

Value num(const char* text) { return Value::number(*Number::parse(text)); }
Value day(const char* iso) { return Value::date(*Date::parse(iso)); }

void answer(AnswerSet& a, const char* key, Value v) {
  const Grid& g = a.grid();
  const int i = *g.find_item(key);
  if (!g.check_value(i, v).ok()) std::abort();
  a.set(i, std::move(v));
}

void row(AnswerSet& a, int table, std::vector<Value> cells) {
  for (std::size_t c = 0; c < cells.size(); ++c) {
    if (!cells[c].is_null() && !a.grid().check_cell(table, static_cast<int>(c), cells[c]).ok()) std::abort();
  }
  a.add_row(table, std::move(cells));
}

bool of_type(const Value& v, ExprType t) {
  switch (v.kind()) {
    case ValueKind::kNull: return true;
    case ValueKind::kBool: return t == ExprType::kBool;
    case ValueKind::kNumber: return t == ExprType::kNumber;
    case ValueKind::kDate: return t == ExprType::kDate;
    case ValueKind::kText: return t == ExprType::kText;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  std::optional<ExprType> expected;
  if (data[0] % 8 < 6) expected = static_cast<ExprType>(data[0] % 8);
  const std::uint8_t mode = data[1];
  const std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);

  const auto names = grid()->symbols();  // the grid's own resolver, as Grid::compile uses
  auto e = Expression::compile(text, *names, expected);
  if (!e) return 0;
  // As Expression::compile documents it: null fits any type, and an expected null takes any.
  if (expected && *expected != ExprType::kNull && e->type() != *expected && e->type() != ExprType::kNull) std::abort();

  AnswerSet answers(grid());
  if (mode & 1) answers.set_visit_date(*Date::parse("2024-03-15"));
  if (mode & 2) {
    const int staff = *grid()->find_item("s.personnel");
    row(answers, staff, {Value::text("Anne"), num("0.5"), day("2020-01-31"), Value::text("oui")});
    row(answers, staff, {Value::text("Bruno"), num("1"), Value(), Value::text("so")});
    row(answers, staff, {Value(), Value(), day("1970-01-01"), Value()});
  }
  if (mode & 4) {
    answer(answers, "s.places", num("12"));
    answer(answers, "s.nuits", num("4380"));
    answer(answers, "s.grand", num("999999999999999"));
    answer(answers, "s.taux", num("33.333333333"));
    answer(answers, "s.montant", num("-1234.56"));
    answer(answers, "s.etp", num("0"));
    answer(answers, "s.conforme", Value::text("non"));
    answer(answers, "s.coche", Value::boolean(true));
    answer(answers, "s.note", Value::text("texte libre, « accents » é"));
    answer(answers, "s.visite", day("2024-02-29"));
    answer(answers, "s.fin", day("9999-12-31"));
    answer(answers, "s.statut", Value::text("oui"));
  }

  auto first = e->evaluate(answers);
  auto second = e->evaluate(answers);
  if (first.has_value() != second.has_value()) std::abort();
  if (first) {
    if (!(*first == *second)) std::abort();
    if (e->type() != ExprType::kTable && !of_type(*first, e->type())) std::abort();
  }
  return 0;
}
