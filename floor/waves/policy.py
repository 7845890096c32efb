"""Release policies (pure): when orders are released to the floor, in which groups, and which are late.

A warehouse has one :class:`ReleasePolicy` (stored by :class:`floor.waves.store.ReleaseStore`,
edited through ``PUT /api/release/policy``):

- ``manual``: only supervisors release waves (``POST /api/waves``); nothing automatic.
- ``cutoff``: each reserved order has a ship-by time (its ``due``, else the next cut-off of its
  channel at or after it was received, minus ``lead_minutes`` for packing and hand-over). Work is
  queued earliest ship-by first; an order is released once the floor, at the measured pick rate
  with the pickers present, would finish it less than ``early_minutes`` before its ship-by. Idle
  pickers with nothing ready also pull the next orders early (no one waits while work exists).
- ``continuous`` (waveless): whenever a present picker is idle and nothing is ready, one tour per
  idle picker is planned from the most urgent releasable orders (ship-by first, then priority).

``group_by`` keeps tours homogeneous (``channel``, ``carrier``, ``profile``: single-unit vs multi-line
orders, ``priority``); each group becomes its own wave. ``min_tour_units`` makes an idle picker wait for a
fuller cart (fewer metres per unit) unless the most urgent order is due within ``early_minutes``. :func:`late` tells which released work will miss
its ship-by at the current rate. Every function here is pure: the caller (:mod:`floor.waves.release`)
reads the state, calls them, and records the decision they return.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Annotated

import msgspec

from floor.core.clock import zone
from floor.core.fields import Input, Word
from floor.orders.model import Order, known_carriers
from floor.shipping.model import catalogue
from floor.waves.tours import Ranked

MODES = ("manual", "cutoff", "continuous")
GROUPINGS = ("channel", "profile", "priority", "carrier", "zone", "category")
PLACED = ("zone", "category")  # groupings read from master data at release (Release._placed)
ANY_CHANNEL = "any"
ClockTime = Annotated[str, msgspec.Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="HH:MM local")]
CarrierCode = Annotated[str, msgspec.Meta(max_length=32, pattern=r"^[A-Za-z0-9_-]*$",
                                          description="a carrier service (SF_STD) or carrier (SF) of floor/shipping")]


class Cutoff(Input, frozen=True, forbid_unknown_fields=True):
    """A daily pick-up: of ``carrier`` (a service code such as ``SF_STD`` or a carrier code such as
    ``SF``: every service of it) when given, else the channel's dispatch promise for ``channel``
    ('any' = every channel)."""

    at: ClockTime
    channel: Word = ANY_CHANNEL
    carrier: CarrierCode = ""


class CarrierRule(Input, frozen=True, forbid_unknown_fields=True):
    """Orders of ``channel`` that name no carrier ship with ``carrier`` (a service or carrier code)."""

    channel: Word
    carrier: CarrierCode


class ReleasePolicy(Input, frozen=True, forbid_unknown_fields=True):
    """``PUT /api/release/policy``: how this warehouse releases orders (see the module docstring)."""

    mode: Word = "manual"
    cutoffs: Annotated[list[Cutoff], msgspec.Meta(max_length=48)] = []
    group_by: Annotated[list[Word], msgspec.Meta(max_length=3)] = []
    lead_minutes: int = 30  # packing and hand-over before a cut-off
    early_minutes: int = 30  # cutoff mode: release this much before the latest start
    unit_seconds: float = 30.0  # seconds per unit per picker until a rate is measured (walk + pick)
    cart_capacity: int = 0  # items per tour; 0 = the server default
    budget_ms: int = 300  # planning budget of one continuous top-up
    max_orders: int = 2000  # at most this many orders per release decision
    late_warning_minutes: int = 20  # raise a late_risk exception when this close to missing ship-by
    strategy: Word = "cluster"  # pick strategy of released waves: cluster | discrete | zone | batch (wave_strategy)
    min_tour_units: int = 0  # an idle picker waits for this many units unless the work is due (early_minutes)
    lookahead: int = 1  # continuous: tours planned per idle picker (>1: batching across more orders, a few ready)
    carrier_rules: Annotated[list[CarrierRule], msgspec.Meta(max_length=64)] = []  # default carrier per channel
    tie_minutes: int = 15  # ship-by times this close are equally urgent: priority, then batching gain decide


class PolicyView(msgspec.Struct, frozen=True):
    warehouse: str
    policy: ReleasePolicy
    updated_ms: int = 0
    updated_by: str = ""


class Decision(msgspec.Struct, frozen=True):
    """One automatic release: which orders, why these, why now (``GET /api/release/decisions``)."""

    decision_id: str
    mode: str
    at_ms: int
    reason: str
    orders: list[str]
    waves: list[str]
    pickers_present: int
    pickers_idle: int
    rate_units_per_hour: float
    earliest_ship_by: int | None = None  # epoch seconds
    ranking: list[Ranked] = []  # continuous / idle-picker tours: each order's tier and batching gain


def check_policy(policy: ReleasePolicy) -> list[str]:
    """Reasons the policy is unusable (empty = fine)."""
    problems = []
    if policy.mode not in MODES:
        problems.append(f"mode must be one of {', '.join(MODES)}")
    for name in policy.group_by:
        if name not in GROUPINGS:
            problems.append(f"group_by: '{name}' is not one of {', '.join(GROUPINGS)}")
    if len(set(policy.group_by)) != len(policy.group_by):
        problems.append("group_by lists a field twice")
    if policy.strategy not in ("cluster", "discrete", "zone", "batch"):
        problems.append("strategy must be one of cluster, discrete, zone, batch")
    if policy.mode == "cutoff" and not policy.cutoffs:
        problems.append("cutoff mode needs at least one cut-off")
    bounds = {"min_tour_units": (0, 10_000), "lookahead": (1, 10), "lead_minutes": (0, 24 * 60),
              "early_minutes": (0, 24 * 60), "cart_capacity": (0, 10_000),
              "budget_ms": (20, 5_000), "max_orders": (1, 10_000), "late_warning_minutes": (0, 24 * 60),
              "tie_minutes": (0, 24 * 60)}
    for name, (low, high) in bounds.items():
        if not low <= getattr(policy, name) <= high:
            problems.append(f"{name} must be {low}..{high}")
    if not 1.0 <= policy.unit_seconds <= 3600.0:
        problems.append("unit_seconds must be 1..3600")
    known = known_carriers()
    for code in [c.carrier for c in policy.cutoffs if c.carrier] + [r.carrier for r in policy.carrier_rules]:
        if code not in known:
            problems.append(f"carrier '{code}' is not a carrier or service of floor/shipping/data/carriers.json")
    return problems


def carrier_of(order: Order, policy: ReleasePolicy) -> str:
    """The order's carrier service (or carrier): its own, else its channel's rule, else ''."""
    if order.carrier:
        return order.carrier
    return next((rule.carrier for rule in policy.carrier_rules if rule.channel == order.channel), "")


def _carrier_matches(cutoff_carrier: str, carrier: str) -> bool:
    """A cut-off of ``SF`` covers every SF service; one of ``SF_STD`` only that service."""
    if not carrier or not cutoff_carrier:
        return False
    if cutoff_carrier == carrier:
        return True
    return _service_carriers().get(carrier) == cutoff_carrier


@lru_cache(maxsize=1)
def _service_carriers() -> dict[str, str]:
    return {service.code: service.carrier for service in catalogue().services}


def pickup_times(order: Order, policy: ReleasePolicy) -> tuple[list[str], str]:
    """The daily pick-up times that bind the order and where they come from: the policy's cut-offs
    of its carrier; else its carrier service's cut-off in the shipping catalogue (a carrier code:
    its earliest service); else the channel's cut-offs (or 'any')."""
    carrier = carrier_of(order, policy)
    if carrier:
        times = [c.at for c in policy.cutoffs if _carrier_matches(c.carrier, carrier)]
        if times:
            return times, f"carrier {carrier}"
        book = catalogue()
        listed = [s.cutoff for s in book.services if carrier in (s.code, s.carrier)]
        if listed:
            return [min(listed)], f"carrier {carrier} (catalogue)"
    times = [c.at for c in policy.cutoffs if not c.carrier and c.channel in (order.channel, ANY_CHANNEL)]
    return times, f"channel {order.channel}"


