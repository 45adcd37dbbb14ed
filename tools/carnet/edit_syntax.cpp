#include "tools/carnet/edit_syntax.hpp"

#include <algorithm>

namespace carnet::tool {
namespace {

using core::Status;

constexpr std::size_t kMaxRowDigits = 6;

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::size_t to_number(std::string_view digits) {
  std::size_t n = 0;
  for (char c : digits) n = n * 10 + static_cast<std::size_t>(c - '0');
  return n;
}

}  // namespace

core::Result<storage::KeyPath> parse_key_path(std::string_view text) {
  const auto open = text.find('[');
  if (open == std::string_view::npos) return storage::KeyPath::field(std::string(text));
  const auto close = text.find(']', open);
  if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != '.') {
    return core::fail(
        Status::invalid_argument("outils.edit_syntax.cellule_attendue", {{"cle", text}}));
  }
  const std::string_view table = text.substr(0, open);
  const std::string_view row = text.substr(open + 1, close - open - 1);
  const std::string column(text.substr(close + 2));
  if (row.starts_with('+')) {
    const std::string_view number = row.substr(1);
    if (number.size() > kMaxRowDigits || !all_digits(number)) {
      return core::fail(
          Status::invalid_argument("outils.edit_syntax.nouvelle_ligne_attendue", {{"cle", text}}));
    }
    const std::size_t n = number.empty() ? 1 : to_number(number);
    return storage::KeyPath::cell(std::string(table), storage::NewRow{n}, column);
  }
  if (row.empty() || row.size() > kMaxRowDigits || !all_digits(row)) {
    return core::fail(
        Status::invalid_argument("outils.edit_syntax.numero_ligne_attendu", {{"cle", text}}));
  }
  return storage::KeyPath::cell(std::string(table), storage::ExistingRow{to_number(row)}, column);
}

core::Result<storage::Edit> parse_assignment(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return core::fail(
        Status::invalid_argument("outils.edit_syntax.cle_valeur_attendu", {{"texte", text}}));
  }
  auto path = parse_key_path(text.substr(0, eq));
  if (!path) return core::fail(path.error());
  const std::string_view value = text.substr(eq + 1);
  return storage::Edit{std::move(*path),
                       value.empty() ? std::nullopt : std::optional<std::string>(value)};
}

core::Result<std::vector<storage::Edit>> parse_assignments(const std::vector<std::string>& texts) {
  std::vector<storage::Edit> edits;
  edits.reserve(texts.size());
  for (const std::string& text : texts) {
    auto edit = parse_assignment(text);
    if (!edit) return core::fail(edit.error());
    edits.push_back(std::move(*edit));
  }
  return edits;
}

}  // namespace carnet::tool
