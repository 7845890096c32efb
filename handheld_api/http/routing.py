"""``/api/routing``: the seller's routing rules (read, replace) and each channel order's decision
trace, with manual hold / release / cancel. A caller acts only on orders whose parcels lie in
warehouses its token may use, and writes rules only for warehouses it may use."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post, put
from litestar.params import JSONBody, PathParameter, QueryParameter

from floor.accounts.model import binding_admits
from floor.core.errors import ForbiddenError, NotFoundError
from floor.core.fields import Input, ShortText
from floor.routing.handling import RoutingOutcome
from floor.routing.model import RuleSet
from handheld_api.auth import roles
from handheld_api.http.common import floor_of, principal_of

SellerQuery = Annotated[str | None, QueryParameter(
    name="seller", required=False, max_length=64, pattern=r"^[A-Za-z0-9._-]+$",
    description="the seller whose rules these are (default: 'default')",
)]
ChannelPath = Annotated[str, PathParameter(min_length=1, max_length=32, pattern=r"^[a-z_]+$")]
ShopPath = Annotated[str, PathParameter(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
OrderPath = Annotated[str, PathParameter(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:#-]+$")]


class HoldCommand(Input, frozen=True, forbid_unknown_fields=True):
    reason: ShortText


class ReleaseCommand(Input, frozen=True, forbid_unknown_fields=True):
    note: ShortText = ""


def check_channel(request: Request[Any, Any, Any], channel: str, shop: str) -> None:
    """A channel login reads only its own channels/shops (404 for others: it cannot probe ids)."""
    principal = principal_of(request)
    if principal.role == "channel" and not binding_admits(principal.channels, channel, shop):
        raise NotFoundError(f"nothing for {channel}/{shop}")


def check_scope(request: Request[Any, Any, Any], warehouses: list[str]) -> None:
    principal = principal_of(request)
    denied = sorted({w for w in warehouses if not principal.may_use(w)})
    if denied:
        raise ForbiddenError(f"no access to warehouse {', '.join(denied)}")


class RoutingController(Controller):
    path = "/api/routing"
    tags = ["routing"]

    @get("/rules", guards=[roles("supervisor")], summary="The seller's routing rule set")
    async def get_rules(self, request: Request[Any, Any, Any], seller: SellerQuery = None) -> RuleSet:
        return await floor_of(request).routing.rules(seller or "default")

    @put("/rules", guards=[roles("admin")], status_code=200, summary="Replace the seller's routing rule set",
         description="Rules are tried in order (docs/routing.md); the answer carries the new version.")
    async def put_rules(self, data: JSONBody[RuleSet], request: Request[Any, Any, Any],
                        seller: SellerQuery = None) -> RuleSet:
        check_scope(request, [site.warehouse for site in data.sites])
        return await floor_of(request).routing.put_rules(seller or "default", data)

    async def _outcome(self, request: Request[Any, Any, Any], channel: str, shop: str, order_id: str) -> RoutingOutcome:
        check_channel(request, channel, shop)
        outcome = await floor_of(request).routing.trace(channel, shop, order_id)
        check_scope(request, [p.warehouse for p in outcome.parcels])
        return outcome

    @get("/orders/{channel:str}/{shop:str}/{order_id:str}/trace", guards=[roles("supervisor", "channel")],
         summary="Where a channel order went and why: parcels, holds, merge link, the decision trace")
    async def trace(self, channel: ChannelPath, shop: ShopPath, order_id: OrderPath,
                    request: Request[Any, Any, Any]) -> RoutingOutcome:
        return await self._outcome(request, channel, shop, order_id)

    @post("/orders/{channel:str}/{shop:str}/{order_id:str}/hold", guards=[roles("supervisor")], status_code=200,
          summary="Hold an order: its parcels keep their stock but leave the wave queues")
    async def hold(self, channel: ChannelPath, shop: ShopPath, order_id: OrderPath,
                   data: JSONBody[HoldCommand], request: Request[Any, Any, Any]) -> RoutingOutcome:
        await self._outcome(request, channel, shop, order_id)
        return await floor_of(request).routing.hold(channel, shop, order_id, data.reason or "manual hold")

    @post("/orders/{channel:str}/{shop:str}/{order_id:str}/release", guards=[roles("supervisor")], status_code=200,
          summary="Release a held order back to where its parcels were (reserved or backordered)")
    async def release(self, channel: ChannelPath, shop: ShopPath, order_id: OrderPath,
                      data: JSONBody[ReleaseCommand], request: Request[Any, Any, Any]) -> RoutingOutcome:
        await self._outcome(request, channel, shop, order_id)
        return await floor_of(request).routing.release(channel, shop, order_id, principal_of(request).subject)

    @post("/orders/{channel:str}/{shop:str}/{order_id:str}/cancel", guards=[roles("supervisor")], status_code=200,
          summary="Cancel an order: every parcel not yet released gives its stock back; a merge link is undone")
    async def cancel(self, channel: ChannelPath, shop: ShopPath, order_id: OrderPath,
                     data: JSONBody[HoldCommand], request: Request[Any, Any, Any]) -> RoutingOutcome:
        await self._outcome(request, channel, shop, order_id)
        return await floor_of(request).routing.cancel(channel, shop, order_id, data.reason or "cancelled")
