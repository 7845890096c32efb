"""The event contract: every event a Lua script appends to a warehouse Stream, as a msgspec Struct.

Invariant: a Stream entry is ``{type: <event name>, data: <JSON object>}`` and ``data`` holds
exactly the fields of the Struct whose tag is ``type`` (no more, no fewer, the declared types).
``tests/floor/test_events_contract.py`` drives every script path on a real Redis and decodes every
entry strictly with :func:`decode_event`, and fails when a catalogue type is never emitted;
``docs/events.md`` is generated from these Structs (``bench/gen_event_docs.py``) and checked by a
test. To add an event: add its Struct here (and to ``FloorEvent`` or ``UnitEvent``), emit it
from Lua with exactly these fields, drive it in the contract test, regenerate the docs.

Two Streams per warehouse: ``{W}:events`` (the floor log boards and pickers follow) and
``{W}:units`` (one entry per picked unit batch, read by KPI jobs). ``Event.stream`` says which.

Pure: no Redis, no asyncio. Callers decode entries they read (``decode_event``) and act on the
typed event; a :class:`EventContractError` means a script and this catalogue disagree (a bug).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, cast

import msgspec

FLOOR_STREAM = "events"
UNITS_STREAM = "units"


class Event(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag_field="type"):
    """Base of every event: the tag (``type``) is the event name."""

    stream: ClassVar[str] = FLOOR_STREAM


# --- orders (floor/orders/lua, floor/store/lua/lib/orders.lua) -------------------------------


class OrderReceived(Event, tag="order_received", frozen=True):
    """An order was accepted by intake: fully reserved, or held backordered with the reason."""

    order_id: str
    channel: str
    external_id: str
    status: Literal["reserved", "backordered"]
    units: int
    reason: str  # '' when reserved


class OrderReserved(Event, tag="order_reserved", frozen=True):
    """A backordered order was reserved after all (a receipt made its stock available)."""

    order_id: str


class OrderBackordered(Event, tag="order_backordered", frozen=True):
    """A reserved, not yet released order lost its reservation (stock was lost at a short pick)."""

    order_id: str
    reason: str


class OrderPicked(Event, tag="order_picked", frozen=True):
    """Every unit of a released order is picked or backordered (``picked_short`` if any was)."""

    order_id: str
    status: Literal["picked", "picked_short"]
    picked_units: int
    short_units: int


# --- inventory (floor/inventory/lua, floor/picking/lua/short_pick.lua) -----------------------


class StockAdjusted(Event, tag="stock_adjusted", frozen=True):
    """Stock of one SKU at one location changed by ``delta`` (a receipt, an adjustment, or the
    loss booked by a short pick, reason ``short_pick``). ``on_hand`` and ``available`` are the
    SKU's totals after the change; ``command_id`` is the sender's id (the request id of a short
    pick); ``by`` the sender."""

    command_id: str
    sku: str
    location: str
    delta: int
    reason: str
    by: str
    on_hand: int
    available: int


# --- waves (floor/waves/lua, floor/store/lua/lib/tasks.lua) -----------------------------------


class WaveReleased(Event, tag="wave_released", frozen=True):
    """A wave was committed: its orders released, its tasks queued (counts, not ids)."""

    wave_id: str
    orders: int
    tasks: int
    units: int


class WaveCompleted(Event, tag="wave_completed", frozen=True):
    """The last open task of the wave was completed."""

    wave_id: str


class ReleaseDecided(Event, tag="release_decided", frozen=True):
    """The release policy released orders by itself (cut-off or continuous); the whole decision,
    with why these orders and why now, is at ``GET /api/release/decisions``."""

    decision_id: str
    mode: str
    orders: int
    waves: int
    reason: str


# --- picking (floor/picking/lua, floor/store/lua/lib/tasks.lua) -------------------------------


class TaskAssigned(Event, tag="task_assigned", frozen=True):
    """A ready task was handed to a picker (the picker's socket shows it)."""

    task_id: str
    picker: str
    wave_id: str


class TaskUpdated(Event, tag="task_updated", frozen=True):
    """The steps of an assigned task changed (short pick re-allocation or re-routing)."""

    task_id: str
    picker: str


class TaskCompleted(Event, tag="task_completed", frozen=True):
    """Every step of the task is picked (or shorted); the picker gets the next task or idles."""

    task_id: str
    picker: str
    wave_id: str


# --- presence and task ownership (floor/store/lua/lib/{presence,tasks}.lua, reassign_task.lua) --


class PickerPresent(Event, tag="picker_present", frozen=True):
    """The picker took a socket lease after being absent (or never seen): it may get tasks."""

    picker: str


class PickerAbsent(Event, tag="picker_absent", frozen=True):
    """The picker's last socket lease ended at ``since_ms`` (Redis time): no new tasks for it."""

    picker: str
    since_ms: int


class TaskUnassigned(Event, tag="task_unassigned", frozen=True):
    """The task left ``picker`` and is back in the ready queue (``reason``: the picker was absent
    past the grace, or a supervisor reassigned it; ``by``: ``presence`` or the supervisor)."""

    task_id: str
    picker: str
    wave_id: str
    reason: Literal["picker_absent", "reassigned"]
    by: str


class TaskReassigned(Event, tag="task_reassigned", frozen=True):
    """A supervisor gave the task to ``picker`` (``previous``: who held it, '' if it was queued)."""

    task_id: str
    wave_id: str
    picker: str
    previous: str
    by: str


# --- incidents (floor/incidents/lua, floor/picking/lua/short_pick.lua) ------------------------


class ExceptionRaised(Event, tag="exception_raised", frozen=True):
    """A floor exception was recorded: reported by a sender, or a short pick. ``raised_by`` is
    the sender (user, device or picker), ``reference`` the sender's own id for it."""

    exception_id: str
    kind: str
    status: Literal["raised"]
    raised_ms: int
    picker: str
    task_id: str
    location: str
    sku: str
    detail: str
    raised_by: str
    reference: str


class ExceptionAcknowledged(Event, tag="exception_acknowledged", frozen=True):
    """A supervisor acknowledged a floor exception (it stays open)."""

    exception_id: str
    status: Literal["acknowledged"]
    by: str
    note: str


class ExceptionResolved(Event, tag="exception_resolved", frozen=True):
    """A supervisor resolved a floor exception (it is closed)."""

    exception_id: str
    status: Literal["resolved"]
    by: str
    note: str


# --- returns (floor/returns/lua/rma_dispose.lua) ---------------------------------------------


class ReturnOutcome(Event, tag="return_outcome", frozen=True):
    """An RMA is done: every received unit has its disposition (``refund_units`` may be refunded
    by the channel). The OMS outbox (another issue) relays it to the channel; until it lands,
    this event is the record."""

    rma_id: str
    channel: str
    reference: str
    order_id: str
    units: int  # authorised on the RMA
    received: int
    restocked: int
    damaged: int
    quarantined: int
    returned_to_vendor: int
    destroyed: int
    refund_units: int


class OrderPutBack(Event, tag="order_put_back", frozen=True):
    """An order already on the floor was cancelled (floor/putback/lua/putback_cancel.lua): its
    unpicked steps left their tasks and their reservation was released; ``units`` picked units go
    back to their bins through the put-back task ``task_id`` ('' = none was picked)."""

    order_id: str
    task_id: str
    units: int
    was: Literal["released", "picked", "picked_short"]
    reason: str
# --- pick-and-sort and zone hand-over (issue 11: floor/sorting/lua/sort_scan.lua, scan.lua) -------


class UnitSorted(Event, tag="unit_sorted", frozen=True):
    """A unit from a batch tote was put into its order's put-wall slot (the slot scan): the order
    was credited with it (``scan_id`` = that slot scan)."""

    task_id: str
    picker: str
    order_id: str
    sku: str
    slot: str
    scan_id: str


class ToteHandedOver(Event, tag="tote_handed_over", frozen=True):
    """Zone picking: the tour ``from_task`` is done and hands the order's tote ``tote`` over to
    ``to_task`` in ``zone`` (which starts once every tote it receives is handed over)."""

    order_id: str
    tote: str
    from_task: str
    to_task: str
    zone: str


# --- the units Stream ---------------------------------------------------------------------------


class Picked(Event, tag="picked", frozen=True):
    """``quantity`` units of ``sku`` were picked at ``location`` by one scan (``{W}:units``)."""

    stream: ClassVar[str] = UNITS_STREAM
    task_id: str
    picker: str
    sku: str
    location: str
    quantity: int
    order_id: str
    scan_id: str


class ParcelVoided(Event, tag="parcel_voided", frozen=True):
    """A packed order not yet with the carrier was cancelled (floor/putback/lua/putback_cancel.lua):
    its parcel is void — every waybill in ``waybills`` (comma-separated; '' with ``shipment_id`` ''
    = an open pack session, no label yet) is never handed over nor confirmed to the channel. The
    cancelled order's ``units`` go back from pack station ``station`` through put-back ``task_id``;
    the other orders of a merged parcel (``repack``, comma-separated) go back to packing."""

    order_id: str
    shipment_id: str
    waybills: str
    station: str
    task_id: str
    units: int
    repack: str
    reason: str


FloorEvent = (
    OrderReceived | OrderReserved | OrderBackordered | OrderPicked | StockAdjusted | WaveReleased
    | WaveCompleted | TaskAssigned | TaskUpdated | TaskCompleted | PickerPresent | PickerAbsent
    | TaskUnassigned | TaskReassigned | ExceptionRaised | ExceptionAcknowledged | ExceptionResolved
    | ReturnOutcome
    | ReleaseDecided
    | OrderPutBack
    | UnitSorted | ToteHandedOver
    | ParcelVoided
)
UnitEvent = Picked
AnyEvent = FloorEvent | UnitEvent

CATALOGUE: tuple[type[Event], ...] = (
    OrderReceived, OrderReserved, OrderBackordered, OrderPicked, StockAdjusted, WaveReleased,
    WaveCompleted, TaskAssigned, TaskUpdated, TaskCompleted, PickerPresent, PickerAbsent,
    TaskUnassigned, TaskReassigned, ExceptionRaised, ExceptionAcknowledged, ExceptionResolved, Picked,
    ReturnOutcome,
    ReleaseDecided,
    OrderPutBack,
    UnitSorted, ToteHandedOver,
    ParcelVoided,
)


def event_name(cls: type[Event]) -> str:
    tag = cls.__struct_config__.tag
    assert isinstance(tag, str)
    return tag


EVENT_TYPES: dict[str, type[Event]] = {event_name(cls): cls for cls in CATALOGUE}
FLOOR_EVENTS = frozenset(name for name, cls in EVENT_TYPES.items() if cls.stream == FLOOR_STREAM)
UNIT_EVENTS = frozenset(name for name, cls in EVENT_TYPES.items() if cls.stream == UNITS_STREAM)

ENCODER = msgspec.json.Encoder()
DECODER = msgspec.json.Decoder(AnyEvent)  # a whole tagged event: {"type": ..., fields ...}
_DATA_DECODERS = {name: msgspec.json.Decoder(cls) for name, cls in EVENT_TYPES.items()}


class EventContractError(ValueError):
    """A Stream entry that does not match the catalogue: a script and this module disagree."""


def decode_event(entry_id: str, fields: dict[str, str] | dict[bytes, bytes]) -> AnyEvent:
    """Decode one Stream entry ``{type, data}`` strictly into its Struct.

    ``data`` may carry the tag itself (it must then equal ``type``). Raises EventContractError
    naming the entry id on an unknown type, an unknown or missing field, or a wrong field type.
    """
    norm = {(k.decode() if isinstance(k, bytes) else k): v for k, v in fields.items()}
    kind = norm.get("type")
    data = norm.get("data")
    if isinstance(kind, bytes):
        kind = kind.decode()
    if set(norm) != {"type", "data"} or not kind or data is None:
        raise EventContractError(f"entry {entry_id}: expected fields type and data, got {sorted(norm)}")
    decoder = _DATA_DECODERS.get(kind)
    if decoder is None:
        raise EventContractError(f"entry {entry_id}: unknown event type {kind!r}")
    try:
        event = decoder.decode(data)
    except msgspec.DecodeError as error:
        raise EventContractError(f"entry {entry_id} ({kind}): {error}") from error
    return cast(AnyEvent, event)


def data_of(event: Event) -> dict[str, Any]:
    """The event's fields without the tag: what a Stream entry's ``data`` and a board's
    ``event`` frame carry."""
    data: dict[str, Any] = msgspec.to_builtins(event)
    data.pop("type", None)
    return data


def to_entry(event: Event) -> dict[str, str]:
    """The Stream entry fields for ``event`` (for writers in Python and for tests)."""
    return {"type": event_name(type(event)), "data": ENCODER.encode(data_of(event)).decode()}
