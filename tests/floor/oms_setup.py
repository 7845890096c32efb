"""Shared set-up for the OMS tests (routing, availability): warehouses with stock booked through the
normal receipt path (so the ledger sees it), a routing rule set and canonical orders."""

from __future__ import annotations

from floor.catalog.model import Sku, make_gtin13
from floor.channels.canonical import Address, CanonicalLine, CanonicalOrder
from floor.floor import Floor
from floor.inventory.model import AdjustStock
from floor.layout.model import Layout
from floor.routing.model import Rule, RuleSet, Site

SHANGHAI = Address(name="张三", phone="138-0000-0001", province="上海", city="上海市", district="浦东新区",
                   detail="世纪大道 100 号", province_code="310000", city_code="310100", district_code="310115")
GUANGZHOU = Address(name="李四", phone="138-0000-0002", province="广东省", city="广州市", district="天河区",
                    detail="天河路 1 号", province_code="440000", city_code="440100", district_code="440106")
CHENGDU = Address(name="王五", phone="138-0000-0003", province="四川省", city="成都市", district="武侯区",
                  detail="人民南路 4 段", province_code="510000", city_code="510100", district_code="510107")


async def stock_warehouse(floor: Floor, warehouse: str, stock: dict[str, int], skus: list[str]) -> None:
    """A 2 x 10 warehouse knowing ``skus``; ``stock`` units received at its first location."""
    layout = Layout(warehouse=warehouse, aisles=2, cells=10)
    await floor.layouts.put(layout)
    for n, sku in enumerate(skus, start=1):
        await floor.catalog.define(warehouse, Sku(sku=sku, gtin=make_gtin13("690555", n).zfill(14), name=sku,
                                                  weight_g=100))
    location = layout.location(1, 1).code
    for n, (sku, units) in enumerate(sorted(stock.items())):
        if units:
            await floor.inventory.adjust(warehouse, AdjustStock(f"rcv-{n}", sku, location, units, "receipt"), "test")


def sites(a: str, b: str, c: str) -> list[Site]:
    """a in Shanghai (31), b in Guangzhou (44), c in Chengdu (51)."""
    return [Site(warehouse=a, province="31", priority=1), Site(warehouse=b, province="44", priority=2),
            Site(warehouse=c, province="51", priority=3)]


def rule_set(a: str, b: str, c: str, **rule: object) -> RuleSet:
    return RuleSet(sites=sites(a, b, c), rules=[Rule(name="default", **rule)])  # type: ignore[arg-type]


def order(platform_id: str, lines: list[tuple[str, int]], *, channel: str = "taobao", shop: str = "s1",
          address: Address = SHANGHAI, state: str = "ready", buyer: str = "buyer-1", message: str = "",
          total: int = 10_000) -> CanonicalOrder:
    return CanonicalOrder(
        channel=channel, shop=shop, platform_order_id=platform_id, state=state, platform_status="TEST",
        lines=[CanonicalLine(line_id=f"{platform_id}-{i}", channel_sku=sku, quantity=q) for i, (sku, q) in
               enumerate(lines)],
        address=address, total_minor=total, buyer_id=buyer, buyer_message=message)
