#!/usr/bin/env bash
# Installs what the operations-kit tests (tests/deploy) need: promtool, from
# the Debian package `prometheus`, and jq for the dashboard check. Only what is
# missing; safe to run again. The package also brings a Prometheus server;
# nothing here starts it (see policy-rc.d below).
set -euo pipefail

need=()
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v jq >/dev/null 2>&1 || need+=(jq)
if ((${#need[@]} == 0)); then
  exit 0
fi

echo "install-deploy-deps: installing ${need[*]}"
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# A policy-rc.d answering 101 keeps the package's maintainer scripts from
# starting the service through invoke-rc.d (containers, sysvinit). A machine
# booted with systemd still gets the unit enabled by the package; stop it
# with `systemctl disable --now prometheus` if it is unwanted.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod 755 "$policy"
  created_policy=1
fi
cleanup() { if ((created_policy)); then $sudo rm -f "$policy"; fi; }
trap cleanup EXIT

$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
command -v promtool >/dev/null 2>&1 || { echo "install-deploy-deps: promtool still missing" >&2; exit 1; }
