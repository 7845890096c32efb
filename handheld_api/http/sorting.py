"""``/api/sorting``: a put-wall sort task's progress (issue 11, docs/waves.md): the batch tour it
sorts, the units still in the batch tote per SKU, each order line's sorted units, the unit in hand."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import PathParameter

from floor.sorting.model import SortView
from handheld_api.auth import roles
from handheld_api.http.common import WarehouseQuery, floor_of, warehouse_for

TaskPath = Annotated[str, PathParameter(min_length=1, max_length=64, pattern=r"^[!-~]+$")]


class SortingController(Controller):
    path = "/api/sorting"
    tags = ["sorting"]

    @get("/{task_id:str}", guards=[roles("supervisor")],
         summary="A put-wall sort task: units in the batch tote, each slot's progress, the unit in hand")
    async def view(self, task_id: TaskPath, request: Request[Any, Any, Any],
                   warehouse: WarehouseQuery = None) -> SortView:
        return await floor_of(request).sorting.view(warehouse_for(request, warehouse), task_id)
