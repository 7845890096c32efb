"""The event contract (floor/core/events.py) against every script path, on a real Redis.

One scenario drives every Lua path that appends to a warehouse Stream; then every entry of
``{W}:events`` and ``{W}:units`` is decoded strictly against the catalogue, each on the Stream
its Struct names, and every catalogue type must have been seen: a new event without a scenario
here fails, and so does a script whose fields drift from its Struct. The frames scan.lua and
short_pick.lua build (``verdict``, ``short_pick_recorded``) are decoded strictly too.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import msgspec
import pytest

from floor.catalog.barcodes import Barcode
from floor.catalog.model import Sku, make_gtin13
from floor.core import events
from floor.core.ids import new_id
from floor.floor import Floor
from floor.incidents.model import ExceptionCommand, RaiseException
from floor.inventory.model import AdjustStock
from floor.orders.model import NewOrder, OrderLine
from floor.picking.model import ReassignTask
from floor.store import keys
from floor.waves.model import ReleaseWave
from handheld_api.ws.protocol import ShortPickRecorded, Verdict

_verdict = msgspec.json.Decoder(Verdict)
_short_pick = msgspec.json.Decoder(ShortPickRecorded)


@dataclass
class Run:
    """What one scenario run produced besides the Streams: the Lua-built frames."""

    floor: Floor
    warehouse: str
    verdicts: list[str] = field(default_factory=list)
    short_picks: list[str] = field(default_factory=list)

    @property
    def picker(self) -> str:
        return f"{self.warehouse}p1"

    async def scan(self, task_id: str, scan_id: str, barcode: str, quantity: int = 1, picker: str = "") -> dict:
        repeat, verdict = await self.floor.picking.scan(
            self.warehouse, picker or self.picker, task_id, scan_id, barcode, quantity
        )
        if repeat:  # exactly what the handheld socket sends for a repeated scan id
            verdict = '{"duplicate":true,' + verdict[1:]
        self.verdicts.append(verdict)
        return dict(json.loads(verdict))

    async def short_pick(self, task_id: str, request_id: str, step: int, found: int) -> dict:
        repeat, result = await self.floor.picking.short_pick(
            self.warehouse, self.picker, task_id, request_id, step, found
        )
        self.short_picks.append(('{"duplicate":true,' + result[1:]) if repeat else result)
        return dict(json.loads(result))

    async def release_one(self, wave_id: str, order_ids: list[str] | None = None, max_orders: int = 2) -> str:
        """Release a one-task wave and hand its task to picker 1; returns the task id."""
        await self.floor.waves.release(self.warehouse, ReleaseWave(
            wave_id, pickers=1, order_ids=order_ids, max_orders=max_orders, warehouse=self.warehouse,
            planner="serpentine",
        ))
        await self.floor.picking.join(self.warehouse, self.picker, f"sock-{self.picker}", 60_000)
        task_id = await self.floor.picking.assign(self.warehouse, self.picker)
        assert task_id
        return task_id

    async def pick_all(self, task_id: str) -> None:
        """Scan location + item for every remaining step until the task is done."""
        task = await self.floor.picking.task(self.warehouse, task_id)
        for n in range(task.step, len(task.steps)):
            step = task.steps[n]
            await self.scan(task_id, f"{task_id}-l{n}", step.location)
            await self.scan(task_id, f"{task_id}-i{n}", step.gtin, step.quantity)
        assert (await self.floor.picking.task(self.warehouse, task_id)).status == "completed"


async def intake_reserve_backorder_retry(run: Run) -> None:
    """order_received (reserved and backordered), stock_adjusted (receipt), order_reserved."""
    floor, w = run.floor, run.warehouse
    _, placed = await floor.orders.intake(w, NewOrder("tmall", "C-1", [OrderLine("SKU00010", 1)], w))
    assert placed.status == "reserved"
    level = await floor.inventory.level(w, "SKU00011")
    wanted = level.available + 5
    _, held = await floor.orders.intake(w, NewOrder("jd", "C-2", [OrderLine("SKU00011", wanted)], w))
    assert held.status == "backordered"
    result = await floor.inventory.adjust(w, AdjustStock("rcv-1", "SKU00011", f"{w}-A01-C02", 10, "receipt"), "dev1")
    assert held.order_id in result.backorders_reserved
    await floor.inventory.adjust(w, AdjustStock("cc-1", "SKU00011", f"{w}-A01-C02", -1, "cycle_count"), "dev1")


async def release_scan_to_completion(run: Run) -> None:
    """wave_released, task_assigned, picked (units), order_picked, task_completed, wave_completed;
    and a verdict of every kind the scan rules give, plus a repeated scan id."""
    task_id = await run.release_one("cw-1")
    task = await run.floor.picking.task(run.warehouse, task_id)
    step = task.steps[0]
    other_location = f"{run.warehouse}-A04-C10" if step.location != f"{run.warehouse}-A04-C10" else f"{run.warehouse}-A04-C09"
    assert (await run.scan(task_id, "v1", "garbage"))["verdict"] == "unknown_barcode"
    assert (await run.scan(task_id, "v2", step.gtin))["verdict"] == "scan_location_first"
    assert (await run.scan(task_id, "v3", other_location))["verdict"] == "wrong_location"
    assert (await run.scan(task_id, "v4", step.location))["verdict"] == "ok"
    assert (await run.scan(task_id, "v5", "4006381333931"))["verdict"] == "wrong_item"
    assert (await run.scan(task_id, "v6", Barcode(step.gtin, expiry="200101").element_string()))["verdict"] == "expired_lot"
    assert (await run.scan(task_id, "v7", step.gtin, step.quantity + 1))["verdict"] == "over_pick"
    assert (await run.scan(task_id, "v8", step.gtin, picker=f"{run.warehouse}p2"))["verdict"] == "not_your_task"
    assert (await run.scan(task_id, "v4", "garbage"))["duplicate"] is True
    await run.pick_all(task_id)
    done = json.loads(run.verdicts[-1])
    assert done["task_done"] is True and "expected" not in done


async def short_pick_relocated(run: Run) -> None:
    """stock_adjusted (short_pick), exception_raised (short_pick), task_updated (short_pick.lua,
    reorder_steps.lua); then the task is finished normally."""
    floor, w = run.floor, run.warehouse
    task_id = await run.release_one("cw-2", max_orders=4)
    task = await floor.picking.task(w, task_id)
    step = task.steps[0]
    spare = f"{w}-A02-C05" if step.location != f"{w}-A02-C05" else f"{w}-A02-C06"
    await floor.inventory.adjust(w, AdjustStock("spare-1", step.sku, spare, 50, "receipt"), "dev1")
    result = await run.short_pick(task_id, "sp-1", 0, 0)
    assert result["relocated"] == step.quantity and result["task_done"] is False
    await run.short_pick(task_id, "sp-1", 0, 0)  # a repeat: the first result, marked duplicate
    await run.pick_all(task_id)


async def short_pick_backordered_and_shed(run: Run) -> None:
    """A SKU held at one location only: the short pick loses it all, sheds another (reserved,
    unreleased) order's reservation (order_backordered), backorders the line and so settles the
    order picked_short, completes the one-step task and its wave."""
    floor, w = run.floor, run.warehouse
    gtin = make_gtin13("690999", 7).zfill(14)
    await floor.catalog.define(w, Sku("SOLO", gtin, "Only at one location", 100))
    await floor.inventory.adjust(w, AdjustStock("solo-in", "SOLO", f"{w}-A02-C02", 10, "receipt"), "dev1")
    _, first = await floor.orders.intake(w, NewOrder("tmall", "S-1", [OrderLine("SOLO", 2)], w))
    task_id = await run.release_one("cw-3", order_ids=[first.order_id])
    _, second = await floor.orders.intake(w, NewOrder("tmall", "S-2", [OrderLine("SOLO", 3)], w))
    assert second.status == "reserved"
    result = await run.short_pick(task_id, "sp-2", 0, 0)
    assert result["backordered"] == 2 and result["relocated"] == 0 and result["task_done"] is True
    assert (await floor.orders.get(w, second.order_id)).status == "backordered"
    assert (await floor.orders.get(w, first.order_id)).status == "picked_short"


async def exceptions_raise_acknowledge_resolve(run: Run) -> None:
    """exception_raised (reported), exception_acknowledged, exception_resolved."""
    floor, w = run.floor, run.warehouse
    raised = await floor.incidents.raise_one(w, RaiseException("rep-1", "damaged", location=f"{w}-A01-C01"),
                                             run.picker, picker=run.picker)
    await floor.incidents.transition(w, raised.exception_id, "acknowledge", ExceptionCommand("ack-1", "seen"), "sup")
    await floor.incidents.transition(w, raised.exception_id, "resolve", ExceptionCommand("res-1", "fixed"), "sup")


async def presence_and_reassign(run: Run) -> None:
    """picker_present, picker_absent (a socket leaves), task_unassigned + task_reassigned (a
    supervisor moves an unstarted task to another present picker, then back to the queue)."""
    floor, w = run.floor, run.warehouse
    task_id = await run.release_one("cw-4")
    other = f"{w}p2"
    await floor.picking.join(w, other, "sock-other", 60_000)
    moved = await floor.picking.reassign(w, task_id, ReassignTask("ra-1", other), "sup")
    assert moved.picker == other
    await floor.picking.reassign(w, task_id, ReassignTask("ra-2", ""), "sup")  # back to the queue
    await floor.picking.leave(w, other, "sock-other")


async def return_outcome(run: Run) -> None:
    """return_outcome (floor/returns/lua/rma_dispose.lua): an RMA whose every unit has a disposition."""
    from floor.returns.model import Disposition, NewRma, ReceiveItem, ReturnLine

    floor, w = run.floor, run.warehouse
    rma = await floor.returns.create(w, NewRma("cw-rma", "jd", [ReturnLine("SKU00020", 1)]), "sup")
    await floor.returns.receive_parcel(w, rma.rma_id, "dock")
    await floor.returns.receive_item(w, rma.rma_id, ReceiveItem("cw-u1", "SKU00020", serial="S1"), "dock")
    await floor.returns.dispose(w, rma.rma_id, Disposition("cw-u1", "damaged", "cracked"), "qc")


async def release_policy_decides(run: Run) -> None:
    """release_decided: the continuous policy releases a tour for an idle picker by itself."""
    from floor.waves.policy import ReleasePolicy

    floor, w = run.floor, run.warehouse
    picker = f"{w}p3"
    await floor.release.set_policy(w, ReleasePolicy(mode="continuous", cart_capacity=4), "sup", 0)
    await floor.picking.join(w, picker, "sock-p3", 60_000)
    while await floor.picking.assign(w, picker):  # drain what earlier scenarios left ready
        await floor.client.hdel(keys.key(w, "picker", picker), "task")
    decisions = await floor.release.tick(w)
    assert decisions and decisions[0].mode == "continuous"
    # back to manual: the session's live web nodes run the release loop on this same Redis
    await floor.release.set_policy(w, ReleasePolicy(), "sup", 0)

async def order_put_back(run: Run) -> None:
    """order_put_back (floor/putback/lua/putback_cancel.lua): a released order cancelled after a pick;
    its put-back task's verdicts (putback_scan.lua) decode as verdict frames."""
    floor, w = run.floor, run.warehouse
    _, placed = await floor.orders.intake(w, NewOrder("tmall", "C-PB", [OrderLine("SKU00021", 1)], w))
    task_id = await run.release_one("cw-pb", order_ids=[placed.order_id])
    step = (await floor.picking.task(w, task_id)).steps[0]
    await run.scan(task_id, "pb-l", step.location)
    await run.scan(task_id, "pb-i", step.gtin, step.quantity)
    result = await floor.putback.cancel(w, placed.order_id, "cancelled on the platform")
    for scan_id, code in (("pb-1", step.location), ("pb-2", step.gtin), ("pb-3", step.location)):
        _repeat, verdict = await floor.planning.scan(w, run.picker, result.task_id, scan_id, code, 1, "putback")
        run.verdicts.append(verdict)


