// ReplicaTest: a fixture owning a temporary directory and an initialised replica with the
// mini grid installed and one dossier of that kind.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "storage/capture.hpp"
#include "storage/grid_file.hpp"
#include "storage/replica.hpp"
#include "support/mini_grid.hpp"
#include "support/status_matchers.hpp"
#include "support/temp_dir.hpp"

namespace carnet::testing {

// A wall clock that tests set by hand.
class FakeClock final : public core::PhysicalClock {
 public:
  std::int64_t now_ms() const override { return now_; }
  void set(std::int64_t ms) { now_ = ms; }
  void advance(std::int64_t ms) { now_ += ms; }

 private:
  std::int64_t now_ = 1'750'000'000'000;
};

class ReplicaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    reopen(storage::Database::Mode::kCreate);
    auto tx = storage::Transaction::begin(replica_->db());
    ASSERT_OK(tx);
    ASSERT_OK(replica_->initialise(**tx, "insp-1", "Inspectrice Une"));
    auto grid = storage::parse_grid(kMiniGridText, "mini");
    ASSERT_OK(grid);
    ASSERT_OK(replica_->install_grid(**tx, **grid, kMiniGridText));
    ASSERT_OK((*tx)->commit());
    core::Dossier d;
    d.id = "d-1";
    d.kind = "mini";
    d.name = "Maison test";
    d.reference = "RW/AHA/001";
    d.last_visit = *core::Date::parse("2023-05-10");
    d.recommendations = {"Afficher le ROI", "Tenir le registre"};
    ASSERT_OK(capture().import_dossiers({d}));
  }

  void reopen(storage::Database::Mode mode = storage::Database::Mode::kReadWrite) {
    replica_.reset();
    auto r = storage::Replica::open(path(), mode, clock_);
    ASSERT_OK(r);
    replica_ = std::move(*r);
  }

  std::string path() const { return dir_.file("carnet.db"); }
  storage::Capture capture() { return storage::Capture(*replica_); }
  std::string start() {
    auto id = capture().start("d-1", std::nullopt, core::Date::parse("2025-03-10").value());
    EXPECT_OK(id);
    return id.value_or("");
  }

  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<storage::Replica> replica_;
};

}  // namespace carnet::testing
