"""Every Lua script against the real Redis, including each error code it can return."""

from __future__ import annotations

import json

import pytest

from floor.catalog.barcodes import Barcode
from floor.catalog.model import Sku
from floor.core.errors import (
    ConflictError,
    IllegalTransitionError,
    InsufficientStockError,
    NotFoundError,
    ValidationError,
)
from floor.floor import Floor
from floor.incidents.model import ExceptionCommand, RaiseException
from floor.inventory.model import AdjustStock
from floor.orders.model import NewOrder, OrderLine
from floor.store import keys
from floor.store.scripts import ScriptError, build
from floor.waves.model import ReleaseWave, WavePlan
from floor.waves.optimal import reroute_tail


async def first_task(floor: Floor, warehouse: str, picker: str, orders: int = 3) -> dict:
    await floor.waves.release(warehouse, ReleaseWave(f"w-{picker}", pickers=1, max_orders=orders, warehouse=warehouse, planner="serpentine"))
    await floor.picking.join(warehouse, picker, f"sock-{picker}", 600_000)  # only present pickers get work
    task_id = await floor.picking.assign(warehouse, picker)
    return json.loads(json.dumps(await _task(floor, warehouse, task_id)))


async def _task(floor: Floor, warehouse: str, task_id: str) -> dict:
    import msgspec

    return msgspec.to_builtins(await floor.picking.task(warehouse, task_id))


async def test_keys_share_one_hash_tag_and_lua_builds_the_same_names(floor: Floor) -> None:
    assert keys.key("W7", "scan", "p1", "s1") == "{W7}:scan:p1:s1"
    script = build("probe", "-- probe\n-- requires: (none)\n"
                            "return {K.sku('X'), K.scan('p', ('s')), K.order_ext('jd', string.format('%d', 9))}\n")
    result = await floor.client.eval(script.source, 1, "{W7}:events", "{W7}:")
    assert result == ["{W7}:sku:X", "{W7}:scan:p:s", "{W7}:orderext:jd:9"]
    assert all(t.count("{") == t.count("{}") for t in keys.TEMPLATES.values())


async def test_define_sku_refuses_a_gtin_of_another_sku(small_demo: Floor, warehouse: str) -> None:
    gtin = (await small_demo.catalog.labels(warehouse, ["SKU00001"]))["SKU00001"][0]
    with pytest.raises(ValidationError, match="SKU00001"):
        await small_demo.catalog.define(warehouse, Sku("NEW", gtin, "dup", 1))


async def test_intake_reserves_all_or_backorders_and_repeats_change_nothing(small_demo: Floor, warehouse: str) -> None:
    before = await small_demo.inventory.level(warehouse, "SKU00010")
    order = NewOrder("tmall", "T-1", [OrderLine("SKU00010", 2), OrderLine("SKU00010", 1)], warehouse)
    repeat, placed = await small_demo.orders.intake(warehouse, order)
    assert not repeat and placed.status == "reserved" and placed.units == 3
    repeat, again = await small_demo.orders.intake(warehouse, order)
    assert repeat and again.order_id == placed.order_id
    after = await small_demo.inventory.level(warehouse, "SKU00010")
    assert after.reserved == before.reserved + 3
    big = NewOrder("tmall", "T-2", [OrderLine("SKU00010", 1), OrderLine("SKU00011", 10_000)], warehouse)
    _, held = await small_demo.orders.intake(warehouse, big)
    assert held.status == "backordered" and "SKU00011 needs 10000" in held.reason
    assert (await small_demo.inventory.level(warehouse, "SKU00010")).reserved == after.reserved  # all or nothing
    with pytest.raises(ValidationError, match="unknown SKU 'GHOST'"):
        await small_demo.orders.intake(warehouse, NewOrder("tmall", "T-3", [OrderLine("GHOST", 1)], warehouse))
    with pytest.raises(NotFoundError):
        await small_demo.orders.intake("NOWH", NewOrder("tmall", "T-4", [OrderLine("SKU00001", 1)]))


