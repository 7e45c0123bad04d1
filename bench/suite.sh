#!/usr/bin/env bash
# Benchmark suite of issue 6 "Performance": the measuring stick, all on loopback.
# Workloads, the same for every system:
#   W1 fan-out   2000 independent `true` (each via /bin/sh -c), 2 slots
#   W2 chain     200 `true`, each depending on the previous one
#   W3 diamond   1 `true` -> 500 parallel `true` -> 1 join `true`
#   W4 sleep     200 x `sleep 0.05`, 2 slots
#   L1 submit->start of a one-task job (the task writes `date +%s%N`), 200
#      sequential jobs, each on an idle server: p50 and p99
# Systems: pipegrid-up (`up --slots 2`; W1 also with `--sync full`),
# pipegrid-cluster (`master` + 2 x `worker --slots 1`), the floors (xargs -P2,
# GNU parallel -j2, a shell loop for W2 and the W3 shape, a direct spawn for
# L1) and, when Debian has them, Celery (redis-server broker) and Dask
# (LocalCluster) for W1-W3.
# Each figure is the median of RUNS interleaved runs (every system once per
# run, the order rotated from run to run), printed with min and max as
# `system workload N seconds rate`, then a table of the issue's targets with
# PASS/MISS; everything is appended to bench/RESULTS.md with date and machine.
# pipegrid's time runs from just before the POST to the job's `finishedAt`
# (ms resolution; the job list is polled every 50 ms only to learn that it
# ended, so polling neither adds to the figure nor loads the machine much).
# usage: [RUNS=5] [PEERS=0] bench/suite.sh [path/to/pipegrid]
set -eu  # no pipefail: `grep | head -1` pipelines end early by design
bin=$(realpath "${1:-build/pipegrid}")
runs=${RUNS:-5}
peers=${PEERS:-1}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
py=/usr/bin/python3  # Debian's: the peers come from Debian packages
command -v jq >/dev/null || { echo "suite.sh needs jq" >&2; exit 64; }
[ -x "$bin" ] || { echo "no pipegrid binary at $bin" >&2; exit 64; }
positive_int RUNS "$runs"
unset_pipegrid_env

W1_N=2000 W2_N=200 W3_MID=500 W4_N=200 L1_N=200
W3_N=$((W3_MID + 2))

# Bounded: about 80 s a run on this machine; the watchdog allows 5 minutes a
# run.
bench_init suite $((300 + runs * 300))
results="$work/results.tsv"  # system workload n seconds, one line per run

record() {  # system workload n seconds
  echo "$1 $2 $3 $4" >>"$results"
  case $2 in
    L1*) printf '  run %s: %-18s %-6s %5s %10.3f ms\n' "$run" "$1" "$2" "$3" \
           "$(awk -v s="$4" 'BEGIN{print s * 1000}')" ;;
    *) printf '  run %s: %-18s %-6s %5s %10.4f s %10.1f /s\n' "$run" "$1" "$2" "$3" "$4" \
         "$(awk -v n="$3" -v s="$4" 'BEGIN{print (s > 0 ? n / s : 0)}')" ;;
  esac
}
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.6f", (b - a) / 1e9}'; }

# ---------- dependencies ----------
have_parallel=1
apt_install parallel || have_parallel=0
[ -x /usr/bin/parallel ] || have_parallel=0
[ "$have_parallel" = 1 ] || echo "floor parallel: not available (apt-get install parallel failed)"
have_celery=0 have_dask=0
if [ "$peers" = 1 ]; then
  if apt_install python3-celery python3-redis redis-server &&
     "$py" -c 'import celery, redis' 2>/dev/null && command -v redis-server >/dev/null; then
    have_celery=1
  else
    echo "peer celery: not available (python3-celery/redis-server did not install, see apt)"
  fi
  if apt_install python3-distributed && "$py" -c 'import distributed' 2>/dev/null; then
    have_dask=1
  else
    echo "peer dask: not available (python3-distributed did not install, see apt)"
  fi
else
  echo "peer celery: not available (PEERS=0)"
  echo "peer dask: not available (PEERS=0)"
fi

# ---------- specs (JSON, as POST /api/v1/jobs takes them) ----------
# gen_spec SHAPE: fan N CMD | chain N | diamond MID
gen_spec() {
  awk -v shape="$1" -v n="$2" -v cmd="${3:-true}" 'BEGIN {
    printf "{\"apiVersion\":\"pipegrid/v1\",\"kind\":\"Job\",\"metadata\":{\"name\":\"%s\"},", shape
    printf "\"spec\":{\"tasks\":["
    step = "\"steps\":[{\"commands\":[\"" cmd "\"]}]}"
    if (shape == "fan" || shape == "chain") {
      for (i = 1; i <= n; i++) {
        dep = (shape == "chain" && i > 1) ? sprintf("\"dependsOn\":[\"t%d\"],", i - 1) : ""
        printf "%s{\"name\":\"t%d\",%s%s", (i > 1 ? "," : ""), i, dep, step
      }
    } else {
      printf "{\"name\":\"a\",%s", step
      for (i = 1; i <= n; i++) printf ",{\"name\":\"m%d\",\"dependsOn\":[\"a\"],%s", i, step
      printf ",{\"name\":\"z\",\"dependsOn\":["
      for (i = 1; i <= n; i++) printf "%s\"m%d\"", (i > 1 ? "," : ""), i
      printf "],%s", step
    }
    printf "]}}\n"
  }'
}
gen_spec fan "$W1_N" >"$work/w1.json"
gen_spec chain "$W2_N" >"$work/w2.json"
gen_spec diamond "$W3_MID" >"$work/w3.json"
gen_spec fan "$W4_N" "sleep 0.05" >"$work/w4.json"

