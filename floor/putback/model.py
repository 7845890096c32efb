"""Put-back: the units of an order cancelled after release go back to their bins. Pure.

A put-back task (kind ``putback``) lists one step per (pick location, SKU) with the units picked
for the cancelled order there. On the handheld each unit is scanned, then the bin it goes to (the
step's location or another pick face already holding the SKU); the bin scan books the unit back
on hand through the ledger, once per scan id, never more units than the step lists.

A PACKED order (an open pack session or a labelled shipment, not yet with the carrier) is cancelled
the same way, its parcel voided: the put-back task's source is the pack station (``source`` pack)
instead of the pick tote; other orders of a merged parcel go back to packing.
"""

from __future__ import annotations

import msgspec

OUTCOMES = ("cancelled", "put_back", "gone", "unchanged", "shipped")


class PutBackResult(msgspec.Struct, frozen=True):
    order_id: str
    outcome: str  # put_back: picking stopped (and units picked go back through ``task_id``, if any)
    task_id: str = ""
    repeat: bool = False
    voided: str = ""  # the shipment voided by this cancel (a packed order), '' = none
    packed: bool = False  # the order was on a pack bench: its parcel (label or open session) is void
    detail: str = ""  # why a cancel was refused (outcome 'shipped')


class PutBackTask(msgspec.Struct, frozen=True):
    task_id: str
    status: str
    order_id: str
    units: int
    returned: int  # units booked back so far
    steps: list[tuple[str, str, int, int]]  # (location, sku, units listed, units put back)
    source: str = "tote"  # where the units are collected: tote (picking stopped) | pack (a voided parcel)
    station: str = ""  # source pack: the pack station holding the parcel's units
    shipment: str = ""  # source pack: the voided shipment ('' = an open pack session, no label)
