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
