"""WebSocket messages, inbound and outbound, as tagged-union Structs (``type`` is the tag).

The one catalogue of frames (docs/protocol.md is checked against it by a test):

- inbound, decoded by one reused Decoder per socket kind: ``HandheldInbound``, ``BoardInbound``;
- outbound, built as Structs and encoded with the one reused ``ENCODER``: ``HandheldOutbound``,
  ``BoardOutbound``. Two outbound frames are built in Lua and sent as the script wrote them
  (``verdict`` by scan.lua, ``short_pick_recorded`` by short_pick.lua): their Structs here model
  that exact shape, and tests/floor/test_events_contract.py decodes the scripts' JSON strictly.

``frame(kind, **fields)`` and ``error_frame(...)`` build the Struct for ``kind`` and encode it,
so a call with a field the frame does not have fails at once (TypeError), never on a client.
"""

from __future__ import annotations

import time
from typing import Any, Literal

import msgspec

from floor.incidents.model import FloorException
from floor.layout.model import Layout
from floor.picking.model import HandOver, PickerView, Step, TaskView
from floor.sorting.model import SlotRef
from floor.waves.model import WaveView

MAX_FRAME = 4096  # characters; larger frames get an error frame, the socket stays open
MAX_ID = 64
MAX_BARCODE = 256


class Scan(msgspec.Struct, tag="scan", forbid_unknown_fields=True):
    scan_id: str
    barcode: str
    task_id: str = ""
    quantity: int = 1
    mode: str = ""  # '' | swap_tote (the barcode is the empty tote replacing the current one)
    queued_ms: int = 0  # how long the handheld held the scan offline before sending it (0 = live)


class ShortPick(msgspec.Struct, tag="short_pick", forbid_unknown_fields=True):
    request_id: str
    task_id: str
    step: int
    found: int = 0


class Report(msgspec.Struct, tag="report", forbid_unknown_fields=True):
    """A picker reports a floor problem (damaged goods, blocked location ...)."""

    request_id: str
    kind: str
    location: str = ""
    sku: str = ""
    detail: str = ""


class Ping(msgspec.Struct, tag="ping", forbid_unknown_fields=True):
    id: str = ""


class Sync(msgspec.Struct, tag="sync", forbid_unknown_fields=True):
    """Ask the server to send the current task again."""


HandheldInbound = Scan | ShortPick | Report | Ping | Sync
BoardInbound = Ping


def check_id(value: str, field: str) -> str | None:
    """A reason the id is unacceptable, or None."""
    if not value or len(value) > MAX_ID:
        return f"{field} must be 1-{MAX_ID} characters"
    return None


def check_scan(scan: Scan) -> str | None:
    reason = check_id(scan.scan_id, "scan_id")
    if reason:
        return reason
    if not scan.barcode or len(scan.barcode) > MAX_BARCODE:
        return f"barcode must be 1-{MAX_BARCODE} characters"
    if not 1 <= scan.quantity <= 999:
        return "quantity must be 1..999"
    if len(scan.task_id) > MAX_ID:
        return f"task_id must be at most {MAX_ID} characters"
    if scan.mode not in SCAN_MODES:
        return "mode must be '' or swap_tote"
    if not 0 <= scan.queued_ms <= 30 * 86_400_000:
        return "queued_ms must be 0..30 days"
    return None


SCAN_MODES = ("", "swap_tote")


def reference_of(message: object) -> str:
    """The id a frame carries (``scan_id``, ``request_id`` or ``id``): error frames echo it as ``ref``."""
    for field in ("scan_id", "request_id", "id"):
        value = getattr(message, field, None)
        if isinstance(value, str):
            return value[:MAX_ID]
    return ""


# --- outbound frames ---------------------------------------------------------------------------


def _now_ms() -> int:
    return int(time.time() * 1000)


