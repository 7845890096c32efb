"""``/api/counts``: blind cycle counts (by location or SKU), supervisor decisions, the ABC schedule."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import JSONBody, PathParameter

from floor.counting.model import CountDecision, CountRequest, CountView, Scheduled, ScheduleRequest
from handheld_api.auth import roles
from handheld_api.http.common import WarehouseQuery, floor_of, principal_of, warehouse_for

CountPath = Annotated[str, PathParameter(min_length=1, max_length=64, pattern=r"^[!-~]+$")]


class CountController(Controller):
    path = "/api/counts"
    tags = ["counting"]

    @post("/", guards=[roles("supervisor")], status_code=200,
          summary="Queue a blind count of a location or a SKU", description="Idempotent on (sender, command_id).")
    async def request_count(self, data: JSONBody[CountRequest], request: Request[Any, Any, Any]) -> CountView:
        return await floor_of(request).counting.request(
            warehouse_for(request, data.warehouse), data, principal_of(request).subject)

    @get("/", guards=[roles("supervisor")], summary="Counts waiting for a supervisor's decision")
    async def pending(self, request: Request[Any, Any, Any],
                      warehouse: WarehouseQuery = None) -> list[CountView]:
        return await floor_of(request).counting.pending(warehouse_for(request, warehouse))

    @get("/{count_id:str}", guards=[roles("supervisor")], summary="One count with its variances")
    async def view(self, count_id: CountPath, request: Request[Any, Any, Any],
                   warehouse: WarehouseQuery = None) -> CountView:
        return await floor_of(request).counting.view(warehouse_for(request, warehouse), count_id)

    @post("/{count_id:str}/decision", guards=[roles("supervisor")], status_code=200,
          summary="Approve (book) or reject the held variances of a count",
          description="A repeat of the same decision returns the count; the other decision afterwards is 409.")
    async def decide(self, count_id: CountPath, data: JSONBody[CountDecision],
                     request: Request[Any, Any, Any]) -> CountView:
        return await floor_of(request).counting.decide(
            warehouse_for(request, data.warehouse), count_id, data, principal_of(request).subject)

    @post("/schedule", guards=[roles("supervisor")], status_code=200,
          summary="Queue the counts due by ABC class (A monthly, B quarterly, C yearly by default)")
    async def schedule(self, data: JSONBody[ScheduleRequest], request: Request[Any, Any, Any]) -> Scheduled:
        return await floor_of(request).counting.schedule(
            warehouse_for(request, data.warehouse), data, principal_of(request).subject)
