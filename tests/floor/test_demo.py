"""The demo warehouse that `make run` loads: big enough to be a real floor, valid throughout."""

from __future__ import annotations

from floor.catalog.model import is_valid_gtin
from floor.floor import Floor
from floor.run.demo import demo_credentials, demo_data, load_demo
from floor.store import keys


def test_demo_data_is_a_real_floor() -> None:
    data = demo_data("W1")
    assert data.layout.aisles >= 10
    assert len(data.skus) >= 500 and all(is_valid_gtin(s.gtin) for s in data.skus)
    assert len({s.gtin for s in data.skus}) == len(data.skus)
    assert len(data.orders) == 200 and len({o.channel for o in data.orders}) >= 5
    codes = {loc for _sku, loc, _units in data.stock}
    assert all(data.layout.check_location(code) for code in codes)
    credentials = demo_credentials("W1")
    assert len(credentials.pickers) == 5 and {role for _u, role, _p in credentials.users} >= {"supervisor", "admin"}


async def test_demo_loads_and_reserves_without_overselling(floor: Floor, warehouse: str) -> None:
    data = demo_data(warehouse)
    await load_demo(floor, data, demo_credentials(warehouse))
    assert await floor.catalog.count(warehouse) == len(data.skus)
    reserved = await floor.orders.store.count(warehouse, "orders_reserved")
    backordered = await floor.orders.store.count(warehouse, "orders_backordered")
    assert reserved + backordered == 200 and reserved > 150
    for sku in data.skus[:50]:
        stock = await floor.inventory.level(warehouse, sku.sku)
        assert stock.available >= 0 and stock.on_hand == sum(stock.locations.values())
    receipts, orders = len(data.stock), len(data.orders)
    assert await floor.client.xlen(keys.key(warehouse, "events")) >= receipts + orders
    assert (await floor.accounts.login_picker("B0001", "1001", "127.0.0.1")).warehouse == warehouse


async def test_make_run_loads_the_demo_from_the_csv_templates(floor: Floor, warehouse: str) -> None:
    from floor.run.demo import load_demo_from_csv

    credentials = await load_demo_from_csv(floor, warehouse)
    assert await floor.catalog.count(warehouse) == 600
    assert await floor.orders.store.count(warehouse, "orders_reserved") > 150
    picker, badge, pin = credentials.pickers[0]
    assert (await floor.accounts.login_picker(badge, pin, "test")).subject == picker
    username, role, password = next(u for u in credentials.users if u[1] == "supervisor")
    assert (await floor.accounts.login_user(username, password, "test")).role == "supervisor"
