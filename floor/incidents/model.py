"""Floor exceptions: short picks, wrong items, damaged goods ... as data with a lifecycle.

(Python errors live in :mod:`floor.errors`; these are things that happen on the floor.)
"""

from __future__ import annotations

import msgspec

from floor.core.fields import Id, Input, LongText, OptionalId, OptionalLocation, OptionalSku, Warehouse, Word
from floor.core.lifecycle import Lifecycle

EXCEPTION_KINDS = (
    "short_pick",
    "wrong_item",
    "damaged",
    "blocked_location",
    "device_fault",
    "low_stock",
    "picker_absent",  # raised by the presence sweep: an absent picker holds a started task
    "channel_push",  # raised by the stock push: a platform refused a quantity (e.g. PDD promotion slot)
    "order_hold",  # raised by order handling: an order is held (reason in detail) until released
    "stale_scan",  # a scan queued offline that could no longer apply when it reached the server
    "printer_fault",  # shipping: a label printer unreachable, silent or faulted (paper out, head open ...)
    "pack_mismatch",  # shipping: box weight outside the tolerance of the expected weight
    "parcel_stuck",  # shipping: no tracking event for longer than the service allows
    "parcel_lost",  # shipping: past the promised date plus margin, not delivered
    "other",
    "late_risk",  # raised by the release policy: a released order will miss its ship-by at the current rate
    "ledger_drift",  # raised by the scheduled ledger audit (floor/availability/schedule.py): counters != ledger
    "parcel_voided",  # raised by a cancel after packing (floor/putback): the parcel's label is void, units go back
)

EXCEPTION_LIFECYCLE = Lifecycle(
    name="exception",
    initial="raised",
    table={
        ("raised", "acknowledge"): "acknowledged",
        ("raised", "resolve"): "resolved",
        ("acknowledged", "resolve"): "resolved",
    },
)


class FloorException(msgspec.Struct, frozen=True):
    exception_id: str
    warehouse: str
    kind: str
    status: str
    raised_ms: int
    picker: str = ""
    task_id: str = ""
    location: str = ""
    sku: str = ""
    detail: str = ""
    by: str = ""  # who acknowledged / resolved last
    note: str = ""
    raised_by: str = ""  # the sender (user, device or picker)
    reference: str = ""  # the sender's own id for it (its idempotency key)


class ExceptionCommand(Input, frozen=True, forbid_unknown_fields=True):
    """Acknowledge or resolve: ``command_id`` makes a repeat harmless."""

    command_id: Id
    note: LongText = ""


class RaiseException(Input, frozen=True, forbid_unknown_fields=True):
    """Raise a floor exception. ``exception_id`` is the sender's id for it (scoped to the sender:
    a repeat returns the first exception; another sender's equal id is another exception)."""

    exception_id: Id
    kind: Word
    location: OptionalLocation = ""
    sku: OptionalSku = ""
    task_id: OptionalId = ""
    detail: LongText = ""
    warehouse: Warehouse | None = None
