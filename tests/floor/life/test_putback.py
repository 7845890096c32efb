"""Cancel after release on real Redis: picking of the order stops (its unpicked steps leave the pick
task, their reservation is released through the ledger), the picked units become a put-back task
(kind putback) that the picker gets next; each unit is scanned, then its bin, and goes back on hand
exactly once (a replayed scan id changes nothing); the ledger shows no drift afterwards."""

from __future__ import annotations

import json
from typing import Any

import msgspec

from floor.floor import Floor
from floor.orders.model import NewOrder, OrderLine
from floor.store import keys
from floor.waves.model import ReleaseWave
from tests.floor.life.helpers import register
from tests.floor.oms_setup import order as channel_order

SKUS = ("SKU00003", "SKU00004")


async def _scan(floor: Floor, w: str, picker: str, task_id: str, barcode: str, scan_id: str) -> tuple[bool, Any]:
    repeat, verdict = await floor.planning.scan(w, picker, task_id, scan_id, barcode, 1, "putback")
    return repeat, json.loads(verdict)


async def _counters(floor: Floor, w: str) -> dict[str, tuple[int, int]]:
    out = {}
    for sku in SKUS:
        row = await floor.client.hmget(keys.key(w, "sku", sku), "on_hand", "reserved")
        out[sku] = (int(row[0]), int(row[1]))
    return out


async def released_order(floor: Floor, w: str, picker: str, external: str) -> tuple[str, str]:
    _r, order = await floor.orders.intake(w, NewOrder("tmall", external, [OrderLine(SKUS[0], 2), OrderLine(SKUS[1], 3)], w))
    assert order.status == "reserved"
    await floor.waves.release(w, ReleaseWave(f"wv-{external}", pickers=1, order_ids=[order.order_id], warehouse=w,
                                             planner="serpentine"))
    await floor.picking.join(w, picker, f"sock-{picker}", 60_000)
    task_id = await floor.picking.assign(w, picker)
    assert task_id
    return order.order_id, task_id


async def test_cancel_after_release_stops_picking_and_puts_back_once(small_demo: Floor, warehouse: str) -> None:
    floor, w, picker = small_demo, warehouse, f"{warehouse}p1"
    before = await _counters(floor, w)
    order_id, pick_task = await released_order(floor, w, picker, "PB-1")
    task = await floor.picking.task(w, pick_task)
    first = task.steps[0]
    # the first step is picked in full, the second not at all
    await floor.picking.scan(w, picker, pick_task, "p1", first.location, 1)
    await floor.picking.scan(w, picker, pick_task, "p2", first.gtin, first.quantity)
    assert (await floor.picking.task(w, pick_task)).step == 1

    outcome = await floor.life.cancel_on_floor(w, order_id, "cancelled on the platform")
    assert outcome == "put_back"
    order = await floor.orders.get(w, order_id)
    assert order.status == "cancelled"
    assert (await floor.picking.task(w, pick_task)).status == "completed"  # nothing left to pick for it
    other = SKUS[1] if first.sku == SKUS[0] else SKUS[0]
    after_cancel = await _counters(floor, w)
    assert after_cancel[other] == before[other]  # its reservation released, nothing picked
    assert after_cancel[first.sku] == (before[first.sku][0] - first.quantity, before[first.sku][1])
    assert (await floor.life.cancel_on_floor(w, order_id, "again")) == "cancelled"  # a repeat: already done
    assert (await floor.putback.cancel(w, order_id, "again")).repeat  # the script answers 'exists', no 2nd task
    assert await floor.client.zcard(keys.key(w, "move_tasks")) == 1

    putback = await floor.client.hget(keys.key(w, "order", order_id), "putback")
    assert putback and await floor.planning.task_kind(w, putback) == "putback"
    assert await floor.client.hget(keys.key(w, "picker", picker), "task") == putback  # handed to the picker
    view = await floor.putback.task(w, putback)
    assert view.steps == [(first.location, first.sku, first.quantity, 0)] and view.units == first.quantity

    wrong_bin = f"{w}-A04-C10" if first.location != f"{w}-A04-C10" else f"{w}-A04-C09"
    assert (await _scan(floor, w, picker, putback, first.location, "b1"))[1]["verdict"] == "wrong_kind"
    assert (await _scan(floor, w, picker, putback, "4006381333931", "b2"))[1]["verdict"] == "wrong_item"
    assert (await _scan(floor, w, picker, putback, first.gtin, "b3"))[1]["verdict"] == "ok"
    assert (await _scan(floor, w, picker, putback, first.gtin, "b4"))[1]["verdict"] == "wrong_kind"  # bin first
    assert (await _scan(floor, w, picker, putback, wrong_bin, "b5"))[1]["verdict"] == "wrong_location"
    _, verdict = await _scan(floor, w, picker, putback, first.location, "b6")
    assert verdict["verdict"] == "ok" and verdict["picked"] == 1 and not verdict["task_done"]
    repeat, replay = await _scan(floor, w, picker, putback, first.location, "b6")  # replayed: applies once
    assert repeat and replay == verdict
    assert (await _counters(floor, w))[first.sku][0] == before[first.sku][0] - first.quantity + 1
    for n in range(1, first.quantity):
        await _scan(floor, w, picker, putback, first.gtin, f"u{n}")
        _, verdict = await _scan(floor, w, picker, putback, first.location, f"l{n}")
    assert verdict["task_done"] is True
    assert (await _scan(floor, w, picker, putback, first.gtin, "late"))[1]["verdict"] == "not_your_task"
    assert await _counters(floor, w) == before  # every unit back, every reservation released
    assert (await floor.putback.task(w, putback)).returned == first.quantity
    report = await floor.availability.check(w)
    assert report.drift == [] and report.negative == []
    # the pick's commit is ONE ledger entry moving both counters (lib/ledger.lua ledger_move_pair)
    commits = [e for e in await floor.availability.store.ledger(w) if e.kind == "commit"]
    assert [(e.field, e.delta) for e in commits] == [("on_hand", -first.quantity), ("reserved", -first.quantity)]
    assert commits[0].entry_id == commits[1].entry_id


