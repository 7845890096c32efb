"""The return-receipt task (kind return) on real Redis: queued by the RMA creation at a dock, the
dock scan receives the parcel, each unit goes through lib/returns.lua like the API's receive (a
serial-controlled SKU needs its GS1 serial, a serial once ever), a replayed scan id applies once,
and the task completes when every unit is received."""

from __future__ import annotations

import json
from typing import Any

import pytest

from floor.catalog.barcodes import Barcode
from floor.core.errors import ConflictError, ValidationError
from floor.floor import Floor
from floor.returns.model import NewRma, ReceiveItem, ReturnLine
from floor.store import keys
from tests.floor.planning.helpers import picker_of, present

SERIAL_SKU, PLAIN_SKU = "SKU00014", "SKU00015"


async def _scan(floor: Floor, w: str, picker: str, task_id: str, barcode: str, scan_id: str) -> tuple[bool, Any]:
    repeat, verdict = await floor.planning.scan(w, picker, task_id, scan_id, barcode, 1, "return")
    return repeat, json.loads(verdict)


async def test_return_receipt_task_with_serials_and_replays(small_demo: Floor, warehouse: str) -> None:
    floor, w, picker = small_demo, warehouse, picker_of(warehouse)
    await floor.client.hset(f"{{{w}}}:skuattr:{SERIAL_SKU}", "serial_controlled", "1")
    gtin = {sku: await floor.client.hget(f"{{{w}}}:sku:{sku}", "gtin") for sku in (SERIAL_SKU, PLAIN_SKU)}
    dock = f"{w}-R09-01"
    rma = await floor.returns.create(
        w, NewRma("rt-1", "jd", [ReturnLine(SERIAL_SKU, 2), ReturnLine(PLAIN_SKU, 1)], dock=dock), "sup")
    assert rma.task_id and rma.status == "open"
    again = await floor.returns.create(w, NewRma("rt-1", "jd", [ReturnLine(SERIAL_SKU, 2)], dock=dock), "sup")
    assert again.task_id == rma.task_id  # one task per RMA
    assert await floor.planning.task_kind(w, rma.task_id) == "return"
    assert await present(floor, w, picker) == rma.task_id
    task = await floor.picking.task(w, rma.task_id)
    assert task.kind == "return" and [s.location for s in task.steps] == [dock, dock]

    t = rma.task_id
    assert (await _scan(floor, w, picker, t, gtin[PLAIN_SKU], "s1"))[1]["verdict"] == "scan_location_first"
    assert (await _scan(floor, w, picker, t, f"{w}-R09-02", "s2"))[1]["verdict"] == "wrong_location"
    assert (await _scan(floor, w, picker, t, dock, "s3"))[1]["verdict"] == "ok"
    assert (await floor.returns.view(w, rma.rma_id)).status == "receiving"  # the dock scan = the parcel
    assert (await _scan(floor, w, picker, t, gtin[SERIAL_SKU], "s4"))[1]["verdict"] == "serial_required"
    first = Barcode(gtin[SERIAL_SKU], serial="SNR1", lot="L1").element_string()
    _, verdict = await _scan(floor, w, picker, t, first, "s5")
    assert verdict["verdict"] == "ok" and verdict["picked"] == 1 and not verdict["task_done"]
    repeat, replay = await _scan(floor, w, picker, t, first, "s5")  # the same scan id: applies once
    assert repeat and replay == verdict
    assert (await _scan(floor, w, picker, t, first, "s6"))[1]["verdict"] == "repeated_serial"
    view = await floor.returns.view(w, rma.rma_id)
    assert view.received == 1 and view.received_units[0].serial == "SNR1" and view.received_units[0].lot == "L1"
    assert (await floor.planning.state(w, SERIAL_SKU)).inspection == 1
    with pytest.raises(ConflictError):  # the API path shares the checks (lib/returns.lua): a serial once ever
        await floor.returns.receive_item(w, rma.rma_id, ReceiveItem("api-0", SERIAL_SKU, serial="SNR1"), "dock")
    await floor.returns.receive_item(w, rma.rma_id, ReceiveItem("api-1", SERIAL_SKU, serial="SNR2"), "dock")
    _, verdict = await _scan(floor, w, picker, t, Barcode(gtin[SERIAL_SKU], serial="SNR3").element_string(), "s8")
    assert verdict["verdict"] == "over_pick" and verdict["step"] == 1  # both units of the line are in
    _, verdict = await _scan(floor, w, picker, t, gtin[PLAIN_SKU], "s9")
    assert verdict["verdict"] == "ok" and verdict["task_done"]
    view = await floor.returns.view(w, rma.rma_id)
    assert view.received == 3 and (await floor.planning.state(w, PLAIN_SKU)).inspection == 1
    assert await floor.client.hget(f"{{{w}}}:task:{t}", "status") == "completed"
    assert (await _scan(floor, w, picker, t, gtin[PLAIN_SKU], "s10"))[1]["verdict"] == "not_your_task"


async def test_a_dock_of_another_warehouse_changes_nothing(small_demo: Floor, warehouse: str) -> None:
    with pytest.raises(ValidationError):
        await small_demo.returns.create(warehouse, NewRma("rt-x", "jd", [ReturnLine(PLAIN_SKU, 1)], dock="ZZ-R09-01"),
                                        "sup")
    assert await small_demo.client.zcard(keys.key(warehouse, "rmas")) == 0
    assert await small_demo.client.zcard(keys.key(warehouse, "move_tasks")) == 0
