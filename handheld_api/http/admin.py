"""``/api/admin``: users and pickers — create, list, disable, enable, reset password/PIN. Role admin only.

Answers never carry a secret or its hash. Disabling (or a new password/PIN) ends every token the
subject holds on every node within a second and closes its open sockets; enabling lets it log in
again (old tokens stay ended). An admin bound to one warehouse manages that warehouse's pickers
only; users are managed by admins of every warehouse ('*').
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromQuery, JSONBody, PathParameter

from floor.accounts.model import NewPasswordBody, NewPicker, NewPinBody, NewUser, PickerView, UserView
from floor.core.errors import ForbiddenError, NotFoundError
from handheld_api.auth import roles
from handheld_api.http.common import ErrorBody, floor_of, principal_of

UsernamePath = Annotated[str, PathParameter(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")]
BadgePath = Annotated[str, PathParameter(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]

CONFLICT = {409: ResponseSpec(ErrorBody, description="the username, badge or picker id is taken")}


def _all_warehouses(request: Request[Any, Any, Any]) -> None:
    if principal_of(request).warehouse != "*":
        raise ForbiddenError("users are managed by an admin of every warehouse ('*')")


def _name(value: str, what: str) -> str:
    if not 1 <= len(value) <= 64:
        raise NotFoundError(f"{what} '{value[:64]}' does not exist")
    return value


class AdminController(Controller):
    path = "/api/admin"
    tags = ["admin"]
    guards = [roles("admin")]

    # -- users ---------------------------------------------------------------------------------

    @get("/users", summary="Every user (role, warehouses, channel bindings, disabled)")
    async def users(self, request: Request[Any, Any, Any]) -> list[UserView]:
        _all_warehouses(request)
        return await floor_of(request).accounts.users()

    @post("/users", status_code=201, responses=CONFLICT, summary="Create a user (role channel: with bindings)")
    async def create_user(self, data: JSONBody[NewUser], request: Request[Any, Any, Any]) -> UserView:
        _all_warehouses(request)
        return await floor_of(request).accounts.create_user(data)

    @get("/users/{username:str}", summary="One user")
    async def user(self, username: UsernamePath, request: Request[Any, Any, Any]) -> UserView:
        _all_warehouses(request)
        return await floor_of(request).accounts.user(_name(username, "user"))

    @post("/users/{username:str}/disable", status_code=200,
          summary="Disable: logins refused, every token ended on every node within 1 s")
    async def disable_user(self, username: UsernamePath, request: Request[Any, Any, Any]) -> UserView:
        _all_warehouses(request)
        return await floor_of(request).accounts.set_user_disabled(_name(username, "user"), True)

    @post("/users/{username:str}/enable", status_code=200, summary="Enable: logins allowed again")
    async def enable_user(self, username: UsernamePath, request: Request[Any, Any, Any]) -> UserView:
        _all_warehouses(request)
        return await floor_of(request).accounts.set_user_disabled(_name(username, "user"), False)

    @post("/users/{username:str}/password", status_code=200,
          summary="New password: the user's tokens end, its lock-out is lifted")
    async def reset_password(self, username: UsernamePath, data: JSONBody[NewPasswordBody],
                             request: Request[Any, Any, Any]) -> UserView:
        _all_warehouses(request)
        return await floor_of(request).accounts.reset_password(_name(username, "user"), data.password)

    # -- pickers -------------------------------------------------------------------------------

    @get("/pickers", summary="Pickers (of one warehouse with ?warehouse=)")
    async def pickers(self, request: Request[Any, Any, Any],
                      warehouse: FromQuery[str | None] = None) -> list[PickerView]:
        principal = principal_of(request)
        floor = floor_of(request)
        if principal.warehouse != "*":
            warehouse = warehouse or principal.warehouse
        scope = floor.warehouse(warehouse) if warehouse else None
        if scope is not None and not principal.may_use(scope):
            raise ForbiddenError(f"no access to warehouse {scope}")
        return await floor.accounts.pickers(scope)

    @post("/pickers", status_code=201, responses=CONFLICT, summary="Create a picker: badge + PIN in one warehouse")
    async def create_picker(self, data: JSONBody[NewPicker], request: Request[Any, Any, Any]) -> PickerView:
        floor = floor_of(request)
        if not principal_of(request).may_use(data.warehouse):
            raise ForbiddenError(f"no access to warehouse {data.warehouse}")
        await floor.layouts.get(data.warehouse)  # 404 for an unknown warehouse
        return await floor.accounts.create_picker(data)

    @get("/pickers/{badge:str}", summary="One picker by badge")
    async def picker(self, badge: BadgePath, request: Request[Any, Any, Any]) -> PickerView:
        return await self._picker(request, badge)

    @post("/pickers/{badge:str}/disable", status_code=200,
          summary="Disable: logins refused, tokens ended and handheld sockets closed within 1 s")
    async def disable_picker(self, badge: BadgePath, request: Request[Any, Any, Any]) -> PickerView:
        await self._picker(request, badge)
        return await floor_of(request).accounts.set_picker_disabled(badge, True)

    @post("/pickers/{badge:str}/enable", status_code=200, summary="Enable: logins allowed again")
    async def enable_picker(self, badge: BadgePath, request: Request[Any, Any, Any]) -> PickerView:
        await self._picker(request, badge)
        return await floor_of(request).accounts.set_picker_disabled(badge, False)

    @post("/pickers/{badge:str}/pin", status_code=200, summary="New PIN: the picker's tokens end, lock-out lifted")
    async def reset_pin(self, badge: BadgePath, data: JSONBody[NewPinBody],
                        request: Request[Any, Any, Any]) -> PickerView:
        await self._picker(request, badge)
        return await floor_of(request).accounts.reset_pin(badge, data.pin)

    async def _picker(self, request: Request[Any, Any, Any], badge: str) -> PickerView:
        """The picker, if this admin may manage it (404 otherwise: another warehouse's badges are not listed)."""
        picker = await floor_of(request).accounts.picker(_name(badge, "badge"))
        if not principal_of(request).may_use(picker.warehouse):
            raise NotFoundError(f"badge '{badge}' does not exist")
        return picker
