"""Taking platform orders against a real Redis and the real floor: SKU mapping (bundles, gifts),
holds with reasons, idempotency on (channel, shop, id), stale updates ignored, the seam to floor.orders."""

from __future__ import annotations

import uuid

import pytest

from floor.channels.adapters import adapt
from floor.channels.adapters.common import decode
from floor.channels.model import Component, Mapping, NewShop
from floor.floor import Floor
from floor.store import keys
from tests.floor.channels import fixtures as fx


async def shop(floor: Floor, warehouse: str, channel: str) -> str:
    shop_id = f"{channel}-{uuid.uuid4().hex[:8]}"
    await floor.channels.create_shop(NewShop(channel=channel, shop=shop_id, secret="s" * 16, warehouse=warehouse))
    return shop_id


def mapping(channel_sku: str, *parts: tuple[str, int], gifts: tuple[tuple[str, int], ...] = ()) -> Mapping:
    return Mapping(channel_sku=channel_sku, components=[Component(sku=s, quantity=q) for s, q in parts],
                   gifts=[Component(sku=s, quantity=q) for s, q in gifts])


async def test_tmall_order_reserved_through_the_seam_and_repeat_changes_nothing(
        small_demo: Floor, warehouse: str) -> None:
    floor = small_demo
    shop_id = await shop(floor, warehouse, "tmall")
    await floor.channels.save_mappings("tmall", shop_id, [
        mapping("TB-CUP-RED", ("SKU00001", 1)), mapping("TB-TOWEL", ("SKU00002", 1), gifts=(("SKU00003", 1),))])
    record = await floor.channels.store.shop("tmall", shop_id)
    assert record is not None
    order = adapt("tmall", shop_id, decode(fx.body(fx.taobao_trade())))
    before = await floor.stock.client.hget(keys.key(warehouse, "sku", "SKU00001"), "reserved")
    outcome = await floor.channels.take(record, order)
    assert outcome.result == "reserved" and outcome.floor_order and outcome.warehouse == warehouse
    floor_order = await floor.orders.get(warehouse, outcome.floor_order)
    assert [(line.sku, line.quantity) for line in floor_order.lines] == [
        ("SKU00001", 2), ("SKU00002", 1), ("SKU00003", 1)]  # the gift rides along
    assert (floor_order.channel, floor_order.shop, floor_order.external_id) == ("tmall", shop_id, "3021234567890123")
    again = await floor.channels.take(record, order)
    assert again.result == "repeat" and again.floor_order == outcome.floor_order
    after = await floor.stock.client.hget(keys.key(warehouse, "sku", "SKU00001"), "reserved")
    assert int(after) - int(before or 0) == 2  # reserved once
    stored = await floor.channels.order("tmall", shop_id, "3021234567890123")
    assert stored["done"] == "1" and stored["result"] == "reserved"


async def test_bundle_quantities_multiply_and_the_same_sku_is_summed(small_demo: Floor, warehouse: str) -> None:
    floor = small_demo
    shop_id = await shop(floor, warehouse, "jd")
    await floor.channels.save_mappings("jd", shop_id, [
        mapping("JD-BUNDLE-2", ("SKU00004", 2), ("SKU00005", 1)), mapping("JD-GIFT", ("SKU00005", 1))])
    record = await floor.channels.store.shop("jd", shop_id)
    assert record is not None
    outcome = await floor.channels.take(record, adapt("jd", shop_id, decode(fx.body(fx.jd_order()))))
    floor_order = await floor.orders.get(warehouse, outcome.floor_order)
    assert [(line.sku, line.quantity) for line in floor_order.lines] == [("SKU00004", 4), ("SKU00005", 3)]


