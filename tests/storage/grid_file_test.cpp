#include "storage/grid_file.hpp"

#include <gtest/gtest.h>

#include "core/answers.hpp"
#include "core/findings.hpp"

namespace carnet::storage {
namespace {

constexpr const char* kMiniGrid = R"pb(
  key: "mini"
  version: 1
  title: "Mini"
  params { name: "seuil" value: "80" }
  sections {
    key: "s"
    number: "I"
    title: "Section"
    items { key: "places" label: "Places" type: ITEM_TYPE_INTEGER min: "0" }
    items { key: "nuits" label: "Nuitées" type: ITEM_TYPE_INTEGER min: "0" }
    items {
      key: "taux"
      label: "Taux"
      type: ITEM_TYPE_PERCENT
      calculate: "s.nuits / (s.places * 365) * 100"
      norms {
        id: "s.taux"
        condition: "s.taux > seuil"
        reference: "art. 1"
        requirement: "Taux > 80 %"
        detail: "taux de {round(s.taux, 2)} %"
      }
    }
  }
)pb";

TEST(GridFile, ParsesAndEvaluates) {
  auto grid = parse_grid(kMiniGrid, "mini.grid");
  ASSERT_TRUE(grid) << grid.error().to_string();
  core::AnswerSet answers(*grid);
  answers.set(*(*grid)->find_item("s.places"), core::Value::number(core::Number::integer(20)));
  answers.set(*(*grid)->find_item("s.nuits"), core::Value::number(core::Number::integer(5841)));
  auto findings = core::evaluate_findings(answers);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].status, core::FindingStatus::kConform);
  EXPECT_EQ(findings[0].message, "Taux > 80 % — taux de 80,01 %");
}

TEST(GridFile, SyntaxErrorNamesLineAndColumn) {
  auto grid = parse_grid("key: \"x\"\nversion: 1\ntitle: \"t\"\nsections { key: \n", "bad.grid");
  ASSERT_FALSE(grid);
  EXPECT_EQ(grid.error().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(grid.error().message().find("bad.grid"), std::string::npos);
  EXPECT_NE(grid.error().message().find("ligne 5"), std::string::npos) << grid.error().message();
}

TEST(GridFile, BrokenExpressionNamesGridItemAndColumn) {
  std::string text = kMiniGrid;
  text.replace(text.find("s.nuits / ("), 11, "s.nuits / ((");
  auto grid = parse_grid(text, "mini.grid");
  ASSERT_FALSE(grid);
  const std::string& m = grid.error().message();
  EXPECT_NE(m.find("grille mini v1"), std::string::npos) << m;
  EXPECT_NE(m.find("item s.taux"), std::string::npos) << m;
  EXPECT_NE(m.find("colonne"), std::string::npos) << m;
}

TEST(GridFile, UnknownNameInNormIsRefused) {
  std::string text = kMiniGrid;
  text.replace(text.find("s.taux > seuil"), 14, "s.taux > plafond");
  auto grid = parse_grid(text, "mini.grid");
  ASSERT_FALSE(grid);
  EXPECT_NE(grid.error().message().find("nom inconnu « plafond »"), std::string::npos) << grid.error().message();
}

TEST(GridFile, CircularComputationIsRefused) {
  std::string text = kMiniGrid;
  text.replace(text.find("s.nuits / (s.places"), 19, "s.taux / (s.places");
  auto grid = parse_grid(text, "mini.grid");
  ASSERT_FALSE(grid);
  EXPECT_NE(grid.error().message().find("circulaire"), std::string::npos) << grid.error().message();
}

TEST(GridFile, MissingFileIsNotFound) {
  auto text = read_grid_file("/nonexistent/x.grid");
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().code(), core::StatusCode::kNotFound);
}

}  // namespace
}  // namespace carnet::storage
