"""The RQ worker process: compiles the numba kernels once at start, then serves the ``floor`` queue.

Jobs use ``RQ_REDIS_URL`` (a plain Redis) when it is set, else ``REDIS_URL``: RQ does not work on a
Redis Cluster, the floor data does.
"""

from __future__ import annotations

import logging
import time

from rq import Queue, Worker

from floor.core.settings import Settings
from floor.jobs.waves import QUEUE
from floor.store.client import connect_sync

log = logging.getLogger("floor.worker")


def warm_kernels() -> None:
    from floor.waves.optimal import warm_up

    started = time.monotonic()
    warm_up()
    log.info("kernels ready in %.1f s", time.monotonic() - started)


def main() -> None:
    settings = Settings.from_env()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    connection = connect_sync(settings.jobs_redis_url, decode_responses=False)
    warm_kernels()
    Worker([Queue(QUEUE, connection=connection)], connection=connection).work(with_scheduler=False)


if __name__ == "__main__":
    main()
