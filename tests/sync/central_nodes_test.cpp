// Several central nodes on one store (two connections to the same database, as two processes
// behind one address): a tablet that pulls while others push through both nodes never skips
// a change, whatever order the nodes' transactions commit in; a change retried through the
// other node is applied once; a conflict between changes pushed through different nodes is
// recorded once. On PostgreSQL this is the writer lock of storage/postgres.hpp at work; on
// SQLite, BEGIN IMMEDIATE on the file.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "support/sync_fixture.hpp"

namespace carnet::testing {
namespace {

using storage::Edit;
using storage::NewRow;

// Syncs, trying again while the store is busy (SQLite's lock wait is bounded; so is
// PostgreSQL's), as a tablet's next sync would.
Result<sync::SyncReport> sync_until_done(Tablet& t) {
  for (int attempt = 0;; ++attempt) {
    auto r = t.sync(false);
    if (r || r.error().code() != core::StatusCode::kBusy || attempt == 20) return r;
  }
}

class CentralNodes : public TwoTabletTest {
 protected:
  void SetUp() override {
    TwoTabletTest::SetUp();
    world_.add_node();
    world_.add_tablet("r", "lead");  // the reader: pulls, never writes
    ASSERT_OK(r().sync());
  }
  Tablet& r() { return world_.tablet("r"); }
};

TEST_F(CentralNodes, PullsWhileTwoNodesPushNeverSkipAChange) {
  const std::string id = shared_inspection();
  ASSERT_OK(r().sync());
  world_.route(a(), 0);
  world_.route(b(), 1);
  constexpr int kRounds = 40;
  std::atomic<int> writers{2};
  std::atomic<int> failures{0};
  auto write = [&](Tablet& t, const std::string& who) {
    for (int round = 0; round < kRounds; ++round) {
      if (!t.capture().set(
              id, {Edit::cell("personnes", NewRow{1}, "nom", who + "-" + std::to_string(round))}))
        ++failures;
      if (!sync_until_done(t)) ++failures;
    }
    --writers;
  };
  std::size_t reads = 0;
  std::thread ta(write, std::ref(a()), "a");
  std::thread tb(write, std::ref(b()), "b");
  while (writers > 0) {  // the reader's syncs land on either node, during the pushes
    world_.route(r(), reads++ % 2);
    if (!sync_until_done(r())) ++failures;
  }
  ta.join();
  tb.join();
  EXPECT_EQ(failures, 0);
  EXPECT_GT(reads, 2u);
  ASSERT_OK(r().sync());

  auto central = world_.central().catalogue.inspection(id);
  ASSERT_OK(central);
  auto seen = r().capture().load(id);
  ASSERT_OK(seen);
  std::multiset<std::string> expected, pulled;
  for (const auto& row : central->table("personnes")) expected.insert(row.cells.at(0).display());
  for (const auto& row : seen->table("personnes")) pulled.insert(row.cells.at(0).display());
  EXPECT_EQ(expected.size(), static_cast<std::size_t>(2 * kRounds));
  EXPECT_EQ(pulled, expected);  // a change skipped by a pull would leave a row or a name missing
  // And the checksum of the reader's whole scope agrees with the central node's.
  auto check = r().sync(true);
  ASSERT_OK(check);
  EXPECT_EQ(check->checksum_ok, std::optional<bool>(true));
}

TEST_F(CentralNodes, AChangeRetriedThroughTheOtherNodeIsAppliedOnce) {
  const std::string id = shared_inspection();
  ASSERT_OK(a().capture().set(
      id, {Edit::answer("batiments.nb_wc", "3"), Edit::answer("batiments.nb_douches", "2")}));
  const auto before = world_.central().catalogue.totals()->changes;
  world_.route(a(), 0);
  a().transport->drop_next_responses(1);
  EXPECT_FALSE(a().sync());  // node 0 applied it; the answer was lost (the node died)
  world_.route(a(), 1);
  auto again = a().sync();  // the same changes through node 1: recognised by their ids
  ASSERT_OK(again);
  EXPECT_EQ(world_.central().catalogue.totals()->changes, before + 3);  // 2 answers + the status
  EXPECT_EQ(a().replica->pending_count().value(), 0);
  EXPECT_EQ(again->checksum_ok, std::optional<bool>(true));
}

// The log's unique change ids are the last guard of exactly-once. A push is applied without
// reading the log first; a retried change whose field no longer shows it (its state deleted
// here by hand) would be applied again: the log refuses it, the push runs again with the log
// read first, and the change is answered as a duplicate.
TEST_F(CentralNodes, AChangeTheLogHoldsIsNeverLoggedTwice) {
  const std::string id = shared_inspection();
  ASSERT_OK(a().capture().set(id, {Edit::answer("batiments.nb_wc", "3")}));
  const auto before = world_.central().catalogue.totals()->changes;
  world_.route(a(), 0);
  a().transport->drop_next_responses(1);
  EXPECT_FALSE(a().sync());  // node 0 applied it; the answer was lost
  {
    auto db = world_.central_place().database();
    ASSERT_OK(db);
    ASSERT_OK((*db)->exec("DELETE FROM fields WHERE field = 'batiments.nb_wc'"));
  }
  world_.route(a(), 1);
  auto again = a().sync();
  ASSERT_OK(again);
  EXPECT_EQ(world_.central().catalogue.totals()->changes, before + 2);  // the answer and the status, once each
  EXPECT_EQ(a().replica->pending_count().value(), 0);
  EXPECT_EQ(again->pushed, 2u);
}

TEST_F(CentralNodes, AConflictBetweenChangesPushedThroughTwoNodesIsRecordedOnce) {
  const std::string id = shared_inspection();
  ASSERT_OK(a().capture().set(id, {Edit::answer("batiments.nb_wc", "3")}));
  ASSERT_OK(b().capture().set(id, {Edit::answer("batiments.nb_wc", "5")}));
  world_.route(a(), 0);
  world_.route(b(), 1);
  std::thread ta([&] { EXPECT_OK(sync_until_done(a())); });
  std::thread tb([&] { EXPECT_OK(sync_until_done(b())); });
  ta.join();
  tb.join();
  ASSERT_OK(a().sync());
  ASSERT_OK(b().sync());
  auto conflicts = world_.central().conflicts.list(false);
  ASSERT_OK(conflicts);
  ASSERT_EQ(conflicts->size(), 1u);
  const auto& c = conflicts->front().record;
  EXPECT_EQ(std::set<std::string>({c.winner_value.display(), c.loser_value.display()}),
            std::set<std::string>({"3", "5"}));
  EXPECT_EQ(a().capture().load(id)->field("batiments.nb_wc"), b().capture().load(id)->field("batiments.nb_wc"));
}

}  // namespace
}  // namespace carnet::testing
