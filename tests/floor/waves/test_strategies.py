"""Pick strategies on a real Redis: discrete (one order per tour) and zone picking (tours stay in
their zone; an order spanning zones is picked in one tour per zone and settles when the last is done)."""

from __future__ import annotations

import json

from floor.floor import Floor
from floor.layout.model import parse_location
from floor.picking.model import ReassignTask
from floor.store import keys
from floor.waves.model import ReleaseWave


async def _pick_task(floor: Floor, w: str, picker: str, task_id: str) -> None:
    """The picker takes ``task_id`` (moved to it as a supervisor would) and scans it to the end."""
    await floor.picking.join(w, picker, f"sock-{picker}", 60_000)
    await floor.picking.reassign(w, task_id, ReassignTask(f"take-{task_id}", picker), "sup")
    task = await floor.picking.task(w, task_id)
    for n, step in enumerate(task.steps):
        for scan_id, code, qty in ((f"{task_id}-l{n}", step.location, 1), (f"{task_id}-i{n}", step.gtin, step.quantity)):
            _repeat, verdict = await floor.picking.scan(w, picker, task_id, scan_id, code, qty)
            assert json.loads(verdict)["verdict"] == "ok", verdict
    assert (await floor.picking.task(w, task_id)).status == "completed"


async def test_discrete_strategy_makes_one_tour_per_order(small_demo: Floor, warehouse: str) -> None:
    floor, w = small_demo, warehouse
    ids = await floor.orders.store.reserved_ids(w, 4)
    _repeat, wave = await floor.waves.release(w, ReleaseWave("d1", order_ids=ids, strategy="discrete"))
    assert len(wave.tasks) == 4
    for task_id in wave.tasks:
        task = await floor.picking.task(w, task_id)
        assert len({s.order_id for s in task.steps}) == 1


async def test_zone_picking_keeps_tours_in_zone_and_hands_an_order_over(small_demo: Floor, warehouse: str) -> None:
    floor, w = small_demo, warehouse
    zones = [{"name": "FAST", "first_aisle": 1, "last_aisle": 2}, {"name": "SLOW", "first_aisle": 3, "last_aisle": 4}]
    await floor.client.hset(keys.key(w, "site"), "zones", json.dumps(zones))
    ids = await floor.orders.store.reserved_ids(w, 20)
    _repeat, wave = await floor.waves.release(w, ReleaseWave("z1", order_ids=ids, strategy="zone", cart_capacity=12))
    tours_of: dict[str, list[str]] = {}
    for task_id in wave.tasks:
        task = await floor.picking.task(w, task_id)
        aisles = set()
        for step in task.steps:
            parsed = parse_location(step.location)
            assert parsed is not None
            aisles.add(parsed.aisle)
            tours_of.setdefault(step.order_id, [])
            if task_id not in tours_of[step.order_id]:
                tours_of[step.order_id].append(task_id)
        assert aisles <= {1, 2} or aisles <= {3, 4}, f"{task_id} leaves its zone: aisles {aisles}"
    spanning = [o for o, tours in tours_of.items() if len(tours) > 1]
    assert spanning, "the demo should have an order with picks in both zones"
    order_id = spanning[0]
    first, *rest = tours_of[order_id]
    await _pick_task(floor, w, f"{w}p1", first)
    assert (await floor.orders.get(w, order_id)).status == "released"  # its other zone is still open
    for n, task_id in enumerate(rest):
        await _pick_task(floor, w, f"{w}p{2 + n % 2}", task_id)
    assert (await floor.orders.get(w, order_id)).status == "picked"


async def test_strategy_is_checked(small_demo: Floor, warehouse: str) -> None:
    import pytest

    from floor.core.errors import ValidationError

    with pytest.raises(ValidationError):
        await small_demo.waves.release(warehouse, ReleaseWave("bad", max_orders=2, strategy="teleport"))
    with pytest.raises(ValidationError):
        await small_demo.waves.release(warehouse, ReleaseWave("bad2", max_orders=2, strategy="zone",
                                                              planner="serpentine"))
