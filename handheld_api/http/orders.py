"""``/api/orders``: canonical order intake (idempotent on channel + external_id) and order reads."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, post

from floor.orders.model import NewOrder, Order
from handheld_api.auth import roles
from handheld_api.http.common import WAREHOUSE, floor_of, warehouse_for


class OrderResult(msgspec.Struct, frozen=True):
    repeat: bool
    order: Order


class OrderController(Controller):
    path = "/api/orders"
    tags = ["orders"]

    @post("/", guards=[roles("channel", "supervisor")], status_code=200,
          summary="Canonical order intake (idempotent on channel + external_id)")
    async def intake(self, data: NewOrder, request: Request[Any, Any, Any]) -> OrderResult:
        warehouse = warehouse_for(request, data.warehouse)
        repeat, order = await floor_of(request).orders.intake(warehouse, data)
        return OrderResult(repeat, order)

    @get("/{order_id:str}", guards=[roles("channel", "supervisor")], summary="One order")
    async def get_order(self, order_id: str, request: Request[Any, Any, Any],
                        warehouse: str | None = WAREHOUSE) -> Order:
        return await floor_of(request).orders.get(warehouse_for(request, warehouse), order_id)
