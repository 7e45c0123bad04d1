#!/usr/bin/env bash
# make run: start `pipegrid up` in the background unless it already runs,
# wait for /readyz, submit the example pipeline and wait for it.
set -euo pipefail
bin=$1 data_dir=$2 http=$3 example=$4
url="http://$http"
pid_file="$data_dir/pipegrid.pid"

if [ -s "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
  echo "pipegrid already runs (pid $(cat "$pid_file"))"
else
  mkdir -p "$data_dir"
  nohup "$bin" up --data-dir "$data_dir" --http "$http" >"$data_dir/up.log" 2>&1 &
  echo "started pipegrid up (pid $!), log in $data_dir/up.log"
fi

for _ in $(seq 1 300); do
  if curl -fsS "$url/readyz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$(cat "$pid_file" 2>/dev/null || echo 0)" 2>/dev/null && [ -s "$data_dir/up.log" ] &&
     ! curl -fsS "$url/healthz" >/dev/null 2>&1 && grep -q "pipegrid up:" "$data_dir/up.log"; then
    cat "$data_dir/up.log" >&2
    exit 1
  fi
  sleep 0.1
done
curl -fsS "$url/readyz" >/dev/null || { echo "pipegrid did not become ready; see $data_dir/up.log" >&2; exit 1; }

echo "submitting $example"
"$bin" submit --server "$url" --wait "$example"
echo
echo "pipegrid is running: $url  (jobs: $bin jobs --server $url; stop: make stop)"
