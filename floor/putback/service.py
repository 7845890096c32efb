"""Put-back use cases: cancel an order that is already on the floor (picking stops, picked units go
back through a put-back task; a PACKED order's parcel is voided first) and read a put-back task. The
scans of the task come through the handheld socket like every task kind (floor/planning/service.py
routes kind ``putback`` to ``putback_scan.lua``). Callers: floor/channels/confirm.py (platform
cancels, routing cancels).

A packed order (an open pack session, or a labelled shipment the carrier does not have yet) is
cancelled in ``putback_cancel.lua`` together with the void of its parcel; then the labels are voided
with the carrier and the channel (floor/shipping/void.py), the other orders of a merged parcel go
back to packing (they keep the parcel's ship-to), and the voided parcel is raised on the board
(floor exception ``parcel_voided``, once per order). A shipped order is refused (outcome
``shipped``): that is a return (floor/returns).
"""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec

from floor.core.errors import ConflictError, NotFoundError
from floor.core.ids import new_id
from floor.putback.model import PutBackResult, PutBackTask
from floor.putback.store import Cancelled, PutBackStore
from floor.shipping.model import ShipTo
from floor.shipping.pack import PackSession
from floor.shipping.void import void_shipment

ATTEMPTS = 20  # a parcel being labelled right now (carrier calls in flight): wait for it, then void it
WAIT_S = 0.15


class Parcel:
    """Where a packed order's units are: its shipment ('' none), the pack session's owner, station,
    and every order of that parcel."""

    def __init__(self, shipment_id: str = "", owner: str = "", station: str = "",
                 members: list[str] | None = None) -> None:
        self.shipment_id, self.owner, self.station = shipment_id, owner, station
        self.members = members or []


class PutBacks:
    def __init__(self, store: PutBackStore, shipping: Any = None) -> None:
        self.store = store
        self.shipping = shipping  # floor.shipping.service.Shipping (set by floor.py): packed orders

    async def cancel_released(self, warehouse: str, order_id: str, reason: str) -> str:
        """'put_back' once the order is cancelled on the floor (safe to repeat), 'shipped' when the
        carrier has its parcel (nothing changed); raises when the order is in no state to cancel here."""
        return (await self.cancel(warehouse, order_id, reason)).outcome

    async def cancel(self, warehouse: str, order_id: str, reason: str) -> PutBackResult:
        """Idempotent on the order (an order is cancelled once): a repeat answers the same task and
        voided shipment with ``repeat`` and changes nothing twice (the carrier is asked once)."""
        reason = reason[:200]
        done: Cancelled | None = None
        for attempt in range(ATTEMPTS):
            parcel = await self._parcel(warehouse, order_id)
            try:
                done = await self.store.cancel(warehouse, order_id, reason, new_id("T"), parcel.shipment_id,
                                               parcel.owner, parcel.station)
                break
            except ConflictError as error:
                if error.code == "shipped":
                    return PutBackResult(order_id, "shipped", detail=error.reason)
                if attempt == ATTEMPTS - 1:
                    raise
                await asyncio.sleep(WAIT_S)
        assert done is not None
        if done.packed:
            await self._voided(warehouse, order_id, reason, done, parcel)
        return PutBackResult(order_id, "put_back", done.task_id, done.repeat, done.voided, done.packed)

    async def _parcel(self, warehouse: str, order_id: str) -> Parcel:
        if self.shipping is None:
            return Parcel()
        store = self.shipping.store
        try:
            shipment = await store.of_order(warehouse, order_id)
        except NotFoundError:  # claimed, being labelled: the script answers 'conflict' and we wait
            shipment = None
        if shipment is not None:
            raw = await store.pack(warehouse, shipment.order_id)
            station = msgspec.json.decode(raw, type=PackSession).station if raw is not None else ""
            return Parcel(shipment.shipment_id, shipment.order_id, station, [shipment.order_id, *shipment.orders])
        try:
            session = await self.shipping.session(warehouse, order_id)
        except NotFoundError:
            return Parcel()
        return Parcel("", session.order_id, session.station, [session.order_id, *session.orders])

    async def _voided(self, warehouse: str, order_id: str, reason: str, done: Cancelled, parcel: Parcel) -> None:
        """After the script voided the parcel: the carrier and the channel (repeat-safe), the ship-to
        of the orders going back to packing, one floor exception on the board."""
        if self.shipping is None:
            return
        notes: list[str] = []
        waybills = ""
        if done.voided:
            shipment, notes = await void_shipment(self.shipping, warehouse, done.voided, reason)
            parcel.members = parcel.members or [shipment.order_id, *shipment.orders]  # a repeat found none
            parcel.owner = parcel.owner or shipment.order_id
            waybills = ", ".join(box.waybill for box in shipment.boxes)
        repack = [m for m in parcel.members if m != order_id]
        store = self.shipping.store
        raw = await store.ship_to(warehouse, parcel.owner) if parcel.owner else None
        for member in repack:  # the same buyer and address (合单): a member packs alone next time
            if raw is not None and await store.ship_to(warehouse, member) is None:
                await store.set_ship_to(warehouse, member, msgspec.json.decode(raw, type=ShipTo))
        what = f"parcel {done.voided} (waybills {waybills})" if done.voided else "the open pack session"
        detail = (f"order {order_id} cancelled after packing ({reason}): {what} voided"
                  f"{' at ' + parcel.station if parcel.station else ''}; its units go back through put-back "
                  f"{done.task_id or '(none picked)'}")
        if repack:
            detail += f"; {', '.join(repack)} go back to packing"
        if notes:
            detail += "; " + "; ".join(notes)
        await self.shipping.incidents.raise_one(warehouse, new_id("X"), "parcel_voided", "", done.task_id, "", "",
                                                detail[:500], "putback", f"void:{order_id}"[:64])

    async def refund(self, warehouse: str, order_id: str, out: dict[str, int], ref: str, reason: str) -> PutBackResult:
        """Take ``out`` units per SKU off an order on the floor (a line refund after release): unpicked
        steps shrink first, picked units go back through a put-back task. Idempotent on ``ref``. A
        packed order is left unchanged and raised on the board (its parcel holds the units)."""
        out = {sku: n for sku, n in out.items() if n > 0}
        if not out:
            return PutBackResult(order_id, "unchanged")
        parcel = await self._parcel(warehouse, order_id)
        if parcel.owner and self.shipping is not None:  # packed: the units are in the box, not in a tote
            detail = (f"line refund ({', '.join(f'{n} x {sku}' for sku, n in sorted(out.items()))}) of order "
                      f"{order_id} after packing{' at ' + parcel.station if parcel.station else ''}: the parcel "
                      f"{parcel.shipment_id or '(open session)'} still holds them; take them out by hand or cancel "
                      "the order")
            await self.shipping.incidents.raise_one(warehouse, new_id("X"), "other", "", "", "", "", detail[:500],
                                                    "putback", f"refund:{order_id}:{ref}"[:64])
            return PutBackResult(order_id, "unchanged", packed=True, detail=detail)
        repeat, task_id = await self.store.reduce(warehouse, order_id, out, ref[:100], new_id("T"), reason[:200])
        return PutBackResult(order_id, "put_back", task_id, repeat)

    async def task(self, warehouse: str, task_id: str) -> PutBackTask:
        task = await self.store.task(warehouse, task_id)
        if task is None:
            raise NotFoundError(f"no put-back task '{task_id}' in {warehouse}")
        return task