async def test_retry_backorder_codes(small_demo: Floor, warehouse: str) -> None:
    with pytest.raises(NotFoundError):
        await small_demo.orders.store.retry_backorder(warehouse, "nope")
    _, order = await small_demo.orders.intake(warehouse, NewOrder("jd", "J-1", [OrderLine("SKU00002", 1)], warehouse))
    with pytest.raises(IllegalTransitionError):
        await small_demo.orders.store.retry_backorder(warehouse, order.order_id)


async def test_adjust_stock_codes(small_demo: Floor, warehouse: str) -> None:
    loc = f"{warehouse}-A01-C01"
    result = await small_demo.inventory.adjust(warehouse, AdjustStock("a1", "SKU00003", loc, 5, "receipt"), "t")
    assert not result.repeat and result.location_on_hand >= 5
    same = await small_demo.inventory.adjust(warehouse, AdjustStock("a1", "SKU00003", loc, 5, "receipt"), "t")
    assert same.repeat and same.on_hand == result.on_hand
    # The same command id from another sender is another command (ids are scoped per sender).
    other = await small_demo.inventory.adjust(warehouse, AdjustStock("a1", "SKU00003", loc, 5, "receipt"), "u")
    assert not other.repeat and other.on_hand == result.on_hand + 5
    with pytest.raises(ValidationError, match="unknown SKU"):
        await small_demo.inventory.adjust(warehouse, AdjustStock("a2", "GHOST", loc, 5, "receipt"), "t")
    with pytest.raises(InsufficientStockError, match="reserved|would hold"):
        await small_demo.inventory.adjust(warehouse, AdjustStock("a3", "SKU00003", loc, -10_000, "cycle_count"), "t")


async def test_release_wave_conflict_and_repeat(small_demo: Floor, warehouse: str) -> None:
    repeat, wave = await small_demo.waves.release(warehouse, ReleaseWave("wx", pickers=2, max_orders=4, warehouse=warehouse, planner="serpentine"))
    assert not repeat and wave.tasks_open == 2
    assert await small_demo.waves.store.release(warehouse, WavePlan("wx", [], [], [])) is True
    # A plan whose orders were released meanwhile is refused, and nothing changes.
    stale = WavePlan("wy", wave.orders, [], [])
    with pytest.raises(ConflictError, match="is released"):
        await small_demo.waves.store.release(warehouse, stale)
    assert not await small_demo.client.exists(keys.key(warehouse, "wave", "wy"))
    with pytest.raises(ConflictError, match="not releasable"):
        await small_demo.waves.release(warehouse, ReleaseWave("wz", order_ids=wave.orders[:1], warehouse=warehouse))
    await small_demo.waves.release(warehouse, ReleaseWave("all", max_orders=10_000, warehouse=warehouse, cart_capacity=60))
    with pytest.raises(ValidationError, match="no reserved orders"):  # nothing left to release
        await small_demo.waves.release(warehouse, ReleaseWave("empty", warehouse=warehouse))


