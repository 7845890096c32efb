"""Tracking: one status set for every carrier, carrier code tables (data), stuck and lost rules.

Invariant: ``normalise`` maps a carrier code to exactly one status (unknown codes -> in_transit,
flagged); ``delivered`` and ``returned_to_sender`` are final. ``verdict`` says whether an open parcel
is stuck (no event for longer than its service allows) or lost-suspect (past promise + margin); the
sweep job raises a floor exception for each (idempotent per waybill and kind).
"""

from __future__ import annotations

import json
from functools import lru_cache

import msgspec

from floor.shipping.model import _read

STATUSES = ("info_received", "picked_up", "in_transit", "out_for_delivery", "delivered", "attempt_failed",
            "exception", "returned_to_sender")
FINAL = frozenset({"delivered", "returned_to_sender"})
# which status may follow which (the happy path plus the detours); anything else is still applied
# (carriers skip steps) but the event is marked out_of_sequence for customer service
NEXT: dict[str, frozenset[str]] = {
    "info_received": frozenset(STATUSES),
    "picked_up": frozenset({"in_transit", "out_for_delivery", "delivered", "exception", "attempt_failed",
                            "returned_to_sender"}),
    "in_transit": frozenset({"in_transit", "out_for_delivery", "delivered", "exception", "attempt_failed",
                             "returned_to_sender"}),
    "out_for_delivery": frozenset({"delivered", "attempt_failed", "exception", "out_for_delivery",
                                   "returned_to_sender"}),
    "attempt_failed": frozenset({"out_for_delivery", "delivered", "returned_to_sender", "exception",
                                 "in_transit"}),
    "exception": frozenset({"in_transit", "out_for_delivery", "delivered", "returned_to_sender"}),
    "delivered": frozenset(),
    "returned_to_sender": frozenset(),
}


class TrackingEvent(msgspec.Struct, frozen=True):
    waybill: str
    event_ms: int
    code: str
    status: str
    carrier: str
    detail: str = ""
    place: str = ""
    known_code: bool = True
    in_sequence: bool = True


@lru_cache(maxsize=1)
def code_tables() -> dict[str, dict[str, str]]:
    raw = json.loads(_read("tracking_codes.json"))
    raw.pop("_doc", None)
    return {carrier: dict(table) for carrier, table in raw.items()}


def table_for(carrier: str, adapter: str) -> dict[str, str]:
    tables = code_tables()
    if carrier in tables:
        return tables[carrier]
    return tables["CAINIAO"] if adapter == "cainiao" else tables["local"]


def normalise(carrier: str, adapter: str, waybill: str, event_ms: int, code: str, previous: str,
              detail: str = "", place: str = "") -> TrackingEvent:
    table = table_for(carrier, adapter)
    status = table.get(code)
    known = status is not None
    status = status or "in_transit"
    in_sequence = status in NEXT.get(previous, frozenset(STATUSES))
    return TrackingEvent(waybill, event_ms, code, status, carrier, detail, place, known, in_sequence)


def verdict(status: str, last_event_ms: int, promised_ms: int, stuck_hours: int, lost_margin_days: int,
            now_ms: int) -> str:
    """'' (fine) | 'parcel_stuck' | 'parcel_lost' (lost wins: it is the later, graver state)."""
    if status in FINAL:
        return ""
    if promised_ms and now_ms > promised_ms + lost_margin_days * 86_400_000:
        return "parcel_lost"
    if now_ms - last_event_ms > stuck_hours * 3_600_000:
        return "parcel_stuck"
    return ""