async def parcel_voided(run: Run) -> None:
    """parcel_voided (putback_cancel.lua): an order picked and packed into an open pack session, then
    cancelled: the session is void and its units go back from the pack station."""
    floor, w = run.floor, run.warehouse
    _, placed = await floor.orders.intake(w, NewOrder("tmall", "C-PV", [OrderLine("SKU00022", 1)], w))
    task_id = await run.release_one("cw-pv", order_ids=[placed.order_id])
    await run.pick_all(task_id)
    session = await floor.shipping.start_pack(w, placed.order_id, "PACK-9")
    assert (await floor.shipping.scan(w, placed.order_id, "SKU00022"))[0] == "ok" and session.station == "PACK-9"
    result = await floor.putback.cancel(w, placed.order_id, "cancelled on the platform")
    assert result.outcome == "put_back" and result.packed  # (the release loop may have taken the order first)


async def _take(run: Run, picker: str, task_id: str) -> None:
    """``picker`` takes ``task_id`` (a task it holds goes back to the queue)."""
    floor, w = run.floor, run.warehouse
    await floor.picking.join(w, picker, f"sock-{picker}", 60_000)
    holding = await floor.picking.store.current_task_id(w, picker)
    if holding and holding != task_id:
        await floor.picking.reassign(w, holding, ReassignTask(new_id("drop"), ""), "sup")
    if (await floor.picking.task(w, task_id)).picker != picker:
        await floor.picking.reassign(w, task_id, ReassignTask(new_id("take"), picker), "sup")


