"""``/api/inventory``: receipts and adjustments (idempotent per sender) and stock reads."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody

from floor.inventory.model import AdjustmentResult, AdjustStock, StockLevel
from handheld_api.auth import roles
from handheld_api.http.common import WarehouseQuery, floor_of, principal_of, warehouse_for


class LocationStock(msgspec.Struct, frozen=True):
    location: str
    skus: dict[str, int]


class InventoryController(Controller):
    path = "/api/inventory"
    tags = ["inventory"]

    @post("/adjustments", guards=[roles("supervisor", "device")], status_code=200,
          summary="Receipt or adjustment of one SKU at one location",
          description="Idempotent on (sender, command_id): the same sender repeating its command_id gets "
          "the first result with repeat=true; another sender's equal command_id is another command.")
    async def adjust(self, data: JSONBody[AdjustStock], request: Request[Any, Any, Any]) -> AdjustmentResult:
        warehouse = warehouse_for(request, data.warehouse)
        return await floor_of(request).inventory.adjust(warehouse, data, principal_of(request).subject)

    @get("/skus/{sku:str}", guards=[roles("supervisor", "channel", "device")],
         summary="Stock of one SKU: on hand, reserved, available, per location")
    async def sku(self, sku: FromPath[str], request: Request[Any, Any, Any],
                  warehouse: WarehouseQuery = None) -> StockLevel:
        return await floor_of(request).inventory.level(warehouse_for(request, warehouse), sku)

    @get("/locations/{location:str}", guards=[roles("supervisor", "device", "picker")],
         summary="SKUs and units on hand at one location")
    async def location(self, location: FromPath[str], request: Request[Any, Any, Any],
                       warehouse: WarehouseQuery = None) -> LocationStock:
        code, skus = await floor_of(request).inventory.at_location(warehouse_for(request, warehouse), location)
        return LocationStock(code, skus)
