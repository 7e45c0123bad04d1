// The fixture of the auth tests: a real SQLite store in a temp dir and a fake
// clock.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "common/clock.h"
#include "store/sqlite/sqlite_store.h"
#include "support/test_util.h"

namespace pipegrid::auth::testing {

class AuthStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::OpenSqliteStore(dir_.Sub("db"));
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
  }

  ::pipegrid::testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<store::Store> store_;
};

}  // namespace pipegrid::auth::testing
