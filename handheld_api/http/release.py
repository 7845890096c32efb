"""``/api/release``: the warehouse's release policy (read, replace), its automatic decisions, a decision
round on demand, and the released orders at risk of missing their ship-by (issue 11)."""

from __future__ import annotations

import time
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post, put
from litestar.params import JSONBody, QueryParameter

from floor.core.errors import ConflictError
from floor.core.fields import Input, Warehouse
from floor.core.ids import new_id
from floor.waves.policy import Decision, PolicyView, ReleasePolicy
from handheld_api.auth import roles
from handheld_api.http.common import WarehouseQuery, floor_of, principal_of, warehouse_for


class ReleaseNow(Input, frozen=True, forbid_unknown_fields=True):
    """``POST /api/release/tick``: run one decision round of the policy now."""

    warehouse: Warehouse | None = None


class LateOrder(msgspec.Struct, frozen=True):
    order_id: str
    expected_finish: int  # epoch seconds, at the current pick rate
    ship_by: int  # epoch seconds


LimitQuery = Annotated[int, QueryParameter(name="limit", required=False, ge=1, le=1000,
                                           description="at most this many, newest first")]


class ReleaseController(Controller):
    path = "/api/release"
    tags = ["release"]

    @get("/policy", guards=[roles("supervisor")], summary="The warehouse's release policy (manual by default)")
    async def get_policy(self, request: Request[Any, Any, Any],
                         warehouse: WarehouseQuery = None) -> PolicyView:
        return await floor_of(request).release.policy(warehouse_for(request, warehouse))

    @put("/policy", guards=[roles("supervisor")], status_code=200,
         summary="Replace the release policy: manual, cutoff or continuous, with cut-offs and grouping",
         description="Takes effect at the next decision round (every ~0.25 s on the node holding the "
         "warehouse's releaser lease). 422 names every unusable field.")
    async def put_policy(self, data: JSONBody[ReleasePolicy], request: Request[Any, Any, Any],
                         warehouse: WarehouseQuery = None) -> PolicyView:
        wh = warehouse_for(request, warehouse)
        return await floor_of(request).release.set_policy(wh, data, principal_of(request).subject,
                                                          int(time.time() * 1000))

    @get("/decisions", guards=[roles("supervisor")],
         summary="Automatic release decisions, newest first: which orders, which waves, why and why now")
    async def decisions(self, request: Request[Any, Any, Any], warehouse: WarehouseQuery = None,
                        limit: LimitQuery = 50) -> list[Decision]:
        return await floor_of(request).release.decisions(warehouse_for(request, warehouse), limit)

    @post("/tick", guards=[roles("supervisor")], status_code=200,
          summary="Run one decision round of the policy now (what the release loop does every ~0.25 s)",
          description="409 `busy` while another node holds the warehouse's releaser lease.")
    async def tick(self, data: JSONBody[ReleaseNow], request: Request[Any, Any, Any]) -> list[Decision]:
        floor = floor_of(request)
        wh = warehouse_for(request, data.warehouse)
        owner = new_id("api")
        if not await floor.release.store.lease(wh, owner, 10_000):
            raise ConflictError("another node is deciding releases for this warehouse: try again", code="busy")
        try:
            return await floor.release.tick(wh)
        finally:
            await floor.release.store.unlease(wh, owner)

    @get("/late", guards=[roles("supervisor")],
         summary="Released orders that will miss their ship-by at the current rate (each raised as late_risk)")
    async def late(self, request: Request[Any, Any, Any],
                   warehouse: WarehouseQuery = None) -> list[LateOrder]:
        rows = await floor_of(request).release.late_risk(warehouse_for(request, warehouse))
        return [LateOrder(order_id, finish, due) for order_id, finish, due in rows]
