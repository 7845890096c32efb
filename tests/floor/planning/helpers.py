"""Shared steps of the planning, counting and returns tests (real Redis, the real scripts)."""

from __future__ import annotations

import json
from itertools import count
from typing import Any

from floor.floor import Floor
from floor.planning.model import LocationLimits, Receipt

_ids = count(1)


def picker_of(warehouse: str, n: int = 1) -> str:
    return f"{warehouse}p{n}"


async def present(floor: Floor, warehouse: str, picker: str) -> str:
    """Make the picker present and return the task it gets ('' when none)."""
    await floor.picking.join(warehouse, picker, f"sock-{picker}", 120_000)
    return await floor.picking.assign(warehouse, picker)


async def scan(floor: Floor, warehouse: str, picker: str, task_id: str, barcode: str, qty: int = 1,
               scan_id: str = "") -> dict[str, Any]:
    kind = await floor.planning.task_kind(warehouse, task_id)
    _repeat, verdict = await floor.planning.scan(
        warehouse, picker, task_id, scan_id or f"s{next(_ids)}", barcode, qty, kind)
    decoded: dict[str, Any] = json.loads(verdict)
    return decoded


async def run_move_task(floor: Floor, warehouse: str, picker: str, task_id: str) -> list[dict[str, Any]]:
    """Scan every step of a replenish / putaway task to the end (location, then its units)."""
    task = await floor.picking.task(warehouse, task_id)
    verdicts = []
    for step in task.steps[task.step:]:
        verdicts.append(await scan(floor, warehouse, picker, task_id, step.location))
        verdicts.append(await scan(floor, warehouse, picker, task_id, step.gtin, step.quantity))
    return verdicts


async def face_of(floor: Floor, warehouse: str, sku: str) -> str:
    level = await floor.inventory.level(warehouse, sku)
    return min(level.locations)


async def setup_face(floor: Floor, warehouse: str, sku: str, min_units: int, max_units: int,
                     reserve_units: int, picker: str) -> tuple[str, str]:
    """Give ``sku``'s pick face min/max, a reserve location R01-01 holding ``reserve_units`` (put
    away through a receipt and its task by ``picker``). Returns (face, reserve location)."""
    face = await face_of(floor, warehouse, sku)
    await floor.planning.configure_location(warehouse, LocationLimits(face, "pick_face", min_units, max_units, 60))
    reserve = f"{warehouse}-R01-01"
    await floor.planning.configure_location(warehouse, LocationLimits(reserve, "reserve", 0, 0, 500, 2, 1))
    if reserve_units:
        queued = await floor.planning.receive(
            warehouse, Receipt(f"rcv-{sku}", sku, reserve_units, reserve), "test")
        task = await present(floor, warehouse, picker)
        assert task == queued.task_id
        await run_move_task(floor, warehouse, picker, task)
    return face, reserve


async def release_order(floor: Floor, warehouse: str, sku: str, qty: int, ref: str) -> str:
    """Intake a one-line order and release it alone in a wave; returns the wave id."""
    from floor.orders.model import NewOrder, OrderLine
    from floor.waves.model import ReleaseWave

    _, placed = await floor.orders.intake(warehouse, NewOrder("tmall", ref, [OrderLine(sku, qty)], warehouse))
    assert placed.status == "reserved", placed
    await floor.waves.release(warehouse, ReleaseWave(f"wv-{ref}", pickers=1, order_ids=[placed.order_id],
                                                     warehouse=warehouse, planner="serpentine"))
    return f"wv-{ref}"


async def pick_task(floor: Floor, warehouse: str, picker: str, task_id: str, prefix: str) -> None:
    task = await floor.picking.task(warehouse, task_id)
    for n in range(task.step, len(task.steps)):
        step = task.steps[n]
        await floor.picking.scan(warehouse, picker, task_id, f"{prefix}-l{n}", step.location, 1)
        _r, verdict = await floor.picking.scan(warehouse, picker, task_id, f"{prefix}-i{n}", step.gtin, step.quantity)
        assert json.loads(verdict)["verdict"] == "ok", verdict
