"""HTTP API: login, orders, inventory, waves, exceptions, health. Thin wrappers over floor.services."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotAuthorizedException, TooManyRequestsException
from litestar.params import Parameter

from floor import jobs
from floor.errors import ForbiddenError, ValidationError
from floor.exceptions import ExceptionCommand, FloorException
from floor.orders import NewOrder, Order
from floor.route_drawing import route_svg
from floor.services import AdjustStock, Floor, RaiseException
from floor.store.queries import StockLevel, WaveView
from floor.tasks import TaskView
from floor.waves import ReleaseWave
from handheld_api.auth import Principal, TokenSigner, roles

LOGIN_LIMIT = 5  # failed logins per badge / username ...
LOGIN_WINDOW_S = 300  # ... within this window lock it for the rest of the window


class Login(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Picker: badge + pin. Everyone else: username + password."""

    badge: str | None = None
    pin: str | None = None
    username: str | None = None
    password: str | None = None


class LoginResult(msgspec.Struct, frozen=True):
    token: str
    role: str
    subject: str
    warehouse: str
    expires_ms: int


class OrderResult(msgspec.Struct, frozen=True):
    repeat: bool
    order: Order


class WaveResult(msgspec.Struct, frozen=True):
    repeat: bool
    wave: WaveView


def _principal(request: Request[Any, Any, Any]) -> Principal:
    principal: Principal = request.state.principal
    return principal


def _warehouse(request: Request[Any, Any, Any], floor: Floor, requested: str | None) -> str:
    principal = _principal(request)
    warehouse = floor.warehouse(requested or (principal.warehouse if principal.warehouse != "*" else None))
    if not principal.may_use(warehouse):
        raise ForbiddenError(f"no access to warehouse {warehouse}")
    return warehouse


WAREHOUSE = Parameter(query="warehouse", required=False, description="warehouse id (default: the token's or FLOOR_DEFAULT_WAREHOUSE)")


class AuthController(Controller):
    path = "/api/auth"
    tags = ["auth"]

    @post("/login", status_code=200, summary="Log in: picker badge + PIN, or username + password")
    async def login(self, data: Login, request: Request[Any, Any, Any]) -> LoginResult:
        floor: Floor = request.app.state.floor
        signer: TokenSigner = request.app.state.signer
        subject = f"badge:{data.badge}" if data.badge is not None else f"user:{data.username}"
        if not await floor.master.login_allowed(subject[:80], LOGIN_LIMIT, LOGIN_WINDOW_S):
            raise TooManyRequestsException(f"too many failed logins: wait {LOGIN_WINDOW_S // 60} minutes")
        try:
            return await self._login(data, floor, signer)
        except NotAuthorizedException:
            await floor.master.login_failed(subject[:80], LOGIN_WINDOW_S)
            raise

    async def _login(self, data: Login, floor: Floor, signer: TokenSigner) -> LoginResult:
        if data.badge is not None and data.pin is not None:
            if len(data.badge) > 64 or len(data.pin) > 64:
                raise ValidationError("badge and pin are at most 64 characters")
            picker = await floor.master.check_badge(data.badge, data.pin)
            if picker is None:
                raise NotAuthorizedException("unknown badge or wrong PIN")
            token, principal = signer.issue("picker", picker.picker_id, picker.warehouse)
        elif data.username is not None and data.password is not None:
            if len(data.username) > 64 or len(data.password) > 256:
                raise ValidationError("username/password too long")
            user = await floor.master.check_user(data.username, data.password)
            if user is None:
                raise NotAuthorizedException("unknown user or wrong password")
            scope = "*" if "*" in user.warehouses else user.warehouses[0]
            token, principal = signer.issue(user.role, user.username, scope)
        else:
            raise ValidationError("send either badge + pin or username + password")
        await floor.master.login_succeeded(f"badge:{data.badge}" if data.badge is not None else f"user:{data.username}")
        return LoginResult(token, principal.role, principal.subject, principal.warehouse, principal.expires_ms)


