"""The pack bench to the shipment (one label per box, no duplicates), and tracking to delivered,
with stuck / lost parcels raised as floor exceptions. Real Redis, real scripts."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import msgspec

from floor.floor import Floor
from floor.orders.model import NewOrder, OrderLine
from floor.shipping.carriers.model import RawEvent
from floor.shipping.model import ShipTo
from floor.store import keys
from floor.zpl.preview import render
from tests.floor.zpl.helpers import decode

SH = ZoneInfo("Asia/Shanghai")


async def _order(floor: Floor, warehouse: str) -> tuple[str, dict[str, int]]:
    _repeat, order = await floor.orders.intake(warehouse, NewOrder(
        channel="tmall", external_id="PACK-1", warehouse=warehouse,
        lines=[OrderLine(sku="SKU00001", quantity=2), OrderLine(sku="SKU00002", quantity=1)]))
    facts = await floor.shipping.store.sku_facts(warehouse, ["SKU00001", "SKU00002"])
    return order.order_id, {s: f.weight_g for s, f in facts.items()}


async def test_pack_two_boxes_ship_and_label(small_demo: Floor, warehouse: str) -> None:
    floor = small_demo
    queued: list[tuple[str, str, str]] = []

    async def enqueue(w: str, shipment_id: str, station: str) -> None:
        queued.append((w, shipment_id, station))

    floor.shipping.enqueue = enqueue
    floor.shipping.origins[warehouse] = "W1"
    await floor.shipping.store.add_range(warehouse, "EMS", 10_000_000, 10_000_099)
    order_id, weights = await _order(floor, warehouse)
    await floor.shipping.prepare(warehouse, order_id, ShipTo(
        name="张三", phone="13800138000", province="北京", city="北京市", district="朝阳区",
        address="建国路 88 号 ~JA^XZ", pinned="EMS_STD"))
    session = await floor.shipping.start_pack(warehouse, order_id, "PACK-1")
    assert session.expected == {"SKU00001": 2, "SKU00002": 1}
    ship = floor.shipping
    assert (await ship.scan(warehouse, order_id, "SKU09999"))[0] == "wrong_item"
    assert (await ship.scan(warehouse, order_id, "SKU00001"))[0] == "ok"
    gtin = (await ship.store.sku_facts(warehouse, ["SKU00001"]))["SKU00001"].gtin
    assert (await ship.scan(warehouse, order_id, gtin))[0] == "ok"  # by GTIN
    assert (await ship.scan(warehouse, order_id, "SKU00001"))[0] == "extra"
    box1 = 2 * weights["SKU00001"] + 10  # a poly bag is suggested for items without dimensions
    # the last box cannot close while SKU00002 is missing
    closing = await ship.close_box(warehouse, order_id, box1, last=True)
    assert closing.verdict == "missing" and closing.missing == {"SKU00002": 1}
    # a wrong weight refuses to close and raises pack_mismatch
    bad = await ship.close_box(warehouse, order_id, box1 + 500)
    assert bad.verdict == "weight_mismatch" and bad.expected_g == box1
    assert [x.kind for x in await floor.incidents.open(warehouse)] == ["pack_mismatch"]
    assert (await ship.close_box(warehouse, order_id, box1)).verdict == "ok"
    assert queued == []  # not the last box: nothing printed yet
    assert (await ship.scan(warehouse, order_id, "SKU00002"))[0] == "ok"
    done = await ship.close_box(warehouse, order_id, weights["SKU00002"] + 80, box_type="BOX-1")
    assert done.verdict == "ok" and done.shipment_id
    assert queued == [(warehouse, done.shipment_id, "PACK-1")]  # closing the last box queued the labels
    again = await ship.close_box(warehouse, order_id, 1)
    assert again.shipment_id == done.shipment_id  # idempotent: no second shipment, no second labels

    shipment = await ship.store.get(warehouse, done.shipment_id)
    assert shipment.service == "EMS_STD" and shipment.choice.rule == "pinned"
    assert shipment.choice.alternatives and all(q.service != "EMS_STD" for q in shipment.choice.alternatives)
    assert [b.box_no for b in shipment.boxes] == [1, 2] and shipment.boxes[1].items == ["SKU00002"]
    for box in shipment.boxes:
        label = await ship.store.label(warehouse, done.shipment_id, box.box_no)
        result = render(label["zpl"])
        assert result.errors == []
        found = {t for _f, t, _b in decode(result.pages[0])}
        assert found == {box.waybill} and box.waybill.startswith("EA") and box.waybill.endswith("CN")
        assert f"{box.box_no}/2" in label["zpl"]


async def test_cainiao_platform_route_keeps_encrypted_print_data(small_demo: Floor, warehouse: str) -> None:
    from floor.shipping.carriers.model import Waybill

    floor = small_demo

    class FakePlatform:  # the platform itself is outside; its answer shape is what matters here
        code = "ZTO"

        async def create(self, shipment, box, sender):  # type: ignore[no-untyped-def]
            return Waybill(f"7531000{box.box_no}", "platform_component", f"ENCRYPTED-{box.box_no}")

    floor.shipping.adapters = {"ZTO": FakePlatform()}  # type: ignore[dict-item]
    floor.shipping.origins[warehouse] = "W1"
    _r, order = await floor.orders.intake(warehouse, NewOrder(channel="tmall", external_id="CN-1", warehouse=warehouse,
                                                              lines=[OrderLine(sku="SKU00003", quantity=1)]))
    await floor.shipping.prepare(warehouse, order.order_id, ShipTo(name="李四", phone="1", province="广东",
                                                                   pinned="ZTO_STD"))
    session = await floor.shipping.start_pack(warehouse, order.order_id, "PACK-2")
    assert (await floor.shipping.scan(warehouse, order.order_id, "SKU00003"))[0] == "ok"
    weight = session.items["SKU00003"].weight_g + 10
    result = await floor.shipping.close_box(warehouse, order.order_id, weight, last=True)
    shipment = await floor.shipping.store.get(warehouse, result.shipment_id)
    assert shipment.route == "platform_component" and shipment.platform_print_data == ["ENCRYPTED-1"]
    label = await floor.shipping.store.label(warehouse, result.shipment_id, 1)
    assert label["route"] == "platform_component" and "zpl" not in label


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=SH).timestamp() * 1000)


async def test_tracking_state_machine_idempotent_and_sweep(floor: Floor, warehouse: str) -> None:
    store = floor.shipping.store
    t0 = ms("2026-12-01T10:00:00")
    for waybill, carrier in (("SF100", "SF"), ("SF200", "SF"), ("JD300", "JD")):
        await store.open_parcel(warehouse, waybill, {"shipment": "S-" + waybill, "carrier": carrier, "service": "x",
                                                     "created_ms": t0, "promised_ms": ms("2026-12-04T00:00:00"),
                                                     "stuck_hours": 36, "lost_margin_days": 3,
                                                     "adapter": carrier.lower()})
    shipment = msgspec.json.decode(msgspec.json.encode({
        "shipment_id": "S-SF100", "warehouse": warehouse, "order_id": "O", "receiver": {"name": "a", "phone": "1",
                                                                                       "province": "北京"},
        "choice": {"chosen": {"service": "SF_STD", "carrier": "SF", "zone": "national", "chargeable_g": 1,
                              "volumetric_g": 0, "price_fen": 1, "surcharge_fen": 0, "pickup_date": "2026-12-01",
                              "promised_date": "2026-12-03"}, "alternatives": [], "rule": "pinned"},
        "boxes": [{"box_no": 1, "weight_g": 1, "waybill": "SF100"}], "created_ms": t0}),
        type=__import__("floor.shipping.model", fromlist=["Shipment"]).Shipment)
    await store.save(shipment)
    ship = floor.shipping
    events = [RawEvent("SF100", t0 + 1000, "50"), RawEvent("SF100", t0 + 3_600_000, "30"),
              RawEvent("SF100", t0 + 7_200_000, "44")]
    assert [s for _r, s in await ship.apply_events(warehouse, events)] == ["picked_up", "in_transit", "out_for_delivery"]
    assert await ship.apply_events(warehouse, events[:1]) == [(True, "out_for_delivery")]  # repeat: nothing changes
    late = await ship.apply_events(warehouse, [RawEvent("SF100", t0 + 2000, "31")])  # older event arrives late
    assert late == [(False, "out_for_delivery")]
    assert [e.code for e in await store.events(warehouse, "SF100")] == ["50", "31", "30", "44"]
    await ship.apply_events(warehouse, [RawEvent("SF100", t0 + 9_000_000, "80")])
    assert (await store.parcel(warehouse, "SF100"))["status"] == "delivered"
    assert (await store.get(warehouse, "S-SF100")).status == "closed"  # delivered order closes
    assert "SF100" not in await store.open_parcels(warehouse)
    await ship.apply_events(warehouse, [RawEvent("JD300", t0 + 1000, "PICKUP")])
    # 20 h later: nothing; 40 h after the last event: SF200 and JD300 are stuck
    assert await ship.sweep(warehouse, t0 + 20 * 3_600_000) == []
    stuck = await ship.sweep(warehouse, t0 + 40 * 3_600_000)
    assert sorted(stuck) == [("JD300", "parcel_stuck"), ("SF200", "parcel_stuck")]
    assert await ship.sweep(warehouse, t0 + 41 * 3_600_000) == []  # once per parcel
    lost = await ship.sweep(warehouse, ms("2026-12-08T00:00:01"))
    assert sorted(lost) == [("JD300", "parcel_lost"), ("SF200", "parcel_lost")]
    kinds = sorted(x.kind for x in await floor.incidents.open(warehouse))
    assert kinds == ["parcel_lost", "parcel_lost", "parcel_stuck", "parcel_stuck"]


async def test_the_parcel_sweeper_runs_periodically(floor: Floor, warehouse: str) -> None:
    import asyncio

    from floor.jobs.labels import ParcelSweeper
    from floor.layout.model import Layout

    await floor.layouts.put(Layout(warehouse=warehouse, aisles=1, cells=1))
    await floor.shipping.store.open_parcel(warehouse, "OLD1", {
        "shipment": "S-OLD", "carrier": "SF", "service": "SF_STD", "created_ms": 1, "promised_ms": 0,
        "stuck_hours": 1, "lost_margin_days": 3, "adapter": "sf"})
    sweeper = ParcelSweeper(floor, interval_s=0.05)
    sweeper.start()
    try:
        for _ in range(100):
            if any(x.kind == "parcel_stuck" for x in await floor.incidents.open(warehouse)):
                break
            await asyncio.sleep(0.05)
    finally:
        await sweeper.stop()
    assert [x.kind for x in await floor.incidents.open(warehouse)] == ["parcel_stuck"]


async def test_the_parcel_sweeper_asks_again_for_due_voids_between_sweeps(floor: Floor, warehouse: str) -> None:
    """Due carrier voids are tried every ``void_every_s``, not only at the 15-min stuck / lost sweep
    (floor/shipping/void.py; here a due waybill whose parcel record is gone is dropped, no record made)."""
    import asyncio

    from floor.jobs.labels import ParcelSweeper
    from floor.layout.model import Layout

    await floor.layouts.put(Layout(warehouse=warehouse, aisles=1, cells=1))
    await floor.shipping.store.void_later(warehouse, "GONE1", 0, 1, "SF timed out")
    await floor.shipping.store.client.delete(keys.key(warehouse, "parcel", "GONE1"))
    sweeper = ParcelSweeper(floor, interval_s=3600, void_every_s=0.05)
    sweeper.start()
    try:
        for _ in range(100):
            if not await floor.shipping.store.client.zcard(keys.key(warehouse, "void_retry")):
                break
            await asyncio.sleep(0.05)
    finally:
        await sweeper.stop()
    assert await floor.shipping.store.claim_voids(warehouse, 2**62, 1000) == []
    assert not await floor.shipping.store.client.exists(keys.key(warehouse, "parcel", "GONE1"))
