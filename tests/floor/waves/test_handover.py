"""Zone picking with hand-over on a real Redis: tours stay in their zone; an order spanning zones
travels in one tote: the first zone's tour ends with "hand over tote T to zone B", the tour in
zone B is held until every tote it receives is handed over, starts by scanning each of them (a
wrong tote is refused and changes nothing), and the order is picked only after its last zone."""

from __future__ import annotations

import json
from typing import Any

from floor.core.ids import new_id
from floor.floor import Floor
from floor.layout.model import parse_location
from floor.picking.model import ReassignTask
from floor.store import keys
from floor.waves.model import ReleaseWave

ZONES = [{"name": "FAST", "first_aisle": 1, "last_aisle": 2}, {"name": "SLOW", "first_aisle": 3, "last_aisle": 4}]


async def take(floor: Floor, w: str, picker: str, task_id: str) -> None:
    """The picker takes ``task_id`` (a supervisor moves it there; a task it holds goes back to the queue)."""
    await floor.picking.join(w, picker, f"sock-{picker}", 60_000)
    holding = await floor.picking.store.current_task_id(w, picker)
    if holding and holding != task_id:
        await floor.picking.reassign(w, holding, ReassignTask(new_id("drop"), ""), "sup")
    if (await floor.picking.task(w, task_id)).picker != picker:
        await floor.picking.reassign(w, task_id, ReassignTask(new_id("take"), picker), "sup")


async def scan(floor: Floor, w: str, picker: str, task_id: str, scan_id: str, code: str, qty: int = 1) -> dict[str, Any]:
    _repeat, verdict = await floor.picking.scan(w, picker, task_id, scan_id, code, qty)
    found: dict[str, Any] = json.loads(verdict)
    return found


async def pick_steps(floor: Floor, w: str, picker: str, task_id: str) -> dict[str, Any]:
    task = await floor.picking.task(w, task_id)
    last: dict[str, Any] = {}
    for n, step in enumerate(task.steps):
        for scan_id, code, qty in ((f"{task_id}-l{n}", step.location, 1), (f"{task_id}-i{n}", step.gtin, step.quantity)):
            last = await scan(floor, w, picker, task_id, scan_id, code, qty)
            assert last["verdict"] == "ok", last
    assert (await floor.picking.task(w, task_id)).status == "completed"
    return last


async def test_zone_hand_over_end_to_end(small_demo: Floor, warehouse: str) -> None:
    floor, w = small_demo, warehouse
    await floor.client.hset(keys.key(w, "site"), "zones", json.dumps(ZONES))
    ids = await floor.orders.store.reserved_ids(w, 20)
    _repeat, wave = await floor.waves.release(w, ReleaseWave("z1", order_ids=ids, strategy="zone", cart_capacity=12))
    tasks = {task_id: await floor.picking.task(w, task_id) for task_id in wave.tasks}
    zone_of: dict[str, str] = {}
    for task_id, task in tasks.items():
        aisles = set()
        for step in task.steps:
            parsed = parse_location(step.location)
            assert parsed is not None
            aisles.add(parsed.aisle)
        assert aisles <= {1, 2} or aisles <= {3, 4}, f"{task_id} leaves its zone: aisles {aisles}"
        zone_of[task_id] = "FAST" if aisles <= {1, 2} else "SLOW"
    receiving = {t: task for t, task in tasks.items() if task.receive}
    assert receiving, "the demo should have an order with picks in both zones"
    for task_id, task in tasks.items():
        held = bool(task.receive)
        assert task.status == ("waiting" if held else "ready"), (task_id, task.status)
        assert not held or zone_of[task_id] == "SLOW"  # totes travel FAST -> SLOW
        for h in task.handover:
            assert zone_of[task_id] == "FAST" and h.zone == "SLOW" and zone_of[h.task] == "SLOW"
            assert any(r.order_id == h.order_id and r.tote == h.tote for r in tasks[h.task].receive)
    target_id, target = next(iter(receiving.items()))
    givers = [t for t, task in tasks.items() if any(h.task == target_id for h in task.handover)]
    spanning = target.receive[0].order_id

    # zone FAST: each tour giving a tote to the target ends by telling where it goes
    for n, giver in enumerate(givers):
        assert (await floor.picking.task(w, target_id)).status == "waiting"  # not every tote is in yet
        await take(floor, w, f"{w}p1", giver)
        last = await pick_steps(floor, w, f"{w}p1", giver)
        told = {(h["order_id"], h["tote"], h["zone"], h["task"]) for h in last["handover"]}
        assert {(h.order_id, h.tote, h.zone, h.task) for h in tasks[giver].handover} == told
        if n < len(givers) - 1:
            assert (await floor.orders.get(w, spanning)).status == "released"
    assert (await floor.orders.get(w, spanning)).status == "released"  # its SLOW part is still to pick
    assert (await floor.picking.task(w, target_id)).status in ("ready", "assigned")  # released by the hand-over
    entries = await floor.client.xrange(keys.key(w, "events"), count=10_000)
    handed = [json.loads(f["data"]) for _id, f in entries if f.get("type") == "tote_handed_over"]
    assert {(h["order_id"], h["tote"]) for h in handed if h["to_task"] == target_id} == {
        (r.order_id, r.tote) for r in target.receive}

    # zone SLOW: the picker starts by scanning the totes handed over, in order
    picker = f"{w}p2"
    await take(floor, w, picker, target_id)
    first = target.steps[0]
    refused = await scan(floor, w, picker, target_id, "r-loc", first.location)
    assert refused["verdict"] == "wrong_kind" and refused["expected_kind"] == "tote", refused
    assert refused["receive"]["tote"] == target.receive[0].tote
    wrong = await scan(floor, w, picker, target_id, "r-wrong", "TOTE-NOTTHISONE")
    assert wrong["verdict"] == "wrong_tote" and wrong["receive"]["tote"] == target.receive[0].tote
    assert (await floor.picking.task(w, target_id)).received == 0  # nothing changed
    for n, handed_in in enumerate(target.receive):
        got = await scan(floor, w, picker, target_id, f"r-{n}", handed_in.tote)
        assert got["verdict"] == "tote_received", got
        following = target.receive[n + 1] if n + 1 < len(target.receive) else None
        assert (got.get("receive") or {}).get("tote") == (following.tote if following else None), got
        repeat, again = await floor.picking.scan(w, picker, target_id, f"r-{n}", handed_in.tote, 1)
        assert repeat and json.loads(again) == got
    assert (await floor.picking.task(w, target_id)).received == len(target.receive)
    await pick_steps(floor, w, picker, target_id)
    tours = [t for t, task in tasks.items() if spanning in {s.order_id for s in task.steps}]
    assert len(tours) == 2 and target_id in tours  # one tour per zone, the tote went FAST -> SLOW
    order = await floor.orders.get(w, spanning)
    assert order.status == "picked" and order.picked_units == order.units, order  # after its last zone