class OrderController(Controller):
    path = "/api/orders"
    tags = ["orders"]

    @post("/", guards=[roles("channel", "supervisor")], status_code=200,
          summary="Canonical order intake (idempotent on channel + external_id)")
    async def intake(self, data: NewOrder, request: Request[Any, Any, Any]) -> OrderResult:
        floor: Floor = request.app.state.floor
        warehouse = _warehouse(request, floor, data.warehouse)
        repeat, order = await floor.intake_order(msgspec.structs.replace(data, warehouse=warehouse))
        return OrderResult(repeat, order)

    @get("/{order_id:str}", guards=[roles("channel", "supervisor")], summary="One order")
    async def get_order(self, order_id: str, request: Request[Any, Any, Any],
                        warehouse: str | None = WAREHOUSE) -> Order:
        floor: Floor = request.app.state.floor
        return await floor.queries.order(_warehouse(request, floor, warehouse), order_id)


class InventoryController(Controller):
    path = "/api/inventory"
    tags = ["inventory"]

    @post("/adjustments", guards=[roles("supervisor", "device")], status_code=200,
          summary="Receipt or adjustment of one SKU at one location (idempotent on command_id)")
    async def adjust(self, data: AdjustStock, request: Request[Any, Any, Any]) -> dict[str, Any]:
        floor: Floor = request.app.state.floor
        warehouse = _warehouse(request, floor, data.warehouse)
        repeat, result = await floor.adjust_stock(
            msgspec.structs.replace(data, warehouse=warehouse), _principal(request).subject
        )
        return {"repeat": repeat, **result}

    @get("/skus/{sku:str}", guards=[roles("supervisor", "channel", "device")],
         summary="Stock of one SKU: on hand, reserved, available, per location")
    async def sku(self, sku: str, request: Request[Any, Any, Any], warehouse: str | None = WAREHOUSE) -> StockLevel:
        floor: Floor = request.app.state.floor
        return await floor.queries.stock(_warehouse(request, floor, warehouse), sku)

    @get("/locations/{location:str}", guards=[roles("supervisor", "device", "picker")],
         summary="SKUs and units on hand at one location")
    async def location(self, location: str, request: Request[Any, Any, Any],
                       warehouse: str | None = WAREHOUSE) -> dict[str, Any]:
        floor: Floor = request.app.state.floor
        wh = _warehouse(request, floor, warehouse)
        code = (await floor.queries.layout(wh)).check_location(location).code
        return {"location": code, "skus": await floor.queries.location(wh, code)}


class WaveController(Controller):
    path = "/api/waves"
    tags = ["waves"]

    @post("/", guards=[roles("supervisor")], status_code=200,
          summary="Release a wave: orders split into pick tasks, pushed to pickers (idempotent on wave_id)",
          description="Waves of more than FLOOR_INLINE_WAVE_MAX orders (default 5) are planned by an RQ "
          "worker: the answer is then 202 with the job id; poll GET /api/waves/{wave_id}.")
    async def release(self, data: ReleaseWave, request: Request[Any, Any, Any]) -> Response[Any]:
        floor: Floor = request.app.state.floor
        command = msgspec.structs.replace(data, warehouse=_warehouse(request, floor, data.warehouse))
        size = len(command.order_ids) if command.order_ids is not None else command.max_orders
        if size > int(os.environ.get("FLOOR_INLINE_WAVE_MAX", "5")):
            floor.check_release(command)
            redis_url: str = request.app.state.redis_url
            job_id = await asyncio.to_thread(jobs.enqueue_release_wave, redis_url, command)
            state = await asyncio.to_thread(jobs.job_state, redis_url, job_id)
            return Response({"planning": True, "wave_id": command.wave_id, **state}, status_code=202)
        repeat, wave = await floor.release_wave(command)
        return Response(WaveResult(repeat, wave))

    @get("/{wave_id:str}", guards=[roles("supervisor")], summary="One wave with its progress")
    async def get_wave(self, wave_id: str, request: Request[Any, Any, Any],
                       warehouse: str | None = WAREHOUSE) -> WaveView:
        floor: Floor = request.app.state.floor
        return await floor.queries.wave(_warehouse(request, floor, warehouse), wave_id)

    @get("/tasks/{task_id:str}", guards=[roles("supervisor", "picker")], summary="One pick task with its steps")
    async def get_task(self, task_id: str, request: Request[Any, Any, Any],
                       warehouse: str | None = WAREHOUSE) -> TaskView:
        floor: Floor = request.app.state.floor
        task = await floor.queries.task(_warehouse(request, floor, warehouse), task_id)
        principal = _principal(request)
        if principal.role == "picker" and task.picker != principal.subject:
            raise ForbiddenError("that task is not yours")
        return task


    @get("/tasks/{task_id:str}/route.svg", guards=[roles("supervisor")], media_type="image/svg+xml",
         summary="The task's planned route drawn on the layout (SVG)")
    async def route_svg(self, task_id: str, request: Request[Any, Any, Any],
                        warehouse: str | None = WAREHOUSE) -> Response[str]:
        floor: Floor = request.app.state.floor
        wh = _warehouse(request, floor, warehouse)
        task = await floor.queries.task(wh, task_id)
        layout = await floor.queries.layout(wh)
        svg = route_svg(layout, task.steps, title=f"{task_id} ({task.picker or 'unassigned'})", current=task.step)
        return Response(svg, media_type="image/svg+xml")


