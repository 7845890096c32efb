"""The nightly forecast job on a real RQ worker: thresholds from shipped history, ABC / XYZ classes."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from floor.floor import Floor
from floor.jobs import forecast as job
from floor.planning.forecast import loss, safety_factor
from tests.redis_server import RedisServer

ROOT = Path(__file__).resolve().parents[3]


def _history(series: np.ndarray, end: date) -> dict[str, int]:
    start = end - timedelta(days=len(series))
    return {(start + timedelta(days=n)).strftime("%Y%m%d"): int(v) for n, v in enumerate(series) if v}


async def test_rq_worker_sets_reorder_points_from_history(small_demo: Floor, warehouse: str,
                                                          redis_server: RedisServer) -> None:
    floor, w = small_demo, warehouse
    rng = np.random.default_rng(3)
    end = date(2026, 12, 1)
    smooth = rng.poisson(20, 120).astype(float)
    sparse = ((rng.random(120) < 0.1) * rng.integers(1, 3, 120)).astype(float)
    await floor.planning.store.record_demand(w, "SKU00021", _history(smooth, end))
    await floor.planning.store.record_demand(w, "SKU00022", _history(sparse, end))
    assert job.daily_series(_history(smooth, end), end, 120).tolist() == smooth.tolist()
    first = job.enqueue_forecasts(redis_server.url, w, "20261201", days=120)
    assert first == job.enqueue_forecasts(redis_server.url, w, "20261201", days=120) == job.forecast_job_id(w, "20261201")
    env = dict(os.environ, REDIS_URL=redis_server.url, NUMBA_NUM_THREADS="1")
    worker = subprocess.run([sys.executable, "-m", "rq.cli", "worker", "--burst", "--url", redis_server.url, job.QUEUE],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert worker.returncode == 0, worker.stderr[-2000:]
    big = await floor.planning.state(w, "SKU00021")
    small = await floor.planning.state(w, "SKU00022")
    assert big.forecast_method and small.forecast_method
    assert 15 <= big.forecast_daily <= 25 and 90 <= big.reorder_point <= 140  # ~5 days x 20 units + safety
    assert big.safety <= big.reorder_point and small.reorder_point <= 6
    assert (big.abc, small.abc) == ("A", "C") and big.xyz == "X" and small.xyz in ("Y", "Z")
    # the new reorder point is above SKU00021's 20 units: one low-stock crossing
    assert big.below_reorder


def test_the_fill_rate_safety_factor() -> None:
    assert abs(loss(0.0) - 0.3989) < 1e-3
    k = safety_factor(0.95, 50, 20)
    assert abs(loss(k) - 0.05 * 50 / 20) < 1e-6
    assert safety_factor(0.99, 10, 20) > safety_factor(0.95, 10, 20) > safety_factor(0.9, 10, 20)
