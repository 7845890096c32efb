"""``/api/orders``: canonical order intake (idempotent on channel + shop + external_id) and order reads.

A ``channel`` token is bound to the channels (``tmall``: any shop) or shops (``tmall:shop123``) its
user may post for: it may post and read only those orders (403 on intake, 404 on read, so it
cannot learn which ids another channel has). Supervisors and admins are not bound.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody

from floor.accounts.model import Principal, binding_admits
from floor.core.errors import ForbiddenError, NotFoundError, ValidationError
from floor.orders.model import NewOrder, Order, validate_new_order
from handheld_api.auth import roles
from handheld_api.http.common import WarehouseQuery, floor_of, principal_of, warehouse_for


class OrderResult(msgspec.Struct, frozen=True):
    repeat: bool
    order: Order


def _bound(principal: Principal) -> bool:
    return principal.role == "channel"


class OrderController(Controller):
    path = "/api/orders"
    tags = ["orders"]

    @post("/", guards=[roles("channel", "supervisor")], status_code=200,
          summary="Canonical order intake (idempotent on channel + shop + external_id)",
          description="A channel login may post only for the channels/shops it is bound to (403 otherwise).")
    async def intake(self, data: JSONBody[NewOrder], request: Request[Any, Any, Any]) -> OrderResult:
        warehouse = warehouse_for(request, data.warehouse)
        principal = principal_of(request)
        if _bound(principal):
            problems = validate_new_order(data)
            if problems:
                raise ValidationError("; ".join(problems))
            if not binding_admits(principal.channels, data.channel, data.shop):
                shop = f" shop '{data.shop}'" if data.shop else " (no shop named)"
                raise ForbiddenError(f"this login may not post orders for channel '{data.channel}'{shop}; "
                                     f"it may post for: {', '.join(principal.channels) or 'nothing'}")
        repeat, order = await floor_of(request).orders.intake(warehouse, data)
        return OrderResult(repeat, order)

    @get("/{order_id:str}", guards=[roles("channel", "supervisor")], summary="One order",
         description="A channel login sees only orders of its own channels/shops (404 for others).")
    async def get_order(self, order_id: FromPath[str], request: Request[Any, Any, Any],
                        warehouse: WarehouseQuery = None) -> Order:
        order = await floor_of(request).orders.get(warehouse_for(request, warehouse), order_id)
        principal = principal_of(request)
        if _bound(principal) and not binding_admits(principal.channels, order.channel, order.shop):
            raise NotFoundError(f"order '{order_id}' does not exist in {order.warehouse}")
        return order
