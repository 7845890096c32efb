"""Release policies on a real Redis: continuous (a picker finishing a tour gets the next one by
itself), cut-off (only what is due), decisions recorded and on the Stream, late risk raised."""

from __future__ import annotations

import asyncio
import json
import time

from floor.floor import Floor
from floor.jobs.waves import ReleaseLoop
from floor.store import keys
from floor.waves.optimal import warm_up
from floor.waves.policy import Cutoff, ReleasePolicy
from tests.floor.test_events_contract import Run


async def _task_of(floor: Floor, w: str, picker: str, seconds: float = 8.0) -> str:
    """Wait (polling like a handheld would be pushed) until the picker holds a task."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        task_id = await floor.picking.assign(w, picker)
        if task_id:
            return task_id
        await asyncio.sleep(0.05)
    return ""


async def test_continuous_release_gives_a_free_picker_the_next_tour(small_demo: Floor, warehouse: str) -> None:
    floor, w = small_demo, warehouse
    picker = f"{w}p1"
    await asyncio.to_thread(warm_up)  # as a node does at start-up: no kernel compilation in the timing
    await floor.release.set_policy(w, ReleasePolicy(mode="continuous", cart_capacity=6, budget_ms=200), "sup", 0)
    await floor.picking.join(w, picker, "sock-1", 60_000)
    assert await floor.picking.assign(w, picker) == ""  # nothing released: the picker idles
    loop = ReleaseLoop(floor, interval_s=0.05)
    loop.start()
    try:
        started = time.monotonic()
        first = await _task_of(floor, w, picker)
        assert first, "no tour planned for the idle picker"
        waited_first = time.monotonic() - started
        run = Run(floor, w)
        await run.pick_all(first)  # the tour ends; nobody releases anything by hand
        started = time.monotonic()
        second = await _task_of(floor, w, picker)
        assert second and second != first
        print(f"continuous release: first tour after {waited_first:.2f} s, next after "
              f"{time.monotonic() - started:.2f} s (loop every 0.05 s here, 0.25 s on a node)")
        # ~0.1-0.3 s on a quiet machine (loop period + planning); generous for a loaded CI box
        assert time.monotonic() - started < 5.0 and waited_first < 5.0
    finally:
        await loop.stop()
    decisions = await floor.release.decisions(w)
    assert len(decisions) >= 2 and all(d.mode == "continuous" for d in decisions)
    assert "idle" in decisions[0].reason and decisions[0].orders and decisions[0].pickers_idle == 1
    task = await floor.picking.task(w, second)
    units = sum(s.quantity for s in task.steps)
    assert units <= 6 or len({s.order_id for s in task.steps}) == 1  # one cart (or one order alone)
    wave = await floor.waves.get(w, decisions[0].waves[0])
    assert wave.released_by == "release-policy"
    kinds = [fields["type"] for _id, fields in await floor.client.xrange(keys.key(w, "events"))]
    assert kinds.count("release_decided") == len(decisions)


async def test_manual_policy_releases_nothing_and_bad_policy_is_refused(small_demo: Floor, warehouse: str) -> None:
    floor, w = small_demo, warehouse
    await floor.picking.join(w, f"{w}p1", "sock-1", 60_000)
    await floor.picking.assign(w, f"{w}p1")
    assert await floor.release.tick(w) == []  # manual by default
    try:
        await floor.release.set_policy(w, ReleasePolicy(mode="cutoff"), "sup", 0)
    except Exception as error:
        assert "cut-off" in str(error)
    else:
        raise AssertionError("a cut-off policy without cut-offs was accepted")
    assert (await floor.release.policy(w)).policy.mode == "manual"
    assert await floor.orders.store.count(w, "orders_reserved") == 20


async def test_cutoff_releases_only_orders_due_and_flags_late_risk(small_demo: Floor, warehouse: str) -> None:
    floor, w = small_demo, warehouse
    ids = await floor.orders.store.reserved_ids(w, 20)
    now = int(time.time())
    # the first five orders are due in 20 minutes, the rest tomorrow
    for n, order_id in enumerate(ids):
        due = now + 20 * 60 if n < 5 else now + 26 * 3600
        await floor.client.hset(keys.key(w, "order", order_id), "due", due)
    policy = ReleasePolicy(mode="cutoff", cutoffs=[Cutoff("23:59")], lead_minutes=0, early_minutes=10,
                           unit_seconds=60, late_warning_minutes=5)
    await floor.release.set_policy(w, policy, "sup", 0)
    await floor.picking.join(w, f"{w}p1", "sock-1", 60_000)
    decisions = await floor.release.tick(w)
    assert len(decisions) == 1 and "cut-off" in decisions[0].reason
    assert sorted(decisions[0].orders) == sorted(ids[:5])
    assert decisions[0].earliest_ship_by == now + 20 * 60
    assert await floor.orders.store.count(w, "orders_reserved") == 15
    # at one unit a minute for the whole floor, 5 orders cannot all be picked in 20 minutes
    at_risk = await floor.release.late_risk(w, rate=1 / 60)
    assert at_risk and {order_id for order_id, _f, _d in at_risk} <= set(ids[:5])
    opened = [e for e in await floor.incidents.open(w) if e.kind == "late_risk"]
    assert len(opened) == len(at_risk)
    await floor.release.late_risk(w, rate=1 / 60)  # raised once per order
    assert len([e for e in await floor.incidents.open(w) if e.kind == "late_risk"]) == len(at_risk)
    # a fast floor: nothing at risk
    assert await floor.release.late_risk(w, rate=100.0) == []
    stored = await floor.client.lrange(keys.key(w, "release_decisions"), 0, -1)
    assert json.loads(stored[0])["decision_id"] == decisions[0].decision_id
