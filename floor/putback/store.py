"""Put-back in Redis: the scripts (``putback/lua/putback_cancel.lua``, ``putback_reduce.lua``,
``putback_scan.lua``) and a read of a put-back task (its steps, where its units are collected, the
units booked back)."""

from __future__ import annotations

from typing import Any

import msgspec

from floor.core.errors import ConflictError
from floor.putback.model import PutBackTask
from floor.store import keys
from floor.store.results import unwrap
from floor.store.scripts import Scripts


class Cancelled(msgspec.Struct, frozen=True):
    repeat: bool
    task_id: str  # the put-back task ('' = no unit was picked)
    voided: str  # the shipment voided ('' = none, or an open pack session without a label)
    packed: bool  # the order was on a pack bench (session or shipment): its parcel is void


class PutBackStore:
    def __init__(self, client: Any, scripts: Scripts) -> None:
        self.client = client
        self.scripts = scripts

    async def cancel(self, warehouse: str, order_id: str, reason: str, task_id: str, shipment_id: str = "",
                     owner: str = "", station: str = "") -> Cancelled:
        """The script's answer; raises like every script result (not found, illegal, conflict) and
        ConflictError code 'shipped' when the carrier already has the order's parcel."""
        result = await self.scripts.call("putback_cancel", warehouse, order_id, reason, task_id, shipment_id,
                                         owner, station)
        if result[0] == "shipped":
            raise ConflictError(str(result[1]), code="shipped")
        repeat, task = unwrap(result)
        return Cancelled(bool(repeat), str(task), str(result[2]), bool(int(result[3])))

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
                           sum(s[3] for s in steps), steps, fields.get("source", "tote"), fields.get("station", ""),
                           fields.get("shipment", ""))
