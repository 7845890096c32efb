"""RQ entry points: ids in, idempotent. Each opens its own store connection.

Jobs are enqueued with a deterministic job id (``wave-<warehouse>-<wave id>``), and the work is
idempotent on the same id, so a job run twice (retry, double enqueue) changes nothing twice.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import msgspec
from redis import Redis
from rq import Queue
from rq.job import Job

from floor.services import Floor
from floor.waves import ReleaseWave

QUEUE = "floor"


def wave_job_id(warehouse: str, wave_id: str) -> str:
    return f"wave-{warehouse}-{wave_id}"


def release_wave(command_json: str) -> dict[str, Any]:
    """Plan and commit a wave (slow for large waves: runs in the worker, never on a web request)."""
    command = msgspec.json.decode(command_json, type=ReleaseWave)

    async def run() -> dict[str, Any]:
        floor = Floor.from_url(os.environ["REDIS_URL"])
        await floor.start()
        try:
            repeat, wave = await floor.release_wave(command)
            return {"repeat": repeat, "wave": msgspec.to_builtins(wave)}
        finally:
            await floor.close()

    return asyncio.run(run())


def enqueue_release_wave(redis_url: str, command: ReleaseWave) -> str:
    """Enqueue once: a second call for the same wave returns the existing job id."""
    assert command.warehouse is not None
    connection = Redis.from_url(redis_url)
    job_id = wave_job_id(command.warehouse, command.wave_id)
    try:
        Job.fetch(job_id, connection=connection)
        return job_id
    except Exception:
        pass
    Queue(QUEUE, connection=connection).enqueue(
        release_wave, msgspec.json.encode(command).decode(), job_id=job_id, result_ttl=86400,
        failure_ttl=86400, job_timeout=600,
    )
    return job_id


def job_state(redis_url: str, job_id: str) -> dict[str, Any]:
    connection = Redis.from_url(redis_url)
    try:
        job = Job.fetch(job_id, connection=connection)
    except Exception:
        return {"job_id": job_id, "status": "unknown"}
    status = job.get_status()
    state: dict[str, Any] = {"job_id": job_id, "status": getattr(status, "value", str(status))}
    result = job.latest_result()
    if job.is_failed and result is not None:
        state["error"] = (result.exc_string or "").strip().splitlines()[-1:]
    return state
