#!/usr/bin/env bash
# First whole-system benchmark (issue "Foundation"):
#  1. 2000 tasks of `true` in one job on `pipegrid up --slots 2`, wall time,
#     against `xargs -P2 -n1 sh -c true` on the same machine in the same run;
#  2. submit->start latency of one-task jobs on an idle server, p50/p99 over 200.
# Prints figures; asserts nothing.
# usage: bench/foundation.sh [path/to/pipegrid] [tasks] [latency-jobs]
set -eu  # no pipefail: `grep | head -1` pipelines end early by design
bin=${1:-build/pipegrid}
tasks=${2:-2000}
probes=${3:-200}
here=$(cd "$(dirname "$0")" && pwd)
probe_bin=$(dirname "$bin")/bench/submit_latency
work=$(mktemp -d /tmp/pipegrid-bench.XXXXXX)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

now_ns() { date +%s%N; }

start_server() {  # $1: slots
  "$bin" up --data-dir "$work/data-$1" --http 127.0.0.1:0 --grpc 127.0.0.1:0 --slots "$1" \
    --log-level warn >"$work/up-$1.out" 2>"$work/up-$1.err" &
  server_pid=$!
  for _ in $(seq 1 300); do
    url=$(sed -n 's/.*url=\([^ ]*\).*/\1/p' "$work/up-$1.out")
    [ -n "$url" ] && return 0
    sleep 0.05
  done
  echo "server did not start" >&2; cat "$work/up-$1.err" >&2; exit 1
}
stop_server() { kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""; }

echo "machine: $(nproc) cores, $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ)"

# --- 1. fan-out of `true` ---
spec="$work/fanout.yaml"
{
  echo "apiVersion: pipegrid/v1"; echo "kind: Job"; echo "metadata: {name: fanout}"
  echo "spec:"; echo "  tasks:"
  for i in $(seq 1 "$tasks"); do echo "    - {name: t$i, steps: [{commands: [\"true\"]}]}"; done
} >"$spec"

start_server 2
t0=$(now_ns)
id=$(curl -fsS -H 'Content-Type: application/yaml' --data-binary @"$spec" "$url/api/v1/jobs" |
     grep -o '"id":"[^"]*"' | head -1 | cut -d'"' -f4)
while :; do
  state=$(curl -fsS "$url/api/v1/jobs/$id" | grep -o '"state":"[A-Z]*"' | head -1)
  case "$state" in *SUCCEEDED*|*FAILED*|*CANCELLED*) break ;; esac
  sleep 0.02
done
t1=$(now_ns)
pg_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", (b-a)/1e9}')
echo "pipegrid: $tasks tasks of true, 2 slots: ${pg_s}s (${state}), $(awk -v n="$tasks" -v s="$pg_s" 'BEGIN{printf "%.0f", n/s}') tasks/s"
rss_kb=$(awk '/VmRSS/{print $2}' "/proc/$server_pid/status")
echo "pipegrid up RSS after the run: $((rss_kb / 1024)) MiB"
stop_server

t0=$(now_ns)
seq 1 "$tasks" | xargs -P2 -n1 sh -c true
t1=$(now_ns)
xa_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", (b-a)/1e9}')
echo "xargs -P2 -n1 sh -c true: ${xa_s}s"
echo "ratio pipegrid/xargs: $(awk -v a="$pg_s" -v b="$xa_s" 'BEGIN{printf "%.2f", a/b}')"

# --- 2. submit->start latency ---
start_server 2
mkdir -p "$work/marks"
"$probe_bin" "$url" "$probes" "$work/marks"
stop_server
