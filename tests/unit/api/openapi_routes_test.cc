// The OpenAPI document served at /api/v1/openapi.json describes exactly the
// routes the server has: no undocumented route, no documented route that is
// not served, and for every path exactly the methods the server allows there.
//
// The server is the real ApiServer (api_fixture.h), probed over HTTP: a
// request with a method no route uses (TRACE) is answered 405 with an Allow
// header naming every method routed on that path, which compares a served
// path's methods with the document's without calling any handler.
// The served routes come from ApiServer::routes(), so a route added to the
// server fails this test until the document describes it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "api/http_message.h"
#include "unit/api/api_fixture.h"

namespace pipegrid::api {
namespace {

using nlohmann::json;
using ::pipegrid::api::testing::ApiServerTest;
using ::pipegrid::api::testing::ClientResponse;
using ::pipegrid::api::testing::Json;

// (METHOD, pattern) as the route registration code writes them.
using RouteSet = std::set<std::pair<std::string, std::string>>;


// OpenAPI 3 operation keys, the only keys of a path item that are methods.
const std::map<std::string, std::string> kOperationMethods = {
    {"get", "GET"},         {"put", "PUT"},   {"post", "POST"},   {"delete", "DELETE"},
    {"options", "OPTIONS"}, {"head", "HEAD"}, {"patch", "PATCH"}, {"trace", "TRACE"}};

std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// OpenAPI has no multi-segment parameter: the router's trailing wildcard
// "{path...}" is documented as "{path}" (its description says it may hold '/').
std::string OpenApiPath(std::string pattern) {
  if (size_t dots = pattern.rfind("...}"); dots != std::string::npos) pattern.erase(dots, 3);
  return pattern;
}

bool IsParam(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// The pattern with each {param} replaced by a sample value.
std::string Instantiate(const std::string& pattern) {
  std::string path;
  for (const std::string& segment : Segments(pattern)) {
    path += "/" + (IsParam(segment) ? std::string("x1") : segment);
  }
  return path.empty() ? "/" : path;
}

// Router semantics: same length, literals equal, a parameter takes any segment.
bool Matches(const std::string& pattern, const std::string& path) {
  std::vector<std::string> p = Segments(pattern), s = Segments(path);
  if (p.size() != s.size()) return false;
  for (size_t i = 0; i < p.size(); ++i) {
    if (!IsParam(p[i]) && p[i] != s[i]) return false;
  }
  return true;
}

std::set<std::string> SplitAllow(const std::string& allow) {
  std::set<std::string> methods;
  size_t start = 0;
  while (start < allow.size()) {
    size_t end = allow.find(',', start);
    if (end == std::string::npos) end = allow.size();
    std::string m = allow.substr(start, end - start);
    m.erase(0, m.find_first_not_of(' '));
    m.erase(m.find_last_not_of(' ') + 1);
    if (!m.empty()) methods.insert(m);
    start = end + 1;
  }
  return methods;
}

std::string Describe(const RouteSet& routes) {
  std::string out;
  for (const auto& [method, pattern] : routes) out += "\n  " + method + " " + pattern;
  return out.empty() ? " (none)" : out;
}

class OpenApiRoutesTest : public ApiServerTest {
 protected:
  void SetUp() override {
    ApiServerTest::SetUp();
    ClientResponse res = Get("/api/v1/openapi.json");
    ASSERT_EQ(res.result(), http::status::ok);
    doc_ = Json(res);
    // The routes the running server registered: nothing kept by hand.
    for (const auto& [method, pattern] : api_->routes()) {
      served_.insert({method, OpenApiPath(pattern)});
    }
    ASSERT_FALSE(served_.empty());
    ASSERT_TRUE(doc_.is_object() && doc_.contains("paths")) << res.body();
    for (const auto& [path, item] : doc_["paths"].items()) {
      for (const auto& [key, operation] : item.items()) {
        auto method = kOperationMethods.find(key);
        if (method != kOperationMethods.end()) documented_.insert({method->second, path});
      }
    }
  }

  json doc_;
  RouteSet documented_;
  RouteSet served_;
};

TEST_F(OpenApiRoutesTest, DocumentListsExactlyTheServedRoutes) {
  EXPECT_EQ(doc_.value("openapi", ""), "3.0.3");
  RouteSet undocumented, unserved;
  std::set_difference(served_.begin(), served_.end(), documented_.begin(),
                      documented_.end(), std::inserter(undocumented, undocumented.end()));
  std::set_difference(documented_.begin(), documented_.end(), served_.begin(),
                      served_.end(), std::inserter(unserved, unserved.end()));
  EXPECT_TRUE(undocumented.empty()) << "served but not in openapi.json:" << Describe(undocumented);
  EXPECT_TRUE(unserved.empty()) << "in openapi.json but not served:" << Describe(unserved);
}

TEST_F(OpenApiRoutesTest, ServerRoutesEachDocumentedPathWithExactlyItsMethods) {
  std::set<std::string> paths;
  for (const auto& [method, pattern] : documented_) paths.insert(pattern);
  for (const auto& [method, pattern] : served_) paths.insert(pattern);
  for (const std::string& pattern : paths) {
    std::string path = Instantiate(pattern);
    // Every documented pattern the router would also match on this path.
    std::set<std::string> expected;
    for (const auto& [method, other] : documented_) {
      if (Matches(other, path)) expected.insert(method);
    }
    ClientResponse res = Call(http::verb::trace, path);
    ASSERT_EQ(res.result(), http::status::method_not_allowed)
        << "TRACE " << path << " (" << pattern << "): the server routes nothing here";
    EXPECT_EQ(SplitAllow(std::string(res[http::field::allow])), expected)
        << path << " (" << pattern << "): the server's methods differ from openapi.json";
  }
}

TEST_F(OpenApiRoutesTest, PathParametersAreDeclaredAsInThePattern) {
  for (const auto& [path, item] : doc_["paths"].items()) {
    std::set<std::string> in_pattern;
    for (const std::string& segment : Segments(path)) {
      if (IsParam(segment)) in_pattern.insert(segment.substr(1, segment.size() - 2));
    }
    for (const auto& [key, operation] : item.items()) {
      if (!kOperationMethods.contains(key)) continue;
      std::set<std::string> declared;
      for (const json* params : {&item, &operation}) {
        for (const json& p : params->value("parameters", json::array())) {
          if (p.value("in", "") != "path") continue;
          declared.insert(p.value("name", ""));
          EXPECT_TRUE(p.value("required", false)) << key << " " << path << ": " << p;
        }
      }
      EXPECT_EQ(declared, in_pattern) << key << " " << path;
      EXPECT_FALSE(operation.value("responses", json::object()).empty()) << key << " " << path;
    }
  }
}

}  // namespace
}  // namespace pipegrid::api
