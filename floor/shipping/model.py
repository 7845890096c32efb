"""Shipping data: services and rate cards (from data/*.json), parcels, quotes, shipments, tracking.

Invariant: money is integer fen, weights grams, dimensions millimetres, times UTC epoch ms; a
Shipment keeps the chosen quote and every alternative it was chosen from.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Annotated, Any

import msgspec

from floor.core.fields import Input, ShortText

Text40 = Annotated[str, msgspec.Meta(max_length=40)]
Text100 = Annotated[str, msgspec.Meta(max_length=100)]
Code = Annotated[str, msgspec.Meta(max_length=32, pattern=r"^[A-Za-z0-9_-]*$")]
Day = Annotated[str, msgspec.Meta(max_length=10, pattern=r"^(\d{4}-\d{2}-\d{2})?$")]
Country = Annotated[str, msgspec.Meta(min_length=2, max_length=2, pattern=r"^[A-Z]{2}$")]
Grams = Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]
Mm = Annotated[int, msgspec.Meta(ge=0, le=10_000)]
Host = Annotated[str, msgspec.Meta(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.:-]+$")]
Port = Annotated[int, msgspec.Meta(ge=1, le=65535)]


class Service(msgspec.Struct, frozen=True):
    code: str
    carrier: str
    name: str
    name_en: str
    cutoff: str  # HH:MM local time of the origin warehouse: later hand-overs are picked up next day
    rounding_g: int
    max_weight_g: int
    divisor: dict[str, int]  # zone -> cm3 per kg (volumetric divisor)
    transit_days: dict[str, int]
    rates: dict[str, tuple[int, int, int, int]]  # zone -> first_g, first_fen, step_g, step_fen
    surcharges: dict[str, int]
    stuck_hours: int
    lost_margin_days: int


class Carrier(msgspec.Struct, frozen=True):
    name: str
    name_en: str
    adapter: str  # sf | jd | cainiao | local
    route: str  # zpl_self (we print ZPL) | platform_component (encrypted print data, platform prints)
    push_secret_env: str = ""
    waybill: dict[str, Any] = {}


class Catalogue(msgspec.Struct, frozen=True):
    carriers: dict[str, Carrier]
    services: list[Service]


class Zones(msgspec.Struct, frozen=True):
    time_zone: str
    warehouses: dict[str, str]
    zones: dict[str, dict[str, str]]
    remote_provinces: list[str]
    remote_areas: list[str]


def _read(name: str) -> bytes:
    return (resources.files("floor.shipping") / "data" / name).read_bytes()


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    raw = json.loads(_read("carriers.json"))
    raw.pop("_doc", None)
    return msgspec.convert(raw, Catalogue)


@lru_cache(maxsize=1)
def zones() -> Zones:
    raw = json.loads(_read("zones.json"))
    raw.pop("_doc", None)
    return msgspec.convert(raw, Zones)


class Destination(msgspec.Struct, frozen=True):
    province: str
    city: str = ""
    district: str = ""
    country: str = "CN"


class Parcel(msgspec.Struct, frozen=True):
    weight_g: int
    length_mm: int = 0
    width_mm: int = 0
    height_mm: int = 0


class Quote(msgspec.Struct, frozen=True):
    service: str
    carrier: str
    zone: str
    chargeable_g: int
    volumetric_g: int
    price_fen: int
    surcharge_fen: int
    pickup_date: str  # YYYY-MM-DD local
    promised_date: str  # YYYY-MM-DD local
    meets_promise: bool = True


class Choice(msgspec.Struct, frozen=True):
    chosen: Quote
    alternatives: list[Quote]
    rule: str  # cheapest_meeting_promise | pinned | fastest_late (no service meets the promise)


class QuoteRequest(Input, frozen=True, forbid_unknown_fields=True):
    weight_g: Grams
    province: Text40
    city: Text40 = ""
    district: Text40 = ""
    country: Country = "CN"
    length_mm: Mm = 0
    width_mm: Mm = 0
    height_mm: Mm = 0
    promise_date: Day = ""  # YYYY-MM-DD: deliver by
    pinned: Code = ""  # a service code pinned by the seller or the channel
    warehouse: Annotated[str, msgspec.Meta(min_length=1, max_length=8, pattern=r"^[A-Z][A-Z0-9]*$")] | None = None


class QuoteAnswer(msgspec.Struct, frozen=True):
    quotes: list[Quote]
    choice: Choice


class Box(msgspec.Struct, frozen=True):
    box_no: int
    weight_g: int
    length_mm: int = 0
    width_mm: int = 0
    height_mm: int = 0
    items: list[str] = []  # SKUs packed (one entry per unit)
    serials: list[str] = []
    waybill: str = ""


class Receiver(msgspec.Struct, frozen=True):
    name: str
    phone: str
    province: str
    city: str = ""
    district: str = ""
    address: str = ""
    country: str = "CN"


class Shipment(msgspec.Struct, frozen=True):
    """One order's parcels with one service. ``choice`` holds the chosen quote and the alternatives."""

    shipment_id: str
    warehouse: str
    order_id: str
    receiver: Receiver
    choice: Choice
    boxes: list[Box]
    created_ms: int
    status: str = "created"  # created | labelled | handed_over | closed | void (floor/shipping/void.py)
    route: str = "zpl_self"  # zpl_self | platform_component
    platform_print_data: list[str] = []  # encrypted print data per box (platform_component route)
    labels_state: str = "queued"  # queued | rendered | printed | print_failed (labels job) | void
    orders: list[str] = []  # issue 7: other floor orders of a merge group (合单) shipped in this parcel
    void_reason: str = ""  # status void: why (the cancel's reason)

    @property
    def service(self) -> str:
        return self.choice.chosen.service

    @property
    def carrier(self) -> str:
        return self.choice.chosen.carrier


class Printer(msgspec.Struct, frozen=True):
    station: str
    host: str
    port: int = 9100
    name: str = ""


class PrinterInput(Input, frozen=True, forbid_unknown_fields=True):
    host: Host
    port: Port = 9100
    name: Text40 = ""


class ShipTo(Input, frozen=True, forbid_unknown_fields=True):
    """Where and how an order ships (from the channel): receiver, promise date, pinned service."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    phone: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    province: Text40  # required for CN (the service checks), may be empty abroad
    city: Text40 = ""
    district: Text40 = ""
    address: ShortText = ""
    country: Country = "CN"
    promise_date: Day = ""
    pinned: Code = ""

    def receiver(self) -> Receiver:
        return Receiver(self.name, self.phone, self.province, self.city, self.district, self.address, self.country)


class PackStart(Input, frozen=True, forbid_unknown_fields=True):
    station: Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]


class PackScan(Input, frozen=True, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[!-~]+$")]  # SKU or GTIN
    serial: Annotated[str, msgspec.Meta(max_length=64, pattern=r"^[!-~]*$")] = ""


class PackClose(Input, frozen=True, forbid_unknown_fields=True):
    weight_g: Grams
    box_type: Code = ""
    last: bool = False
