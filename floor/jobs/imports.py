"""RQ entry points for master-data imports: ids in (the files wait in Redis), idempotent."""

from __future__ import annotations

import asyncio
from typing import Any

from rq import Queue

from floor.core.settings import Settings
from floor.jobs.waves import QUEUE
from floor.onboarding import records
from floor.onboarding.service import import_status, job_id, run_import
from floor.store.client import connect, connect_sync


def enqueue_import(jobs_redis_url: str, actor: str, import_id: str, warehouses: list[str]) -> str:
    """Enqueue by ids only: RQ logs a job's arguments, so no URL (it may hold a password) goes in."""
    job = job_id(actor, import_id)
    connection = connect_sync(jobs_redis_url, decode_responses=False)
    try:
        Queue(QUEUE, connection=connection).enqueue(
            run_import_job, actor, import_id, warehouses, job_id=job, result_ttl=86400,
            failure_ttl=86400, job_timeout=1800,
        )
    finally:
        connection.close()
    return job


def run_import_job(actor: str, import_id: str, warehouses: list[str] | None = None, redis_url: str | None = None) -> dict[str, Any]:
    """Run a queued import. Safe to run twice. ``redis_url``: the floor's Redis (default: the
    worker's REDIS_URL, plain or cluster)."""
    url = redis_url or Settings.from_env().redis_url

    async def run() -> dict[str, Any]:
        client = connect(url, socket_timeout=60.0)
        try:
            scope_id = records.scope(actor, import_id)
            stored = await records.get_files(client, scope_id)
            if stored is None:
                report = await import_status(client, actor, import_id)
            else:
                request, files = stored
                report = await run_import(client, actor, request, files, warehouses=warehouses or ("*",))
            return {"status": report.status, "problem_count": report.problem_count, "repeat": report.repeat}
        finally:
            await client.aclose()

    return asyncio.run(run())
