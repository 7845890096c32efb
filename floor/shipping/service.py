"""Shipping use cases: pack an order into boxes, ship it (quote, choose, waybills, labels), track it.

Invariant: closing the LAST box of an order creates the shipment once (idempotent per order), with
one waybill and one label per box ("n of m" known only then, so no duplicate labels), and hands the
labels to ``enqueue`` (the RQ render + print job) with no further click. Tracking events are applied
once each; the sweep raises parcel_stuck / parcel_lost floor exceptions once per parcel.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from floor.core.errors import ConflictError, NotFoundError, ValidationError
from floor.core.ids import new_id
from floor.incidents.store import IncidentStore
from floor.shipping import pack as packing
from floor.shipping.carriers.model import RawEvent
from floor.shipping.carriers.service import Adapter, LocalAdapter
from floor.shipping.model import (
    Box,
    Choice,
    Destination,
    Parcel,
    Quote,
    Shipment,
    ShipTo,
    catalogue,
)
from floor.shipping.rates import choose, quote
from floor.shipping.store import ShippingStore
from floor.shipping.tracking import FINAL, normalise, verdict
from floor.shipping.void import is_void
from floor.zpl.builder import LabelData, Party, build

Enqueue = Callable[[str, str, str], Awaitable[None]]  # warehouse, shipment id, station


class CloseResult(msgspec.Struct, frozen=True):
    verdict: str  # ok | missing | weight_mismatch | empty
    expected_g: int = 0
    shipment_id: str = ""
    missing: dict[str, int] = {}


def _end_of_day_ms(day: str) -> int:
    """The end of a promised local (China) date, epoch ms."""
    start = datetime.fromisoformat(day).replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    return int(start.timestamp() * 1000) + 86_400_000


def _now_ms() -> int:
    return int(time.time() * 1000)


class Shipping:
    def __init__(self, store: ShippingStore, orders: Any, incidents: IncidentStore,
                 sender: dict[str, str] | None = None, adapters: dict[str, Adapter] | None = None,
                 enqueue: Enqueue | None = None) -> None:
        self.store, self.orders, self.incidents = store, orders, incidents
        self.sender = sender or {"name": "仓库", "phone": "", "address": ""}
        self.adapters = adapters or {}
        self.enqueue = enqueue
        self.push_secrets: dict[str, str] = {}  # local carriers' push secrets (FLOOR_CARRIERS "local")
        self.origins: dict[str, str] = {}  # warehouse -> the zone table's origin it ships like (tests, new sites)
        # Called with (warehouse, shipment) once waybills exist, again on a repeated close (idempotent):
        # the channel outbox queues each source order's ship call (floor/channels/confirm.py).
        self.shipped_hooks: list[Callable[[str, Shipment], Awaitable[Any]]] = []
        # Called with (warehouse, shipment) once it is void (floor/shipping/void.py): the channel outbox
        # withdraws its queued ship calls; each returns notes for the board. Safe to repeat.
        self.void_hooks: list[Callable[[str, Shipment], Awaitable[list[str]]]] = []
        # (warehouse, floor order) -> the other floor orders of its merge group (合单) in that warehouse
        self.merge_partners: Callable[[str, str], Awaitable[list[str]]] | None = None

    def adapter(self, warehouse: str, carrier: str) -> Adapter:
        if carrier in self.adapters:
            return self.adapters[carrier]
        if catalogue().carriers[carrier].adapter == "local":
            return LocalAdapter(carrier, self.store, warehouse, "")
        raise ValidationError(f"carrier {carrier} has no configured adapter")

    # ---- pack bench
    async def start_pack(self, warehouse: str, order_id: str, station: str) -> packing.PackSession:
        """The order's pack session (created once). A merged order (合单) packs with the other orders of
        its group in this warehouse that are not packed or shipped yet: one session, one parcel; starting
        any member of a group already on a bench answers that session."""
        raw = await self.store.pack(warehouse, order_id)
        if raw is not None:
            return msgspec.json.decode(raw, type=packing.PackSession)
        partners = await self.merge_partners(warehouse, order_id) if self.merge_partners else []
        mine: list[str] = []
        for partner in partners:
            found = await self.store.pack(warehouse, partner)
            if found is not None:
                other = msgspec.json.decode(found, type=packing.PackSession)
                if order_id in other.orders:
                    return other  # packed with that member: one parcel
            elif await self.store.of_order(warehouse, partner) is None:
                mine.append(partner)
        expected: dict[str, int] = {}
        for member in [order_id, *mine]:
            for line in (await self.orders.get(warehouse, member)).lines:
                expected[line.sku] = expected.get(line.sku, 0) + line.quantity
        facts = await self.store.sku_facts(warehouse, list(expected))
        items = {sku: packing.Item(sku, f.weight_g, f.length_mm, f.width_mm, f.height_mm, f.serial_controlled)
                 for sku, f in facts.items()}
        session = packing.PackSession(order_id, station, expected, items, [], orders=mine)
        await self.store.save_pack(warehouse, order_id, session)
        return session

    async def session(self, warehouse: str, order_id: str) -> packing.PackSession:
        raw = await self.store.pack(warehouse, order_id)
        if raw is None and self.merge_partners is not None:  # a member of a merged parcel: its session
            for partner in await self.merge_partners(warehouse, order_id):
                found = await self.store.pack(warehouse, partner)
                if found is not None and order_id in msgspec.json.decode(found, type=packing.PackSession).orders:
                    raw = found
                    break
        if raw is None:
            raise NotFoundError(f"order '{order_id}' is not on a pack bench")
        return msgspec.json.decode(raw, type=packing.PackSession)

    async def scan(self, warehouse: str, order_id: str, code: str, serial: str = "") -> tuple[str, packing.PackSession]:
        session = await self.session(warehouse, order_id)
        if session.shipment_id:
            return "closed", session
        sku = code if code in session.expected else (await self.store.sku_of_gtin(warehouse, code) or code)
        result = packing.scan(session, sku, serial)
        if result == "ok":
            await self.store.save_pack(warehouse, session.order_id, session)
        return result, session

    async def close_box(self, warehouse: str, order_id: str, weight_g: int, box_type: str = "",
                        last: bool = False) -> CloseResult:
        session = await self.session(warehouse, order_id)
        if session.shipment_id:
            await self._shipped(warehouse, session.shipment_id)
            return CloseResult("ok", shipment_id=session.shipment_id)
        box = session.open_box
        if not box.items:
            return CloseResult("empty")
        if last and session.missing():
            return CloseResult("missing", missing=session.missing())
        types = {b.code: b for b in packing.box_table().boxes}
        if box_type and box_type not in types:
            raise ValidationError(f"box type must be one of {', '.join(types)}")
        chosen = types.get(box_type) or packing.suggest([session.items[s] for s in box.items if s in session.items])
        expected = packing.expected_weight(session, box, chosen)
        if not packing.weight_ok(expected, weight_g):
            await self.incidents.raise_one(
                warehouse, new_id("X"), "pack_mismatch", "", "", session.station, "",
                f"order {order_id} box {box.box_no}: weighs {weight_g} g, expected {expected} g", "shipping",
                f"weight-{order_id}-{box.box_no}-{weight_g}")
            return CloseResult("weight_mismatch", expected)
        box.box_type, box.weight_g, box.closed = chosen.code if chosen else "", weight_g, True
        if not session.missing():
            shipment = await self.ship(warehouse, session)
            session.shipment_id = shipment.shipment_id
        await self.store.save_pack(warehouse, session.order_id, session)
        if session.shipment_id and self.enqueue is not None:
            await self.enqueue(warehouse, session.shipment_id, session.station)
        if session.shipment_id:
            await self._shipped(warehouse, session.shipment_id)
        return CloseResult("ok", expected, session.shipment_id)

    async def _shipped(self, warehouse: str, shipment_id: str) -> None:
        """The shipped hooks, never for a void shipment; a void that landed while they ran gets the void
        hooks (a ship call queued meanwhile is withdrawn)."""
        if self.shipped_hooks:
            shipment = await self.store.get(warehouse, shipment_id)
            if await is_void(self.store, warehouse, shipment):
                return
            for hook in self.shipped_hooks:
                await hook(warehouse, shipment)
            if await is_void(self.store, warehouse, shipment):
                for void_hook in self.void_hooks:
                    await void_hook(warehouse, shipment)

    # ---- quote and ship
    async def prepare(self, warehouse: str, order_id: str, ship_to: ShipTo) -> None:
        if ship_to.country == "CN" and not ship_to.province:
            raise ValidationError("a domestic ship-to needs its province")
        await self.store.set_ship_to(warehouse, order_id, ship_to)

    def quote_boxes(self, warehouse: str, dest: Destination, boxes: list[Box], now_ms: int) -> list[Quote]:
        """Services that can carry every box, priced as the sum of the boxes."""
        origin = self.origins.get(warehouse, warehouse)
        per_box = [quote(origin, dest, Parcel(b.weight_g, b.length_mm, b.width_mm, b.height_mm), now_ms)
                   for b in boxes]
        common = set.intersection(*({q.service for q in quotes} for quotes in per_box))
        out = []
        for first in per_box[0]:
            if first.service not in common:
                continue
            same = [next(q for q in quotes if q.service == first.service) for quotes in per_box]
            out.append(msgspec.structs.replace(first, price_fen=sum(q.price_fen for q in same),
                                               surcharge_fen=sum(q.surcharge_fen for q in same),
                                               chargeable_g=sum(q.chargeable_g for q in same)))
        return sorted(out, key=lambda q: (q.price_fen, q.promised_date, q.service))

    async def ship(self, warehouse: str, session: packing.PackSession, now_ms: int | None = None) -> Shipment:
        now_ms = now_ms or _now_ms()
        raw = await self.store.ship_to(warehouse, session.order_id)
        if raw is None:
            raise ConflictError(f"order {session.order_id} has no ship-to address yet")
        ship_to = msgspec.json.decode(raw, type=ShipTo)
        types = {b.code: b for b in packing.box_table().boxes}
        boxes = []
        for b in session.boxes:
            t = types.get(b.box_type)
            boxes.append(Box(b.box_no, b.weight_g, t.length_mm if t else 0, t.width_mm if t else 0,
                             t.height_mm if t else 0, list(b.items), list(b.serials)))
        dest = Destination(ship_to.province, ship_to.city, ship_to.district, ship_to.country)
        choice = choose(self.quote_boxes(warehouse, dest, boxes, now_ms), ship_to.promise_date, ship_to.pinned)
        mine = new_id("SH")
        shipment_id = await self.store.claim_order(warehouse, session.order_id, mine)
        if shipment_id != mine:  # another close of the same order got there first
            existing = await self.store.of_order(warehouse, session.order_id)
            if existing is None:
                raise ConflictError(f"order {session.order_id} is being shipped right now; try again")
            return existing
        for member in session.orders:  # a merged parcel: every member order is shipped by it
            await self.store.claim_order(warehouse, member, shipment_id)
        for member in [session.order_id, *session.orders]:  # a cancel that came first voids the session
            if await self._cancelled(warehouse, member):
                for claimed in [session.order_id, *session.orders]:
                    await self.store.release_claim(warehouse, claimed, shipment_id)
                raise ConflictError(f"order {member} was cancelled while it was packed: nothing is shipped",
                                    code="cancelled")
        return await self._create(warehouse, shipment_id, session.order_id, ship_to, choice, boxes, now_ms,
                                  session.orders)

    async def _cancelled(self, warehouse: str, order_id: str) -> bool:
        try:
            return bool((await self.orders.get(warehouse, order_id)).status == "cancelled")
        except NotFoundError:
            return False

    async def _create(self, warehouse: str, shipment_id: str, order_id: str, ship_to: ShipTo, choice: Choice,
                      boxes: list[Box], now_ms: int, orders: list[str] | None = None) -> Shipment:
        carrier = catalogue().carriers[choice.chosen.carrier]
        service = next(s for s in catalogue().services if s.code == choice.chosen.service)
        draft = Shipment(shipment_id, warehouse, order_id, ship_to.receiver(), choice, boxes, now_ms,
                         route=carrier.route, orders=list(orders or []))
        adapter = self.adapter(warehouse, choice.chosen.carrier)
        labelled, print_data = [], []
        for box in boxes:
            waybill = await adapter.create(draft, box, self.sender)
            labelled.append(msgspec.structs.replace(box, waybill=waybill.number))
            print_data.append(waybill.print_data)
            promised = _end_of_day_ms(choice.chosen.promised_date)
            await self.store.open_parcel(warehouse, waybill.number, {
                "shipment": shipment_id, "carrier": choice.chosen.carrier, "service": service.code,
                "created_ms": now_ms, "promised_ms": promised, "stuck_hours": service.stuck_hours,
                "lost_margin_days": service.lost_margin_days, "adapter": carrier.adapter})
            fields = {"route": waybill.route, "state": "built", "waybill": waybill.number}
            if waybill.route == "zpl_self":
                fields["zpl"] = build(LabelData(
                    tracking=waybill.number, carrier=carrier.name, service=service.name.removeprefix(carrier.name),
                    order_no=order_id, sender=Party(self.sender["name"], self.sender["phone"], self.sender["address"]),
                    receiver=Party(ship_to.name, ship_to.phone,
                                   f"{ship_to.province}{ship_to.city}{ship_to.district}{ship_to.address}"),
                    box_no=box.box_no, box_count=len(boxes), weight_g=box.weight_g, sort_code=waybill.sort_code))
            else:
                fields["print_data"] = waybill.print_data
            await self.store.save_label(warehouse, shipment_id, box.box_no, fields)
        shipment = msgspec.structs.replace(draft, boxes=labelled, status="labelled",
                                           platform_print_data=print_data if carrier.route != "zpl_self" else [])
        await self.store.save(shipment)
        return shipment

    # ---- tracking
    def push_adapter(self, warehouse: str, carrier: str) -> Adapter:
        """The adapter that verifies ``carrier``'s pushes; NotFoundError when none is configured."""
        if carrier in self.adapters:
            return self.adapters[carrier]
        if carrier in self.push_secrets:
            return LocalAdapter(carrier, self.store, warehouse, self.push_secrets[carrier])
        raise NotFoundError(f"no push endpoint is configured for carrier '{carrier}'")

    async def apply_events(self, warehouse: str, events: list[RawEvent]) -> list[tuple[bool, str]]:
        out = []
        for raw in events:
            parcel = await self.store.parcel(warehouse, raw.waybill)
            event = normalise(parcel["carrier"], parcel.get("adapter", "local"), raw.waybill, raw.event_ms, raw.code,
                              parcel.get("status", "info_received"), raw.detail, raw.place)
            repeat, status = await self.store.track(warehouse, event)
            out.append((repeat, status))
            if status in FINAL and not repeat:
                await self._maybe_close(warehouse, parcel["shipment"])
        return out

    async def _maybe_close(self, warehouse: str, shipment_id: str) -> None:
        try:
            shipment = await self.store.get(warehouse, shipment_id)
        except NotFoundError:  # a parcel registered without a shipment (imported, or another system's)
            return
        statuses = [(await self.store.parcel(warehouse, b.waybill)).get("status") for b in shipment.boxes]
        if all(s == "delivered" for s in statuses) and shipment.status != "closed":
            await self.store.save(msgspec.structs.replace(shipment, status="closed"))

    async def sweep(self, warehouse: str, now_ms: int | None = None) -> list[tuple[str, str]]:
        """Raise parcel_stuck / parcel_lost exceptions for open parcels (once per parcel and kind)."""
        now_ms = now_ms or _now_ms()
        flagged = []
        for waybill in await self.store.open_parcels(warehouse):
            p = await self.store.parcel(warehouse, waybill)
            kind = verdict(p.get("status", ""), int(p.get("last_event_ms", 0)), int(p.get("promised_ms", 0)),
                           int(p.get("stuck_hours", 72)), int(p.get("lost_margin_days", 5)), now_ms)
            if kind and await self.store.mark(warehouse, waybill, f"flag_{kind}", str(now_ms)):
                await self.incidents.raise_one(
                    warehouse, new_id("X"), kind, "", "", "", "",
                    f"{p.get('carrier')} {waybill} (shipment {p.get('shipment')}): status {p.get('status')}, "
                    f"last event {p.get('last_event_ms')}", "shipping", f"{kind}-{waybill}")
                flagged.append((waybill, kind))
        return flagged
