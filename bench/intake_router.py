"""Order intake through routing + reservation (``Router.place``) in ONE Python process, against a
fresh redis-server (AOF everysec), with ``redis-benchmark`` EVAL on the same Redis in the same run.

Three warehouses, ``--skus`` SKUs each, orders of 1-3 lines from three provinces, rules: split by
line, up to 3 parcels, backorder the rest. Reports:

- closed loop: ``--concurrency`` coroutines placing orders back to back for ``--seconds``: orders/s,
  and CPU per order of this process (client + router, one Python process) and of Redis — the CPU
  figures move much less than the rates when other work shares the machine;
- open loop: orders started at ``--rate`` per second for ``--seconds``: p50 / p99 latency measured
  from each order's scheduled start (so queueing shows);
- afterwards: oversold warehouse x SKU pairs (must be 0) and ledger drift (must be none).

The router alone, without HTTP or the channel adapters: the end-to-end path (signed webhook ->
adapter -> routing -> reservation through one web process) is bench/intake.py.

    .venv/bin/python bench/intake_router.py --seconds 10 --rate 1000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import sys
import time
from pathlib import Path
from typing import Any

import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scan_loop import percentile, redis_benchmark  # noqa: E402
from bench.stack import Redis  # noqa: E402
from floor.catalog.model import Sku, make_gtin13  # noqa: E402
from floor.channels.canonical import Address, CanonicalLine, CanonicalOrder  # noqa: E402
from floor.floor import Floor  # noqa: E402
from floor.inventory.model import AdjustStock  # noqa: E402
from floor.layout.model import Layout  # noqa: E402
from floor.routing.model import Rule, RuleSet, Site  # noqa: E402

WAREHOUSES = [("BA", "31"), ("BB", "44"), ("BC", "51")]
PROVINCES = ["310000", "440000", "510000", "320000", "650000"]


async def load(floor: Floor, skus: int, units: int) -> list[str]:
    codes = [f"S{n:05d}" for n in range(1, skus + 1)]
    for warehouse, _province in WAREHOUSES:
        layout = Layout(warehouse, aisles=10, cells=20)
        await floor.layouts.put(layout)
        for n, sku in enumerate(codes, start=1):
            await floor.catalog.define(warehouse, Sku(sku, make_gtin13("690700", n).zfill(14), sku))
            await floor.inventory.adjust(warehouse, AdjustStock(f"r-{sku}", sku, layout.location(1 + n % 10, 1).code,
                                                                units, "receipt"), "bench")
    await floor.routing.put_rules("bench", RuleSet(
        sites=[Site(warehouse=w, province=p, priority=i) for i, (w, p) in enumerate(WAREHOUSES, start=1)],
        rules=[Rule(name="line-split", split="line", max_parcels=3, fallback="backorder",
                    sorts=["distance", "balance"])]))
    return codes


def make_order(rng: random.Random, n: int, skus: list[str]) -> tuple[CanonicalOrder, list[tuple[str, int]]]:
    lines = [(sku, rng.randint(1, 3)) for sku in rng.sample(skus, rng.randint(1, 3))]
    province = rng.choice(PROVINCES)
    order = CanonicalOrder(
        channel=rng.choice(["taobao", "jd", "pinduoduo", "douyin", "shopify", "own_site"]), shop="main",
        platform_order_id=f"B{n}", state="ready", platform_status="WAIT_SELLER_SEND_GOODS",
        lines=[CanonicalLine(str(i), sku, q) for i, (sku, q) in enumerate(lines)],
        address=Address(name="测试", phone="138-0000-0000", province_code=province), total_minor=9900,
        buyer_id=f"buyer{n}")
    return order, lines


async def closed_loop(floor: Floor, skus: list[str], seconds: float, concurrency: int, start: int) -> dict[str, Any]:
    rng = random.Random(1)
    counter = [start]
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def writer() -> None:
        while time.perf_counter() < deadline:
            counter[0] += 1
            order, lines = make_order(rng, counter[0], skus)
            began = time.perf_counter()
            await floor.routing.place(order, lines, "bench")
            latencies.append(time.perf_counter() - began)

    began, cpu, redis_cpu = time.perf_counter(), time.process_time(), await redis_cpu_s(floor)
    await asyncio.gather(*(writer() for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    cpu_us = (time.process_time() - cpu) / len(latencies) * 1e6
    redis_us = (await redis_cpu_s(floor) - redis_cpu) / len(latencies) * 1e6
    return {"orders": len(latencies), "orders_per_s": round(len(latencies) / elapsed, 1),
            "process_cpu_us_per_order": round(cpu_us), "redis_cpu_us_per_order": round(redis_us),
            "p50_ms": round(percentile(latencies, 0.5) * 1000, 2), "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
            "next": counter[0]}


async def redis_cpu_s(floor: Floor) -> float:
    info = await floor.client.info("cpu")
    return float(info["used_cpu_sys"]) + float(info["used_cpu_user"])


async def open_loop(floor: Floor, skus: list[str], seconds: float, rate: float, start: int) -> dict[str, Any]:
    rng = random.Random(2)
    latencies: list[float] = []
    tasks = []
    began = time.perf_counter()
    total = int(seconds * rate)

    errors: list[str] = []

    async def one(n: int, due: float) -> None:
        order, lines = make_order(rng, start + n, skus)
        try:
            await floor.routing.place(order, lines, "bench")
        except Exception as error:  # counted: an overloaded process refuses (pool timeout), never oversells
            errors.append(type(error).__name__)
            return
        latencies.append(time.perf_counter() - due)

    for n in range(total):
        due = began + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n, due)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - began
    return {"rate": rate, "orders": total, "errors": len(errors), "achieved_per_s": round(len(latencies) / elapsed, 1),
            "p50_ms": round(percentile(latencies, 0.5) * 1000, 2), "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
            "max_ms": round(max(latencies) * 1000, 2)}


async def verify(floor: Floor, skus: list[str]) -> dict[str, Any]:
    oversold, drift = 0, 0
    for warehouse, _p in WAREHOUSES:
        states = await floor.availability.store.states([warehouse], skus)
        oversold += sum(1 for per in states.values() for s in per if s.reserved > s.on_hand - s.unavailable)
        drift += len((await floor.availability.check(warehouse)).drift)
    return {"oversold_pairs": oversold, "ledger_drift": drift}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    redis = Redis()
    try:
        floor = Floor.from_url(redis.url)
        await floor.start()
        skus = await load(floor, args.skus, args.units)
        closed = await closed_loop(floor, skus, args.seconds, args.concurrency, 0)
        opened = await open_loop(floor, skus, args.seconds, args.rate, closed["next"] + 1)
        checks = await verify(floor, skus)
        await floor.close()
        baseline = redis_benchmark(redis.port)
    finally:
        redis.stop()
    closed.pop("next")
    return {"bench": "intake", "python": platform.python_version(), "cpus": os.cpu_count(),
            "load_avg": os.getloadavg(), "skus": args.skus, "closed_loop": closed, "open_loop": opened,
            **checks, "redis_benchmark": baseline,
            "ratio_orders_to_eval_c50": round(closed["orders_per_s"] / baseline.get("eval_c50_rps", float("nan")), 4)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--skus", type=int, default=200)
    parser.add_argument("--units", type=int, default=400)
    print(json.dumps(uvloop.run(run(parser.parse_args()))))


if __name__ == "__main__":
    main()
