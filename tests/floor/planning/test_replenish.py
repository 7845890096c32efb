"""Replenishment and putaway tasks on real Redis: stock moves atomically, per scan."""

from __future__ import annotations

from floor.floor import Floor
from floor.planning.model import Receipt, ReplenishRequest
from tests.floor.planning.helpers import picker_of, present, run_move_task, scan, setup_face


async def test_putaway_into_reserve_then_urgent_replenish_moves_units(small_demo: Floor, warehouse: str) -> None:
    floor, picker, sku = small_demo, picker_of(warehouse), "SKU00002"
    face, reserve = await setup_face(floor, warehouse, sku, 5, 40, 50, picker)
    state = await floor.planning.state(warehouse, sku)
    assert state.reserve == 50 and state.receiving == 0 and state.reserve_locations == {reserve: 50}
    on_hand = state.on_hand

    queued = await floor.planning.replenish(warehouse, ReplenishRequest(sku, face, urgent=True))
    assert queued.task_id
    task = await floor.picking.task(warehouse, queued.task_id)
    assert task.kind == "replenish" and task.picker == picker  # the idle picker got it
    assert [s.location for s in task.steps] == [reserve, face]
    qty = task.steps[0].quantity
    assert qty == 40 - state.pick_faces[face]
    mid = await floor.planning.state(warehouse, sku)
    assert mid.reserve_allocated == qty

    wrong = await scan(floor, warehouse, picker, task.task_id, face)
    assert wrong["verdict"] == "wrong_location" and wrong["kind"] == "replenish"
    first = await scan(floor, warehouse, picker, task.task_id, reserve)
    assert first["verdict"] == "ok"
    take = await scan(floor, warehouse, picker, task.task_id, task.steps[0].gtin, qty, scan_id="take-1")
    assert take["verdict"] == "ok" and take["step"] == 1
    again = await scan(floor, warehouse, picker, task.task_id, task.steps[0].gtin, qty, scan_id="take-1")
    assert again == take  # a repeated scan id changes nothing
    carried = await floor.planning.state(warehouse, sku)
    assert (carried.carried, carried.reserve, carried.on_hand) == (qty, 50 - qty, on_hand)
    await scan(floor, warehouse, picker, task.task_id, face)
    done = await scan(floor, warehouse, picker, task.task_id, task.steps[0].gtin, qty)
    assert done["task_done"] is True
    after = await floor.planning.state(warehouse, sku)
    assert (after.carried, after.on_hand, after.reserve, after.reserve_allocated) == (0, on_hand + qty, 50 - qty, 0)
    assert after.pick_faces[face] == 40


async def test_putaway_suggests_the_pick_face_when_it_has_room(small_demo: Floor, warehouse: str) -> None:
    floor, picker, sku = small_demo, picker_of(warehouse), "SKU00003"
    face, reserve = await setup_face(floor, warehouse, sku, 5, 40, 0, picker)
    queued = await floor.planning.receive(warehouse, Receipt("r1", sku, 10), "dock")
    assert queued.location == face
    big = await floor.planning.receive(warehouse, Receipt("r2", sku, 100), "dock")
    assert big.location == reserve  # no room on the face: the reserve location near it
    repeat = await floor.planning.receive(warehouse, Receipt("r2", sku, 100), "dock")
    assert repeat.repeat and repeat.task_id == big.task_id
    state = await floor.planning.state(warehouse, sku)
    assert state.receiving == 110
    task = await present(floor, warehouse, picker)
    assert task == queued.task_id
    over = await scan(floor, warehouse, picker, task, face)
    gtin = (await floor.picking.task(warehouse, task)).steps[0].gtin
    assert (await scan(floor, warehouse, picker, task, gtin, 11))["verdict"] == "over_pick"
    assert over["verdict"] == "ok"
    await scan(floor, warehouse, picker, task, gtin, 10)
    state = await floor.planning.state(warehouse, sku)
    assert state.receiving == 100 and state.pick_faces[face] == 30
    second = await floor.picking.store.current_task_id(warehouse, picker)
    assert second == big.task_id
    await run_move_task(floor, warehouse, picker, second)
    state = await floor.planning.state(warehouse, sku)
    assert state.receiving == 0 and state.reserve_locations[reserve] == 100


async def test_a_putaway_onto_the_face_reserves_a_backordered_order(small_demo: Floor, warehouse: str) -> None:
    from floor.orders.model import NewOrder, OrderLine
    from floor.planning.service import PlanFollower

    floor, picker, sku = small_demo, picker_of(warehouse), "SKU00019"
    face, _reserve = await setup_face(floor, warehouse, sku, 1, 200, 0, picker)
    follower = PlanFollower(floor.planning.store, [warehouse], restocked=floor.orders.retry_backorders)
    await follower.step(warehouse, 10)
    wanted = (await floor.inventory.level(warehouse, sku)).available + 3
    _, held = await floor.orders.intake(warehouse, NewOrder("jd", "BO-1", [OrderLine(sku, wanted)], warehouse))
    assert held.status == "backordered"
    queued = await floor.planning.receive(warehouse, Receipt("bo-r", sku, 5, face), "dock")
    assert await present(floor, warehouse, picker) == queued.task_id
    await run_move_task(floor, warehouse, picker, queued.task_id)
    await follower.step(warehouse, 10)
    assert (await floor.orders.get(warehouse, held.order_id)).status == "reserved"
