#include "auth/token.h"

#include <gtest/gtest.h>

#include <set>

#include "auth/principal.h"

namespace pipegrid::auth {
namespace {

TEST(TokenTest, SecretsAreFreshAndHaveTheirShape) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    Result<std::string> s = NewSecret();
    ASSERT_TRUE(s.ok());
    EXPECT_TRUE(LooksLikeSecret(*s)) << *s;
    EXPECT_EQ(s->rfind("pgt_", 0), 0u);
    seen.insert(*s);
  }
  EXPECT_EQ(seen.size(), 50u);
  Result<std::string> id = NewTokenId();
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->size(), 4u + 16u);
  EXPECT_FALSE(LooksLikeSecret(*id));
}

TEST(TokenTest, LooksLikeSecretRefusesJunk) {
  std::string good = *NewSecret();
  EXPECT_FALSE(LooksLikeSecret(""));
  EXPECT_FALSE(LooksLikeSecret(good.substr(0, good.size() - 1)));
  EXPECT_FALSE(LooksLikeSecret(good + "A"));
  EXPECT_FALSE(LooksLikeSecret("xyz_" + good.substr(4)));
  std::string bad_char = good;
  bad_char[10] = '+';
  EXPECT_FALSE(LooksLikeSecret(bad_char));
}

TEST(TokenTest, HashIsSha256Hex) {
  // SHA-256("abc"), FIPS 180-2's example.
  EXPECT_EQ(HashSecret("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_NE(HashSecret("a"), HashSecret("b"));
}

TEST(PrincipalTest, RolesIncludeTheOnesBelowAndAdminHoldsEveryNamespace) {
  Principal view = PrincipalFor("t1", Role::kView, {"a"});
  EXPECT_TRUE(view.HasRole(Role::kView));
  EXPECT_FALSE(view.HasRole(Role::kSubmit));
  EXPECT_TRUE(view.Holds("a"));
  EXPECT_FALSE(view.Holds("b"));
  EXPECT_FALSE(view.all_namespaces);
  Principal submit = PrincipalFor("t2", Role::kSubmit, {"*"});
  EXPECT_TRUE(submit.HasRole(Role::kView));
  EXPECT_FALSE(submit.HasRole(Role::kAdmin));
  EXPECT_TRUE(submit.Holds("anything"));
  Principal admin = PrincipalFor("t3", Role::kAdmin, {});
  EXPECT_TRUE(admin.HasRole(Role::kSubmit));
  EXPECT_TRUE(admin.Holds("b"));
}

}  // namespace
}  // namespace pipegrid::auth