class ExceptionController(Controller):
    path = "/api/exceptions"
    tags = ["exceptions"]

    @get("/", guards=[roles("supervisor")], summary="Open floor exceptions, newest first")
    async def list_open(self, request: Request[Any, Any, Any], warehouse: str | None = WAREHOUSE) -> list[FloorException]:
        floor: Floor = request.app.state.floor
        return await floor.queries.open_exceptions(_warehouse(request, floor, warehouse))

    @post("/", guards=[roles("supervisor", "device", "picker")], status_code=200,
          summary="Raise a floor exception (idempotent on exception_id)")
    async def raise_one(self, data: RaiseException, request: Request[Any, Any, Any]) -> FloorException:
        floor: Floor = request.app.state.floor
        warehouse = _warehouse(request, floor, data.warehouse)
        principal = _principal(request)
        picker = principal.subject if principal.role == "picker" else ""
        return await floor.raise_exception(msgspec.structs.replace(data, warehouse=warehouse), picker)

    @get("/{exception_id:str}", guards=[roles("supervisor")], summary="One floor exception")
    async def get_one(self, exception_id: str, request: Request[Any, Any, Any],
                      warehouse: str | None = WAREHOUSE) -> FloorException:
        floor: Floor = request.app.state.floor
        return await floor.queries.exception(_warehouse(request, floor, warehouse), exception_id)

    @post("/{exception_id:str}/acknowledge", guards=[roles("supervisor")], status_code=200,
          summary="Acknowledge (idempotent on command_id)")
    async def acknowledge(self, exception_id: str, data: ExceptionCommand, request: Request[Any, Any, Any],
                          warehouse: str | None = WAREHOUSE) -> FloorException:
        return await self._move(request, warehouse, exception_id, "acknowledge", data)

    @post("/{exception_id:str}/resolve", guards=[roles("supervisor")], status_code=200,
          summary="Resolve (idempotent on command_id)")
    async def resolve(self, exception_id: str, data: ExceptionCommand, request: Request[Any, Any, Any],
                      warehouse: str | None = WAREHOUSE) -> FloorException:
        return await self._move(request, warehouse, exception_id, "resolve", data)

    async def _move(self, request: Request[Any, Any, Any], warehouse: str | None, exception_id: str,
                    event: str, data: ExceptionCommand) -> FloorException:
        floor: Floor = request.app.state.floor
        wh = _warehouse(request, floor, warehouse)
        _repeat, exception = await floor.transition_exception(wh, exception_id, event, data, _principal(request).subject)
        return exception


@get("/healthz", tags=["health"], summary="Public health check: Redis reachable, scripts loaded")
async def healthz(request: Request[Any, Any, Any]) -> Any:
    floor: Floor = request.app.state.floor
    health = await floor.healthy()
    ok = all(health.values())
    return Response({"status": "ok" if ok else "degraded", **health}, status_code=200 if ok else 503)
