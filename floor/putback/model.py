"""Put-back: the units of an order cancelled after release go back to their bins. Pure.

A put-back task (kind ``putback``) lists one step per (pick location, SKU) with the units picked
for the cancelled order there. On the handheld each unit is scanned, then the bin it goes to (the
step's location or another pick face already holding the SKU); the bin scan books the unit back
on hand through the ledger, once per scan id, never more units than the step lists.
"""

from __future__ import annotations

import msgspec

OUTCOMES = ("cancelled", "put_back", "gone", "unchanged")


class PutBackResult(msgspec.Struct, frozen=True):
    order_id: str
    outcome: str  # put_back: picking stopped (and units picked go back through ``task_id``, if any)
    task_id: str = ""
    repeat: bool = False


class PutBackTask(msgspec.Struct, frozen=True):
    task_id: str
    status: str
    order_id: str
    units: int
    returned: int  # units booked back so far
    steps: list[tuple[str, str, int, int]]  # (location, sku, units listed, units put back)
