"""``/api/returns``: RMAs (by hand or from a channel's refund event), receipt of the parcel and of each
unit, dispositions, and return rates per SKU and channel (docs/returns.md)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import JSONBody, PathParameter, QueryParameter

from floor.accounts.model import binding_admits
from floor.core.errors import ForbiddenError
from floor.returns.model import ChannelReturn, Disposition, NewRma, ReceiveItem, ReturnRate, RmaView
from handheld_api.auth import roles
from handheld_api.http.common import WarehouseQuery, floor_of, principal_of, warehouse_for

RmaPath = Annotated[str, PathParameter(min_length=1, max_length=64, pattern=r"^[!-~]+$")]
SkuQuery = Annotated[str | None, QueryParameter(name="sku", required=False, max_length=40,
                                                pattern=r"^[!-~]*$", description="one SKU only")]


class ReturnController(Controller):
    path = "/api/returns"
    tags = ["returns"]

    @post("/rmas", guards=[roles("supervisor")], status_code=200, summary="An RMA made by hand",
          description="Idempotent on (sender, reference).")
    async def create(self, data: JSONBody[NewRma], request: Request[Any, Any, Any]) -> RmaView:
        return await floor_of(request).returns.create(
            warehouse_for(request, data.warehouse), data, principal_of(request).subject)

    @post("/rmas/from-channel", guards=[roles("channel", "supervisor")], status_code=200,
          summary="An RMA from a channel's refund / return event (the order by its channel id)",
          description="Idempotent on (sender, refund_id); a channel login only for its own channels.")
    async def from_channel(self, data: JSONBody[ChannelReturn], request: Request[Any, Any, Any]) -> RmaView:
        principal = principal_of(request)
        if principal.role == "channel" and not binding_admits(principal.channels, data.channel, ""):
            raise ForbiddenError(f"this login may not post returns for channel '{data.channel}'")
        return await floor_of(request).returns.from_channel(warehouse_for(request, data.warehouse), data,
                                                            principal.subject)

    @get("/rmas/{rma_id:str}", guards=[roles("supervisor", "device")], summary="One RMA with its received units")
    async def view(self, rma_id: RmaPath, request: Request[Any, Any, Any],
                   warehouse: WarehouseQuery = None) -> RmaView:
        return await floor_of(request).returns.view(warehouse_for(request, warehouse), rma_id)

    @post("/rmas/{rma_id:str}/parcel", guards=[roles("supervisor", "device")], status_code=200,
          summary="The RMA's parcel is scanned at the dock (items may be received next)")
    async def parcel(self, rma_id: RmaPath, request: Request[Any, Any, Any],
                     warehouse: WarehouseQuery = None) -> RmaView:
        return await floor_of(request).returns.receive_parcel(
            warehouse_for(request, warehouse), rma_id, principal_of(request).subject)

    @post("/rmas/{rma_id:str}/items", guards=[roles("supervisor", "device")], status_code=200,
          summary="One returned unit scanned (sku, serial, lot)", description="Idempotent on unit_id.")
    async def item(self, rma_id: RmaPath, data: JSONBody[ReceiveItem],
                   request: Request[Any, Any, Any]) -> RmaView:
        return await floor_of(request).returns.receive_item(
            warehouse_for(request, data.warehouse), rma_id, data, principal_of(request).subject)

    @post("/rmas/{rma_id:str}/dispositions", guards=[roles("supervisor")], status_code=200,
          summary="A unit's disposition and reason (restock queues a putaway)",
          description="The last one closes the RMA and records a return_outcome event for the channel.")
    async def dispose(self, rma_id: RmaPath, data: JSONBody[Disposition],
                      request: Request[Any, Any, Any]) -> RmaView:
        return await floor_of(request).returns.dispose(
            warehouse_for(request, data.warehouse), rma_id, data, principal_of(request).subject)

    @post("/rmas/{rma_id:str}/close", guards=[roles("supervisor")], status_code=200,
          summary="Close an RMA whose parcel held fewer units than authorised")
    async def close(self, rma_id: RmaPath, request: Request[Any, Any, Any],
                    warehouse: WarehouseQuery = None) -> RmaView:
        return await floor_of(request).returns.close(
            warehouse_for(request, warehouse), rma_id, principal_of(request).subject)

    @get("/rates", guards=[roles("supervisor")], summary="Return rate per SKU and channel (returned / shipped units)")
    async def rates(self, request: Request[Any, Any, Any], warehouse: WarehouseQuery = None,
                    sku: SkuQuery = None) -> list[ReturnRate]:
        return await floor_of(request).returns.rates(warehouse_for(request, warehouse), sku or "")
