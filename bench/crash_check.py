"""The exactly-once check of the crash benchmark: what the handhelds were told vs what Redis holds.

Input: every handheld's first verdict per ``scan_id`` (and whether that scan was a location or an
item scan). Checked against the warehouse in Redis, after every outbox is empty:

* ``{W}:units`` Stream: one ``picked`` entry per acknowledged ``ok`` item scan (per picker and
  scan_id); an id with two or more entries is *doubled*, an acknowledged ok item scan with none is
  *lost*, an entry for a scan that got no ok verdict is a *phantom* (applied but never acknowledged
  as a pick).
* per task: the units the task hash says are picked (sum of the quantities of the steps before
  ``step``, plus ``picked``) equal the acknowledged ok item scans made against that task.
* per acknowledged scan: ``{W}:scan:<picker>:<scan_id>`` exists and holds the same verdict frame
  (a missing record is *lost*, a different one *mismatched*).
* the ``verdicts`` counters count every scan the script applied, once: their sum equals the number
  of acknowledged scans (the client re-sends every scan until it has a verdict; the only final
  errors, ``bad_frame`` and the like, are refused before the script runs).
* the waves' ``picked_units`` add up to the acknowledged ok item scans.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis

from floor.store import keys


@dataclass
class Acknowledged:
    """What the clients were told: (picker, scan_id) -> first verdict frame, and the scan's kind."""

    verdicts: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    kinds: dict[tuple[str, str], str] = field(default_factory=dict)

    def ok_items(self) -> set[tuple[str, str]]:
        return {k for k, frame in self.verdicts.items() if frame["verdict"] == "ok" and self.kinds[k] == "item"}


@dataclass
class Findings:
    acknowledged: int = 0
    acknowledged_ok_items: int = 0
    stream_picked_entries: int = 0
    lost: int = 0  # acknowledged, but its effect or record is not in Redis
    doubled: int = 0  # applied more than once
    phantom: int = 0  # applied, but the client never got an ok verdict for it
    mismatched: int = 0  # the stored verdict differs from the one the client got
    tasks_checked: int = 0
    task_mismatches: list[str] = field(default_factory=list)
    verdict_counter_total: int = 0
    wave_picked_units: int = 0
    examples: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        if len(self.examples) < 20:
            self.examples.append(text)

    @property
    def counters_match(self) -> bool:
        """Each scan ran the script's apply path once: counters = acknowledged scans, picked units = ok items."""
        return self.verdict_counter_total == self.acknowledged and self.wave_picked_units == self.acknowledged_ok_items

    @property
    def clean(self) -> bool:
        return not (self.lost or self.doubled or self.phantom or self.mismatched or self.task_mismatches
                    or not self.counters_match)


async def _picked_entries(client: Any, warehouse: str) -> Counter[tuple[str, str]]:
    stream = keys.key(warehouse, "units")
    counts: Counter[tuple[str, str]] = Counter()
    last = "-"
    while True:
        batch = await client.xrange(stream, min=last, max="+", count=5000)
        if last != "-":
            batch = batch[1:]  # the range is inclusive: skip the entry we already have
        if not batch:
            return counts
        for _id, fields in batch:
            if fields.get("type") == "picked":
                data = json.loads(fields["data"])
                counts[(data["picker"], data["scan_id"])] += 1
        last = batch[-1][0]


async def _task_units(client: Any, warehouse: str, task_ids: set[str]) -> dict[str, int]:
    units: dict[str, int] = {}
    for task_id in sorted(task_ids):
        step, picked = await client.hmget(keys.key(warehouse, "task", task_id), "step", "picked")
        steps = [json.loads(s) for s in await client.lrange(keys.key(warehouse, "steps", task_id), 0, -1)]
        units[task_id] = sum(s["quantity"] for s in steps[: int(step or 0)]) + int(picked or 0)
    return units


async def verify(redis_url: str, warehouse: str, acked: Acknowledged) -> Findings:
    """Compare ``acked`` with the warehouse in Redis; read-only."""
    found = Findings(acknowledged=len(acked.verdicts))
    ok_items = acked.ok_items()
    found.acknowledged_ok_items = len(ok_items)
    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        entries = await _picked_entries(client, warehouse)
        found.stream_picked_entries = sum(entries.values())
        for key, count in entries.items():
            if count > 1:
                found.doubled += count - 1
                found.note(f"doubled: {key} has {count} picked entries in the units stream")
            if key not in ok_items:
                found.phantom += count
                found.note(f"phantom: {key} is in the units stream; client verdict {acked.verdicts.get(key)}")
        for key in ok_items - entries.keys():
            found.lost += 1
            found.note(f"lost: acknowledged ok item scan {key} has no picked entry")

        expected: Counter[str] = Counter(acked.verdicts[k]["task_id"] for k in ok_items)
        scanned_tasks = {frame["task_id"] for frame in acked.verdicts.values() if frame.get("task_id")}
        units = await _task_units(client, warehouse, scanned_tasks)
        found.tasks_checked = len(units)
        for task_id, have in units.items():
            if have != expected[task_id]:
                found.task_mismatches.append(f"{task_id}: Redis {have} units, acknowledged {expected[task_id]}")

        async with client.pipeline(transaction=False) as pipe:
            ordered = list(acked.verdicts)
            for picker, scan_id in ordered:
                pipe.get(keys.key(warehouse, "scan", picker, scan_id))
            records = await pipe.execute()
        for key, record in zip(ordered, records, strict=True):
            if record is None:
                found.lost += 1
                found.note(f"lost: no scan record for acknowledged {key}")
                continue
            told = {k: v for k, v in acked.verdicts[key].items() if k != "duplicate"}
            if json.loads(record) != told:
                found.mismatched += 1
                found.note(f"mismatched: {key} stored {record} told {told}")

        counters = await client.hgetall(keys.key(warehouse, "verdicts"))
        found.verdict_counter_total = sum(int(v) for v in counters.values())
        for wave_id in await client.zrange(keys.key(warehouse, "waves"), 0, -1):
            found.wave_picked_units += int(await client.hget(keys.key(warehouse, "wave", wave_id), "picked_units") or 0)
    finally:
        await client.aclose()
    return found
