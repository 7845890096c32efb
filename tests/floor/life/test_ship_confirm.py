"""Issue 7, the order's life told back to the platform: a shop registered through the admin use cases
gets its stock pushed with the shop's own credentials and listings, and closing the last box of its
order sends that platform's own signed ship call (carrier code, waybill) once per parcel, retried
through a transient failure; holds and cancels are acknowledged (JD: recorded as not applicable)."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
import pytest

from floor.floor import Floor
from tests.floor.availability.standins import Platforms
from tests.floor.life.helpers import CHANNELS, SHIP_PATH, pack_and_ship, register
from tests.floor.oms_setup import order, stock_warehouse


@pytest.fixture
def platforms() -> Iterator[Platforms]:
    p = Platforms()
    yield p
    p.stop()


def shown(platforms: Platforms, channel: str, sku: str) -> int | None:
    item, sku_id = f"I-{channel}-{sku}", f"S-{channel}-{sku}"
    name = {"taobao": f"taobao:{item}:{sku_id}", "jd": f"jd:{sku_id}", "pinduoduo": f"pdd:{item}:{sku_id}",
            "douyin": f"douyin:{sku_id}", "shopify": f"shopify:{sku_id}", "own_site": f"own_site:{sku}"}[channel]
    return platforms.quantity.get(name)


async def test_registered_shops_get_pushes_and_one_ship_call_per_parcel(floor: Floor, warehouse: str,
                                                                        platforms: Platforms) -> None:
    w = f"{warehouse}A"
    await stock_warehouse(floor, w, {"LA": 20, "LB": 5}, ["LA", "LB"])
    floor.shipping.origins[w] = "W1"
    await floor.shipping.store.add_range(w, "EMS", 10_000_000, 10_000_099)
    waybills = {}
    for n, channel in enumerate(CHANNELS, start=1):
        shop_id = f"{channel[:4]}-{warehouse.lower()}"
        shop = await register(floor, channel, shop_id, w, platforms.url)
        profile = await floor.availability.profile(channel, shop_id)  # derived from the shop, not configured
        assert (profile.endpoint, profile.app_key, profile.warehouses) == (platforms.url, "ak", [w])
        assert [(lst.listing, lst.components, lst.item_id) for lst in profile.listings] == [
            ("LA", [("LA", 1)], f"I-{channel}-LA"), ("LB", [("LB", 1)], f"I-{channel}-LB")]

        outcome = await floor.channels.take(shop, order(f"{channel}-T1", [("LA", 2)], channel=channel, shop=shop_id))
        assert outcome.result == "reserved", outcome
        await floor.availability.collect()
        await floor.availability.drain(channel, shop_id)
        assert shown(platforms, channel, "LA") == 20 - 2 * n and shown(platforms, channel, "LB") == 5

        closed = await pack_and_ship(floor, w, outcome.floor_order)
        assert closed.verdict == "ok" and closed.shipment_id
        shipment = await floor.shipping.store.get(w, closed.shipment_id)
        waybills[channel] = shipment.boxes[0].waybill
        platforms.fail_next[SHIP_PATH[channel]] = 1  # a transient failure: the ship call is retried
        assert (await floor.availability.drain(channel, shop_id))["shipped"] == 0
        assert (await floor.availability.drain(channel, shop_id, force=True))["shipped"] == 1
        again = await floor.shipping.close_box(w, outcome.floor_order, 1)  # a repeated close: not queued again
        assert again.shipment_id == closed.shipment_id
        assert (await floor.availability.drain(channel, shop_id, force=True))["shipped"] == 0
        assert await floor.availability.store.confirmed_shipments(channel, shop_id) == {
            f"{closed.shipment_id}:{channel}-T1"}

    s = platforms.shipments
    assert {k: len(v) for k, v in s.items()} == {
        "top:taobao-T1": 1, "top:jd-T1": 1, "pdd:pinduoduo-T1": 1, "douyin:douyin-T1": 1,
        "shopify:shopify-T1": 1, "own_site:own_site-T1": 1}
    taobao = s["top:taobao-T1"][0]["form"]
    assert (taobao["method"], taobao["out_sid"], taobao["company_code"], taobao["is_split"]) == (
        "taobao.logistics.offline.send", waybills["taobao"], "EMS", "0")
    jd = msgspec.json.decode(s["top:jd-T1"][0]["form"]["360buy_param_json"])
    assert (jd["logiNo"], jd["logiCoprId"]) == (waybills["jd"], "465")
    assert s["pdd:pinduoduo-T1"][0] == {"waybill": waybills["pinduoduo"], "logistics_id": "118"}
    assert (s["douyin:douyin-T1"][0]["logistics_code"], s["douyin:douyin-T1"][0]["company_code"]) == (
        waybills["douyin"], "ems")
    assert s["shopify:shopify-T1"][0] == {"company": "China EMS (ePacket)", "number": waybills["shopify"]}
    assert s["own_site:own_site-T1"][0]["waybill"] == waybills["own_site"]
    assert platforms.bad_signatures == 0


async def test_holds_and_cancels_are_acknowledged_once(floor: Floor, warehouse: str, platforms: Platforms) -> None:
    w = f"{warehouse}A"
    await stock_warehouse(floor, w, {"LA": 20}, ["LA"])
    for channel in CHANNELS:
        shop_id = f"{channel[:4]}-{warehouse.lower()}"
        shop = await register(floor, channel, shop_id, w, platforms.url)
        held = msgspec.structs.replace(order(f"{channel}-H1", [("LA", 1)], channel=channel, shop=shop_id),
                                       state="hold", hold_reasons=["platform risk review"], updated_ms=1)
        assert (await floor.channels.take(shop, held)).result == "held"
        taken = await floor.channels.take(shop, order(f"{channel}-C1", [("LA", 3)], channel=channel, shop=shop_id))
        cancelled = msgspec.structs.replace(order(f"{channel}-C1", [("LA", 3)], channel=channel, shop=shop_id),
                                            state="cancelled", updated_ms=2)
        assert (await floor.channels.take(shop, cancelled)).result == "cancel_requested"
        assert (await floor.orders.get(w, taken.floor_order)).status == "cancelled"  # released on the floor
        await floor.channels.take(shop, msgspec.structs.replace(cancelled, updated_ms=3, seller_memo="again"))
        counts = await floor.availability.drain(channel, shop_id)
        assert counts["acked"] == 2, (channel, counts)
        assert (await floor.availability.drain(channel, shop_id))["acked"] == 0  # never twice
        done = await floor.availability.store.acked(channel, shop_id)
        expected = "not_applicable" if channel == "jd" else "accepted"
        assert done == {f"held:{channel}-H1:0": expected, f"cancelled:{channel}-C1:0": expected}
    acks = platforms.acks
    assert acks["top:taobao-H1"] == [{"memo": "[floor held] platform risk review", "flag": "1"}]
    assert acks["top:taobao-C1"][0]["flag"] == "4" and "top:jd-C1" not in acks
    assert acks["pdd:pinduoduo-C1"][0]["tag"] == "4" and acks["douyin:douyin-H1"][0]["star"] == 1
    assert acks["shopify:shopify-C1"] == [{"tags": ["floor-cancelled"]}]
    assert acks["own_site:own_site-H1"][0]["kind"] == "held"
    assert platforms.bad_signatures == 0


async def test_a_wrong_secret_is_refused_and_the_parcel_waits(floor: Floor, warehouse: str, platforms: Platforms) -> None:
    w = f"{warehouse}A"
    await stock_warehouse(floor, w, {"LA": 5}, ["LA"])
    floor.shipping.origins[w] = "W1"
    await floor.shipping.store.add_range(w, "EMS", 10_000_000, 10_000_099)
    for channel in ("taobao", "pinduoduo", "douyin", "own_site"):
        shop_id = f"bad-{channel[:4]}-{warehouse.lower()}"
        shop = await register(floor, channel, shop_id, w, platforms.url, secret="not-the-app-secret")
        taken = await floor.channels.take(shop, order(f"{channel}-W1", [("LA", 1)], channel=channel, shop=shop_id))
        assert (await pack_and_ship(floor, w, taken.floor_order)).verdict == "ok"
        counts = await floor.availability.drain(channel, shop_id, force=True)
        assert counts["shipped"] == 0 and counts["retry"] >= 1  # refused by the platform: kept, retried later
        assert await floor.availability.store.confirmed_shipments(channel, shop_id) == set()
        assert len(await floor.availability.store.pending_shipments(channel, shop_id)) == 1
    assert platforms.shipments == {} and platforms.bad_signatures >= 4
    # refused again and again: raised on the board once per parcel (the retries go on)
    for _ in range(4):
        for channel in ("taobao", "pinduoduo", "douyin", "own_site"):
            await floor.availability.drain(channel, f"bad-{channel[:4]}-{warehouse.lower()}", force=True)
    stuck = [e for e in await floor.incidents.open(w) if e.kind == "channel_push" and "ship confirmation" in e.detail]
    assert len(stuck) == 4, [e.detail for e in stuck]
