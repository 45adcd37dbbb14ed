// EXPECT_OK / ASSERT_OK for Status and Result<T>, printing the status on failure.
#pragma once

#include <gtest/gtest.h>

#include "core/status.hpp"

namespace carnet::testing {

inline const core::Status& status_of(const core::Status& s) { return s; }
template <class T>
core::Status status_of(const core::Result<T>& r) {
  return r ? core::Status::ok_status() : r.error();
}

}  // namespace carnet::testing

#define EXPECT_OK(expr) EXPECT_TRUE(::carnet::testing::status_of(expr).ok()) << ::carnet::testing::status_of(expr).to_string()
#define ASSERT_OK(expr) ASSERT_TRUE(::carnet::testing::status_of(expr).ok()) << ::carnet::testing::status_of(expr).to_string()