async def put_wall_sort(run: Run) -> None:
    """unit_sorted (floor/sorting/lua/sort_scan.lua): a batch tour picked, then sorted at the wall;
    its verdicts (put_to_slot, wrong_slot, scan_slot_first, scan_item_first, ok) decode strictly."""
    floor, w = run.floor, run.warehouse
    ids = await floor.orders.store.reserved_ids(w, 2)
    _, wave = await floor.waves.release(w, ReleaseWave("cw-batch", order_ids=ids, strategy="batch", cart_capacity=100))
    tour_id, sort_id = wave.tasks
    await _take(run, run.picker, tour_id)
    await run.pick_all(tour_id)
    await _take(run, run.picker, sort_id)
    view = await floor.sorting.view(w, sort_id)
    gtins = {s.sku: s.gtin for s in (await floor.picking.task(w, sort_id)).steps}

    async def sort(scan_id: str, barcode: str) -> dict:
        _repeat, verdict = await floor.sorting.scan(w, run.picker, sort_id, scan_id, barcode)
        run.verdicts.append(verdict)
        return dict(json.loads(verdict))

    assert (await sort("cs-0", view.lines[0].slot.label))["verdict"] == "scan_item_first"
    for n, line in enumerate(view.lines):
        for u in range(line.quantity):
            put = await sort(f"cs-{n}-{u}-i", gtins[line.sku])
            assert put["verdict"] == "put_to_slot", put
            if n == 0 and u == 0:
                assert (await sort("cs-again", gtins[line.sku]))["verdict"] == "scan_slot_first"
                assert (await sort("cs-wrong", "PW-99"))["verdict"] == "wrong_slot"
            assert (await sort(f"cs-{n}-{u}-s", put["slot"]["label"]))["verdict"] == "ok"
    assert (await floor.sorting.view(w, sort_id)).status == "completed"


