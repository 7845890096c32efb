"""Stock use cases: receipts and adjustments (a receipt re-reserves backordered orders)."""

from __future__ import annotations

from floor.core.errors import ValidationError
from floor.core.ids import check_id
from floor.inventory.model import MAX_DELTA, STOCK_REASONS, AdjustmentResult, AdjustStock, StockLevel
from floor.inventory.store import StockStore
from floor.layout.store import LayoutStore
from floor.orders.service import Orders


class Inventory:
    def __init__(self, store: StockStore, layouts: LayoutStore, orders: Orders) -> None:
        self.store = store
        self.layouts = layouts
        self.orders = orders

    async def adjust(self, warehouse: str, command: AdjustStock, actor: str) -> AdjustmentResult:
        """Book a receipt or adjustment, idempotent on (actor, command_id)."""
        check_id(command.command_id)
        check_id(command.sku, "sku", 40)
        if command.reason not in STOCK_REASONS:
            raise ValidationError(f"reason must be one of {', '.join(STOCK_REASONS)}")
        if command.delta == 0 or abs(command.delta) > MAX_DELTA:
            raise ValidationError(f"delta must be non-zero and at most {MAX_DELTA:,} in size")
        layout = await self.layouts.get(warehouse)
        location = layout.check_location(command.location).code
        repeat, result = await self.store.adjust(
            warehouse, command.command_id, command.sku, location, command.delta, command.reason, actor
        )
        reserved: list[str] = []
        if not repeat and command.delta > 0:
            reserved = await self.orders.retry_backorders(warehouse, command.sku)
        return AdjustmentResult(repeat=repeat, backorders_reserved=reserved, **result)

    async def level(self, warehouse: str, sku: str) -> StockLevel:
        return await self.store.level(warehouse, sku)

    async def at_location(self, warehouse: str, location: str) -> tuple[str, dict[str, int]]:
        code = (await self.layouts.get(warehouse)).check_location(location).code
        return code, await self.store.at_location(warehouse, code)
