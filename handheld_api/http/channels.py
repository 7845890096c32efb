"""``/api/channels``: shops with their own credentials and SKU mappings (admin), channel order
records and holds (supervisor), and each shop's webhook (public: authenticated by the platform's
signature over the raw body, verified before the body is read — docs/channels.md).

Webhook answers: 200 with a Receipt (also when the order is held: the reason is in it, the platform
must not retry), 401 bad or missing signature, 400 malformed body, 404 unknown shop, 413 too large.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, PathParameter

from floor.channels.model import Mapping, MappingBody, NewShop, ShopView
from floor.channels.service import Receipt
from floor.core.errors import ForbiddenError
from handheld_api.auth import roles
from handheld_api.http.common import ErrorBody, floor_of, principal_of, warehouse_for
from handheld_api.http.fastwebhook import fast_webhook

ChannelPath = Annotated[str, PathParameter(min_length=2, max_length=16,
                                           pattern=r"^(taobao|tmall|jd|pinduoduo|douyin|shopify|own_site)$")]
ShopPath = Annotated[str, PathParameter(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
OrderPath = Annotated[str, PathParameter(min_length=1, max_length=64, pattern=r"^[!-~]+$")]

SIGNATURE = {401: ResponseSpec(ErrorBody, description="the platform signature is missing or does not match")}


class MappingCount(msgspec.Struct, frozen=True):
    mappings: int  # the shop's mappings now
    retaken: int  # held orders of the shop taken again with them


class ChannelOrderView(msgspec.Struct, frozen=True):
    """How we took a platform order: our state, what happened (result), the floor order, hold reasons."""

    channel: str
    shop: str
    platform_order_id: str
    state: str
    result: str
    platform_status: str
    updated_ms: int
    floor_order: str
    warehouse: str
    reasons: list[str]
    lines: list[dict[str, Any]]


async def _own_shop(request: Request[Any, Any, Any], channel: str, shop: str) -> None:
    """404 for an unknown shop, 403 for a shop whose warehouse the caller may not use."""
    found = await floor_of(request).channels.shop(channel, shop)
    if not principal_of(request).may_use(found.warehouse):
        raise ForbiddenError(f"no access to warehouse {found.warehouse} of shop {channel}/{shop}")


class ChannelAdminController(Controller):
    path = "/api/channels"
    tags = ["channels"]

    @post("/shops", guards=[roles("admin")], status_code=201,
          summary="Register a shop (or replace its credentials); the secret is never shown again")
    async def create_shop(self, data: JSONBody[NewShop], request: Request[Any, Any, Any]) -> ShopView:
        warehouse_for(request, data.warehouse)  # 403 outside the admin's warehouses
        await floor_of(request).layouts.get(data.warehouse)  # 404 for a warehouse that does not exist
        return await floor_of(request).channels.create_shop(data)

    @get("/shops", guards=[roles("admin")], summary="Every shop (secrets shown as their last 4 characters)")
    async def shops(self, request: Request[Any, Any, Any]) -> list[ShopView]:
        principal = principal_of(request)
        return [shop for shop in await floor_of(request).channels.shops() if principal.may_use(shop.warehouse)]

    @post("/{channel:str}/{shop:str}/skus", guards=[roles("admin")], status_code=200,
          summary="Add or replace channel SKU -> internal SKU mappings (bundles, gifts)")
    async def save_mappings(self, channel: ChannelPath, shop: ShopPath, data: JSONBody[MappingBody],
                            request: Request[Any, Any, Any]) -> MappingCount:
        await _own_shop(request, channel, shop)
        return MappingCount(*await floor_of(request).channels.save_mappings(channel, shop, data.mappings))

    @get("/{channel:str}/{shop:str}/skus", guards=[roles("admin")], summary="The shop's SKU mappings")
    async def mappings(self, channel: ChannelPath, shop: ShopPath, request: Request[Any, Any, Any]) -> list[Mapping]:
        await _own_shop(request, channel, shop)
        return await floor_of(request).channels.mappings(channel, shop)

    @get("/{channel:str}/{shop:str}/orders/{order_id:str}", guards=[roles("supervisor")],
         summary="How a platform order was taken (state, result, floor order, hold reasons)")
    async def order(self, channel: ChannelPath, shop: ShopPath, order_id: OrderPath,
                    request: Request[Any, Any, Any]) -> ChannelOrderView:
        await _own_shop(request, channel, shop)
        r = await floor_of(request).channels.order(channel, shop, order_id)
        return ChannelOrderView(
            channel, shop, order_id, r.get("state", ""), r.get("result", ""), r.get("platform_status", ""),
            int(r.get("updated_ms", 0)), r.get("floor_order", ""), r.get("warehouse", ""),
            msgspec.json.decode(r.get("reasons", "[]")), msgspec.json.decode(r.get("lines", "[]")),
        )

    @get("/{channel:str}/{shop:str}/held", guards=[roles("supervisor")],
         summary="Platform order ids of the shop held (each with its reason in its record)")
    async def held(self, channel: ChannelPath, shop: ShopPath, request: Request[Any, Any, Any]) -> list[str]:
        await _own_shop(request, channel, shop)
        return await floor_of(request).channels.store.held(channel, shop)

    @post("/{channel:str}/{shop:str}/webhook", status_code=200, responses=SIGNATURE, middleware=[fast_webhook],
          summary="A platform's signed order delivery (public: the signature authenticates it)",
          description="Raw body, verified with the shop's secret before it is read: Shopify "
                      "X-Shopify-Hmac-Sha256, Douyin event-sign, Taobao/Tmall/JD/PDD sign over the sorted "
                      "query parameters + body, own site X-Floor-Signature. See docs/channels.md.")
    async def webhook(self, channel: ChannelPath, shop: ShopPath, request: Request[Any, Any, Any]) -> Receipt:
        # A well-formed delivery is answered by fast_webhook (the same answer, raw ASGI); the rest lands here.
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        query = {k: v for k, v in request.query_params.items()}
        return await floor_of(request).channels.receive(channel, shop, body, headers, query)