async def zone_hand_over(run: Run) -> None:
    """tote_handed_over (scan.lua): a zone tour hands an order's tote on; the receiving tour scans it in."""
    import json as _json

    floor, w = run.floor, run.warehouse
    zones = [{"name": "FAST", "first_aisle": 1, "last_aisle": 2}, {"name": "SLOW", "first_aisle": 3, "last_aisle": 4}]
    await floor.client.hset(keys.key(w, "site"), "zones", _json.dumps(zones))
    ids = await floor.orders.store.reserved_ids(w, 6)
    _, wave = await floor.waves.release(w, ReleaseWave("cw-zone", order_ids=ids, strategy="zone", cart_capacity=40))
    await floor.client.hdel(keys.key(w, "site"), "zones")
    tasks = [await floor.picking.task(w, t) for t in wave.tasks]
    target = next(t for t in tasks if t.receive)
    for giver in [t for t in tasks if any(h.task == target.task_id for h in t.handover)]:
        await _take(run, run.picker, giver.task_id)
        await run.pick_all(giver.task_id)
    await _take(run, run.picker, target.task_id)
    assert (await run.scan(target.task_id, "cz-wrong", "TOTE-NOPE"))["verdict"] == "wrong_tote"
    for n, handed in enumerate(target.receive):
        assert (await run.scan(target.task_id, f"cz-{n}", handed.tote))["verdict"] == "tote_received"
    await run.pick_all(target.task_id)


SCENARIOS: list[Callable[[Run], Awaitable[None]]] = [
    intake_reserve_backorder_retry,
    release_scan_to_completion,
    short_pick_relocated,
    short_pick_backordered_and_shed,
    exceptions_raise_acknowledge_resolve,
    presence_and_reassign,
    return_outcome,
    put_wall_sort,
    zone_hand_over,
    release_policy_decides,
    order_put_back,
    parcel_voided,
]


async def _entries(floor: Floor, warehouse: str, stream: str) -> list[tuple[str, dict[str, str]]]:
    entries: list[tuple[str, dict[str, str]]] = await floor.client.xrange(keys.key(warehouse, stream))
    return entries


