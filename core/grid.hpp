// Grids: the definition of an inspection grid (GridDef, plain data as in the grid file) and
// its compiled, validated form (Grid).
//
// Grid::compile() checks every rule of docs/grids.md (keys, types, bounds, expressions,
// no cycles between computed items) and reports the first broken one as kInvalidArgument
// naming the grid, the item and, for expressions, the column. A compiled Grid is immutable
// and shared (std::shared_ptr<const Grid>); it is safe to use from several threads.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/expression.hpp"
#include "core/status.hpp"
#include "core/value.hpp"

namespace carnet::core {

enum class ItemType { kYesNo, kCheck, kInteger, kDecimal, kMoney, kPercent, kDate, kText, kChoice, kTable, kPhoto };

std::string_view item_type_name(ItemType type);  // "oui/non", "nombre entier", ... (French)
Message item_type_message(ItemType type);        // the same, as a message of the catalogue
// The expression type of an item or column of type `type`.
ExprType expr_type_of(ItemType type);

struct Choice {
  std::string value;
  std::string label;
  std::string_view label_key = {};  // catalogue key of `label` for the code's own choices; empty for grid data
};

struct Column {
  std::string key;
  std::string label;
  ItemType type = ItemType::kText;
  std::string unit;
  std::vector<Choice> choices;
  std::optional<Number> min;
  std::optional<Number> max;
  std::string_view label_key = {};  // catalogue key of `label` for the code's own columns; empty for grid data
};

struct Norm {
  std::string id;
  std::string condition;
  std::string when;
  std::string reference;
  std::string requirement;
  std::string detail;
};

struct Item {
  std::string key;  // full key: "<section>.<item>"
  std::string label;
  std::string help;
  std::string heading;
  ItemType type = ItemType::kText;
  std::string unit;
  std::vector<Choice> choices;
  std::vector<Column> columns;
  std::optional<Number> min;
  std::optional<Number> max;
  std::string calculate;
  std::string relevant;
  std::vector<Norm> norms;
  int max_rows = 200;
};

struct Section {
  std::string key;
  std::string number;
  std::string title;
  std::string help;
  std::vector<Item> items;
};

struct Parameter {
  std::string name;
  Number value;
  std::string label;
  std::string reference;
};

struct GridDef {
  std::string key;
  int version = 0;
  std::string title;
  std::string legal_basis;
  std::string subject;
  std::vector<Parameter> params;
  std::vector<Section> sections;
};

// The typing rules shared by grid items, table columns and the inspection's own fields.
struct FieldSpec {
  std::string_view name;  // for messages: the item key, or "table[colonne]"
  ItemType type;
  const std::vector<Choice>* choices;  // kChoice only; may be null otherwise
  std::optional<Number> min;
  std::optional<Number> max;
};

// Converts what a person typed into a value of the field's type (accepting "oui"/"o"/"yes",
// "12,5", "12 €", "DD/MM/YYYY", a choice's value or label), then check_field(). A blank text
// (is_blank_input) is null. Errors are kInvalidArgument / kOutOfRange in French naming the field.
Result<Value> parse_field(const FieldSpec& spec, std::string_view text);
// True if parse_field() reads `text` as no answer: empty, or spaces, tabs and line breaks only.
bool is_blank_input(std::string_view text);
// Checks that a typed value fits the field: kind, choices, bounds, sizes, UTF-8.
Status check_field(const FieldSpec& spec, const Value& value);

// A detail text split into literal parts and compiled placeholders.
struct Template {
  struct Part {
    std::string text;                 // literal text, or
    std::optional<Expression> expr;   // a placeholder
  };
  std::vector<Part> parts;
};

struct CompiledNorm {
  const Norm* norm = nullptr;
  int item = -1;
  Expression condition;
  std::optional<Expression> when;
  Template detail;
};

// Limits on what a grid and its answers may hold.
inline constexpr std::size_t kMaxTextBytes = 10000;
inline constexpr int kMaxTableRows = 1000;

class Grid {
 public:
  static Result<std::shared_ptr<const Grid>> compile(GridDef def);

  const GridDef& def() const { return def_; }
  const std::string& key() const { return def_.key; }
  int version() const { return def_.version; }

  int item_count() const { return static_cast<int>(items_.size()); }
  const Item& item(int index) const { return *items_[static_cast<std::size_t>(index)]; }
  // Index of the section that holds item `index`.
  int section_of(int index) const { return section_of_[static_cast<std::size_t>(index)]; }
  std::optional<int> find_item(std::string_view key) const;
  std::optional<int> find_column(int table, std::string_view key) const;
  std::optional<int> find_section(std::string_view key) const;
  // The names the grid's expressions see (items, tables and columns, parameters,
  // date_visite), for compiling an expression against it; valid while the grid lives.
  std::unique_ptr<const SymbolTable> symbols() const;

  const std::optional<Expression>& calculate(int item) const { return calculate_[static_cast<std::size_t>(item)]; }
  const std::optional<Expression>& relevant(int item) const { return relevant_[static_cast<std::size_t>(item)]; }
  // Every norm, in grid order.
  const std::vector<CompiledNorm>& norms() const { return norms_; }

  // Converts what a person typed for an item (or a column of a table item) into a value of
  // its type, checking choices, bounds and sizes. An empty text is null (clears the answer).
  // Errors are kInvalidArgument / kOutOfRange, in French, naming the item.
  Result<Value> parse_input(int item, std::string_view text) const;
  Result<Value> parse_cell(int table, int column, std::string_view text) const;
  // Checks that an already typed value (e.g. received from another node) fits the item.
  Status check_value(int item, const Value& value) const;
  Status check_cell(int table, int column, const Value& value) const;

 Grid(const Grid&) = delete;
  Grid& operator=(const Grid&) = delete;

 private:
  Grid() = default;
  Status build();

  GridDef def_;
  std::vector<const Item*> items_;
  std::vector<int> section_of_;
  std::map<std::string, int, std::less<>> item_index_;
  std::vector<std::optional<Expression>> calculate_;
  std::vector<std::optional<Expression>> relevant_;
  std::vector<CompiledNorm> norms_;
};

}  // namespace carnet::core
