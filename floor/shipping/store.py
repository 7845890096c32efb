"""Shipping in Redis: waybill ranges (Lua, atomic), shipments, parcels and their tracking events
(Lua, idempotent), stored labels, printers per pack station and their job locks, pack sessions.

Invariant: a waybill serial is handed out once across every process (next_waybill.lua); a tracking
event is applied once per (waybill, event time, code) (track_event.lua).
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

from floor.core.errors import ConflictError, NotFoundError
from floor.shipping.model import Printer, Shipment
from floor.shipping.tracking import FINAL, TrackingEvent
from floor.store import keys
from floor.store.scripts import Scripts

LABEL_TTL_S = 90 * 24 * 3600


class ShippingStore:
    def __init__(self, client: Any, scripts: Scripts) -> None:
        self.client = client
        self.scripts = scripts

    # ---- waybill ranges
    async def add_range(self, warehouse: str, carrier: str, first: int, last: int) -> bool:
        """True when added, False when the very same range was added before; ConflictError on overlap."""
        code, detail = await self.scripts.call("add_waybill_range", warehouse, carrier, first, last)
        if code == "conflict":
            raise ConflictError(f"range {first}:{last} overlaps {detail} of {carrier}")
        return bool(code == "ok")

    async def next_serial(self, warehouse: str, carrier: str) -> int:
        code, detail = await self.scripts.call("next_waybill", warehouse, carrier)
        if code == "exhausted":
            raise ConflictError(f"no waybill numbers left for {carrier}: add a range", code="exhausted")
        return int(detail)

    # ---- shipments
    async def claim_order(self, warehouse: str, order_id: str, shipment_id: str) -> str:
        """The order's shipment id: ``shipment_id`` if this call created it, else the existing one."""
        key = keys.key(warehouse, "shipment_of_order", order_id)
        if await self.client.set(key, shipment_id, nx=True):
            return shipment_id
        return str(await self.client.get(key))

    async def release_claim(self, warehouse: str, order_id: str, shipment_id: str) -> None:
        """Drop the order's claim when it still names ``shipment_id`` (a shipment that was not made)."""
        key = keys.key(warehouse, "shipment_of_order", order_id)
        if await self.client.get(key) == shipment_id:
            await self.client.delete(key)

    async def save(self, shipment: Shipment) -> None:
        await self.client.set(keys.key(shipment.warehouse, "shipment", shipment.shipment_id),
                              msgspec.json.encode(shipment).decode())

    async def get(self, warehouse: str, shipment_id: str) -> Shipment:
        raw = await self.client.get(keys.key(warehouse, "shipment", shipment_id))
        if raw is None:
            raise NotFoundError(f"shipment '{shipment_id}' does not exist in {warehouse}")
        return msgspec.json.decode(raw, type=Shipment)

    async def of_order(self, warehouse: str, order_id: str) -> Shipment | None:
        shipment_id = await self.client.get(keys.key(warehouse, "shipment_of_order", order_id))
        return None if shipment_id is None else await self.get(warehouse, str(shipment_id))

    # ---- parcels and tracking
    async def open_parcel(self, warehouse: str, waybill: str, fields: dict[str, str | int]) -> None:
        key = keys.key(warehouse, "parcel", waybill)
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hsetnx(key, "status", "info_received")
            pipe.hset(key, mapping={k: str(v) for k, v in fields.items()})
            pipe.hsetnx(key, "last_event_ms", str(fields.get("created_ms", 0)))
            pipe.zadd(keys.key(warehouse, "parcels_open"), {waybill: int(fields.get("created_ms", 0))}, nx=True)
            await pipe.execute()

    async def track(self, warehouse: str, event: TrackingEvent) -> tuple[bool, str]:
        """(repeat, the parcel's status after the event)."""
        code, status = await self.scripts.call(
            "track_event", warehouse, event.waybill, event.event_ms, event.code, event.status,
            "1" if event.status in FINAL else "0", msgspec.json.encode(event).decode(),
        )
        if code == "not_found":
            raise NotFoundError(f"waybill '{event.waybill}' is not one of our parcels")
        return code == "exists", str(status)

    async def parcel(self, warehouse: str, waybill: str) -> dict[str, str]:
        fields: dict[str, str] = await self.client.hgetall(keys.key(warehouse, "parcel", waybill))
        if not fields:
            raise NotFoundError(f"waybill '{waybill}' is not one of our parcels")
        return fields

    async def events(self, warehouse: str, waybill: str) -> list[TrackingEvent]:
        rows = await self.client.zrange(keys.key(warehouse, "parcel_events", waybill), 0, -1)
        return [msgspec.json.decode(row, type=TrackingEvent) for row in rows]

    async def open_parcels(self, warehouse: str, limit: int = 10_000) -> list[str]:
        return [str(w) for w in await self.client.zrange(keys.key(warehouse, "parcels_open"), 0, limit - 1)]

    async def parcel_void(self, warehouse: str, waybill: str) -> bool:
        """True once the waybill was voided (putback_cancel.lua: its order was cancelled after packing)."""
        return bool(await self.client.hget(keys.key(warehouse, "parcel", waybill), "void") == "1")

    # ---- carrier voids not yet confirmed (floor/shipping/void.py)
    async def void_later(self, warehouse: str, waybill: str, due_ms: int, attempts: int, error: str) -> None:
        """The carrier did not confirm the void of ``waybill``: try again at ``due_ms``."""
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.hset(keys.key(warehouse, "parcel", waybill),
                      mapping={"void_carrier": "retrying", "void_attempts": attempts, "void_error": error[:300]})
            pipe.zadd(keys.key(warehouse, "void_retry"), {waybill: due_ms})
            await pipe.execute()

    async def void_done(self, warehouse: str, waybill: str, state: str, error: str = "", attempts: int = 0) -> None:
        """The carrier's void of ``waybill`` ended: ``confirmed`` or ``manual`` (gave up: void it by hand)."""
        fields: dict[str, str | int] = {"void_carrier": state, "void_error": error[:300]}
        if attempts:
            fields["void_attempts"] = attempts
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.hset(keys.key(warehouse, "parcel", waybill), mapping=fields)
            pipe.zrem(keys.key(warehouse, "void_retry"), waybill)
            await pipe.execute()

    async def void_forget(self, warehouse: str, waybill: str) -> None:
        """Stop trying to void ``waybill`` (its parcel's records are gone)."""
        await self.client.zrem(keys.key(warehouse, "void_retry"), waybill)

    async def claim_voids(self, warehouse: str, now_ms: int, lease_ms: int, limit: int = 50) -> list[str]:
        """The waybills whose void is due for another try, leased for ``lease_ms`` (void_claim.lua)."""
        return [str(w) for w in await self.scripts.call("void_claim", warehouse, now_ms, lease_ms, limit)]

    async def mark(self, warehouse: str, waybill: str, field: str, value: str) -> bool:
        """Set a flag once (e.g. the stuck exception id); False if it was set already."""
        return bool(await self.client.hsetnx(keys.key(warehouse, "parcel", waybill), field, value))

    # ---- labels
    async def save_label(self, warehouse: str, shipment_id: str, box_no: int, fields: dict[str, str]) -> None:
        key = keys.key(warehouse, "label", shipment_id, str(box_no))
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=fields)
            pipe.expire(key, LABEL_TTL_S)
            await pipe.execute()

    async def label(self, warehouse: str, shipment_id: str, box_no: int) -> dict[str, str]:
        fields: dict[str, str] = await self.client.hgetall(keys.key(warehouse, "label", shipment_id, str(box_no)))
        if not fields:
            raise NotFoundError(f"no label for shipment '{shipment_id}' box {box_no}")
        return fields

    # ---- printers
    async def set_printer(self, warehouse: str, printer: Printer) -> None:
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.set(keys.key(warehouse, "printer", printer.station), msgspec.json.encode(printer).decode())
            pipe.sadd(keys.key(warehouse, "printers"), printer.station)
            await pipe.execute()

    async def printer(self, warehouse: str, station: str) -> Printer:
        raw = await self.client.get(keys.key(warehouse, "printer", station))
        if raw is None:
            raise NotFoundError(f"pack station '{station}' has no printer")
        return msgspec.json.decode(raw, type=Printer)

    async def printers(self, warehouse: str) -> list[Printer]:
        stations = sorted(await self.client.smembers(keys.key(warehouse, "printers")))
        return [await self.printer(warehouse, s) for s in stations]

    async def lock_printer(self, warehouse: str, station: str, job: str, ttl_ms: int) -> bool:
        return bool(await self.client.set(keys.key(warehouse, "printer_lock", station), job, nx=True, px=ttl_ms))

    async def unlock_printer(self, warehouse: str, station: str, job: str) -> None:
        key = keys.key(warehouse, "printer_lock", station)
        if await self.client.get(key) == job:
            await self.client.delete(key)

    async def sku_facts(self, warehouse: str, skus: list[str]) -> dict[str, SkuFacts]:
        return await sku_facts(self.client, warehouse, skus)

    async def sku_of_gtin(self, warehouse: str, code: str) -> str | None:
        sku = await self.client.hget(keys.key(warehouse, "gtin"), code.zfill(14) if code.isdigit() else code)
        return None if sku is None else str(sku)

    async def set_ship_to(self, warehouse: str, order_id: str, ship_to: Any) -> None:
        await self.client.set(keys.key(warehouse, "ship_to", order_id), msgspec.json.encode(ship_to).decode())

    async def ship_to(self, warehouse: str, order_id: str) -> str | None:
        raw = await self.client.get(keys.key(warehouse, "ship_to", order_id))
        return None if raw is None else str(raw)

    # ---- pack sessions
    async def save_pack(self, warehouse: str, order_id: str, session: Any) -> None:
        await self.client.set(keys.key(warehouse, "pack", order_id), msgspec.json.encode(session).decode(),
                              ex=7 * 24 * 3600)

    async def pack(self, warehouse: str, order_id: str) -> str | None:
        raw = await self.client.get(keys.key(warehouse, "pack", order_id))
        return None if raw is None else str(raw)


class SkuFacts(msgspec.Struct, frozen=True):
    weight_g: int
    length_mm: int
    width_mm: int
    height_mm: int
    serial_controlled: bool
    gtin: str


async def sku_facts(client: Any, warehouse: str, skus: list[str]) -> dict[str, SkuFacts]:
    """Master data of SKUs (weight from the SKU hash, dimensions and serial flag from its attributes)."""
    async with client.pipeline(transaction=False) as pipe:
        for sku in skus:
            pipe.hmget(keys.key(warehouse, "sku", sku), "weight_g", "gtin")
            pipe.hmget(keys.key(warehouse, "sku_attrs", sku), "length_mm", "width_mm", "height_mm", "serial_controlled")
        rows = await pipe.execute()
    out = {}
    for i, sku in enumerate(skus):
        (weight, gtin), (length, width, height, serial) = rows[2 * i], rows[2 * i + 1]
        out[sku] = SkuFacts(int(weight or 0), int(length or 0), int(width or 0), int(height or 0),
                            serial in ("1", "true"), gtin or "")
    return out


def problems_json(problems: list[Any]) -> str:
    return json.dumps([{"offset": p.offset, "command": p.command, "message": p.message, "severity": p.severity}
                       for p in problems], ensure_ascii=False)
