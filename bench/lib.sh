# Shell functions shared by bench/suite.sh, s1.sh, m1.sh and distributed.sh.
# Sourced, not run: `. "$here/lib.sh"` once `set -eu`, $bin and $here are set.
# bench_init makes $work and $started, which most of the rest uses.
me=${0##*/}  # the script's name, for its messages

now_ns() { date +%s%N; }

# Flags come from the script only, never from the caller's environment.
unset_pipegrid_env() { unset $(compgen -e | grep '^PIPEGRID_') 2>/dev/null || true; }

positive_int() {  # NAME VALUE: exits 64 unless VALUE is a positive integer
  case "$2" in '' | *[!0-9]* | 0) echo "$1 must be a positive integer" >&2; exit 64 ;; esac
}

# bench_init NAME SECONDS: makes $work (/tmp/pipegrid-bench-NAME.XXXXXX) and
# $started (pids of every process started here, the watchdog first); at exit,
# kills them and removes $work. The watchdog sends this script SIGTERM after
# SECONDS; its sleeps are short, so that killing it leaves no long `sleep`
# behind.
bench_init() {
  work=$(mktemp -d "/tmp/pipegrid-bench-$1.XXXXXX")
  started=""
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  ( for _ in $(seq 1 "$2"); do sleep 1; done; echo "$me: timed out" >&2; kill -TERM $$ ) &
  started=$!
}
# Tasks run in their own process groups with a cwd under $work, and so do
# peers' workers and their children: a kill -9 of their parent leaves them
# behind, and their cwd is how they are found.
kill_strays() {
  for p in /proc/[0-9]*; do
    case "$(readlink "$p/cwd" 2>/dev/null)" in "$work"/*) kill -KILL "${p#/proc/}" 2>/dev/null ;; esac
  done
  return 0
}
cleanup() {
  set +e  # a failing `wait` must not cut the cleanup short
  for p in $started; do kill -KILL "$p"; done 2>/dev/null
  for p in $started; do wait "$p"; done 2>/dev/null
  kill_strays
  rm -rf "$work"
}

# stop_pid PID SIGNAL [SECONDS]: that signal, SIGKILL if still there after
# SECONDS (default 10); sets $stop_rc, the exit status `wait` gives. Quiet:
# bash would report a job killed by a signal on stderr.
stop_pid() {
  stop_rc=0
  {
    kill "-$2" "$1" || return 0
    for _ in $(seq 1 $((${3:-10} * 20))); do kill -0 "$1" || break; sleep 0.05; done
    kill -KILL "$1"
    wait "$1" || stop_rc=$?
  } 2>/dev/null || true
}

# ---------- dependencies ----------
apt_install() {  # packages...: installs what is missing; returns 1 on failure
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} = 0 ] && return 0
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "$me: installing ${missing[*]} (apt)"
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
      $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$work/apt.log" 2>&1
}
need() {  # command package: exits 64 if the command is missing and apt cannot install it
  command -v "$1" >/dev/null || apt_install "$2" || { echo "$me needs $1 ($2)" >&2; exit 64; }
}

# ---------- pipegrid ----------
# start_server TAG up|master FLAGS...: sets $url, $grpc, $server_pid.
start_server() {
  local tag=$1 cmd=$2
  shift 2
  mkdir -p "$work/$tag"
  "$bin" "$cmd" --data-dir "$work/$tag/data" --http 127.0.0.1:0 --grpc 127.0.0.1:0 \
    --log-level warn "$@" >"$work/$tag/server.out" 2>"$work/$tag/server.err" &
  server_pid=$!
  started="$started $server_pid"
  for _ in $(seq 1 300); do
    url=$(sed -n 's/.*url=\([^ ]*\).*/\1/p' "$work/$tag/server.out")
    grpc=$(sed -n 's/.* grpc=\([^ ]*\).*/\1/p' "$work/$tag/server.out")
    [ -n "$url" ] && return 0
    sleep 0.05
  done
  echo "pipegrid $cmd did not start" >&2; cat "$work/$tag/server.err" >&2; exit 1
}
# start_worker TAG NAME [SLOTS]: a worker of the master at $grpc, --slots
# SLOTS if given (else the worker's default); sets $worker_pid, appends it to
# $workers.
start_worker() {
  "$bin" worker --master "$grpc" --name "$2" ${3:+--slots "$3"} --work-dir "$work/$1/$2" \
    --log-level warn >"$work/$1/$2.out" 2>"$work/$1/$2.err" &
  worker_pid=$!
  workers="${workers:-} $worker_pid"
  started="$started $worker_pid"
}

# ---------- results ----------
# describe_run: sets $machine (cores, memory, CPU, OS, kernel, load now),
# $stamp and $version, and prints the machine line.
describe_run() {
  machine="$(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(
    sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(
    . /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
  stamp=$(date -u +%Y-%m-%dT%H:%MZ)
  version=$("$bin" version | head -1)
  echo "machine: $machine"
}
# append_results TITLE SUMMARY NOTE...: appends to bench/RESULTS.md a section
# "$stamp — TITLE" with the machine, the binary, the NOTE lines and the SUMMARY
# file as a code block.
append_results() {
  local title=$1 summary=$2 note
  shift 2
  {
    echo
    echo "## $stamp — $title"
    echo
    echo "Machine: $machine. Binary: \`$version\`."
    for note in "$@"; do echo "$note"; done
    echo
    echo '```'
    cat "$summary"
    echo '```'
  } >>"$here/RESULTS.md"
  echo "appended to $here/RESULTS.md"
}
