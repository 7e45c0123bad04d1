#include "auth/verifier.h"

#include <gtest/gtest.h>

#include "auth/token.h"
#include "auth/token_admin.h"
#include "unit/auth/auth_store_test.h"

namespace pipegrid::auth {
namespace {

class VerifierTest : public testing::AuthStoreTest {
 protected:
  void SetUp() override {
    AuthStoreTest::SetUp();
    auto made = CreateToken(*store_, "submit", {"team-a"}, "ci", clock_.Wall());
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    token_ = *made;
  }

  NewToken token_;
};

TEST_F(VerifierTest, ABearerTokenGivesItsRoleAndNamespaces) {
  TokenVerifier verifier(*store_, clock_);
  Result<Principal> p = verifier.Verify("Bearer " + token_.secret);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->token_id, token_.record.id);
  EXPECT_EQ(p->role, Role::kSubmit);
  EXPECT_TRUE(p->Holds("team-a"));
  EXPECT_FALSE(p->Holds("team-b"));
  // The scheme is case-insensitive.
  EXPECT_TRUE(verifier.Verify("bearer " + token_.secret).ok());
}

TEST_F(VerifierTest, MissingMalformedAndUnknownAreUnauthenticated) {
  TokenVerifier verifier(*store_, clock_);
  for (const std::string& header :
       {std::string(), std::string("Basic dXNlcjpwYXNz"), std::string("Bearer "),
        std::string("Bearer not-a-token"), "Bearer " + *NewSecret(),
        "Bearer " + token_.secret + "x"}) {
    Result<Principal> p = verifier.Verify(header);
    ASSERT_FALSE(p.ok()) << header;
    EXPECT_EQ(p.status().code(), StatusCode::kUnauthenticated) << header;
  }
}

TEST_F(VerifierTest, ARevokeIsSeenOnceTheCachedVerdictIsOlderThanTheTtl) {
  TokenVerifier verifier(*store_, clock_, Millis(500));
  ASSERT_TRUE(verifier.Verify("Bearer " + token_.secret).ok());
  ASSERT_TRUE(RevokeToken(*store_, token_.record.id, clock_.Wall()).ok());
  // Within the TTL the cached verdict stands (one store read per TTL)...
  clock_.Advance(Millis(499));
  EXPECT_TRUE(verifier.Verify("Bearer " + token_.secret).ok());
  // ... and after it the revoke is seen.
  clock_.Advance(Millis(2));
  Result<Principal> p = verifier.Verify("Bearer " + token_.secret);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(p.status().message().find("revoked"), std::string::npos);
}

TEST_F(VerifierTest, AStoreThatCannotAnswerIsNotAnAuthenticationFailure) {
  // A store left at schema 4 has no tokens table: every lookup fails. The
  // client must hear that the server could not check (500), not that its
  // token is bad.
  auto old = store::OpenSqliteStore(dir_.Sub("old.db"), {.migrate_to = 4});
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  TokenVerifier verifier(**old, clock_);
  Result<Principal> p = verifier.Verify("Bearer " + token_.secret);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().code(), StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace pipegrid::auth