def ship_by(order: Order, policy: ReleasePolicy, time_zone: str, now_s: int | None = None) -> int | None:
    """Epoch seconds by which the order must be picked: its ``due`` when given, else the first
    pick-up (:func:`pickup_times`: its carrier's, else its channel's) at or after it was received;
    minus ``lead_minutes``.  With ``now_s`` an order that has missed that pick-up gets the next
    one it can still make (it ships with it): that is the urgency release works by."""
    lead = policy.lead_minutes * 60
    if order.due is not None:
        return order.due - lead
    times, _source = pickup_times(order, policy)
    if not times:
        return None
    first = _next_pickup(times, order.created_ms / 1000, time_zone)
    if now_s is not None and first - lead < now_s:
        return _next_pickup(times, now_s + lead, time_zone) - lead
    return first - lead


def _next_pickup(times: list[str], after_s: float, time_zone: str) -> int:
    received = datetime.fromtimestamp(after_s, UTC).astimezone(zone(time_zone))
    best: int | None = None
    for day in (0, 1):
        for at in times:
            hour, minute = int(at[:2]), int(at[3:])
            local = (received + timedelta(days=day)).replace(hour=hour, minute=minute, second=0, microsecond=0)
            if local >= received:
                moment = int(local.timestamp())
                best = moment if best is None else min(best, moment)
        if best is not None:
            break
    assert best is not None  # every day has each time
    return best


