"""Counts in Redis: ``count:<id>`` (status, tolerance, "c|<loc>|<sku>" counted units,
"v|..." variances, "p|..." held ones), ``counts:pending``; scripts in ``counting/lua``."""

from __future__ import annotations

from typing import Any

import msgspec

from floor.core.errors import IllegalTransitionError, NotFoundError
from floor.counting.model import CountView, Variance
from floor.store import keys
from floor.store.results import COMMAND_TTL, unwrap
from floor.store.scripts import Scripts


class CountStore:
    def __init__(self, client: Any, scripts: Scripts) -> None:
        self.client = client
        self.scripts = scripts

    async def request(self, warehouse: str, command_id: str, sender: str, task_id: str,
                      targets: list[tuple[str, str]], tol_units: int, tol_pct: int, reason: str) -> tuple[bool, str]:
        repeat, task = unwrap(await self.scripts.call(
            "request_count", warehouse, command_id, sender, task_id, msgspec.json.encode(targets), tol_units,
            tol_pct, reason, COMMAND_TTL))
        return repeat, str(task)

    async def decide(self, warehouse: str, count_id: str, decision: str, by: str, note: str) -> tuple[bool, str]:
        result = await self.scripts.call("decide_count", warehouse, count_id, decision, by, note)
        if result[0] == "illegal_transition":
            raise IllegalTransitionError(f"count {count_id} is {result[1]}: it cannot be decided now",
                                         code="illegal_transition")
        repeat, status = unwrap(result)
        return repeat, str(status)

    async def view(self, warehouse: str, count_id: str) -> CountView:
        fields = await self.client.hgetall(keys.key(warehouse, "count", count_id))
        if not fields:
            raise NotFoundError(f"count '{count_id}' does not exist in {warehouse}")
        variances = []
        for name, value in sorted(fields.items()):
            if name.startswith("v|"):
                _, loc, sku = name.split("|", 2)
                v = msgspec.json.decode(value)
                variances.append(Variance(loc, sku, int(v["expected"]), int(v["counted"]), int(v["delta"]),
                                          f"p|{loc}|{sku}" in fields))
        return CountView(
            count_id=count_id, status=fields.get("status", ""), reason=fields.get("reason", ""),
            targets=[(t[0], t[1]) for t in msgspec.json.decode(fields.get("targets", "[]"))], variances=variances,
            counted_by=fields.get("counted_by", ""), decided_by=fields.get("decided_by", ""),
            exception_id=fields.get("exception_id", ""),
        )

    async def pending(self, warehouse: str) -> list[str]:
        return list(await self.client.zrange(keys.key(warehouse, "counts_pending"), 0, 499))

    async def classes(self, warehouse: str, skus: list[str]) -> dict[str, tuple[str, int]]:
        async with self.client.pipeline(transaction=False) as pipe:
            for sku in skus:
                pipe.hmget(keys.key(warehouse, "sku_state", sku), "abc", "last_count_ms")
            rows = await pipe.execute()
        return {sku: (abc or "", int(last or 0)) for sku, (abc, last) in zip(skus, rows, strict=True)}

    async def sku_locations(self, warehouse: str, sku: str) -> list[str]:
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.hkeys(keys.key(warehouse, "sku_bins", sku))
            pipe.hkeys(keys.key(warehouse, "sku_reserve", sku))
            faces, reserves = await pipe.execute()
        return sorted(faces) + sorted(reserves)