async def test_scan_verdicts_cover_every_rule(small_demo: Floor, warehouse: str) -> None:
    picker = f"{warehouse}p1"
    task = await first_task(small_demo, warehouse, picker)
    step = task["steps"][0]
    tid = task["task_id"]

    async def scan(sid: str, barcode: str, qty: int = 1, task_id: str = tid, who: str = picker) -> dict:
        repeat, verdict = await small_demo.picking.scan(warehouse, who, task_id, sid, barcode, qty)
        return dict(json.loads(verdict), repeat=repeat)

    assert (await scan("1", "garbage"))["verdict"] == "unknown_barcode"
    assert (await scan("2", step["gtin"]))["verdict"] == "scan_location_first"
    assert (await scan("3", f"{warehouse}-A04-C10" if step["location"] != f"{warehouse}-A04-C10" else f"{warehouse}-A04-C09"))["verdict"] == "wrong_location"
    assert (await scan("4", step["location"]))["verdict"] == "ok"
    assert (await scan("5", "4006381333931"))["verdict"] == "wrong_item"
    assert (await scan("6", Barcode(step["gtin"], expiry="200101").element_string()))["verdict"] == "expired_lot"
    assert (await scan("7", step["gtin"], qty=step["quantity"] + 1))["verdict"] == "over_pick"
    assert (await scan("8", step["gtin"], who=f"{warehouse}p2"))["verdict"] == "not_your_task"
    assert (await scan("9", step["gtin"], task_id="nope"))["verdict"] == "not_your_task"
    # wrong_lot: make the current step lot-tracked, then scan another lot.
    steps_key = keys.key(warehouse, "steps", tid)
    lotted = dict(step, lot="L1")
    await small_demo.client.lset(steps_key, 0, json.dumps(lotted))
    assert (await scan("10", Barcode(step["gtin"], lot="L2").element_string()))["verdict"] == "wrong_lot"
    ok = await scan("11", Barcode(step["gtin"], lot="L1", expiry="491231").element_string(), qty=step["quantity"])
    assert ok["verdict"] == "ok" and ok["step"] == 1
    again = await scan("11", "garbage")  # a repeat id returns the first verdict whatever is sent
    assert again["repeat"] and again["verdict"] == "ok"
    counts = await small_demo.picking.store.verdict_counts(warehouse)
    assert counts["ok"] == 2 and counts["not_your_task"] == 2 and counts["wrong_lot"] == 1


async def test_scan_moves_stock_order_and_wave(small_demo: Floor, warehouse: str) -> None:
    picker = f"{warehouse}p1"
    task = await first_task(small_demo, warehouse, picker, orders=1)
    before = {s["sku"]: await small_demo.inventory.level(warehouse, s["sku"]) for s in task["steps"]}
    for n, step in enumerate(task["steps"]):
        await small_demo.picking.scan(warehouse, picker, task["task_id"], f"l{n}", step["location"], 1)
        await small_demo.picking.scan(warehouse, picker, task["task_id"], f"i{n}", step["gtin"], step["quantity"])
    for step in task["steps"]:
        after = await small_demo.inventory.level(warehouse, step["sku"])
        units = sum(s["quantity"] for s in task["steps"] if s["sku"] == step["sku"])
        assert after.on_hand == before[step["sku"]].on_hand - units
        assert after.reserved == before[step["sku"]].reserved - units
        assert step["location"] not in after.allocated
    order = await small_demo.orders.get(warehouse, task["steps"][0]["order_id"])
    assert order.status == "picked" and order.picked_units == order.units
    wave = await small_demo.waves.get(warehouse, task["wave_id"])
    assert wave.status == "completed" and wave.picked_units == wave.units
    assert (await small_demo.picking.task(warehouse, task["task_id"])).status == "completed"


async def test_short_pick_codes_and_backorder(small_demo: Floor, warehouse: str) -> None:
    picker = f"{warehouse}p1"
    task = await first_task(small_demo, warehouse, picker, orders=1)
    tid = task["task_id"]
    with pytest.raises(ConflictError, match="at step 0"):
        await small_demo.picking.short_pick(warehouse, picker, tid, "r0", 3, 0)
    with pytest.raises(ConflictError):
        await small_demo.picking.short_pick(warehouse, f"{warehouse}p2", tid, "r0", 0, 0)
    with pytest.raises(ValidationError, match="only"):
        await small_demo.picking.short_pick(warehouse, picker, tid, "r0", 0, 10_000)
    step = task["steps"][0]
    # Empty every other location of the SKU so nothing can be re-allocated.
    stock = await small_demo.inventory.level(warehouse, step["sku"])
    for n, (loc, units) in enumerate(stock.locations.items()):
        if loc != step["location"]:
            await small_demo.inventory.adjust(warehouse, AdjustStock(f"empty{n}", step["sku"], loc, -units, "cycle_count"), "t")
    repeat, result = await small_demo.picking.short_pick(warehouse, picker, tid, "r1", 0, 0)
    result = json.loads(result)
    assert not repeat and result["backordered"] == step["quantity"] and result["relocated"] == 0
    order = await small_demo.orders.get(warehouse, step["order_id"])
    assert order.short_units == step["quantity"]
    after = await small_demo.inventory.level(warehouse, step["sku"])
    assert after.available >= 0 and step["location"] not in after.locations
    exception = (await small_demo.incidents.open(warehouse))[0]
    assert exception.kind == "short_pick" and "backordered" in exception.detail


