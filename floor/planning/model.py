"""Inventory planning: stock states, thresholds, pick face limits, move tasks and suggestions.

Pure (no I/O). The figures of :class:`StockState` are kept by the scripts that move stock
(floor/planning/lua, floor/counting/lua, floor/returns/lua and the pick scripts); a caller reads
them through :class:`floor.planning.service.Planning` and never recomputes them.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from floor.core.fields import Id, Input, Location, OptionalLocation, ShortText, Sku, Warehouse, Word
from floor.core.lifecycle import Lifecycle

UNAVAILABLE_REASONS = ("damaged", "quarantine", "count_hold")
FLOW_STATES = ("receiving", "carried", "transit_in", "transit_out", "on_order", "transfer_reserved", "inspection")
MOVE_KINDS = ("replenish", "putaway", "count", "return")
MAX_UNITS = 1_000_000
# A transfer as each warehouse records it (each side's steps are scripts in that warehouse only).
TRANSFER_OUT_LIFECYCLE = Lifecycle(name="transfer_out", initial="released", table={
    ("released", "dispatch"): "dispatched", ("dispatched", "close"): "closed"})
TRANSFER_IN_LIFECYCLE = Lifecycle(name="transfer_in", initial="expected", table={("expected", "receive"): "received"})


class StockState(msgspec.Struct, frozen=True):
    """One SKU of one warehouse. ``available`` = on hand (pick faces) - reserved for orders;
    ``reserve`` = units in reserve locations (not on hand until replenished); ``unavailable``
    by reason; ``receiving`` waits for putaway, ``carried`` is on a replenishment's cart."""

    sku: str
    on_hand: int
    reserved: int
    available: int
    reserve: int
    allocated: int  # on pick faces, allocated to open pick tasks
    reserve_allocated: int  # in reserve, allocated to open replenishments
    unavailable: dict[str, int]
    receiving: int
    carried: int
    transit_in: int
    transit_out: int
    on_order: int
    transfer_reserved: int
    inspection: int  # returned units waiting for their disposition
    safety: int
    reorder_point: int
    order_qty: int
    below_reorder: bool
    below_safety: bool
    abc: str
    xyz: str
    pick_faces: dict[str, int]
    reserve_locations: dict[str, int]
    forecast_method: str = ""  # the model the nightly job chose ('' = thresholds set by hand)
    forecast_daily: float = 0.0  # its forecast units per day


class LocationState(msgspec.Struct, frozen=True):
    location: str
    kind: str  # pick_face | reserve
    min_units: int
    max_units: int
    capacity: int
    units: dict[str, int]  # sku -> units there
    allocated: dict[str, int]  # sku -> units allocated to open tasks there
    unavailable: dict[str, dict[str, int]]  # reason -> sku -> units


class WarehouseState(msgspec.Struct, frozen=True):
    warehouse: str
    skus: int
    totals: dict[str, int]
    below_reorder: list[str]


class Thresholds(Input, frozen=True):
    """Safety stock and reorder point of one SKU (units); ``order_qty`` is added on top of the
    reorder point when a purchase is suggested (0 = order up to the reorder point)."""

    sku: Sku
    safety: int = 0
    reorder_point: int = 0
    order_qty: int = 0
    warehouse: Warehouse | None = None


class LocationLimits(Input, frozen=True):
    """A pick face's min / max (replenish at min, up to max) or a reserve location's place."""

    location: Location
    kind: Word = "pick_face"
    min_units: int = 0
    max_units: int = 0
    capacity: int = 0
    aisle: int = 0
    cell: int = 0
    warehouse: Warehouse | None = None


class ReplenishRequest(Input, frozen=True):
    """Replenish ``location`` (a pick face of ``sku``) now; ``urgent`` when a picker waits."""

    sku: Sku
    location: Location
    urgent: bool = False
    units: int = 0
    warehouse: Warehouse | None = None


class Receipt(Input, frozen=True):
    """Units received at the dock: a putaway task to ``location`` ('' = suggested) is queued.
    Idempotent on (sender, command_id)."""

    command_id: Id
    sku: Sku
    quantity: int
    location: OptionalLocation = ""
    from_order: bool = False  # the units were on order (on_order goes down)
    warehouse: Warehouse | None = None


class OnOrder(Input, frozen=True):
    """Units ordered from a vendor (on_order goes up by ``quantity``). Idempotent on command_id."""

    command_id: Id
    sku: Sku
    quantity: int
    warehouse: Warehouse | None = None


