"""Health: ``/healthz/live`` (the process answers), ``/healthz/ready`` and ``/healthz`` (Redis
reachable and every script loaded). Public: load balancers call them without a token."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get
from litestar.openapi.datastructures import ResponseSpec

from handheld_api.http.common import floor_of


class Health(msgspec.Struct, frozen=True):
    status: str  # ok | degraded
    redis: bool
    scripts: bool


_DEGRADED = {503: ResponseSpec(Health, description="Redis unreachable or scripts not loaded")}


class Live(msgspec.Struct, frozen=True):
    status: str  # ok


@get("/healthz/live", tags=["health"], security=[], summary="Liveness: the process answers (public)")
async def live() -> Live:
    return Live("ok")


@get(["/healthz", "/healthz/ready"], tags=["health"], security=[], responses=_DEGRADED,
     summary="Readiness: Redis reachable and scripts loaded (public)")
async def ready(request: Request[Any, Any, Any]) -> Response[Health]:
    health = await floor_of(request).healthy()
    ok = all(health.values())
    return Response(Health("ok" if ok else "degraded", **health), status_code=200 if ok else 503)
