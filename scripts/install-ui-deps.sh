#!/usr/bin/env bash
# Installs what the web UI builds and is tested with, only what is missing;
# safe to run again:
#   - node + npm, to build ui/ (Debian's nodejs and npm when no node is on the
#     PATH; a newer node already installed is kept);
#   - chromium, the headless browser of tests/browser (driven by playwright-core
#     from npm, which never downloads a browser of its own).
# A failure here never stops the build: without npm the binary serves a
# fallback page at "/", and without chromium the browser test is skipped.
set -uo pipefail

need=()
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# Fonts for readable screenshots; chromium recommends them, --no-install-recommends skips them.
dpkg-query -W -f='${Status}' fonts-dejavu-core 2>/dev/null | grep -q "install ok installed" ||
  need+=(fonts-dejavu-core)
if ((${#need[@]} == 0)); then
  exit 0
fi

echo "install-ui-deps: installing ${need[*]}"
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get update -qq; then
  echo "install-ui-deps: apt-get update failed; the UI or its browser test may be missing" >&2
  exit 0
fi
# One package at a time, so one that cannot be had does not keep the others out.
for p in "${need[@]}"; do
  $sudo apt-get install -y -qq --no-install-recommends "$p" ||
    echo "install-ui-deps: could not install $p" >&2
done
exit 0
