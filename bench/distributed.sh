#!/usr/bin/env bash
# Distributed benchmark (issue 4 "Distributed"), all on loopback, in one run:
#  a. dispatch throughput: one job of N independent `true` tasks (default
#     2000), submit -> job SUCCEEDED, on `pipegrid up --slots 2`, on
#     `pipegrid master` + 2 `pipegrid worker --slots 1`, and + 2 workers
#     `--slots 2`;
#  b. recovery: kill -9 of a worker running two `sleep 30` tasks -> both
#     RUNNING on the other worker, with --worker-timeout 10s (the default)
#     and 2s;
#  c. worker memory (VmRSS and its anonymous part RssAnon, /proc/PID/status):
#     idle, busy with two `sleep` tasks, and after the dispatch run.
# Prints figures; asserts nothing. Needs curl and jq (`make deps` installs both).
# usage: bench/distributed.sh [path/to/pipegrid] [tasks]
set -eu  # no pipefail: `grep | head -1` pipelines end early by design
bin=${1:-build/pipegrid}
tasks=${2:-2000}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
command -v jq >/dev/null || { echo "distributed.sh needs jq" >&2; exit 64; }
[ -x "$bin" ] || { echo "no pipegrid binary at $bin" >&2; exit 64; }
# Bounded: the whole run ends within 10 minutes whatever happens.
bench_init dist 600

secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", (b-a)/1e9}'; }

# wait_until SECONDS JQ-FILTER PATH: polls GET PATH until the filter prints
# true; returns 1 on timeout.
wait_until() {
  local deadline=$(($(date +%s) + $1))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    [ "$(curl -fsS "$url$3" | jq -r "$2")" = true ] && return 0
    sleep 0.02
  done
  echo "timed out waiting for $2 on $3" >&2
  return 1
}
wait_ready_workers() {  # $1: how many
  wait_until 30 "[.items[] | select(.state == \"READY\")] | length == $1" /api/v1/workers
}
submit() {  # $1: spec file; prints the job id
  curl -fsS -H 'Content-Type: application/yaml' --data-binary @"$1" "$url/api/v1/jobs" | jq -r .id
}
# "VmRSS MiB / RssAnon MiB" of a pid.
mem() {
  awk '/^VmRSS/{r=$2} /^RssAnon/{a=$2} END{printf "%.1f MiB / %.1f MiB", r/1024, a/1024}' \
    "/proc/$1/status"
}

echo "machine: $(nproc) cores, $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "binary: $bin ($("$bin" version 2>/dev/null | head -1))"

# --- a. dispatch throughput ---
fanout="$work/fanout.yaml"
{
  echo "apiVersion: pipegrid/v1"; echo "kind: Job"; echo "metadata: {name: fanout}"
  echo "spec:"; echo "  tasks:"
  for i in $(seq 1 "$tasks"); do echo "    - {name: t$i, steps: [{commands: [\"true\"]}]}"; done
} >"$fanout"

# Submit -> SUCCEEDED; polls the job list (a summary with counters) rather
# than the job itself, whose JSON carries every task.
run_fanout() {  # $1: label
  local t0 t1 s
  t0=$(now_ns)
  submit "$fanout" >/dev/null
  wait_until 300 '.items[0].state | IN("SUCCEEDED", "FAILED", "CANCELLED")' "/api/v1/jobs?limit=1"
  t1=$(now_ns)
  state=$(curl -fsS "$url/api/v1/jobs?limit=1" | jq -r '.items[0].state')
  s=$(secs "$t0" "$t1")
  printf '  %-40s %7.2f s  %5.0f tasks/s  (%s)\n' "$1:" "$s" \
    "$(awk -v n="$tasks" -v s="$s" 'BEGIN{print n/s}')" "$state"
}

echo
echo "a. dispatch: one job of $tasks independent \`true\` tasks, submit -> job finished"
start_server a-up up --slots 2
run_fanout "up --slots 2"
stop_pid "$server_pid" TERM

for slots in 1 2; do
  tag=a-master-$slots
  start_server "$tag" master
  start_worker "$tag" w1 "$slots"; w1=$worker_pid
  start_worker "$tag" w2 "$slots"; w2=$worker_pid
  wait_ready_workers 2
  run_fanout "master + 2 workers --slots $slots"
  after_run="$(mem "$w1")"
  stop_pid "$w1" TERM; stop_pid "$w2" TERM; stop_pid "$server_pid" TERM
done

# --- b. recovery from a worker's kill -9 ---
sleepers="$work/sleepers.yaml"
cat >"$sleepers" <<'EOF'
apiVersion: pipegrid/v1
kind: Job
metadata: {name: sleepers}
spec:
  tasks:
    - {name: s1, steps: [{commands: ["sleep 30"]}]}
    - {name: s2, steps: [{commands: ["sleep 30"]}]}
EOF

echo
echo "b. kill -9 of a worker running 2 \`sleep 30\` tasks -> both RUNNING on the other worker"
for timeout in 10s 2s; do
  tag=b-$timeout
  start_server "$tag" master --worker-timeout "$timeout"
  start_worker "$tag" w1 2; w1=$worker_pid
  wait_ready_workers 1
  id=$(submit "$sleepers")
  wait_until 30 '[.tasks[] | select(.state == "RUNNING" and .worker == "w1")] | length == 2' \
    "/api/v1/jobs/$id"
  start_worker "$tag" w2 2; w2=$worker_pid
  wait_ready_workers 2
  t0=$(now_ns)
  { kill -KILL "$w1"; wait "$w1"; } 2>/dev/null || true
  lost=""
  deadline=$(($(date +%s) + 60))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if [ -z "$lost" ] &&
       [ "$(curl -fsS "$url/api/v1/workers" | jq -r '.items[] | select(.name == "w1") | .state')" = LOST ]; then
      lost=$(secs "$t0" "$(now_ns)")
    fi
    n=$(curl -fsS "$url/api/v1/jobs/$id" |
        jq '[.tasks[] | select(.state == "RUNNING" and .worker == "w2")] | length')
    if [ "$n" = 2 ]; then
      # LOST and the requeue are one step of the master: seen together.
      [ -n "$lost" ] || lost=$(secs "$t0" "$(now_ns)")
      break
    fi
    sleep 0.02
  done
  moved=$(secs "$t0" "$(now_ns)")
  [ "$n" = 2 ] || moved="not within 60s"
  printf '  --worker-timeout %-4s w1 LOST after %s s, its tasks RUNNING on w2 after %s s\n' \
    "$timeout" "${lost:-?}" "$moved"
  stop_pid "$w2" KILL; stop_pid "$server_pid" TERM; kill_strays
done

# --- c. worker memory ---
echo
echo "c. worker memory, VmRSS / RssAnon (worker --slots 2)"
tag=c
start_server "$tag" master
start_worker "$tag" w1 2; w1=$worker_pid
wait_ready_workers 1
# Settled: registered and heartbeating for a second.
sleep 1
printf '  %-40s %s\n' "idle:" "$(mem "$w1")"
id=$(submit "$sleepers")
wait_until 30 '[.tasks[] | select(.state == "RUNNING")] | length == 2' "/api/v1/jobs/$id"
sleep 1  # output shipping and heartbeats under way
printf '  %-40s %s\n' "busy (2 sleep tasks running):" "$(mem "$w1")"
printf '  %-40s %s\n' "after the $tasks-task run (a, --slots 2):" "$after_run"
stop_pid "$w1" KILL; stop_pid "$server_pid" TERM
