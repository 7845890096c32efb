"""Voiding a labelled parcel that must not leave: its order was cancelled after packing.

Invariant: a voided shipment never produces a ship confirmation. ``putback_cancel.lua`` marks every
waybill of it void in Redis (parcel hash ``void`` = 1) atomically with the cancel; then
:func:`void_shipment` cancels each waybill with the carrier through its adapter (``cancel``; the
local carriers' numbers are simply never used), marks the shipment and its labels ``void`` and runs
the void hooks (floor/channels/confirm.py withdraws the ship calls still queued in the channel
outbox). ``Shipping._shipped`` skips a void shipment and re-checks after its hooks, so a ship call
queued while the void ran is withdrawn too. The labels job prints nothing for a void shipment.

A carrier that refuses or cannot be reached is asked again (:func:`retry_voids`, run by the parcel
sweeper on every node): the waybill waits in ``void:retry`` with its next try, backing off from
RETRY_FIRST_S to RETRY_MAX_S, for VOID_TRIES tries in all (about a day); the parcel hash says where
it stands (``void_carrier`` = retrying | confirmed | manual, ``void_attempts``, ``void_error``). After
the last try the board gets a ``parcel_voided`` exception: void it with the carrier by hand.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import msgspec

from floor.core.errors import FloorError, NotFoundError
from floor.core.ids import new_id
from floor.shipping.carriers.model import CarrierError
from floor.shipping.model import Shipment
from floor.shipping.store import ShippingStore

if TYPE_CHECKING:
    from floor.shipping.service import Shipping

VOID_TRIES = 24  # tries with the carrier in all, the first one included
RETRY_FIRST_S = 300  # the second try 5 min after the first, then doubling ...
RETRY_MAX_S = 3600  # ... up to an hour apart: 24 tries span about 21 hours
CLAIM_LEASE_MS = 120_000  # a claimed try not finished by then (its sweeper died) is due again


def next_try_ms(now_ms: int, attempts: int) -> int:
    """When to try a void again after ``attempts`` failed tries."""
    return now_ms + 1000 * min(RETRY_FIRST_S << max(attempts - 1, 0), RETRY_MAX_S)


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
                except (CarrierError, ValueError) as error:  # ValueError: an answer that is not the carrier's JSON
                    await store.void_later(warehouse, box.waybill, next_try_ms(_now_ms(), 1), 1, str(error))
                    notes.append(f"{shipment.carrier} did not void {box.waybill} ({error}): asked again for about "
                                 "a day; the board says if it never does")
                else:
                    await store.void_done(warehouse, box.waybill, "confirmed")
            await store.save_label(warehouse, shipment_id, box.box_no, {"state": "void", "void_reason": reason})
        shipment = msgspec.structs.replace(shipment, status="void", void_reason=reason, labels_state="void")
        await store.save(shipment)
    for hook in shipping.void_hooks:
        notes.extend(await hook(warehouse, shipment))
    return shipment, notes


def _now_ms() -> int:
    return int(time.time() * 1000)


async def retry_voids(shipping: Shipping, warehouse: str, now_ms: int | None = None) -> list[tuple[str, str]]:
    """Ask the carrier again for each void that is due; returns (waybill, confirmed | retrying | manual | gone)."""
    now_ms = now_ms or _now_ms()
    store = shipping.store
    done: list[tuple[str, str]] = []
    for waybill in await store.claim_voids(warehouse, now_ms, CLAIM_LEASE_MS):
        try:
            parcel = await store.parcel(warehouse, waybill)
            shipment = await store.get(warehouse, parcel.get("shipment", ""))
        except NotFoundError:  # the parcel's records are gone (deleted): nothing left to void
            await store.void_forget(warehouse, waybill)
            done.append((waybill, "gone"))
            continue
        attempts = int(parcel.get("void_attempts") or 1) + 1
        try:
            await shipping.adapter(warehouse, shipment.carrier).cancel(waybill, shipment)
        except (CarrierError, ValueError, FloorError) as error:  # FloorError: the carrier's adapter was removed
            reason = getattr(error, "reason", None) or str(error)
            if attempts < VOID_TRIES:
                await store.void_later(warehouse, waybill, next_try_ms(now_ms, attempts), attempts, reason)
                done.append((waybill, "retrying"))
                continue
            await store.void_done(warehouse, waybill, "manual", reason, attempts)
            await shipping.incidents.raise_one(
                warehouse, new_id("X"), "parcel_voided", "", "", "", "",
                f"{shipment.carrier} still did not void waybill {waybill} of the cancelled parcel "
                f"{shipment.shipment_id} after {attempts} tries ({reason}): void it with {shipment.carrier} by hand"[:500],
                "shipping", f"voidfail:{waybill}"[:64])
            done.append((waybill, "manual"))
            continue
        await store.void_done(warehouse, waybill, "confirmed", "", attempts)
        done.append((waybill, "confirmed"))
    return done