async def test_unmapped_sku_and_bad_address_hold_with_reasons_and_touch_no_stock(
        small_demo: Floor, warehouse: str) -> None:
    floor = small_demo
    shop_id = await shop(floor, warehouse, "pinduoduo")
    record = await floor.channels.store.shop("pinduoduo", shop_id)
    assert record is not None
    payload = fx.pdd_order()
    payload["order_info"]["town"] = "火星区"
    outcome = await floor.channels.take(record, adapt("pinduoduo", shop_id, decode(fx.body(payload))))
    assert outcome.result == "held" and not outcome.floor_order
    assert any("火星区" in r for r in outcome.reasons) and any("PDD-TOWEL" in r for r in outcome.reasons)
    assert await floor.channels.store.held("pinduoduo", shop_id) == [payload["order_info"]["order_sn"]]
    notices = [e for e in await floor.incidents.open(warehouse) if payload["order_info"]["order_sn"] in e.detail]
    assert len(notices) == 1 and "火星区" in notices[0].detail  # the hold is on the board, once
    assert await floor.orders.store.count(warehouse, "orders_reserved") == 20  # the demo's own only
    # mapped and fixed in a newer update: released from hold and reserved
    await floor.channels.save_mappings("pinduoduo", shop_id, [mapping("PDD-TOWEL", ("SKU00006", 1))])
    payload["order_info"]["town"] = "武侯区"
    payload["order_info"]["updated_at"] = "2026-12-03 09:20:00"
    outcome = await floor.channels.take(record, adapt("pinduoduo", shop_id, decode(fx.body(payload))))
    assert outcome.result == "reserved" and await floor.channels.store.held("pinduoduo", shop_id) == []


async def test_older_update_is_ignored_and_cancel_after_intake_is_recorded(small_demo: Floor, warehouse: str) -> None:
    floor = small_demo
    shop_id = await shop(floor, warehouse, "douyin")
    await floor.channels.save_mappings("douyin", shop_id, [mapping("DY-CUP", ("SKU00007", 1)),
                                                          mapping("DY-TOWEL", ("SKU00008", 1))])
    record = await floor.channels.store.shop("douyin", shop_id)
    assert record is not None
    first = await floor.channels.take(record, adapt("douyin", shop_id, decode(fx.body(fx.douyin_order()))))
    assert first.result == "reserved"
    cancelled = adapt("douyin", shop_id, decode(fx.body(fx.douyin_order(status=4, update_time=1796278000))))
    outcome = await floor.channels.take(record, cancelled)
    assert (outcome.result, outcome.floor_order) == ("cancel_requested", first.floor_order)
    stale = adapt("douyin", shop_id, decode(fx.body(fx.douyin_order(status=2, update_time=1796277700))))
    outcome = await floor.channels.take(record, stale)
    assert outcome.result == "stale" and outcome.state == "cancelled"


async def test_unknown_floor_sku_is_held_not_a_500(small_demo: Floor, warehouse: str) -> None:
    floor = small_demo
    shop_id = await shop(floor, warehouse, "own_site")
    await floor.channels.save_mappings("own_site", shop_id, [mapping("WEB-CUP", ("NOSUCHSKU", 1))])
    record = await floor.channels.store.shop("own_site", shop_id)
    assert record is not None
    outcome = await floor.channels.take(record, adapt("own_site", shop_id, decode(fx.body(fx.own_site_order()))))
    assert outcome.result == "held" and "NOSUCHSKU" in outcome.reasons[0]


@pytest.mark.parametrize("refunded", [True])
async def test_refund_of_the_only_line_reserves_nothing(small_demo: Floor, warehouse: str, refunded: bool) -> None:
    floor = small_demo
    shop_id = await shop(floor, warehouse, "taobao")
    await floor.channels.save_mappings("taobao", shop_id, [mapping("TB-CUP-RED", ("SKU00001", 1)),
                                                          mapping("TB-TOWEL", ("SKU00002", 1))])
    record = await floor.channels.store.shop("taobao", shop_id)
    assert record is not None
    payload = fx.taobao_trade()
    for line in payload["trade_fullinfo_get_response"]["trade"]["orders"]["order"]:
        line["refund_status"] = "WAIT_SELLER_AGREE" if refunded else "NO_REFUND"
    outcome = await floor.channels.take(record, adapt("taobao", shop_id, decode(fx.body(payload))))
    assert outcome.result == "recorded" and not outcome.floor_order


