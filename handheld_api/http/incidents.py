"""``/api/exceptions``: floor exceptions — list, raise (idempotent per sender), acknowledge, resolve."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody

from floor.incidents.model import ExceptionCommand, FloorException, RaiseException
from handheld_api.auth import roles
from handheld_api.http.common import WarehouseQuery, floor_of, principal_of, warehouse_for


class ExceptionController(Controller):
    path = "/api/exceptions"
    tags = ["exceptions"]

    @get("/", guards=[roles("supervisor")], summary="Open floor exceptions, newest first")
    async def list_open(self, request: Request[Any, Any, Any],
                        warehouse: WarehouseQuery = None) -> list[FloorException]:
        return await floor_of(request).incidents.open(warehouse_for(request, warehouse))

    @post("/", guards=[roles("supervisor", "device", "picker")], status_code=200,
          summary="Raise a floor exception",
          description="Idempotent on (sender, exception_id): the sender's repeat returns the exception it "
          "created first; the server gives the exception its own id.")
    async def raise_one(self, data: JSONBody[RaiseException],
                        request: Request[Any, Any, Any]) -> FloorException:
        warehouse = warehouse_for(request, data.warehouse)
        principal = principal_of(request)
        picker = principal.subject if principal.role == "picker" else ""
        return await floor_of(request).incidents.raise_one(warehouse, data, principal.subject, picker)

    @get("/{exception_id:str}", guards=[roles("supervisor")], summary="One floor exception")
    async def get_one(self, exception_id: FromPath[str], request: Request[Any, Any, Any],
                      warehouse: WarehouseQuery = None) -> FloorException:
        return await floor_of(request).incidents.get(warehouse_for(request, warehouse), exception_id)

    @post("/{exception_id:str}/acknowledge", guards=[roles("supervisor")], status_code=200,
          summary="Acknowledge (idempotent on the sender's command_id)")
    async def acknowledge(self, exception_id: FromPath[str], data: JSONBody[ExceptionCommand],
                          request: Request[Any, Any, Any],
                          warehouse: WarehouseQuery = None) -> FloorException:
        return await self._move(request, warehouse, exception_id, "acknowledge", data)

    @post("/{exception_id:str}/resolve", guards=[roles("supervisor")], status_code=200,
          summary="Resolve (idempotent on the sender's command_id)")
    async def resolve(self, exception_id: FromPath[str], data: JSONBody[ExceptionCommand],
                      request: Request[Any, Any, Any], warehouse: WarehouseQuery = None) -> FloorException:
        return await self._move(request, warehouse, exception_id, "resolve", data)

    async def _move(self, request: Request[Any, Any, Any], warehouse: str | None, exception_id: str,
                    event: str, data: ExceptionCommand) -> FloorException:
        wh = warehouse_for(request, warehouse)
        _repeat, exception = await floor_of(request).incidents.transition(
            wh, exception_id, event, data, principal_of(request).subject
        )
        return exception
