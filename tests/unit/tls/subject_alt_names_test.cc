#include "tls/subject_alt_names.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/test_util.h"

namespace pipegrid::tls {
namespace {

using pipegrid::testing::IsOk;
using pipegrid::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Kind = SubjectAltName::Kind;

SubjectAltName Dns(std::string v) { return {Kind::kDns, std::move(v)}; }
SubjectAltName Ip(std::string v) { return {Kind::kIp, std::move(v)}; }

SubjectAltName Parsed(std::string_view host) {
  auto name = ParseHost(host);
  EXPECT_THAT(name, IsOk()) << host;
  return name.ok() ? *name : SubjectAltName{};
}

TEST(ParseHostTest, AddressesBecomeCanonicalIpEntries) {
  EXPECT_EQ(Parsed("10.1.2.3"), Ip("10.1.2.3"));
  EXPECT_EQ(Parsed("::1"), Ip("::1"));
  EXPECT_EQ(Parsed("[::1]"), Ip("::1"));
  EXPECT_EQ(Parsed("0:0:0:0:0:0:0:1"), Ip("::1"));
  EXPECT_EQ(Parsed("FD00::A"), Ip("fd00::a"));
}

TEST(ParseHostTest, NamesBecomeLowerCaseDnsEntries) {
  EXPECT_EQ(Parsed("Master.Example.COM"), Dns("master.example.com"));
  EXPECT_EQ(Parsed("worker-1"), Dns("worker-1"));
  EXPECT_EQ(Parsed("*.workers.internal"), Dns("*.workers.internal"));
}

TEST(ParseHostTest, RefusesWhatIsNeitherAddressNorName) {
  for (std::string_view bad : std::vector<std::string_view>{
           "", "a b", "-lead.example", "trail-.example", "a..b", "under_score", "*", "a.*.b", "x,y",
           "10.0.0.256", "123", std::string_view("a\0b", 3)}) {
    auto name = ParseHost(bad);
    EXPECT_THAT(name, StatusIs(StatusCode::kInvalidArgument)) << bad;
    EXPECT_THAT(name.status().message(), HasSubstr("--hosts")) << bad;
  }
  EXPECT_THAT(ParseHost(std::string(64, 'a') + ".example"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseHost(std::string(63, 'a') + ".example"), IsOk());
}

TEST(ServerAltNamesTest, HostsFirstThenLoopbackWithoutDuplicates) {
  auto names = ServerAltNames({" master.example ", "", "127.0.0.1", "LOCALHOST", "10.0.0.1"});
  ASSERT_THAT(names, IsOk());
  EXPECT_THAT(*names, ElementsAre(Dns("master.example"), Ip("127.0.0.1"), Dns("localhost"),
                                  Ip("10.0.0.1"), Ip("::1")));
}

TEST(ServerAltNamesTest, NoHostsMeansLoopbackOnly) {
  auto names = ServerAltNames({});
  ASSERT_THAT(names, IsOk());
  EXPECT_THAT(*names, ElementsAre(Dns("localhost"), Ip("127.0.0.1"), Ip("::1")));
}

TEST(ServerAltNamesTest, OneBadHostFailsTheList) {
  EXPECT_THAT(ServerAltNames({"good.example", "bad host"}), StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace pipegrid::tls