def profile(order: Order) -> str:
    """``single`` (one unit: batched for pick-and-sort) or ``multi`` (cluster picking)."""
    return "single" if sum(line.quantity for line in order.lines) == 1 else "multi"


def group_key(order: Order, policy: ReleasePolicy, placed: dict[str, str] | None = None) -> tuple[str, ...]:
    """The group of ``order`` under ``policy.group_by``. ``zone`` and ``category`` come from
    ``placed`` (the caller reads them from master data: the zones of the order's pick faces, its
    SKUs' category); an order without one is '-', an order spanning several gets them joined by '+'."""
    values = {"channel": order.channel, "profile": profile(order), "priority": str(order.priority),
              "carrier": carrier_of(order, policy) or "-", "zone": "-", "category": "-", **(placed or {})}
    return tuple(values[name] for name in policy.group_by)


def joined(names: set[str]) -> str:
    """One group value for an order touching ``names`` (zones or categories): '-' for none."""
    return "+".join(sorted(names)) or "-"


def wave_strategy(key: tuple[str, ...], policy: ReleasePolicy) -> str:
    """The pick strategy of one released group (issue 11). ``batch`` with ``group_by`` ``profile``:
    single-unit orders are batched for pick-and-sort, multi-line orders cluster-picked; ``batch``
    without it: every group is pick-and-sort. Other strategies apply to every group as they are."""
    if policy.strategy != "batch" or "profile" not in policy.group_by:
        return policy.strategy
    return "batch" if key[policy.group_by.index("profile")] == "single" else "cluster"


def urgency_key(order: Order, due: int | None) -> tuple[int, int, int]:
    """Ship-by first (none = last), then priority (1 = most urgent), then arrival."""
    return (due if due is not None else 2**62, order.priority, order.created_ms)


def units(order: Order) -> int:
    return sum(line.quantity for line in order.lines)


def team_rate(units_last_window: int, window_s: float, pickers: int, policy: ReleasePolicy) -> float:
    """Units per second the floor picks now: measured when units were picked in the window,
    else the policy's standard time per unit times the pickers present (at least one)."""
    standard = max(pickers, 1) / policy.unit_seconds
    if units_last_window <= 0 or window_s <= 0:
        return standard
    return max(units_last_window / window_s, 0.25 * standard)


def due_now(orders: list[tuple[Order, int | None]], backlog_units: int, rate: float, now_s: int,
            policy: ReleasePolicy) -> tuple[list[Order], int | None]:
    """Cut-off release: ``orders`` (with ship-by) sorted by urgency; returns the orders to release
    now and the earliest ship-by among them.  Order k is due when ``now + (backlog + units of
    orders 0..k) / rate + early`` reaches its ship-by (it would otherwise be late)."""
    work = float(backlog_units)
    chosen: list[Order] = []
    earliest: int | None = None
    last_due = -1
    for index, (order, due) in enumerate(orders):
        work += units(order)
        if due is None:
            continue
        if now_s + work / rate + policy.early_minutes * 60 >= due:
            last_due = index
    for order, due in orders[: last_due + 1]:
        chosen.append(order)
        if due is not None:
            earliest = due if earliest is None else min(earliest, due)
    return chosen[: policy.max_orders], earliest


def late(released: list[tuple[str, int, int | None]], rate: float, now_s: int,
         warning_s: int) -> list[tuple[str, int, int]]:
    """Released orders that will miss ship-by: ``released`` is (order id, units left, ship-by) in the
    order the floor works them; returns (order id, expected finish, ship-by) for each at risk."""
    work = 0.0
    out = []
    for order_id, left, due in released:
        work += left
        finish = int(now_s + work / rate)
        if due is not None and finish + warning_s > due:
            out.append((order_id, finish, due))
    return out
