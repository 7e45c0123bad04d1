# Builds the web UI and writes a C++ file that embeds it (run at build time
# by ui/CMakeLists.txt as `cmake -P`; see there for when).
#
#   -DUI_SOURCE_DIR=<repo>/ui      sources, package.json, package-lock.json
#   -DUI_WORK_DIR=<build>/ui/app   where npm installs and Vite builds: the
#                                  source tree is never written to, and each
#                                  build directory has its own node_modules
#   -DNPM=<path or empty>          empty: embed the fallback page, giving
#   -DNO_NPM_REASON=<text>         as the reason
#   -DOUTPUT=<build>/ui/ui_assets.cc  rewritten only when its content changes
#   -DSTAMP=<file>                 the step's declared output, touched when
#                                  done, so Ninja can restat the .cc (a
#                                  byproduct) and not recompile an unchanged
#                                  UI; left missing when npm failed, so the
#                                  next build tries again
#
# The generated file defines pipegrid::api::EmbeddedUiAssets() (api/ui_routes.h).
# A failing npm never fails the build: the binary then serves a fallback page
# at "/" that says why and how to get the real UI.
cmake_minimum_required(VERSION 3.25)

foreach(var UI_SOURCE_DIR UI_WORK_DIR OUTPUT STAMP)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "EmbedUi.cmake: -D${var}= is required")
  endif()
endforeach()

set(dist_dir "${UI_WORK_DIR}/dist")

