"""The demo warehouse: a layout, SKUs with valid GTINs, stock, open orders, pickers and users.

:func:`demo_data` is pure and seeded; :func:`load_demo` writes it through the normal use cases
(so the demo's stock and orders obey the same scripts as production traffic).
"""

from __future__ import annotations

import os
import random
import secrets

import msgspec

from floor.accounts.model import Picker, User
from floor.catalog.model import Sku, make_gtin13
from floor.floor import Floor
from floor.inventory.model import AdjustStock
from floor.layout.model import Layout
from floor.orders.model import CHANNELS, NewOrder, OrderLine


class DemoCredentials(msgspec.Struct):
    pickers: list[tuple[str, str, str]]  # (picker id, badge, pin)
    users: list[tuple[str, str, str]]  # (username, role, password)


class DemoData(msgspec.Struct):
    layout: Layout
    skus: list[Sku]
    stock: list[tuple[str, str, int]]  # (sku, location, units)
    orders: list[NewOrder]


def demo_data(
    warehouse: str = "W1", *, aisles: int = 12, cells: int = 30, skus: int = 600, orders: int = 200,
    units_per_location: int = 40, seed: int = 7,
) -> DemoData:
    rng = random.Random(seed)
    layout = Layout(warehouse=warehouse, aisles=aisles, cells=cells)
    catalog = [
        Sku(sku=f"SKU{n:05d}", gtin=make_gtin13("690123", n).zfill(14), name=f"Demo item {n}",
            weight_g=rng.randint(50, 3000))
        for n in range(1, skus + 1)
    ]
    positions = [layout.location(a, c).code for a in range(1, aisles + 1) for c in range(1, cells + 1)]
    rng.shuffle(positions)
    stock = []
    for index, sku in enumerate(catalog):
        stock.append((sku.sku, positions[index % len(positions)], units_per_location))
        if index % 5 == 0:  # every fifth SKU has a second location (short picks can re-allocate)
            stock.append((sku.sku, positions[(index + len(catalog)) % len(positions)], units_per_location))
    channels = [c for c in CHANNELS if c != "manual"]
    weights = [1.0 / (rank + 1) for rank in range(len(catalog))]  # a few fast movers
    new_orders = []
    for n in range(orders):
        chosen = rng.choices(catalog, weights=weights, k=rng.randint(1, 4))
        lines = {sku.sku: rng.randint(1, 3) for sku in chosen}
        new_orders.append(
            NewOrder(
                channel=channels[n % len(channels)],
                external_id=f"DEMO-{n:05d}",
                lines=[OrderLine(sku=s, quantity=q) for s, q in lines.items()],
                warehouse=warehouse,
                priority=rng.choice((1, 3, 5, 5, 5, 7)),
                customer=f"customer-{rng.randint(1, 5000)}",
            )
        )
    return DemoData(layout, catalog, stock, new_orders)


def demo_credentials(warehouse: str = "W1", pickers: int = 5) -> DemoCredentials:
    """Dev credentials: PINs are fixed for the demo; passwords come from the environment or are random."""
    people = [(f"picker{n}", f"B{n:04d}", f"{1000 + n}") for n in range(1, pickers + 1)]
    users = [
        ("supervisor", "supervisor", os.environ.get("FLOOR_SUPERVISOR_PASSWORD", secrets.token_urlsafe(9))),
        ("admin", "admin", os.environ.get("FLOOR_ADMIN_PASSWORD", secrets.token_urlsafe(9))),
        ("channel", "channel", os.environ.get("FLOOR_CHANNEL_PASSWORD", secrets.token_urlsafe(9))),
        ("device", "device", os.environ.get("FLOOR_DEVICE_PASSWORD", secrets.token_urlsafe(9))),
    ]
    return DemoCredentials(pickers=people, users=users)


async def load_demo(floor: Floor, data: DemoData, credentials: DemoCredentials) -> None:
    warehouse = data.layout.warehouse
    await floor.layouts.put(data.layout)
    for sku in data.skus:
        await floor.catalog.define(warehouse, sku)
    for index, (sku_id, location, units) in enumerate(data.stock):
        await floor.inventory.adjust(
            warehouse, AdjustStock(f"demo-receipt-{index}", sku_id, location, units, "receipt", warehouse), "demo"
        )
    for picker_id, badge, pin in credentials.pickers:
        await floor.accounts.put_picker(Picker(picker_id, warehouse, badge, picker_id.title()), pin)
    for username, role, password in credentials.users:
        channels = list(CHANNELS) if role == "channel" else []  # the demo integration may post for every channel
        await floor.accounts.put_user(User(username, role, ["*"], channels), password)
    for order in data.orders:
        await floor.orders.intake(warehouse, order)


async def load_demo_from_csv(floor: Floor, warehouse: str = "W1") -> DemoCredentials:
    """What ``make run`` loads: the demo master data from the CSV templates in
    floor/onboarding/demo/ through the same import an operator uses (docs/onboarding.md), then the
    demo's open orders through order intake."""
    from floor.onboarding.service import load_demo_csv

    passwords = {name: os.environ[f"FLOOR_{name.upper()}_PASSWORD"] for name in ("supervisor", "admin", "channel", "device")
                 if os.environ.get(f"FLOOR_{name.upper()}_PASSWORD")}
    imported = await load_demo_csv(floor, warehouse=warehouse, passwords=passwords)
    for order in demo_data(warehouse).orders:
        await floor.orders.intake(warehouse, order)
    return DemoCredentials(pickers=list(imported.pickers), users=list(imported.users))
