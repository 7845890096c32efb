"""Never oversell: 200 concurrent intakes of 1 unit against 100 in stock, through two web nodes."""

from __future__ import annotations

import asyncio

import httpx

from floor.catalog.model import Sku, make_gtin13
from floor.floor import Floor
from floor.inventory.model import AdjustStock
from tests.live import LiveApp, ServerProcess


async def test_200_concurrent_intakes_reserve_exactly_100(
    live_app: LiveApp, web_nodes: list[ServerProcess], small_demo: Floor
) -> None:
    wh = live_app.warehouse
    await small_demo.catalog.define(wh, Sku("HOT", make_gtin13("690999", 1).zfill(14), "hot item", 100))
    await small_demo.inventory.adjust(wh, AdjustStock("hot-in", "HOT", f"{wh}-A01-C05", 100, "receipt"), "test")
    headers = live_app.headers("channel")
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=200)) as client:

        async def place(n: int) -> httpx.Response:
            node = web_nodes[n % 2]
            return await client.post(f"{node.url}/api/orders", headers=headers, json={
                "channel": "douyin", "external_id": f"DY-{n}", "warehouse": wh,
                "lines": [{"sku": "HOT", "quantity": 1}]})

        responses = await asyncio.gather(*(place(n) for n in range(200)))
    assert all(r.status_code == 200 for r in responses)
    statuses = [r.json()["order"]["status"] for r in responses]
    assert statuses.count("reserved") == 100 and statuses.count("backordered") == 100
    stock = await small_demo.inventory.level(wh, "HOT")
    assert (stock.on_hand, stock.reserved, stock.available) == (100, 100, 0)
