"""Presence leases, the grace sweep and supervisor reassignment, on the real Redis.

Leases are short here (a few hundred ms) and the grace is a sweep argument, so nothing sleeps
long. Web nodes of the same test session may run their own sweeps on these warehouses (with the
default 300 s grace): the tests therefore check state, never which sweep did the work.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from floor.core.errors import ConflictError, IllegalTransitionError, NotFoundError, ValidationError
from floor.floor import Floor
from floor.picking.model import ReassignTask
from floor.store import keys
from floor.waves.model import ReleaseWave

LONG = 600_000  # a lease that outlives the test


async def events(floor: Floor, warehouse: str, *kinds: str) -> list[dict[str, Any]]:
    entries = await floor.client.xrange(keys.key(warehouse, "events"))
    return [json.loads(f["data"]) | {"type": f["type"]} for _id, f in entries if f["type"] in kinds]


async def release(floor: Floor, warehouse: str, wave_id: str, tasks: int, orders: int = 3) -> list[str]:
    _repeat, wave = await floor.waves.release(
        warehouse, ReleaseWave(wave_id, pickers=tasks, max_orders=orders, warehouse=warehouse, planner="serpentine")
    )
    return list(wave.tasks)


async def idle(floor: Floor, warehouse: str) -> set[str]:
    return set(await floor.client.smembers(keys.key(warehouse, "pickers_idle")))


def pickers(warehouse: str) -> tuple[str, str, str]:
    return f"{warehouse}p1", f"{warehouse}p2", f"{warehouse}p3"


async def test_a_reconnect_on_another_node_is_not_undone_when_the_old_socket_closes(
    small_demo: Floor, warehouse: str
) -> None:
    floor, (p1, _p2, _p3) = small_demo, pickers(warehouse)
    assert await floor.picking.join(warehouse, p1, "node-a-sock", LONG) is True  # absent before
    assert await floor.picking.join(warehouse, p1, "node-b-sock", LONG) is False  # already present
    # Node A finally notices its old socket is gone: only that lease goes.
    assert await floor.picking.leave(warehouse, p1, "node-a-sock") is False
    presence = await floor.picking.presence(warehouse, p1)
    assert presence.present and presence.sockets == 1 and p1 in await idle(floor, warehouse)
    [task_id] = await release(floor, warehouse, "w-reconnect", tasks=1)
    assert (await floor.picking.task(warehouse, task_id)).picker == p1
    assert await floor.picking.leave(warehouse, p1, "node-b-sock") is True  # last lease: absent now
    assert not (await floor.picking.presence(warehouse, p1)).present
    kinds = [e["type"] for e in await events(floor, warehouse, "picker_present", "picker_absent")]
    assert kinds == ["picker_present", "picker_absent"]  # one of each, in pairs


async def test_a_socket_that_never_leaves_expires_by_time(small_demo: Floor, warehouse: str) -> None:
    floor, (p1, p2, _p3) = small_demo, pickers(warehouse)
    await floor.picking.join(warehouse, p1, "killed", 200)  # its node dies: no leave, no renewal
    await floor.picking.join(warehouse, p2, "alive", LONG)
    await asyncio.sleep(0.3)
    # Time alone decides: even before any sweep ran, the expired picker gets no work.
    tasks = await release(floor, warehouse, "w-expired", tasks=2, orders=4)
    assert sorted([(await floor.picking.task(warehouse, t)).picker for t in tasks]) == ["", p2]
    assert await idle(floor, warehouse) == set()  # p1 was handed nothing and left the idle set
    await floor.picking.sweep(warehouse, LONG)
    presence = await floor.picking.presence(warehouse, p1)
    assert not presence.present and presence.sockets == 0 and presence.absent_since_ms > 0
    [absent] = await events(floor, warehouse, "picker_absent")
    assert absent["picker"] == p1 and absent["since_ms"] == presence.absent_since_ms
    # Its socket was alive after all (a long pause): the renewal makes it present again, and it
    # gets the task that waited in the queue.
    assert await floor.picking.renew(warehouse, p1, "killed", LONG) is True
    assert (await floor.picking.presence(warehouse, p1)).present
    assert await floor.picking.store.current_task_id(warehouse, p1) in tasks
    assert await floor.picking.renew(warehouse, p1, "killed", LONG) is False


async def test_a_node_renews_many_leases_in_one_call(small_demo: Floor, warehouse: str) -> None:
    """A node's batched heartbeat (presence_renew_many): every lease extended, the picker whose lease
    had run out is present again and gets the waiting task, the others are unchanged."""
    floor, (p1, p2, _p3) = small_demo, pickers(warehouse)
    await floor.picking.join(warehouse, p1, "s1", 200)
    await floor.picking.join(warehouse, p2, "s2", 200)
    await asyncio.sleep(0.3)
    await floor.picking.join(warehouse, p2, "s2", LONG)  # p2's socket renewed in time (alone)
    await floor.picking.sweep(warehouse, LONG)  # p1 is recorded absent
    [task] = await release(floor, warehouse, "w-many", tasks=1, orders=2)
    assert (await floor.picking.task(warehouse, task)).picker == p2
    assert await floor.picking.renew_many(warehouse, [(p1, "s1", LONG), (p2, "s2", LONG)]) == [p1]
    assert (await floor.picking.presence(warehouse, p1)).present
    assert await floor.picking.renew_many(warehouse, [(p1, "s1", LONG), (p2, "s2", LONG)]) == []
    with pytest.raises(ValidationError):
        await floor.picking.renew_many(warehouse, [(p1, "s1", 0)])
    assert [e["picker"] for e in await events(floor, warehouse, "picker_present")].count(p1) == 2


async def test_only_present_pickers_get_tasks_from_a_release(small_demo: Floor, warehouse: str) -> None:
    floor, (p1, p2, p3) = small_demo, pickers(warehouse)
    await floor.picking.join(warehouse, p1, "s1", LONG)
    await floor.picking.join(warehouse, p2, "s2", LONG)
    await floor.picking.leave(warehouse, p2, "s2")
    await floor.client.sadd(keys.key(warehouse, "pickers_idle"), p3)  # a stale idle entry, never present
    tasks = await release(floor, warehouse, "w-present", tasks=3, orders=6)
    holders = [(await floor.picking.task(warehouse, t)).picker for t in tasks]
    assert sorted(holders) == ["", "", p1]
    assert await idle(floor, warehouse) == set()  # p3's stale entry is gone, p1 is busy
    assert await floor.client.zcard(keys.key(warehouse, "tasks_ready")) == 2
    # Absent pickers asking for work get none either.
    assert await floor.picking.assign(warehouse, p3) == ""
    assert p3 not in await idle(floor, warehouse)
    # A picker who joins and asks gets the next one.
    await floor.picking.join(warehouse, p3, "s3", LONG)
    assert await floor.picking.assign(warehouse, p3) in tasks


async def test_after_the_grace_an_unstarted_task_goes_to_the_next_present_picker(
    small_demo: Floor, warehouse: str
) -> None:
    floor, (p1, p2, _p3) = small_demo, pickers(warehouse)
    await floor.picking.join(warehouse, p1, "s1", 200)
    [task_id] = await release(floor, warehouse, "w-grace", tasks=1)
    assert (await floor.picking.task(warehouse, task_id)).picker == p1
    await floor.picking.join(warehouse, p2, "s2", LONG)
    assert p2 in await idle(floor, warehouse)
    await asyncio.sleep(0.3)
    await floor.picking.sweep(warehouse, 60_000)  # absent, but within the grace: the task stays
    task = await floor.picking.task(warehouse, task_id)
    assert task.picker == p1 and task.status == "assigned"
    await asyncio.sleep(0.2)
    await floor.picking.sweep(warehouse, 100)
    task = await floor.picking.task(warehouse, task_id)
    assert task.picker == p2 and task.status == "assigned" and task.step == 0
    assert await floor.picking.store.current_task_id(warehouse, p1) == ""
    moved = await events(floor, warehouse, "task_unassigned", "task_assigned")
    assert [(e["type"], e["picker"]) for e in moved] == [
        ("task_assigned", p1), ("task_unassigned", p1), ("task_assigned", p2)
    ]
    assert moved[1]["reason"] == "picker_absent"
    await floor.picking.sweep(warehouse, 100)  # idempotent: nothing more happens
    assert len(await events(floor, warehouse, "task_unassigned", "task_assigned")) == 3


async def test_an_unstarted_task_waits_in_the_queue_when_nobody_is_present(
    small_demo: Floor, warehouse: str
) -> None:
    floor, (p1, p2, _p3) = small_demo, pickers(warehouse)
    await floor.picking.join(warehouse, p1, "s1", 150)
    [task_id] = await release(floor, warehouse, "w-queue", tasks=1)
    await asyncio.sleep(0.3)
    await floor.picking.sweep(warehouse, 50)
    task = await floor.picking.task(warehouse, task_id)
    assert task.status == "ready" and task.picker == ""
    await floor.picking.join(warehouse, p2, "s2", LONG)
    assert await floor.picking.assign(warehouse, p2) == task_id


async def started_task(floor: Floor, warehouse: str, picker: str, ttl_ms: int) -> tuple[str, int]:
    """``picker`` (lease of ``ttl_ms``) holds a task with units picked; returns (task id, units picked)."""
    await floor.picking.join(warehouse, picker, f"s-{picker}", ttl_ms)
    [task_id] = await release(floor, warehouse, f"w-{picker}", tasks=1)
    task = await floor.picking.task(warehouse, task_id)
    step = task.steps[0]
    await floor.picking.scan(warehouse, picker, task_id, "l0", step.location, 1)
    _repeat, verdict = await floor.picking.scan(warehouse, picker, task_id, "i0", step.gtin, 1)
    assert json.loads(verdict)["verdict"] == "ok"
    return task_id, 1


async def test_after_the_grace_a_started_task_raises_one_exception_and_stays(
    small_demo: Floor, warehouse: str
) -> None:
    floor, (p1, p2, _p3) = small_demo, pickers(warehouse)
    task_id, picked = await started_task(floor, warehouse, p1, 200)
    await floor.picking.join(warehouse, p2, "s2", LONG)
    before = await floor.picking.task(warehouse, task_id)
    await asyncio.sleep(0.35)
    await floor.picking.sweep(warehouse, 100)
    await floor.picking.sweep(warehouse, 100)
    after = await floor.picking.task(warehouse, task_id)
    assert after.picker == p1 and after.status == "assigned"
    assert (after.step, after.picked) == (before.step, before.picked) and before.step * 1000 + before.picked > 0
    [exception] = [x for x in await floor.incidents.open(warehouse) if x.kind == "picker_absent"]
    assert exception.picker == p1 and exception.task_id == task_id and exception.status == "raised"
    assert exception.location == before.steps[before.step].location
    # Back, then gone again while that exception is still open: no second one.
    await floor.picking.join(warehouse, p1, "s1-again", 150)
    await asyncio.sleep(0.3)
    await floor.picking.sweep(warehouse, 50)
    assert len(await events(floor, warehouse, "exception_raised")) == 1
    wave = await floor.waves.get(warehouse, after.wave_id)
    assert wave.picked_units == picked


async def test_supervisor_reassigns_a_started_task_and_units_stay_counted(
    small_demo: Floor, warehouse: str
) -> None:
    floor, (p1, p2, p3) = small_demo, pickers(warehouse)
    task_id, picked = await started_task(floor, warehouse, p1, LONG)
    wave_id = (await floor.picking.task(warehouse, task_id)).wave_id
    await floor.picking.leave(warehouse, p1, f"s-{p1}")

    with pytest.raises(ConflictError, match="not present"):  # p2 holds no lease
        await floor.picking.reassign(warehouse, task_id, ReassignTask("c1", p2), "sup1")
    assert (await floor.picking.task(warehouse, task_id)).picker == p1
    with pytest.raises(NotFoundError):
        await floor.picking.reassign(warehouse, "no-such-task", ReassignTask("c1", p2), "sup1")
    with pytest.raises(NotFoundError):
        await floor.picking.reassign(warehouse, task_id, ReassignTask("c1", "nobody"), "sup1")
    with pytest.raises(ValidationError):
        await floor.picking.reassign(warehouse, task_id, ReassignTask("bad id", p2), "sup1")

    await floor.picking.join(warehouse, p2, "s2", LONG)
    moved = await floor.picking.reassign(warehouse, task_id, ReassignTask("c1", p2), "sup1")
    assert (moved.repeat, moved.picker, moved.previous, moved.status, moved.changed) == (False, p2, p1, "assigned", True)
    task = await floor.picking.task(warehouse, task_id)
    assert task.picker == p2 and not task.at_location and task.step * 1000 + task.picked > 0
    assert await floor.picking.store.current_task_id(warehouse, p1) == ""
    assert await floor.picking.store.current_task_id(warehouse, p2) == task_id
    kinds = [(e["type"], e["picker"]) for e in await events(floor, warehouse, "task_unassigned", "task_reassigned")]
    assert kinds == [("task_unassigned", p1), ("task_reassigned", p2)]

    # The same sender repeating its command: the first result, nothing moves.
    again = await floor.picking.reassign(warehouse, task_id, ReassignTask("c1", ""), "sup1")
    assert again.repeat and again.picker == p2 and again.previous == p1
    assert (await floor.picking.task(warehouse, task_id)).picker == p2
    # A picker busy with another task cannot take it.
    await floor.picking.join(warehouse, p3, "s3", LONG)
    [other] = await release(floor, warehouse, "w-other", tasks=1)
    assert await floor.picking.store.current_task_id(warehouse, p3) == other
    with pytest.raises(ConflictError, match="already holds"):
        await floor.picking.reassign(warehouse, task_id, ReassignTask("c9", p3), "sup2")
    # Another sender with the same id is another command: back to the queue; nobody is idle, so
    # it waits there and p2 (present, no longer holding it) waits idle rather than taking it back.
    queued = await floor.picking.reassign(warehouse, task_id, ReassignTask("c1", ""), "sup2")
    assert (queued.repeat, queued.status, queued.picker, queued.previous) == (False, "ready", "", p2)
    assert p2 in await idle(floor, warehouse)

    # Units already picked stay counted; whoever finishes the task completes the wave exactly.
    assert (await floor.waves.get(warehouse, wave_id)).picked_units == picked
    await floor.picking.reassign(warehouse, task_id, ReassignTask("c2", p2), "sup2")
    task = await floor.picking.task(warehouse, task_id)
    holder = task.picker
    assert holder == p2
    for n, step in enumerate(task.steps[task.step:], start=task.step):
        await floor.picking.scan(warehouse, holder, task_id, f"L{n}", step.location, 1)
        left = step.quantity - (task.picked if n == task.step else 0)
        _r, verdict = await floor.picking.scan(warehouse, holder, task_id, f"I{n}", step.gtin, left)
        assert json.loads(verdict)["verdict"] == "ok", verdict
    wave = await floor.waves.get(warehouse, wave_id)
    assert wave.status == "completed" and wave.picked_units == wave.units
    with pytest.raises(IllegalTransitionError, match="'completed' cannot 'unassign'"):
        await floor.picking.reassign(warehouse, task_id, ReassignTask("c3", ""), "sup2")
