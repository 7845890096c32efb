"""create_app(): the Litestar application (a factory: ``uvicorn handheld_api.app:create_app --factory``)."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, Response, get
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.response import Redirect
from litestar.static_files import create_static_files_router

from floor.errors import FloorError
from floor.services import Floor
from floor.wave_planning import warm_up
from handheld_api.auth import TokenSigner
from handheld_api.board import board_socket
from handheld_api.config import Settings
from handheld_api.fanout import Hub
from handheld_api.handheld import handheld_socket
from handheld_api.metrics import metrics
from handheld_api.routes import (
    AuthController,
    ExceptionController,
    InventoryController,
    OrderController,
    WaveController,
    healthz,
)

STATIC = Path(__file__).resolve().parent.parent / "static"
log = logging.getLogger("floor.app")


def floor_error(_request: Request[Any, Any, Any], error: FloorError) -> Response[Any]:
    return Response({"error": error.code, "reason": error.reason}, status_code=error.status)


def http_error(_request: Request[Any, Any, Any], error: HTTPException) -> Response[Any]:
    body: dict[str, Any] = {"error": type(error).__name__, "reason": error.detail}
    if error.extra:
        body["details"] = error.extra
    return Response(body, status_code=error.status_code, headers=error.headers)


@get("/", include_in_schema=False)
async def index() -> Redirect:
    return Redirect("/board/")


def _page(name: str):  # type: ignore[no-untyped-def]
    @get(f"/{name}/", include_in_schema=False, name=f"page-{name}")
    async def page() -> Response[bytes]:
        return Response((STATIC / name / "index.html").read_bytes(), media_type="text/html")

    return page


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    floor = Floor.from_url(settings.redis_url, settings.default_warehouse)
    hub = Hub(settings.redis_url)

    async def startup(app: Litestar) -> None:
        started = time.monotonic()
        # Kernels are compiled (or loaded from numba's cache) here, never on a request.
        await asyncio.to_thread(warm_up)
        log.info("kernels ready in %.1f s", time.monotonic() - started)
        await floor.start()
        app.state.floor = floor
        app.state.hub = hub
        app.state.redis_url = settings.redis_url
        app.state.signer = TokenSigner(settings.secret, settings.token_ttl_s)
        log.info("floor server ready (redis %s)", settings.redis_url.split("@")[-1])

    async def shutdown(_app: Litestar) -> None:
        await hub.close()
        await floor.close()

    return Litestar(
        route_handlers=[
            AuthController, OrderController, InventoryController, WaveController, ExceptionController,
            healthz, metrics, handheld_socket, board_socket, index, _page("handheld"), _page("board"),
            create_static_files_router(path="/static", directories=[STATIC], include_in_schema=False),
        ],
        on_startup=[startup],
        on_shutdown=[shutdown],
        exception_handlers={FloorError: floor_error, HTTPException: http_error},
        openapi_config=OpenAPIConfig(
            title="Warehouse floor server",
            version="0.1.0",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
            components=Components(
                security_schemes={"BearerToken": SecurityScheme(type="http", scheme="bearer")}
            ),
            security=[{"BearerToken": []}],
        ),
        debug=False,
    )