async def test_short_pick_reroutes_the_unvisited_tail(small_demo: Floor, warehouse: str) -> None:
    picker = f"{warehouse}p1"
    task = await first_task(small_demo, warehouse, picker, orders=5)
    step = task["steps"][0]
    spare = f"{warehouse}-A02-C05" if step["location"] != f"{warehouse}-A02-C05" else f"{warehouse}-A02-C06"
    await small_demo.inventory.adjust(warehouse, AdjustStock("spare", step["sku"], spare, 50, "receipt"), "t")
    _, result = await small_demo.picking.short_pick(warehouse, picker, task["task_id"], "rr1", 0, 0)
    assert json.loads(result)["relocated"] == step["quantity"]
    after = await small_demo.picking.task(warehouse, task["task_id"])
    assert after.step == 1  # nothing found: the short step is done
    # Same steps as before plus the re-allocated one; the unvisited tail is in exact-route order.
    assert sorted(s.location for s in after.steps[1:]) == sorted([s["location"] for s in task["steps"][1:]] + [spare])
    layout = await small_demo.layouts.get(warehouse)
    tail = list(after.steps[after.step + 1:])
    assert [s.location for s in reroute_tail(layout, tail)] == [s.location for s in tail]
    with pytest.raises(ConflictError):  # the task moved on: a stale reorder is refused
        await small_demo.picking.store.reorder_steps(warehouse, task["task_id"], 5, len(after.steps), list(after.steps[6:]))


async def test_exception_scripts(small_demo: Floor, warehouse: str) -> None:
    raised = await small_demo.incidents.raise_one(warehouse, RaiseException("x1", "damaged"), "dev1")
    assert raised.status == "raised" and raised.exception_id != "x1"  # the server names it
    again = await small_demo.incidents.raise_one(warehouse, RaiseException("x1", "damaged"), "dev1")
    assert again.exception_id == raised.exception_id  # the same sender's repeat
    other = await small_demo.incidents.raise_one(warehouse, RaiseException("x1", "damaged"), "dev2")
    assert other.exception_id != raised.exception_id  # another sender's equal id is another exception
    xid = raised.exception_id
    repeat, acked = await small_demo.incidents.transition(warehouse, xid, "acknowledge", ExceptionCommand("c1"), "sup")
    assert not repeat and acked.status == "acknowledged" and acked.by == "sup"
    repeat, same = await small_demo.incidents.transition(warehouse, xid, "acknowledge", ExceptionCommand("c1"), "sup")
    assert repeat and same.status == "acknowledged"
    with pytest.raises(IllegalTransitionError, match="'acknowledged' cannot 'acknowledge'"):
        await small_demo.incidents.transition(warehouse, xid, "acknowledge", ExceptionCommand("c1"), "sup2")
    with pytest.raises(NotFoundError):
        await small_demo.incidents.transition(warehouse, "zz", "resolve", ExceptionCommand("c3"), "sup")
    with pytest.raises(ValidationError):
        await small_demo.incidents.raise_one(warehouse, RaiseException("x2", "alien"), "dev1")
    with pytest.raises(ValidationError):  # short picks only come from the short-pick path
        await small_demo.incidents.raise_one(warehouse, RaiseException("x3", "short_pick"), "dev1")