async def test_cancel_before_any_pick_needs_no_put_back(small_demo: Floor, warehouse: str) -> None:
    floor, w, picker = small_demo, warehouse, f"{warehouse}p1"
    before = await _counters(floor, w)
    order_id, pick_task = await released_order(floor, w, picker, "PB-2")
    assert (await floor.life.cancel_on_floor(w, order_id, "buyer cancelled")) == "put_back"
    assert await floor.client.hget(keys.key(w, "order", order_id), "putback") == ""
    assert (await floor.picking.task(w, pick_task)).status == "completed"
    assert await _counters(floor, w) == before
    assert (await floor.availability.check(w)).drift == []


async def test_a_line_refund_after_release_shrinks_picking_then_puts_back(small_demo: Floor, warehouse: str) -> None:
    floor, w, picker = small_demo, warehouse, f"{warehouse}p1"
    before = await _counters(floor, w)
    order_id, pick_task = await released_order(floor, w, picker, "PB-3")
    task = await floor.picking.task(w, pick_task)
    first, second = task.steps[0], task.steps[1]
    assert first.sku != second.sku and len(task.steps) == 2
    await floor.picking.scan(w, picker, pick_task, "p1", first.location, 1)
    await floor.picking.scan(w, picker, pick_task, "p2", first.gtin, first.quantity)

    refund = {first.sku: 1, second.sku: 1}  # one picked unit goes back, one unpicked unit is not picked
    result = await floor.putback.refund(w, order_id, refund, "v2", "line refund")
    assert result.task_id and not result.repeat
    assert (await floor.putback.refund(w, order_id, refund, "v2", "line refund")).repeat  # applies once
    order = await floor.orders.get(w, order_id)
    assert order.status == "released" and order.units == 3 and order.picked_units == first.quantity - 1
    assert sorted((line.sku, line.quantity) for line in order.lines) == sorted(
        [(first.sku, first.quantity - 1), (second.sku, second.quantity - 1)])
    shrunk = await floor.picking.task(w, pick_task)
    assert shrunk.step == 1 and shrunk.steps[1].quantity == second.quantity - 1
    await floor.picking.scan(w, picker, pick_task, "p3", second.location, 1)
    await floor.picking.scan(w, picker, pick_task, "p4", second.gtin, second.quantity - 1)
    assert (await floor.orders.get(w, order_id)).status == "picked"  # the rest is all picked
    assert await floor.client.hget(keys.key(w, "picker", picker), "task") == result.task_id  # then the put-back
    await _scan(floor, w, picker, result.task_id, first.gtin, "r1")
    _, verdict = await _scan(floor, w, picker, result.task_id, first.location, "r2")
    assert verdict["verdict"] == "ok" and verdict["task_done"] is True
    after = await _counters(floor, w)
    assert after[first.sku] == (before[first.sku][0] - (first.quantity - 1), before[first.sku][1])
    assert after[second.sku] == (before[second.sku][0] - (second.quantity - 1), before[second.sku][1])
    assert (await floor.availability.check(w)).drift == []


async def test_a_platform_line_refund_after_release_reaches_the_floor(small_demo: Floor, warehouse: str) -> None:
    """Through the channel: the platform marks the picked line refunding; its picked units go back."""
    floor, w, picker = small_demo, warehouse, f"{warehouse}p1"
    before = await _counters(floor, w)
    shop = await register(floor, "taobao", f"rf-{w.lower()}", w, "http://127.0.0.1:9", skus=SKUS)
    placed = channel_order("RF-1", [(SKUS[0], 2), (SKUS[1], 3)], shop=shop.shop)
    taken = await floor.channels.take(shop, placed)
    assert taken.result == "reserved"
    await floor.waves.release(w, ReleaseWave("wv-rf", pickers=1, order_ids=[taken.floor_order], warehouse=w,
                                             planner="serpentine"))
    await floor.picking.join(w, picker, f"sock-{picker}", 60_000)
    pick_task = await floor.picking.assign(w, picker)
    assert pick_task
    first = (await floor.picking.task(w, pick_task)).steps[0]
    await floor.picking.scan(w, picker, pick_task, "p1", first.location, 1)
    await floor.picking.scan(w, picker, pick_task, "p2", first.gtin, first.quantity)
    refunding = [msgspec.structs.replace(line, refunding=line.channel_sku == first.sku) for line in placed.lines]
    await floor.channels.take(shop, msgspec.structs.replace(placed, lines=refunding, updated_ms=2))
    order = await floor.orders.get(w, taken.floor_order)
    assert [line.sku for line in order.lines] == [s for s in SKUS if s != first.sku] and order.picked_units == 0
    putback = await floor.client.hget(keys.key(w, "order", taken.floor_order), f"refund|refund:{2}")
    view = await floor.putback.task(w, putback)
    assert view.steps == [(first.location, first.sku, first.quantity, 0)]
    assert (await _counters(floor, w))[first.sku] == (before[first.sku][0] - first.quantity, before[first.sku][1])
    assert (await floor.availability.check(w)).drift == []
