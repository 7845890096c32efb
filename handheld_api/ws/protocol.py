"""WebSocket messages, as tagged-union Structs (``type`` is the tag). See docs/protocol.md.

Inbound frames are decoded by one reused Decoder per socket kind. Outbound frames that come
straight from a Lua script (verdicts, short-pick results) are sent as the script wrote them.
"""

from __future__ import annotations

from typing import Any

import msgspec

MAX_FRAME = 4096  # characters; larger frames get an error frame, the socket stays open
MAX_ID = 64
MAX_BARCODE = 256


class Scan(msgspec.Struct, tag="scan", forbid_unknown_fields=True):
    scan_id: str
    barcode: str
    task_id: str = ""
    quantity: int = 1


class ShortPick(msgspec.Struct, tag="short_pick", forbid_unknown_fields=True):
    request_id: str
    task_id: str
    step: int
    found: int = 0


class Report(msgspec.Struct, tag="report", forbid_unknown_fields=True):
    """A picker reports a floor problem (damaged goods, blocked location ...)."""

    request_id: str
    kind: str
    location: str = ""
    sku: str = ""
    detail: str = ""


class Ping(msgspec.Struct, tag="ping", forbid_unknown_fields=True):
    id: str = ""


class Sync(msgspec.Struct, tag="sync", forbid_unknown_fields=True):
    """Ask the server to send the current task again."""


HandheldInbound = Scan | ShortPick | Report | Ping | Sync
BoardInbound = Ping


def check_id(value: str, field: str) -> str | None:
    """A reason the id is unacceptable, or None."""
    if not value or len(value) > MAX_ID:
        return f"{field} must be 1-{MAX_ID} characters"
    return None


def check_scan(scan: Scan) -> str | None:
    reason = check_id(scan.scan_id, "scan_id")
    if reason:
        return reason
    if not scan.barcode or len(scan.barcode) > MAX_BARCODE:
        return f"barcode must be 1-{MAX_BARCODE} characters"
    if not 1 <= scan.quantity <= 999:
        return "quantity must be 1..999"
    if len(scan.task_id) > MAX_ID:
        return f"task_id must be at most {MAX_ID} characters"
    return None


def reference_of(message: object) -> str:
    """The id a frame carries (``scan_id``, ``request_id`` or ``id``): error frames echo it as ``ref``."""
    for field in ("scan_id", "request_id", "id"):
        value = getattr(message, field, None)
        if isinstance(value, str):
            return value[:MAX_ID]
    return ""


def error_frame(code: str, reason: str, ref: str = "", retry: bool = False) -> bytes:
    """``retry``: true when sending the same frame again later may succeed (the store was down)."""
    return msgspec.json.encode({"type": "error", "code": code, "reason": reason, "ref": ref, "retry": retry})


def frame(kind: str, **fields: Any) -> bytes:
    return msgspec.json.encode({"type": kind, **fields})
