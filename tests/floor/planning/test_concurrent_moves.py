"""Picks and replenishments on the same pick face at the same time: never negative, never moved twice."""

from __future__ import annotations

import asyncio
import json

from floor.floor import Floor
from floor.planning.model import ReplenishRequest
from tests.floor.planning.helpers import picker_of, present, release_order, scan, setup_face


async def test_concurrent_picks_and_replenishment_on_one_face(small_demo: Floor, warehouse: str) -> None:
    floor, sku = small_demo, "SKU00006"
    p1, p2 = picker_of(warehouse, 1), picker_of(warehouse, 2)  # p2 picks, p1 replenishes
    face, reserve = await setup_face(floor, warehouse, sku, 5, 45, 60, p2)
    before = await floor.planning.state(warehouse, sku)
    await release_order(floor, warehouse, sku, 6, "CC-1")  # to p2, present and idle
    pick_id = await floor.picking.store.current_task_id(warehouse, p2)
    assert pick_id
    assert await present(floor, warehouse, p1) == ""
    replen = await floor.planning.replenish(warehouse, ReplenishRequest(sku, face, urgent=True))
    assert await floor.picking.store.current_task_id(warehouse, p1) == replen.task_id
    rtask = await floor.picking.task(warehouse, replen.task_id)
    ptask = await floor.picking.task(warehouse, pick_id)
    moved = rtask.steps[0].quantity
    picked = sum(s.quantity for s in ptask.steps)

    async def picks() -> None:
        for n, step in enumerate(ptask.steps):
            await floor.picking.scan(warehouse, p2, pick_id, f"pk-l{n}", step.location, 1)
            for u in range(step.quantity):  # one unit per scan: many interleavings
                _r, v = await floor.picking.scan(warehouse, p2, pick_id, f"pk-i{n}-{u}", step.gtin, 1)
                assert json.loads(v)["verdict"] == "ok", v

    async def replenish() -> None:
        await scan(floor, warehouse, p1, rtask.task_id, reserve, scan_id="rp-l0")
        for u in range(moved):
            assert (await scan(floor, warehouse, p1, rtask.task_id, rtask.steps[0].gtin, 1,
                               scan_id=f"rp-t{u}"))["verdict"] == "ok"
        await scan(floor, warehouse, p1, rtask.task_id, face, scan_id="rp-l1")
        for u in range(moved):
            assert (await scan(floor, warehouse, p1, rtask.task_id, rtask.steps[0].gtin, 1,
                               scan_id=f"rp-p{u}"))["verdict"] == "ok"

    async def replay() -> None:  # every scan id again, concurrently: nothing moves twice
        await asyncio.gather(*(scan(floor, warehouse, p1, rtask.task_id, rtask.steps[0].gtin, 1, scan_id=f"rp-p{u}")
                               for u in range(moved)))

    await asyncio.gather(picks(), replenish())
    await asyncio.gather(replay(), replay())
    after = await floor.planning.state(warehouse, sku)
    assert after.pick_faces[face] == before.pick_faces[face] - picked + moved
    assert after.reserve == before.reserve - moved and after.carried == 0
    assert after.on_hand == before.on_hand - picked + moved == sum(after.pick_faces.values())
    assert min(after.pick_faces.values()) >= 0 and after.reserve_allocated == 0
    assert (await floor.picking.task(warehouse, replen.task_id)).status == "completed"
    assert (await floor.picking.task(warehouse, pick_id)).status == "completed"