class MoveTask(msgspec.Struct, frozen=True):
    task_id: str
    kind: str
    status: str
    picker: str
    urgent: bool
    sku: str
    quantity: int
    created_ms: int


class Suggestion(msgspec.Struct, frozen=True):
    suggestion_id: str
    kind: str  # purchase | transfer | slotting
    sku: str
    quantity: int
    created_ms: int
    source: str = ""
    target: str = ""
    available: int = 0
    threshold: str = ""
    exception_id: str = ""


class Queued(msgspec.Struct, frozen=True):
    task_id: str  # '' when nothing needed doing
    repeat: bool = False
    location: str = ""


def check_units(value: int, field: str, low: int = 0) -> str | None:
    if not low <= value <= MAX_UNITS:
        return f"{field} must be {low}..{MAX_UNITS:,}"
    return None


def suggest_location(
    qty: int, faces: dict[str, tuple[int, int]], reserves: dict[str, tuple[int, int]], face_aisle: int
) -> str:
    """Where received units go: a pick face of the SKU with room for all of them (``faces``:
    location -> (units there, max or capacity)), else the reserve location nearest the face's
    aisle (``reserves``: location -> (aisle, cell)), else the first face, else ''."""
    for loc, (units, top) in sorted(faces.items()):
        if top > 0 and units + qty <= top:
            return loc
    if reserves:
        return min(reserves, key=lambda loc: (abs(reserves[loc][0] - face_aisle), reserves[loc][1], loc))
    return min(faces) if faces else ""


class TransferRequest(Input, frozen=True):
    """Move ``quantity`` of ``sku`` from warehouse ``source`` to ``target``; ``transfer_id`` is the
    command id (a repeat returns the same transfer)."""

    transfer_id: Id
    sku: Sku
    quantity: int
    source: Warehouse
    target: Warehouse


class TransferReceipt(Input, frozen=True):
    """What arrived at the target: good + short + damaged = the transfer's quantity."""

    good: int
    short: int = 0
    damaged: int = 0
    reason: ShortText = ""
    location: OptionalLocation = ""  # putaway location ('' = suggested)


class TransferView(msgspec.Struct, frozen=True):
    transfer_id: str
    source: str
    target: str
    sku: str
    quantity: int
    status: str  # released | dispatched | in_transit | received | closed
    source_record: dict[str, str]
    target_record: dict[str, str]
    problems: list[str]  # what the consistency check found ([] = consistent)


TRANSFER_STEPS = ("release", "dispatch", "expect", "receive", "close")


def transfer_problems(source: dict[str, str], target: dict[str, str]) -> list[str]:
    """The consistency check of one transfer from both warehouses' records (each written by its own
    idempotent script): a step that ran on one side only is a pending step (resume runs it), never a
    loss; units are conserved: received good + short + damaged = quantity on both sides."""
    problems: list[str] = []
    s_status, t_status = source.get("status", ""), target.get("status", "")
    if not s_status:
        return ["the source has no record of the transfer"] if t_status else []
    qty = int(source.get("quantity", 0))
    if t_status and int(target.get("quantity", 0)) != qty:
        problems.append(f"quantity differs: source {qty}, target {target.get('quantity')}")
    if t_status and s_status == "released":
        problems.append("the target expects units the source has not dispatched")
    if s_status == "dispatched" and not t_status:
        problems.append("pending: dispatched, not yet expected at the target (resume)")
    if t_status == "received" and s_status != "closed":
        problems.append("pending: received, not yet closed at the source (resume)")
    for side, record in (("source", source), ("target", target)):
        if record.get("status") in ("received", "closed"):
            total = sum(int(record.get(f, 0)) for f in ("good", "short", "damaged"))
            if total != qty:
                problems.append(f"{side}: good + short + damaged = {total}, not {qty}")
    return problems


def transfer_status(source: dict[str, str], target: dict[str, str]) -> str:
    if source.get("status") == "closed":
        return "closed"
    if target.get("status") == "received":
        return "received"
    if target.get("status") == "expected":
        return "in_transit"
    return source.get("status", "unknown")


class SuggestTransfers(Input, frozen=True):
    """Propose transfers among these warehouses (each must be one the caller may use)."""

    warehouses: Annotated[list[Warehouse], msgspec.Meta(min_length=2, max_length=50)]
