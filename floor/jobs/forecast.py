"""The nightly forecast job (RQ): per SKU of a warehouse, forecast daily demand from the shipped-units
history (``demand:<sku>``, kept by the planning follower), choose the model by backtest, and set the
SKU's safety stock, reorder point and order quantity (source ``forecast``) with its ABC / XYZ class.
Setting thresholds runs the low-stock check (a new reorder point above the stock is a crossing).

Enqueue with :func:`enqueue_forecasts` (cron: once a night per warehouse); safe to run twice (the
same history gives the same figures). Never runs on a web request.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from rq import Queue

from floor.core.settings import Settings
from floor.jobs.waves import QUEUE
from floor.store.client import connect_sync

DEFAULT_DAYS = 182
DEFAULT_LEAD_TIME = 5
DEFAULT_FILL_RATE = 0.95


def forecast_job_id(warehouse: str, day: str) -> str:
    return f"forecast-{warehouse}-{day}"


def enqueue_forecasts(jobs_redis_url: str, warehouse: str, day: str | None = None, **options: Any) -> str:
    """Queue tonight's forecast of ``warehouse`` (one job id per warehouse and day: queued once)."""
    day = day or datetime.now(UTC).strftime("%Y%m%d")
    job = forecast_job_id(warehouse, day)
    connection = connect_sync(jobs_redis_url, decode_responses=False)
    try:
        Queue(QUEUE, connection=connection).enqueue(
            run_forecasts, args=(warehouse, day), kwargs=options, job_id=job, result_ttl=86400, failure_ttl=86400,
            job_timeout=3600)
    finally:
        connection.close()
    return job


def daily_series(history: dict[str, int], end: date, days: int) -> np.ndarray:
    """Units per day for the ``days`` days before ``end`` (missing days are 0)."""
    start = end - timedelta(days=days)
    return np.array([float(history.get((start + timedelta(days=n)).strftime("%Y%m%d"), 0)) for n in range(days)])


def run_forecasts(warehouse: str, day: str, days: int = DEFAULT_DAYS, lead_time: int = DEFAULT_LEAD_TIME,
                  fill_rate: float = DEFAULT_FILL_RATE, redis_url: str | None = None) -> dict[str, Any]:
    """Forecast every SKU with shipped history up to ``day`` (YYYYMMDD, exclusive)."""
    from floor.floor import Floor
    from floor.planning.forecast import abc_classes, forecast, policy, select_model, xyz_class

    url = redis_url or Settings.from_env().redis_url
    end = datetime.strptime(day, "%Y%m%d").date()

    async def run() -> dict[str, Any]:
        floor = Floor.from_url(url, socket_timeout=60.0)
        await floor.start()
        try:
            store = floor.planning.store
            series = {}
            for sku in await store.all_skus(warehouse):
                history = await store.demand(warehouse, sku)
                if history:
                    series[sku] = daily_series(history, end, days)
            abc = abc_classes({sku: float(np.sum(s)) for sku, s in series.items()})
            methods: dict[str, int] = {}
            raised = 0
            for sku, s in series.items():
                method = select_model(s, lead_time)
                fc = forecast(s, lead_time, method)
                p = policy(fc, lead_time, fill_rate, history=s)
                raised += await store.set_thresholds(warehouse, sku, p.safety, p.reorder_point, p.order_qty,
                                                     "forecast", abc[sku], xyz_class(s))
                await store.record_forecast(warehouse, sku, method, fc.lead_time_demand / lead_time,
                                            fc.sigma_lead_time, day)
                methods[method] = methods.get(method, 0) + 1
            return {"warehouse": warehouse, "skus": len(series), "methods": methods, "low_stock_raised": raised}
        finally:
            await floor.close()

    return asyncio.run(run())
