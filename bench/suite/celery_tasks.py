"""Celery app of the bench suite's Celery peer (bench/suite/peers.py).

The broker and result backend are one local redis-server that bench/suite.sh
starts on 127.0.0.1; its URL comes in PG_BENCH_REDIS.
"""
import os
import subprocess

from celery import Celery

app = Celery("pgbench", broker=os.environ["PG_BENCH_REDIS"], backend=os.environ["PG_BENCH_REDIS"])
app.conf.broker_connection_retry_on_startup = True


@app.task
def sh_true():
    # The same unit of work as every other system: one `/bin/sh -c true`.
    subprocess.run(["/bin/sh", "-c", "true"], check=True)
