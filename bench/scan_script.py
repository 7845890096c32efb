"""Redis's cost of the scan script alone: µs per call from ``INFO commandstats``, no web node.

Loads bench/scan_loop.py's warehouse (``--pickers`` pickers, one long task each), then drives every
picker's task through ``scan.lua`` directly (location scan, then one item scan per unit), ``--depth``
calls per pipeline, and reports Redis's script time per scan (evalsha usec_per_call) and its main
thread CPU per scan, next to ``redis-benchmark EVAL "return 1" 0`` on the same Redis.

    PYTHONPATH=. .venv/bin/python bench/scan_script.py --pickers 100 --scans 20000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import redis  # noqa: E402

from bench.scan_baseline import RedisCpu, redis_benchmark  # noqa: E402
from bench.scan_loop import WAREHOUSE, load  # noqa: E402
from bench.stack import Redis  # noqa: E402
from floor.floor import Floor  # noqa: E402
from floor.store import keys  # noqa: E402


async def drive(url: str, scans: int, depth: int) -> dict[str, Any]:
    floor = Floor.from_url(url, default_warehouse=WAREHOUSE)
    await floor.start()
    picking = floor.picking
    plain = redis.Redis.from_url(url)
    plans: list[list[tuple[str, str, str, str]]] = []
    # Every picker's current task, from the picker hashes.
    for n in range(100_000):
        picker = f"p{n}"
        if not plain.sismember(keys.key(WAREHOUSE, "pickers"), picker):
            print("no picker", picker, file=sys.stderr)
            break
        await picking.join(WAREHOUSE, picker, f"bench-{n}", 3_600_000)
        task_id = await picking.assign(WAREHOUSE, picker)
        if not task_id:
            print("no task for", picker, file=sys.stderr)
            break
        task = await picking.task(WAREHOUSE, task_id)
        plan = []
        for s, step in enumerate(task.steps):
            plan.append((picker, task.task_id, f"{n}-L{s}", step.location))
            for unit in range(step.quantity):
                plan.append((picker, task.task_id, f"{n}-I{s}-{unit}", step.gtin))
        plans.append(plan)
    # Interleave the pickers' scans (each picker's in order).
    order: list[tuple[str, str, str, str]] = []
    cursor = [0] * len(plans)
    while len(order) < scans and any(cursor[i] < len(p) for i, p in enumerate(plans)):
        for i, plan in enumerate(plans):
            if cursor[i] < len(plan) and len(order) < scans:
                order.append(plan[cursor[i]])
                cursor[i] += 1
    sha = picking.store.scripts.shas["scan"]
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    cpu = RedisCpu([port])
    before = cpu.read()
    started = time.perf_counter()
    verdicts: dict[str, int] = {}
    for i in range(0, len(order), depth):
        pipe = plain.pipeline(transaction=False)
        for picker, task_id, scan_id, barcode in order[i:i + depth]:
            args = picking.scan_args(picker, task_id, scan_id, barcode, 1)
            pipe.evalsha(sha, 1, keys.key(WAREHOUSE, "events"), keys.prefix(WAREHOUSE), *args)
        for _repeat, verdict in pipe.execute():
            v = json.loads(verdict)["verdict"]
            verdicts[v] = verdicts.get(v, 0) + 1
    elapsed = time.perf_counter() - started
    after = cpu.read()
    await floor.close()
    return {"scans": len(order), "elapsed_s": round(elapsed, 2), "verdicts": verdicts,
            **RedisCpu.per_scan(before, after, len(order))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pickers", type=int, default=100)
    parser.add_argument("--scans", type=int, default=20_000)
    parser.add_argument("--depth", type=int, default=20)
    parser.add_argument("--steps", type=int, default=400)
    args = parser.parse_args()
    server = Redis()
    try:
        url = f"redis://127.0.0.1:{server.port}/0"
        asyncio.run(load(url, args.pickers, args.steps, 1))
        result = asyncio.run(drive(url, args.scans, args.depth))
        print(json.dumps(result))
        print(redis_benchmark(server.port))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
