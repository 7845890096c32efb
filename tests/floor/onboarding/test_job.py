"""A large import goes to a real RQ worker (burst mode), with progress, once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from functools import partial
from pathlib import Path
from typing import Any

from bench.import_bench import make_files
from floor.jobs import imports
from floor.onboarding import service
from floor.onboarding.model import ImportRequest
from floor.store import keys
from tests.redis_server import RedisServer

ROOT = Path(__file__).resolve().parents[3]


async def test_a_large_import_runs_as_a_job(client: Any, onboarding_redis: RedisServer) -> None:
    url = onboarding_redis.url
    files = make_files(2000, "BJ1")
    request = ImportRequest("big-1")
    queued = await service.submit_import(client, "admin", request, files, enqueue=partial(imports.enqueue_import, url), inline_bytes=10_000)
    assert queued.status == "queued" and queued.job_id == service.job_id("admin", "big-1")
    assert not await client.exists(keys.key("BJ1", "layout"))  # nothing written before the worker runs
    again = await service.submit_import(client, "admin", request, files, enqueue=partial(imports.enqueue_import, url), inline_bytes=10_000)
    assert again.status == "queued" and await client.llen("rq:queue:" + service.QUEUE) == 1  # queued once
    worker = subprocess.run(
        [sys.executable, "-m", "rq.cli", "worker", "--burst", "--url", url, service.QUEUE],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT), REDIS_URL=url), capture_output=True, text=True, timeout=300,
    )
    assert worker.returncode == 0, worker.stderr[-2000:]
    final = await service.import_status(client, "admin", "big-1")
    assert final.status == "imported" and final.counts["skus"].written == 2000 and final.counts["stock"].written == 2000
    progress = await client.hgetall(keys.import_key("progress", "admin:big-1"))
    assert progress["status"] == "imported" and progress["done"] == progress["total"] == "6002"
    assert not await client.exists(keys.import_key("files", "admin:big-1"))  # the upload is not kept
    assert (await service.submit_import(client, "admin", request, files, enqueue=partial(imports.enqueue_import, url), inline_bytes=10_000)).repeat
    # The job body run again (at-least-once delivery) returns the first report and writes nothing.
    events = await client.xlen(keys.key("BJ1", "events"))
    rerun = await asyncio.to_thread(imports.run_import_job, "admin", "big-1", None, url)
    assert rerun["status"] == "imported" and await client.xlen(keys.key("BJ1", "events")) == events


async def test_a_failed_job_can_be_submitted_again(client: Any, onboarding_redis: RedisServer) -> None:
    url = onboarding_redis.url
    files = make_files(300, "BJ2")
    request = ImportRequest("big-2")
    assert (await service.submit_import(client, "admin", request, files, enqueue=partial(imports.enqueue_import, url), inline_bytes=1)).status == "queued"
    # The worker that took it died mid-write: its claim is gone, its progress says writing.
    await client.delete("rq:queue:" + service.QUEUE)
    await client.hset(keys.import_key("progress", "admin:big-2"), mapping={"status": "writing", "done": 10, "total": 902})
    assert (await service.import_status(client, "admin", "big-2")).status == "failed"
    again = await service.submit_import(client, "admin", request, files, enqueue=partial(imports.enqueue_import, url), inline_bytes=1)
    assert again.status == "queued" and await client.llen("rq:queue:" + service.QUEUE) == 1
    worker = subprocess.run(
        [sys.executable, "-m", "rq.cli", "worker", "--burst", "--url", url, service.QUEUE],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT), REDIS_URL=url), capture_output=True, text=True, timeout=300,
    )
    assert worker.returncode == 0, worker.stderr[-2000:]
    assert (await service.import_status(client, "admin", "big-2")).status == "imported"
