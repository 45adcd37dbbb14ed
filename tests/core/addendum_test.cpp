#include "core/addendum.hpp"

#include <gtest/gtest.h>

#include "core/change.hpp"
#include "core/grid.hpp"
#include "core/validation.hpp"

namespace carnet::core {
namespace {

std::shared_ptr<const Grid> grid() {
  GridDef def;
  def.key = "g";
  def.version = 1;
  def.title = "G";
  Section s;
  s.key = "s";
  s.title = "S";
  Item it;
  it.key = "s.a";
  it.label = "A";
  it.type = ItemType::kInteger;
  s.items.push_back(it);
  def.sections.push_back(s);
  return *Grid::compile(def);
}

Change addendum_change(std::string_view f, Value v) {
  Change c;
  c.entity_type = std::string(entity::kAddendum);
  c.entity_id = "add-1";
  c.field = std::string(f);
  c.value = std::move(v);
  return c;
}

TEST(Addendum, ADeviceWritesTheTextButNeverTheReview) {
  const auto g = grid();
  EXPECT_TRUE(
      check_change(addendum_change(addendum_field::kText, Value::text("Complément.")), *g, "")
          .ok());
  EXPECT_TRUE(
      check_change(addendum_change(addendum_field::kAuthor, Value::text("insp")), *g, "").ok());
  EXPECT_FALSE(
      check_change(addendum_change(addendum_field::kText, Value::text("  ")), *g, "").ok());
  EXPECT_FALSE(
      check_change(addendum_change(addendum_field::kText, Value::number(Number::integer(1))), *g,
                   "")
          .ok());
  for (auto f :
       {addendum_field::kReview, addendum_field::kReviewedBy, addendum_field::kReviewedAt}) {
    const Status s =
        check_change(addendum_change(f, Value::text(std::string(kAddendumAccepted))), *g, "");
    EXPECT_FALSE(s.ok()) << f;
    EXPECT_NE(s.message().find("bureau"), std::string::npos) << s.message();
  }
}

TEST(Addendum, ReviewLabels) {
  Addendum a;
  EXPECT_EQ(addendum_review_label(a), "à examiner");
  a.review = std::string(kAddendumAccepted);
  EXPECT_TRUE(a.accepted());
  EXPECT_EQ(addendum_review_label(a), "accepté");
  a.review = std::string(kAddendumRejected);
  EXPECT_FALSE(a.accepted());
  EXPECT_TRUE(a.reviewed());
  EXPECT_EQ(addendum_review_label(a), "rejeté");
  EXPECT_EQ(check_addendum_text(std::string(kMaxTextBytes + 1, 'x')).code(),
            StatusCode::kOutOfRange);
}

}  // namespace
}  // namespace carnet::core
