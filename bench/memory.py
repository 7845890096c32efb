"""Redis memory per order over its life (intake -> released -> picked) and per scan at steady state.

Starts its own redis-server, loads a warehouse through the normal use cases, and reads
``INFO memory`` ``used_memory`` (after a short settle) at each stage. Everything runs through the
real scripts, so the figures include every key, Stream entry and idempotency record a real order
and a real scan leave behind.

    .venv/bin/python bench/memory.py --orders 5000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from floor.catalog.model import Sku, make_gtin13  # noqa: E402
from floor.floor import Floor  # noqa: E402
from floor.inventory.model import AdjustStock  # noqa: E402
from floor.layout.model import Layout  # noqa: E402
from floor.orders.model import NewOrder, OrderLine  # noqa: E402
from floor.store import keys  # noqa: E402
from floor.store.results import COMMAND_TTL  # noqa: E402
from floor.waves.model import ReleaseWave  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402

WAREHOUSE = "M1"


async def used(floor: Floor) -> int:
    await asyncio.sleep(0.2)
    info = await floor.client.info("memory")
    return int(info["used_memory"])


async def run(orders: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    server = RedisServer()
    floor = Floor.from_url(server.url, default_warehouse=WAREHOUSE)
    await floor.start()
    try:
        layout = Layout(WAREHOUSE, aisles=20, cells=50)
        await floor.layouts.put(layout)
        skus = [Sku(f"S{n:05d}", make_gtin13("690700", n).zfill(14), f"item {n}") for n in range(1, 1001)]
        for sku in skus:
            await floor.catalog.define(WAREHOUSE, sku)
        codes = [layout.location(a, c).code for a in range(1, 21) for c in range(1, 51)]
        for n, sku in enumerate(skus):
            await floor.inventory.adjust(WAREHOUSE, AdjustStock(f"in-{n}", sku.sku, codes[n], 10_000, "receipt"), "b")
        # The Stream entries of set-up count as set-up, not as the orders' cost.
        base = await used(floor)
        units = 0
        for n in range(orders):
            lines = {rng.choice(skus).sku: rng.randint(1, 2) for _ in range(rng.randint(1, 3))}
            units += sum(lines.values())
            await floor.orders.intake(WAREHOUSE, NewOrder(
                "jd", f"mem-{n}", [OrderLine(s, q) for s, q in lines.items()], customer=f"customer-{n}"))
        after_intake = await used(floor)
        wave_size = 50
        for start in range(0, orders, wave_size):
            await floor.waves.release(WAREHOUSE, ReleaseWave(f"mw{start}", max_orders=wave_size, planner="serpentine",
                                                             pickers=1))
        after_release = await used(floor)
        scans = 0
        picker = "mp1"
        await floor.client.sadd(keys.key(WAREHOUSE, "pickers"), picker)
        await floor.picking.join(WAREHOUSE, picker, "memory-bench", 3_600_000)  # only present pickers get tasks
        while True:
            task_id = await floor.picking.assign(WAREHOUSE, picker)
            if not task_id:
                break
            task = await floor.picking.task(WAREHOUSE, task_id)
            for index, step in enumerate(task.steps):
                await floor.picking.scan(WAREHOUSE, picker, task_id, f"{task_id}-l{index}", step.location, 1)
                await floor.picking.scan(WAREHOUSE, picker, task_id, f"{task_id}-i{index}", step.gtin, step.quantity)
                scans += 2
        after_pick = await used(floor)
        scan_keys = 0
        async for _key in floor.client.scan_iter(match=keys.key(WAREHOUSE, "scan", "*", "*"), count=1000):
            scan_keys += 1
        sample = await floor.client.memory_usage(keys.key(WAREHOUSE, "scan", picker, f"{task_id or 'mw0-T01'}-i0"))
        events = await floor.client.xlen(keys.key(WAREHOUSE, "events"))
        unit_events = await floor.client.xlen(keys.key(WAREHOUSE, "units"))
        # What stays once the scan records' TTL has passed (deleted here instead of waiting a day).
        async for key in floor.client.scan_iter(match=keys.key(WAREHOUSE, "scan", "*", "*"), count=1000):
            await floor.client.unlink(key)
        after_expiry = await used(floor)
        per_order_live = (after_release - base) / orders
        per_order_done = (after_pick - base) / orders
        # Scan records expire after COMMAND_TTL; what stays per scan until then:
        scan_record = (after_pick - after_release) / max(scans, 1)
        return {
            "machine": platform.node(),
            "redis": (await floor.client.info("server"))["redis_version"],
            "orders": orders,
            "units": units,
            "scans": scans,
            "bytes_per_order_after_intake": round((after_intake - base) / orders),
            "bytes_per_order_released": round(per_order_live),
            "bytes_per_order_picked_incl_scans": round(per_order_done),
            "bytes_per_order_after_scan_ttl": round((after_expiry - base) / orders),
            "orders_per_gb_after_scan_ttl": int(2**30 / ((after_expiry - base) / orders)),
            "bytes_per_scan_incl_stream_and_record": round(scan_record),
            "scan_record_sample_bytes": sample,
            "scan_keys": scan_keys,
            "floor_stream_entries": events,
            "units_stream_entries": unit_events,
            "orders_per_gb_picked": int(2**30 / per_order_done),
            "scan_record_ttl_s": floor.settings.scan_ttl_s,
            "command_record_ttl_s": COMMAND_TTL,
        }
    finally:
        await floor.close()
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    started = time.monotonic()
    result = asyncio.run(run(args.orders, args.seed))
    result["seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
