"""Reading a warehouse's floor Stream (``{W}:events``): the last id, and ranges for catch-up."""

from __future__ import annotations

from typing import Any

from floor.store import keys


class EventLog:
    def __init__(self, client: Any) -> None:
        self.client = client

    async def last_id(self, warehouse: str) -> str:
        last = await self.client.xrevrange(keys.key(warehouse, "events"), count=1)
        return str(last[0][0]) if last else "0-0"

    async def first_id(self, warehouse: str) -> str:
        first = await self.client.xrange(keys.key(warehouse, "events"), count=1)
        return str(first[0][0]) if first else "0-0"

    async def after(self, warehouse: str, last_id: str, count: int = 1000) -> list[tuple[str, dict[str, str]]]:
        """Up to ``count`` entries after ``last_id`` (exclusive), oldest first."""
        entries: list[tuple[str, dict[str, str]]] = await self.client.xrange(
            keys.key(warehouse, "events"), min=f"({last_id}", count=count
        )
        return entries
