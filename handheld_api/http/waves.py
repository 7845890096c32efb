"""``/api/waves``: release waves (inline, or planned by a worker with a visible state), read waves
and tasks, and draw a task's route."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody

from floor.core.errors import ConflictError, ForbiddenError, NotFoundError
from floor.jobs import waves as wave_jobs
from floor.picking.model import TaskView
from floor.waves.model import ReleaseWave, WaveView
from floor.waves.store import WavePlanning
from handheld_api.auth import roles
from handheld_api.http.common import WarehouseQuery, floor_of, principal_of, warehouse_for
from handheld_api.http.route_drawing import route_svg


class WaveResult(msgspec.Struct, frozen=True):
    repeat: bool
    wave: WaveView


PLANNING = {202: ResponseSpec(WavePlanning, description="planned by a worker: queued, planning or failed")}


class WaveController(Controller):
    path = "/api/waves"
    tags = ["waves"]

    @post("/", guards=[roles("supervisor")], status_code=200, responses=PLANNING,
          summary="Release a wave: orders split into pick tasks, pushed to pickers (idempotent on wave_id)",
          description="Waves of more than FLOOR_INLINE_WAVE_MAX orders (default 5) are planned by an RQ "
          "worker: the answer is then 202 with the planning state; poll GET /api/waves/{wave_id}. "
          "A wave whose planning failed can be released again with the same wave_id.")
    async def release(self, data: JSONBody[ReleaseWave], request: Request[Any, Any, Any]) -> Response[Any]:
        floor = floor_of(request)
        warehouse = warehouse_for(request, data.warehouse)
        sender = principal_of(request).subject
        if floor.waves.size(data) > floor.settings.inline_wave_max:
            floor.waves.check(data)
            try:
                existing = await floor.waves.get(warehouse, data.wave_id)
            except NotFoundError:
                pass
            else:
                if existing.released_by != sender:
                    raise ConflictError(f"the id '{data.wave_id}' is already used by another sender: choose another",
                                        code="taken")
                return Response(WaveResult(True, existing))
            now = int(time.time() * 1000)
            if await floor.waves.store.claim_queue(warehouse, data.wave_id, now, sender):
                try:
                    await asyncio.to_thread(
                        wave_jobs.enqueue_release_wave, floor.settings.jobs_redis_url, warehouse, data, sender
                    )
                except Exception as error:  # the jobs Redis is down: a failed wave may be released again
                    await floor.waves.store.set_planning(
                        warehouse, data.wave_id, "failed", f"could not queue the job: {type(error).__name__}", now
                    )
                    raise
            planning = await floor.waves.planning(warehouse, data.wave_id)
            return Response(planning, status_code=202)
        repeat, wave = await floor.waves.release(warehouse, data, sender)
        return Response(WaveResult(repeat, wave))

    @get("/{wave_id:str}", guards=[roles("supervisor")], responses=PLANNING,
         summary="One wave with its progress (202 with the planning state while a worker plans it)")
    async def get_wave(self, wave_id: FromPath[str], request: Request[Any, Any, Any],
                       warehouse: WarehouseQuery = None) -> Response[Any]:
        floor = floor_of(request)
        wh = warehouse_for(request, warehouse)
        try:
            return Response(await floor.waves.get(wh, wave_id))
        except NotFoundError:
            planning = await floor.waves.planning(wh, wave_id)
            if planning is None:
                raise
            return Response(planning, status_code=202)

    @get("/tasks/{task_id:str}", guards=[roles("supervisor", "picker")], summary="One pick task with its steps")
    async def get_task(self, task_id: FromPath[str], request: Request[Any, Any, Any],
                       warehouse: WarehouseQuery = None) -> TaskView:
        task = await floor_of(request).picking.task(warehouse_for(request, warehouse), task_id)
        principal = principal_of(request)
        if principal.role == "picker" and task.picker != principal.subject:
            raise ForbiddenError("that task is not yours")
        return task

    @get("/tasks/{task_id:str}/route.svg", guards=[roles("supervisor")], media_type="image/svg+xml",
         summary="The task's planned route drawn on the layout (SVG)")
    async def route(self, task_id: FromPath[str], request: Request[Any, Any, Any],
                    warehouse: WarehouseQuery = None) -> Response[str]:
        floor = floor_of(request)
        wh = warehouse_for(request, warehouse)
        task = await floor.picking.task(wh, task_id)
        layout = await floor.layouts.get(wh)
        svg = route_svg(layout, task.steps, title=f"{task_id} ({task.picker or 'unassigned'})", current=task.step)
        return Response(svg, media_type="image/svg+xml")
