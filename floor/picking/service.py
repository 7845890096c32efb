"""Picking use cases: hand out tasks, validate scans (the hot path), record short picks.

The scan path is: classify the barcode (pure) -> one script validates and applies it and builds
the verdict -> the verdict JSON goes to the handheld as is.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, date, datetime

import msgspec

from floor.catalog.barcodes import classify_barcode
from floor.core.clock import DEFAULT_TIME_ZONE, expiry_key, local_today
from floor.core.errors import ConflictError, ValidationError
from floor.core.ids import new_id
from floor.layout.store import LayoutStore
from floor.picking.model import TaskView
from floor.picking.store import PickingStore
from floor.waves.optimal import reroute_tail


class _Today:
    """Today's date in the warehouse time zone, recomputed at most once a minute (scan path)."""

    def __init__(self, time_zone: str = DEFAULT_TIME_ZONE) -> None:
        self.time_zone = time_zone
        self.checked = 0.0
        self.date = local_today(time_zone)
        self.text = self.date.strftime("%Y%m%d")

    def get(self) -> tuple[str, date]:
        now = time.monotonic()
        if now - self.checked > 60:
            self.checked = now
            self.date = local_today(self.time_zone, datetime.now(UTC))
            self.text = self.date.strftime("%Y%m%d")
        return self.text, self.date


class Picking:
    def __init__(self, store: PickingStore, layouts: LayoutStore, time_zone: str = DEFAULT_TIME_ZONE) -> None:
        self.store = store
        self.layouts = layouts
        self.today = _Today(time_zone)

    async def assign(self, warehouse: str, picker: str) -> str:
        return await self.store.assign(warehouse, picker)

    async def task(self, warehouse: str, task_id: str) -> TaskView:
        return await self.store.task(warehouse, task_id)

    async def scan(
        self, warehouse: str, picker: str, task_id: str, scan_id: str, barcode: str, quantity: int
    ) -> tuple[bool, str]:
        """Validate and apply one scan; returns (repeat, verdict JSON)."""
        code = classify_barcode(barcode)
        today, day = self.today.get()
        expiry = expiry_key(code.expiry, day) if code.expiry else ""
        if code.expiry and not expiry:
            expiry = "00000000"  # an impossible GS1 date reads as expired, never as fine
        return await self.store.scan(
            warehouse, picker, task_id, scan_id, code.kind, code.value, quantity, code.lot, expiry, today, barcode,
        )

    async def short_pick(
        self, warehouse: str, picker: str, task_id: str, request_id: str, step: int, found: int
    ) -> tuple[bool, str]:
        if not 0 <= found <= 100_000:
            raise ValidationError("found must be 0..100000")
        repeat, result = await self.store.short_pick(warehouse, picker, task_id, request_id, step, found, new_id("X"))
        if not repeat and msgspec.json.decode(result).get("relocated", 0) > 0:
            await self._reroute(warehouse, task_id)
        return repeat, result

    async def _reroute(self, warehouse: str, task_id: str) -> None:
        """Put a task's unvisited steps (new ones were appended at the end) back in route order.

        Best effort: if the picker scanned meanwhile the script refuses and the order stays.
        """
        task = await self.store.task(warehouse, task_id)
        if task.status != "assigned" or task.step + 2 >= len(task.steps):
            return
        layout = await self.layouts.get(warehouse)
        tail = await asyncio.to_thread(reroute_tail, layout, task.steps[task.step + 1:])
        if tail != task.steps[task.step + 1:]:
            with contextlib.suppress(ConflictError):
                await self.store.reorder_steps(warehouse, task_id, task.step, len(task.steps), tail)

    async def picker_away(self, warehouse: str, picker: str) -> None:
        """The picker's last socket on this node closed: stop handing it new tasks."""
        await self.store.picker_away(warehouse, picker)
