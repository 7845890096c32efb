"""Count use cases: request a blind count (by location or SKU), decide a held variance, and queue
the counts due by ABC class. Counting never blocks picking: no location is locked; a variance is
measured against the units recorded at the moment the counter finishes the location."""

from __future__ import annotations

import time

from floor.core.errors import ValidationError
from floor.core.ids import check_id, new_id
from floor.counting.model import (
    ABC_INTERVAL_DAYS,
    DECISIONS,
    CountDecision,
    CountRequest,
    CountView,
    Scheduled,
    ScheduleRequest,
    due_skus,
)
from floor.counting.store import CountStore
from floor.planning.store import PlanningStore


class Counting:
    def __init__(self, store: CountStore, planning: PlanningStore) -> None:
        self.store = store
        self.planning = planning

    async def request(self, warehouse: str, command: CountRequest, sender: str, reason: str = "on_demand") -> CountView:
        check_id(command.command_id)
        if bool(command.location) == bool(command.sku):
            raise ValidationError("give a location or a SKU to count (one of them)")
        if not (0 <= command.tolerance_units <= 100_000 and 0 <= command.tolerance_pct <= 100):
            raise ValidationError("tolerance_units must be 0..100000 and tolerance_pct 0..100")
        if command.location and not command.location.startswith(warehouse + "-"):
            raise ValidationError(f"location {command.location} is not in warehouse {warehouse}")
        if command.location:
            targets = [(command.location, "")]
        else:
            await self.planning.state(warehouse, command.sku)  # NotFoundError for an unknown SKU
            targets = [(loc, command.sku) for loc in await self.store.sku_locations(warehouse, command.sku)]
            if not targets:
                raise ValidationError(f"{command.sku} is at no location: nothing to count")
        _repeat, task_id = await self.store.request(warehouse, command.command_id, sender, new_id("C"), targets,
                                                    command.tolerance_units, command.tolerance_pct, reason)
        return await self.store.view(warehouse, task_id)

    async def view(self, warehouse: str, count_id: str) -> CountView:
        return await self.store.view(warehouse, count_id)

    async def pending(self, warehouse: str) -> list[CountView]:
        return [await self.store.view(warehouse, i) for i in await self.store.pending(warehouse)]

    async def decide(self, warehouse: str, count_id: str, command: CountDecision, by: str) -> CountView:
        if command.decision not in DECISIONS:
            raise ValidationError(f"decision must be one of {', '.join(DECISIONS)}")
        await self.store.decide(warehouse, count_id, command.decision, by, command.note[:200])
        return await self.store.view(warehouse, count_id)

    async def schedule(self, warehouse: str, command: ScheduleRequest, sender: str) -> Scheduled:
        """Queue one count by SKU for each SKU due by its ABC class (idempotent per command id and SKU)."""
        check_id(command.command_id)
        if not 1 <= command.limit <= 1000:
            raise ValidationError("limit must be 1..1000")
        intervals = dict(ABC_INTERVAL_DAYS)
        for cls, days in (("A", command.a_days), ("B", command.b_days), ("C", command.c_days)):
            if days < 0 or days > 3650:
                raise ValidationError("interval days must be 0..3650")
            if days:
                intervals[cls] = days
        classes = await self.store.classes(warehouse, await self.planning.all_skus(warehouse))
        due = due_skus(classes, int(time.time() * 1000), intervals, command.limit)
        ids = []
        for sku in due:
            locations = await self.store.sku_locations(warehouse, sku)
            if not locations:
                continue
            _r, task_id = await self.store.request(
                warehouse, f"{command.command_id}:{sku}", sender, new_id("C"), [(loc, sku) for loc in locations],
                0, 2, "abc_schedule")
            ids.append(task_id)
        return Scheduled(ids, due)