async def test_scripts_reload_after_script_flush(small_demo: Floor, warehouse: str) -> None:
    await small_demo.client.script_flush()
    assert not await small_demo.scripts.loaded()
    task_id = await small_demo.picking.assign(warehouse, f"{warehouse}p3")  # EVAL fallback: still answers
    assert task_id == ""
    assert await small_demo.healthy() == {"redis": True, "scripts": True}  # the health check reloads them all
    assert await small_demo.scripts.loaded()


async def test_every_script_appends_to_the_warehouse_stream(small_demo: Floor, warehouse: str) -> None:
    events = await small_demo.client.xrange(keys.key(warehouse, "events"))
    kinds = {fields["type"] for _id, fields in events}
    assert {"stock_adjusted", "order_received"} <= kinds


def test_lua_requires_are_resolved_once_in_dependency_order() -> None:
    script = build("probe", "-- probe\n-- requires: tasks, events\nreturn assign_next('p1')\n")
    assert script.source.count("local function emit(") == 1
    assert script.source.index("local function emit(") < script.source.index("local function assign_next")


def test_a_script_carries_only_the_functions_and_keys_it_reaches() -> None:
    """Every definition is a closure made on every call: unreached ones are blanked, line for line."""
    body = "-- probe: hand_out is named in this comment only\n-- requires: tasks\nreturn assign_next('p1')\n"
    script = build("probe", body)
    # assign_next -> is_present (presence), give_task -> emit (events); nothing else of tasks.lua
    for reached in ("assign_next", "give_task", "is_present", "emit"):
        assert f"local function {reached}(" in script.source
    for unreached in ("hand_out", "complete_task", "finish_tour", "emit_unit", "mark_absent"):
        assert f"local function {unreached}(" not in script.source
    assert "(P .. 'tasks:ready')" in script.source and "K.tasks_ready(" not in script.source
    lines = script.source.split("\n")
    assert script.locate(lines.index("local function assign_next(picker)") + 1) == "lib/tasks.lua:14"
    assert script.locate(len(lines) - 1) == "probe.lua:3"
    with pytest.raises(ValueError, match="no_such_key"):
        build("bad", "-- bad\n-- requires: (none)\nreturn K.no_such_key()\n")
    with pytest.raises(ValueError, match="takes 1 argument"):
        build("bad", "-- bad\n-- requires: (none)\nreturn K.sku('a', 'b')\n")
    with pytest.raises(ValueError, match="requires"):
        build("bad", "-- no header\nreturn 1\n")


async def test_a_lua_runtime_error_names_the_file_and_line(floor: Floor) -> None:
    script = build("boom", "-- boom\n-- requires: events\nlocal x = nil\nreturn x.field\n")
    floor.scripts.scripts["boom"] = script
    with pytest.raises(ScriptError, match=r"boom\.lua:4"):
        await floor.scripts.call("boom", "W9")
    del floor.scripts.scripts["boom"]


async def test_script_time_comes_from_redis(small_demo: Floor, warehouse: str) -> None:
    seconds, micros = await small_demo.client.time()
    _, order = await small_demo.orders.intake(warehouse, NewOrder("jd", "TIME-1", [OrderLine("SKU00002", 1)]))
    assert abs(order.created_ms - (seconds * 1000 + micros // 1000)) < 2000


async def test_wave_ids_are_the_senders(small_demo: Floor, warehouse: str) -> None:
    command = ReleaseWave("shared-id", pickers=1, max_orders=2, planner="serpentine")
    repeat, wave = await small_demo.waves.release(warehouse, command, "sup-a")
    assert not repeat and wave.released_by == "sup-a"
    again, same = await small_demo.waves.release(warehouse, command, "sup-a")
    assert again and same.orders == wave.orders
    with pytest.raises(ConflictError, match="another sender") as refused:
        await small_demo.waves.release(warehouse, command, "sup-b")
    assert refused.value.code == "taken"
    plan = WavePlan("shared-id", [], [], [])  # the script refuses it too, whoever plans
    with pytest.raises(ConflictError, match="another sender"):
        await small_demo.waves.store.release(warehouse, plan, "sup-b")
