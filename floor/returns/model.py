"""Returns: RMAs (by hand or from a channel's refund/return event), receipt of the parcel and of
each unit (serial, lot), a disposition per unit with its reason, the outcome told to the channel
(a ``return_outcome`` event: the OMS outbox reads it), and return rates per SKU and channel.

Pure. ``inspection`` (a SKU state) counts units received and waiting for their disposition.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from floor.core.fields import Id, Input, OptionalId, OptionalLocation, ShortText, Sku, Warehouse, Word
from floor.core.lifecycle import Lifecycle

DISPOSITIONS = ("restock", "damaged", "quarantine", "return_to_vendor", "destroy")
RMA_LIFECYCLE = Lifecycle(name="rma", initial="open", table={
    ("open", "parcel"): "receiving",  # rma_receive.lua
    ("receiving", "close"): "closed",  # rma_dispose.lua: every unit disposed, or closed short
})
RMA_STATUSES = tuple(sorted(RMA_LIFECYCLE.states))


class ReturnLine(Input, frozen=True):
    sku: Sku
    quantity: int


class NewRma(Input, frozen=True):
    """An RMA made by hand; ``reference`` is the sender's id for it (a repeat returns the same RMA)."""

    reference: Id
    channel: Word
    lines: Annotated[list[ReturnLine], msgspec.Meta(min_length=1, max_length=200)]
    order_id: OptionalId = ""
    dock: OptionalLocation = ""  # a return-receipt task for the handheld is queued at this dock ('' = none)
    warehouse: Warehouse | None = None


class ChannelReturn(Input, frozen=True):
    """A channel's refund / return event: the order by its channel id; idempotent on ``refund_id``."""

    refund_id: Id
    channel: Word
    external_id: Id
    lines: Annotated[list[ReturnLine], msgspec.Meta(min_length=1, max_length=200)]
    warehouse: Warehouse | None = None


class ReceiveItem(Input, frozen=True):
    """One unit scanned out of the parcel; ``unit_id`` is the scan's id (a repeat changes nothing)."""

    unit_id: Id
    sku: Sku
    serial: OptionalId = ""
    lot: OptionalId = ""
    warehouse: Warehouse | None = None


class Disposition(Input, frozen=True):
    unit_id: Id
    disposition: Word
    reason: ShortText = ""
    location: OptionalLocation = ""  # restock: putaway location ('' = suggested)
    warehouse: Warehouse | None = None


class ReturnUnit(msgspec.Struct, frozen=True):
    unit_id: str
    sku: str
    serial: str
    lot: str
    disposition: str
    reason: str
    location: str = ""
    task_id: str = ""


class RmaView(msgspec.Struct, frozen=True):
    rma_id: str
    status: str
    channel: str
    reference: str
    order_id: str
    lines: list[tuple[str, int]]
    units: int
    received: int
    disposed: int
    received_units: list[ReturnUnit]
    task_id: str = ""  # its return-receipt task on the handheld ('' = none queued)


class ReturnRate(msgspec.Struct, frozen=True):
    sku: str
    channel: str
    shipped: int
    returned: int
    rate: float  # returned / shipped (0 when nothing shipped yet)


def return_rates(stats: dict[str, str]) -> list[ReturnRate]:
    """Rows of ``returnstats`` ("s|<sku>|<channel>" shipped, "r|..." returned) as rates."""
    shipped: dict[tuple[str, str], int] = {}
    returned: dict[tuple[str, str], int] = {}
    for field, value in stats.items():
        kind, _, rest = field.partition("|")
        sku, _, channel = rest.partition("|")
        (shipped if kind == "s" else returned)[(sku, channel)] = int(value)
    rows = []
    for pair in sorted(set(shipped) | set(returned)):
        s, r = shipped.get(pair, 0), returned.get(pair, 0)
        rows.append(ReturnRate(pair[0], pair[1], s, r, round(r / s, 4) if s else 0.0))
    return rows
