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
from floor.waves.policy import Decision, PolicyView

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
                {"task_id": task.task_id, "units": 0 if task.kind == "sort" else sum(s.quantity for s in task.steps),
                 "steps": [msgspec.json.encode(step).decode() for step in task.steps],
                 **({"kind": task.kind, "waits": task.waits, "fields": task.fields} if task.kind != "pick"
                    or task.waits or task.fields else {})}
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

    async def zones(self, warehouse: str) -> list[tuple[str, int, int]]:
        """The layout's zones tied to aisles: (name, first aisle, last aisle), from the site master data."""
        raw = await self.client.hget(keys.key(warehouse, "site"), "zones")
        rows = msgspec.json.decode(raw) if raw else []
        return [(str(z["name"]), int(z.get("first_aisle", 0)), int(z.get("last_aisle", 0)))
                for z in rows if int(z.get("first_aisle", 0)) > 0]

    async def put_wall(self, warehouse: str) -> str:
        """The put wall's slot label prefix (site master data ``put_wall``; default ``PW``)."""
        return str(await self.client.hget(keys.key(warehouse, "site"), "put_wall") or "PW")

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


class ReleaseStore:
    """The release policy of a warehouse, its recorded decisions, the releaser's lease, and the
    floor state a decision reads (pickers present / idle, tasks ready, units picked recently)."""

    def __init__(self, client: Any, scripts: Scripts) -> None:
        self.client = client
        self.scripts = scripts

    async def categories(self, warehouse: str, skus: list[str]) -> dict[str, str]:
        """Each SKU's ``category`` attribute (master data, skus.csv); '' = none."""
        async with self.client.pipeline(transaction=False) as pipe:
            for sku in skus:
                pipe.hget(keys.key(warehouse, "sku_attrs", sku), "category")
            replies = await pipe.execute()
        return {sku: (value.decode() if isinstance(value, bytes) else value or "")
                for sku, value in zip(skus, replies, strict=True)}

    async def policy(self, warehouse: str) -> PolicyView | None:
        raw = await self.client.get(keys.key(warehouse, "release_policy"))
        return None if raw is None else msgspec.json.decode(raw, type=PolicyView)

    async def modes(self, warehouses: list[str]) -> dict[str, str]:
        """The release mode of each warehouse that has a stored policy (one pipeline)."""
        async with self.client.pipeline(transaction=False) as pipe:
            for warehouse in warehouses:
                pipe.get(keys.key(warehouse, "release_policy"))
            rows = await pipe.execute()
        return {w: msgspec.json.decode(raw, type=PolicyView).policy.mode
                for w, raw in zip(warehouses, rows, strict=True) if raw is not None}

    async def set_policy(self, warehouse: str, view: PolicyView) -> None:
        await self.client.set(keys.key(warehouse, "release_policy"), msgspec.json.encode(view))

    async def record(self, warehouse: str, decision: Decision) -> None:
        """Keep the decision and emit ``release_decided`` (one script: the board sees what is kept)."""
        await self.scripts.call(
            "record_release", warehouse, msgspec.json.encode(decision), decision.decision_id, decision.mode,
            len(decision.orders), len(decision.waves), decision.reason[:200],
        )

    async def decisions(self, warehouse: str, limit: int) -> list[Decision]:
        rows = await self.client.lrange(keys.key(warehouse, "release_decisions"), 0, limit - 1)
        return [msgspec.json.decode(row, type=Decision) for row in rows]

    async def lease(self, warehouse: str, owner: str, ttl_ms: int) -> bool:
        """Take (or keep) the warehouse's releaser lease; False while another node holds it."""
        key = keys.key(warehouse, "release_lock")
        if await self.client.set(key, owner, nx=True, px=ttl_ms):
            return True
        if await self.client.get(key) == owner:
            if await self.client.pttl(key) < ttl_ms // 2:  # renew at half-life: few writes while held
                await self.client.pexpire(key, ttl_ms)
            return True
        return False

    async def unlease(self, warehouse: str, owner: str) -> None:
        key = keys.key(warehouse, "release_lock")
        if await self.client.get(key) == owner:
            await self.client.delete(key)

    async def floor_state(self, warehouse: str) -> tuple[int, int, int, int]:
        """(now ms from Redis TIME, pickers present, pickers idle, tasks ready)."""
        seconds, micros = await self.client.time()
        now_ms = int(seconds) * 1000 + int(micros) // 1000
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.zcount(keys.key(warehouse, "pickers_present"), now_ms, "+inf")
            pipe.scard(keys.key(warehouse, "pickers_idle"))
            pipe.zcard(keys.key(warehouse, "tasks_ready"))
            present, idle, ready = await pipe.execute()
        return now_ms, int(present), int(idle), int(ready)

    async def units_picked_since(self, warehouse: str, since_ms: int, cap: int = 100_000) -> int:
        """Units picked (``picked`` entries of the units Stream) since ``since_ms``."""
        rows = await self.client.xrange(keys.key(warehouse, "units"), min=f"{since_ms}-0", max="+", count=cap)
        return sum(int(msgspec.json.decode(fields.get("data", "{}")).get("quantity", 1)) for _id, fields in rows)
