"""Pick-and-sort and zone hand-over through a running server and real handheld sockets (issue 11).

Put wall: the picker's batch tour (SKU totals) is followed by its sort task (``kind`` sort) on the
same socket; a unit scan names the slot, a wrong slot is refused, a resent scan id is answered the
same (``duplicate``), the slot scan credits the order, and the orders are picked when all is sorted.
Zone hand-over: picker 1's tour in zone FAST ends with the hand-over; picker 2 (idle) is then given
the SLOW tour, which starts by scanning the tote handed over. Every frame decodes strictly.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from floor.floor import Floor
from floor.layout.model import parse_location
from floor.store import keys
from floor.waves.model import ReleaseWave
from handheld_api.ws import protocol
from tests.handheld_api.wsclient import Client, handheld
from tests.live import LiveApp


async def _frame(hand: Client, kind: str) -> dict[str, Any]:
    """The next frame of type ``kind`` (each frame on the way decoded strictly)."""
    while True:
        frame = await hand.receive()
        protocol.OUTBOUND_DECODER.decode(json.dumps(frame))
        if frame["type"] == kind:
            return frame


async def _scan(hand: Client, scan_id: str, barcode: str, task_id: str, quantity: int = 1) -> dict[str, Any]:
    await hand.send({"type": "scan", "scan_id": scan_id, "barcode": barcode, "task_id": task_id, "quantity": quantity})
    while True:
        frame = await hand.receive()
        protocol.OUTBOUND_DECODER.decode(json.dumps(frame))
        if frame.get("type") == "verdict" and frame.get("scan_id") == scan_id:
            return frame


async def _pick(hand: Client, task: dict[str, Any], prefix: str) -> dict[str, Any]:
    verdict: dict[str, Any] = {}
    for n, step in enumerate(task["steps"]):
        assert (await _scan(hand, f"{prefix}-l{n}", step["location"], task["task_id"]))["verdict"] == "ok"
        verdict = await _scan(hand, f"{prefix}-i{n}", step["gtin"], task["task_id"], step["quantity"])
        assert verdict["verdict"] == "ok", verdict
    assert verdict["task_done"] is True
    return verdict


async def test_put_wall_sort_on_the_handheld(live_app: LiveApp, small_demo: Floor) -> None:
    floor, w, picker = small_demo, live_app.warehouse, live_app.pickers[0][0]
    ids = await floor.orders.store.reserved_ids(w, 3)
    _repeat, wave = await floor.waves.release(w, ReleaseWave("pw1", order_ids=ids, strategy="batch", cart_capacity=200))
    tour_id, sort_id = wave.tasks
    hand, first = await handheld(live_app, picker)
    try:
        assert first["type"] == "task" and first["task"]["task_id"] == tour_id
        await _pick(hand, first["task"], "bt")
        assert all(o.status == "released" for o in await floor.orders.store.many(w, ids))
        task = (await _frame(hand, "task"))["task"]  # straight on to the wall
        assert task["task_id"] == sort_id and task["kind"] == "sort"
        gtins = {s["sku"]: s["gtin"] for s in task["steps"]}
        wall = httpx.get(f"{live_app.url}/api/sorting/{sort_id}", params={"warehouse": w},
                         headers=live_app.headers(), timeout=10)  # the supervisor's view of the wall
        assert wall.status_code == 200, wall.text
        assert sum(wall.json()["in_tote"].values()) == sum(s["quantity"] for s in task["steps"])
        assert {line["slot"]["order_id"] for line in wall.json()["lines"]} == set(ids)
        refused = await _scan(hand, "ps-0", task["steps"][0]["location"], sort_id)
        assert refused["verdict"] == "scan_item_first" and refused["kind"] == "sort"
        n = 0
        while True:
            view = await floor.sorting.view(w, sort_id)
            line = next((ln for ln in view.lines if ln.sorted < ln.quantity), None)
            if line is None:
                break
            n += 1
            put = await _scan(hand, f"ps-u{n}", gtins[line.sku], sort_id)
            assert put["verdict"] == "put_to_slot" and put["slot"]["order_id"] == line.slot.order_id, put
            if n == 1:
                wrong = await _scan(hand, "ps-w", "PW-99", sort_id)
                assert wrong["verdict"] == "wrong_slot" and wrong["slot"] == put["slot"]
                assert (await floor.orders.get(w, line.slot.order_id)).picked_units == 0
            done = await _scan(hand, f"ps-s{n}", put["slot"]["label"], sort_id)
            assert done["verdict"] == "ok" and done["units"] == 1, done
            if n == 1:
                again = await _scan(hand, f"ps-s{n}", put["slot"]["label"], sort_id)  # resent: same answer
                assert again["duplicate"] is True and {**again, "duplicate": False} == {**done, "duplicate": False}
                assert (await floor.orders.get(w, line.slot.order_id)).picked_units == 1  # credited once
        assert done["task_done"] is True
        await _frame(hand, "idle")
        for order in await floor.orders.store.many(w, ids):
            assert order.status == "picked" and order.picked_units == order.units, order
    finally:
        await hand.close()


async def _spanning_order(floor: Floor, w: str) -> str:
    """A reserved order with stock in aisles 1-2 and 3-4 (zones FAST and SLOW)."""
    for order in await floor.orders.store.many(w, await floor.orders.store.reserved_ids(w, 50)):
        aisles, single = set(), True
        for line in order.lines:
            bins = await floor.client.hkeys(keys.key(w, "sku_bins", line.sku))
            single = single and len(bins) == 1  # one location per SKU: the zones are certain
            for location in bins:
                parsed = parse_location(location)
                assert parsed is not None
                aisles.add(parsed.aisle)
        if single and aisles & {1, 2} and aisles & {3, 4}:
            return order.order_id
    raise AssertionError("the demo should have an order spanning both zones")


async def test_zone_hand_over_on_the_handheld(live_app: LiveApp, small_demo: Floor) -> None:
    floor, w = small_demo, live_app.warehouse
    zones = [{"name": "FAST", "first_aisle": 1, "last_aisle": 2}, {"name": "SLOW", "first_aisle": 3, "last_aisle": 4}]
    await floor.client.hset(keys.key(w, "site"), "zones", json.dumps(zones))
    order_id = await _spanning_order(floor, w)
    _repeat, wave = await floor.waves.release(w, ReleaseWave("zh1", order_ids=[order_id], strategy="zone"))
    fast_id, slow_id = wave.tasks
    one, first = await handheld(live_app, live_app.pickers[0][0])
    two, idle = await handheld(live_app, live_app.pickers[1][0])
    try:
        assert first["type"] == "task" and first["task"]["task_id"] == fast_id and idle["type"] == "idle"
        handover = first["task"]["handover"]
        assert [(h["order_id"], h["zone"], h["task"]) for h in handover] == [(order_id, "SLOW", slow_id)]
        last = await _pick(one, first["task"], "zf")
        assert [(h["tote"], h["zone"]) for h in last["handover"]] == [(handover[0]["tote"], "SLOW")]
        assert (await floor.orders.get(w, order_id)).status == "released"  # SLOW still to pick
        task = (await _frame(two, "task"))["task"]  # released by the hand-over, to the idle picker
        assert task["task_id"] == slow_id and task["receive"][0]["tote"] == handover[0]["tote"]
        wrong = await _scan(two, "zs-x", task["steps"][0]["location"], slow_id)
        assert wrong["verdict"] == "wrong_kind" and wrong["receive"]["tote"] == handover[0]["tote"]
        got = await _scan(two, "zs-t", handover[0]["tote"], slow_id)
        assert got["verdict"] == "tote_received"
        await _pick(two, task, "zs")
        order = await floor.orders.get(w, order_id)
        assert order.status == "picked" and order.picked_units == order.units  # after its last zone
    finally:
        await one.close()
        await two.close()
