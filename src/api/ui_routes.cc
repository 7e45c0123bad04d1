#include "api/ui_routes.h"

#include <fmt/format.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "api/errors.h"

namespace pipegrid::api {
namespace {

constexpr std::string_view kIndexPath = "/index.html";
constexpr std::string_view kAssetPrefix = "/assets/";

// Scripts, styles, images and API calls from this origin only: the page
// needs nothing else, and a CDN reference that slipped into a build would
// fail in development instead of in an air-gapped deployment. Svelte sets
// style attributes, hence 'unsafe-inline' for styles (never for scripts).
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'";
constexpr const char* kRevalidate = "no-cache";
constexpr const char* kImmutable = "public, max-age=31536000, immutable";

// A strong validator from the content (FNV-1a, 64 bits): the same build
// gives the same tag across restarts, a new build a new one.
std::string ContentTag(std::string_view body) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : body) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return fmt::format("\"{:016x}\"", h);
}

// True when an If-None-Match header names `tag` (a list, or "*").
bool Matches(std::string_view if_none_match, std::string_view tag) {
  if (if_none_match.empty()) return false;
  if (if_none_match == "*") return true;
  size_t pos = 0;
  while (pos < if_none_match.size()) {
    size_t comma = if_none_match.find(',', pos);
    std::string_view item = if_none_match.substr(
        pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.starts_with("W/")) item.remove_prefix(2);  // weak comparison, RFC 9110 §13.1.2
    if (item == tag) return true;
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return false;
}

struct ServedAsset {
  const UiAsset* asset;
  std::string etag;
  const char* cache_control;
  bool is_page;  // index.html: also gets the security policy
};

Response Serve(const ServedAsset& a, const Request& request) {
  Response res =
      Matches(request.Header(http::field::if_none_match), a.etag)
          ? EmptyResponse(http::status::not_modified)
          : TextResponse(http::status::ok, std::string(a.asset->body), a.asset->content_type);
  res.set(http::field::etag, a.etag);
  res.set(http::field::cache_control, a.cache_control);
  // Beast has no enum for these headers: set them by name.
  res.set("X-Content-Type-Options", "nosniff");
  if (a.is_page) {
    res.set("Content-Security-Policy", kContentSecurityPolicy);
    res.set("Referrer-Policy", "same-origin");
  }
  return res;
}

}  // namespace

void AddUiRoutes(Router& router, std::span<const UiAsset> assets) {
  std::shared_ptr<const ServedAsset> index;
  // Keyed by the name after "/assets/", as the route parameter arrives.
  auto files = std::make_shared<std::map<std::string, ServedAsset, std::less<>>>();
  for (const UiAsset& a : assets) {
    if (a.path == kIndexPath) {
      index = std::make_shared<const ServedAsset>(
          ServedAsset{&a, ContentTag(a.body), kRevalidate, /*is_page=*/true});
    } else if (a.path.starts_with(kAssetPrefix)) {
      files->emplace(std::string(a.path.substr(kAssetPrefix.size())),
                     ServedAsset{&a, ContentTag(a.body), kImmutable, /*is_page=*/false});
    }
  }
  // The build always embeds an index.html (the fallback page at worst).
  PG_CHECK(index != nullptr);

  router.Add(http::verb::get, "/",
             [index](const Request& request, Responder r) { r.Send(Serve(*index, request)); });
  router.Add(http::verb::get, std::string(kAssetPrefix) + "{file}",
             [files](const Request& request, Responder r) {
               const std::string& name = request.Param("file");
               auto it = files->find(name);
               if (it == files->end()) {
                 return r.Send(ErrorResponse(NotFound("no UI asset " + name)));
               }
               r.Send(Serve(it->second, request));
             });
}

}  // namespace pipegrid::api
