"""Large waves are planned by a real RQ worker (burst mode), idempotently."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from floor.floor import Floor
from floor.jobs import waves as jobs
from floor.waves.model import ReleaseWave
from tests.redis_server import RedisServer

ROOT = Path(__file__).resolve().parents[2]


async def test_rq_worker_releases_a_large_wave_once(small_demo: Floor, warehouse: str, redis_server: RedisServer) -> None:
    command = ReleaseWave("big-1", pickers=3, max_orders=15, warehouse=warehouse, cart_capacity=12)
    first = jobs.enqueue_release_wave(redis_server.url, warehouse, command)
    second = jobs.enqueue_release_wave(redis_server.url, warehouse, command)
    assert first == second == jobs.wave_job_id(warehouse, "big-1")
    env = dict(os.environ, REDIS_URL=redis_server.url, NUMBA_NUM_THREADS="1")
    worker = subprocess.run(
        [sys.executable, "-m", "rq.cli", "worker", "--burst", "--url", redis_server.url, jobs.QUEUE],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )
    assert worker.returncode == 0, worker.stderr[-2000:]
    planning = await small_demo.waves.planning(warehouse, "big-1")
    assert planning is not None and planning.state == "committed"
    wave = await small_demo.waves.get(warehouse, "big-1")
    assert len(wave.orders) == 15 and wave.status == "released"
    # Optimal planner: every tour within the cart capacity, every unit of every order in one task.
    tasks = [await small_demo.picking.task(warehouse, t) for t in wave.tasks]
    assert all(sum(s.quantity for s in t.steps) <= 12 for t in tasks)
    assert sum(s.quantity for t in tasks for s in t.steps) == wave.units
    # Running the job body again (at-least-once delivery) returns the same wave and changes nothing.
    rerun = subprocess.run(
        [sys.executable, "-c", "import sys, msgspec; from floor.jobs import waves as jobs; from floor.waves.model import ReleaseWave; "
         f"print(jobs.release_wave('{warehouse}', msgspec.json.encode(ReleaseWave('big-1', pickers=3, max_orders=15, warehouse='{warehouse}', cart_capacity=12)).decode())['repeat'])"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert rerun.stdout.strip() == "True", rerun.stderr[-2000:]
    assert (await small_demo.waves.get(warehouse, "big-1")).orders == wave.orders


def test_wave_job_ids_are_rq_safe_and_distinct_for_any_wave_id() -> None:
    """A wave id may hold any printable ASCII; RQ takes only [A-Za-z0-9_-] (a 500 found by schemathesis)."""
    from rq.job import validate_job_id

    ids = ["big-1", "#h~%[,", "a_b", "a_5f", "a b", "a__b", "_", "__"]
    job_ids = [jobs.wave_job_id("W1", wave_id) for wave_id in ids]
    for job_id in job_ids:
        validate_job_id(job_id)
    assert len(set(job_ids)) == len(ids) and job_ids[0] == "wave-W1-big-1"
