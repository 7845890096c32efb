"""Merged orders (合单) ship as ONE parcel: two orders of one buyer to one address are routed to the same
warehouse and linked; the pack bench packs both into one session (started from either order), closing
it makes one shipment, and each source order gets its own ship call with that parcel's waybill. A
third member cancelled before packing leaves the group and is neither packed nor confirmed."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
import pytest

from floor.floor import Floor
from floor.store import keys
from tests.floor.availability.standins import Platforms
from tests.floor.life.helpers import pack_and_ship, register
from tests.floor.oms_setup import order, rule_set, stock_warehouse


@pytest.fixture
def platforms() -> Iterator[Platforms]:
    p = Platforms()
    yield p
    p.stop()


async def test_a_merge_group_packs_and_ships_as_one_parcel_confirmed_per_order(floor: Floor, warehouse: str,
                                                                                platforms: Platforms) -> None:
    a, b, c = f"{warehouse}A", f"{warehouse}B", f"{warehouse}C"
    for w in (a, b, c):
        await stock_warehouse(floor, w, {"LA": 10, "LB": 10} if w == a else {}, ["LA", "LB"])
    floor.shipping.origins[a] = "W2"
    await floor.shipping.store.add_range(a, "EMS", 10_000_000, 10_000_099)
    seller = f"merge-{warehouse}"
    await floor.routing.put_rules(seller, msgspec.structs.replace(rule_set(a, b, c), merge_window_s=600))
    shop_id = f"mg-{warehouse.lower()}"
    shop = await register(floor, "taobao", shop_id, a, platforms.url, seller=seller)
    assert (await floor.availability.profile("taobao", shop_id)).warehouses == [a, b, c]  # the seller's sites

    first = await floor.channels.take(shop, order("M1", [("LA", 1)], shop=shop_id))
    second = await floor.channels.take(shop, order("M2", [("LB", 2)], shop=shop_id))
    third = await floor.channels.take(shop, order("M3", [("LA", 1)], shop=shop_id))
    traces = [await floor.routing.trace("taobao", shop_id, pid) for pid in ("M1", "M2", "M3")]
    assert {t.merge_group for t in traces} == {traces[0].merge_group} and traces[0].merge_group
    assert first.warehouse == second.warehouse == third.warehouse == a
    cancelled = await floor.channels.take(shop, msgspec.structs.replace(
        order("M3", [("LA", 1)], shop=shop_id), state="cancelled", updated_ms=5))
    assert cancelled.state == "cancelled"
    assert (await floor.orders.get(a, third.floor_order)).status == "cancelled"

    session = await floor.shipping.start_pack(a, first.floor_order, "PACK-1")
    assert session.orders == [second.floor_order] and session.expected == {"LA": 1, "LB": 2}
    again = await floor.shipping.start_pack(a, second.floor_order, "PACK-2")  # the other member: same parcel
    assert again.order_id == first.floor_order
    assert (await floor.shipping.scan(a, second.floor_order, "LB"))[0] == "ok"  # scanned through either id
    assert (await floor.shipping.session(a, first.floor_order)).packed() == {"LB": 1}

    closed = await pack_and_ship(floor, a, first.floor_order)
    assert closed.verdict == "ok"
    shipment = await floor.shipping.store.get(a, closed.shipment_id)
    assert shipment.orders == [second.floor_order] and len(shipment.boxes) == 1
    assert (await floor.shipping.store.of_order(a, second.floor_order)).shipment_id == closed.shipment_id  # type: ignore[union-attr]
    assert (await floor.shipping.close_box(a, second.floor_order, 1)).shipment_id == closed.shipment_id

    counts = await floor.availability.drain("taobao", shop_id)
    assert counts["shipped"] == 2 and counts["acked"] == 1  # M1 and M2 shipped; M3's cancel acknowledged
    waybill = shipment.boxes[0].waybill
    calls = {k: [(c["waybill"], c["form"]["tid"]) for c in v] for k, v in platforms.shipments.items()}
    assert calls == {"top:M1": [(waybill, "M1")], "top:M2": [(waybill, "M2")]}
    assert [a["flag"] for a in platforms.acks["top:M3"]] == ["4"]


async def test_a_routed_cancel_after_release_puts_back_and_is_acknowledged(floor: Floor, warehouse: str,
                                                                           platforms: Platforms) -> None:
    from floor.waves.model import ReleaseWave

    a, b, c = f"{warehouse}A", f"{warehouse}B", f"{warehouse}C"
    for w in (a, b, c):
        await stock_warehouse(floor, w, {"LA": 10} if w == a else {}, ["LA", "LB"])
    seller = f"cx-{warehouse}"
    await floor.routing.put_rules(seller, rule_set(a, b, c))
    shop_id = f"cx-{warehouse.lower()}"
    shop = await register(floor, "pinduoduo", shop_id, a, platforms.url, seller=seller)
    taken = await floor.channels.take(shop, order("X1", [("LA", 3)], channel="pinduoduo", shop=shop_id))
    assert taken.warehouse == a
    await floor.waves.release(a, ReleaseWave("wv-x1", pickers=1, order_ids=[taken.floor_order], warehouse=a,
                                             planner="serpentine"))
    picker = f"{a}p1"
    await floor.picking.join(a, picker, "sock-x", 60_000)
    task_id = await floor.picking.assign(a, picker)
    assert task_id
    step = (await floor.picking.task(a, task_id)).steps[0]
    await floor.picking.scan(a, picker, task_id, "x1", step.location, 1)
    await floor.picking.scan(a, picker, task_id, "x2", step.gtin, 1)  # one of three units picked

    outcome = await floor.routing.cancel("pinduoduo", shop_id, "X1", "buyer asked")
    assert outcome.status == "cancelled" and outcome.parcels[0].status == "cancelled"
    assert [s.verdict for s in outcome.trace][-1] == "put_back"
    putback = await floor.client.hget(keys.key(a, "order", taken.floor_order), "putback")
    view = await floor.putback.task(a, putback)
    assert view.steps == [(step.location, "LA", 1, 0)]
    assert (await floor.availability.drain("pinduoduo", shop_id))["acked"] == 1
    assert [x["tag"] for x in platforms.acks["pdd:X1"]] == ["4"]
    assert (await floor.availability.check(a)).drift == []
