// Edit: one answer an inspector gives or clears, as Capture::set takes it — already typed, so
// that storage reads no command-line syntax. The command line and the tablet app build edits
// from their own input (tools/carnet/edit_syntax.hpp parses `TABLE[+2].colonne=valeur`).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <variant>

namespace carnet::storage {

// A row that exists, by its 1-based position in the order the rows are shown.
struct ExistingRow {
  std::size_t position = 0;
  friend bool operator==(const ExistingRow&, const ExistingRow&) = default;
};

// A row a command creates, by its number within that command: the edits of one command that
// name the same number fill the same new row, and distinct numbers make distinct rows.
struct NewRow {
  std::size_t number = 1;
  friend bool operator==(const NewRow&, const NewRow&) = default;
};

using RowRef = std::variant<ExistingRow, NewRow>;

// What an edit addresses: `key` alone for an item of the grid, an inspection field or a
// section's remarks or recommendations (`remarques.SECTION`); `key` the table with a row and
// a column for a cell. A table is a table item of the grid, `personnes` or
// `recommandations_precedentes`.
struct KeyPath {
  std::string key;
  std::optional<RowRef> row;  // set for a cell
  std::string column;         // a cell's column; empty otherwise

  static KeyPath field(std::string key) { return {std::move(key), std::nullopt, {}}; }
  static KeyPath cell(std::string table, RowRef row, std::string column) {
    return {std::move(table), row, std::move(column)};
  }
  bool is_cell() const { return row.has_value(); }
  bool is_new_row_cell() const { return row && std::holds_alternative<NewRow>(*row); }
  // The path as the command line writes it, for messages: KEY, TABLE[N].colonne or
  // TABLE[+N].colonne, the first new row in its short form TABLE[+].colonne.
  std::string text() const {
    if (!row) return key;
    std::string index;
    if (const auto* existing = std::get_if<ExistingRow>(&*row)) {
      index = std::to_string(existing->position);
    } else {
      const std::size_t number = std::get<NewRow>(*row).number;
      index = number == 1 ? "+" : "+" + std::to_string(number);
    }
    return key + "[" + index + "]." + column;
  }

  friend bool operator==(const KeyPath&, const KeyPath&) = default;
};

// Sets the answer at `path` to `text`, as a person typed it (read by the grid's parser for
// that item or column: "12,5", "oui", "10/03/2025"…), or clears it when `text` is absent. A
// blank text reads as no answer, as it does everywhere in the grid, so it clears too.
struct Edit {
  KeyPath path;
  std::optional<std::string> text;

  static Edit answer(std::string key, std::optional<std::string> text) {
    return {KeyPath::field(std::move(key)), std::move(text)};
  }
  static Edit cell(std::string table, RowRef row, std::string column,
                   std::optional<std::string> text) {
    return {KeyPath::cell(std::move(table), row, std::move(column)), std::move(text)};
  }

  friend bool operator==(const Edit&, const Edit&) = default;
};

}  // namespace carnet::storage
