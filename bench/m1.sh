#!/usr/bin/env bash
# M1 of issue 6 "Performance": memory, all on loopback, in one run. VmRSS and
# its anonymous part RssAnon from /proc/PID/status of
#  a. `pipegrid up --slots 2`, idle after start;
#  b. the same server after M1_TASKS (default 100,000) finished `true` tasks,
#     submitted as jobs of 2000 tasks, one after the other, each waited for;
#  c. an idle `pipegrid worker --master ADDR` registered with `pipegrid master`;
#  d. bench/grpc_floor, a bare gRPC C++ client from the same Debian libraries
#     holding one open stream to that master: the floor gRPC alone costs.
# Prints the figures and the issue's targets with PASS/MISS (MB read as MiB,
# 1024 kB of /proc), and appends them to bench/RESULTS.md.
# usage: [M1_TASKS=100000] bench/m1.sh [path/to/pipegrid]
set -eu  # no pipefail: `grep | head -1` pipelines end early by design
bin=$(realpath "${1:-build/pipegrid}")
tasks=${M1_TASKS:-100000}
per_job=2000
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
[ -x "$bin" ] || { echo "no pipegrid binary at $bin" >&2; exit 64; }
positive_int M1_TASKS "$tasks"
unset_pipegrid_env

# Bounded: 100,000 tasks take about 5 minutes here; the watchdog allows 5
# minutes plus 1 s a 100 tasks.
bench_init m1 $((300 + tasks / 100))

# ---------- dependencies ----------
need jq jq
need curl curl

floor_bin=$(dirname "$bin")/bench/grpc_floor
if [ ! -x "$floor_bin" ]; then
  need g++ g++
  need pkg-config pkg-config
  pkg-config --exists grpc++ || apt_install libgrpc++-dev ||
    { echo "m1.sh needs libgrpc++-dev" >&2; exit 64; }
  floor_bin="$work/grpc_floor"
  # Unquoted on purpose: pkg-config prints several flags.
  g++ -O2 -std=c++20 "$here/grpc_floor.cc" $(pkg-config --cflags --libs grpc++) -o "$floor_bin"
fi

# wait_for SECONDS FILE TEXT: until FILE holds TEXT; 1 on timeout.
wait_for() {
  for _ in $(seq 1 $(($1 * 20))); do
    grep -q "$3" "$2" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

# mem PID: "VmRSS RssAnon RssFile VmHWM", kB. RssFile is mostly the mapped
# binary and libraries, shared with any other process that maps them.
mem() {
  awk '/^VmRSS/{r=$2} /^RssAnon/{a=$2} /^RssFile/{f=$2} /^VmHWM/{h=$2} END{print r, a, f, h}' \
    "/proc/$1/status"
}
figures="$work/figures.txt"  # label|VmRSS|RssAnon|RssFile|VmHWM, kB
measure() {  # LABEL PID
  echo "$1|$(mem "$2" | tr ' ' '|')" >>"$figures"
  awk -F'|' 'END{printf "  %-40s VmRSS %6.1f MiB  RssAnon %6.1f  RssFile %6.1f  VmHWM %6.1f\n",
                 $1, $2/1024, $3/1024, $4/1024, $5/1024}' "$figures"
}

gen_spec() {  # N: one job of N independent `true` tasks, JSON
  awk -v n="$1" 'BEGIN {
    printf "{\"apiVersion\":\"pipegrid/v1\",\"kind\":\"Job\",\"metadata\":{\"name\":\"m1-%d\"},", n
    printf "\"spec\":{\"tasks\":["
    for (i = 1; i <= n; i++) printf "%s{\"name\":\"t%d\",\"steps\":[{\"commands\":[\"true\"]}]}", (i > 1 ? "," : ""), i
    printf "]}}\n"
  }'
}

# run_job SPEC: POST, then GET /api/v1/jobs/{id} until it ended; adds to
# $succeeded. The Job's keys are sorted, its own "state" before its tasks',
# so the head of the answer tells; jq reads the counters once, at the end.
run_job() {
  local id state="" deadline t0
  t0=$(date +%s%N)
  id=$(curl -fsS -H 'Content-Type: application/json' --data-binary @"$1" "$url/api/v1/jobs" |
       jq -r .id)
  deadline=$(($(date +%s) + 300))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    curl -fsS -o "$work/job.json" "$url/api/v1/jobs/$id"
    state=$(head -c 4096 "$work/job.json" | grep -o '"state":"[A-Z]*"' | head -1 | cut -d'"' -f4)
    case "$state" in SUCCEEDED | FAILED | CANCELLED) break ;; esac
    sleep 0.25
  done
  case "$state" in SUCCEEDED | FAILED | CANCELLED) ;; *) echo "job $id not finished in 300 s" >&2; exit 1 ;; esac
  succeeded=$((succeeded + $(jq '.counters.SUCCEEDED' "$work/job.json")))
  echo $(($(date +%s%N) - t0)) >>"$work/job-ns.txt"
}

