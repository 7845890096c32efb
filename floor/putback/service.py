"""Put-back use cases: cancel an order that is already on the floor (picking stops, picked units go
back through a put-back task) and read a put-back task. The scans of the task come through the
handheld socket like every task kind (floor/planning/service.py routes kind ``putback`` to
``putback_scan.lua``). Callers: floor/channels/confirm.py (platform cancels, routing cancels).
"""

from __future__ import annotations

from floor.core.errors import NotFoundError
from floor.core.ids import new_id
from floor.putback.model import PutBackResult, PutBackTask
from floor.putback.store import PutBackStore


class PutBacks:
    def __init__(self, store: PutBackStore) -> None:
        self.store = store

    async def cancel_released(self, warehouse: str, order_id: str, reason: str) -> str:
        """'put_back' once the order is cancelled on the floor (safe to repeat); raises when the
        order is in no state to cancel here (shipped, packed ...)."""
        return (await self.cancel(warehouse, order_id, reason)).outcome

    async def cancel(self, warehouse: str, order_id: str, reason: str) -> PutBackResult:
        repeat, task_id = await self.store.cancel(warehouse, order_id, reason[:200], new_id("T"))
        return PutBackResult(order_id, "put_back", task_id, repeat)

    async def refund(self, warehouse: str, order_id: str, out: dict[str, int], ref: str, reason: str) -> PutBackResult:
        """Take ``out`` units per SKU off an order on the floor (a line refund after release): unpicked
        steps shrink first, picked units go back through a put-back task. Idempotent on ``ref``."""
        out = {sku: n for sku, n in out.items() if n > 0}
        if not out:
            return PutBackResult(order_id, "unchanged")
        repeat, task_id = await self.store.reduce(warehouse, order_id, out, ref[:100], new_id("T"), reason[:200])
        return PutBackResult(order_id, "put_back", task_id, repeat)

    async def task(self, warehouse: str, task_id: str) -> PutBackTask:
        task = await self.store.task(warehouse, task_id)
        if task is None:
            raise NotFoundError(f"no put-back task '{task_id}' in {warehouse}")
        return task
