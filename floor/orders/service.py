"""Order use cases: intake (reserve or backorder, idempotent on channel + external id) and
re-reserving backorders after stock arrives."""

from __future__ import annotations

from floor.core.errors import ValidationError
from floor.core.ids import new_id
from floor.layout.store import LayoutStore
from floor.orders.model import NewOrder, Order, urgency, validate_new_order
from floor.orders.store import OrderStore


class Orders:
    def __init__(self, store: OrderStore, layouts: LayoutStore) -> None:
        self.store = store
        self.layouts = layouts

    async def intake(self, warehouse: str, order: NewOrder) -> tuple[bool, Order]:
        """Accept an order: fully reserved or backordered with a reason; a repeat changes nothing."""
        problems = validate_new_order(order)
        if problems:
            raise ValidationError("; ".join(problems))
        await self.layouts.get(warehouse)  # 404 for an unknown warehouse
        repeat, order_id = await self.store.intake(
            warehouse, new_id("O"), order.channel, order.external_id,
            [(line.sku, line.quantity) for line in order.lines], order.priority, order.due, order.customer,
            urgency(order.priority, order.due), order.shop, carrier=order.carrier,
        )
        return repeat, await self.store.get(warehouse, order_id)

    async def get(self, warehouse: str, order_id: str) -> Order:
        return await self.store.get(warehouse, order_id)

    async def retry_backorders(self, warehouse: str, sku: str, limit: int = 500) -> list[str]:
        """Try to reserve backordered orders that want ``sku``, oldest first."""
        reserved = []
        for order in await self.store.many(warehouse, await self.store.backordered_ids(warehouse, limit)):
            wants = any(line.sku == sku for line in order.lines)
            if wants and await self.store.retry_backorder(warehouse, order.order_id) == "reserved":
                reserved.append(order.order_id)
        return reserved
