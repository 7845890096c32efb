"""Low-stock crossings: one exception per crossing, re-armed when stock climbs back; the follower
applies each Stream entry once however many followers run."""

from __future__ import annotations

from floor.floor import Floor
from floor.inventory.model import AdjustStock
from floor.planning.model import Thresholds
from floor.planning.service import PlanFollower
from tests.floor.planning.helpers import pick_task, picker_of, present, release_order


async def _low_stock(floor: Floor, warehouse: str) -> list[str]:
    raw = await floor.client.xrange(f"{{{warehouse}}}:events")
    import json
    return [json.loads(f["data"])["exception_id"] for _, f in raw
            if f["type"] == "exception_raised" and json.loads(f["data"])["kind"] == "low_stock"]


async def test_one_exception_per_crossing_and_rearm(small_demo: Floor, warehouse: str) -> None:
    floor, sku, picker = small_demo, "SKU00004", picker_of(warehouse)
    followers = [PlanFollower(floor.planning.store, [warehouse]), PlanFollower(floor.planning.store, [warehouse])]
    level = await floor.inventory.level(warehouse, sku)
    face = min(level.locations)
    start = level.on_hand  # 20 on one face
    await floor.planning.set_thresholds(warehouse, Thresholds(sku, safety=5, reorder_point=17))
    for f in followers:
        await f.step(warehouse, 10)  # cursors at the tip
    assert await _low_stock(floor, warehouse) == []

    await release_order(floor, warehouse, sku, 2, "LS-1")
    task = await present(floor, warehouse, picker)
    await pick_task(floor, warehouse, picker, task, "p1")  # 20 -> 18: above 17
    for f in followers:
        await f.step(warehouse, 10)
    assert await _low_stock(floor, warehouse) == []
    await release_order(floor, warehouse, sku, 2, "LS-2")
    task = await floor.picking.assign(warehouse, picker)
    await pick_task(floor, warehouse, picker, task, "p2")  # 18 -> 16: crosses 17
    applied = [await f.step(warehouse, 10) for f in followers]
    assert applied[0] > 0  # the second follower only applies what the first one wrote since
    raised = await _low_stock(floor, warehouse)
    assert len(raised) == 1
    state = await floor.planning.state(warehouse, sku)
    assert state.below_reorder and not state.below_safety and state.on_hand == start - 4
    suggestions = await floor.planning.suggestions(warehouse)
    assert suggestions[0].kind == "purchase" and suggestions[0].sku == sku and suggestions[0].quantity > 0

    await release_order(floor, warehouse, sku, 1, "LS-3")
    task = await floor.picking.assign(warehouse, picker)
    await pick_task(floor, warehouse, picker, task, "p3")  # 16 -> 15: still below, no new exception
    await followers[0].step(warehouse, 10)
    assert len(await _low_stock(floor, warehouse)) == 1

    await floor.inventory.adjust(warehouse, AdjustStock("up", sku, face, 10, "receipt"), "dock")  # 25: re-armed
    await followers[1].step(warehouse, 10)
    assert not (await floor.planning.state(warehouse, sku)).below_reorder
    await floor.inventory.adjust(warehouse, AdjustStock("down", sku, face, -12, "damage"), "dock")  # 13: crosses
    await followers[0].step(warehouse, 10)
    assert len(await _low_stock(floor, warehouse)) == 2
    await floor.planning.set_thresholds(warehouse, Thresholds(sku, safety=14, reorder_point=17))  # 13 < 14
    assert len(await _low_stock(floor, warehouse)) == 3
    assert (await floor.planning.state(warehouse, sku)).below_safety


async def test_short_pick_queues_urgent_replenishment_and_a_count(small_demo: Floor, warehouse: str) -> None:
    from tests.floor.planning.helpers import setup_face

    floor, sku = small_demo, "SKU00005"
    p1, p2 = picker_of(warehouse, 1), picker_of(warehouse, 2)
    face, _reserve = await setup_face(floor, warehouse, sku, 2, 30, 40, p1)
    follower = PlanFollower(floor.planning.store, [warehouse])
    await follower.step(warehouse, 10)
    await release_order(floor, warehouse, sku, 3, "SP-1")
    task_id = await floor.picking.store.current_task_id(warehouse, p1)
    step = (await floor.picking.task(warehouse, task_id)).steps[0]
    assert step.location == face
    await floor.picking.scan(warehouse, p1, task_id, "sp-l", face, 1)
    await floor.picking.short_pick(warehouse, p1, task_id, "sp-req", 0, 0)
    await follower.step(warehouse, 10)
    tasks = {t.kind: t for t in await floor.planning.move_tasks(warehouse)}
    assert tasks["replenish"].urgent and tasks["replenish"].sku == sku
    assert "count" in tasks
    # the short pick ended p1's task: p1 waited idle and got the urgent one first, then p2 the count
    assert await floor.picking.store.current_task_id(warehouse, p1) == tasks["replenish"].task_id
    assert await present(floor, warehouse, p2) == tasks["count"].task_id
    await follower.step(warehouse, 10)  # nothing new: still one of each
    assert sorted(t.kind for t in await floor.planning.move_tasks(warehouse)) == ["count", "replenish"]
