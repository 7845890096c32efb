"""The life of a channel order after intake, told back to its platform through the channel outbox:
shipments confirmed per parcel, cancels and holds acknowledged, the push profile kept in step with
the shop registered through the admin API.

Invariants: a parcel (one shipment of our floor, i.e. one waybill set) is confirmed once per SOURCE
platform order (key ``<shipment id>:<platform order id>``): a merged shipment (合单) confirms every
order it carries, a split order confirms each of its parcels. The outbox (floor/availability) sends
and retries; a key the platform accepted is never queued again. Acknowledgements are keyed per
(kind, order, occurrence) the same way. The caller (shipping's close, the routing handling, the
channel take) calls here after its own write succeeded; every call is safe to repeat.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import msgspec

from floor.availability.acks import ACK_KINDS, Ack
from floor.availability.model import ChannelProfile
from floor.availability.senders import Shipment as ShipCall
from floor.availability.service import Availability
from floor.availability.store import outbox_key
from floor.channels.model import CHANNELS, ResolvedLine
from floor.channels.push_profile import profile_of
from floor.channels.store import ChannelStore
from floor.core.errors import FloorError, NotFoundError
from floor.orders.store import OrderStore
from floor.routing.store import RoutingStore


@lru_cache(maxsize=1)
def _codes() -> dict[str, dict[str, str]]:
    raw = json.loads((Path(__file__).parent / "data" / "carrier_codes.json").read_text())
    raw.pop("_doc", None)
    return {k: dict(v) for k, v in raw.items()}


def carrier_code(channel: str, carrier: str) -> str:
    """The platform's code for our carrier (data/carrier_codes.json); our code when it has none."""
    return _codes().get(channel, {}).get(carrier, carrier)


def platform_id(external_id: str) -> str:
    """The platform order id of a floor order's external id (``<id>``, ``<id>#<n>``, ``<id>~<rev>#<n>``)."""
    head = external_id.rsplit("#", 1)[0] if "#" in external_id else external_id
    return re.sub(r"~\d+$", "", head)


