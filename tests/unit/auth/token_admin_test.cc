#include "auth/token_admin.h"

#include <gtest/gtest.h>

#include "auth/token.h"
#include "unit/auth/auth_store_test.h"

namespace pipegrid::auth {
namespace {

using TokenAdminTest = testing::AuthStoreTest;

TEST_F(TokenAdminTest, OnlyTheHashIsStored) {
  auto made = CreateToken(*store_, "view", {"a", "b"}, "dashboards", clock_.Wall());
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  auto stored = store_->GetToken(made->record.id);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->secret_hash, HashSecret(made->secret));
  EXPECT_EQ((*stored)->namespaces, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ((*stored)->role, Role::kView);
  nlohmann::json shown = TokenJson(**stored);
  EXPECT_EQ(shown.dump().find(made->secret), std::string::npos);
  EXPECT_EQ(shown.dump().find((*stored)->secret_hash), std::string::npos);
  EXPECT_EQ(shown["name"], "dashboards");
}

TEST_F(TokenAdminTest, BadRolesAndNamespacesAreRefusedAndNothingIsStored) {
  EXPECT_EQ(CreateToken(*store_, "root", {"a"}, "", clock_.Wall()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(CreateToken(*store_, "view", {}, "", clock_.Wall()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(CreateToken(*store_, "submit", {"Bad Name"}, "", clock_.Wall()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(store_->ListTokens()->empty());
  // An admin token holds every namespace, whatever was asked.
  auto admin = CreateToken(*store_, "admin", {"a"}, "", clock_.Wall());
  ASSERT_TRUE(admin.ok());
  EXPECT_EQ(admin->record.namespaces, (std::vector<std::string>{"*"}));
}

TEST_F(TokenAdminTest, RevokeByIdOrSecretKeepsTheFirstTime) {
  auto a = *CreateToken(*store_, "view", {"a"}, "", clock_.Wall());
  auto b = *CreateToken(*store_, "view", {"a"}, "", clock_.Wall());
  WallTime first = clock_.Wall();
  EXPECT_EQ(*RevokeToken(*store_, a.record.id, first), a.record.id);
  EXPECT_EQ(*RevokeToken(*store_, b.secret, first), b.record.id);
  clock_.Advance(Millis(1000));
  EXPECT_TRUE(RevokeToken(*store_, a.record.id, clock_.Wall()).ok());
  EXPECT_EQ(*(*store_->GetToken(a.record.id))->revoked_at, first);
  EXPECT_EQ(RevokeToken(*store_, "tok_0000000000000000", first).status().code(),
            StatusCode::kNotFound);
  auto unknown = RevokeToken(*store_, *NewSecret(), first);
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(unknown.status().message().find("pgt_"), std::string::npos);
}

}  // namespace
}  // namespace pipegrid::auth
