#!/usr/bin/env bash
# One promtool check of the operations kit, for ctest:
#   check_promtool.sh config|rules|test-rules|dashboard DEPLOY_DIR
# `dashboard` extracts every PromQL query of the Grafana dashboard (Grafana
# variables replaced by plausible values) into a recording-rule file, so
# promtool parses each one. promtool comes from Debian's `prometheus` and jq
# from `jq`: scripts/install-deploy-deps.sh installs both.
set -euo pipefail
check=$1 deploy=$2
prom="$deploy/prometheus"

for tool in promtool jq; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "$tool not found: run scripts/install-deploy-deps.sh" >&2
    exit 1
  fi
done

case "$check" in
  config)
    # The config reads the scrape token from pipegrid.token beside it, which
    # promtool insists exists: check a copy with a stand-in token.
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    cp "$prom"/*.yml "$tmp/"
    (umask 077 && echo "pgt_stand-in-for-the-check" >"$tmp/pipegrid.token")
    promtool check config "$tmp/prometheus.yml"
    ;;
  rules) promtool check rules "$prom/alerts.yml" ;;
  test-rules) promtool test rules "$prom/alerts_test.yml" ;;
  dashboard)
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    # $__rate_interval and friends are durations; other variables sit in
    # regex label matchers (instance=~"$instance").
    jq '{groups: [{name: "dashboard", rules: (
          [.. | objects | select(has("expr")) | .expr
              | gsub("\\$__[a-z_]+"; "5m")
              | gsub("\\$\\{?[A-Za-z_][A-Za-z0-9_]*(:[a-z]+)?\\}?"; ".*")]
          | to_entries | map({record: "dashboard:query_\(.key)", expr: .value}))}]}' \
      "$deploy/grafana/pipegrid-dashboard.json" >"$tmp/dashboard_rules.yml"
    count=$(jq '.groups[0].rules | length' "$tmp/dashboard_rules.yml")
    if [ "$count" -eq 0 ]; then
      echo "no queries found in the dashboard" >&2
      exit 1
    fi
    promtool check rules "$tmp/dashboard_rules.yml"
    ;;
  *)
    echo "usage: $0 config|rules|test-rules|dashboard DEPLOY_DIR" >&2
    exit 64
    ;;
esac
