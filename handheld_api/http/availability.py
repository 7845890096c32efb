"""``/api/availability``: stock states (unavailable, safety, incoming), channel push profiles,
available-to-sell per channel listing, shipment confirmations and the ledger drift check."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post, put
from litestar.params import JSONBody, PathParameter

from floor.availability.model import ChannelProfile, CheckReport, ListingAts, StockSettings
from floor.availability.senders import Shipment
from floor.core.fields import Id, Input, Warehouse
from handheld_api.auth import roles
from handheld_api.http.common import WarehouseQuery, floor_of, principal_of, warehouse_for
from handheld_api.http.routing import ChannelPath, ShopPath, check_channel, check_scope

SkuPath = Annotated[str, PathParameter(min_length=1, max_length=40, pattern=r"^[!-~]+$")]
Waybill = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[!-~]+$")]


class CheckCommand(Input, frozen=True, forbid_unknown_fields=True):
    compensate: bool = False
    warehouse: Warehouse | None = None


class ShipmentInput(Input, frozen=True, forbid_unknown_fields=True):
    """One parcel confirmed to the platform once (idempotent on ``parcel``)."""

    parcel: Id
    platform_order_id: Id
    carrier: Waybill
    waybill: Waybill
    line_ids: Annotated[list[Id], msgspec.Meta(max_length=200)] = []


class Queued(msgspec.Struct, frozen=True):
    queued: bool  # False: this parcel was queued or confirmed before (never twice)


class StockState(msgspec.Struct, frozen=True):
    sku: str
    on_hand: int
    reserved: int
    unavailable: int
    safety: int
    incoming: int


class AvailabilityController(Controller):
    path = "/api/availability"
    tags = ["availability"]

    @get("/check", guards=[roles("admin")], summary="Re-derive every stock counter from the ledger; report drift")
    async def check(self, request: Request[Any, Any, Any], warehouse: WarehouseQuery = None) -> CheckReport:
        return await floor_of(request).availability.check(warehouse_for(request, warehouse))

    @post("/check", guards=[roles("admin")], status_code=200,
          summary="Run the drift check; with compensate, write compensating ledger entries")
    async def compensate(self, data: JSONBody[CheckCommand], request: Request[Any, Any, Any]) -> CheckReport:
        return await floor_of(request).availability.check(
            warehouse_for(request, data.warehouse), data.compensate, principal_of(request).subject)

    @put("/skus/{sku:str}", guards=[roles("supervisor", "device")], status_code=200,
         summary="Set unavailable (damaged, quality hold), safety stock or incoming of one SKU")
    async def stock(self, sku: SkuPath, data: JSONBody[StockSettings], request: Request[Any, Any, Any],
                    warehouse: WarehouseQuery = None) -> StockState:
        state = await floor_of(request).availability.set_state(
            warehouse_for(request, warehouse), sku, data, principal_of(request).subject)
        return StockState(sku=sku, **state)

    @put("/profiles", guards=[roles("admin")], status_code=200,
         summary="Create or replace a channel/shop's stock push profile (warehouses, buffer, listings)",
         description="The answer leaves out the app secret and access token.")
    async def put_profile(self, data: JSONBody[ChannelProfile],
                          request: Request[Any, Any, Any]) -> ChannelProfile:
        check_scope(request, data.warehouses)
        saved = await floor_of(request).availability.put_profile(data)
        return msgspec.structs.replace(saved, app_secret="", access_token="")

    @get("/{channel:str}/{shop:str}", guards=[roles("supervisor", "channel")],
         summary="Available-to-sell of every listing of a channel/shop and what the platform last accepted")
    async def ats(self, channel: ChannelPath, shop: ShopPath, request: Request[Any, Any, Any]) -> list[ListingAts]:
        check_channel(request, channel, shop)
        availability = floor_of(request).availability
        check_scope(request, (await availability.profile(channel, shop)).warehouses)
        return await availability.ats(channel, shop)

    @post("/{channel:str}/{shop:str}/shipments", guards=[roles("supervisor", "device")], status_code=200,
          summary="Queue a parcel's shipment confirmation to the platform (retried until accepted, once)")
    async def shipment(self, channel: ChannelPath, shop: ShopPath, data: JSONBody[ShipmentInput],
                       request: Request[Any, Any, Any]) -> Queued:
        availability = floor_of(request).availability
        check_scope(request, (await availability.profile(channel, shop)).warehouses)
        shipment = Shipment(parcel=data.parcel, platform_order_id=data.platform_order_id, carrier=data.carrier,
                            waybill=data.waybill, line_ids=list(data.line_ids))
        return Queued(await availability.confirm_shipment(channel, shop, shipment))