describe_run
echo "date: $stamp   binary: $bin ($version)   M1_TASKS=$tasks"

# --- a, b: pipegrid up ---
start_server up up --slots 2
sleep 2  # settled: recovery done, the embedded worker registered
measure "pipegrid-up idle" "$server_pid"
gen_spec "$per_job" >"$work/full.json"
[ $((tasks % per_job)) = 0 ] || gen_spec $((tasks % per_job)) >"$work/rest.json"
succeeded=0
t0=$(date +%s%N)
for _ in $(seq 1 $((tasks / per_job))); do run_job "$work/full.json"; done
[ ! -e "$work/rest.json" ] || run_job "$work/rest.json"
run_s=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN{printf "%.1f", (b - a) / 1e9}')
sleep 2  # settled: workspaces removed, the last commits written
measure "pipegrid-up after $tasks tasks" "$server_pid"
# A store that fills up must not slow the jobs down: first, median, last.
job_s=$(sort -n "$work/job-ns.txt" | awk -v first="$(head -1 "$work/job-ns.txt")" \
  -v last="$(tail -1 "$work/job-ns.txt")" '{t[NR] = $1} END {
  printf "first %.2f s, median %.2f s, last %.2f s", first / 1e9, t[int((NR + 1) / 2)] / 1e9, last / 1e9
}')
echo "  ($succeeded of $tasks tasks SUCCEEDED in $run_s s; time a job: $job_s)"
stop_pid "$server_pid" TERM
kill_strays

# --- c, d: an idle worker and the bare gRPC client, side by side ---
start_server cluster master
start_worker cluster w1
"$floor_bin" "$grpc" /pipegrid.v1.WorkerService/Connect >"$work/cluster/floor.out" \
  2>"$work/cluster/floor.err" &
floor_pid=$!
started="$started $floor_pid"
ready=""
for _ in $(seq 1 600); do
  ready=$(curl -fsS "$url/api/v1/workers" | jq -r '.items[] | select(.name == "w1") | .state')
  [ "$ready" = READY ] && break
  sleep 0.05
done
[ "$ready" = READY ] || { echo "worker w1 not READY within 30 s" >&2; cat "$work/cluster/w1.err" >&2; exit 1; }
wait_for 30 "$work/cluster/floor.out" "stream open" ||
  { echo "grpc_floor did not open its stream" >&2; cat "$work/cluster/floor.err" >&2; exit 1; }
sleep 2  # settled: a heartbeat or two
measure "pipegrid-worker idle (registered)" "$worker_pid"
measure "grpc_floor (one open stream)" "$floor_pid"
stop_pid "$floor_pid" TERM
stop_pid "$worker_pid" TERM
stop_pid "$server_pid" TERM

# ---------- summary ----------
summary="$work/summary.txt"
{
  echo "process (MiB)                                VmRSS  RssAnon  RssFile    VmHWM"
  awk -F'|' '{printf "%-40s %9.1f %8.1f %8.1f %8.1f\n", $1, $2/1024, $3/1024, $4/1024, $5/1024}' \
    "$figures"
  echo "($succeeded of $tasks tasks SUCCEEDED in $run_s s, jobs of $per_job, up --slots 2;" \
       "time a job: $job_s;" \
       "worker: default flags; grpc_floor: $(basename "$floor_bin"), plaintext)"
  for f in "$work"/*/server.err "$work/cluster/w1.err"; do
    [ -s "$f" ] || continue
    echo "stderr of ${f#"$work"/}: $(wc -l <"$f") lines, first ones:"
    head -3 "$f" | cut -c1-200 | sed 's/^/  /'
  done
  echo
  awk -F'|' -v tasks="$tasks" '
    function row(t, m, ok) { printf "%-56s %-26s %s\n", t, m, ok ? "PASS" : "MISS" }
    { rss[NR] = $2 / 1024; anon[NR] = $3 / 1024 }
    END {
      printf "%-56s %-26s %s\n", "target", "measured", "verdict"
      row("up idle VmRSS <= 40 MiB", sprintf("%.1f MiB", rss[1]), rss[1] <= 40)
      note = tasks == 100000 ? "" : sprintf(" (run: %d)", tasks)
      row("up VmRSS after 100,000 tasks <= 150 MiB" note, sprintf("%.1f MiB", rss[2]), rss[2] <= 150)
      row("idle worker RssAnon <= 4 MiB", sprintf("%.1f MiB", anon[3]), anon[3] <= 4)
      row("idle worker VmRSS <= 1.3x the bare gRPC client",
          sprintf("%.2fx (%.1f / %.1f MiB)", rss[3] / rss[4], rss[3], rss[4]), rss[3] <= 1.3 * rss[4])
    }' "$figures"
} >"$summary"
echo
cat "$summary"

append_results "m1 (\`bench/m1.sh\`), memory, M1_TASKS=$tasks" "$summary" \
  "VmRSS and RssAnon from /proc/PID/status, each process settled for 2 s first."
