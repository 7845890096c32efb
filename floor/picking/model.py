"""Pick tasks: one picker tour, a list of steps (go to location, scan item, quantity, tote)."""

from __future__ import annotations

import msgspec

from floor.core.fields import Id, Input, OptionalId
from floor.core.lifecycle import Lifecycle

TASK_LIFECYCLE = Lifecycle(
    name="task",
    initial="ready",
    # issue 11: a put-wall sort task, or a zone tour that receives totes, is released held ('waiting',
    # release_wave.lua) until its batch tour is picked / every tote is handed over (tasks.lua release_held)
    entries=("waiting",),
    table={
        ("waiting", "release_held"): "ready",
        ("waiting", "close_emptied"): "completed",  # a cancel left it nothing to pick (close_emptied_task)
        ("ready", "close_emptied"): "completed",
        ("ready", "assign"): "assigned",
        ("assigned", "complete"): "completed",
        ("assigned", "unassign"): "ready",
        ("ready", "cancel"): "cancelled",
        ("assigned", "cancel"): "cancelled",
    },
)

# Verdicts a scan can receive (docs/protocol.md explains each).
VERDICTS = (
    "ok",
    "wrong_location",
    "scan_location_first",
    "wrong_item",
    "wrong_lot",
    "expired_lot",
    "over_pick",
    "not_your_task",
    "unknown_barcode",
    # handheld (issue 10)
    "wrong_kind",  # a label of another kind than the one expected (scanned_kind / expected_kind say which)
    "bad_barcode",  # a misread: bad check digit or a malformed GS1 element string
    "lot_required",
    "serial_required",
    "repeated_serial",
    "unknown_case",
    "case_used",
    "tote_bound",
    "tote_in_use",
    "tote_swapped",
    "wrong_tote",
    # issue 11: zone hand-over (scan.lua) and the put-wall sort (floor/sorting/lua/sort_scan.lua)
    "tote_received",
    "put_to_slot",
    "wrong_slot",
    "scan_slot_first",
    "scan_item_first",
)


class Step(msgspec.Struct, frozen=True):
    """One visit of a task: pick ``quantity`` of ``sku`` at ``location`` into ``tote``."""

    location: str
    sku: str
    gtin: str
    quantity: int
    order_id: str
    line: int
    tote: int = 1
    lot: str = ""
    name: str = ""  # the SKU's display name


class HandOver(msgspec.Struct, frozen=True):
    """Zone picking (issue 11): an order's tote travelling between zone tours. On the giving tour
    (``handover``): hand ``tote`` (cart position ``position``) over to ``task`` in ``zone``. On the
    receiving tour (``receive``): scan ``tote`` from ``zone`` first and put it at ``position``."""

    order_id: str
    tote: str
    position: int
    zone: str
    task: str = ""


class TaskView(msgspec.Struct, frozen=True):
    """A task as the handheld and the board see it."""

    task_id: str
    wave_id: str
    picker: str
    status: str
    step: int  # index of the current step (== len(steps) when done)
    picked: int  # units picked at the current step
    at_location: bool  # the picker has scanned the current step's location
    steps: list[Step]
    await_tote: int = 0  # tote scanning: the cart position whose tote must be scanned next (0 = none)
    totes: dict[int, str] = msgspec.field(default_factory=dict)  # cart position -> tote label bound
    tote_scan: bool = False  # the warehouse confirms totes (bind them first, scan one after each item)
    kind: str = "pick"  # pick | replenish | putaway | count (floor/planning, floor/counting)
    handover: list[HandOver] = msgspec.field(default_factory=list)  # issue 11: totes to hand on when done
    receive: list[HandOver] = msgspec.field(default_factory=list)  # issue 11: totes to scan in first
    received: int = 0  # issue 11: how many of ``receive`` are scanned in
    source: str = ""  # issue 7, kind putback: where its units are collected: tote | pack (a voided parcel)
    station: str = ""  # issue 7, source pack: the pack station holding the units


class PickerView(msgspec.Struct, frozen=True):
    picker: str
    name: str
    status: str  # picking | idle (connected, waiting for work) | away
    task_id: str
    wave_id: str
    step: int
    steps: int
    present: bool = False  # holds a presence lease (a socket on some node)


class ReassignTask(Input, frozen=True):
    """A supervisor moves a task: to ``picker`` (who must be present), or back to the ready queue
    (``picker`` = ''). ``command_id`` is the sender's id: its repeat returns the first result."""

    command_id: Id
    picker: OptionalId = ""


class TaskReassigned(msgspec.Struct, frozen=True):
    """What a reassign did: the task's status and picker after it, and who held it before."""

    repeat: bool
    task_id: str
    status: str
    picker: str  # '' while the task waits in the ready queue
    previous: str
    changed: bool  # False when the task already was where it was asked to go


class SweepReport(msgspec.Struct, frozen=True):
    """One presence sweep: pickers found absent, unstarted tasks taken back, exceptions raised."""

    absent: int = 0
    unassigned: int = 0
    raised: int = 0


class Presence(msgspec.Struct, frozen=True):
    """A picker's presence as recorded: present (a lease), or absent since ``absent_since_ms``."""

    picker: str
    present: bool
    sockets: int  # leases held (expired ones linger until the next sweep or renewal)
    absent_since_ms: int = 0  # 0 while present, or when never seen
