"""Blind cycle counts on real Redis: tolerance, supervisor approval, holds, ABC schedule."""

from __future__ import annotations

import json

import pytest

from floor.core.errors import IllegalTransitionError
from floor.counting.model import CountDecision, CountRequest, ScheduleRequest, due_skus
from floor.floor import Floor
from floor.planning.model import Thresholds
from tests.floor.planning.helpers import face_of, pick_task, picker_of, present, release_order, scan


async def _count(floor: Floor, w: str, picker: str, task_id: str, location: str, gtin: str, units: int) -> dict:
    assert (await scan(floor, w, picker, task_id, gtin, 1))["verdict"] == "scan_location_first"
    assert (await scan(floor, w, picker, task_id, location))["verdict"] == "ok"
    if units:
        counted = await scan(floor, w, picker, task_id, gtin, units)
        assert counted["verdict"] == "ok" and counted["picked"] == 0  # blind: no running total
    return await scan(floor, w, picker, task_id, location)  # the second location scan finishes it


async def test_variance_beyond_tolerance_waits_for_approval(small_demo: Floor, warehouse: str) -> None:
    floor, w, sku, picker = small_demo, warehouse, "SKU00007", picker_of(warehouse)
    face = await face_of(floor, w, sku)
    before = await floor.planning.state(w, sku)
    view = await floor.counting.request(w, CountRequest("cnt-1", location=face), "sup")
    assert view.status == "open" and view.targets == [(face, "")]
    task_id = await present(floor, w, picker)
    assert task_id == view.count_id
    task = await floor.picking.task(w, task_id)
    assert task.kind == "count" and task.steps[0].quantity == 0  # blind
    gtin = await floor.client.hget(f"{{{w}}}:sku:{sku}", "gtin")
    finished = await _count(floor, w, picker, task_id, face, gtin, before.pick_faces[face] - 3)
    assert finished["task_done"] is True and finished["kind"] == "count"
    held = await floor.counting.view(w, task_id)
    assert held.status == "pending" and held.variances[0].delta == -3 and held.variances[0].held
    state = await floor.planning.state(w, sku)
    assert state.unavailable["count_hold"] == 3 and state.on_hand == before.on_hand  # nothing booked yet
    assert (await floor.planning.location(w, face)).unavailable == {"count_hold": {sku: 3}}
    assert [v.count_id for v in await floor.counting.pending(w)] == [task_id]

    # counting does not block picking: a pick of another SKU goes on meanwhile
    await release_order(floor, w, "SKU00008", 1, "CNT-P1")
    pick_id = await floor.picking.assign(w, picker)
    await pick_task(floor, w, picker, pick_id, "cp")

    approved = await floor.counting.decide(w, task_id, CountDecision("approve", "recounted"), "sup")
    assert approved.status == "approved"
    state = await floor.planning.state(w, sku)
    assert state.on_hand == before.on_hand - 3 and state.unavailable["count_hold"] == 0
    again = await floor.counting.decide(w, task_id, CountDecision("approve"), "sup")  # idempotent
    assert again.status == "approved" and (await floor.planning.state(w, sku)).on_hand == before.on_hand - 3
    with pytest.raises(IllegalTransitionError):
        await floor.counting.decide(w, task_id, CountDecision("reject"), "sup")
    events = [json.loads(f["data"]) | {"t": f["type"]} for _, f in await floor.client.xrange(f"{{{w}}}:events")]
    raised = [e for e in events if e["t"] == "exception_raised" and e["kind"] == "count_variance"]
    resolved = [e for e in events if e["t"] == "exception_resolved" and e["exception_id"] == raised[0]["exception_id"]]
    assert len(raised) == 1 and len(resolved) == 1


async def test_within_tolerance_is_booked_and_reject_books_nothing(small_demo: Floor, warehouse: str) -> None:
    floor, w, picker = small_demo, warehouse, picker_of(warehouse)
    sku_a, sku_b = "SKU00009", "SKU00012"
    face_a, face_b = await face_of(floor, w, sku_a), await face_of(floor, w, sku_b)
    a0, b0 = await floor.planning.state(w, sku_a), await floor.planning.state(w, sku_b)
    first = await floor.counting.request(w, CountRequest("c-a", location=face_a, tolerance_units=2), "sup")
    second = await floor.counting.request(w, CountRequest("c-b", sku=sku_b), "sup")
    assert second.targets == [(loc, sku_b) for loc in sorted(b0.pick_faces)]
    assert (await floor.counting.request(w, CountRequest("c-a", location=face_a), "sup")).count_id == first.count_id
    task_id = await present(floor, w, picker)
    gtin_a = await floor.client.hget(f"{{{w}}}:sku:{sku_a}", "gtin")
    gtin_b = await floor.client.hget(f"{{{w}}}:sku:{sku_b}", "gtin")
    done = await _count(floor, w, picker, task_id, face_a, gtin_a, a0.pick_faces[face_a] + 1)
    assert done["task_done"] is True
    assert (await floor.counting.view(w, first.count_id)).status == "booked"
    assert (await floor.planning.state(w, sku_a)).on_hand == a0.on_hand + 1
    task_id = await floor.picking.assign(w, picker)
    assert task_id == second.count_id
    assert (await scan(floor, w, picker, task_id, face_b))["verdict"] == "ok"
    assert (await scan(floor, w, picker, task_id, gtin_a, 1))["verdict"] == "wrong_item"  # counting one SKU
    for n, loc in enumerate(sorted(b0.pick_faces)):
        if n:
            await scan(floor, w, picker, task_id, loc)
        await scan(floor, w, picker, task_id, gtin_b, b0.pick_faces[loc] - 5)
        await scan(floor, w, picker, task_id, loc)
    assert (await floor.counting.view(w, second.count_id)).status == "pending"
    rejected = await floor.counting.decide(w, second.count_id, CountDecision("reject", "miscount"), "sup")
    assert rejected.status == "rejected"
    b1 = await floor.planning.state(w, sku_b)
    assert b1.on_hand == b0.on_hand and b1.unavailable["count_hold"] == 0


async def test_abc_schedule_queues_due_skus(small_demo: Floor, warehouse: str) -> None:
    floor, w = small_demo, warehouse
    await floor.planning.store.set_thresholds(w, "SKU00001", 0, 0, 0, "forecast", abc="A")
    scheduled = await floor.counting.schedule(w, ScheduleRequest("sch-1", limit=3), "sup")
    assert len(scheduled.count_ids) == 3 and len(scheduled.skus) == 3
    day = 86_400_000
    skus = {"A1": ("A", 1000 * day - 31 * day), "A2": ("A", 1000 * day - 5 * day), "C1": ("C", 0), "B1": ("B", 0)}
    assert due_skus(skus, 1000 * day, {"A": 30, "B": 91, "C": 365}, 10) == ["B1", "C1", "A1"]
    assert (await floor.planning.set_thresholds(w, Thresholds("SKU00001", 0, 0))).sku == "SKU00001"
