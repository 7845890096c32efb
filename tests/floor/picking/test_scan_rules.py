"""The scan script's rules for lots (allocated or FEFO substitute, expiry), serials (once ever per
SKU, recorded on the order line), case GTINs / SSCCs / counts, label kinds and totes (binding,
wrong tote, swap), on a real Redis through ``floor.picking.scan``."""

from __future__ import annotations

import json
from typing import Any

import msgspec

from floor.catalog.barcodes import Barcode
from floor.catalog.model import gtin_check_digit
from floor.floor import Floor
from floor.orders.model import NewOrder, OrderLine
from floor.store import keys
from floor.waves.model import ReleaseWave
from handheld_api.ws.protocol import Verdict

_verdict = msgspec.json.Decoder(Verdict)


class Picker:
    def __init__(self, floor: Floor, warehouse: str) -> None:
        self.floor, self.w, self.picker, self.n = floor, warehouse, f"{warehouse}p1", 0

    async def scan(self, task_id: str, barcode: str, quantity: int = 1, mode: str = "") -> dict[str, Any]:
        self.n += 1
        _repeat, text = await self.floor.picking.scan(
            self.w, self.picker, task_id, f"s{self.n}", barcode, quantity, mode=mode
        )
        _verdict.decode(text)  # every verdict decodes strictly against the protocol Struct
        return dict(json.loads(text))

    async def task(self, lines: list[tuple[str, int]], wave: str = "w1") -> str:
        """One task picking ``lines`` (one order per line), handed to picker 1."""
        order_ids = []
        for n, (sku, quantity) in enumerate(lines):
            _, order = await self.floor.orders.intake(self.w, NewOrder("manual", f"{wave}-{n}", [OrderLine(sku, quantity)], self.w))
            order_ids.append(order.order_id)
        await self.floor.waves.release(self.w, ReleaseWave(
            wave, pickers=1, order_ids=order_ids, max_orders=len(order_ids), warehouse=self.w, planner="serpentine"))
        await self.floor.picking.join(self.w, self.picker, "sock", 60_000)
        task_id = await self.floor.picking.assign(self.w, self.picker)
        assert task_id
        return task_id


async def _first_step(floor: Floor, w: str, task_id: str) -> Any:
    return (await floor.picking.task(w, task_id)).steps[0]


async def test_fefo_lot_substitution_and_expired_lots(small_demo: Floor, warehouse: str) -> None:
    floor, w = small_demo, warehouse
    p = Picker(floor, w)
    task_id = await p.task([("SKU00005", 3)])
    step = await _first_step(floor, w, task_id)
    sku, loc = step.sku, step.location
    # The SKU is lot controlled; at its location: L-A (earliest unexpired), L-B (allocated), L-C, L-X (expired).
    await floor.client.hset(keys.key(w, "sku_attrs", sku), "lot_controlled", "1")
    await floor.client.hset(keys.key(w, "sku_lots", sku), mapping={
        f"{loc}|L-A": 5, f"{loc}|L-B": 10, f"{loc}|L-C": 5, f"{loc}|L-X": 5, f"{w}-A04-C10|L-0": 5})
    await floor.client.hset(keys.key(w, "lot_expiry", sku), mapping={
        "L-A": "2030-03-31", "L-B": "2031-06-30", "L-C": "2032-01-31", "L-X": "2020-01-31", "L-0": "2029-01-01"})
    step = msgspec.structs.replace(step, lot="L-B")
    await floor.client.lset(keys.key(w, "steps", task_id), 0, msgspec.json.encode(step))
    gtin = step.gtin

    assert (await p.scan(task_id, loc))["verdict"] == "ok"
    assert (await p.scan(task_id, gtin))["verdict"] == "lot_required"
    assert (await p.scan(task_id, Barcode(gtin, lot="L-X").element_string()))["verdict"] == "expired_lot"
    # an expiry on the label wins over master data; past dates are refused in the warehouse time zone
    assert (await p.scan(task_id, Barcode(gtin, lot="L-A", expiry="200101").element_string()))["verdict"] == "expired_lot"
    assert (await p.scan(task_id, Barcode(gtin, lot="L-C").element_string()))["verdict"] == "wrong_lot"  # later expiry
    assert (await p.scan(task_id, Barcode(gtin, lot="L-0").element_string()))["verdict"] == "wrong_lot"  # not here
    ok = await p.scan(task_id, Barcode(gtin, lot="L-B").element_string())  # the allocated lot
    assert (ok["verdict"], ok["lot"], ok["picked"]) == ("ok", "L-B", 1) and "substituted" not in ok
    sub = await p.scan(task_id, Barcode(gtin, lot="L-A").element_string())  # FEFO substitute takes over
    assert (sub["verdict"], sub["substituted"], sub["expected"]["lot"]) == ("ok", "L-B", "L-A")
    assert (await _first_step(floor, w, task_id)).lot == "L-A"
    # L-B is no longer the allocation and is not the earliest: refused now
    assert (await p.scan(task_id, Barcode(gtin, lot="L-B").element_string()))["verdict"] == "wrong_lot"
    assert (await p.scan(task_id, Barcode(gtin, lot="L-A").element_string()))["task_done"] is True
    lots = await floor.client.hgetall(keys.key(w, "sku_lots", sku))
    assert (lots[f"{loc}|L-A"], lots[f"{loc}|L-B"]) == ("3", "9")  # lot stock moved with the picks


