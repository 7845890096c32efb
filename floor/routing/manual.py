"""Order handling on a routing record: merge groups, hold (with its floor exception), release and
cancel. Every method writes through the routing store and the order store (the floor order's own
scripts); the caller (:class:`floor.routing.service.Router`) decides when.

Invariant: a cancel releases only parcels not yet on the floor (reserved, backordered, held);
released ones are reported in the trace (they need a put-back). A hold keeps the reservation.
"""

from __future__ import annotations

import time
from typing import Any

import msgspec

from floor.channels.canonical import CanonicalOrder
from floor.core.errors import NotFoundError, ValidationError
from floor.core.ids import new_id
from floor.incidents.store import IncidentStore
from floor.orders.service import Orders
from floor.routing.handling import MergeGroup, RoutingOutcome, outcome_status
from floor.routing.model import TraceStep
from floor.routing.store import Record, RoutingStore


def _now_ms() -> int:
    return int(time.time() * 1000)


class OrderHandling:
    def __init__(self, store: RoutingStore, orders: Orders, incidents: IncidentStore) -> None:
        self.store = store
        self.orders = orders
        self.incidents = incidents
        self.life: Any = None  # floor.channels.confirm.OrderLife (set by floor.py): put-back and platform acks

    async def merge(self, key: str, group: MergeGroup | None, warehouse: str, platform_id: str, window_s: int) -> str:
        if group is not None and group.warehouse != warehouse:
            return ""  # the partner's warehouse could not ship this one: two parcels, no link
        if group is not None:
            if platform_id not in group.orders:
                group = msgspec.structs.replace(group, orders=[*group.orders, platform_id])
        else:
            group = MergeGroup(key, warehouse, [platform_id], _now_ms() + window_s * 1000)
        await self.store.put_merge_group(key, group)
        return key

    async def raise_hold(self, order: CanonicalOrder, warehouse: str, holds: list[str]) -> None:
        reference = f"hold:{order.channel}:{order.shop}:{order.platform_order_id}"[:64]
        detail = f"order {order.channel}/{order.shop}/{order.platform_order_id} held: {'; '.join(holds)}"
        await self.incidents.raise_one(warehouse, new_id("X"), "order_hold", "", "", "", "", detail[:500], "oms",
                                       reference)

    # -- manual handling ----------------------------------------------------------------------
    async def _record(self, channel: str, shop: str, platform_id: str) -> Record:
        record = await self.store.record(channel, shop, platform_id)
        if record is None:
            raise NotFoundError(f"order {channel}/{shop}/{platform_id} was never routed")
        return record

    async def cancel(self, channel: str, shop: str, platform_id: str, reason: str = "cancelled") -> RoutingOutcome:
        return await self.cancel_record(await self._record(channel, shop, platform_id), reason)

    async def cancel_record(self, record: Record, reason: str) -> RoutingOutcome:
        o = record.outcome
        parcels, trace, refused = [], list(o.trace), []
        for parcel in o.parcels:
            if parcel.status == "cancelled":
                parcels.append(parcel)
                continue
            try:
                await self.orders.store.cancel(parcel.warehouse, parcel.order_id, reason[:200])
                parcels.append(msgspec.structs.replace(parcel, status="cancelled"))
                trace.append(TraceStep("", parcel.warehouse, "cancelled", f"{parcel.order_id} released"))
            except Exception as error:  # released / picked / packed: on the floor, needs a put-back
                done, why = (await self.life.cancel_detail(parcel.warehouse, parcel.order_id, reason)
                             if self.life else ("", ""))
                if done in ("put_back", "cancelled"):  # picking stopped; picked units go back (floor/putback)
                    parcels.append(msgspec.structs.replace(parcel, status="cancelled"))
                    trace.append(TraceStep("", parcel.warehouse, "put_back", f"{parcel.order_id}: picking stopped, "
                                           "picked units go back through a put-back task" + (f"; {why}" if why else "")))
                    continue
                parcels.append(parcel)
                refused.append(parcel.order_id)
                trace.append(TraceStep("", parcel.warehouse, "cancel_refused", f"{parcel.order_id}: {why or error}"))
        if o.merge_group:
            group = await self.store.merge_group(o.merge_group)
            if group is not None:
                rest = [x for x in group.orders if x != o.platform_order_id]
                await self.store.put_merge_group(o.merge_group, msgspec.structs.replace(group, orders=rest))
                trace.append(TraceStep("", group.warehouse, "unmerged", f"left group; {len(rest)} order(s) remain"))
        outcome = msgspec.structs.replace(o, status="cancelled", parcels=parcels, trace=trace, merge_group="",
                                          repeat=False)
        await self.store.save(msgspec.structs.replace(record, outcome=outcome))
        if not refused:  # a parcel the carrier has (shipped) is a return: not acknowledged as cancelled
            await self._ack(outcome, "cancelled", reason)
        return outcome

    async def _ack(self, outcome: RoutingOutcome, kind: str, note: str) -> None:
        """Tell the platform (floor/channels/confirm.py: its outbox, once per occurrence)."""
        if self.life is not None:
            # a cancel happens once per order; holds and releases may repeat (one ack per occurrence)
            occurrence = 0 if kind == "cancelled" else sum(step.verdict == kind for step in outcome.trace)
            await self.life.acknowledge(outcome.channel, outcome.shop, outcome.platform_order_id, kind, note,
                                        occurrence)

    async def hold(self, channel: str, shop: str, platform_id: str, reason: str) -> RoutingOutcome:
        record = await self._record(channel, shop, platform_id)
        o = record.outcome
        if o.status in ("cancelled", "closed"):
            raise ValidationError(f"order {platform_id} is {o.status}: nothing to hold")
        parcels = []
        for parcel in o.parcels:
            if parcel.status in ("reserved", "backordered"):
                await self.store.hold_floor_order(parcel.warehouse, parcel.order_id, "hold", reason[:200])
                parcel = msgspec.structs.replace(parcel, status="held")
            parcels.append(parcel)
        holds = [*o.holds, f"manual: {reason}"]
        if parcels:
            await self.raise_hold(record.order, parcels[0].warehouse, holds)
        outcome = msgspec.structs.replace(o, status="held", parcels=parcels, holds=holds, repeat=False,
                                          trace=[*o.trace, TraceStep("", "", "held", f"manual: {reason}")])
        await self.store.save(msgspec.structs.replace(record, outcome=outcome))
        await self._ack(outcome, "held", reason)
        return outcome

    async def release(self, channel: str, shop: str, platform_id: str, actor: str) -> RoutingOutcome:
        record = await self._record(channel, shop, platform_id)
        o = record.outcome
        if o.status != "held":
            raise ValidationError(f"order {platform_id} is {o.status}, not held")
        parcels = []
        for parcel in o.parcels:
            if parcel.status == "held":
                status = await self.store.hold_floor_order(parcel.warehouse, parcel.order_id, "release", "")
                parcel = msgspec.structs.replace(parcel, status=status)
            parcels.append(parcel)
        outcome = msgspec.structs.replace(o, status=outcome_status(parcels, False, []), parcels=parcels, holds=[],
                                          repeat=False, trace=[*o.trace, TraceStep("", "", "released", f"by {actor}")])
        await self.store.save(msgspec.structs.replace(record, outcome=outcome))
        await self._ack(outcome, "released", f"released by {actor}")
        return outcome