# ---------- pipegrid ----------
# start_server and start_worker come from lib.sh.
wait_ready_workers() {  # count
  local deadline=$(($(date +%s) + 30))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    [ "$(curl -fsS "$url/api/v1/workers" |
         jq "[.items[] | select(.state == \"READY\")] | length")" = "$1" ] && return 0
    sleep 0.05
  done
  echo "workers not READY within 30 s" >&2; exit 1
}

# pg_job SYSTEM WORKLOAD N SPEC: one job, POST -> finishedAt.
pg_job() {
  local t0 id body deadline state fin
  t0=$(now_ns)
  curl -fsS -H 'Content-Type: application/json' --data-binary @"$4" -o "$work/resp.json" \
    "$url/api/v1/jobs"
  # The Job's keys are sorted: its own "id" comes before any task's.
  id=$(head -c 4096 "$work/resp.json" | grep -o '"id":"[^"]*"' | head -1 | cut -d'"' -f4)
  deadline=$(($(date +%s) + 300))
  while :; do
    body=$(curl -fsS "$url/api/v1/jobs?limit=1")
    case "$body" in
      *"\"id\":\"$id\""*'"state":"SUCCEEDED"'* | *"\"id\":\"$id\""*'"state":"FAILED"'* | \
      *"\"id\":\"$id\""*'"state":"CANCELLED"'*) break ;;
    esac
    [ "$(date +%s)" -lt "$deadline" ] || { echo "$1 $2: job $id not finished in 300 s" >&2; exit 1; }
    sleep 0.05
  done
  state=$(jq -r '.items[0].state' <<<"$body")
  fin=$(jq -r '.items[0].finishedAt' <<<"$body")
  [ "$state" = SUCCEEDED ] || { echo "$1 $2: job $id ended $state" >&2; exit 1; }
  record "$1" "$2" "$3" "$(elapsed "$t0" "$(date -d "$fin" +%s%N)")"
}
pg_l1() {  # SYSTEM
  local r
  r=$(timeout 120 "$py" "$here/suite/l1_latency.py" "$url" "$L1_N" "$work/l1-$run-$1")
  record "$1" L1p50 "$L1_N" "${r%% *}"
  r=${r#* }
  record "$1" L1p99 "$L1_N" "${r%% *}"
}
pg_workloads() {  # SYSTEM
  pg_job "$1" W1 "$W1_N" "$work/w1.json"
  pg_job "$1" W2 "$W2_N" "$work/w2.json"
  pg_job "$1" W3 "$W3_N" "$work/w3.json"
  pg_job "$1" W4 "$W4_N" "$work/w4.json"
  pg_l1 "$1"
}

sys_pipegrid_up() {
  start_server "r$run-up" up --slots 2
  pg_workloads pipegrid-up
  stop_pid "$server_pid" TERM
  rm -rf "$work/r$run-up"
}
sys_pipegrid_up_full() {  # W1 with every commit fsynced (--sync full)
  start_server "r$run-upfull" up --slots 2 --sync full
  pg_job pipegrid-up-full W1 "$W1_N" "$work/w1.json"
  stop_pid "$server_pid" TERM
  rm -rf "$work/r$run-upfull"
}
sys_pipegrid_cluster() {
  local w
  workers=""
  start_server "r$run-cluster" master
  start_worker "r$run-cluster" w1 1
  start_worker "r$run-cluster" w2 1
  wait_ready_workers 2
  pg_workloads pipegrid-cluster
  for w in $workers; do stop_pid "$w" TERM; done
  stop_pid "$server_pid" TERM
  rm -rf "$work/r$run-cluster"
}

# ---------- floors ----------
# floor SYSTEM WORKLOAD N COMMAND...: wall time of the command, from bash.
floor() {
  local sys=$1 wl=$2 n=$3 t0 t1
  shift 3
  t0=$(now_ns)
  timeout 300 "$@" >/dev/null || { echo "$sys $wl: the floor command failed" >&2; exit 1; }
  t1=$(now_ns)
  record "$sys" "$wl" "$n" "$(elapsed "$t0" "$t1")"
}
shell_chain() { for _ in $(seq 1 "$1"); do sh -c true; done; }
diamond() {  # the W3 shape with $@ as the runner of the middle
  sh -c true
  seq 1 "$W3_MID" | "$@"
  sh -c true
}
export -f shell_chain diamond
export W3_MID

sys_floors() {
  floor xargs W1 "$W1_N" sh -c "seq 1 $W1_N | xargs -P2 -n1 sh -c true"
  floor shell W2 "$W2_N" bash -c "shell_chain $W2_N"
  floor xargs W3 "$W3_N" bash -c "diamond xargs -P2 -n1 sh -c true"
  floor xargs W4 "$W4_N" sh -c "seq 1 $W4_N | xargs -P2 -n1 sh -c 'sleep 0.05'"
  local r
  r=$(timeout 120 "$py" "$here/suite/l1_latency.py" --floor "$L1_N" "$work/l1-$run-floor")
  record spawn L1p50 "$L1_N" "${r%% *}"
  r=${r#* }
  record spawn L1p99 "$L1_N" "${r%% *}"
}
sys_parallel() {
  [ "$have_parallel" = 1 ] || return 0
  # -q: parallel hands the command to a shell; quoted, it runs as xargs runs it.
  floor parallel W1 "$W1_N" sh -c "seq 1 $W1_N | parallel --will-cite -j2 -n1 -q sh -c true"
  floor parallel W3 "$W3_N" bash -c "diamond parallel --will-cite -j2 -n1 -q sh -c true"
  floor parallel W4 "$W4_N" sh -c "seq 1 $W4_N | parallel --will-cite -j2 -n1 -q sh -c 'sleep 0.05'"
}

# ---------- peers ----------
free_port() {
  "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
peer_lines() {  # SYSTEM: records the `WORKLOAD N SECONDS` lines of peers.py
  local wl n s
  while read -r wl n s; do record "$1" "$wl" "$n" "$s"; done
}
sys_celery() {
  [ "$have_celery" = 1 ] || return 0
  local dir="$work/r$run-celery" port redis_pid out
  mkdir -p "$dir"
  port=$(free_port)
  (cd "$dir" && exec redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
     --protected-mode yes --loglevel warning) >"$dir/redis.out" 2>&1 &
  redis_pid=$!
  started="$started $redis_pid"
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.05
  done
  out=$(cd "$dir" && timeout 300 "$py" "$here/suite/peers.py" celery \
          "redis://127.0.0.1:$port/0" W1 W2 W3 2>"$dir/peers.err") ||
    { echo "celery run failed:" >&2; tail -5 "$dir/peers.err" >&2; }
  peer_lines celery <<<"$out"
  stop_pid "$redis_pid" TERM
  kill_strays
  rm -rf "$dir"
}
sys_dask() {
  [ "$have_dask" = 1 ] || return 0
  local dir="$work/r$run-dask" out
  mkdir -p "$dir"
  out=$(cd "$dir" && timeout 300 "$py" "$here/suite/peers.py" dask W1 W2 W3 2>"$dir/peers.err") ||
    { echo "dask run failed:" >&2; tail -5 "$dir/peers.err" >&2; }
  peer_lines dask <<<"$out"
  kill_strays
  rm -rf "$dir"
}

# ---------- runs ----------
describe_run
echo "date: $stamp   runs: $runs   binary: $bin ($version)"
echo "pipegrid-up:      up --slots 2 (--sync normal; pipegrid-up-full: --sync full, W1 only)"
echo "pipegrid-cluster: master + 2 x worker --slots 1, plaintext gRPC on loopback"
echo "floors: xargs -P2 -n1 sh -c CMD; parallel --will-cite -j2 -n1 -q sh -c CMD;" \
     "shell: a bash loop of sh -c true; spawn: posix_spawn of the L1 command"
echo "peers: celery (prefork --concurrency 2, redis broker+backend), dask (LocalCluster 2 x 1 thread)"

systems=(sys_pipegrid_up sys_pipegrid_cluster sys_floors sys_parallel sys_celery sys_dask
         sys_pipegrid_up_full)
for run in $(seq 1 "$runs"); do
  echo "run $run/$runs"
  # Rotated order: no system always follows the same one.
  for i in $(seq 0 $((${#systems[@]} - 1))); do
    "${systems[$(((i + run - 1) % ${#systems[@]}))]}"
  done
done

# ---------- summary ----------
summary="$work/summary.txt"
W1_N=$W1_N W2_N=$W2_N W3_N=$W3_N "$here/suite/report.sh" "$results" >"$summary"
echo
cat "$summary"
[ "$have_celery$have_dask" = 11 ] || echo "(peers missing: their targets are left out)"

notes=("pipegrid time = POST → the job's \`finishedAt\`; floors and peers: wall time.")
[ "$have_celery" = 1 ] || notes+=("Celery: not available.")
[ "$have_dask" = 1 ] || notes+=("Dask: not available.")
append_results "suite (\`make bench-suite\` = \`bench/suite.sh\`), RUNS=$runs" "$summary" "${notes[@]}"
