#include "core/change.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace carnet::core {
namespace {

Version v(std::uint64_t hlc, std::uint8_t node) {
  std::array<std::uint8_t, 16> b{};
  b[15] = node;
  return {Hlc{hlc}, Uuid::from_bytes(b)};
}

Change change(const char* value, Version version, Version base) {
  Change c;
  c.value = Value::text(value);
  c.version = version;
  c.base = base;
  return c;
}

using State = std::optional<std::pair<Value, Version>>;

TEST(Merge, FirstWriteApplies) {
  const auto d = merge(std::nullopt, change("a", v(10, 1), {}));
  EXPECT_TRUE(d.apply);
  EXPECT_FALSE(d.conflict);
}

TEST(Merge, CleanSuccessorAppliesWithoutConflict) {
  const State current = std::make_pair(Value::text("a"), v(10, 1));
  const auto d = merge(current, change("b", v(20, 2), v(10, 1)));
  EXPECT_TRUE(d.apply);
  EXPECT_FALSE(d.conflict);
}

TEST(Merge, ConcurrentHigherVersionWinsAndRecordsAConflict) {
  const State current = std::make_pair(Value::text("a"), v(15, 1));
  const auto d = merge(current, change("b", v(20, 2), v(10, 1)));
  EXPECT_TRUE(d.apply);
  EXPECT_TRUE(d.conflict);
}

TEST(Merge, ConcurrentLowerVersionLosesButIsStillAConflict) {
  const State current = std::make_pair(Value::text("a"), v(25, 1));
  const auto d = merge(current, change("b", v(20, 2), v(10, 1)));
  EXPECT_FALSE(d.apply);
  EXPECT_TRUE(d.conflict);
}

TEST(Merge, SameHlcTieBreaksOnNodeId) {
  const State current = std::make_pair(Value::text("a"), v(20, 1));
  EXPECT_TRUE(merge(current, change("b", v(20, 2), {})).apply);
  const State other = std::make_pair(Value::text("b"), v(20, 2));
  EXPECT_FALSE(merge(other, change("a", v(20, 1), {})).apply);
}

TEST(Merge, ConcurrentEqualValuesAreNotAConflict) {
  const State current = std::make_pair(Value::text("a"), v(15, 1));
  const auto d = merge(current, change("a", v(20, 2), v(10, 1)));
  EXPECT_TRUE(d.apply);
  EXPECT_FALSE(d.conflict);
}

TEST(Merge, ReplayOfTheAppliedVersionChangesNothing) {
  const State current = std::make_pair(Value::text("a"), v(15, 1));
  const auto d = merge(current, change("a", v(15, 1), v(10, 1)));
  EXPECT_FALSE(d.apply);
  EXPECT_FALSE(d.conflict);
}

// Whatever order concurrent changes arrive in, the field ends with the same value.
TEST(Merge, AnyArrivalOrderConverges) {
  std::vector<Change> changes;
  for (std::uint8_t node = 1; node <= 5; ++node) {
    changes.push_back(change(std::to_string(node).c_str(), v(100 + node % 3, node), {}));
  }
  std::mt19937 rng(7);
  std::optional<Value> first;
  for (int round = 0; round < 50; ++round) {
    std::shuffle(changes.begin(), changes.end(), rng);
    State state;
    for (const auto& c : changes) {
      if (merge(state, c).apply) state = std::make_pair(c.value, c.version);
    }
    if (!first) first = state->first;
    EXPECT_EQ(state->first, *first) << "round " << round;
  }
}

}  // namespace
}  // namespace carnet::core
