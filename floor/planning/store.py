"""Planning in Redis: ``skustate:<sku>`` (states, thresholds, low-stock flags), ``locstate:<loc>``,
``rsvalloc:<sku>``, the move tasks on the pick task record (``task:<id>`` with a ``kind``),
suggestions and the follower's cursor. Every change is one script in ``planning/lua``."""

from __future__ import annotations

from typing import Any

import msgspec

from floor.core.errors import NotFoundError
from floor.planning.model import (
    FLOW_STATES,
    UNAVAILABLE_REASONS,
    LocationState,
    MoveTask,
    StockState,
    Suggestion,
)
from floor.store import keys
from floor.store.results import COMMAND_TTL, unwrap
from floor.store.scripts import Scripts

_suggestion = msgspec.json.Decoder(Suggestion)


def _ints(mapping: dict[str, str]) -> dict[str, int]:
    return {k: int(v) for k, v in sorted(mapping.items())}


class PlanningStore:
    def __init__(self, client: Any, scripts: Scripts, stream_client: Any = None) -> None:
        self.client = client
        self.scripts = scripts
        self.stream_client = stream_client or client  # blocking Stream reads: a pool of their own on a node

    async def state(self, warehouse: str, sku: str) -> StockState:
        k = keys.key
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.hmget(k(warehouse, "sku", sku), "on_hand", "reserved")
            pipe.hgetall(k(warehouse, "sku_state", sku))
            pipe.hgetall(k(warehouse, "sku_bins", sku))
            pipe.hgetall(k(warehouse, "sku_reserve", sku))
            pipe.hgetall(k(warehouse, "sku_alloc", sku))
            pipe.hgetall(k(warehouse, "reserve_alloc", sku))
            (on_hand, reserved), st, faces, reserves, alloc, ralloc = await pipe.execute()
        if on_hand is None:
            raise NotFoundError(f"SKU '{sku}' does not exist in {warehouse}")

        def n(field: str) -> int:
            return int(st.get(field, 0) or 0)

        return StockState(
            sku=sku, on_hand=int(on_hand), reserved=int(reserved or 0), available=int(on_hand) - int(reserved or 0),
            reserve=sum(_ints(reserves).values()), allocated=sum(_ints(alloc).values()),
            reserve_allocated=sum(_ints(ralloc).values()),
            unavailable={reason: n(reason) for reason in UNAVAILABLE_REASONS},
            receiving=n("receiving"), carried=n("carried"), transit_in=n("transit_in"), transit_out=n("transit_out"),
            on_order=n("on_order"), transfer_reserved=n("transfer_reserved"), inspection=n("inspection"), safety=n("safety"),
            reorder_point=n("reorder_point"), order_qty=n("order_qty"), below_reorder=st.get("low_reorder") == "1",
            below_safety=st.get("low_safety") == "1", abc=st.get("abc", ""), xyz=st.get("xyz", ""),
            pick_faces=_ints(faces), reserve_locations=_ints(reserves),
            forecast_method=st.get("forecast_method", ""), forecast_daily=float(st.get("forecast_daily", 0) or 0),
        )

    async def location(self, warehouse: str, location: str) -> LocationState:
        k = keys.key
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.hget(k(warehouse, "locations"), location)
            pipe.hmget(k(warehouse, "location", location), "min_units", "max_units", "capacity")
            pipe.hgetall(k(warehouse, "bin", location))
            pipe.hgetall(k(warehouse, "reserve_bin", location))
            pipe.hgetall(k(warehouse, "loc_state", location))
            kind, limits, face, reserve, held = await pipe.execute()
        kind = kind or ("pick_face" if face or "-A" in location else "reserve")
        units = _ints(face if kind == "pick_face" else reserve)
        async with self.client.pipeline(transaction=False) as pipe:
            for sku in units:
                pipe.hget(k(warehouse, "sku_alloc" if kind == "pick_face" else "reserve_alloc", sku), location)
            allocated = await pipe.execute()
        unavailable: dict[str, dict[str, int]] = {}
        for field, value in held.items():
            reason, _, sku = field.partition("|")
            unavailable.setdefault(reason, {})[sku] = int(value)
        return LocationState(
            location=location, kind=kind, min_units=int(limits[0] or 0), max_units=int(limits[1] or 0),
            capacity=int(limits[2] or 0), units=units,
            allocated={sku: int(a) for sku, a in zip(units, allocated, strict=True) if a and int(a)},
            unavailable=unavailable,
        )

    async def planned_skus(self, warehouse: str) -> list[str]:
        return sorted(await self.client.smembers(keys.key(warehouse, "planned_skus")))

    async def all_skus(self, warehouse: str) -> list[str]:
        return sorted(set(await self.client.hvals(keys.key(warehouse, "gtin"))))

    async def set_thresholds(
        self, warehouse: str, sku: str, safety: int, reorder: int, order_qty: int, source: str,
        abc: str = "", xyz: str = "",
    ) -> int:
        _repeat, raised = unwrap(await self.scripts.call(
            "set_thresholds", warehouse, sku, safety, reorder, order_qty, source, abc, xyz))
        return int(raised)

    async def configure_location(
        self, warehouse: str, location: str, kind: str, min_units: int, max_units: int, capacity: int,
        aisle: int, cell: int,
    ) -> None:
        unwrap(await self.scripts.call(
            "configure_location", warehouse, location, kind, min_units, max_units, capacity, aisle, cell))

    async def location_limits(self, warehouse: str) -> dict[str, dict[str, str]]:
        """Every configured location -> its hash (kind, min/max, capacity, aisle, cell)."""
        codes = sorted(await self.client.hkeys(keys.key(warehouse, "locations")))
        async with self.client.pipeline(transaction=False) as pipe:
            for code in codes:
                pipe.hgetall(keys.key(warehouse, "location", code))
            rows = await pipe.execute()
        return dict(zip(codes, rows, strict=True))

    async def request_replenish(
        self, warehouse: str, sku: str, face: str, urgent: bool, task_id: str, units: int
    ) -> str:
        _repeat, task = unwrap(await self.scripts.call(
            "request_replenish", warehouse, sku, face, 1 if urgent else 0, task_id, units))
        return str(task)

    async def receive(
        self, warehouse: str, command_id: str, sender: str, sku: str, qty: int, location: str, task_id: str,
        reason: str, from_order: bool,
    ) -> tuple[bool, str]:
        repeat, task = unwrap(await self.scripts.call(
            "receive_putaway", warehouse, command_id, sender, sku, qty, location, task_id, reason, COMMAND_TTL,
            1 if from_order else 0))
        return repeat, str(task)

    async def add_on_order(self, warehouse: str, command_id: str, sender: str, sku: str, qty: int) -> int:
        _repeat, on_order = unwrap(await self.scripts.call(
            "add_on_order", warehouse, command_id, sender, sku, qty, COMMAND_TTL))
        return int(on_order)

    async def scan_move(
        self, warehouse: str, picker: str, task_id: str, scan_id: str, kind: str, code: str, qty: int, ttl: int,
        raw: str, script: str = "scan_move", *extra: str,
    ) -> tuple[bool, str]:
        """``script``: scan_move (replenish, putaway), count_scan (count) or rma_scan (return, ``extra``:
        serial, lot)."""
        repeat, verdict = await self.scripts.call(
            script, warehouse, picker, task_id, scan_id, kind, code, qty, ttl, raw, *extra)
        return bool(repeat), verdict

    async def task_kind(self, warehouse: str, task_id: str) -> str:
        return str(await self.client.hget(keys.key(warehouse, "task", task_id), "kind") or "pick")

    async def follow(self, warehouse: str, stream: str, entries: list[list[str]], today: str,
                     tol_units: int, tol_pct: int) -> dict[str, Any]:
        _repeat, result = unwrap(await self.scripts.call(
            "plan_follow", warehouse, stream, msgspec.json.encode(entries), today, tol_units, tol_pct))
        decoded: dict[str, Any] = msgspec.json.decode(result)
        return decoded

    async def followed(self, warehouses: list[str]) -> list[str]:
        """The warehouses under planning: a follower cursor, a planned SKU, or any planning script run
        there (``plan:seq``: a configured location, a move task ...). Reads only."""
        async with self.client.pipeline(transaction=False) as pipe:
            for w in warehouses:
                pipe.exists(keys.key(w, "plan_cursor"), keys.key(w, "planned_skus"), keys.key(w, "plan_seq"))
            found = await pipe.execute()
        return [w for w, n in zip(warehouses, found, strict=True) if n]

    async def cursors(self, warehouse: str) -> dict[str, str]:
        found: dict[str, str] = await self.client.hgetall(keys.key(warehouse, "plan_cursor"))
        return found

    async def read_streams(self, warehouse: str, cursors: dict[str, str], block_ms: int) -> list[Any]:
        streams = {keys.key(warehouse, name): cursors.get(name, "$") for name in ("units", "events")}
        return list(await self.stream_client.xread(streams, count=500, block=block_ms) or [])

    async def stream_tip(self, warehouse: str, name: str) -> str:
        entries = await self.client.xrevrange(keys.key(warehouse, name), count=1)
        return str(entries[0][0]) if entries else "0-0"

    async def move_tasks(self, warehouse: str, limit: int = 500) -> list[MoveTask]:
        ids = await self.client.zrange(keys.key(warehouse, "move_tasks"), 0, limit - 1)
        async with self.client.pipeline(transaction=False) as pipe:
            for task_id in ids:
                pipe.hmget(keys.key(warehouse, "task", task_id), "kind", "status", "picker", "urgent", "sku",
                           "quantity", "created_ms")
            rows = await pipe.execute()
        return [MoveTask(t, r[0] or "", r[1] or "", r[2] or "", r[3] == "1", r[4] or "", int(r[5] or 0),
                         int(r[6] or 0)) for t, r in zip(ids, rows, strict=True)]

    async def suggestions(self, warehouse: str, limit: int = 200) -> list[Suggestion]:
        ids = await self.client.zrevrange(keys.key(warehouse, "suggestions"), 0, limit - 1)
        if not ids:
            return []
        texts = await self.client.mget([keys.key(warehouse, "suggestion", i) for i in ids])
        return [_suggestion.decode(text) for text in texts if text]

    async def demand(self, warehouse: str, sku: str) -> dict[str, int]:
        return _ints(await self.client.hgetall(keys.key(warehouse, "demand", sku)))

    async def record_demand(self, warehouse: str, sku: str, days: dict[str, int]) -> None:
        """Load shipped-units history (back-fill from an archive; the follower adds live picks)."""
        if days:
            await self.client.hset(keys.key(warehouse, "demand", sku), mapping=days)

    async def record_forecast(self, warehouse: str, sku: str, method: str, daily: float, sigma: float,
                              day: str) -> None:
        """The forecast behind the SKU's thresholds (read back in its stock state)."""
        await self.client.hset(keys.key(warehouse, "sku_state", sku), mapping={
            "forecast_method": method, "forecast_daily": f"{daily:.3f}", "forecast_sigma": f"{sigma:.3f}",
            "forecast_day": day})

    async def put_suggestions(self, warehouse: str, suggestions: list[Suggestion]) -> None:
        async with self.client.pipeline(transaction=False) as pipe:
            for s in suggestions:
                pipe.set(keys.key(warehouse, "suggestion", s.suggestion_id), msgspec.json.encode(s), ex=30 * 86400)
                pipe.zadd(keys.key(warehouse, "suggestions"), {s.suggestion_id: s.created_ms})
            await pipe.execute()

    async def transfer_step(self, script: str, warehouse: str, *args: str | int) -> str:
        """One transfer step (an xfer_*.lua script) in one warehouse; a repeat returns the status."""
        _repeat, status = unwrap(await self.scripts.call(script, warehouse, *args))
        return str(status)

    async def transfer(self, warehouse: str, transfer_id: str) -> dict[str, str]:
        record: dict[str, str] = await self.client.hgetall(keys.key(warehouse, "transfer", transfer_id))
        return record

    async def flow_state(self, warehouse: str, sku: str) -> dict[str, int]:
        st = await self.client.hgetall(keys.key(warehouse, "sku_state", sku))
        return {f: int(st.get(f, 0) or 0) for f in (*FLOW_STATES, *UNAVAILABLE_REASONS)}
