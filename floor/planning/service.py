"""Planning use cases: stock states, thresholds, pick face limits, replenishment, receipts with
putaway, move-task scans, suggestions, and the follower that applies picks to planning.

The follower (:class:`PlanFollower`) reads the warehouse's ``units`` and ``events`` Streams from
the cursor kept in Redis and hands each batch to ``plan_follow.lua``, which applies every entry
once however many followers run (one per web node): demand history, low-stock crossings (one
``low_stock`` exception each, re-armed when stock climbs back), pick face min checks and the
urgent replenishment + on-demand count after a short pick.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from floor.catalog.barcodes import classify_barcode
from floor.core.errors import NotFoundError, ValidationError
from floor.core.ids import check_id, new_id
from floor.layout.model import Layout
from floor.planning.model import (
    FLOW_STATES,
    UNAVAILABLE_REASONS,
    LocationLimits,
    LocationState,
    MoveTask,
    OnOrder,
    Queued,
    Receipt,
    ReplenishRequest,
    StockState,
    Suggestion,
    Thresholds,
    WarehouseState,
    check_units,
    suggest_location,
)
from floor.planning.slotting import SlottingProposal, propose
from floor.planning.store import PlanningStore

log = logging.getLogger("floor.planning")
_RESERVE_CODE = re.compile(r"[A-Z][A-Z0-9]{0,7}-[A-Z0-9][A-Z0-9-]{0,23}")
COUNT_TOLERANCE_UNITS = 0  # a variance of at most this many units is booked without approval
COUNT_TOLERANCE_PCT = 2  # ... or of at most this percentage of the expected units


def _check(reason: str | None) -> None:
    if reason:
        raise ValidationError(reason)


def classify(raw: str) -> tuple[str, str]:
    """(kind, value) of a scanned code; reserve location codes (``W1-R01-01``) are locations too."""
    code = classify_barcode(raw)
    if code.kind == "unknown" and _RESERVE_CODE.fullmatch(raw.strip()):
        return "location", raw.strip()
    return code.kind, code.value


class Planning:
    def __init__(self, store: PlanningStore, scan_ttl_s: int) -> None:
        self.store = store
        self.scan_ttl_s = scan_ttl_s

    async def state(self, warehouse: str, sku: str) -> StockState:
        return await self.store.state(warehouse, sku)

    async def location(self, warehouse: str, location: str) -> LocationState:
        return await self.store.location(warehouse, location)

    async def warehouse_state(self, warehouse: str) -> WarehouseState:
        """Totals over every SKU of the catalog (a read of each SKU: for dashboards, not hot paths)."""
        totals = dict.fromkeys(("on_hand", "reserved", "available", "reserve", "allocated",
                                *UNAVAILABLE_REASONS, *FLOW_STATES), 0)
        below: list[str] = []
        skus = await self.store.all_skus(warehouse)
        for sku in skus:
            try:
                s = await self.store.state(warehouse, sku)
            except NotFoundError:
                continue
            for field in ("on_hand", "reserved", "available", "reserve", "allocated", *FLOW_STATES):
                totals[field] += getattr(s, field)
            for reason, units in s.unavailable.items():
                totals[reason] += units
            if s.below_reorder:
                below.append(sku)
        return WarehouseState(warehouse, len(skus), totals, below)

    async def set_thresholds(self, warehouse: str, command: Thresholds, source: str = "manual") -> StockState:
        for field in ("safety", "reorder_point", "order_qty"):
            _check(check_units(getattr(command, field), field))
        await self.store.set_thresholds(warehouse, command.sku, command.safety, command.reorder_point,
                                        command.order_qty, source)
        return await self.store.state(warehouse, command.sku)

    async def configure_location(self, warehouse: str, command: LocationLimits) -> LocationState:
        if command.kind not in ("pick_face", "reserve"):
            raise ValidationError("kind must be pick_face or reserve")
        for field in ("min_units", "max_units", "capacity", "aisle", "cell"):
            _check(check_units(getattr(command, field), field))
        if command.max_units and command.min_units > command.max_units:
            raise ValidationError("min_units must not exceed max_units")
        if not command.location.startswith(warehouse + "-"):
            raise ValidationError(f"location {command.location} is not in warehouse {warehouse}")
        await self.store.configure_location(warehouse, command.location, command.kind, command.min_units,
                                            command.max_units, command.capacity, command.aisle, command.cell)
        return await self.store.location(warehouse, command.location)

    async def replenish(self, warehouse: str, command: ReplenishRequest) -> Queued:
        _check(check_units(command.units, "units"))
        task = await self.store.request_replenish(warehouse, command.sku, command.location, command.urgent,
                                                  new_id("R"), command.units)
        return Queued(task, location=command.location)

    async def receive(self, warehouse: str, command: Receipt, sender: str, reason: str = "receipt") -> Queued:
        """Book received units at the dock and queue their putaway (to ``location`` or the suggested one)."""
        check_id(command.command_id)
        _check(check_units(command.quantity, "quantity", 1))
        location = command.location or await self.suggest(warehouse, command.sku, command.quantity)
        if not location:
            raise ValidationError(f"no location known for {command.sku}: give one, or configure reserve locations")
        repeat, task = await self.store.receive(warehouse, command.command_id, sender, command.sku, command.quantity,
                                                location, new_id("P"), reason, command.from_order)
        return Queued(task, repeat, location)

    async def suggest(self, warehouse: str, sku: str, qty: int) -> str:
        state = await self.store.state(warehouse, sku)
        limits = await self.store.location_limits(warehouse)
        faces = {loc: (units, int(limits.get(loc, {}).get("max_units", 0) or limits.get(loc, {}).get("capacity", 0)
                                  or 0)) for loc, units in state.pick_faces.items()}
        reserves = {loc: (int(row.get("aisle", 0) or 0), int(row.get("cell", 0) or 0))
                    for loc, row in limits.items() if row.get("kind") == "reserve"}
        face_aisle = 0
        if state.pick_faces:
            match = re.search(r"-A([0-9]+)-", min(state.pick_faces))
            face_aisle = int(match.group(1)) if match else 0
        return suggest_location(qty, faces, reserves, face_aisle)

    async def add_on_order(self, warehouse: str, command: OnOrder, sender: str) -> StockState:
        check_id(command.command_id)
        _check(check_units(command.quantity, "quantity", 1))
        await self.store.add_on_order(warehouse, command.command_id, sender, command.sku, command.quantity)
        return await self.store.state(warehouse, command.sku)

    async def task_kind(self, warehouse: str, task_id: str) -> str:
        return await self.store.task_kind(warehouse, task_id)

    async def scan(self, warehouse: str, picker: str, task_id: str, scan_id: str, barcode: str, quantity: int,
                   kind: str) -> tuple[bool, str]:
        """A scan of a non-pick task (``kind`` replenish | putaway | count | return): (repeat, verdict
        JSON). A return receipt's scan goes to ``returns/lua/rma_scan.lua`` with the GS1 serial and lot."""
        code_kind, value = classify(barcode)
        if kind == "return":
            code = classify_barcode(barcode)
            return await self.store.scan_move(warehouse, picker, task_id, scan_id, code_kind, value, quantity,
                                              self.scan_ttl_s, barcode, "rma_scan", code.serial, code.lot)
        if kind == "putback":  # issue 7: a put-back task (floor/putback/lua/putback_scan.lua)
            return await self.store.scan_move(warehouse, picker, task_id, scan_id, code_kind, value, quantity,
                                              self.scan_ttl_s, barcode, "putback_scan")
        script = "count_scan" if kind == "count" else "scan_move"
        return await self.store.scan_move(warehouse, picker, task_id, scan_id, code_kind, value, quantity,
                                          self.scan_ttl_s, barcode, script)

    async def slotting(self, warehouse: str, layout: Layout, top: int = 20, days: int = 28) -> SlottingProposal:
        """Propose moving the fastest movers (units shipped in the last ``days``) near the depot."""
        if not 1 <= top <= 500:
            raise ValidationError("top must be 1..500")
        since = (datetime.now(UTC) - timedelta(days=days)).strftime("%Y%m%d")
        faces: dict[str, str] = {}
        demand: dict[str, float] = {}
        for sku in await self.store.all_skus(warehouse):
            state = await self.store.state(warehouse, sku)
            if state.pick_faces:
                faces[sku] = min(state.pick_faces)
                history = await self.store.demand(warehouse, sku)
                demand[sku] = float(sum(units for day, units in history.items() if day >= since))
        return await asyncio.to_thread(propose, layout, faces, demand, top)

    async def move_tasks(self, warehouse: str) -> list[MoveTask]:
        return await self.store.move_tasks(warehouse)

    async def suggestions(self, warehouse: str) -> list[Suggestion]:
        return await self.store.suggestions(warehouse)


