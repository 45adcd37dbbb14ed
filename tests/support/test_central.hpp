// The central store a test runs on: the embedded SQLite file, or, when CARNET_TEST_POSTGRES
// names a PostgreSQL database (its URL, or a file holding it, as tools/pg-cluster writes),
// a fresh schema of that database for this store alone. CTest runs the store's tests both
// ways (tests/CMakeLists.txt); with CARNET_TEST_POSTGRES set, a database that cannot be
// reached fails the test, it never falls back to SQLite.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <string>

#include "storage/central/central.hpp"
#include "storage/postgres.hpp"
#include "support/temp_dir.hpp"

namespace carnet::testing {

// The PostgreSQL database of the tests, "" when they run on SQLite.
inline std::string test_postgres_url() {
  const char* v = std::getenv("CARNET_TEST_POSTGRES");
  if (v == nullptr || *v == 0) return {};
  std::string url = v;
  if (!storage::is_postgres_address(url)) {
    std::ifstream in(url);
    url.clear();
    std::getline(in, url);
    if (url.empty()) ADD_FAILURE() << "CARNET_TEST_POSTGRES names " << v << ", which holds no PostgreSQL URL";
  }
  return url;
}

// A new, empty schema in the tests' PostgreSQL database, and the URL whose connections use it.
inline std::string fresh_postgres_schema(const std::string& url) {
  std::random_device rd;
  const std::string schema = "t_" + std::to_string(rd()) + "_" + std::to_string(rd());
  auto admin = storage::open_postgres(url);
  if (!admin) {
    ADD_FAILURE() << "PostgreSQL for the tests: " << admin.error().message();
    return url;
  }
  const core::Status made = (*admin)->exec("CREATE SCHEMA " + schema);
  if (!made.ok()) ADD_FAILURE() << "PostgreSQL for the tests: " << made.message();
  return storage::postgres_address_in_schema(url, schema);
}

// Where a test's central store lives: `file` in `dir` on SQLite, a fresh schema on PostgreSQL.
// Every store() opened from one TestCentral sees the same data (as a central node restarted,
// or a second node on the same database).
class TestCentral {
 public:
  explicit TestCentral(const TempDir& dir, const std::string& file = "central.db") : path_(dir.file(file)) {
    const std::string url = test_postgres_url();
    if (!url.empty()) path_ = fresh_postgres_schema(url);
  }
  bool postgres() const { return storage::is_postgres_address(path_); }
  // The store's address, as `carnet-central init --store` takes it.
  const std::string& address() const { return path_; }

  core::Result<std::unique_ptr<storage::Central>> open(storage::CentralOptions options = {},
                                                            const core::PhysicalClock& clock = core::SystemClock::instance()) const {
    return storage::open_central(path_, storage::Database::Mode::kCreate, std::move(options), clock);
  }
  // A connection of its own to the store's database, to look at its tables.
  core::Result<std::unique_ptr<storage::Database>> database() const {
    if (postgres()) return storage::open_postgres(path_);
    return storage::Database::open(path_, storage::Database::Mode::kReadWrite);
  }

 private:
  std::string path_;
};

}  // namespace carnet::testing
