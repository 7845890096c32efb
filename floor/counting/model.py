"""Cycle counts: blind count tasks by location or SKU, tolerance, supervisor approval, ABC schedule.

Pure. A count is a task of kind ``count`` (the pick task record); ``count:<id>`` keeps the counted
units and the variances. Within tolerance a variance is booked when the counter finishes the
location; beyond it the count waits (``pending``) for a supervisor's approve / reject.
"""

from __future__ import annotations

from datetime import date

import msgspec

from floor.core.fields import Id, Input, OptionalLocation, OptionalSku, ShortText, Warehouse, Word
from floor.core.lifecycle import Lifecycle

COUNT_LIFECYCLE = Lifecycle(
    name="count",
    initial="open",
    table={
        ("open", "book"): "booked",  # every variance within tolerance (count_scan.lua)
        ("open", "hold"): "pending",  # a variance beyond it waits for a supervisor
        ("pending", "approve"): "approved",  # decide_count.lua
        ("pending", "reject"): "rejected",
    },
)
COUNT_STATUSES = tuple(sorted(COUNT_LIFECYCLE.states))
DECISIONS = ("approve", "reject")
# Days between counts of a SKU per ABC class (configurable per call of the schedule).
ABC_INTERVAL_DAYS = {"A": 30, "B": 91, "C": 365}


class CountRequest(Input, frozen=True):
    """Count a location (every SKU there) or a SKU (at each location holding it). Idempotent on
    (sender, command_id)."""

    command_id: Id
    location: OptionalLocation = ""
    sku: OptionalSku = ""
    tolerance_units: int = 0
    tolerance_pct: int = 2
    warehouse: Warehouse | None = None


class CountDecision(Input, frozen=True):
    decision: Word  # approve | reject
    note: ShortText = ""
    warehouse: Warehouse | None = None


class ScheduleRequest(Input, frozen=True):
    """Queue the counts that are due by ABC class (A/B/C interval in days; 0 = that class's default)."""

    command_id: Id
    a_days: int = 0
    b_days: int = 0
    c_days: int = 0
    limit: int = 50
    warehouse: Warehouse | None = None


class Variance(msgspec.Struct, frozen=True):
    location: str
    sku: str
    expected: int
    counted: int
    delta: int
    held: bool  # waiting for approval (else booked)


class CountView(msgspec.Struct, frozen=True):
    count_id: str
    status: str
    reason: str
    targets: list[tuple[str, str]]
    variances: list[Variance]
    counted_by: str = ""
    decided_by: str = ""
    exception_id: str = ""


class Scheduled(msgspec.Struct, frozen=True):
    count_ids: list[str]
    skus: list[str]


def due_skus(
    skus: dict[str, tuple[str, int]], today_ms: int, intervals: dict[str, int], limit: int
) -> list[str]:
    """SKUs whose last count (``skus``: sku -> (abc class, last count ms; 0 = never)) is older than
    their class's interval; unclassified SKUs count as C. Most overdue first, at most ``limit``."""
    overdue: list[tuple[float, str]] = []
    for sku, (abc, last_ms) in skus.items():
        days = intervals.get(abc or "C", intervals["C"])
        age_days = (today_ms - last_ms) / 86_400_000 if last_ms else float("inf")
        if age_days >= days:
            overdue.append((age_days / days, sku))
    overdue.sort(key=lambda item: (-item[0], item[1]))
    return [sku for _, sku in overdue[:limit]]


def day_ms(day: date) -> int:
    return (day.toordinal() - date(1970, 1, 1).toordinal()) * 86_400_000
