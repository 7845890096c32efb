"""Orders in Redis: the ``order:<id>`` hash (lines as JSON), the channel reference key, and the
reserved (by urgency) and backordered (by time) sets. Writes go through ``orders/lua``."""

from __future__ import annotations

from typing import Any

import msgspec

from floor.core.errors import InsufficientStockError, NotFoundError
from floor.orders.model import ORDER_LIFECYCLE, Order, OrderLine
from floor.store import keys
from floor.store.results import unwrap
from floor.store.scripts import Scripts

_RESERVE_FROM = msgspec.json.encode(ORDER_LIFECYCLE.sources("reserve"))


class OrderStore:
    def __init__(self, client: Any, scripts: Scripts) -> None:
        self.client = client
        self.scripts = scripts

    async def intake(
        self, warehouse: str, order_id: str, channel: str, external_id: str, lines: list[tuple[str, int]],
        priority: int, due: int | None, customer: str, urgency: int, shop: str = "", strict: bool = False,
        carrier: str = "",
    ) -> tuple[bool, str]:
        """Returns (repeat, order id): on a repeat the id is the first order's. ``strict`` (the router):
        all lines reserved after safety stock, or nothing written and InsufficientStockError."""
        result = await self.scripts.call(
            "intake_order", warehouse, order_id, channel, external_id, msgspec.json.encode(lines),
            priority, "" if due is None else due, customer, urgency, shop, "1" if strict else "", carrier,
        )
        if result[0] == "short":
            raise InsufficientStockError(str(result[1]), code="short")
        repeat, payload = unwrap(result)
        return repeat, str(payload)

    async def retry_backorder(self, warehouse: str, order_id: str) -> str:
        _repeat, status = unwrap(await self.scripts.call("retry_backorder", warehouse, order_id, _RESERVE_FROM))
        return str(status)

    async def get(self, warehouse: str, order_id: str) -> Order:
        fields = await self.client.hgetall(keys.key(warehouse, "order", order_id))
        if not fields:
            raise NotFoundError(f"order '{order_id}' does not exist in {warehouse}")
        return _order(warehouse, order_id, fields)

    async def many(self, warehouse: str, order_ids: list[str]) -> list[Order]:
        async with self.client.pipeline(transaction=False) as pipe:
            for order_id in order_ids:
                pipe.hgetall(keys.key(warehouse, "order", order_id))
            rows = await pipe.execute()
        return [_order(warehouse, oid, row) for oid, row in zip(order_ids, rows, strict=True) if row]

    async def reserved_ids(self, warehouse: str, limit: int) -> list[str]:
        """The most urgent reserved orders (priority, then due time)."""
        return list(await self.client.zrange(keys.key(warehouse, "orders_reserved"), 0, limit - 1))

    async def backordered_ids(self, warehouse: str, limit: int) -> list[str]:
        """Backordered orders, oldest first."""
        return list(await self.client.zrange(keys.key(warehouse, "orders_backordered"), 0, limit - 1))

    async def cancel(self, warehouse: str, order_id: str, reason: str) -> str:
        """Cancel a reserved / backordered / held order (its reservation released); returns the previous status."""
        _repeat, previous = unwrap(await self.scripts.call("cancel_order", warehouse, order_id, reason))
        return str(previous)

    async def count(self, warehouse: str, name: str) -> int:
        return int(await self.client.zcard(keys.key(warehouse, name)))


def _order(warehouse: str, order_id: str, f: dict[str, str]) -> Order:
    lines = [OrderLine(sku=s, quantity=int(q)) for s, q in msgspec.json.decode(f["lines"])]
    return Order(
        order_id=order_id, warehouse=warehouse, channel=f["channel"], external_id=f["external_id"],
        status=f["status"], lines=lines, priority=int(f["priority"]),
        due=int(f["due"]) if f.get("due") else None, reason=f.get("reason", ""), units=int(f["units"]),
        picked_units=int(f.get("picked_units", 0)), short_units=int(f.get("short_units", 0)),
        created_ms=int(f["created_ms"]), wave_id=f.get("wave", ""), shop=f.get("shop", ""),
        carrier=f.get("carrier", ""),
    )