async def test_serials_once_ever_and_recorded_on_the_order(small_demo: Floor, warehouse: str) -> None:
    floor, w = small_demo, warehouse
    p = Picker(floor, w)
    task_id = await p.task([("SKU00006", 2)])
    step = await _first_step(floor, w, task_id)
    await floor.client.hset(keys.key(w, "sku_attrs", step.sku), "serial_controlled", "1")
    await p.scan(task_id, step.location)
    assert (await p.scan(task_id, step.gtin))["verdict"] == "serial_required"
    first = await p.scan(task_id, Barcode(step.gtin, serial="SN1").element_string())
    assert (first["verdict"], first["serial"]) == ("ok", "SN1")
    assert (await p.scan(task_id, "]d2" + Barcode(step.gtin, serial="SN1").element_string()))["verdict"] == "repeated_serial"
    assert (await p.scan(task_id, Barcode(step.gtin, serial="SN2").element_string()))["task_done"] is True
    rows = await floor.picking.store.order_serials(w, step.order_id)
    assert [(r["serial"], r["line"], r["sku"]) for r in rows] == [("SN1", step.line, step.sku), ("SN2", step.line, step.sku)]
    # once ever: a later task for the same SKU refuses SN1 too
    task2 = await p.task([("SKU00006", 1)], wave="w2")
    await p.scan(task2, (await _first_step(floor, w, task2)).location)
    assert (await p.scan(task2, Barcode(step.gtin, serial="SN1").element_string()))["verdict"] == "repeated_serial"


async def test_case_gtin_sscc_and_counts(small_demo: Floor, warehouse: str) -> None:
    floor, w = small_demo, warehouse
    p = Picker(floor, w)
    task_id = await p.task([("SKU00007", 18)])
    step = await _first_step(floor, w, task_id)
    body = "1" + step.gtin[1:13]
    case_gtin = body + str(gtin_check_digit(body))
    await floor.client.hset(keys.key(w, "pack_gtin"), case_gtin, json.dumps({"sku": step.sku, "units": 6, "pack": "case"}))
    await floor.catalog.register_case(w, "376104250021234569", step.sku, 4)
    await floor.catalog.register_case(w, "376104250021234576", "SKU00001", 4)
    await p.scan(task_id, step.location)
    case = await p.scan(task_id, case_gtin)  # a case GTIN from master data counts as its units
    assert (case["verdict"], case["units"], case["picked"]) == ("ok", 6, 6)
    counted = await p.scan(task_id, "01" + step.gtin + "30" + "3")  # AI 30: 3 units on one label
    assert (counted["verdict"], counted["units"], counted["picked"]) == ("ok", 3, 9)
    sscc = await p.scan(task_id, "]C100376104250021234569")  # the whole case
    assert (sscc["verdict"], sscc["units"], sscc["picked"]) == ("ok", 4, 13)
    assert (await p.scan(task_id, "(00)376104250021234569"))["verdict"] == "case_used"
    assert (await p.scan(task_id, "00376104250021234576"))["verdict"] == "wrong_item"
    assert (await p.scan(task_id, "(00)000000000000000017"))["verdict"] == "unknown_case"
    weighed = await p.scan(task_id, f"(01){step.gtin}(3103)001234")
    assert (weighed["verdict"], weighed["weight_g"], weighed["picked"]) == ("ok", 1234, 14)
    assert (await p.scan(task_id, case_gtin))["verdict"] == "over_pick"  # 14 + 6 > 18
    assert (await p.scan(task_id, "0104006381333932"))["verdict"] == "bad_barcode"


