"""Waves in Redis: the ``wave:<id>`` hash, the ``waves`` set by release time, the tasks the
release creates (through ``release_wave.lua``) and the planning state of a wave a worker plans
(``wavejob:<id>``: queued, planning, committed or failed with the reason)."""

from __future__ import annotations

from typing import Any

import msgspec

from floor.core.errors import ConflictError, NotFoundError
from floor.orders.model import ORDER_LIFECYCLE
from floor.store import keys
from floor.store.results import unwrap
from floor.store.scripts import Scripts
from floor.waves.model import WavePlan, WaveView

_RELEASE_FROM = msgspec.json.encode(ORDER_LIFECYCLE.sources("release"))
JOB_TTL = 7 * 24 * 3600


class WavePlanning(msgspec.Struct, frozen=True):
    """Where a worker-planned wave is: queued, planning, committed or failed (with the reason)."""

    wave_id: str
    state: str
    reason: str = ""
    updated_ms: int = 0
    attempts: int = 0


class WaveStore:
    def __init__(self, client: Any, scripts: Scripts) -> None:
        self.client = client
        self.scripts = scripts

    async def release(self, warehouse: str, plan: WavePlan, sender: str = "") -> bool:
        """Commit a planned wave; True when the sender's wave already existed (a repeat).
        ConflictError ``taken`` when another sender's wave has this id."""
        body = {
            "orders": plan.order_ids,
            "tasks": [
                {"task_id": task.task_id, "units": sum(step.quantity for step in task.steps),
                 "steps": [msgspec.json.encode(step).decode() for step in task.steps]}
                for task in plan.tasks
            ],
            "allocations": plan.allocations,
        }
        result = await self.scripts.call(
            "release_wave", warehouse, plan.wave_id, msgspec.json.encode(body), _RELEASE_FROM, sender
        )
        repeat, _ = unwrap(result)
        return bool(repeat)

    async def get(self, warehouse: str, wave_id: str) -> WaveView:
        fields = await self.client.hgetall(keys.key(warehouse, "wave", wave_id))
        if not fields:
            raise NotFoundError(f"wave '{wave_id}' does not exist in {warehouse}")
        return _wave(wave_id, fields)

    async def recent(self, warehouse: str, limit: int = 20) -> list[WaveView]:
        ids = await self.client.zrevrange(keys.key(warehouse, "waves"), 0, limit - 1)
        async with self.client.pipeline(transaction=False) as pipe:
            for wave_id in ids:
                pipe.hgetall(keys.key(warehouse, "wave", wave_id))
            rows = await pipe.execute()
        return [_wave(w, f) for w, f in zip(ids, rows, strict=True) if f]

    async def planning(self, warehouse: str, wave_id: str) -> WavePlanning | None:
        fields = await self.client.hgetall(keys.key(warehouse, "wave_job", wave_id))
        if not fields:
            return None
        return WavePlanning(wave_id, fields["state"], fields.get("reason", ""), int(fields.get("updated_ms", 0)),
                            int(fields.get("attempts", 0)))

    async def set_planning(self, warehouse: str, wave_id: str, state: str, reason: str, now_ms: int) -> None:
        key = keys.key(warehouse, "wave_job", wave_id)
        await self.client.hset(key, mapping={"state": state, "reason": reason[:500], "updated_ms": now_ms})
        if state == "queued":
            await self.client.hincrby(key, "attempts", 1)
        await self.client.expire(key, JOB_TTL)

    async def claim_queue(self, warehouse: str, wave_id: str, now_ms: int, sender: str = "") -> bool:
        """Mark a wave queued unless it is already queued or planning; True when this call did.
        ConflictError ``taken`` when another sender's wave has this id."""
        key = keys.key(warehouse, "wave_job", wave_id)
        state, by = await self.client.hmget(key, "state", "by")
        if state is not None and (by or "") != sender:
            raise ConflictError(f"the id '{wave_id}' is already used by another sender: choose another",
                                code="taken")
        if state in ("queued", "planning", "committed"):
            return False
        await self.set_planning(warehouse, wave_id, "queued", "", now_ms)
        await self.client.hset(key, "by", sender)
        return True


def _wave(wave_id: str, f: dict[str, Any]) -> WaveView:
    return WaveView(
        wave_id=wave_id, status=f["status"], orders=msgspec.json.decode(f["orders"]),
        tasks=msgspec.json.decode(f["tasks"]), units=int(f["units"]), picked_units=int(f["picked_units"]),
        short_units=int(f.get("short_units", 0)), tasks_open=int(f["tasks_open"]),
        released_ms=int(f["released_ms"]), released_by=f.get("by", ""),
    )
