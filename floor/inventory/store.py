"""Stock in Redis: counters on the ``sku:<id>`` hash (on_hand, reserved), per-location units
(``skubins:<sku>`` and ``bin:<location>``, two views of the same numbers) and units allocated
to open tasks (``skualloc:<sku>``). Writes go through Lua so the views never disagree."""

from __future__ import annotations

from typing import Any

import msgspec

from floor.core.errors import NotFoundError
from floor.inventory.model import StockLevel
from floor.store import keys
from floor.store.results import COMMAND_TTL, unwrap
from floor.store.scripts import Scripts


class StockStore:
    def __init__(self, client: Any, scripts: Scripts) -> None:
        self.client = client
        self.scripts = scripts

    async def adjust(
        self, warehouse: str, command_id: str, sku: str, location: str, delta: int, reason: str, actor: str
    ) -> tuple[bool, dict[str, Any]]:
        result = await self.scripts.call(
            "adjust_stock", warehouse, command_id, sku, location, delta, reason, actor, COMMAND_TTL
        )
        repeat, payload = unwrap(result)
        return repeat, msgspec.json.decode(payload)

    async def level(self, warehouse: str, sku: str) -> StockLevel:
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.hmget(keys.key(warehouse, "sku", sku), "on_hand", "reserved")
            pipe.hgetall(keys.key(warehouse, "sku_bins", sku))
            pipe.hgetall(keys.key(warehouse, "sku_alloc", sku))
            (on_hand, reserved), bins, alloc = await pipe.execute()
        if on_hand is None:
            raise NotFoundError(f"SKU '{sku}' does not exist in {warehouse}")
        return StockLevel(
            sku=sku, on_hand=int(on_hand), reserved=int(reserved), available=int(on_hand) - int(reserved),
            locations={loc: int(q) for loc, q in sorted(bins.items())},
            allocated={loc: int(q) for loc, q in sorted(alloc.items())},
        )

    async def at_location(self, warehouse: str, location: str) -> dict[str, int]:
        """SKU -> units on hand at one location."""
        contents = await self.client.hgetall(keys.key(warehouse, "bin", location))
        return {sku: int(q) for sku, q in sorted(contents.items())}

    async def free(self, warehouse: str, skus: list[str]) -> dict[str, dict[str, int]]:
        """SKU -> location -> units on hand and not allocated to an open task."""
        async with self.client.pipeline(transaction=False) as pipe:
            for sku in skus:
                pipe.hgetall(keys.key(warehouse, "sku_bins", sku))
                pipe.hgetall(keys.key(warehouse, "sku_alloc", sku))
            rows = await pipe.execute()
        free: dict[str, dict[str, int]] = {}
        for index, sku in enumerate(skus):
            bins, alloc = rows[2 * index], rows[2 * index + 1]
            free[sku] = {loc: int(q) - int(alloc.get(loc, 0)) for loc, q in bins.items()}
        return free
