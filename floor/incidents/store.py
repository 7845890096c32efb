"""Floor exceptions in Redis: the ``exc:<id>`` hash, the open set by time, and the sender
references (``excref:<sender>:<id>``) that make raising idempotent per sender."""

from __future__ import annotations

from typing import Any

import msgspec

from floor.core.errors import NotFoundError
from floor.incidents.model import EXCEPTION_LIFECYCLE, FloorException
from floor.store import keys
from floor.store.results import COMMAND_TTL, unwrap
from floor.store.scripts import Scripts


class IncidentStore:
    def __init__(self, client: Any, scripts: Scripts) -> None:
        self.client = client
        self.scripts = scripts

    async def raise_one(
        self, warehouse: str, exception_id: str, kind: str, picker: str, task_id: str, location: str, sku: str,
        detail: str, sender: str, reference: str,
    ) -> tuple[bool, str]:
        """(repeat, exception id): a repeat of (sender, reference) returns the first exception's id."""
        result = await self.scripts.call(
            "raise_exception", warehouse, exception_id, kind, picker, task_id, location, sku, detail, sender,
            reference, COMMAND_TTL,
        )
        repeat, payload = unwrap(result)
        return repeat, str(payload)

    async def transition(
        self, warehouse: str, exception_id: str, command_id: str, event: str, actor: str, note: str
    ) -> tuple[bool, str]:
        target = EXCEPTION_LIFECYCLE.target(event)
        sources = msgspec.json.encode(EXCEPTION_LIFECYCLE.sources(event))
        final = "1" if EXCEPTION_LIFECYCLE.is_final(target) else "0"
        result = await self.scripts.call(
            "transition_exception", warehouse, exception_id, command_id, event, target, sources, final, actor, note,
            COMMAND_TTL,
        )
        if result[0] == "illegal_transition":
            EXCEPTION_LIFECYCLE.next_state(result[1], event)  # raises the precise error
        repeat, state = unwrap(result)
        return repeat, str(state)

    async def get(self, warehouse: str, exception_id: str) -> FloorException:
        fields = await self.client.hgetall(keys.key(warehouse, "exception", exception_id))
        if not fields:
            raise NotFoundError(f"exception '{exception_id}' does not exist in {warehouse}")
        return _exception(warehouse, exception_id, fields)

    async def open(self, warehouse: str, limit: int = 200) -> list[FloorException]:
        ids = await self.client.zrevrange(keys.key(warehouse, "exceptions_open"), 0, limit - 1)
        async with self.client.pipeline(transaction=False) as pipe:
            for exception_id in ids:
                pipe.hgetall(keys.key(warehouse, "exception", exception_id))
            rows = await pipe.execute()
        return [_exception(warehouse, e, f) for e, f in zip(ids, rows, strict=True) if f]


def _exception(warehouse: str, exception_id: str, f: dict[str, str]) -> FloorException:
    return FloorException(
        exception_id=exception_id, warehouse=warehouse, kind=f["kind"], status=f["status"],
        raised_ms=int(f["raised_ms"]), picker=f.get("picker", ""), task_id=f.get("task_id", ""),
        location=f.get("location", ""), sku=f.get("sku", ""), detail=f.get("detail", ""), by=f.get("by", ""),
        note=f.get("note", ""), raised_by=f.get("raised_by", ""), reference=f.get("ref", ""),
    )
