"""Put-back in Redis: the two scripts (``putback/lua/putback_cancel.lua``, ``putback_scan.lua``) and
a read of a put-back task (its steps and the units booked back)."""

from __future__ import annotations

from typing import Any

import msgspec

from floor.putback.model import PutBackTask
from floor.store import keys
from floor.store.results import unwrap
from floor.store.scripts import Scripts


class PutBackStore:
    def __init__(self, client: Any, scripts: Scripts) -> None:
        self.client = client
        self.scripts = scripts

    async def cancel(self, warehouse: str, order_id: str, reason: str, task_id: str) -> tuple[bool, str]:
        """(repeat, put-back task id or '') — raises like every script result (not found, illegal)."""
        repeat, task = unwrap(await self.scripts.call("putback_cancel", warehouse, order_id, reason, task_id))
        return bool(repeat), str(task)

    async def reduce(self, warehouse: str, order_id: str, out: dict[str, int], ref: str, task_id: str,
                     reason: str) -> tuple[bool, str]:
        """A line refund on the floor (``putback_reduce.lua``): (repeat, put-back task id or '')."""
        repeat, task = unwrap(await self.scripts.call("putback_reduce", warehouse, order_id, msgspec.json.encode(out),
                                                      ref, task_id, reason))
        return bool(repeat), str(task)

    async def task(self, warehouse: str, task_id: str) -> PutBackTask | None:
        fields = await self.client.hgetall(keys.key(warehouse, "task", task_id))
        if not fields or fields.get("kind") != "putback":
            return None
        raws = await self.client.lrange(keys.key(warehouse, "steps", task_id), 0, -1)
        steps = []
        for i, raw in enumerate(raws, start=1):
            step = msgspec.json.decode(raw)
            steps.append((step["location"], step["sku"], int(step["quantity"]), int(fields.get(f"got|{i}", 0))))
        return PutBackTask(task_id, fields["status"], fields.get("order_id", ""), int(fields.get("units", 0)),
                           sum(s[3] for s in steps), steps)
