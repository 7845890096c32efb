"""Pack verification: scan items into boxes against the order, suggest a box, check the weight.

Invariant: a box only ever holds units the order still needs (a wrong or extra unit is refused and
changes nothing); a serial-controlled SKU needs a serial, each serial once; the last box closes only
when every unit is packed; a box closes only when its weight is within tolerance of the expected
weight (items from master data + carton tare). The service stores the session after each step.
"""

from __future__ import annotations

import json
from functools import lru_cache

import msgspec

from floor.shipping.model import _read


class BoxType(msgspec.Struct, frozen=True):
    code: str
    name: str
    name_en: str
    length_mm: int
    width_mm: int
    height_mm: int
    tare_g: int

    @property
    def volume(self) -> int:
        return self.length_mm * self.width_mm * self.height_mm


class BoxTable(msgspec.Struct, frozen=True):
    boxes: list[BoxType]
    weight_tolerance_g: int
    weight_tolerance_pct: int


@lru_cache(maxsize=1)
def box_table() -> BoxTable:
    raw = json.loads(_read("boxes.json"))
    raw.pop("_doc", None)
    return msgspec.convert(raw, BoxTable)


class Item(msgspec.Struct, frozen=True):
    """Master data of one SKU as the pack bench needs it."""

    sku: str
    weight_g: int
    length_mm: int = 0
    width_mm: int = 0
    height_mm: int = 0
    serial_controlled: bool = False


class PackedBox(msgspec.Struct):
    box_no: int
    box_type: str = ""
    items: list[str] = []
    serials: list[str] = []
    weight_g: int = 0
    closed: bool = False


class PackSession(msgspec.Struct):
    order_id: str
    station: str
    expected: dict[str, int]  # sku -> units
    items: dict[str, Item]
    boxes: list[PackedBox]
    shipment_id: str = ""
    orders: list[str] = []  # issue 7: other floor orders of a merge group (合单) packed into this one parcel

    def packed(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for box in self.boxes:
            for sku in box.items:
                counts[sku] = counts.get(sku, 0) + 1
        return counts

    def missing(self) -> dict[str, int]:
        packed = self.packed()
        return {sku: n - packed.get(sku, 0) for sku, n in self.expected.items() if n > packed.get(sku, 0)}

    @property
    def open_box(self) -> PackedBox:
        if not self.boxes or self.boxes[-1].closed:
            self.boxes.append(PackedBox(len(self.boxes) + 1))
        return self.boxes[-1]


def scan(session: PackSession, sku: str, serial: str = "") -> str:
    """'ok' | 'wrong_item' | 'extra' | 'serial_required' | 'serial_repeat' (only 'ok' changes the box)."""
    if sku not in session.expected:
        return "wrong_item"
    if session.missing().get(sku, 0) <= 0:
        return "extra"
    item = session.items.get(sku)
    if item is not None and item.serial_controlled:
        if not serial:
            return "serial_required"
        if any(f"{sku}:{serial}" in box.serials for box in session.boxes):
            return "serial_repeat"
    box = session.open_box
    box.items.append(sku)
    if serial:
        box.serials.append(f"{sku}:{serial}")
    return "ok"


def _fits(item: Item, box: BoxType) -> bool:
    dims = sorted((item.length_mm, item.width_mm, item.height_mm))
    inner = sorted((box.length_mm, box.width_mm, box.height_mm))
    return all(d <= i for d, i in zip(dims, inner, strict=True))


def suggest(items: list[Item], boxes: list[BoxType] | None = None) -> BoxType | None:
    """The smallest carton (by volume) every item fits in with the items' volume under 90 % of it."""
    boxes = boxes if boxes is not None else box_table().boxes
    volume = sum(i.length_mm * i.width_mm * i.height_mm for i in items)
    for box in sorted(boxes, key=lambda b: b.volume):
        if all(_fits(i, box) for i in items) and volume <= box.volume * 0.9:
            return box
    return None


def expected_weight(session: PackSession, box: PackedBox, box_type: BoxType | None) -> int:
    items = sum(session.items[sku].weight_g if sku in session.items else 0 for sku in box.items)
    return items + (box_type.tare_g if box_type else 0)


def weight_ok(expected_g: int, actual_g: int, table: BoxTable | None = None) -> bool:
    table = table or box_table()
    tolerance = max(table.weight_tolerance_g, expected_g * table.weight_tolerance_pct // 100)
    return abs(actual_g - expected_g) <= tolerance
