"""Waves: a set of reserved orders released together as pick tasks; the plan a planner makes
(:mod:`floor.waves.serpentine`, :mod:`floor.waves.optimal`) and what the board sees of a wave."""

from __future__ import annotations

from typing import Annotated

import msgspec

from floor.core.fields import Id, Input, Warehouse, Word
from floor.core.lifecycle import Lifecycle
from floor.picking.model import Step

WAVE_LIFECYCLE = Lifecycle(
    name="wave",
    initial="released",
    table={("released", "complete"): "completed"},
)


class ReleaseWave(Input, frozen=True, forbid_unknown_fields=True):
    """``POST /api/waves``: ``wave_id`` is the command id (a repeat returns the same wave)."""

    wave_id: Id
    pickers: int = 1  # the "serpentine" planner splits into this many tasks
    order_ids: Annotated[list[Id], msgspec.Meta(max_length=10_000)] | None = None  # None = the most urgent
    max_orders: int = 50
    warehouse: Warehouse | None = None
    planner: Word = "optimal"  # "optimal": batching + exact routing (kernels); "serpentine": baseline
    cart_capacity: int | None = None  # items per tour (optimal planner); None = the server default
    tote_capacity: int | None = None  # items per tote; None = one tote per order
    strategy: Word = "cluster"  # cluster (orders in totes) | discrete (one order per tour) | zone (tours per zone)
    # | batch (pick-and-sort: SKU totals per tour, then a put-wall sort task)


PLANNERS = ("optimal", "serpentine")
STRATEGIES = ("cluster", "discrete", "zone", "batch")  # pick strategies of the optimal planner


class PlannedTask(msgspec.Struct, frozen=True):
    task_id: str
    steps: list[Step]
    # issue 11 (pick-and-sort, zone hand-over): a kind other than pick, a task held ('waiting') until
    # ``waits`` other tasks released it, and extra task-hash fields (batch, handin, handout ...)
    kind: str = "pick"
    waits: int = 0
    fields: dict[str, str] = msgspec.field(default_factory=dict)


class Allocation(msgspec.Struct, frozen=True, array_like=True):
    sku: str
    location: str
    quantity: int


class WavePlan(msgspec.Struct, frozen=True):
    wave_id: str
    order_ids: list[str]
    tasks: list[PlannedTask]
    allocations: list[Allocation]


class WaveView(msgspec.Struct, frozen=True):
    wave_id: str
    status: str
    orders: list[str]
    tasks: list[str]
    units: int
    picked_units: int
    short_units: int
    tasks_open: int
    released_ms: int
    released_by: str = ""  # the sender whose wave_id this is
