"""``/api/planning``: stock states, thresholds, pick face limits, replenishment, receipts with
putaway, on-order units, move tasks, suggestions and transfers between warehouses (docs/planning.md)."""

from __future__ import annotations

import time
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import JSONBody, PathParameter, QueryParameter

from floor.core.errors import ForbiddenError
from floor.planning.model import (
    LocationLimits,
    LocationState,
    MoveTask,
    OnOrder,
    Queued,
    Receipt,
    ReplenishRequest,
    StockState,
    Suggestion,
    SuggestTransfers,
    Thresholds,
    TransferReceipt,
    TransferRequest,
    TransferView,
    WarehouseState,
)
from floor.planning.slotting import SlottingProposal
from handheld_api.auth import roles
from handheld_api.http.common import WarehouseQuery, floor_of, principal_of, warehouse_for

SkuPath = Annotated[str, PathParameter(min_length=1, max_length=40, pattern=r"^[!-~]+$")]
LocationPath = Annotated[str, PathParameter(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$")]
IdPath = Annotated[str, PathParameter(min_length=1, max_length=64, pattern=r"^[!-~]+$")]
TopQuery = Annotated[int, QueryParameter(name="top", required=False, ge=1, le=500,
                                         description="how many fast movers to place")]
TargetQuery = Annotated[str, QueryParameter(name="target", required=True, min_length=1, max_length=8,
                                            pattern=r"^[A-Z][A-Z0-9]*$",
                                            description="the transfer's target warehouse")]


def _may_use(request: Request[Any, Any, Any], warehouse: str) -> str:
    if not principal_of(request).may_use(warehouse):
        raise ForbiddenError(f"no access to warehouse {warehouse}")
    return warehouse


class PlanningController(Controller):
    path = "/api/planning"
    tags = ["planning"]

    @get("/stock/{sku:str}", guards=[roles("supervisor", "channel", "device")],
         summary="Stock states of one SKU: on hand, reserved, allocated, unavailable by reason, in transit, on order")
    async def stock(self, sku: SkuPath, request: Request[Any, Any, Any],
                    warehouse: WarehouseQuery = None) -> StockState:
        return await floor_of(request).planning.state(warehouse_for(request, warehouse), sku)

    @get("/locations/{location:str}", guards=[roles("supervisor", "device", "picker")],
         summary="Stock states at one location (pick face or reserve)")
    async def location(self, location: LocationPath, request: Request[Any, Any, Any],
                       warehouse: WarehouseQuery = None) -> LocationState:
        return await floor_of(request).planning.location(warehouse_for(request, warehouse), location)

    @get("/warehouse", guards=[roles("supervisor")], summary="Stock state totals of the warehouse")
    async def totals(self, request: Request[Any, Any, Any],
                     warehouse: WarehouseQuery = None) -> WarehouseState:
        return await floor_of(request).planning.warehouse_state(warehouse_for(request, warehouse))

    @get("/tasks", guards=[roles("supervisor")], summary="Open replenish, putaway and count tasks")
    async def tasks(self, request: Request[Any, Any, Any],
                    warehouse: WarehouseQuery = None) -> list[MoveTask]:
        return await floor_of(request).planning.move_tasks(warehouse_for(request, warehouse))

    @get("/slotting", guards=[roles("supervisor")],
         summary="Slotting suggestion: fast movers to the faces nearest the depot, travel saved (proposed only)")
    async def slotting(self, request: Request[Any, Any, Any], warehouse: WarehouseQuery = None,
                       top: TopQuery = 20) -> SlottingProposal:
        w = warehouse_for(request, warehouse)
        floor = floor_of(request)
        return await floor.planning.slotting(w, await floor.layouts.get(w), top)

    @get("/suggestions", guards=[roles("supervisor")], summary="Purchase and transfer suggestions, newest first")
    async def suggestions(self, request: Request[Any, Any, Any],
                          warehouse: WarehouseQuery = None) -> list[Suggestion]:
        return await floor_of(request).planning.suggestions(warehouse_for(request, warehouse))

    @post("/thresholds", guards=[roles("supervisor")], status_code=200,
          summary="Set a SKU's safety stock, reorder point and order quantity",
          description="Setting a threshold above the stock is a crossing: one low_stock exception.")
    async def thresholds(self, data: JSONBody[Thresholds], request: Request[Any, Any, Any]) -> StockState:
        return await floor_of(request).planning.set_thresholds(warehouse_for(request, data.warehouse), data)

    @post("/locations", guards=[roles("supervisor")], status_code=200,
          summary="A pick face's min/max/capacity, or a reserve location's place")
    async def limits(self, data: JSONBody[LocationLimits], request: Request[Any, Any, Any]) -> LocationState:
        return await floor_of(request).planning.configure_location(warehouse_for(request, data.warehouse), data)

    @post("/replenishments", guards=[roles("supervisor", "device")], status_code=200,
          summary="Replenish a pick face from reserve now (urgent: to the head of the queue)",
          description="One open replenishment per SKU x face; task_id '' when nothing can be moved.")
    async def replenish(self, data: JSONBody[ReplenishRequest], request: Request[Any, Any, Any]) -> Queued:
        return await floor_of(request).planning.replenish(warehouse_for(request, data.warehouse), data)

    @post("/receipts", guards=[roles("supervisor", "device")], status_code=200,
          summary="Units received at the dock: a putaway task to the given or suggested location",
          description="Idempotent on (sender, command_id).")
    async def receive(self, data: JSONBody[Receipt], request: Request[Any, Any, Any]) -> Queued:
        return await floor_of(request).planning.receive(
            warehouse_for(request, data.warehouse), data, principal_of(request).subject)

    @post("/on-order", guards=[roles("supervisor", "device")], status_code=200,
          summary="Units ordered from a vendor (on_order goes up)", description="Idempotent on (sender, command_id).")
    async def on_order(self, data: JSONBody[OnOrder], request: Request[Any, Any, Any]) -> StockState:
        return await floor_of(request).planning.add_on_order(
            warehouse_for(request, data.warehouse), data, principal_of(request).subject)

    @post("/transfers", guards=[roles("supervisor")], status_code=200,
          summary="Release a transfer from source to target (units leave the source's available)",
          description="Idempotent on transfer_id.")
    async def transfer(self, data: JSONBody[TransferRequest],
                       request: Request[Any, Any, Any]) -> TransferView:
        _may_use(request, data.source), _may_use(request, data.target)
        return await floor_of(request).transfers.create(data, principal_of(request).subject)

    @get("/transfers/{transfer_id:str}", guards=[roles("supervisor")],
         summary="A transfer as both warehouses record it, with the consistency check's findings")
    async def view_transfer(self, transfer_id: IdPath, request: Request[Any, Any, Any],
                            target: TargetQuery, warehouse: WarehouseQuery = None) -> TransferView:
        source = warehouse_for(request, warehouse)
        return await floor_of(request).transfers.view(source, _may_use(request, target), transfer_id)

    @post("/transfers/{transfer_id:str}/dispatch", guards=[roles("supervisor", "device")], status_code=200,
          summary="Dispatch a released transfer (warehouse = the source): off the pick faces, in transit")
    async def dispatch(self, transfer_id: IdPath, request: Request[Any, Any, Any],
                       warehouse: WarehouseQuery = None) -> TransferView:
        return await floor_of(request).transfers.dispatch(
            warehouse_for(request, warehouse), transfer_id, principal_of(request).subject)

    @post("/transfers/{transfer_id:str}/receive", guards=[roles("supervisor", "device")], status_code=200,
          summary="Receive a transfer (warehouse = the target): good units to putaway, short/damaged with a reason")
    async def receive_transfer(self, transfer_id: IdPath, data: JSONBody[TransferReceipt],
                               request: Request[Any, Any, Any],
                               warehouse: WarehouseQuery = None) -> TransferView:
        return await floor_of(request).transfers.receive(
            warehouse_for(request, warehouse), transfer_id, data, principal_of(request).subject)

    @post("/transfers/{transfer_id:str}/resume", guards=[roles("supervisor")], status_code=200,
          summary="Run a transfer step one side has done and the other not (after a crash)")
    async def resume(self, transfer_id: IdPath, request: Request[Any, Any, Any], target: TargetQuery,
                     warehouse: WarehouseQuery = None) -> TransferView:
        source = warehouse_for(request, warehouse)
        return await floor_of(request).transfers.resume(source, _may_use(request, target), transfer_id)

    @post("/transfers/suggest", guards=[roles("supervisor")], status_code=200,
          summary="Propose transfers from surplus to short warehouses (recorded, never executed)")
    async def suggest(self, data: JSONBody[SuggestTransfers],
                      request: Request[Any, Any, Any]) -> list[Suggestion]:
        warehouses = [_may_use(request, w) for w in data.warehouses]
        return await floor_of(request).transfers.suggest(warehouses, int(time.time() * 1000))
