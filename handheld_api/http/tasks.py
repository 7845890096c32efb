"""``/api/waves/tasks/{task_id}/reassign``: a supervisor moves a pick task to another present
picker, or back to the ready queue (the answer to a ``picker_absent`` floor exception)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody

from floor.picking.model import ReassignTask, TaskReassigned
from handheld_api.auth import roles
from handheld_api.http.common import ErrorBody, WarehouseQuery, floor_of, principal_of, warehouse_for


class TaskController(Controller):
    path = "/api/waves/tasks"
    tags = ["waves"]

    @post(
        "/{task_id:str}/reassign", guards=[roles("supervisor")], status_code=200,
        summary="Reassign a pick task to a present picker, or back to the ready queue (picker '')",
        description="Idempotent on (sender, command_id): the sender's repeat returns the first result with "
        "repeat=true. Units already picked stay counted; the new picker continues at the task's current step. "
        "The old picker's handheld is told the task is gone, the new one gets it. 409 `not_present` when the "
        "picker holds no presence lease, 409 when the picker already holds another task or the task is "
        "completed or cancelled; 404 for an unknown task or picker.",
        responses={
            404: ResponseSpec(ErrorBody, description="unknown task or picker"),
            409: ResponseSpec(ErrorBody, description="picker not present, busy, or the task is closed"),
        },
    )
    async def reassign(self, task_id: FromPath[str], data: JSONBody[ReassignTask],
                       request: Request[Any, Any, Any], warehouse: WarehouseQuery = None) -> TaskReassigned:
        wh = warehouse_for(request, warehouse)
        return await floor_of(request).picking.reassign(wh, task_id, data, principal_of(request).subject)
