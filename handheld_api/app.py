"""create_app(): the Litestar application (a factory: ``uvicorn handheld_api.app:create_app --factory``)."""

from __future__ import annotations

import asyncio
import gc
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

from floor.channels.address import table as address_table
from floor.core.errors import FloorError
from floor.core.settings import Settings
from floor.floor import Floor
from floor.jobs.labels import ParcelSweeper
from floor.jobs.labels import enqueuer as labels_enqueuer
from floor.jobs.waves import ReleaseLoop
from floor.picking.store import PickingStore
from floor.planning.service import PlanFollower
from floor.planning.store import PlanningStore  # issue 9
from floor.shipping.carriers.service import adapters_from_file
from floor.store.client import UNAVAILABLE_ERRORS, connect_reader
from floor.waves.optimal import warm_up
from handheld_api import logs, openapi
from handheld_api.auth import TokenSigner
from handheld_api.http import fastwebhook  # issue 7 round 3: the webhook bypass (install)
from handheld_api.http.admin import AdminController
from handheld_api.http.auth import AuthController
from handheld_api.http.availability import AvailabilityController
from handheld_api.http.channels import ChannelAdminController
from handheld_api.http.common import ErrorBody
from handheld_api.http.counting import CountController  # issue 9
from handheld_api.http.health import live, ready
from handheld_api.http.imports import ImportController
from handheld_api.http.incidents import ExceptionController
from handheld_api.http.inventory import InventoryController
from handheld_api.http.metrics import metrics, watch_pipeline
from handheld_api.http.orders import OrderController
from handheld_api.http.planning import PlanningController  # issue 9
from handheld_api.http.release import ReleaseController
from handheld_api.http.returns import ReturnController  # issue 9
from handheld_api.http.routing import RoutingController
from handheld_api.http.shipping import PackController, ShippingController
from handheld_api.http.sorting import SortingController
from handheld_api.http.tasks import TaskController
from handheld_api.http.waves import WaveController
from handheld_api.sessions import Sessions
from handheld_api.ws.board import board_socket
from handheld_api.ws.handheld import handheld_socket
from handheld_api.ws.hub import Hub
from handheld_api.ws.presence import PresenceSweeper

STATIC = Path(__file__).resolve().parent.parent / "static"
log = logging.getLogger("floor.app")


def floor_error(_request: Request[Any, Any, Any], error: FloorError) -> Response[ErrorBody]:
    return Response(ErrorBody(error.code, error.reason), status_code=error.status)


def http_error(_request: Request[Any, Any, Any], error: HTTPException) -> Response[ErrorBody]:
    code = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
            413: "too_large", 429: "too_many_attempts"}.get(error.status_code, "error")
    return Response(ErrorBody(code, _reason(error), error.extra or None), status_code=error.status_code,
                    headers=error.headers)


def _reason(error: HTTPException) -> str:
    """The detail, with the field problems of a refused body spelled out ("lines[0].sku: Expected ...")."""
    problems = error.extra if isinstance(error.extra, list) else []
    named = [f"{p['key']}: {p['message']}" if p.get("key") not in (None, "data") else str(p.get("message"))
             for p in problems if isinstance(p, dict) and p.get("message")]
    return f"{error.detail}: {'; '.join(named)}" if named else str(error.detail)


def store_down(_request: Request[Any, Any, Any], _error: Exception) -> Response[ErrorBody]:
    return Response(ErrorBody("unavailable", "the store is unreachable; try again shortly"), status_code=503,
                    headers={"Retry-After": "1"})


def server_error(request: Request[Any, Any, Any], error: Exception) -> Response[ErrorBody]:
    """A bug, not an answer: logged with its traceback; the client gets the one error body."""
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return Response(ErrorBody("server_error", "the server could not handle that request"), status_code=500)


@get("/", include_in_schema=False)
async def index() -> Redirect:
    return Redirect("/board/")


def _page(name: str):  # type: ignore[no-untyped-def]
    @get(f"/{name}/", include_in_schema=False, name=f"page-{name}")
    async def page() -> Response[bytes]:
        return Response((STATIC / name / "index.html").read_bytes(), media_type="text/html")

    return page


