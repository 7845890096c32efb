"""Scans a handheld queued offline and replayed later (``queued_ms`` > 0): one that can no longer
apply (the task was reassigned, the step moved on, the stock is gone ...) is not dropped silently:
the picker sees its verdict, and a ``stale_scan`` floor exception tells the supervisor.

Called after the verdict is known, off the hot path of live scans (live scans have queued_ms 0).
"""

from __future__ import annotations

import logging

import msgspec

from floor.core.errors import FloorError
from floor.floor import Floor
from floor.incidents.model import RaiseException

log = logging.getLogger("floor.handheld")
# Verdicts that are not a refusal of the scan itself: nothing for the supervisor to look at.
APPLIED = frozenset({"ok", "tote_bound", "tote_swapped"})


class _Verdict(msgspec.Struct):
    verdict: str
    task_id: str = ""
    barcode: str = ""


async def report_stale(floor: Floor, warehouse: str, picker: str, scan_id: str, queued_ms: int, verdict: str) -> bool:
    """Raise a ``stale_scan`` exception (id = the scan id: idempotent) when a queued scan was refused.
    True when one was raised (or already existed)."""
    answer = msgspec.json.decode(verdict, type=_Verdict)
    if answer.verdict in APPLIED:
        return False
    command = RaiseException(
        exception_id=scan_id, kind="stale_scan", task_id=answer.task_id, warehouse=warehouse,
        detail=f"queued {queued_ms // 1000} s offline, then {answer.verdict}: {_printable(answer.barcode)}"[:200],
    )
    try:
        await floor.incidents.raise_one(warehouse, command, picker, picker=picker)
    except FloorError as error:
        log.warning("stale scan %s of %s: could not raise the exception: %s", scan_id, picker, error.reason)
        return False
    return True


def _printable(text: str) -> str:
    return "".join(char if char.isprintable() else "<GS>" if char == "\x1d" else "?" for char in text)
