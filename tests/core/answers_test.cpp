#include "core/answers.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace carnet::core {
namespace {

Number n(const char* text) { return *Number::parse(text); }
Value num(const char* text) { return Value::number(n(text)); }

Item make_item(std::string key, ItemType type, std::string calculate = "", std::string relevant = "") {
  Item it;
  it.key = std::move(key);
  it.label = "Libellé";
  it.type = type;
  it.calculate = std::move(calculate);
  it.relevant = std::move(relevant);
  return it;
}

class AnswersTest : public ::testing::Test {
 protected:
  AnswersTest() {
    GridDef def;
    def.key = "test";
    def.version = 1;
    def.title = "Test";
    Section s;
    s.key = "s";
    s.title = "Section";
    Item table = make_item("s.t", ItemType::kTable);
    Column nom;
    nom.key = "nom";
    nom.label = "Nom";
    nom.type = ItemType::kText;
    Column etp;
    etp.key = "etp";
    etp.label = "ETP";
    etp.type = ItemType::kDecimal;
    table.columns = {nom, etp};
    s.items = {
        make_item("s.a", ItemType::kDecimal),
        make_item("s.double", ItemType::kDecimal, "s.a * 2"),
        make_item("s.quadruple", ItemType::kDecimal, "s.double * 2"),
        make_item("s.inverse", ItemType::kDecimal, "1 / s.a"),
        table,
        make_item("s.total", ItemType::kDecimal, "sum(s.t, etp)"),
        make_item("s.debut", ItemType::kDate),
        make_item("s.anciennete", ItemType::kInteger, "days(s.debut, date_visite)"),
        make_item("s.detail", ItemType::kText, "", "s.a > 1"),
    };
    def.sections = {s};
    auto g = Grid::compile(def);
    if (!g) throw std::runtime_error(g.error().to_string());
    grid_ = *g;
    answers_ = std::make_unique<AnswerSet>(grid_);
  }

  int item(const char* key) const { return *grid_->find_item(key); }
  std::string value(const char* key) const {
    auto v = answers_->item(item(key));
    if (!v) return "error: " + v.error().message();
    return v->is_null() ? "null" : v->encode();
  }

  std::shared_ptr<const Grid> grid_;
  std::unique_ptr<AnswerSet> answers_;
};

TEST_F(AnswersTest, AnsweredAndUnansweredItems) {
  EXPECT_EQ(value("s.a"), "null");
  answers_->set(item("s.a"), num("1.5"));
  EXPECT_EQ(value("s.a"), "n:1.5");
  EXPECT_EQ(answers_->answer(item("s.a")), num("1.5"));
  answers_->set(item("s.a"), Value());
  EXPECT_EQ(value("s.a"), "null");
  EXPECT_EQ(&answers_->grid(), grid_.get());
}

TEST_F(AnswersTest, ComputedItemsChainAndFollowNewAnswers) {
  EXPECT_EQ(value("s.quadruple"), "null");
  answers_->set(item("s.a"), num("3"));
  EXPECT_EQ(value("s.double"), "n:6");
  EXPECT_EQ(value("s.quadruple"), "n:12");
  EXPECT_EQ(value("s.inverse"), "n:1/3");
  answers_->set(item("s.a"), num("5"));
  EXPECT_EQ(value("s.quadruple"), "n:20");
  EXPECT_TRUE(answers_->answer(item("s.quadruple")).is_null());  // computed, never entered
}

TEST_F(AnswersTest, ComputationErrorsAreReturned) {
  answers_->set(item("s.a"), num("0"));
  EXPECT_EQ(value("s.inverse"), "error: division par zéro");
  EXPECT_EQ(answers_->item(item("s.inverse")).error().code(), StatusCode::kInvalidArgument);
  answers_->set(item("s.a"), num("4"));
  EXPECT_EQ(value("s.inverse"), "n:0.25");
}

TEST_F(AnswersTest, RowsAndCells) {
  const int t = item("s.t");
  EXPECT_EQ(answers_->row_count(t), 0u);
  EXPECT_EQ(value("s.total"), "n:0");
  answers_->add_row(t, {Value::text("A"), num("1")});
  answers_->add_row(t, {Value::text("B")});  // missing cells are empty
  EXPECT_EQ(answers_->row_count(t), 2u);
  ASSERT_EQ(answers_->rows(t).size(), 2u);
  ASSERT_EQ(answers_->rows(t)[1].size(), 2u);
  EXPECT_TRUE(answers_->cell(t, 1, 1).is_null());
  EXPECT_EQ(answers_->cell(t, 0, 0), Value::text("A"));
  EXPECT_EQ(value("s.total"), "n:1");
  answers_->add_row(t, {Value::text("C"), num("0.5")});
  EXPECT_EQ(value("s.total"), "n:1.5");  // recomputed after a new row
}

TEST_F(AnswersTest, VisitDateChangeRecomputesComputedItems) {
  // Regression: set_visit_date() used to keep the cached results computed with the old date.
  answers_->set(item("s.debut"), Value::date(*Date::parse("2024-01-01")));
  EXPECT_TRUE(answers_->builtin(Builtin::kVisitDate).is_null());
  EXPECT_EQ(value("s.anciennete"), "null");
  answers_->set_visit_date(*Date::parse("2024-03-01"));
  EXPECT_EQ(answers_->builtin(Builtin::kVisitDate), Value::date(*Date::parse("2024-03-01")));
  EXPECT_EQ(value("s.anciennete"), "n:60");
  answers_->set_visit_date(*Date::parse("2025-01-01"));
  EXPECT_EQ(value("s.anciennete"), "n:366");
  answers_->set_visit_date(std::nullopt);
  EXPECT_EQ(value("s.anciennete"), "null");
}

TEST_F(AnswersTest, Relevance) {
  EXPECT_TRUE(answers_->is_relevant(item("s.a")));        // no relevant expression
  EXPECT_FALSE(answers_->is_relevant(item("s.detail")));  // s.a unanswered: unknown is not relevant
  answers_->set(item("s.a"), num("2"));
  EXPECT_TRUE(answers_->is_relevant(item("s.detail")));
  answers_->set(item("s.a"), num("1"));
  EXPECT_FALSE(answers_->is_relevant(item("s.detail")));
}

}  // namespace
}  // namespace carnet::core
