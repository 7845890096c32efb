"""Put-wall sorting in Redis: the sort task is a ``task:<id>`` hash (kind ``sort``, ``tour``,
``wall``) with its steps; ``sort:<id>:tote`` (SKU -> units picked, not yet sorted) and
``sort:<id>:slots`` ("s|<step>" -> units sorted, "hold" -> the unit in hand). Scans go through
``sorting/lua/sort_scan.lua``."""

from __future__ import annotations

from typing import Any

import msgspec

from floor.core.errors import NotFoundError
from floor.picking.model import Step
from floor.sorting.model import SlotRef, SortLine, SortView
from floor.store import keys
from floor.store.scripts import Scripts

_steps = msgspec.json.Decoder(Step)


class SortStore:
    def __init__(self, client: Any, scripts: Scripts) -> None:
        self.client = client
        self.scripts = scripts

    async def scan(self, warehouse: str, picker: str, task_id: str, scan_id: str, kind: str, code: str, ttl: int,
                   raw: str) -> tuple[bool, str]:
        repeat, verdict = await self.scripts.call("sort_scan", warehouse, picker, task_id, scan_id, kind, code, ttl, raw)
        return bool(repeat), str(verdict)

    async def view(self, warehouse: str, task_id: str) -> SortView:
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.hgetall(keys.key(warehouse, "task", task_id))
            pipe.lrange(keys.key(warehouse, "steps", task_id), 0, -1)
            pipe.hgetall(keys.key(warehouse, "sort_tote", task_id))
            pipe.hgetall(keys.key(warehouse, "sort_slots", task_id))
            fields, raw_steps, tote, slots = await pipe.execute()
        if not fields or fields.get("kind") != "sort":
            raise NotFoundError(f"sort task '{task_id}' does not exist in {warehouse}")
        steps = [_steps.decode(s) for s in raw_steps]
        lines = [SortLine(SlotRef(s.tote, s.location, s.order_id), s.sku, s.quantity, int(slots.get(f"s|{i}", 0)))
                 for i, s in enumerate(steps, start=1)]
        hold = msgspec.json.decode(slots["hold"]) if "hold" in slots else None
        return SortView(
            task_id=task_id, tour_id=fields.get("tour", ""), status=fields["status"], picker=fields.get("picker", ""),
            wall=fields.get("wall", ""), in_tote={sku: int(n) for sku, n in sorted(tote.items())}, lines=lines,
            in_hand=lines[int(hold["step"]) - 1].slot if hold else None,
        )