async def test_every_script_path_emits_only_catalogue_events(small_demo: Floor, warehouse: str) -> None:
    run = Run(small_demo, warehouse)
    for scenario in SCENARIOS:
        await scenario(run)
    seen: dict[str, list[events.Event]] = {}
    for stream in (events.FLOOR_STREAM, events.UNITS_STREAM):
        for entry_id, fields in await _entries(small_demo, warehouse, stream):
            event = events.decode_event(entry_id, fields)
            assert type(event).stream == stream, f"{entry_id}: {fields['type']} belongs on {type(event).stream}"
            seen.setdefault(fields["type"], []).append(event)
    missing = set(events.EVENT_TYPES) - set(seen)
    assert not missing, f"no scenario emits {sorted(missing)}: add one to SCENARIOS"
    variants = {(name, getattr(e, "status", None) or getattr(e, "reason", None)) for name, es in seen.items() for e in es}
    assert {("order_received", "reserved"), ("order_received", "backordered"), ("order_picked", "picked"),
            ("order_picked", "picked_short"), ("stock_adjusted", "short_pick"), ("stock_adjusted", "receipt"),
            ("stock_adjusted", "cycle_count")} <= variants
    assert {e.kind for e in seen["exception_raised"] if isinstance(e, events.ExceptionRaised)} == {
        "short_pick", "damaged", "parcel_voided"}  # parcel_voided: the board's exception for a voided parcel
    # Every Lua-built frame decodes strictly against its Struct.
    words = {_verdict.decode(v).verdict for v in run.verdicts}
    assert words >= {"ok", "unknown_barcode", "scan_location_first", "wrong_location", "wrong_item", "expired_lot",
                     "over_pick", "not_your_task"}
    recorded = [_short_pick.decode(s) for s in run.short_picks]
    assert [r.duplicate for r in recorded] == [False, True, False]


async def test_wrong_lot_verdict_decodes(small_demo: Floor, warehouse: str) -> None:
    """The one verdict the main scenario cannot reach without a lot-tracked step."""
    run = Run(small_demo, warehouse)
    task_id = await run.release_one("lot-1")
    task = await small_demo.picking.task(warehouse, task_id)
    step = msgspec.structs.replace(task.steps[0], lot="L1")
    await small_demo.client.lset(keys.key(warehouse, "steps", task_id), 0, msgspec.json.encode(step))
    await run.scan(task_id, "l1", step.location)
    assert (await run.scan(task_id, "l2", Barcode(step.gtin, lot="L2").element_string()))["verdict"] == "wrong_lot"
    for verdict in run.verdicts:
        _verdict.decode(verdict)


def test_the_verdict_words_are_the_floors() -> None:
    from typing import get_args

    from floor.picking.model import VERDICTS
    from handheld_api.ws.protocol import VerdictWord

    assert get_args(VerdictWord) == VERDICTS


@pytest.mark.parametrize("fields, problem", [
    ({"type": "order_reserved", "data": '{"order_id": "o", "extra": 1}'}, "unknown field `extra`"),
    ({"type": "order_reserved", "data": "{}"}, "missing required field `order_id`"),
    ({"type": "wave_released", "data": '{"wave_id": "w", "orders": "2", "tasks": 1, "units": 3}'}, "Expected `int`"),
    ({"type": "order_picked", "data": '{"order_id": "o", "status": "lost", "picked_units": 1, "short_units": 0}'},
     "Invalid enum value 'lost'"),
    ({"type": "order_teleported", "data": '{"order_id": "o"}'}, "unknown event type"),
    ({"type": "order_reserved"}, "expected fields type and data"),
    ({"type": "order_reserved", "data": '{"type": "order_picked", "order_id": "o"}'}, "Invalid value 'order_picked'"),
])
def test_decode_event_refuses_drift(fields: dict[str, str], problem: str) -> None:
    with pytest.raises(events.EventContractError, match=problem.replace("(", r"\(")):
        events.decode_event("1-0", fields)


def test_entries_round_trip_and_carry_the_tag_only_in_type() -> None:
    event = events.StockAdjusted("c1", "SKU1", "W1-A01-C01", -2, "damage", "dev1", 8, 5)
    entry = events.to_entry(event)
    assert entry["type"] == "stock_adjusted" and "type" not in json.loads(entry["data"])
    assert events.decode_event("1-0", entry) == event
    assert events.decode_event("1-0", {k.encode(): v.encode() for k, v in entry.items()}) == event