async def test_zone_hand_over_with_tote_scanning_uses_the_bound_label(small_demo: Floor, warehouse: str) -> None:
    """With tote scanning on, the first zone's picker binds its own tote labels: the tote handed over
    is the one bound at the order's cart position, and the next zone scans that label in (it is then
    bound there too, so every later item is confirmed into it)."""
    floor, w = small_demo, warehouse
    await floor.client.hset(keys.key(w, "site"), mapping={"zones": json.dumps(ZONES), "tote_scan": "1"})
    ids = await floor.orders.store.reserved_ids(w, 20)
    _repeat, wave = await floor.waves.release(w, ReleaseWave("zt", order_ids=ids, strategy="zone", cart_capacity=12))
    tasks = {task_id: await floor.picking.task(w, task_id) for task_id in wave.tasks}
    target_id, target = next((t, task) for t, task in tasks.items() if task.receive)
    givers = [t for t, task in tasks.items() if any(h.task == target_id for h in task.handover)]
    labels: dict[str, str] = {}
    for n, giver in enumerate(givers):
        await take(floor, w, f"{w}p1", giver)
        task = await floor.picking.task(w, giver)
        positions = sorted({s.tote for s in task.steps})
        for position in positions:  # bind a label of our own to every cart position
            label = f"TOTE-G{n}P{position}"
            assert (await scan(floor, w, f"{w}p1", giver, f"b{n}-{position}", label))["verdict"] == "tote_bound"
            labels.update({h.order_id: label for h in task.handover if h.position == position})
        for k, step in enumerate(task.steps):
            for scan_id, code, qty in ((f"g{n}-l{k}", step.location, 1), (f"g{n}-i{k}", step.gtin, step.quantity),
                                       (f"g{n}-t{k}", f"TOTE-G{n}P{step.tote}", 1)):
                last = await scan(floor, w, f"{w}p1", giver, scan_id, code, qty)
                assert last["verdict"] == "ok", last
        assert {(h["order_id"], h["tote"]) for h in last["handover"]} >= {
            (h.order_id, labels[h.order_id]) for h in task.handover if h.task == target_id}
    receive = (await floor.picking.task(w, target_id)).receive
    assert all(r.tote == labels[r.order_id] for r in receive)  # the bound labels travel on
    await take(floor, w, f"{w}p2", target_id)
    for n, handed in enumerate(receive):
        got = await scan(floor, w, f"{w}p2", target_id, f"r{n}", handed.tote)
        assert got["verdict"] == "tote_received", got
    task = await floor.picking.task(w, target_id)
    assert {task.totes.get(r.position) for r in receive} == {r.tote for r in receive}  # bound on this cart too
