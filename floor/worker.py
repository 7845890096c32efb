"""The RQ worker process: compiles the numba kernels once at start, then serves the ``floor`` queue."""

from __future__ import annotations

import logging
import os
import time

from redis import Redis
from rq import Queue, Worker

QUEUE = "floor"
log = logging.getLogger("floor.worker")


def warm_kernels() -> None:
    from floor.wave_planning import warm_up

    started = time.monotonic()
    warm_up()
    log.info("kernels compiled in %.1f s", time.monotonic() - started)


def main() -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    connection = Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6390/0"))
    warm_kernels()
    Worker([Queue(QUEUE, connection=connection)], connection=connection).work(with_scheduler=False)


if __name__ == "__main__":
    main()