class OrderLife:
    def __init__(self, channels: ChannelStore, routing: RoutingStore, availability: Availability,
                 orders: OrderStore) -> None:
        self.channels = channels
        self.routing = routing
        self.availability = availability
        self.orders = orders
        self.putback: Any = None  # floor.putback.service.PutBacks (set by floor.py): cancel after release

    # -- the push profile of a registered shop (the admin API's shops and SKU mappings) ---------
    async def sync_shop(self, channel: str, shop: str) -> ChannelProfile | None:
        """(Re)derive the shop's push profile; None when the shop is not registered or has no API URL."""
        record = await self.channels.shop(channel, shop)
        if record is None or not record.api_url:
            return None  # no API URL registered: nothing can be pushed or confirmed to that shop
        sites: list[str] = []
        if record.seller:
            rules = await self.routing.rules(record.seller)
            sites = [site.warehouse for site in rules.sites] if rules else []
        previous = await self.availability.store.profile(channel, shop)
        profile = profile_of(record, await self.channels.all_mappings(channel, shop), sites, previous)
        return await self.availability.put_profile(profile)

    async def _ready(self, channel: str, shop: str) -> bool:
        if channel not in CHANNELS:
            return False
        if await self.availability.store.profile(channel, shop) is not None:
            return True
        return await self.sync_shop(channel, shop) is not None

    # -- shipment confirmation ------------------------------------------------------------------
    async def shipped(self, warehouse: str, shipment: Any) -> list[str]:
        """Queue the ship call of every source order of a labelled shipment (floor.shipping.model.Shipment);
        returns the parcel keys queued now (empty on a repeat)."""
        waybills = [box.waybill for box in shipment.boxes if box.waybill]
        if not waybills or getattr(shipment, "status", "") == "void":  # a voided parcel is never confirmed
            return []
        queued = []
        for order_id in dict.fromkeys([shipment.order_id, *getattr(shipment, "orders", [])]):
            try:
                order = await self.orders.get(warehouse, order_id)
            except NotFoundError:
                continue
            pid = platform_id(order.external_id)
            if not order.shop or not await self._ready(order.channel, order.shop):
                continue  # an order keyed in by hand, or a channel with no registered shop: nothing to tell
            call = ShipCall(parcel=f"{shipment.shipment_id}:{pid}", platform_order_id=pid,
                            carrier=carrier_code(order.channel, shipment.carrier), waybill=waybills[0],
                            line_ids=await self._split_lines(order.channel, order.shop, pid,
                                                             {line.sku for line in order.lines}))
            if await self.availability.confirm_shipment(order.channel, order.shop, call):
                queued.append(call.parcel)
        return queued

    async def _split_lines(self, channel: str, shop: str, pid: str, skus: set[str]) -> list[str]:
        """The platform line ids in this parcel when the order ships in several parcels, else [] (whole order)."""
        record = await self.routing.record(channel, shop, pid)
        live = [p for p in record.outcome.parcels if p.status != "cancelled"] if record else []
        if len(live) < 2:
            return []
        raw = (await self.channels.record(channel, shop, pid)).get("lines")
        lines = msgspec.json.decode(raw, type=list[ResolvedLine]) if raw else []
        return sorted({line.line_id for line in lines if line.sku in skus and line.line_id})

    # -- merged orders (合单) ------------------------------------------------------------------------
    async def merge_partners(self, warehouse: str, order_id: str) -> list[str]:
        """The other live floor orders in ``warehouse`` of the merge group of ``order_id``'s platform order
        (the routing's group link): the pack bench ships them as one parcel. Cancelled members are out."""
        try:
            order = await self.orders.get(warehouse, order_id)
        except NotFoundError:
            return []
        pid = platform_id(order.external_id)
        record = await self.routing.record(order.channel, order.shop, pid) if order.shop else None
        if record is None or not record.outcome.merge_group or record.outcome.status == "cancelled":
            return []
        group = await self.routing.merge_link(record.outcome.merge_group)
        partners: list[str] = []
        for other in group.orders if group else []:
            if other == pid:
                continue
            linked = await self.routing.record(order.channel, order.shop, other)
            if linked is None or linked.outcome.status == "cancelled":
                continue
            for parcel in linked.outcome.parcels:
                if parcel.warehouse != warehouse or parcel.status == "cancelled":
                    continue
                try:
                    status = (await self.orders.get(warehouse, parcel.order_id)).status
                except NotFoundError:
                    continue
                if status not in ("cancelled", "backordered"):
                    partners.append(parcel.order_id)
        return partners

    # -- cancels and holds ------------------------------------------------------------------------
    async def acknowledge(self, channel: str, shop: str, pid: str, kind: str, note: str, occurrence: int = 0) -> bool:
        """Queue ``kind`` (held | released | cancelled) for the platform; False on a repeat or no shop."""
        if kind not in ACK_KINDS or not await self._ready(channel, shop):
            return False
        ack = Ack(f"{kind}:{pid}:{occurrence}", pid, kind, "".join(c if c.isprintable() else " " for c in note)[:200])
        return await self.availability.acknowledge(channel, shop, ack)

    async def cancel_on_floor(self, warehouse: str, order_id: str, reason: str) -> str:
        """Cancel one floor order whatever its state: 'cancelled' (released its reservation),
        'put_back' (it was on the floor: picking stops, picked units go back through a put-back task;
        a packed order's parcel is voided first: label, carrier, queued ship calls), 'shipped' (the
        carrier has its parcel: refused, nothing changed — a return) / 'gone' (nothing to do here).
        Safe to repeat."""
        return (await self.cancel_detail(warehouse, order_id, reason))[0]

    async def cancel_detail(self, warehouse: str, order_id: str, reason: str) -> tuple[str, str]:
        """(outcome as :meth:`cancel_on_floor`, why it was refused / what was voided, or '')."""
        try:
            await self.orders.cancel(warehouse, order_id, reason[:200])
            return "cancelled", ""
        except NotFoundError:
            return "gone", ""
        except FloorError:
            if self.putback is None:
                raise
            result = await self.putback.cancel(warehouse, order_id, reason[:200])
            if result.packed and not result.detail:
                return str(result.outcome), f"its parcel {result.voided or '(open pack session)'} is void"
            return str(result.outcome), str(result.detail)

    async def withdraw(self, warehouse: str, shipment: Any) -> list[str]:
        """A void hook (floor/shipping/void.py): take the ship calls of a voided shipment out of each
        source order's channel outbox, so the platform never hears of that parcel. Returns a note per
        parcel the platform had ALREADY accepted (a person settles it on the platform). Safe to repeat."""
        notes = []
        for order_id in dict.fromkeys([shipment.order_id, *getattr(shipment, "orders", [])]):
            try:
                order = await self.orders.get(warehouse, order_id)
            except NotFoundError:
                continue
            if not order.shop or order.channel not in CHANNELS:
                continue
            parcel = f"{shipment.shipment_id}:{platform_id(order.external_id)}"
            client = self.availability.store.client
            async with client.pipeline(transaction=True) as pipe:
                for part in ("ship", "failed", "backoff"):
                    pipe.hdel(outbox_key(order.channel, order.shop, part), parcel)
                pipe.sismember(outbox_key(order.channel, order.shop, "shipped"), parcel)
                *_removed, sent = await pipe.execute()
            if sent:
                notes.append(f"{order.channel} was already told {platform_id(order.external_id)} shipped "
                             f"(parcel {parcel}): settle it on the platform")
        return notes

    async def after_take(self, shop: Any, order: Any, outcome: Any) -> None:
        """After the channel took a version of a platform order (floor/channels/service.py Channels.take):
        a cancel of an order taken on the shop's own warehouse (not routed) is carried out on the
        floor; holds and cancels are acknowledged."""
        pid = order.platform_order_id
        refused = False
        if outcome.result == "cancel_requested" and outcome.floor_order and outcome.warehouse:
            done = await self.cancel_on_floor(outcome.warehouse, outcome.floor_order, "cancelled on the platform")
            refused = done == "shipped"  # the carrier has it: not acknowledged as cancelled (a return)
        if order.state == "ready" and any(line.refunding for line in order.lines):
            await self.refund_on_floor(shop.channel, shop.shop, pid, outcome, order.updated_ms)
        if outcome.result == "held":
            await self.acknowledge(shop.channel, shop.shop, pid, "held", "; ".join(outcome.reasons))
        elif order.state == "cancelled" and outcome.floor_order and not refused:
            await self.acknowledge(shop.channel, shop.shop, pid, "cancelled", "cancelled in the warehouse")

    async def refund_on_floor(self, channel: str, shop: str, pid: str, outcome: Any, version: int) -> int:
        """A line refund of an order already on the floor: the units its floor orders hold beyond the
        lines that may still ship are taken off (unpicked first, then put back). Orders still only
        reserved are left to the router (it re-places them) or, without a seller, unchanged.
        Returns the floor orders changed; idempotent per platform version."""
        raw = (await self.channels.record(channel, shop, pid)).get("lines")
        wanted: dict[str, int] = {}
        for resolved in msgspec.json.decode(raw, type=list[ResolvedLine]) if raw else []:
            wanted[resolved.sku] = wanted.get(resolved.sku, 0) + resolved.quantity
        record = await self.routing.record(channel, shop, pid)
        parcels = ([(p.warehouse, p.order_id) for p in record.outcome.parcels if p.status != "cancelled"]
                   if record else [(outcome.warehouse, outcome.floor_order)] if outcome.floor_order else [])
        floor_orders = []
        for warehouse, order_id in parcels:
            try:
                floor_orders.append(await self.orders.get(warehouse, order_id))
            except NotFoundError:
                continue
        for order in floor_orders:  # what the orders not on the floor keep counts as wanted first
            if order.status not in ("released", "picked", "picked_short"):
                for line in order.lines:
                    wanted[line.sku] = wanted.get(line.sku, 0) - line.quantity
        changed = 0
        for order in floor_orders:
            if order.status not in ("released", "picked", "picked_short") or self.putback is None:
                continue
            out: dict[str, int] = {}
            for line in order.lines:
                keep = max(0, min(line.quantity, wanted.get(line.sku, 0)))
                wanted[line.sku] = wanted.get(line.sku, 0) - keep
                if line.quantity > keep:
                    out[line.sku] = out.get(line.sku, 0) + line.quantity - keep
            if out:
                await self.putback.refund(order.warehouse, order.order_id, out, f"refund:{version}",
                                          "line refunded on the platform")
                changed += 1
        return changed
