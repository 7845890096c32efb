"""The seam wired: a shop that names a seller has its platform orders placed by the router (rules,
warehouse choice, decision trace), through the same adapters and SKU mappings; cancels release."""

from __future__ import annotations

from floor.channels.adapters import adapt
from floor.channels.adapters.common import decode
from floor.channels.model import Component, Mapping, NewShop
from floor.floor import Floor
from floor.store import keys
from tests.floor.channels import fixtures as fx
from tests.floor.oms_setup import rule_set, stock_warehouse


async def test_a_shop_with_a_seller_is_routed_by_its_rules_and_a_cancel_releases(floor: Floor, warehouse: str) -> None:
    a, b, c = f"{warehouse}A", f"{warehouse}B", f"{warehouse}C"
    skus = ["SKU00001", "SKU00002", "SKU00003"]
    await stock_warehouse(floor, a, {}, skus)  # Shanghai: nothing in stock
    await stock_warehouse(floor, b, {"SKU00001": 9, "SKU00002": 9, "SKU00003": 9}, skus)
    await stock_warehouse(floor, c, {"SKU00001": 1}, skus)
    seller = f"seller-{warehouse}"
    await floor.routing.put_rules(seller, rule_set(a, b, c, sorts=["priority"]))
    shop_id = f"tm-{warehouse}"
    await floor.channels.create_shop(NewShop(channel="tmall", shop=shop_id, secret="s" * 16, warehouse=a,
                                             seller=seller))
    await floor.channels.save_mappings("tmall", shop_id, [
        Mapping(channel_sku="TB-CUP-RED", components=[Component(sku="SKU00001", quantity=1)]),
        Mapping(channel_sku="TB-TOWEL", components=[Component(sku="SKU00002", quantity=1)],
                gifts=[Component(sku="SKU00003", quantity=1)])])
    record = await floor.channels.store.shop("tmall", shop_id)
    assert record is not None and record.seller == seller

    outcome = await floor.channels.take(record, adapt("tmall", shop_id, decode(fx.body(fx.taobao_trade()))))
    # a (first priority) has no stock, c lacks units: the router places the whole order in b.
    assert outcome.result == "routed" and outcome.warehouse == b, outcome
    assert int(await floor.client.hget(keys.key(b, "sku", "SKU00001"), "reserved")) == 2
    trace = await floor.routing.trace("tmall", shop_id, "3021234567890123")
    assert [p.warehouse for p in trace.parcels] == [b]
    assert any(step.warehouse == a and step.verdict != "reserved" for step in trace.trace), trace.trace

    cancelled = fx.taobao_trade(status="TRADE_CLOSED")
    after = await floor.channels.take(record, adapt("tmall", shop_id, decode(fx.body(cancelled))))
    assert after.result == "cancelled", after
    assert int(await floor.client.hget(keys.key(b, "sku", "SKU00001"), "reserved")) == 0
    for w in (a, b, c):
        report = await floor.availability.check(w)
        assert report.drift == [] and report.negative == [], report


async def test_the_claim_read_ahead_survives_a_remapped_sku_a_repeat_and_leaves_no_claim(
        floor: Floor, warehouse: str) -> None:
    """The routing claim and stock read go out with the channel claim, for the SKUs the shop's mapping
    had last time (floor/routing/prefetch.py). A remapped SKU (a wrong guess) is read again, a repeat
    or stale delivery drops the claim it took, and every order ends with its routing claim gone."""
    a, b, c = f"{warehouse}A", f"{warehouse}B", f"{warehouse}C"
    skus = ["SKU00001", "SKU00002", "SKU00003", "SKU00004"]
    await stock_warehouse(floor, a, {}, skus)
    await stock_warehouse(floor, b, {"SKU00001": 5, "SKU00002": 5, "SKU00003": 5}, skus)
    await stock_warehouse(floor, c, {"SKU00004": 5, "SKU00002": 5, "SKU00003": 5}, skus)
    seller = f"seller-{warehouse}"
    await floor.routing.put_rules(seller, rule_set(a, b, c, sorts=["priority"]))
    shop_id = f"tm-{warehouse}"
    await floor.channels.create_shop(NewShop(channel="tmall", shop=shop_id, secret="s" * 16, warehouse=a,
                                             seller=seller))
    towel = Mapping(channel_sku="TB-TOWEL", components=[Component(sku="SKU00002", quantity=1)])
    await floor.channels.save_mappings("tmall", shop_id, [
        Mapping(channel_sku="TB-CUP-RED", components=[Component(sku="SKU00001", quantity=1)]), towel])
    record = await floor.channels.store.shop("tmall", shop_id)
    assert record is not None
    claims = f"{keys.GLOBAL_PREFIX}routing:claim:tmall:{shop_id}:*"

    first = await floor.channels.take(record, adapt("tmall", shop_id, decode(fx.body(fx.taobao_trade(tid="1001")))))
    assert first.result == "routed" and first.warehouse == b, first
    again = await floor.channels.take(record, adapt("tmall", shop_id, decode(fx.body(fx.taobao_trade(tid="1001")))))
    assert again.result == "repeat", again
    assert [k async for k in floor.client.scan_iter(claims)] == []

    # The cup now maps to SKU00004 (only in c): the read-ahead guessed SKU00001 and must read again.
    await floor.channels.save_mappings("tmall", shop_id, [
        Mapping(channel_sku="TB-CUP-RED", components=[Component(sku="SKU00004", quantity=1)]), towel])
    second = await floor.channels.take(record, adapt("tmall", shop_id, decode(fx.body(fx.taobao_trade(tid="2002")))))
    assert second.result == "routed" and second.warehouse == c, second
    assert int(await floor.client.hget(keys.key(c, "sku", "SKU00004"), "reserved")) == 2
    assert [k async for k in floor.client.scan_iter(claims)] == []

    # The same without the auto-pipelined lane (FLOOR_SCAN_PIPELINE=0): one command at a time, same answers.
    floor.channels.store.pipeline = floor.routing.store.pipeline = None
    third = await floor.channels.take(record, adapt("tmall", shop_id, decode(fx.body(fx.taobao_trade(tid="3003")))))
    assert third.result == "routed" and third.warehouse == c, third
    repeat = await floor.channels.take(record, adapt("tmall", shop_id, decode(fx.body(fx.taobao_trade(tid="3003")))))
    assert repeat.result == "repeat", repeat
    assert [k async for k in floor.client.scan_iter(claims)] == []
    for w in (a, b, c):
        report = await floor.availability.check(w)
        assert report.drift == [] and report.negative == [], report
