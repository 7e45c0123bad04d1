// Hostile and broken bodies: every one must come back as an error value, never
// as a crash, a hang or an exception.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "spec/job_spec.h"
#include "support/test_util.h"
#include "unit/spec/samples.h"

namespace pipegrid::spec {
namespace {

using ::pipegrid::testing::IsOk;
using ::pipegrid::testing::StatusIs;
using ::testing::HasSubstr;

Status ParseStatus(std::string_view body, BodyFormat format) {
  return ParseJobSpec(body, format).status();
}

TEST(MalformedBodyTest, JsonSyntaxErrorNamesLineAndColumn) {
  Status s = ParseStatus("{\n  \"apiVersion\": \"pipegrid/v1\",\n  \"kind\": }", BodyFormat::kJson);
  EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(s.message(), HasSubstr("invalid JSON"));
  EXPECT_THAT(s.message(), HasSubstr("line 3, column 11"));
  EXPECT_THAT(s.message(), ::testing::Not(HasSubstr("json.exception")));
}

TEST(MalformedBodyTest, YamlSyntaxErrorNamesLineAndColumn) {
  Status s =
      ParseStatus("apiVersion: pipegrid/v1\nkind: Job\nmetadata: {name: [x\n", BodyFormat::kYaml);
  EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(s.message(), HasSubstr("invalid YAML at line"));
}

TEST(MalformedBodyTest, TrailingGarbageAfterJson) {
  EXPECT_THAT(ParseStatus(testing::MinimalSpec().dump() + " x", BodyFormat::kJson),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST(MalformedBodyTest, EmptyBody) {
  EXPECT_THAT(ParseStatus("", BodyFormat::kJson), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseStatus("", BodyFormat::kYaml), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseStatus("# only a comment\n", BodyFormat::kYaml),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST(MalformedBodyTest, TopLevelMustBeAnObject) {
  for (auto [body, format] :
       std::vector<std::pair<std::string_view, BodyFormat>>{{"[1, 2]", BodyFormat::kJson},
                                                            {"\"job\"", BodyFormat::kJson},
                                                            {"null", BodyFormat::kJson},
                                                            {"- a\n- b\n", BodyFormat::kYaml},
                                                            {"just text", BodyFormat::kYaml},
                                                            {"---\n", BodyFormat::kYaml}}) {
    Status s = ParseStatus(body, format);
    EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument)) << body;
    EXPECT_THAT(s.message(), HasSubstr("must be an object")) << body;
  }
}

TEST(MalformedBodyTest, DuplicateKeysAreRejectedWithTheirPath) {
  Status json = ParseStatus(R"({"apiVersion": "pipegrid/v1", "kind": "Job",
      "metadata": {"name": "a", "name": "b"}, "spec": {}})",
                            BodyFormat::kJson);
  EXPECT_THAT(json, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(json.field(), "metadata.name");
  EXPECT_THAT(json.message(), HasSubstr("duplicate key \"name\""));

  Status yaml = ParseStatus("apiVersion: pipegrid/v1\nkind: Job\nmetadata:\n  name: a\n  name: b\n",
                            BodyFormat::kYaml);
  EXPECT_THAT(yaml, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(yaml.field(), "metadata.name");
  EXPECT_THAT(yaml.message(), HasSubstr("duplicate key \"name\" at line 5"));
}

TEST(MalformedBodyTest, DuplicateKeyInsideAListHasTheIndexInItsPath) {
  Status s =
      ParseStatus(R"({"spec": {"tasks": [{}, {"name": "a", "name": "a"}]}})", BodyFormat::kJson);
  EXPECT_EQ(s.field(), "spec.tasks[1].name");
}

TEST(MalformedBodyTest, MultipleYamlDocumentsAreRejected) {
  Status s = ParseStatus("a: 1\n---\nb: 2\n", BodyFormat::kYaml);
  EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(s.message(), HasSubstr("after the first YAML document"));
}

TEST(MalformedBodyTest, StrayYamlCommaEndsInsteadOfLooping) {
  // yaml-cpp's LoadAll yields empty documents forever on this input.
  for (std::string_view body : {",a", ",apiVersion: pipegrid/v1\nkin"}) {
    EXPECT_THAT(ParseStatus(body, BodyFormat::kYaml), StatusIs(StatusCode::kInvalidArgument))
        << body;
  }
}

TEST(MalformedBodyTest, YamlKeysMustBeStrings) {
  Status s = ParseStatus("apiVersion: pipegrid/v1\nkind: Job\nmetadata:\n  ? [a, b]\n  : c\n",
                         BodyFormat::kYaml);
  EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(s.message(), HasSubstr("keys must be strings"));
  EXPECT_EQ(s.field(), "metadata");
}

TEST(MalformedBodyTest, YamlAliasInsideItsOwnAnchorIsRejected) {
  Status s = ParseStatus("a: &x [1, *x]\n", BodyFormat::kYaml);
  EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(s.field(), "a[1]");
}

TEST(MalformedBodyTest, InvalidUtf8InYamlIsRejected) {
  nlohmann::json spec = testing::MinimalSpec();
  std::string yaml = spec.dump();
  yaml.replace(yaml.find("true"), 4, "tr\xff\xfe");
  Status s = ParseStatus(yaml, BodyFormat::kYaml);
  EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(s.field(), "spec.tasks[0].steps[0].commands[0]");
}

TEST(MalformedBodyTest, InvalidUtf8InJsonIsRejected) {
  std::string json = testing::MinimalSpec().dump();
  json.replace(json.find("true"), 4, "tr\xc3\x28");
  EXPECT_THAT(ParseStatus(json, BodyFormat::kJson), StatusIs(StatusCode::kInvalidArgument));
}

// Messages are sent as JSON: they must be valid UTF-8 and small whatever the
// body held (nlohmann's own messages quote the raw bytes it last read).
TEST(MalformedBodyTest, MessagesAreSmallValidUtf8) {
  std::string huge_token = "{\"a\": tru" + std::string(1 << 20, 'e') + "\xff";
  for (const std::string& body :
       {std::string("{\"a\xff\": 1}"), std::string("{\"a\": \xc3}"), huge_token}) {
    Status s = ParseStatus(body, BodyFormat::kJson);
    ASSERT_THAT(s, StatusIs(StatusCode::kInvalidArgument));
    EXPECT_NO_THROW(nlohmann::json(s.message()).dump()) << s.message();
    EXPECT_LT(s.message().size(), 400u);
  }
  Result<BodyFormat> f = FormatFromContentType("text/\xff\xfe");
  ASSERT_THAT(f, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_NO_THROW(nlohmann::json(f.status().message()).dump());
}

TEST(LimitsTest, DeepJsonNestingIsRefusedWithoutRecursion) {
  std::string body(100'000, '[');
  Status s = ParseStatus(body, BodyFormat::kJson);
  EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(s.message(), HasSubstr("nested deeper than 64 levels"));
  std::string objects;
  for (int i = 0; i < 100'000; ++i) objects += "{\"a\":";
  EXPECT_THAT(ParseStatus(objects, BodyFormat::kJson), StatusIs(StatusCode::kInvalidArgument));
}

TEST(LimitsTest, DeepYamlNestingIsRefused) {
  std::string flow(100'000, '[');
  std::string block;
  std::string maps;
  for (int i = 0; i < 100'000; ++i) {
    block += "- ";
    maps += "{a: ";
  }
  block += "x\n";
  for (const std::string& body : {flow, block, maps}) {
    EXPECT_THAT(ParseStatus(body, BodyFormat::kYaml), StatusIs(StatusCode::kInvalidArgument));
  }
  // Deep but within what yaml-cpp parses: our own limit answers.
  std::string nested = "a: " + std::string(100, '[') + std::string(100, ']');
  Status s = ParseStatus(nested, BodyFormat::kYaml);
  EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(s.message(), HasSubstr("nested deeper than 64 levels"));
}

TEST(LimitsTest, YamlAliasExpansionIsBounded) {
  // "Billion laughs": nine levels of nine aliases each expand to 9^9 strings.
  std::string body = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (char c = 'b'; c <= 'i'; ++c) {
    std::string prev(1, static_cast<char>(c - 1));
    body += std::string(1, c) + ": &" + c + " [";
    for (int k = 0; k < 9; ++k) body += (k ? ", *" : "*") + prev;
    body += "]\n";
  }
  Status s = ParseStatus(body, BodyFormat::kYaml);
  EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(s.message(), HasSubstr("expands to more than"));
}

TEST(LimitsTest, YamlAliasOfAHugeStringIsBounded) {
  std::string body = "a: &a " + std::string(1 << 20, 'x') + "\nb: [";
  for (int k = 0; k < 100; ++k) body += "*a, ";
  body += "*a]\n";
  Status s = ParseStatus(body, BodyFormat::kYaml);
  EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(s.message(), HasSubstr("bytes of text"));
}

TEST(LimitsTest, CopiesKeptForNestedAnchorsAreBounded) {
  // Each anchor keeps a copy of everything under it: 60 nested anchors around
  // 20000 scalars would keep 1.2 million nodes for 20000 parsed.
  std::string body = "a: ";
  for (int i = 0; i < 60; ++i) body += "&a" + std::to_string(i) + " [";
  for (int i = 0; i < 20000; ++i) body += "x, ";
  body += "x" + std::string(60, ']') + "\n";
  Status s = ParseStatus(body, BodyFormat::kYaml);
  EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(s.message(), HasSubstr("under YAML anchors"));
}

TEST(LimitsTest, ModestAliasesStillWork) {
  Result<JobSpec> r = ParseJobSpec(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: j}
spec:
  tasks:
    - name: a
      steps: &steps [{commands: [make]}]
    - name: b
      steps: *steps
)",
                                   BodyFormat::kYaml);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->tasks[1].steps, r->tasks[0].steps);
}

TEST(LimitsTest, TheLargestAllowedJobFitsTheLimits) {
  std::string body = "apiVersion: pipegrid/v1\nkind: Job\nmetadata: {name: big}\nspec:\n  tasks:\n";
  for (int i = 0; i < 10000; ++i) {
    std::string name = "t" + std::to_string(i);
    body += "    - name: " + name + "\n";
    if (i > 0) body += "      dependsOn: [t" + std::to_string(i - 1) + "]\n";
    body += "      resources: {cpu: 1, memory: 1Gi}\n      nodeSelector: {zone: a}\n";
    body += "      steps: [{executor: tool, commands: [\"run " + name + "\", \"check\"]}]\n";
  }
  Result<JobSpec> r = ParseJobSpec(body, BodyFormat::kYaml);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->tasks.size(), 10000u);
  EXPECT_EQ(r->tasks.back().depends_on, std::vector<std::string>{"t9998"});
}

TEST(LimitsTest, OversizeBodyIsResourceExhausted) {
  std::string body(17u << 20, ' ');
  EXPECT_THAT(ParseStatus(body, BodyFormat::kJson), StatusIs(StatusCode::kResourceExhausted));
  EXPECT_THAT(ParseStatus(body, BodyFormat::kYaml), StatusIs(StatusCode::kResourceExhausted));
}

// Mutations of valid specs (byte flips, insertions, truncations) with a fixed
// seed: each must parse or be refused with InvalidArgument.
TEST(LimitsTest, MutatedSpecsNeverCrash) {
  std::mt19937 rng(20240611);
  const std::string seeds[] = {std::string(testing::kDesignExampleYaml),
                               std::string(testing::kDesignExampleJson)};
  const std::string alphabet = "{}[]:,-\"'&*!|>#\n \t\\01aZ\xff\xc3";
  int parsed = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string body = seeds[i % 2];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !body.empty(); ++e) {
      size_t pos = rng() % body.size();
      switch (rng() % 3) {
        case 0:
          body[pos] = alphabet[rng() % alphabet.size()];
          break;
        case 1:
          body.insert(pos, 1, alphabet[rng() % alphabet.size()]);
          break;
        case 2:
          body.resize(pos);
          break;
      }
    }
    for (BodyFormat format : {BodyFormat::kJson, BodyFormat::kYaml}) {
      Result<JobSpec> r = ParseJobSpec(body, format);
      if (r.ok()) {
        ++parsed;
        // Whatever parsed must also survive the canonical round trip.
        if (r->legacy) r->name = "legacy-1";
        EXPECT_THAT(ParseJobSpec(ToJson(*r).dump(), BodyFormat::kJson), IsOk()) << body;
      } else {
        EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << body;
      }
    }
  }
  EXPECT_GT(parsed, 0);  // the mutations do not only produce garbage
}

}  // namespace
}  // namespace pipegrid::spec