@get("/handheld/sw.js", include_in_schema=False, name="handheld-service-worker")
async def handheld_service_worker() -> Response[bytes]:
    """The handheld's service worker, served under /handheld/ so that its scope covers the page."""
    return Response((STATIC / "handheld" / "sw.js").read_bytes(), media_type="text/javascript",
                    headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/handheld/"})


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logs.install()  # no token, ticket, PIN or password in any log line (uvicorn logs socket URLs)
    floor = Floor.from_settings(settings)
    hub = Hub(settings.redis_url)
    sweeper = PresenceSweeper(floor)
    parcels = ParcelSweeper(floor)  # stuck / lost parcels -> floor exceptions, every 15 min
    releaser = ReleaseLoop(floor)  # automatic release policies (issue 11)
    sessions = Sessions(floor.accounts)
    follower = PlanFollower(PlanningStore(  # issue 9: picks -> planning
        floor.client, floor.scripts, connect_reader(settings.redis_url, 2000)), floor.layouts.warehouses,
        restocked=floor.orders.retry_backorders)

    async def startup(app: Litestar) -> None:
        started = time.monotonic()
        # Kernels are compiled at set-up (python -m kernels.warm) and loaded here, never on a request.
        await asyncio.to_thread(warm_up)
        await asyncio.to_thread(address_table)  # the GB/T 2260 table for channel orders, off the first request
        log.info("kernels ready in %.1f s", time.monotonic() - started)
        await floor.start()
        app.state.floor = floor
        floor.shipping.adapters, floor.shipping.push_secrets = adapters_from_file(settings.carriers_file)
        if settings.rq_redis_url or "+cluster://" not in settings.redis_url:  # RQ needs a plain Redis
            floor.shipping.enqueue = labels_enqueuer(settings.jobs_redis_url)  # closing the last box prints
        app.state.hub = hub
        app.state.push_tasks = PickingStore(hub.push_client, floor.scripts)  # task pushes: the hub's own pool
        app.state.signer = TokenSigner(settings.secret, settings.token_ttl_s)
        app.state.sessions = sessions
        app.state.ws_query_token = settings.ws_query_token
        sessions.start()
        sweeper.start()
        parcels.start()
        follower.start()
        releaser.start()
        if floor.picking.store.pipeline is not None:
            watch_pipeline(floor.picking.store.pipeline)
        # Everything loaded so far (Litestar, numba, the OpenAPI schema ...) lives as long as the process:
        # keep it out of the collector's full passes, which otherwise walk it ~once a second on the scan path.
        gc.collect()
        gc.freeze()
        # A scan allocates a few dozen short-lived containers; the default (700) runs the young
        # generation's collection every few scans. 20,000 keeps it to a few per second at full load.
        gc.set_threshold(20_000, 10, 10)
        log.info("floor server ready (redis %s)", settings.redis_url.split("@")[-1])

    async def shutdown(_app: Litestar) -> None:
        await sweeper.stop()
        await parcels.stop()
        await follower.stop()
        await follower.store.stream_client.aclose()
        await releaser.stop()
        await sessions.stop()
        await hub.close()
        await floor.close()

    app = Litestar(
        route_handlers=[
            AuthController, AdminController, OrderController, InventoryController, WaveController, TaskController,
            ExceptionController, ImportController, RoutingController, AvailabilityController, ChannelAdminController,
            ShippingController, PackController, PlanningController, CountController, ReturnController,
            ReleaseController,
            SortingController,  # issue 11: the put wall
            live, ready, metrics, handheld_socket, board_socket, index, _page("handheld"), _page("board"), _page("pack"),
            handheld_service_worker,
            create_static_files_router(path="/static", directories=[STATIC], include_in_schema=False),
        ],
        on_startup=[startup],
        on_shutdown=[shutdown],
        exception_handlers={
            FloorError: floor_error, HTTPException: http_error,
            **{error: store_down for error in UNAVAILABLE_ERRORS}, Exception: server_error,
        },
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="Warehouse floor server",
            version="0.2.0",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
            components=Components(
                security_schemes={"BearerToken": SecurityScheme(type="http", scheme="bearer")}
            ),
            security=[{"BearerToken": []}],
        ),
        debug=False,
    )
    openapi.document(app)
    fastwebhook.install(app)  # issue 7 round 3: a webhook delivery skips Litestar's per-request routing
    return app