# Runs one npm command in the work dir; sets `failure` to a message on error.
function(run_npm)
  execute_process(COMMAND "${NPM}" --no-audit --no-fund --loglevel=error ${ARGN}
                  WORKING_DIRECTORY "${UI_WORK_DIR}" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    list(JOIN ARGN " " what)
    set(failure "`npm ${what}` failed (${rc})" PARENT_SCOPE)
  else()
    set(failure "" PARENT_SCOPE)
  endif()
endfunction()

# Copies the sources into the work dir and builds them into dist/.
function(build_ui)
  file(MAKE_DIRECTORY "${UI_WORK_DIR}")
  # Install again only when the lock file changed: `npm ci` deletes and
  # re-creates node_modules, which is slow and needs the registry.
  set(lock_copy "${UI_WORK_DIR}/package-lock.json")
  set(need_install TRUE)
  if(EXISTS "${lock_copy}" AND EXISTS "${UI_WORK_DIR}/node_modules/.package-lock.json")
    file(SHA256 "${lock_copy}" old)
    file(SHA256 "${UI_SOURCE_DIR}/package-lock.json" new)
    if(old STREQUAL new)
      set(need_install FALSE)
    endif()
  endif()
  file(REMOVE_RECURSE "${UI_WORK_DIR}/src")
  file(COPY "${UI_SOURCE_DIR}/src" "${UI_SOURCE_DIR}/index.html" "${UI_SOURCE_DIR}/vite.config.js"
            "${UI_SOURCE_DIR}/package.json"
       DESTINATION "${UI_WORK_DIR}")
  if(need_install)
    message(STATUS "ui: npm ci")
    file(REMOVE "${lock_copy}")
    file(COPY "${UI_SOURCE_DIR}/package-lock.json" DESTINATION "${UI_WORK_DIR}")
    run_npm(ci)
    if(failure)
      file(REMOVE "${lock_copy}")  # so the next build installs again
      set(failure "${failure}" PARENT_SCOPE)
      return()
    endif()
  endif()
  message(STATUS "ui: npm run build")
  run_npm(run build -- --outDir "${dist_dir}" --emptyOutDir)
  if(NOT failure AND NOT EXISTS "${dist_dir}/index.html")
    set(failure "the build wrote no index.html")
  endif()
  set(failure "${failure}" PARENT_SCOPE)
endfunction()

function(content_type file out)
  get_filename_component(ext "${file}" LAST_EXT)
  string(TOLOWER "${ext}" ext)
  set(types
      .html "text/html\; charset=utf-8" .js "text/javascript\; charset=utf-8"
      .mjs "text/javascript\; charset=utf-8" .css "text/css\; charset=utf-8"
      .json "application/json" .map "application/json" .svg "image/svg+xml"
      .png "image/png" .ico "image/x-icon" .woff2 "font/woff2" .woff "font/woff"
      .txt "text/plain\; charset=utf-8")
  set(type "application/octet-stream")
  list(FIND types "${ext}" i)
  if(i GREATER_EQUAL 0)
    math(EXPR j "${i} + 1")
    list(GET types ${j} type)
  endif()
  set(${out} "${type}" PARENT_SCOPE)
endfunction()

# A C++ string literal of `file`'s bytes, every byte escaped (\xNN), split
# into lines; an escape is always followed by another or by a quote, so no
# hex digit can be read as part of the previous escape.
function(cpp_literal file out)
  file(READ "${file}" hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" escaped "${hex}")
  string(REPEAT "...." 40 one_line)  # 40 bytes per line
  string(REGEX REPLACE "(${one_line})" "\\1\"\n    \"" escaped "${escaped}")
  set(${out} "\"${escaped}\"" PARENT_SCOPE)
endfunction()

function(escape_html text out)
  string(REPLACE "&" "&amp;" text "${text}")
  string(REPLACE "<" "&lt;" text "${text}")
  string(REPLACE ">" "&gt;" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# --- build, or fall back ---------------------------------------------------
set(failure "")
if(NOT NPM)
  set(failure "${NO_NPM_REASON}")
  if(NOT failure)
    set(failure "npm was not available to the build")
  endif()
else()
  build_ui()
endif()

set(files "")  # pairs: url path, file on disk
if(failure)
  message(WARNING "ui: ${failure}; embedding the fallback page instead of the web UI")
  escape_html("${failure}" REASON)
  configure_file("${UI_SOURCE_DIR}/fallback.html" "${UI_WORK_DIR}/fallback/index.html" @ONLY)
  list(APPEND files "/index.html" "${UI_WORK_DIR}/fallback/index.html")
else()
  file(GLOB_RECURSE built RELATIVE "${dist_dir}" "${dist_dir}/*")
  list(SORT built)
  foreach(rel ${built})
    # The server serves "/" and "/assets/<file>" only (api/ui_routes.h).
    if(rel STREQUAL "index.html" OR rel MATCHES "^assets/[^/]+$")
      list(APPEND files "/${rel}" "${dist_dir}/${rel}")
    else()
      message(WARNING "ui: ${rel} is not under assets/ and is not served")
    endif()
  endforeach()
endif()

set(defs "")
set(table "")
set(n 0)
list(LENGTH files len)
while(n LESS len)
  list(GET files ${n} url)
  math(EXPR k "${n} + 1")
  list(GET files ${k} path)
  math(EXPR id "${n} / 2")
  content_type("${path}" type)
  cpp_literal("${path}" literal)
  string(APPEND defs "// ${url}\nconstexpr char kFile${id}[] =\n    ${literal};\n\n")
  string(APPEND table
         "    {\"${url}\", \"${type}\", std::string_view(kFile${id}, sizeof(kFile${id}) - 1)},\n")
  math(EXPR n "${n} + 2")
endwhile()

if(failure)
  set(fallback_flag true)
else()
  set(fallback_flag false)
endif()
set(source "// Generated by cmake/EmbedUi.cmake from ui/: do not edit.
#include \"api/ui_routes.h\"

#include <string_view>

namespace pipegrid::api {
namespace {

${defs}constexpr UiAsset kAssets[] = {
${table}};

}  // namespace

std::span<const UiAsset> EmbeddedUiAssets() { return kAssets; }

bool EmbeddedUiIsFallback() { return ${fallback_flag}; }

}  // namespace pipegrid::api
")
# Rewrite only on change, so an unchanged UI does not recompile pg_api.
set(tmp "${OUTPUT}.tmp")
file(WRITE "${tmp}" "${source}")
file(COPY_FILE "${tmp}" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${tmp}")
if(failure AND NPM)
  file(REMOVE "${STAMP}")  # a transient failure (the registry): retry next build
else()
  file(TOUCH "${STAMP}")
endif()
