// The web UI at "/" (DESIGN §5): the single page built from ui/ by Vite and
// the files it loads from "/assets/", all compiled into the binary, so the
// master serves the UI with no CDN and no files installed beside it. The UI
// routes itself with "#/..." fragments, so no other path needs the page.
//
// The embedded files come from a source generated at build time
// (cmake/EmbedUi.cmake, from ui/CMakeLists.txt); a build without npm embeds a
// fallback index.html that says how to get the real UI.
//
// Thread-safety: the assets are immutable; handlers may run on any thread.
#pragma once

#include <span>
#include <string_view>

#include "api/router.h"

namespace pipegrid::api {

// One embedded file. The views point into static storage.
struct UiAsset {
  std::string_view path;          // "/index.html" or "/assets/<name>"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view body;
};

// The files embedded at build time; "/index.html" is always among them.
std::span<const UiAsset> EmbeddedUiAssets();

// True when the embedded index.html is the fallback page (no npm at build time).
bool EmbeddedUiIsFallback();

// GET /              the asset "/index.html", revalidated on every load
//                    (Cache-Control: no-cache, ETag, If-None-Match -> 304), with a
//                    Content-Security-Policy that allows only same-origin loads;
// GET /assets/{file} that asset, cached for a year as immutable (Vite puts a
//                    content hash in each name, so a new build means new URLs);
//                    an unknown file is a JSON 404.
// `assets` must outlive the router and hold "/index.html" (checked).
void AddUiRoutes(Router& router, std::span<const UiAsset> assets = EmbeddedUiAssets());

}  // namespace pipegrid::api
