// A test that runs the carnet-central program on a data directory of its own.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/json.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace carnet::testing {

class CentralCliTest : public ::testing::Test {
 protected:
  // Runs carnet-central with --data pointing at this test's directory.
  ProcessResult central(std::vector<std::string> args) {
    args.push_back("--data");
    args.push_back(dir_.file("central"));
    return run_process(CARNET_CENTRAL_BIN, args);
  }
  // Runs it with --json, expects success and parses its standard output.
  core::Json json(std::vector<std::string> args) {
    args.push_back("--json");
    const auto r = central(args);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return core::Json::parse(r.out).value_or(core::Json());
  }

  TempDir dir_;
};

}  // namespace carnet::testing
