"""Returns on real Redis: RMA by hand and from a channel event, serial-tracked receipt, a
disposition per unit, the return_outcome event, and return rates per SKU and channel."""

from __future__ import annotations

import json

import pytest

from floor.core.errors import ConflictError, NotFoundError, ValidationError
from floor.core.events import ReturnOutcome, decode_event
from floor.floor import Floor
from floor.orders.model import NewOrder, OrderLine
from floor.planning.service import PlanFollower
from floor.returns.model import ChannelReturn, Disposition, NewRma, ReceiveItem, ReturnLine
from tests.floor.planning.helpers import face_of, pick_task, picker_of, present, run_move_task

SKU = "SKU00014"


async def _serial_controlled(floor: Floor, w: str, sku: str) -> None:
    await floor.client.hset(f"{{{w}}}:skuattr:{sku}", "serial_controlled", "1")


async def test_rma_receipt_dispositions_and_outcome(small_demo: Floor, warehouse: str) -> None:
    floor, w, picker = small_demo, warehouse, picker_of(warehouse)
    follower = PlanFollower(floor.planning.store, [w])
    await follower.step(w, 10)
    _, order = await floor.orders.intake(w, NewOrder("jd", "RET-1", [OrderLine(SKU, 4)], w))
    from floor.waves.model import ReleaseWave
    await floor.waves.release(w, ReleaseWave("wv-ret", order_ids=[order.order_id], warehouse=w, planner="serpentine"))
    await pick_task(floor, w, picker, await present(floor, w, picker), "ret")
    await follower.step(w, 10)  # shipped units per SKU x channel
    # Serial control from here on (picking a serial-controlled SKU needs each serial scanned: issue 10's tests).
    await _serial_controlled(floor, w, SKU)

    rma = await floor.returns.from_channel(w, ChannelReturn("RF-9", "jd", "RET-1", [ReturnLine(SKU, 3)]), "jd-hook")
    assert rma.order_id == order.order_id and rma.units == 3 and rma.status == "open"
    same = await floor.returns.from_channel(w, ChannelReturn("RF-9", "jd", "RET-1", [ReturnLine(SKU, 3)]), "jd-hook")
    assert same.rma_id == rma.rma_id
    with pytest.raises(NotFoundError):
        await floor.returns.from_channel(w, ChannelReturn("RF-10", "jd", "NOPE", [ReturnLine(SKU, 1)]), "jd-hook")
    with pytest.raises(ConflictError):  # the parcel first
        await floor.returns.receive_item(w, rma.rma_id, ReceiveItem("u1", SKU, serial="SN1"), "dock")
    await floor.returns.receive_parcel(w, rma.rma_id, "dock")
    with pytest.raises(ConflictError):  # serial-controlled: the serial is required
        await floor.returns.receive_item(w, rma.rma_id, ReceiveItem("u1", SKU), "dock")
    for n in (1, 2, 3):
        await floor.returns.receive_item(w, rma.rma_id, ReceiveItem(f"u{n}", SKU, serial=f"SN{n}", lot="L7"), "dock")
    await floor.returns.receive_item(w, rma.rma_id, ReceiveItem("u1", SKU, serial="SN1", lot="L7"), "dock")  # repeat
    with pytest.raises(ConflictError):  # beyond the authorised quantity
        await floor.returns.receive_item(w, rma.rma_id, ReceiveItem("u4", SKU, serial="SN4"), "dock")
    other = await floor.returns.create(w, NewRma("manual-1", "jd", [ReturnLine(SKU, 1)]), "sup")
    await floor.returns.receive_parcel(w, other.rma_id, "dock")
    with pytest.raises(ConflictError):  # a serial is received once ever
        await floor.returns.receive_item(w, other.rma_id, ReceiveItem("x1", SKU, serial="SN2"), "dock")
    state = await floor.planning.state(w, SKU)
    assert state.inspection == 3

    face = await face_of(floor, w, SKU)
    with pytest.raises(ValidationError):
        await floor.returns.dispose(w, rma.rma_id, Disposition("u1", "restock"), "qc")  # a reason is required
    restocked = await floor.returns.dispose(w, rma.rma_id, Disposition("u1", "restock", "unopened"), "qc")
    assert restocked.received_units[0].location == face and restocked.received_units[0].task_id
    await floor.returns.dispose(w, rma.rma_id, Disposition("u1", "restock", "unopened"), "qc")  # repeat
    with pytest.raises(ConflictError):
        await floor.returns.dispose(w, rma.rma_id, Disposition("u1", "destroy", "changed mind"), "qc")
    await floor.returns.dispose(w, rma.rma_id, Disposition("u2", "damaged", "cracked"), "qc")
    done = await floor.returns.dispose(w, rma.rma_id, Disposition("u3", "return_to_vendor", "faulty"), "qc")
    assert done.status == "closed"
    state = await floor.planning.state(w, SKU)
    assert (state.inspection, state.receiving, state.unavailable["damaged"]) == (0, 1, 1)
    await run_move_task(floor, w, picker, restocked.received_units[0].task_id)
    assert (await floor.planning.state(w, SKU)).receiving == 0

    outcomes = [decode_event(i, f) for i, f in await floor.client.xrange(f"{{{w}}}:events")
                if f["type"] == "return_outcome"]
    assert outcomes == [ReturnOutcome(rma.rma_id, "jd", "refund:RF-9", order.order_id, 3, 3, 1, 1, 0, 1, 0, 3)]
    rates = await floor.returns.rates(w, SKU)
    jd = [r for r in rates if r.channel == "jd"][0]
    assert (jd.shipped, jd.returned, jd.rate) == (4, 3, 0.75)
    assert json.loads(json.dumps([r.sku for r in rates])) == [SKU]


async def test_a_short_parcel_is_closed_by_hand(small_demo: Floor, warehouse: str) -> None:
    floor, w = small_demo, warehouse
    rma = await floor.returns.create(w, NewRma("m-2", "tmall", [ReturnLine(SKU, 2)]), "sup")
    await floor.returns.receive_parcel(w, rma.rma_id, "dock")
    await floor.returns.receive_item(w, rma.rma_id, ReceiveItem("a1", SKU), "dock")
    with pytest.raises(ConflictError):
        await floor.returns.close(w, rma.rma_id, "sup")  # the received unit has no disposition yet
    await floor.returns.dispose(w, rma.rma_id, Disposition("a1", "quarantine", "smells"), "qc")
    closed = await floor.returns.close(w, rma.rma_id, "sup")
    assert closed.status == "closed" and (await floor.planning.state(w, SKU)).unavailable["quarantine"] == 1