class PlanFollower:
    """Follows each warehouse's Streams and applies them to planning (see the module docstring).
    ``warehouses``: a list, or an async callable re-asked every ``discover_s``: of those, the ones under
    planning (a threshold, a configured location or a cursor) get a follower task. A follower started
    late resumes from the Redis cursor. Run it with a store whose ``stream_client`` is its own pool."""

    def __init__(self, store: PlanningStore, warehouses: list[str] | Callable[[], Awaitable[list[str]]],
                 block_ms: int = 2000, discover_s: float = 2.0,
                 restocked: Callable[[str, str], Awaitable[object]] | None = None) -> None:
        self.store = store
        self.restocked = restocked  # (warehouse, sku): units came onto a pick face: retry its backorders
        self.warehouses = warehouses
        self.block_ms = block_ms
        self.discover_s = discover_s
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.read_from: dict[str, dict[str, str]] = {}  # warehouse -> stream -> last entry id read
        self.watcher: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.watcher = asyncio.create_task(self._discover(), name="plan-follower")

    async def _discover(self) -> None:
        while True:
            try:
                found = self.warehouses if isinstance(self.warehouses, list) else await self.store.followed(
                    await self.warehouses())
                for warehouse in found:
                    if warehouse not in self.tasks:
                        self.tasks[warehouse] = asyncio.create_task(self.run(warehouse))
            except asyncio.CancelledError:
                raise
            except Exception as error:  # Redis down: the next round tries again
                log.warning("planning follower discovery failed: %s", error)
            await asyncio.sleep(self.discover_s)

    async def stop(self) -> None:
        for task in [*self.tasks.values(), *([self.watcher] if self.watcher else [])]:
            task.cancel()
        for task in [*self.tasks.values(), *([self.watcher] if self.watcher else [])]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.tasks.clear()

    async def step(self, warehouse: str, block_ms: int | None = None) -> int:
        """Read and apply one batch; returns the entries applied. The Redis cursor is read once per
        warehouse; after that this follower reads on from what it last read (the script skips
        whatever another follower applied already)."""
        cursors = self.read_from.get(warehouse)
        if cursors is None:
            cursors = await self.store.cursors(warehouse)
            for name in ("units", "events"):
                if name not in cursors:  # first run: start at the tip (history is not replayed); the
                    # cursor is written by the first batch applied (starting writes nothing)
                    cursors[name] = await self.store.stream_tip(warehouse, name)
            self.read_from[warehouse] = cursors
        applied = 0
        today = datetime.now(UTC).strftime("%Y%m%d")
        for stream_key, entries in await self.store.read_streams(warehouse, cursors, block_ms or self.block_ms):
            name = "units" if str(stream_key).endswith(":units") else "events"
            batch = [[entry_id, fields.get("type", ""), fields.get("data", "{}")] for entry_id, fields in entries]
            result = await self.store.follow(warehouse, name, batch, today, COUNT_TOLERANCE_UNITS,
                                             COUNT_TOLERANCE_PCT)
            applied += int(result["applied"])
            if batch:  # only once applied: a failed batch is read again
                cursors[name] = batch[-1][0]
            if self.restocked is not None and name == "events":
                for sku in _restocked_skus(entries):
                    await self.restocked(warehouse, sku)
        return applied

    async def run(self, warehouse: str) -> None:
        while True:
            try:
                await self.step(warehouse)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("planning follower %s: batch failed, retrying", warehouse, exc_info=True)
                self.read_from.pop(warehouse, None)  # start again from the cursor in Redis
                await asyncio.sleep(1.0)


_RESTOCK_REASONS = frozenset({"putaway", "replenish", "cycle_count"})


def _restocked_skus(entries: list[tuple[str, dict[str, str]]]) -> list[str]:
    """SKUs a planning move put units on a pick face for (their backorders may be reserved now).
    A receipt through /api/inventory retries backorders itself; these moves come from scans."""
    skus: list[str] = []
    for _entry_id, fields in entries:
        if fields.get("type") == "stock_adjusted":
            data = json.loads(fields.get("data", "{}"))
            if data.get("reason") in _RESTOCK_REASONS and int(data.get("delta", 0)) > 0 and data["sku"] not in skus:
                skus.append(str(data["sku"]))
    return skus
