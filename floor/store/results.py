"""What a script answers, turned into a result or a domain error.

Scripts answer ``{'ok'|'exists', payload}`` or ``{error_code, detail}``; :func:`unwrap` returns
``(repeat, payload)`` or raises the :class:`~floor.core.errors.FloorError` for the code.
"""

from __future__ import annotations

from typing import Any, NoReturn

from floor.core.errors import (
    ConflictError,
    FloorError,
    IllegalTransitionError,
    InsufficientStockError,
    NotFoundError,
    ValidationError,
)

COMMAND_TTL = 7 * 24 * 3600  # how long command and scan ids are remembered (seconds)

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
    "not_present": ConflictError,
    "taken": ConflictError,
}

_MESSAGES = {
    "unknown_sku": "unknown SKU '{}'",
    "gtin_taken": "that GTIN already belongs to SKU '{}'",
    "not_found": "'{}' does not exist",
    "illegal_transition": "not allowed from state '{}'",
    "not_your_task": "task '{}' is not assigned to you",
    "not_present": "picker '{}' is not present on the floor",
    "taken": "the id '{}' is already used by another sender: choose another",
}


def raise_for(code: str, detail: str) -> NoReturn:
    error = _ERRORS.get(code)
    if error is None:
        raise RuntimeError(f"script returned unknown code {code!r}: {detail}")
    raise error(_MESSAGES.get(code, "{}").format(detail), code=code)


def unwrap(result: list[Any]) -> tuple[bool, Any]:
    """``(repeat, payload)`` of a script's answer, or the domain error it names."""
    code, payload = result[0], result[1]
    if code in ("ok", "exists"):
        return code == "exists", payload
    raise_for(code, payload)
