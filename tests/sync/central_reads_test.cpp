// The central store's locked reads for the office (dossiers, grids, inspections, counts by
// status), which the office app's handlers call from the server's threads.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "support/sync_fixture.hpp"

namespace carnet::testing {
namespace {

using core::InspectionStatus;
using storage::Edit;

class CentralReads : public TwoTabletTest {};

TEST_F(CentralReads, TheInspectionListNamesTheDossierGridStatusDateAndInspector) {
  auto id = a().capture().start("d1", std::nullopt, core::Date::parse("2025-03-10").value());
  ASSERT_OK(id);
  ASSERT_OK(a().sync());
  auto list = world_.central().catalogue.inspections();
  ASSERT_OK(list);
  ASSERT_EQ(list->size(), 1u);
  const auto& l = list->front();
  EXPECT_EQ(l.id, *id);
  EXPECT_EQ(l.dossier_id, "d1");
  EXPECT_EQ(l.dossier_name, "Maison d1");
  EXPECT_EQ(l.grid_key, "maison-accueil");
  EXPECT_GE(l.grid_version, 1);
  EXPECT_EQ(l.status, InspectionStatus::kDraft);
  ASSERT_TRUE(l.visit_date);
  EXPECT_EQ(l.visit_date->iso(), "2025-03-10");
  EXPECT_EQ(l.inspector_id, "lead");

  auto counts = world_.central().catalogue.inspection_counts();
  ASSERT_OK(counts);
  EXPECT_EQ(counts->size(), 4u);
  EXPECT_EQ(counts->at(InspectionStatus::kDraft), 1);
  EXPECT_EQ(counts->at(InspectionStatus::kSigned), 0);

  auto view = world_.central().catalogue.inspection(*id);
  ASSERT_OK(view);
  EXPECT_EQ(view->dossier.name, "Maison d1");
  EXPECT_EQ(world_.central().catalogue.inspection("inconnue").error().code(),
            core::StatusCode::kNotFound);

  auto dossiers = world_.central().catalogue.dossiers();
  ASSERT_OK(dossiers);
  ASSERT_EQ(dossiers->size(), 1u);
  EXPECT_EQ(dossiers->front().id, "d1");
  auto grids = world_.central().catalogue.published_grids();
  ASSERT_OK(grids);
  EXPECT_EQ(grids->size(), 4u);
}

TEST_F(CentralReads, ReadsFromOtherThreadsWhileTabletsSyncSeeAConsistentStore) {
  auto id = a().capture().start("d1", std::nullopt, core::Date::parse("2025-03-10").value());
  ASSERT_OK(id);
  ASSERT_OK(a().sync());
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      while (!stop) {
        auto list = world_.central().catalogue.inspections();
        auto view = world_.central().catalogue.inspection(*id);
        auto counts = world_.central().catalogue.inspection_counts();
        if (!list || list->size() != 1 || !view || !counts) ++failures;
        ++reads;
      }
    });
  }
  for (int i = 0; i < 10; ++i) {
    ASSERT_OK(a().capture().set(*id, {Edit::answer("batiments.nb_wc", std::to_string(i))}));
    ASSERT_OK(a().sync(false));
  }
  while (reads < 20) std::this_thread::yield();
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(world_.central().catalogue.inspection(*id)->field("batiments.nb_wc").as_number(),
            core::Number::integer(9));
}

}  // namespace
}  // namespace carnet::testing
