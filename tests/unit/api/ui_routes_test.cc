// The web UI routes over a real HTTP server: "/" and "/assets/{file}" from a
// set of assets the test chooses, and from the ones embedded in this build.
#include "api/ui_routes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "api/http_server.h"
#include "common/clock.h"
#include "unit/api/test_client.h"

namespace pipegrid::api {
namespace {

using testing::ClientResponse;
using testing::ErrorCode;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using testing::TestConnection;

constexpr UiAsset kAssets[] = {
    {"/index.html", "text/html; charset=utf-8",
     "<!doctype html><script type=\"module\" src=\"/assets/app-1a2b.js\"></script>"},
    {"/assets/app-1a2b.js", "text/javascript; charset=utf-8", "console.log('pipegrid');"},
    {"/assets/app-9f8e.css", "text/css; charset=utf-8", "body{margin:0}"},
};

class UiRoutesTest : public ::testing::Test {
 protected:
  void Serve(std::span<const UiAsset> assets) {
    Router router;
    AddUiRoutes(router, assets);
    auto server =
        HttpServer::Start({}, std::move(router), clock_, std::make_shared<RequestStats>());
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
  }

  ClientResponse Get(const std::string& target) { return testing::Get(server_->port(), target); }

  // A GET with one extra header line ("If-None-Match: ...").
  ClientResponse GetWith(const std::string& target, const std::string& header) {
    TestConnection c(server_->port());
    c.SendRaw("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + header + "\r\n\r\n");
    return c.Read();
  }

  SystemClock clock_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(UiRoutesTest, RootServesIndexHtmlRevalidatedOnEveryLoad) {
  Serve(kAssets);
  ClientResponse res = Get("/");
  ASSERT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res[http::field::content_type], "text/html; charset=utf-8");
  EXPECT_EQ(res.body(), kAssets[0].body);
  EXPECT_EQ(res[http::field::cache_control], "no-cache");
  EXPECT_THAT(std::string(res[http::field::etag]), StartsWith("\""));
  EXPECT_EQ(res["X-Content-Type-Options"], "nosniff");
  // Only same-origin scripts: a page that needs a CDN would not load.
  EXPECT_THAT(std::string(res["Content-Security-Policy"]), HasSubstr("script-src 'self';"));
  // A query string does not change the page.
  EXPECT_EQ(Get("/?from=bookmark").body(), kAssets[0].body);
}

TEST_F(UiRoutesTest, RootWithTheCurrentTagIsNotModified) {
  Serve(kAssets);
  std::string etag(Get("/")[http::field::etag]);
  ASSERT_FALSE(etag.empty());

  ClientResponse same = GetWith("/", "If-None-Match: " + etag);
  EXPECT_EQ(same.result(), http::status::not_modified);
  EXPECT_EQ(same.body(), "");
  EXPECT_EQ(same[http::field::etag], etag);
  EXPECT_EQ(same[http::field::cache_control], "no-cache");

  EXPECT_EQ(GetWith("/", "If-None-Match: \"other\", W/" + etag).result(),
            http::status::not_modified);
  ClientResponse changed = GetWith("/", "If-None-Match: \"0123456789abcdef\"");
  EXPECT_EQ(changed.result(), http::status::ok);
  EXPECT_EQ(changed.body(), kAssets[0].body);
}

TEST_F(UiRoutesTest, AssetsServeWithTheirTypeAndAreCachedForAYear) {
  Serve(kAssets);
  ClientResponse js = Get("/assets/app-1a2b.js");
  ASSERT_EQ(js.result(), http::status::ok);
  EXPECT_EQ(js[http::field::content_type], "text/javascript; charset=utf-8");
  EXPECT_EQ(js.body(), "console.log('pipegrid');");
  EXPECT_EQ(js[http::field::cache_control], "public, max-age=31536000, immutable");
  EXPECT_EQ(js["X-Content-Type-Options"], "nosniff");

  ClientResponse css = Get("/assets/app-9f8e.css");
  ASSERT_EQ(css.result(), http::status::ok);
  EXPECT_EQ(css[http::field::content_type], "text/css; charset=utf-8");
  EXPECT_EQ(css.body(), "body{margin:0}");
  // Different content, different validator.
  EXPECT_NE(css[http::field::etag], js[http::field::etag]);
  EXPECT_EQ(GetWith("/assets/app-9f8e.css", "If-None-Match: " + std::string(css[http::field::etag]))
                .result(),
            http::status::not_modified);
}

TEST_F(UiRoutesTest, UnknownAssetIsAJsonNotFound) {
  Serve(kAssets);
  ClientResponse res = Get("/assets/app-0000.js");
  EXPECT_EQ(res.result(), http::status::not_found);
  EXPECT_EQ(res[http::field::content_type], "application/json");
  EXPECT_EQ(ErrorCode(res), "NOT_FOUND");
  // index.html is the page at "/", not an asset.
  EXPECT_EQ(Get("/assets/index.html").result(), http::status::not_found);
  EXPECT_EQ(Get("/index.html").result(), http::status::not_found);
  EXPECT_EQ(Get("/assets/app-1a2b.js/more").result(), http::status::not_found);

  TestConnection c(server_->port());
  EXPECT_EQ(c.Call(http::verb::post, "/").result(), http::status::method_not_allowed);
}

// The build's own assets: "/" is HTML and everything it references from
// /assets/ is served, with a type the browser will accept for it.
TEST_F(UiRoutesTest, EmbeddedPageLoadsOnlyAssetsThatAreServed) {
  Serve(EmbeddedUiAssets());
  ClientResponse page = Get("/");
  ASSERT_EQ(page.result(), http::status::ok);
  EXPECT_EQ(page[http::field::content_type], "text/html; charset=utf-8");
  EXPECT_THAT(page.body(), HasSubstr("<title>pipegrid"));
  // No CDN: nothing is loaded from another host.
  EXPECT_THAT(page.body(), Not(HasSubstr("src=\"http")));
  EXPECT_THAT(page.body(), Not(HasSubstr("href=\"http")));
  if (EmbeddedUiIsFallback()) {
    EXPECT_THAT(page.body(), HasSubstr("built without its web UI"));
    EXPECT_THAT(page.body(), HasSubstr("href=\"/api/v1/jobs\""));
    return;
  }

  std::regex ref(R"re((?:src|href)="(/assets/[^"]+)")re");
  std::vector<std::string> refs;
  for (std::sregex_iterator it(page.body().begin(), page.body().end(), ref), end; it != end; ++it) {
    refs.push_back((*it)[1]);
  }
  ASSERT_FALSE(refs.empty()) << page.body();
  bool has_script = false;
  for (const std::string& target : refs) {
    ClientResponse res = Get(target);
    EXPECT_EQ(res.result(), http::status::ok) << target;
    EXPECT_FALSE(res.body().empty()) << target;
    std::string type(res[http::field::content_type]);
    if (target.ends_with(".js")) {
      has_script = true;
      EXPECT_EQ(type, "text/javascript; charset=utf-8") << target;
    } else if (target.ends_with(".css")) {
      EXPECT_EQ(type, "text/css; charset=utf-8") << target;
    }
  }
  EXPECT_TRUE(has_script);
}

}  // namespace
}  // namespace pipegrid::api
