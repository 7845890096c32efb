"""Stock: receipts and adjustments (commands) and stock levels (views)."""

from __future__ import annotations

import msgspec

from floor.core.fields import Id, Input, Location, Sku, Warehouse, Word

STOCK_REASONS = ("receipt", "cycle_count", "damage", "correction", "return", "transfer")
MAX_DELTA = 1_000_000


class AdjustStock(Input, frozen=True, forbid_unknown_fields=True):
    """A receipt (+) or adjustment (+/-). ``command_id`` is scoped to the sender: a repeat by the
    same sender returns the first result; another sender's equal id is another command."""

    command_id: Id
    sku: Sku
    location: Location
    delta: int
    reason: Word
    warehouse: Warehouse | None = None


class StockLevel(msgspec.Struct, frozen=True):
    sku: str
    on_hand: int
    reserved: int
    available: int
    locations: dict[str, int]  # location -> on hand
    allocated: dict[str, int]  # location -> allocated to open tasks


class AdjustmentResult(msgspec.Struct, frozen=True):
    repeat: bool
    command_id: str
    sku: str
    location: str
    delta: int
    on_hand: int
    reserved: int
    available: int
    location_on_hand: int
    backorders_reserved: list[str] = []
