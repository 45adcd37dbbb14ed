#include "sync/connection_registry.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace carnet::sync {
namespace {

struct FakeSession final : SessionControl {
  void request_stop() override {}
  void force_close() override {}
};

using Sessions = std::vector<std::shared_ptr<SessionControl>>;

Sessions make(int n) {
  Sessions out;
  for (int i = 0; i < n; ++i) out.push_back(std::make_shared<FakeSession>());
  return out;
}

TEST(ConnectionRegistry, OverTheCapTheOldestStrangerIsEvictedNeverADevice) {
  ConnectionRegistry r(3, 100);
  const Sessions s = make(5);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(r.admit(s[static_cast<std::size_t>(i)], "192.0.2.1").empty());
  r.authenticated(s[0].get());  // a device: no longer counted
  EXPECT_TRUE(r.admit(s[3], "192.0.2.2").empty());
  const auto evicted = r.admit(s[4], "192.0.2.3");
  ASSERT_EQ(evicted.size(), 1u);
  EXPECT_EQ(evicted[0], s[1]);  // the oldest stranger, not the device before it
  EXPECT_EQ(r.size(), 5u);      // evicted ones stay registered until they end
  r.remove(s[1].get());
  EXPECT_EQ(r.size(), 4u);
}

TEST(ConnectionRegistry, OneAddressOverItsCapEvictsOnlyItsOwn) {
  ConnectionRegistry r(100, 2);
  const Sessions s = make(4);
  EXPECT_TRUE(r.admit(s[0], "198.51.100.1").empty());
  EXPECT_TRUE(r.admit(s[1], "192.0.2.9").empty());
  EXPECT_TRUE(r.admit(s[2], "192.0.2.9").empty());
  const auto evicted = r.admit(s[3], "192.0.2.9");
  ASSERT_EQ(evicted.size(), 1u);
  EXPECT_EQ(evicted[0], s[1]);
}

TEST(ConnectionRegistry, ABalancersConnectionsCountForTheClientsTheirHeadersName) {
  ConnectionRegistry r(100, 1);
  const Sessions s = make(3);
  // Three connections from the balancer: no address yet, no per-address cap.
  for (const auto& one : s) EXPECT_TRUE(r.admit(one, "").empty());
  EXPECT_TRUE(r.readdress(s[0].get(), "192.0.2.1").empty());
  EXPECT_TRUE(r.readdress(s[1].get(), "192.0.2.2").empty());
  const auto evicted = r.readdress(s[2].get(), "192.0.2.1");  // a second one of that client
  ASSERT_EQ(evicted.size(), 1u);
  EXPECT_EQ(evicted[0], s[0]);
}

TEST(ConnectionRegistry, EndedSessionsAreNotLive) {
  ConnectionRegistry r(10, 10);
  auto s = make(2);
  r.admit(s[0], "a");
  r.admit(s[1], "b");
  s[1].reset();  // ended without remove yet
  EXPECT_EQ(r.live().size(), 1u);
}

}  // namespace
}  // namespace carnet::sync
