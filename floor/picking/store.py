"""Picking in Redis: tasks (``task:<id>`` hash + ``task:<id>:steps`` list), the ready queue,
pickers (``picker:<id>``, the ``pickers`` and ``pickers:idle`` sets), presence leases
(``presence:<picker>`` and the ``pickers:present|absent|grace`` zsets), scan records and the
verdict counters. Every change is one script in ``picking/lua``."""

from __future__ import annotations

from typing import Any, NoReturn

import msgspec

from floor.core.errors import NotFoundError
from floor.picking.model import (
    TASK_LIFECYCLE,
    HandOver,
    PickerView,
    Presence,
    Step,
    SweepReport,
    TaskReassigned,
    TaskView,
)
from floor.store import keys
from floor.store.autopipe import ScriptPipeline
from floor.store.results import COMMAND_TTL, raise_for, unwrap
from floor.store.scripts import Scripts

_step_decoder = msgspec.json.Decoder(Step)
_handovers = msgspec.json.Decoder(list[HandOver])
_sweep_decoder = msgspec.json.Decoder(SweepReport)
_UNASSIGN_FROM = msgspec.json.encode(TASK_LIFECYCLE.sources("unassign")).decode()
_ASSIGN_FROM = msgspec.json.encode(TASK_LIFECYCLE.sources("assign")).decode()


def _fail(result: list[Any]) -> NoReturn:
    raise_for(result[0], result[1])


