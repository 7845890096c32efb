"""Picking use cases: hand out tasks, validate scans (the hot path), record short picks.

The scan path is: classify the barcode (pure) -> one script validates and applies it and builds
the verdict -> the verdict JSON goes to the handheld as is.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, date, datetime
from typing import Any

import msgspec

from floor.catalog.barcodes import ScannedCode, classify_barcode
from floor.core.clock import DEFAULT_TIME_ZONE, expiry_key, local_today
from floor.core.errors import ConflictError, ValidationError
from floor.core.ids import check_id, new_id
from floor.layout.store import LayoutStore
from floor.picking.model import Presence, ReassignTask, SweepReport, TaskReassigned, TaskView
from floor.picking.store import PickingStore
from floor.waves.optimal import reroute_tail

_CODES: dict[str, ScannedCode] = {}  # barcode -> classification (pure, so cached; cleared when full)
_CODES_MAX = 20_000


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
        self, warehouse: str, picker: str, task_id: str, scan_id: str, barcode: str, quantity: int, mode: str = "",
    ) -> tuple[bool, str]:
        """Validate and apply one scan; returns (repeat, verdict JSON). ``mode``: '' or ``swap_tote``."""
        return await self.store.scan_call(warehouse, self.scan_args(picker, task_id, scan_id, barcode, quantity, mode))

    def scan_args(self, picker: str, task_id: str, scan_id: str, barcode: str, quantity: int,
                  mode: str = "") -> tuple[Any, ...]:
        """The scan script's arguments after the warehouse: the barcode classified (cached: a floor scans
        the same few thousand labels over and over), today's date and the expiry key."""
        code = _CODES.get(barcode)
        if code is None:
            if len(_CODES) >= _CODES_MAX:
                _CODES.clear()
            code = _CODES[barcode] = classify_barcode(barcode)
        today, day = self.today.get()
        expiry = expiry_key(code.expiry, day) if code.expiry else ""
        if code.expiry and not expiry:
            expiry = "00000000"  # an impossible GS1 date reads as expired, never as fine
        return self.store.scan_args(picker, task_id, scan_id, code.kind, code.value, quantity, code.lot, expiry, today,
                                    barcode, code.serial, code.count, code.weight_g, mode)

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

    # -- presence: a picker is present while a socket on any node holds an unexpired lease --------

    async def join(self, warehouse: str, picker: str, socket_id: str, ttl_ms: int) -> bool:
        """A socket of the picker opened on this node: its lease starts. The caller then asks
        :meth:`assign` and renews the lease every third of ``ttl_ms``. True if it was absent."""
        return await self.store.join(warehouse, picker, socket_id, _check_ttl(ttl_ms))

    async def renew(self, warehouse: str, picker: str, socket_id: str, ttl_ms: int) -> bool:
        """Heartbeat. True when the lease had run out (the picker is present again and, if it held
        no task, got the next one through a task_assigned event)."""
        return await self.store.renew(warehouse, picker, socket_id, _check_ttl(ttl_ms))

    async def renew_many(self, warehouse: str, leases: list[tuple[str, str, int]]) -> list[str]:
        """Heartbeats of many sockets ((picker, socket id, ttl ms) each) in one call: the pickers that
        had run out (present again, as :meth:`renew`)."""
        return await self.store.renew_many(warehouse, [(p, s, _check_ttl(t)) for p, s, t in leases])

    async def leave(self, warehouse: str, picker: str, socket_id: str) -> bool:
        """The socket closed: only its own lease goes. True when the picker is absent now."""
        return await self.store.leave(warehouse, picker, socket_id)

    async def sweep(self, warehouse: str, grace_ms: int) -> SweepReport:
        """Expire leases; after ``grace_ms`` of absence take back unstarted tasks and raise a
        ``picker_absent`` exception for started ones. Idempotent: every node runs it every ~2 s."""
        if grace_ms < 0:
            raise ValidationError("grace must not be negative")
        return await self.store.sweep(warehouse, grace_ms, new_id("X"))

    async def presence(self, warehouse: str, picker: str) -> Presence:
        return await self.store.presence(warehouse, picker)

    async def reassign(self, warehouse: str, task_id: str, command: ReassignTask, sender: str) -> TaskReassigned:
        """A supervisor moves a task to a present picker (or back to the queue with ``picker`` '').
        Idempotent on (sender, command_id). ConflictError (``not_present``) for an absent picker."""
        check_id(command.command_id)
        check_id(task_id, "task_id")
        if command.picker:
            check_id(command.picker, "picker")
        return await self.store.reassign(warehouse, task_id, command.picker, sender, command.command_id)


def _check_ttl(ttl_ms: int) -> int:
    if not 100 <= ttl_ms <= 3_600_000:
        raise ValidationError("a presence lease lasts 100 ms .. 1 h")
    return ttl_ms
