#include "core/uuid.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace carnet::core {
namespace {

constexpr std::int64_t kMarch2024 = 1709251200000;  // 2024-03-01T00:00:00Z in milliseconds

// The 48-bit Unix milliseconds of a version-7 uuid.
std::int64_t stamp_of(const Uuid& u) {
  std::int64_t ms = 0;
  for (std::size_t i = 0; i < 6; ++i) ms = (ms << 8) | u.bytes()[i];
  return ms;
}

// The 12-bit counter (rand_a) that follows the version nibble.
int counter_of(const Uuid& u) { return ((u.bytes()[6] & 0x0F) << 8) | u.bytes()[7]; }

// generate() remembers the last id of its thread; a new thread starts afresh.
void on_fresh_thread(const std::function<void()>& body) { std::thread(body).join(); }

TEST(Uuid, NilByDefault) {
  const Uuid nil;
  EXPECT_TRUE(nil.is_nil());
  EXPECT_EQ(nil.to_string(), "00000000-0000-0000-0000-000000000000");
  EXPECT_EQ(Uuid::parse("00000000-0000-0000-0000-000000000000"), nil);
  EXPECT_FALSE(Uuid::generate(kMarch2024).is_nil());
}

TEST(Uuid, Version7Layout) {
  on_fresh_thread([] {
    for (int i = 0; i < 1000; ++i) {
      const Uuid u = Uuid::generate(kMarch2024 + 2 * i);
      const auto& b = u.bytes();
      ASSERT_EQ(b[6] >> 4, 7) << u.to_string();                    // version 7
      ASSERT_EQ(b[8] & 0xC0, 0x80) << u.to_string();               // RFC 9562 variant 10xx
      ASSERT_EQ(stamp_of(u), kMarch2024 + 2 * i) << u.to_string();  // 48-bit big-endian ms
      ASSERT_LT(counter_of(u), 2048) << u.to_string();  // a new millisecond restarts low
      const std::string s = u.to_string();
      ASSERT_EQ(s[14], '7') << s;
      ASSERT_NE(std::string("89ab").find(s[19]), std::string::npos) << s;
    }
  });
}

TEST(Uuid, StampsTheFull48BitRange) {
  on_fresh_thread([] { EXPECT_EQ(stamp_of(Uuid::generate(0)), 0); });
  on_fresh_thread([] {
    EXPECT_EQ(Uuid::generate(0x0123456789AB).to_string().substr(0, 13), "01234567-89ab");
  });
  on_fresh_thread([] {
    const std::int64_t top = (std::int64_t{1} << 48) - 1;
    EXPECT_EQ(stamp_of(Uuid::generate(top)), top);
  });
}

TEST(Uuid, RandomBitsDiffer) {
  on_fresh_thread([] {
    // Ids of different milliseconds share nothing but the layout; the low 62 bits are random.
    std::set<std::string> tails;
    for (int i = 0; i < 1000; ++i) tails.insert(Uuid::generate(kMarch2024 + i).to_string().substr(19));
    EXPECT_EQ(tails.size(), 1000u);
  });
}

TEST(Uuid, FormatIsCanonicalLowerCase) {
  const std::array<std::uint8_t, 16> bytes = {0x01, 0x8e, 0x0f, 0xa1, 0xb2, 0xc3, 0x7d, 0xe4,
                                              0x8f, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0xff};
  const Uuid u = Uuid::from_bytes(bytes);
  EXPECT_EQ(u.to_string(), "018e0fa1-b2c3-7de4-8f00-1122334455ff");
  EXPECT_EQ(u.bytes(), bytes);
}

TEST(Uuid, ParseFormatRoundTrip) {
  for (int i = 0; i < 1000; ++i) {
    const Uuid u = Uuid::generate(kMarch2024 + i * 7919);
    auto back = Uuid::parse(u.to_string());
    ASSERT_TRUE(back) << u.to_string();
    ASSERT_EQ(*back, u);
    ASSERT_EQ(back->to_string(), u.to_string());
  }
  const Uuid odd = Uuid::from_bytes({0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88, 0x77, 0x66, 0x55,
                                     0x44, 0x33, 0x22, 0x11, 0x00});
  EXPECT_EQ(Uuid::parse(odd.to_string()), odd);  // parsing does not require version 7
}

TEST(Uuid, ParsesEitherCase) {
  auto lower = Uuid::parse("018e0fa1-b2c3-7de4-8f00-1122334455ff");
  auto upper = Uuid::parse("018E0FA1-B2C3-7DE4-8F00-1122334455FF");
  auto mixed = Uuid::parse("018e0FA1-b2C3-7De4-8f00-1122334455fF");
  ASSERT_TRUE(lower);
  ASSERT_TRUE(upper);
  ASSERT_TRUE(mixed);
  EXPECT_EQ(*lower, *upper);
  EXPECT_EQ(*lower, *mixed);
  EXPECT_EQ(upper->to_string(), "018e0fa1-b2c3-7de4-8f00-1122334455ff");
}

TEST(Uuid, RefusesBadText) {
  const std::string good = "018e0fa1-b2c3-7de4-8f00-1122334455ff";
  for (const std::string& bad : std::vector<std::string>{
           "",
           "018e0fa1-b2c3-7de4-8f00-1122334455f",          // 35 characters
           "018e0fa1-b2c3-7de4-8f00-1122334455fff",        // 37 characters
           "018e0fa1b2c37de48f001122334455ff",             // no dashes
           "018e0fa1b-2c3-7de4-8f00-1122334455ff",         // dash misplaced
           "018e0fa1-b2c37-de4-8f00-1122334455ff",
           "018e0fa1-b2c3-7de48-f00-1122334455ff",
           "018e0fa1-b2c3-7de4-8f001-122334455ff",
           "018e0fa1_b2c3_7de4_8f00_1122334455ff",
           "018e0fa1-b2c3-7de4-8f00-1122334455fg",         // not hex
           "g18e0fa1-b2c3-7de4-8f00-1122334455ff",
           "018e0fa1-b2c3-7de4-8f00-11223344 5ff",
           " 018e0fa1-b2c3-7de4-8f00-1122334455f",
           "{018e0fa1-b2c3-7de4-8f00-1122334455ff}",
           "urn:uuid:018e0fa1-b2c3-7de4-8f00-1122334455ff",
           "018e0fa1-b2c3-7de4-8f00-1122334455f\xC3",
           "------------------------------------",
           "018e0fa1-+2c3-7de4-8f00-1122334455ff",
           std::string("018e0fa1-b2c3-7de4-8f00-1122334455f\0", 36),
       }) {
    EXPECT_FALSE(Uuid::parse(bad)) << "'" << bad << "'";
  }
  EXPECT_TRUE(Uuid::parse(good));
}

TEST(Uuid, OrdersByCreationTime) {
  on_fresh_thread([] {
    std::vector<Uuid> ids;
    for (std::int64_t ms = kMarch2024; ms < kMarch2024 + 5000; ms += 3) ids.push_back(Uuid::generate(ms));
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
    // The order of the text form is the order of the bytes.
    for (std::size_t i = 1; i < ids.size(); ++i) {
      ASSERT_LT(ids[i - 1].to_string(), ids[i].to_string());
    }
  });
  EXPECT_LT(Uuid(), Uuid::generate(0));
}

TEST(Uuid, IdsOfOneThreadStrictlyIncrease) {
  on_fresh_thread([] {
    // Same millisecond, and a wall clock that steps back: the order is still the order made.
    Uuid prev = Uuid::generate(kMarch2024);
    for (int i = 0; i < 1000; ++i) {
      const Uuid u = Uuid::generate(i % 2 == 0 ? kMarch2024 : kMarch2024 - 60000);
      ASSERT_GT(u, prev) << i;
      ASSERT_EQ(u.bytes()[6] >> 4, 7);
      ASSERT_EQ(u.bytes()[8] & 0xC0, 0x80);
      prev = u;
    }
    // A later millisecond is used as soon as it comes.
    const Uuid later = Uuid::generate(kMarch2024 + 100000);
    EXPECT_GT(later, prev);
    EXPECT_EQ(stamp_of(later), kMarch2024 + 100000);
  });
}

TEST(Uuid, AFullCounterBorrowsTheNextMillisecond) {
  on_fresh_thread([] {
    Uuid prev = Uuid::generate(kMarch2024);
    for (int i = 0; i < 20000; ++i) {
      const Uuid u = Uuid::generate(kMarch2024);
      ASSERT_GT(u, prev) << i;
      ASSERT_LE(counter_of(u), 0xFFF);
      prev = u;
    }
    // At least 2048 ids fit in a millisecond, and no more than 4096.
    EXPECT_GE(stamp_of(prev), kMarch2024 + 20000 / 4096);
    EXPECT_LE(stamp_of(prev), kMarch2024 + 20000 / 2048);
  });
}

TEST(Uuid, UniqueOverOneHundredThousandIds) {
  std::set<Uuid> seen;
  for (int i = 0; i < 100000; ++i) {
    ASSERT_TRUE(seen.insert(Uuid::generate(kMarch2024)).second) << "duplicate after " << i;
  }
  EXPECT_EQ(seen.size(), 100000u);
}

TEST(Uuid, UniqueAcrossThreads) {
  // Threads counting in the same millisecond rely on the random bits to stay apart.
  constexpr std::size_t kThreads = 4;
  constexpr int kPerThread = 25000;
  std::vector<std::vector<Uuid>> made(kThreads);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&made, t] {
      for (int i = 0; i < kPerThread; ++i) made[t].push_back(Uuid::generate(kMarch2024));
    });
  }
  for (auto& th : threads) th.join();
  std::set<Uuid> seen;
  for (const auto& ids : made) seen.insert(ids.begin(), ids.end());
  EXPECT_EQ(seen.size(), kThreads * kPerThread);
}

}  // namespace
}  // namespace carnet::core
