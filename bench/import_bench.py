"""Onboarding benchmark: generate a warehouse of N SKUs (with N pick faces and N stock rows) as CSV
and import it, timing each step; by default N = 100,000 (the issue's target: under a minute).

    .venv/bin/python bench/import_bench.py [--skus 100000] [--job]

``--job`` goes the way a large upload goes: ``submit_import`` queues it, a real RQ worker (burst
mode, a subprocess) runs ``run_import_job``, and this script polls the progress hash meanwhile.
Starts its own throw-away redis-server.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import platform
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis.asyncio as aioredis  # noqa: E402

from floor.catalog.model import gtin_check_digit, make_gtin13  # noqa: E402
from floor.jobs import imports  # noqa: E402
from floor.onboarding import service  # noqa: E402
from floor.onboarding.columns import COLUMNS  # noqa: E402
from floor.onboarding.model import ImportReport, ImportRequest  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402

CELLS = 500


def _csv(kind: str, rows: list[dict[str, object]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=[c.name for c in COLUMNS[kind]], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def make_files(skus: int, warehouse: str = "B1") -> dict[str, bytes]:
    """A warehouse of ``skus`` SKUs, one pick face and one stock row each (every 10th lot controlled,
    every 2nd with a case GTIN)."""
    aisles, cells = -(-skus // CELLS), min(skus, CELLS)
    positions = [(a, c) for a in range(1, aisles + 1) for c in range(1, cells + 1)][:skus]
    code = [f"{warehouse}-A{a:02d}-C{c:02d}" for a, c in positions]
    sku_rows: list[dict[str, object]] = []
    stock_rows: list[dict[str, object]] = []
    for n in range(skus):
        gtin = make_gtin13("690", 100_000_000 + n)
        row: dict[str, object] = {"warehouse": warehouse, "sku": f"S{n:07d}", "gtin": gtin,
                                  "name_zh": f"商品 {n}", "name_en": f"Item {n}", "weight_g": 100 + n % 900,
                                  "length_mm": 100, "width_mm": 80, "height_mm": 50,
                                  "lot_controlled": "true" if n % 10 == 0 else "false"}
        if n % 2 == 0:
            body = "1" + gtin[:12]
            case = body + str(gtin_check_digit(body))
            row.update(case_gtin=case, case_units=24)
        sku_rows.append(row)
        stock = {"warehouse": warehouse, "location": code[n], "sku": f"S{n:07d}", "quantity": 48}
        if n % 10 == 0:
            stock["lot"] = f"L{n % 97:03d}"
        stock_rows.append(stock)
    return {
        "warehouses": _csv("warehouses", [{"warehouse": warehouse, "name": "Bench DC"}]),
        "layout": _csv("layout", [{"warehouse": warehouse, "aisles": aisles, "cells": cells}]),
        "locations": _csv("locations", [
            {"warehouse": warehouse, "code": code[i], "kind": "pick_face", "capacity": 500, "aisle": a, "cell": c}
            for i, (a, c) in enumerate(positions)]),
        "skus": _csv("skus", sku_rows),
        "stock": _csv("stock", stock_rows),
    }


async def run_inline(url: str, files: dict[str, bytes]) -> ImportReport:
    client = aioredis.Redis.from_url(url, decode_responses=True)
    try:
        return await service.run_import(client, "bench", ImportRequest("bench-1"), files)
    finally:
        await client.aclose()


async def one_more_sku(url: str) -> float:
    """A one-row import into the loaded warehouse: its cost is reading the warehouse's GTINs."""
    client = aioredis.Redis.from_url(url, decode_responses=True)
    row = {"warehouse": "B1", "sku": "EXTRA-1", "gtin": make_gtin13("690", 99_999_999), "name_en": "one more"}
    try:
        started = time.perf_counter()
        report = await service.run_import(client, "bench", ImportRequest("bench-2"), {"skus": _csv("skus", [row])})
        assert report.status == "imported", report.problems
        return time.perf_counter() - started
    finally:
        await client.aclose()


async def run_job(url: str, files: dict[str, bytes]) -> ImportReport:
    client = aioredis.Redis.from_url(url, decode_responses=True)
    try:
        queued = await service.submit_import(client, "bench", ImportRequest("bench-1"), files,
                                             enqueue=partial(imports.enqueue_import, url))
        print(f"  submitted: status {queued.status}, job {queued.job_id}", flush=True)
        worker = subprocess.Popen([sys.executable, "-m", "rq.cli", "worker", "--burst", "--url", url, service.QUEUE],
                                  cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT), REDIS_URL=url),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        last = ""
        while worker.poll() is None:
            await asyncio.sleep(0.5)
            status = await service.import_status(client, "bench", "bench-1")
            line = f"{status.status} {status.progress.phase} {status.progress.done}/{status.progress.total}" if status.progress else status.status
            if line != last:
                print(f"  progress: {line}", flush=True)
                last = line
        if worker.returncode:
            raise RuntimeError(worker.stderr.read().decode()[-2000:] if worker.stderr else "worker failed")
        return await service.import_status(client, "bench", "bench-1")
    finally:
        await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skus", type=int, default=100_000)
    parser.add_argument("--job", action="store_true", help="queue it and run it on a real RQ worker")
    args = parser.parse_args()
    started = time.perf_counter()
    files = make_files(args.skus)
    size = sum(len(v) for v in files.values())
    print(f"generated {args.skus} SKUs, {args.skus} locations, {args.skus} stock rows: {size / 1e6:.1f} MB of CSV "
          f"in {time.perf_counter() - started:.1f} s", flush=True)
    server = RedisServer()
    try:
        started = time.perf_counter()
        report = asyncio.run(run_job(server.url, files) if args.job else run_inline(server.url, files))
        elapsed = time.perf_counter() - started
        extra = asyncio.run(one_more_sku(server.url)) if report.status == "imported" else 0.0
    finally:
        server.stop()
    counts = {k: (c.rows, c.written) for k, c in report.counts.items()}
    print(f"import {report.status} in {elapsed:.1f} s ({'RQ job' if args.job else 'in process'}); "
          f"rows/written {counts}; problems {report.problem_count}")
    print(f"then one more SKU into that warehouse: {extra * 1000:.0f} ms")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    if report.status != "imported":
        raise SystemExit(1)


if __name__ == "__main__":
    main()
