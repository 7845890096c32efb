"""Batch pick-and-sort on a real Redis: a batch tour picks SKU totals into one tote (stock leaves the
bins, no order is credited), its put-wall sort task then credits each order unit by unit on the
slot scan: a wrong slot is refused and changes nothing, a repeated scan id is answered the same
and credits nothing twice, an order is picked when its last unit is sorted."""

from __future__ import annotations

import json
from typing import Any

import pytest

from floor.core.errors import ConflictError
from floor.floor import Floor
from floor.picking.model import ReassignTask
from floor.store import keys
from floor.waves.model import ReleaseWave


async def pick_tour(floor: Floor, w: str, picker: str, task_id: str) -> dict[str, Any]:
    """The picker takes ``task_id`` and scans it to the end; the last verdict."""
    await floor.picking.join(w, picker, f"sock-{picker}", 60_000)
    if (await floor.picking.task(w, task_id)).picker != picker:
        await floor.picking.reassign(w, task_id, ReassignTask(f"take-{task_id}", picker), "sup")
    task = await floor.picking.task(w, task_id)
    last: dict[str, Any] = {}
    for n, step in enumerate(task.steps):
        for scan_id, code, qty in ((f"{task_id}-l{n}", step.location, 1), (f"{task_id}-i{n}", step.gtin, step.quantity)):
            _repeat, verdict = await floor.picking.scan(w, picker, task_id, scan_id, code, qty)
            last = json.loads(verdict)
            assert last["verdict"] == "ok", verdict
    assert (await floor.picking.task(w, task_id)).status == "completed"
    return last


async def sort(floor: Floor, w: str, picker: str, task_id: str, scan_id: str, barcode: str) -> tuple[bool, dict[str, Any]]:
    repeat, verdict = await floor.sorting.scan(w, picker, task_id, scan_id, barcode)
    return repeat, json.loads(verdict)


async def test_put_wall_sort_end_to_end(small_demo: Floor, warehouse: str) -> None:
    floor, w = small_demo, warehouse
    picker = f"{w}p1"
    ids = await floor.orders.store.reserved_ids(w, 5)
    orders = await floor.orders.store.many(w, ids)
    units = sum(o.units for o in orders)
    skus = {line.sku for o in orders for line in o.lines}
    on_hand = {sku: int(await floor.client.hget(keys.key(w, "sku", sku), "on_hand")) for sku in skus}
    _repeat, wave = await floor.waves.release(w, ReleaseWave("b1", order_ids=ids, strategy="batch", cart_capacity=200))
    tour_id, sort_id = wave.tasks  # one cart: one tour and its sort task
    assert tour_id.endswith("-B01") and sort_id.endswith("-S01")
    tour = await floor.picking.task(w, tour_id)
    assert {s.order_id for s in tour.steps} == {""}, "a batch tour picks SKU totals, for no order"
    assert sum(s.quantity for s in tour.steps) == units
    assert len({(s.sku, s.location) for s in tour.steps}) == len(tour.steps)  # one step per SKU x location
    held = await floor.sorting.view(w, sort_id)
    assert held.status == "waiting" and held.tour_id == tour_id and held.in_tote == {}
    assert {line.slot.order_id for line in held.lines} == set(ids)
    assert await floor.client.zscore(keys.key(w, "tasks_ready"), sort_id) is None  # held until picked

    await pick_tour(floor, w, picker, tour_id)
    for order in await floor.orders.store.many(w, ids):
        assert order.status == "released" and order.picked_units == 0, order  # the pick credits no order
    for sku in skus:
        wanted = sum(line.quantity for o in orders for line in o.lines if line.sku == sku)
        assert int(await floor.client.hget(keys.key(w, "sku", sku), "on_hand")) == on_hand[sku] - wanted
    view = await floor.sorting.view(w, sort_id)
    assert sum(view.in_tote.values()) == units  # the tote holds the SKU totals
    assert view.status == "assigned" and view.picker == picker  # the picker goes on to the wall

    with pytest.raises(ConflictError):  # nothing to short at the wall (no bins behind its slots)
        await floor.picking.short_pick(w, picker, sort_id, "short-at-wall", 0, 0)
    # a slot before a unit, and a unit not in the batch, are refused
    _r, first = await sort(floor, w, picker, sort_id, "s-0", view.lines[0].slot.label)
    assert first["verdict"] == "scan_item_first" and first["kind"] == "sort"
    _r, alien = await sort(floor, w, picker, sort_id, "s-1", "00000000000000")
    assert alien["verdict"] in ("wrong_item", "unknown_barcode", "bad_barcode"), alien

    gtin_of = {s.sku: s.gtin for s in tour.steps}
    n = 0
    wrong_done = repeat_done = False
    while True:
        view = await floor.sorting.view(w, sort_id)
        line = next((ln for ln in view.lines if ln.sorted < ln.quantity), None)
        if line is None:
            break
        n += 1
        _r, put = await sort(floor, w, picker, sort_id, f"u-{n}", gtin_of[line.sku])
        assert put["verdict"] == "put_to_slot", put
        slot = put["slot"]
        order_before = await floor.orders.get(w, slot["order_id"])
        if not wrong_done:
            other = next(ln.slot.label for ln in view.lines if ln.slot.label != slot["label"])
            _r, wrong = await sort(floor, w, picker, sort_id, f"w-{n}", other)
            assert wrong["verdict"] == "wrong_slot" and wrong["slot"] == slot, wrong  # told the right one
            assert (await floor.orders.get(w, slot["order_id"])).picked_units == order_before.picked_units
            assert (await floor.sorting.view(w, sort_id)).in_tote == view.in_tote  # nothing moved
            _r, again = await sort(floor, w, picker, sort_id, f"x-{n}", gtin_of[line.sku])
            assert again["verdict"] == "scan_slot_first"  # the unit in hand goes first
            wrong_done = True
        repeat, done = await sort(floor, w, picker, sort_id, f"p-{n}", slot["label"])
        assert not repeat and done["verdict"] == "ok" and done["units"] == 1, done
        after = await floor.orders.get(w, slot["order_id"])
        assert after.picked_units == order_before.picked_units + 1
        if not repeat_done:
            repeat, same = await sort(floor, w, picker, sort_id, f"p-{n}", slot["label"])
            assert repeat and same == done  # the same answer ...
            assert (await floor.orders.get(w, slot["order_id"])).picked_units == after.picked_units  # ... once
            repeat_done = True
        assert done["order_done"] == (after.picked_units == after.units)
    assert n == units and done["task_done"]
    for order in await floor.orders.store.many(w, ids):
        assert order.status == "picked" and order.picked_units == order.units, order  # on to packing
    assert (await floor.sorting.view(w, sort_id)).status == "completed"
    assert (await floor.waves.get(w, wave.wave_id)).status == "completed"
    entries = await floor.client.xrange(keys.key(w, "events"), count=10_000)
    sorted_events = [json.loads(f["data"]) for _id, f in entries if f.get("type") == "unit_sorted"]
    assert len(sorted_events) == units  # one per credited unit, none for the repeat or the wrong slot


