"""Layouts in Redis: one msgspec JSON string per warehouse, and the registry of warehouses."""

from __future__ import annotations

from typing import Any

import msgspec

from floor.core.errors import NotFoundError
from floor.layout.model import Layout
from floor.store import keys

_decoder = msgspec.json.Decoder(Layout)


class LayoutStore:
    def __init__(self, client: Any) -> None:
        self.client = client

    async def get(self, warehouse: str) -> Layout:
        raw = await self.client.get(keys.key(warehouse, "layout"))
        if raw is None:
            raise NotFoundError(f"warehouse '{warehouse}' does not exist")
        return _decoder.decode(raw)

    async def exists(self, warehouse: str) -> bool:
        return bool(await self.client.exists(keys.key(warehouse, "layout")))

    async def put(self, layout: Layout) -> None:
        await self.client.set(keys.key(layout.warehouse, "layout"), msgspec.json.encode(layout))
        await self.client.sadd(keys.warehouses(), layout.warehouse)

    async def warehouses(self) -> list[str]:
        return sorted(await self.client.smembers(keys.warehouses()))
