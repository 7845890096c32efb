"""What every HTTP resource module shares: the caller, the warehouse it may use, the error body."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request
from litestar.params import QueryParameter

from floor.core.errors import ForbiddenError
from floor.floor import Floor
from handheld_api.auth import Principal


class ErrorBody(msgspec.Struct, frozen=True):
    """Every 4xx/5xx answer: a stable machine word, a sentence for people, and details if any."""

    error: str
    reason: str
    details: Any = None


def principal_of(request: Request[Any, Any, Any]) -> Principal:
    principal: Principal = request.state.principal
    return principal


def floor_of(request: Request[Any, Any, Any]) -> Floor:
    floor: Floor = request.app.state.floor
    return floor


def warehouse_for(request: Request[Any, Any, Any], requested: str | None) -> str:
    """The warehouse a request acts on: asked for, else the token's, else the default; checked."""
    principal = principal_of(request)
    floor = floor_of(request)
    warehouse = floor.warehouse(requested or (principal.warehouse if principal.warehouse != "*" else None))
    if not principal.may_use(warehouse):
        raise ForbiddenError(f"no access to warehouse {warehouse}")
    return warehouse


WarehouseQuery = Annotated[str | None, QueryParameter(
    name="warehouse", required=False, max_length=8,
    description="warehouse id (default: the token's, else FLOOR_DEFAULT_WAREHOUSE)",
)]