async def test_a_short_batch_tour_backorders_the_last_slot_and_the_wall_still_finishes(
        small_demo: Floor, warehouse: str) -> None:
    """A SKU at one location only, wanted by two single-unit orders: the tour finds one unit. The
    last slot's order is backordered (picked_short), the tour ends, its sort task is released and
    finishes with the one unit picked; no key of an order '' is ever written."""
    from floor.catalog.model import Sku, make_gtin13
    from floor.inventory.model import AdjustStock
    from floor.orders.model import NewOrder, OrderLine

    floor, w, picker = small_demo, warehouse, f"{warehouse}p1"
    gtin = make_gtin13("690998", 5).zfill(14)
    await floor.catalog.define(w, Sku("SOLO", gtin, "Only at one location", 100))
    await floor.inventory.adjust(w, AdjustStock("solo-in", "SOLO", f"{w}-A02-C02", 2, "receipt"), "dev1")
    orders = [(await floor.orders.intake(w, NewOrder("tmall", f"SB-{n}", [OrderLine("SOLO", 1)], w)))[1]
              for n in range(2)]
    _repeat, wave = await floor.waves.release(w, ReleaseWave("bs", order_ids=[o.order_id for o in orders],
                                                             strategy="batch"))
    tour_id, sort_id = wave.tasks
    await floor.picking.join(w, picker, "sock-1", 60_000)
    assert await floor.picking.assign(w, picker) == tour_id
    step = (await floor.picking.task(w, tour_id)).steps[0]
    assert (step.sku, step.quantity) == ("SOLO", 2)
    _repeat, result = await floor.picking.short_pick(w, picker, tour_id, "short-1", 0, 1)
    assert json.loads(result)["backordered"] == 1
    last = (await floor.sorting.view(w, sort_id)).lines[-1].slot.order_id
    assert (await floor.orders.get(w, last)).status == "picked_short"
    assert (await floor.sorting.view(w, sort_id)).status == "waiting"  # the tour is not done yet
    for scan_id, code, qty in (("l", step.location, 1), ("i", step.gtin, 1)):
        _r, verdict = await floor.picking.scan(w, picker, tour_id, scan_id, code, qty)
        assert json.loads(verdict)["verdict"] == "ok"
    assert await floor.picking.store.current_task_id(w, picker) == sort_id
    _r, put = await sort(floor, w, picker, sort_id, "u1", gtin)
    assert put["verdict"] == "put_to_slot" and put["slot"]["order_id"] != last
    _r, done = await sort(floor, w, picker, sort_id, "s1", put["slot"]["label"])
    assert done["verdict"] == "ok" and done["order_done"] and done["task_done"], done
    assert (await floor.orders.get(w, put["slot"]["order_id"])).status == "picked"
    assert not await floor.client.exists(keys.key(w, "order", ""))


async def test_a_pick_scan_of_a_sort_task_is_refused(small_demo: Floor, warehouse: str) -> None:
    """A scan that reaches scan.lua for a sort task (a stale kind on a handheld, another path) is
    not_your_task: it never consumes stock at a wall slot or credits an order."""
    floor, w, picker = small_demo, warehouse, f"{warehouse}p1"
    ids = await floor.orders.store.reserved_ids(w, 2)
    _repeat, wave = await floor.waves.release(w, ReleaseWave("b2", order_ids=ids, strategy="batch"))
    tour_id, sort_id = wave.tasks
    await pick_tour(floor, w, picker, tour_id)
    step = (await floor.picking.task(w, sort_id)).steps[0]
    _r, put = await sort(floor, w, picker, sort_id, "u1", step.gtin)
    assert put["verdict"] == "put_to_slot"  # (the sort script marks the task at its location)
    for scan_id, code in (("x1", step.location), ("x2", step.gtin)):
        _repeat, verdict = await floor.picking.scan(w, picker, sort_id, scan_id, code, 1)
        assert json.loads(verdict)["verdict"] == "not_your_task"
    assert all(o.picked_units == 0 for o in await floor.orders.store.many(w, ids))