class PickingStore:
    def __init__(self, client: Any, scripts: Scripts, scan_ttl_s: int = COMMAND_TTL, pipeline: bool = False) -> None:
        self.client = client
        self.scripts = scripts
        self.scan_ttl_s = scan_ttl_s  # how long a scan id's first verdict is remembered
        # Scans made in one event-loop turn (many sockets) share one write to Redis (floor/store/autopipe.py).
        self.pipeline = ScriptPipeline.for_client(client, scripts) if pipeline else None

    def close(self) -> None:
        if self.pipeline is not None:
            self.pipeline.close()

    async def assign(self, warehouse: str, picker: str) -> str:
        """The picker's current or next task id ('' when there is no work: the picker waits idle)."""
        _repeat, task_id = unwrap(await self.scripts.call("assign_task", warehouse, picker))
        return str(task_id)

    async def scan(
        self, warehouse: str, picker: str, task_id: str, scan_id: str, kind: str, code: str, quantity: int,
        lot: str, expiry: str, today: str, raw: str, serial: str = "", count: int = 0, weight_g: int = 0,
        mode: str = "",
    ) -> tuple[bool, str]:
        """Returns (repeat, verdict JSON). The JSON is the frame sent to the handheld as is.

        One script call per scan; with the pipeline on, the calls of one loop turn share a write."""
        return await self.scan_call(warehouse, self.scan_args(
            picker, task_id, scan_id, kind, code, quantity, lot, expiry, today, raw, serial, count, weight_g, mode))

    async def scan_call(self, warehouse: str, args: tuple[Any, ...]) -> tuple[bool, str]:
        """The scan script with :meth:`scan_args`'s arguments: (repeat, verdict JSON)."""
        call = self.scripts.call if self.pipeline is None else self.pipeline.call
        repeat, verdict = await call("scan", warehouse, *args)
        return bool(repeat), verdict

    def scan_args(
        self, picker: str, task_id: str, scan_id: str, kind: str, code: str, quantity: int, lot: str, expiry: str,
        today: str, raw: str, serial: str = "", count: int = 0, weight_g: int = 0, mode: str = "",
    ) -> tuple[Any, ...]:
        """The scan script's arguments after the warehouse (the socket's callback path submits them itself)."""
        return (picker, task_id, scan_id, kind, code, quantity, lot, expiry, today, self.scan_ttl_s, raw, serial,
                count, weight_g, mode)

    async def short_pick(
        self, warehouse: str, picker: str, task_id: str, request_id: str, step: int, found: int, exception_id: str,
    ) -> tuple[bool, str]:
        result = await self.scripts.call(
            "short_pick", warehouse, picker, task_id, request_id, step, found, exception_id, self.scan_ttl_s
        )
        if result[0] in (0, 1):
            return bool(result[0]), result[1]
        _fail(result)

    async def reorder_steps(self, warehouse: str, task_id: str, current: int, count: int, tail: list[Step]) -> None:
        """Rewrite steps current+1..count-1 in a new order; ConflictError if the task moved on."""
        body = msgspec.json.encode([msgspec.json.encode(step).decode() for step in tail])
        unwrap(await self.scripts.call("reorder_steps", warehouse, task_id, current, count, body))

    async def task(self, warehouse: str, task_id: str) -> TaskView:
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.hgetall(keys.key(warehouse, "task", task_id))
            pipe.lrange(keys.key(warehouse, "steps", task_id), 0, -1)
            pipe.hgetall(keys.key(warehouse, "task_totes", task_id))
            pipe.hget(keys.key(warehouse, "site"), "tote_scan")
            fields, steps, totes, tote_scan = await pipe.execute()
        if not fields:
            raise NotFoundError(f"task '{task_id}' does not exist in {warehouse}")
        return TaskView(
            task_id=task_id, wave_id=fields["wave"], picker=fields["picker"], status=fields["status"],
            step=int(fields["step"]), picked=int(fields["picked"]), at_location=fields["at_loc"] == "1",
            steps=[_step_decoder.decode(s) for s in steps], kind=fields.get("kind", "pick"), await_tote=int(fields.get("await_tote") or 0),
            totes={int(name[2:]): label for name, label in totes.items() if name.startswith("p:")},
            tote_scan=tote_scan == "1",
            handover=_handovers.decode(fields["handout"]) if fields.get("handout") else [],  # issue 11
            receive=_handovers.decode(fields["handin"]) if fields.get("handin") else [],
            received=int(fields.get("handin_n") or 0),
            source=fields.get("source", ""), station=fields.get("station", ""),  # issue 7: a put-back's source
        )

    async def current_task_id(self, warehouse: str, picker: str) -> str:
        return str(await self.client.hget(keys.key(warehouse, "picker", picker), "task") or "")

    async def pickers(self, warehouse: str) -> list[PickerView]:
        """Every picker of the warehouse with the task it holds (board snapshot)."""
        ids = sorted(await self.client.smembers(keys.key(warehouse, "pickers")))
        async with self.client.pipeline(transaction=False) as pipe:
            for picker in ids:
                pipe.hmget(keys.key(warehouse, "picker", picker), "name", "task")
            pipe.smembers(keys.key(warehouse, "pickers_idle"))
            pipe.zrange(keys.key(warehouse, "pickers_present"), 0, -1)
            *rows, idle, present_list = await pipe.execute()
        present = set(present_list)
        async with self.client.pipeline(transaction=False) as pipe:
            for _name, task in rows:
                pipe.hmget(keys.key(warehouse, "task", task or "-"), "wave", "status", "step", "n_steps")
            tasks = await pipe.execute()
        views = []
        for picker, (name, task_id), (wave, status, step, n_steps) in zip(ids, rows, tasks, strict=True):
            state = "picking" if task_id and status == "assigned" else ("idle" if picker in idle else "away")
            views.append(PickerView(picker, name or "", state, task_id or "", wave or "", int(step or 0),
                                    int(n_steps or 0), picker in present))
        return views

    async def verdict_counts(self, warehouse: str) -> dict[str, int]:
        counts = await self.client.hgetall(keys.key(warehouse, "verdicts"))
        return {verdict: int(n) for verdict, n in sorted(counts.items())}

    async def join(self, warehouse: str, picker: str, socket_id: str, ttl_ms: int) -> bool:
        """Take the socket's lease; True when the picker was absent before (present again now)."""
        _repeat, returned = unwrap(await self.scripts.call("presence_join", warehouse, picker, socket_id, ttl_ms))
        return bool(returned)

    async def renew(self, warehouse: str, picker: str, socket_id: str, ttl_ms: int) -> bool:
        """Extend the socket's lease; True when it had run out and the picker was marked absent."""
        call = self.scripts.call if self.pipeline is None else self.pipeline.call  # every socket, every ttl/3
        _repeat, returned = unwrap(await call("presence_renew", warehouse, picker, socket_id, ttl_ms))
        return bool(returned)

    async def renew_many(self, warehouse: str, leases: list[tuple[str, str, int]]) -> list[str]:
        """Extend many sockets' leases ((picker, socket id, ttl ms) each) in one script call; the
        pickers whose lease had run out (present again now)."""
        call = self.scripts.call if self.pipeline is None else self.pipeline.call
        _repeat, back = unwrap(await call("presence_renew_many", warehouse, msgspec.json.encode(leases)))
        return list(msgspec.json.decode(back))

    async def leave(self, warehouse: str, picker: str, socket_id: str) -> bool:
        """Drop the socket's own lease; True when the picker has no lease left (absent now)."""
        _repeat, absent = unwrap(await self.scripts.call("presence_leave", warehouse, picker, socket_id))
        return bool(absent)

    async def sweep(self, warehouse: str, grace_ms: int, exception_id: str, limit: int = 500) -> SweepReport:
        _repeat, report = unwrap(
            await self.scripts.call("presence_sweep", warehouse, grace_ms, exception_id, _UNASSIGN_FROM, limit)
        )
        return _sweep_decoder.decode(report)

    async def reassign(
        self, warehouse: str, task_id: str, picker: str, sender: str, command_id: str
    ) -> TaskReassigned:
        result = await self.scripts.call(
            "reassign_task", warehouse, task_id, picker, sender, command_id, _UNASSIGN_FROM, _ASSIGN_FROM,
            COMMAND_TTL,
        )
        if result[0] == "illegal_transition":
            TASK_LIFECYCLE.next_state(result[1], "unassign")  # raises the precise error
        repeat, payload = unwrap(result)
        fields = msgspec.json.decode(payload)
        return TaskReassigned(
            repeat=repeat, task_id=fields["task_id"], status=fields["status"], picker=fields["picker"] or "",
            previous=fields["previous"] or "", changed=bool(fields["changed"]),
        )

    async def presence(self, warehouse: str, picker: str) -> Presence:
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.zscore(keys.key(warehouse, "pickers_present"), picker)
            pipe.zscore(keys.key(warehouse, "pickers_absent"), picker)
            pipe.zcard(keys.key(warehouse, "presence", picker))
            present, absent, sockets = await pipe.execute()
        return Presence(picker, present is not None, int(sockets), int(absent or 0))

    # -- handheld (issue 10): tote scanning, serials, case labels --------------------------------

    async def set_tote_scan(self, warehouse: str, on: bool) -> None:
        """Cluster picking with tote confirmation on (or off) for every task of the warehouse."""
        await self.client.hset(keys.key(warehouse, "site"), "tote_scan", "1" if on else "0")

    async def totes(self, warehouse: str, task_id: str) -> dict[int, str]:
        """Cart position -> tote label bound for a task."""
        fields = await self.client.hgetall(keys.key(warehouse, "task_totes", task_id))
        return {int(name[2:]): label for name, label in fields.items() if name.startswith("p:")}

    async def order_serials(self, warehouse: str, order_id: str) -> list[dict[str, Any]]:
        """The serials picked for an order: {line, sku, serial, scan_id}, in pick order."""
        rows = await self.client.lrange(keys.key(warehouse, "order_serials", order_id), 0, -1)
        return [msgspec.json.decode(row) for row in rows]