async def test_label_kinds_get_specific_verdicts(small_demo: Floor, warehouse: str) -> None:
    floor, w = small_demo, warehouse
    p = Picker(floor, w)
    task_id = await p.task([("SKU00008", 1)])
    step = await _first_step(floor, w, task_id)
    wrong = await p.scan(task_id, "TOTE-77")
    assert (wrong["verdict"], wrong["scanned_kind"], wrong["expected_kind"]) == ("wrong_kind", "tote", "location")
    await p.scan(task_id, step.location)
    wrong = await p.scan(task_id, "TOTE-77")
    assert (wrong["verdict"], wrong["expected_kind"]) == ("wrong_kind", "item")
    assert (await p.scan(task_id, "(00)376104250021234569"))["verdict"] == "unknown_case"
    assert (await p.scan(task_id, "nonsense"))["verdict"] == "unknown_barcode"


async def test_totes_bind_confirm_refuse_and_swap(small_demo: Floor, warehouse: str) -> None:
    floor, w = small_demo, warehouse
    await floor.picking.store.set_tote_scan(w, True)
    p = Picker(floor, w)
    task_id = await p.task([("SKU00009", 1), ("SKU00012", 1), ("SKU00015", 1)])
    task = await floor.picking.task(w, task_id)
    positions = sorted({s.tote for s in task.steps})
    assert len(positions) == 3
    first = task.steps[0]
    refused = await p.scan(task_id, first.location)  # totes first
    assert (refused["verdict"], refused["expected_kind"], refused["binding"]) == ("wrong_kind", "tote", positions[0])
    for n, position in enumerate(positions):
        bound = await p.scan(task_id, f"TOTE-{n}")
        assert (bound["verdict"], bound["tote"]) == ("tote_bound", {"position": position, "label": f"TOTE-{n}"})
        if n == 0:
            assert (await p.scan(task_id, "TOTE-0"))["verdict"] == "tote_in_use"
    assert await floor.picking.store.totes(w, task_id) == {pos: f"TOTE-{n}" for n, pos in enumerate(positions)}
    label = {pos: f"TOTE-{n}" for n, pos in enumerate(positions)}
    for index, step in enumerate(task.steps):
        assert (await p.scan(task_id, step.location))["verdict"] == "ok"
        picked = await p.scan(task_id, step.gtin)
        assert (picked["verdict"], picked["await_tote"]) == ("ok", step.tote)
        assert (await p.scan(task_id, step.gtin))["expected_kind"] == "tote"
        other = next(pos for pos in positions if pos != step.tote)
        wrong = await p.scan(task_id, label[other])
        assert (wrong["verdict"], wrong["tote"], wrong["scanned_position"]) == (
            "wrong_tote", {"position": step.tote, "label": label[step.tote]}, other)
        if index == 1:  # the tote is full: an empty one takes its place
            swap = await p.scan(task_id, "TOTE-NEW", mode="swap_tote")
            assert (swap["verdict"], swap["replaced"], swap["tote"]["position"]) == ("tote_swapped", label[step.tote], step.tote)
            label[step.tote] = "TOTE-NEW"
        confirmed = await p.scan(task_id, label[step.tote])
        assert confirmed["verdict"] == "ok"
        assert confirmed["task_done"] is (index == len(task.steps) - 1)
    assert (await floor.picking.task(w, task_id)).status == "completed"
    # a finished task's totes are free for the next one
    task2 = await p.task([("SKU00010", 1)], wave="w2")
    assert (await p.scan(task2, "TOTE-0"))["verdict"] == "tote_bound"
