"""Voiding a labelled parcel that must not leave: its order was cancelled after packing.

Invariant: a voided shipment never produces a ship confirmation. ``putback_cancel.lua`` marks every
waybill of it void in Redis (parcel hash ``void`` = 1) atomically with the cancel; then
:func:`void_shipment` cancels each waybill with the carrier through its adapter (``cancel``; the
local carriers' numbers are simply never used), marks the shipment and its labels ``void`` and runs
the void hooks (floor/channels/confirm.py withdraws the ship calls still queued in the channel
outbox). ``Shipping._shipped`` skips a void shipment and re-checks after its hooks, so a ship call
queued while the void ran is withdrawn too. The labels job prints nothing for a void shipment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from floor.core.errors import FloorError
from floor.shipping.carriers.model import CarrierError
from floor.shipping.model import Shipment
from floor.shipping.store import ShippingStore

if TYPE_CHECKING:
    from floor.shipping.service import Shipping


async def is_void(store: ShippingStore, warehouse: str, shipment: Shipment) -> bool:
    """True once the shipment (or any of its waybills) was voided."""
    if shipment.status == "void":
        return True
    for box in shipment.boxes:
        if box.waybill and await store.parcel_void(warehouse, box.waybill):
            return True
    return False


async def void_shipment(shipping: Shipping, warehouse: str, shipment_id: str, reason: str) -> tuple[Shipment, list[str]]:
    """Carry out a void the cancel script decided: the carrier's cancel per waybill (once: a shipment
    already ``void`` is not sent again), status and labels ``void``, then every void hook (each safe to
    repeat). Returns the shipment and notes for the board (carrier refusals, confirmations already sent)."""
    store = shipping.store
    shipment = await store.get(warehouse, shipment_id)
    notes: list[str] = []
    if shipment.status != "void":
        try:
            adapter = shipping.adapter(warehouse, shipment.carrier)
        except FloorError as error:
            adapter = None
            notes.append(f"no carrier adapter to void with: {error.reason}; void the waybills with {shipment.carrier}")
        for box in shipment.boxes:
            if adapter is not None:
                try:
                    await adapter.cancel(box.waybill, shipment)
                except CarrierError as error:
                    notes.append(f"{shipment.carrier} did not void {box.waybill}: {error}; void it by hand")
            await store.save_label(warehouse, shipment_id, box.box_no, {"state": "void", "void_reason": reason})
        shipment = msgspec.structs.replace(shipment, status="void", void_reason=reason, labels_state="void")
        await store.save(shipment)
    for hook in shipping.void_hooks:
        notes.extend(await hook(warehouse, shipment))
    return shipment, notes
