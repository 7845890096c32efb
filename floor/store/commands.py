"""One wrapper per Lua script: Python arguments in, a domain result or a FloorError out."""

from __future__ import annotations

from typing import Any

import msgspec

from floor.errors import (
    ConflictError,
    FloorError,
    IllegalTransitionError,
    InsufficientStockError,
    NotFoundError,
    ValidationError,
)
from floor.exceptions import EXCEPTION_LIFECYCLE
from floor.orders import ORDER_LIFECYCLE
from floor.store.scripts import Scripts
from floor.tasks import Step
from floor.waves import WavePlan

COMMAND_TTL = 7 * 24 * 3600  # how long command and scan ids are remembered

_ERRORS: dict[str, type[FloorError]] = {
    "unknown_sku": ValidationError,
    "gtin_taken": ValidationError,
    "insufficient_stock": InsufficientStockError,
    "conflict": ConflictError,
    "not_found": NotFoundError,
    "illegal_transition": IllegalTransitionError,
    "not_your_task": ConflictError,
    "stale_step": ConflictError,
    "not_short": ValidationError,
}

_MESSAGES = {
    "unknown_sku": "unknown SKU '{}'",
    "gtin_taken": "that GTIN already belongs to SKU '{}'",
    "not_found": "'{}' does not exist",
    "illegal_transition": "not allowed from state '{}'",
    "not_your_task": "task '{}' is not assigned to you",
}


def _raise_for(code: str, detail: str) -> None:
    error = _ERRORS.get(code)
    if error is None:
        raise RuntimeError(f"script returned unknown code {code!r}: {detail}")
    raise error(_MESSAGES.get(code, "{}").format(detail), code=code)


def _unwrap(result: list[Any]) -> tuple[bool, Any]:
    """Scripts answer ``['ok'|'exists', payload]`` or ``[error_code, detail]``."""
    code, payload = result[0], result[1]
    if code in ("ok", "exists"):
        return code == "exists", payload
    _raise_for(code, payload)
    raise AssertionError("unreachable")


class Commands:
    """Every state change of the floor, one Lua call each."""

    def __init__(self, scripts: Scripts) -> None:
        self.scripts = scripts

    async def define_sku(self, warehouse: str, sku: str, gtin14: str, name: str, weight_g: int) -> None:
        _unwrap(await self.scripts.call("define_sku", warehouse, sku, gtin14, name, weight_g))

    async def intake_order(
        self,
        warehouse: str,
        order_id: str,
        channel: str,
        external_id: str,
        lines: list[tuple[str, int]],
        priority: int,
        due: int | None,
        customer: str,
    ) -> tuple[bool, str]:
        """Returns (repeat, order id): on a repeat the id is the first order's."""
        urgency = priority * 10**10 + (due if due is not None else 9_999_999_999)
        result = await self.scripts.call(
            "intake_order", warehouse, order_id, channel, external_id,
            msgspec.json.encode(lines), priority, "" if due is None else due, customer, urgency,
        )
        repeat, payload = _unwrap(result)
        return repeat, str(payload)

    async def retry_backorder(self, warehouse: str, order_id: str) -> str:
        sources = msgspec.json.encode(ORDER_LIFECYCLE.sources("reserve"))
        _repeat, status = _unwrap(await self.scripts.call("retry_backorder", warehouse, order_id, sources))
        return str(status)

    async def adjust_stock(
        self, warehouse: str, command_id: str, sku: str, location: str, delta: int, reason: str, actor: str
    ) -> tuple[bool, dict[str, Any]]:
        result = await self.scripts.call(
            "adjust_stock", warehouse, command_id, sku, location, delta, reason, actor, COMMAND_TTL
        )
        repeat, payload = _unwrap(result)
        return repeat, msgspec.json.decode(payload)

    async def release_wave(self, warehouse: str, plan: WavePlan) -> bool:
        """Commit a planned wave; returns True when the wave already existed (a repeat)."""
        body = {
            "orders": plan.order_ids,
            "tasks": [
                {
                    "task_id": task.task_id,
                    "units": sum(step.quantity for step in task.steps),
                    "steps": [msgspec.json.encode(step).decode() for step in task.steps],
                }
                for task in plan.tasks
            ],
            "allocations": plan.allocations,
        }
        sources = msgspec.json.encode(ORDER_LIFECYCLE.sources("release"))
        result = await self.scripts.call(
            "release_wave", warehouse, plan.wave_id, msgspec.json.encode(body), sources
        )
        repeat, _ = _unwrap(result)
        return repeat

    async def assign_task(self, warehouse: str, picker: str) -> str:
        """The picker's current or next task id ('' when there is no work: the picker waits idle)."""
        _repeat, task_id = _unwrap(await self.scripts.call("assign_task", warehouse, picker))
        return str(task_id)

    async def scan(
        self,
        warehouse: str,
        picker: str,
        task_id: str,
        scan_id: str,
        kind: str,
        code: str,
        quantity: int,
        lot: str,
        expiry: str,
        today: str,
        raw: str,
    ) -> tuple[bool, str]:
        """Returns (repeat, verdict JSON). The JSON is the frame sent to the handheld as is."""
        repeat, verdict = await self.scripts.call(
            "scan", warehouse, picker, task_id, scan_id, kind, code, quantity, lot, expiry,
            today, COMMAND_TTL, raw,
        )
        return bool(repeat), verdict

    async def short_pick(
        self, warehouse: str, picker: str, task_id: str, request_id: str, step: int, found: int,
        exception_id: str,
    ) -> tuple[bool, str]:
        result = await self.scripts.call(
            "short_pick", warehouse, picker, task_id, request_id, step, found, exception_id, COMMAND_TTL
        )
        if result[0] in (0, 1):
            return bool(result[0]), result[1]
        _raise_for(result[0], result[1])
        raise AssertionError("unreachable")

    async def reorder_steps(self, warehouse: str, task_id: str, current: int, count: int, tail: list[Step]) -> None:
        """Rewrite steps current+1..count-1 in a new order; ConflictError if the task moved on."""
        body = msgspec.json.encode([msgspec.json.encode(step).decode() for step in tail])
        _unwrap(await self.scripts.call("reorder_steps", warehouse, task_id, current, count, body))

    async def raise_exception(
        self, warehouse: str, exception_id: str, kind: str, picker: str = "", task_id: str = "",
        location: str = "", sku: str = "", detail: str = "",
    ) -> bool:
        result = await self.scripts.call(
            "raise_exception", warehouse, exception_id, kind, picker, task_id, location, sku, detail
        )
        repeat, _ = _unwrap(result)
        return repeat

    async def transition_exception(
        self, warehouse: str, exception_id: str, command_id: str, event: str, actor: str, note: str
    ) -> tuple[bool, str]:
        target = EXCEPTION_LIFECYCLE.target(event)
        sources = msgspec.json.encode(EXCEPTION_LIFECYCLE.sources(event))
        final = "1" if EXCEPTION_LIFECYCLE.is_final(target) else "0"
        result = await self.scripts.call(
            "transition_exception", warehouse, exception_id, command_id, event, target, sources,
            final, actor, note, COMMAND_TTL,
        )
        if result[0] == "illegal_transition":
            EXCEPTION_LIFECYCLE.next_state(result[1], event)  # raises the precise error
        repeat, state = _unwrap(result)
        return repeat, str(state)
