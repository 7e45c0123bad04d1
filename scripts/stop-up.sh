#!/usr/bin/env bash
# make stop: SIGTERM the `pipegrid up` of the data dir and wait for it to exit.
set -euo pipefail
data_dir=$1
pid_file="$data_dir/pipegrid.pid"
if [ ! -s "$pid_file" ] || ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
  echo "pipegrid is not running"
  exit 0
fi
pid=$(cat "$pid_file")
kill -TERM "$pid"
for _ in $(seq 1 300); do
  kill -0 "$pid" 2>/dev/null || { echo "pipegrid stopped"; exit 0; }
  sleep 0.1
done
echo "pipegrid (pid $pid) did not stop within 30s" >&2
exit 1