async def test_the_same_order_delivered_30_times_at_once_is_taken_once(small_demo: Floor, warehouse: str) -> None:
    import asyncio

    floor = small_demo
    shop_id = await shop(floor, warehouse, "jd")
    await floor.channels.save_mappings("jd", shop_id, [mapping("JD-BUNDLE-2", ("SKU00009", 1)),
                                                      mapping("JD-GIFT", ("SKU00010", 1))])
    record = await floor.channels.store.shop("jd", shop_id)
    assert record is not None
    order = adapt("jd", shop_id, decode(fx.body(fx.jd_order(order_id="290099990001"))))
    before = int(await floor.client.hget(keys.key(warehouse, "sku", "SKU00009"), "reserved") or 0)
    outcomes = await asyncio.gather(*[floor.channels.take(record, order) for _ in range(30)])
    assert len({o.floor_order for o in outcomes if o.floor_order}) == 1
    after = int(await floor.client.hget(keys.key(warehouse, "sku", "SKU00009"), "reserved") or 0)
    assert after - before == 2
    assert (await floor.channels.order("jd", shop_id, "290099990001"))["done"] == "1"


async def test_mapping_the_missing_sku_takes_the_held_order_again(small_demo: Floor, warehouse: str) -> None:
    floor = small_demo
    shop_id = await shop(floor, warehouse, "douyin")
    record = await floor.channels.store.shop("douyin", shop_id)
    assert record is not None
    outcome = await floor.channels.take(record, adapt("douyin", shop_id, decode(fx.body(fx.douyin_order()))))
    assert outcome.result == "held" and len(outcome.reasons) == 2  # DY-CUP and DY-TOWEL unmapped
    again = await floor.channels.take(record, adapt("douyin", shop_id, decode(fx.body(fx.douyin_order()))))
    assert again.result == "held"  # a held order re-sent is looked at again (not a 'repeat')
    count, retaken = await floor.channels.save_mappings("douyin", shop_id, [
        mapping("DY-CUP", ("SKU00011", 1)), mapping("DY-TOWEL", ("SKU00012", 1))])
    assert (count, retaken) == (2, 1)
    stored = await floor.channels.order("douyin", shop_id, "6920000000000000001")
    assert stored["result"] == "reserved" and stored["floor_order"]
    assert await floor.channels.store.held("douyin", shop_id) == []


async def test_the_same_order_id_on_two_channels_is_two_orders(small_demo: Floor, warehouse: str) -> None:
    floor = small_demo
    pdd_shop, web_shop = await shop(floor, warehouse, "pinduoduo"), await shop(floor, warehouse, "own_site")
    await floor.channels.save_mappings("pinduoduo", pdd_shop, [mapping("PDD-TOWEL", ("SKU00013", 1))])
    await floor.channels.save_mappings("own_site", web_shop, [mapping("WEB-CUP", ("SKU00014", 1))])
    ident = "261203-123456789012345"
    pdd_record, web_record = (await floor.channels.store.shop("pinduoduo", pdd_shop),
                              await floor.channels.store.shop("own_site", web_shop))
    assert pdd_record is not None and web_record is not None
    a = await floor.channels.take(pdd_record, adapt("pinduoduo", pdd_shop, decode(fx.body(fx.pdd_order(ident)))))
    b = await floor.channels.take(web_record, adapt("own_site", web_shop, decode(fx.body(fx.own_site_order(ident)))))
    assert a.result == b.result == "reserved" and a.floor_order != b.floor_order


async def test_a_cancelled_order_with_unmapped_skus_is_not_held(small_demo: Floor, warehouse: str) -> None:
    floor = small_demo
    shop_id = await shop(floor, warehouse, "jd")
    record = await floor.channels.store.shop("jd", shop_id)
    assert record is not None
    outcome = await floor.channels.take(record, adapt("jd", shop_id, decode(fx.body(fx.jd_order(state="TRADE_CANCELED")))))
    assert (outcome.result, outcome.reasons) == ("recorded", [])
