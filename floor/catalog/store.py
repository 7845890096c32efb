"""SKUs in Redis: the ``sku:<id>`` hash (gtin, name, weight_g and the stock counters) and the
``gtin`` hash (GTIN-14 -> SKU). Definition goes through ``define_sku.lua`` so that it never
disturbs live stock counters."""

from __future__ import annotations

from typing import Any

from floor.catalog.model import Sku
from floor.store import keys
from floor.store.results import unwrap
from floor.store.scripts import Scripts


class CatalogStore:
    def __init__(self, client: Any, scripts: Scripts) -> None:
        self.client = client
        self.scripts = scripts

    async def define(self, warehouse: str, sku: Sku) -> None:
        unwrap(await self.scripts.call("define_sku", warehouse, sku.sku, sku.gtin, sku.name, sku.weight_g))

    async def labels(self, warehouse: str, skus: list[str]) -> dict[str, tuple[str, str]]:
        """SKU -> (GTIN-14, name)."""
        async with self.client.pipeline(transaction=False) as pipe:
            for sku in skus:
                pipe.hmget(keys.key(warehouse, "sku", sku), "gtin", "name")
            rows = await pipe.execute()
        return {sku: (row[0], row[1] or "") for sku, row in zip(skus, rows, strict=True)}

    async def count(self, warehouse: str) -> int:
        return int(await self.client.hlen(keys.key(warehouse, "gtin")))

    async def register_case(
        self, warehouse: str, sscc: str, sku: str, units: int, lot: str = "", expiry: str = ""
    ) -> None:
        """A case / pallet label (SSCC, 18 digits) holding ``units`` of ``sku`` (of ``lot``, expiring
        ``expiry`` YYYYMMDD): scanning it at the right step picks the whole case, once."""
        await self.client.hset(
            keys.key(warehouse, "sscc", sscc), mapping={"sku": sku, "units": units, "lot": lot, "expiry": expiry}
        )
