#include "core/hlc.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

namespace carnet::core {
namespace {

constexpr std::int64_t kT0 = 1709251200000;  // 2024-03-01T00:00:00Z in milliseconds

// A wall clock that shows whatever the test sets.
class FakeClock final : public PhysicalClock {
 public:
  explicit FakeClock(std::int64_t ms) : ms_(ms) {}
  std::int64_t now_ms() const override { return ms_; }
  void set(std::int64_t ms) { ms_ = ms; }
  void advance(std::int64_t ms) { ms_ += ms; }

 private:
  std::int64_t ms_;
};

TEST(Hlc, PacksPhysicalAndLogicalParts) {
  const Hlc h = Hlc::from_parts(kT0, 42);
  EXPECT_EQ(h.physical_ms(), kT0);
  EXPECT_EQ(h.logical(), 42);
  EXPECT_EQ(h.value, (static_cast<std::uint64_t>(kT0) << 16) | 42u);
  EXPECT_EQ(Hlc::from_parts(kT0, 0xFFFF).logical(), 0xFFFF);
  EXPECT_EQ(Hlc::from_parts(kT0, 0xFFFF).physical_ms(), kT0);
  EXPECT_EQ(Hlc::from_parts((std::int64_t{1} << 48) - 1, 0xFFFF).value, ~std::uint64_t{0});
}

TEST(Hlc, OrdersByPhysicalThenLogical) {
  EXPECT_LT(Hlc::from_parts(kT0, 5), Hlc::from_parts(kT0, 6));
  EXPECT_LT(Hlc::from_parts(kT0, 0xFFFF), Hlc::from_parts(kT0 + 1, 0));
  EXPECT_EQ(Hlc::from_parts(kT0, 1), Hlc::from_parts(kT0, 1));
  EXPECT_LT(Hlc{}, Hlc::from_parts(0, 1));
}

TEST(Version, OrdersByHlcThenNode) {
  const Uuid a = *Uuid::parse("00000000-0000-7000-8000-000000000001");
  const Uuid b = *Uuid::parse("00000000-0000-7000-8000-000000000002");
  const Version v1{Hlc::from_parts(kT0, 0), b};
  const Version v2{Hlc::from_parts(kT0, 1), a};
  const Version v3{Hlc::from_parts(kT0, 1), b};
  EXPECT_LT(v1, v2);  // the clock decides first, whatever the node
  EXPECT_LT(v2, v3);  // the node id breaks ties
  EXPECT_NE(v2, v3);
  EXPECT_EQ(v3, (Version{Hlc::from_parts(kT0, 1), b}));
  EXPECT_TRUE(Version{}.is_zero());
  EXPECT_FALSE((Version{Hlc{}, a}.is_zero()));
  EXPECT_FALSE((Version{Hlc{1}, Uuid()}.is_zero()));
}

TEST(HybridClock, FollowsAnAdvancingWallClock) {
  FakeClock wall(kT0);
  HybridClock clock(wall, Hlc{});
  EXPECT_EQ(clock.now(), Hlc::from_parts(kT0, 0));
  wall.advance(1);
  EXPECT_EQ(clock.now(), Hlc::from_parts(kT0 + 1, 0));
  wall.advance(1000);
  EXPECT_EQ(clock.now(), Hlc::from_parts(kT0 + 1001, 0));
  EXPECT_EQ(clock.last(), Hlc::from_parts(kT0 + 1001, 0));
}

TEST(HybridClock, MonotonicWhenTheWallClockStandsStill) {
  FakeClock wall(kT0);
  HybridClock clock(wall, Hlc{});
  Hlc prev = clock.now();
  for (int i = 1; i <= 1000; ++i) {
    const Hlc h = clock.now();
    ASSERT_GT(h, prev);
    ASSERT_EQ(h.physical_ms(), kT0);
    ASSERT_EQ(h.logical(), i);
    prev = h;
  }
}

TEST(HybridClock, MonotonicWhenTheWallClockGoesBackwards) {
  FakeClock wall(kT0);
  HybridClock clock(wall, Hlc{});
  const Hlc before = clock.now();
  wall.set(kT0 - 3600 * 1000);  // set back one hour
  const Hlc after = clock.now();
  EXPECT_GT(after, before);
  EXPECT_EQ(after, Hlc::from_parts(kT0, 1));
  wall.set(0);
  EXPECT_EQ(clock.now(), Hlc::from_parts(kT0, 2));
  // Once the wall clock catches up, it leads again.
  wall.set(kT0 + 1);
  EXPECT_EQ(clock.now(), Hlc::from_parts(kT0 + 1, 0));
}

TEST(HybridClock, FollowsAJumpForwardThenStaysAheadOfAJumpBack) {
  FakeClock wall(kT0);
  HybridClock clock(wall, Hlc{});
  (void)clock.now();
  wall.advance(86400LL * 1000 * 365);  // a year ahead
  const Hlc ahead = clock.now();
  EXPECT_EQ(ahead, Hlc::from_parts(kT0 + 86400LL * 1000 * 365, 0));
  wall.set(kT0);  // corrected back
  const Hlc next = clock.now();
  EXPECT_GT(next, ahead);
  EXPECT_EQ(next.physical_ms(), ahead.physical_ms());
}

TEST(HybridClock, LogicalOverflowBorrowsTheNextMillisecond) {
  FakeClock wall(kT0);
  HybridClock clock(wall, Hlc::from_parts(kT0, 0xFFFE));
  EXPECT_EQ(clock.now(), Hlc::from_parts(kT0, 0xFFFF));
  EXPECT_EQ(clock.now(), Hlc::from_parts(kT0 + 1, 0));  // never wraps to (kT0, 0)
  EXPECT_EQ(clock.now(), Hlc::from_parts(kT0 + 1, 1));
  // The wall clock reaching the borrowed millisecond does not reuse it.
  wall.set(kT0 + 1);
  EXPECT_EQ(clock.now(), Hlc::from_parts(kT0 + 1, 2));
  wall.set(kT0 + 2);
  EXPECT_EQ(clock.now(), Hlc::from_parts(kT0 + 2, 0));
}

TEST(HybridClock, ManyEventsInOneMillisecondStayStrictlyIncreasing) {
  FakeClock wall(kT0);
  HybridClock clock(wall, Hlc{});
  Hlc prev = clock.now();
  for (int i = 0; i < 3 * 65536 - 1; ++i) {
    const Hlc h = clock.now();
    ASSERT_GT(h, prev) << i;
    prev = h;
  }
  EXPECT_EQ(prev.physical_ms(), kT0 + 2);
  EXPECT_EQ(prev.logical(), 65535);
}

TEST(HybridClock, SurvivesRestartsWithTheWallClockSetBack) {
  FakeClock wall(kT0);
  Hlc persisted;
  {
    HybridClock clock(wall, Hlc{});
    for (int i = 0; i < 10; ++i) persisted = clock.now();
  }
  EXPECT_EQ(persisted, Hlc::from_parts(kT0, 9));
  // The tablet restarts with its clock set back by a day.
  FakeClock earlier(kT0 - 86400 * 1000);
  HybridClock restarted(earlier, persisted);
  EXPECT_EQ(restarted.last(), persisted);
  const Hlc first = restarted.now();
  EXPECT_GT(first, persisted);
  EXPECT_EQ(first, Hlc::from_parts(kT0, 10));
  Hlc prev = first;
  for (int i = 0; i < 100; ++i) {
    const Hlc h = restarted.now();
    ASSERT_GT(h, prev);
    prev = h;
  }
  // A restart from a persisted value whose counter is full borrows the next millisecond.
  HybridClock full(earlier, Hlc::from_parts(kT0, 0xFFFF));
  EXPECT_EQ(full.now(), Hlc::from_parts(kT0 + 1, 0));
  // A restart with the same wall clock still moves past the persisted value.
  HybridClock same(wall, persisted);
  EXPECT_GT(same.now(), persisted);
}

TEST(HybridClock, ObserveAbsorbsARemoteClockAhead) {
  FakeClock wall(kT0);
  HybridClock clock(wall, Hlc{});
  (void)clock.now();
  const Hlc remote = Hlc::from_parts(kT0 + 5000, 17);
  const Status s = clock.observe(remote, 60 * 1000);
  EXPECT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(clock.last(), remote);
  const Hlc next = clock.now();
  EXPECT_GT(next, remote);
  EXPECT_EQ(next, Hlc::from_parts(kT0 + 5000, 18));
}

TEST(HybridClock, ObserveOfAnOlderRemoteChangesNothing) {
  FakeClock wall(kT0);
  HybridClock clock(wall, Hlc{});
  const Hlc mine = clock.now();
  const Status s = clock.observe(Hlc::from_parts(kT0 - 10000, 3), 60 * 1000);
  EXPECT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(clock.last(), mine);
  EXPECT_EQ(clock.now(), Hlc::from_parts(kT0, 1));
}

TEST(HybridClock, ObserveRefusesARemoteBeyondTheMaximumDrift) {
  FakeClock wall(kT0);
  HybridClock clock(wall, Hlc{});
  const Hlc mine = clock.now();
  const Status s = clock.observe(Hlc::from_parts(kT0 + 3600 * 1000, 0), 60 * 1000);
  EXPECT_EQ(s.code(), StatusCode::kOutOfRange) << s.to_string();
  EXPECT_EQ(s.message(), "horloge distante en avance de 3600 s");
  EXPECT_EQ(clock.last(), mine);  // unchanged
  EXPECT_EQ(clock.now(), Hlc::from_parts(kT0, 1));
}

TEST(HybridClock, ObserveAtExactlyTheMaximumDriftIsAccepted) {
  FakeClock wall(kT0);
  HybridClock clock(wall, Hlc{});
  EXPECT_TRUE(clock.observe(Hlc::from_parts(kT0 + 1000, 0xFFFF), 1000).ok());
  EXPECT_EQ(clock.now(), Hlc::from_parts(kT0 + 1001, 0));
  HybridClock other(wall, Hlc{});
  EXPECT_EQ(other.observe(Hlc::from_parts(kT0 + 1001, 0), 1000).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(other.last(), Hlc{});
  EXPECT_TRUE(other.observe(Hlc::from_parts(kT0, 0), 0).ok());
}

TEST(HybridClock, RandomWallClockAndRemotesNeverGoBackwards) {
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  FakeClock wall(kT0);
  HybridClock clock(wall, Hlc{});
  Hlc floor = clock.now();  // every timestamp issued or absorbed so far is <= floor
  std::uniform_int_distribution<int> step(-2000, 2000);
  std::uniform_int_distribution<int> action(0, 9);
  for (int i = 0; i < 100000; ++i) {
    wall.advance(step(rng) / 100);  // mostly standing still, sometimes jumping either way
    if (action(rng) == 0) {
      const Hlc remote = Hlc::from_parts(wall.now_ms() + step(rng), static_cast<std::uint16_t>(rng()));
      const Hlc before = clock.last();
      const Status s = clock.observe(remote, 1000);
      if (s.ok()) {
        ASSERT_GE(clock.last(), remote);
        if (floor < remote) floor = remote;
      } else {
        ASSERT_EQ(clock.last(), before);
      }
      continue;
    }
    const Hlc h = clock.now();
    ASSERT_GT(h, floor) << i;
    floor = h;
  }
}

TEST(SystemClock, ReadsTheWallClock) {
  const std::int64_t now = SystemClock::instance().now_ms();
  EXPECT_GT(now, kT0);                                   // after March 2024
  EXPECT_LT(now, std::int64_t{4102444800000});          // before 2100
  EXPECT_EQ(&SystemClock::instance(), &SystemClock::instance());
}

}  // namespace
}  // namespace carnet::core
