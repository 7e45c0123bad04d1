#!/usr/bin/python3
"""L1 submit->start probe for bench/suite.sh (Debian python3, stdlib only).

  l1_latency.py URL COUNT SCRATCH   COUNT sequential one-task jobs on a server
  l1_latency.py --floor COUNT SCRATCH   the same command spawned directly

Each task runs `date +%s%N > mark.tmp && mv mark.tmp mark`; the latency is
that wall-clock time minus the time taken just before the POST was sent (one
keep-alive connection, so no connect in the path). The next job is submitted
only once the previous one has finished, so every job meets an idle server.
The floor spawns the same `/bin/sh -c` command with posix_spawn: what starting
the shell and `date` costs on this machine, not counting any scheduler.
Prints one line: `p50_seconds p99_seconds max_seconds`.
"""
import http.client
import json
import os
import sys
import time
import urllib.parse

POLL_S = 0.0005  # file poll; the measurement does not depend on it
JOB_DEADLINE_S = 10.0
IDLE_S = 0.005


def percentile(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(p * (len(v) - 1) + 0.5))]


def mark_command(mark):
    return f"date +%s%N > {mark}.tmp && mv {mark}.tmp {mark}"


def wait_mark(mark, deadline):
    while True:
        try:
            with open(mark) as f:
                text = f.read().strip()
            if text:
                return int(text)
        except FileNotFoundError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"l1: {mark} not written in time")
        time.sleep(POLL_S)


def probe_server(url, count, scratch):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=JOB_DEADLINE_S)
    lat = []
    for i in range(count):
        mark = os.path.join(scratch, f"l1-{i}")
        spec = {
            "apiVersion": "pipegrid/v1",
            "kind": "Job",
            "metadata": {"name": f"l1-{i}"},
            "spec": {"tasks": [{"name": "t", "steps": [{"commands": [mark_command(mark)]}]}]},
        }
        body = json.dumps(spec).encode()
        sent = time.time_ns()
        conn.request("POST", "/api/v1/jobs", body, {"Content-Type": "application/json"})
        resp = conn.getresponse()
        data = resp.read()
        if resp.status != 201:
            raise SystemExit(f"l1: submit answered {resp.status}: {data[:200]!r}")
        job_id = json.loads(data)["id"]
        deadline = time.monotonic() + JOB_DEADLINE_S
        lat.append((wait_mark(mark, deadline) - sent) / 1e9)
        # Idle server for the next probe: wait until this job is finished.
        while True:
            conn.request("GET", "/api/v1/jobs?limit=1")
            resp = conn.getresponse()
            item = json.loads(resp.read())["items"][0]
            if item["id"] == job_id and item["state"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"l1: job {job_id} did not finish in time")
            time.sleep(0.001)
    conn.close()
    return lat


def probe_floor(count, scratch):
    lat = []
    for i in range(count):
        mark = os.path.join(scratch, f"floor-{i}")
        sent = time.time_ns()
        pid = os.posix_spawn("/bin/sh", ["sh", "-c", mark_command(mark)], os.environ)
        os.waitpid(pid, 0)
        lat.append((wait_mark(mark, time.monotonic() + JOB_DEADLINE_S) - sent) / 1e9)
        # Idle between probes, as the server probes are while their job ends:
        # back-to-back spawns would meet a busier scheduler than they do.
        time.sleep(IDLE_S)
    return lat


def main():
    args = sys.argv[1:]
    if len(args) != 3:
        raise SystemExit(__doc__)
    count, scratch = int(args[1]), args[2]
    os.makedirs(scratch, exist_ok=True)
    lat = probe_floor(count, scratch) if args[0] == "--floor" else probe_server(args[0], count, scratch)
    print(f"{percentile(lat, 0.5):.6f} {percentile(lat, 0.99):.6f} {max(lat):.6f}")


if __name__ == "__main__":
    main()
