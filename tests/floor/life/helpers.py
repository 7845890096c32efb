"""Shared set-up for the order-life tests: shops registered through the admin use cases against the
loopback platform stand-ins, an order packed and shipped on the pack bench."""

from __future__ import annotations

from floor.channels.canonical import CanonicalOrder
from floor.channels.model import Component, Mapping, NewShop, Shop
from floor.channels.service import Outcome
from floor.floor import Floor
from floor.shipping import pack
from floor.shipping.model import ShipTo
from floor.shipping.service import CloseResult
from tests.floor.availability.standins import SECRET, TOKEN

CHANNELS = ("taobao", "jd", "pinduoduo", "douyin", "shopify", "own_site")
SHIP_PATH = {"taobao": "/router/rest", "jd": "/router/rest", "pinduoduo": "/api/router",
             "douyin": "/order/logisticsAdd", "shopify": "/admin/api/2025-01/graphql.json", "own_site": "/shipments"}


async def register(floor: Floor, channel: str, shop: str, warehouse: str, url: str, *, seller: str = "",
                   secret: str = SECRET, skus: tuple[str, ...] = ("LA", "LB")) -> Shop:
    """A shop with the stand-in's credentials and two mappings (channel SKU LA -> SKU LA, LB -> SKU LB)."""
    await floor.channels.create_shop(NewShop(channel=channel, shop=shop, secret=secret, warehouse=warehouse,
                                             app_key="ak", api_url=url, access_token=TOKEN, seller=seller))
    await floor.channels.save_mappings(channel, shop, [
        Mapping(channel_sku=sku, components=[Component(sku=sku)], item_id=f"I-{channel}-{sku}",
                sku_id=f"S-{channel}-{sku}", location_id="gid://shopify/Location/1") for sku in skus])
    record = await floor.channels.store.shop(channel, shop)
    assert record is not None
    return record


async def take(floor: Floor, shop: Shop, order: CanonicalOrder) -> Outcome:
    return await floor.channels.take(shop, order)


async def pack_and_ship(floor: Floor, warehouse: str, order_id: str) -> CloseResult:
    """Pack every unit of ``order_id`` into one box (its expected weight) and close it: the shipment."""
    await floor.shipping.prepare(warehouse, order_id, ShipTo(
        name="张三", phone="13800000001", province="广东", city="广州市", district="天河区", address="天河路 1 号",
        pinned="EMS_STD"))
    session = await floor.shipping.start_pack(warehouse, order_id, "PACK-1")
    for sku, units in session.missing().items():
        for _ in range(units):
            assert (await floor.shipping.scan(warehouse, order_id, sku))[0] == "ok"
    session = await floor.shipping.session(warehouse, order_id)
    box = session.open_box
    weight = pack.expected_weight(session, box, pack.suggest([session.items[s] for s in box.items]))
    return await floor.shipping.close_box(warehouse, order_id, weight, last=True)
