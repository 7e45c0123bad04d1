#!/usr/bin/python3
"""Celery and Dask peers of bench/suite.sh (Debian python3-celery, python3-distributed).

  peers.py celery REDIS_URL W1 W2 W3   one run of each named workload on Celery:
      a worker with `--concurrency 2` (prefork) started here and stopped by pid
  peers.py dask W1 W2 W3               the same on a Dask LocalCluster of two
      single-threaded worker processes on 127.0.0.1

Every task runs `/bin/sh -c true` as a subprocess, like the other systems.
Workloads (sizes as in bench/suite.sh): W1 2000 independent tasks, W2 a chain
of 200, W3 1 -> 500 -> 1. Each is timed from building the submission to the
last result. Prints `WORKLOAD N SECONDS` per workload. Start-up and a warm-up
task are not timed. Bounded: every wait has a timeout.
"""
import os
import signal
import subprocess
import sys
import time

SIZES = {"W1": 2000, "W2": 200, "W3": 502}
WAIT_S = 300


def sh_true(*_):
    subprocess.run(["/bin/sh", "-c", "true"], check=True)


def on_term(*_):
    # SIGTERM from the suite's watchdog: unwind through the finally blocks.
    raise SystemExit(143)


def run_celery(redis_url, workloads):
    os.environ["PG_BENCH_REDIS"] = redis_url
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from celery import chain, chord, group

    import celery_tasks

    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.abspath(__file__)))
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "celery_tasks", "worker", "--pool", "prefork",
         "--concurrency", "2", "--loglevel", "WARNING", "--without-gossip", "--without-mingle",
         "--without-heartbeat"],
        env=env, stdout=subprocess.DEVNULL, stderr=open("celery-worker.err", "w"))
    try:
        t = celery_tasks.sh_true
        deadline = time.monotonic() + 60
        while not celery_tasks.app.control.ping(timeout=0.5):
            if time.monotonic() > deadline or worker.poll() is not None:
                raise SystemExit("celery worker did not start (see celery-worker.err)")
        t.delay().get(timeout=WAIT_S)  # warm-up, not timed
        for w in workloads:
            n = SIZES[w]
            t0 = time.perf_counter()
            if w == "W1":
                group(t.si() for _ in range(n)).apply_async().get(timeout=WAIT_S)
            elif w == "W2":
                chain(*[t.si() for _ in range(n)]).apply_async().get(timeout=WAIT_S)
            else:
                chain(t.si(), chord([t.si() for _ in range(n - 2)], t.si())).apply_async().get(
                    timeout=WAIT_S)
            print(f"{w} {n} {time.perf_counter() - t0:.6f}", flush=True)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def run_dask(workloads):
    import logging

    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                           scheduler_port=0, dashboard_address=None, silence_logs=logging.ERROR,
                           local_directory=os.getcwd())
    try:
        with Client(cluster) as client:
            client.submit(sh_true, pure=False).result(timeout=WAIT_S)  # warm-up
            for w in workloads:
                n = SIZES[w]
                t0 = time.perf_counter()
                if w == "W1":
                    client.gather(client.map(sh_true, range(n), pure=False))
                elif w == "W2":
                    f = None
                    for _ in range(n):
                        f = client.submit(sh_true, f, pure=False)
                    f.result(timeout=WAIT_S)
                else:
                    a = client.submit(sh_true, pure=False)
                    mids = [client.submit(sh_true, a, i, pure=False) for i in range(n - 2)]
                    client.submit(sh_true, mids, pure=False).result(timeout=WAIT_S)
                print(f"{w} {n} {time.perf_counter() - t0:.6f}", flush=True)
    finally:
        cluster.close(timeout=30)


def main():
    signal.signal(signal.SIGTERM, on_term)
    args = sys.argv[1:]
    if len(args) >= 2 and args[0] == "celery":
        run_celery(args[1], args[2:])
    elif len(args) >= 1 and args[0] == "dask":
        run_dask(args[1:])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
