// Acknowledged means durable (DESIGN.md, invariant 1): the central node answers a push only
// once the changes are on stable storage. On SQLite the store's commit syncs its WAL before
// the answer leaves (seen through a VFS that counts syncs); on PostgreSQL every connection the
// store opens commits with synchronous_commit on, even on a server configured without it.
#include <gtest/gtest.h>

#include <vector>

#include "carnet/v1/sync.pb.h"
#include "support/sync_counting_vfs.hpp"
#include "support/sync_fixture.hpp"

namespace carnet::testing {
namespace {

using storage::Edit;
using storage::NewRow;

// Calls the central service as LoopbackTransport does and notes, for each sync request, how
// many changes it pushed and how many times the store's WAL was synced while it was handled.
class WatchedTransport final : public sync::Transport {
 public:
  struct Exchange {
    int pushed = 0;
    int wal_syncs = 0;
  };
  WatchedTransport(sync::CentralService& service, const SyncCountingVfs& counting, std::string wal, const Tablet& t)
      : service_(service), counting_(counting), wal_(std::move(wal)),
        peer_{t.device_id, t.inspector, "00", "-", 4102444800, false} {}

  Result<sync::HttpResponse> request(const std::string& method, const std::string& target, const std::string& body,
                                     const std::string&) override {
    sync::HttpRequest r;
    r.method = method;
    r.target = target;
    r.body = body;
    r.peer = peer_;
    const int before = counting_.syncs(wal_);
    sync::HttpResponse response = service_.handle(r);  // the answer, as it would leave
    Exchange e;
    e.wal_syncs = counting_.syncs(wal_) - before;
    v1::SyncRequest parsed;
    if (target == "/v1/sync" && parsed.ParseFromString(body)) e.pushed = parsed.push().changes_size();
    exchanges_.push_back(e);
    return response;
  }
  std::uint64_t bytes_sent() const override { return 0; }
  std::uint64_t bytes_received() const override { return 0; }
  const std::vector<Exchange>& exchanges() const { return exchanges_; }

 private:
  sync::CentralService& service_;
  const SyncCountingVfs& counting_;
  std::string wal_;
  sync::PeerCertificate peer_;
  std::vector<Exchange> exchanges_;
};

TEST(CentralDurability, APushIsOnStableStorageBeforeItsAnswer) {
  SyncCountingVfs counting;  // before the world, whose store opens through it
  SyncWorld world;
  world.add_inspector("lead");
  world.add_dossier("d1");
  ASSERT_OK(world.central().catalogue.assign("d1", "lead"));
  Tablet& a = world.add_tablet("a", "lead");
  ASSERT_OK(a.sync());
  if (world.central_place().postgres()) {
    auto db = world.central_place().database();
    ASSERT_OK(db);
    auto st = (*db)->prepare("SELECT current_setting('synchronous_commit')");
    ASSERT_OK(st);
    ASSERT_TRUE(st->step().value_or(false));
    // The tests' cluster runs with synchronous_commit = off (tools/pg-cluster --fast): the
    // store's connections turn it back on.
    EXPECT_EQ(st->column_text(0), "on");
    return;
  }
  auto id = a.capture().start("d1", std::nullopt, core::Date::parse("2025-03-10").value());
  ASSERT_OK(id);
  for (int i = 0; i < 120; ++i)
    ASSERT_OK(
        a.capture().set(*id, {Edit::cell("personnes", NewRow{1}, "nom", "p" + std::to_string(i))}));
  auto watched = std::make_unique<WatchedTransport>(world.service(), counting, "central.db-wal", a);
  const WatchedTransport& w = *watched;
  sync::SyncOptions o;
  o.push_page = 50;
  auto report = sync::sync_now(*a.replica, *watched, o);
  ASSERT_OK(report);
  EXPECT_GE(report->pushed, 120u);
  int pushes = 0;
  for (const auto& e : w.exchanges()) {
    if (e.pushed == 0) continue;
    ++pushes;
    EXPECT_GE(e.wal_syncs, 1) << "a push of " << e.pushed << " changes was answered before the WAL was synced";
  }
  EXPECT_GE(pushes, 3);  // pages of 50
}

}  // namespace
}  // namespace carnet::testing