class Outbound(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Base of every server -> client frame (tag field ``type``)."""


class Welcome(Outbound, tag="welcome", frozen=True):
    """Once, right after a handheld connects."""

    picker: str
    warehouse: str
    server_time_ms: int = msgspec.field(default_factory=_now_ms)


class TaskFrame(Outbound, tag="task", frozen=True):
    """The picker's whole current task (on connect, on assignment, when its steps change)."""

    task: TaskView


class Idle(Outbound, tag="idle", frozen=True):
    """The picker has no task; a ``task`` frame follows when one is assigned."""

    picker: str


class ExpectedStep(Step, forbid_unknown_fields=True, frozen=True):
    """The step a verdict says the picker is on now (a Step, re-encoded by scan.lua)."""


VerdictWord = Literal[
    "ok", "wrong_location", "scan_location_first", "wrong_item", "wrong_lot", "expired_lot", "over_pick",
    "not_your_task", "unknown_barcode",
    "wrong_kind", "bad_barcode", "lot_required", "serial_required", "repeated_serial", "unknown_case", "case_used",
    "tote_bound", "tote_in_use", "tote_swapped", "wrong_tote",
    "tote_received", "put_to_slot", "wrong_slot", "scan_slot_first", "scan_item_first",  # issue 11
]
LabelKind = Literal["location", "tote", "item", "case", "invalid", "unknown"]


class ToteRef(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A tote on the cart: its position (1-based; the page shows the position's colour) and label."""

    position: int
    label: str


class Verdict(Outbound, tag="verdict", omit_defaults=True, frozen=True):
    """Built by scan.lua. ``step``..``task_done`` are absent for ``not_your_task``; ``expected``
    is absent when the task is done; ``duplicate`` is added (true) to a repeated scan_id's answer."""

    scan_id: str
    task_id: str
    barcode: str
    verdict: VerdictWord
    step: int | None = None
    picked: int | None = None
    at_location: bool | None = None
    task_done: bool | None = None
    expected: ExpectedStep | None = None
    duplicate: bool = False
    # handheld (issue 10): lots, serials, totes, label kinds
    units: int | None = None  # units this scan picked (a case GTIN, an SSCC or AI 30/37 count more than 1)
    lot: str | None = None  # the lot picked
    substituted: str | None = None  # the allocated lot a FEFO substitute took over from
    serial: str | None = None
    weight_g: int | None = None  # AI 310x net weight of a weighed item
    tote: ToteRef | None = None  # the tote bound / to scan / confirmed / swapped in
    scanned_position: int | None = None  # wrong_tote: the position of the tote scanned, if on the cart
    replaced: str | None = None  # tote_swapped: the label of the full tote taken off
    binding: int | None = None  # the next cart position waiting for its tote label
    await_tote: int | None = None  # the position whose tote must be scanned next
    scanned_kind: LabelKind | None = None  # wrong_kind: what was scanned ...
    expected_kind: Literal["location", "tote", "item"] | None = None  # ... and what was expected
    kind: str = "pick"  # the task's kind: pick | replenish | putaway | count | return | sort (absent for pick)
    # issue 11: put-wall sort (sort_scan.lua) and zone hand-over (scan.lua)
    slot: SlotRef | None = None  # put_to_slot / wrong_slot / ok of a sort: the slot (order) of the unit
    order_done: bool | None = None  # a sort's ok: the order has every unit now (on to packing)
    receive: HandOver | None = None  # a zone tour: the tote handed over to scan in next
    handover: list[HandOver] | None = None  # a zone tour's last verdict: totes to hand on to later zones


class ShortPickRecorded(Outbound, tag="short_pick_recorded", omit_defaults=True, frozen=True):
    """Built by short_pick.lua: the answer to ``short_pick``."""

    request_id: str
    task_id: str
    exception_id: str
    relocated: int
    backordered: int
    task_done: bool
    duplicate: bool = False


class ReportRecorded(Outbound, tag="report_recorded", frozen=True):
    request_id: str
    exception_id: str


class Pong(Outbound, tag="pong", frozen=True):
    id: str = ""
    server_time_ms: int = msgspec.field(default_factory=_now_ms)


class ErrorFrame(Outbound, tag="error", frozen=True):
    """``ref``: the id of the frame this answers (scan_id / request_id / id), '' if none.
    ``retry``: true when sending the same frame again later may succeed (the store was down)."""

    code: str
    reason: str
    ref: str = ""
    retry: bool = False


class Snapshot(Outbound, tag="snapshot", frozen=True):
    """A board's first frame (without ``last_id``): the floor as it is at ``last_id``."""

    warehouse: str
    last_id: str
    exceptions: list[FloorException]
    waves: list[WaveView]
    verdicts: dict[str, int]
    pickers: list[PickerView]
    layout: Layout


class EventFrame(Outbound, tag="event", frozen=True):
    """One entry of the warehouse's floor Stream: ``event`` is its type, ``data`` its fields
    (docs/events.md; floor.core.events decodes it)."""

    id: str
    event: str
    data: dict[str, Any]


class WaveProgress(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    wave_id: str
    status: str
    units: int
    picked_units: int
    short_units: int
    tasks_open: int


class Counts(Outbound, tag="counts", frozen=True):
    """Every second on a board: cumulative verdict counts and recent waves' progress."""

    verdicts: dict[str, int]
    waves: list[WaveProgress]


class Resync(Outbound, tag="resync", frozen=True):
    """A board's ``last_id`` cannot be caught up without a gap (``reason``: trimmed, future or
    too_far): a fresh ``snapshot`` follows on the same socket; the board starts over from it."""

    reason: Literal["trimmed", "future", "too_far"]
    last_id: str
    first_id: str  # the oldest event the Stream still keeps ("0-0" when empty)
    newest_id: str  # the newest id the Stream handed out


HandheldOutbound = Welcome | TaskFrame | Idle | Verdict | ShortPickRecorded | ReportRecorded | Pong | ErrorFrame
BoardOutbound = Snapshot | EventFrame | Counts | Resync | Pong | ErrorFrame
AnyOutbound = HandheldOutbound | Snapshot | EventFrame | Counts | Resync
AnyFrame = HandheldInbound | AnyOutbound  # every frame of both sockets, both ways (unique tags)

INBOUND: tuple[type[msgspec.Struct], ...] = (Scan, ShortPick, Report, Ping, Sync)
OUTBOUND: tuple[type[Outbound], ...] = (
    Welcome, TaskFrame, Idle, Verdict, ShortPickRecorded, ReportRecorded, Pong, ErrorFrame, Snapshot, EventFrame,
    Counts, Resync,
)


def frame_name(cls: type[msgspec.Struct]) -> str:
    tag = cls.__struct_config__.tag
    assert isinstance(tag, str)
    return tag


_OUTBOUND_BY_NAME: dict[str, type[Outbound]] = {frame_name(cls): cls for cls in OUTBOUND}
ENCODER = msgspec.json.Encoder()
OUTBOUND_DECODER = msgspec.json.Decoder(AnyOutbound)  # for clients and tests: strict


def encode(message: msgspec.Struct) -> bytes:
    return ENCODER.encode(message)


def error_frame(code: str, reason: str, ref: str = "", retry: bool = False) -> bytes:
    """``retry``: true when sending the same frame again later may succeed (the store was down)."""
    return ENCODER.encode(ErrorFrame(code, reason, ref, retry))


def frame(kind: str, **fields: Any) -> bytes:
    """Build the outbound frame ``kind`` from ``fields`` and encode it (TypeError on a field it
    does not have; KeyError on an unknown kind)."""
    return ENCODER.encode(_OUTBOUND_BY_NAME[kind](**fields))
