"""Which orders make a free picker's next tour (pure): due first, then priority, then batching gain.

Orders fall into urgency tiers: ship-by within ``tie_s`` of each other (the same carrier pick-up,
in practice), then priority. A tour is seeded by the oldest order of the most urgent tier and filled
with the orders of that tier that add the fewest metres to its route (the batching gain, routed by
:class:`kernels.batching.GainOracle` on the orders' pick positions); when the tier has nothing left
that fits, the next tier fills the rest of the cart. So no order is passed over for a less urgent
one, and among equally urgent orders the cart takes those that share its aisles. Each choice is kept
as a :class:`Ranked` row: the caller records them in the release decision (the "why").
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec
import numpy as np

from floor.orders.model import Order
from kernels.batching import GainOracle
from kernels.layout import Warehouse

WINDOW = 300  # at most this many candidates of a tier are evaluated per step (the oldest first) ...
MIN_WINDOW = 12  # ... and at least this many, whatever the evaluation budget
Picks = dict[str, tuple[np.ndarray, np.ndarray]]  # order id -> (aisles, cells) of its picks, 0-based


class Ranked(msgspec.Struct, frozen=True):
    """One order chosen for a tour and why: its tier (ship-by, priority), the metres it added to
    the tour being formed and what it would walk alone (``alone_m - added_m`` is its batching gain)."""

    order_id: str
    tour: int
    ship_by: int | None
    priority: int
    added_m: float
    alone_m: float
    rule: str  # "seed" (oldest of the most urgent tier) | "gain" (fewest added metres in its tier)


@dataclass(frozen=True)
class Tour:
    orders: list[Order]
    ranked: list[Ranked]
    length: float  # metres of the tour as formed (the planner may still shorten it)
    alone: float  # metres of its orders picked one by one


def tiers(rows: list[tuple[Order, int | None]], tie_s: int) -> list[list[int]]:
    """Row indices grouped by (ship-by bucket of ``tie_s``, priority), most urgent first; rows must
    come sorted by urgency (:func:`floor.waves.policy.urgency_key`)."""
    groups: dict[tuple[int, int], list[int]] = {}
    for index, (order, due) in enumerate(rows):
        bucket = 2**62 if due is None else (due // tie_s if tie_s > 0 else due)
        groups.setdefault((bucket, order.priority), []).append(index)
    return [groups[key] for key in sorted(groups)]


def form_tours(rows: list[tuple[Order, int | None]], picks: Picks, warehouse: Warehouse, tours: int, cart: int,
               tie_s: int, evaluations: int = 12_000) -> list[Tour]:
    """Up to ``tours`` carts of at most ``cart`` units (an order bigger than a cart goes alone).
    ``evaluations`` bounds the routed candidates over all tours (a deterministic budget: the same
    input gives the same tours on a quiet or a loaded machine; ~5-10 µs each)."""
    if not rows or tours <= 0:
        return []
    sample = rows[: 200]
    mean_units = sum(sum(line.quantity for line in o.lines) for o, _ in sample) / len(sample)
    steps = max(1.0, cart / max(mean_units, 1.0))
    window = int(min(WINDOW, max(MIN_WINDOW, evaluations / (tours * steps))))
    empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    positions = [picks.get(order.order_id, empty) for order, _ in rows]
    oracle = GainOracle(warehouse, [p[0] for p in positions], [p[1] for p in positions])
    size = [sum(line.quantity for line in order.lines) for order, _ in rows]
    open_tiers = tiers(rows, tie_s)
    used: set[int] = set()
    alone: dict[int, float] = {}
    out: list[Tour] = []
    for number in range(tours):
        tour: list[int] = []
        ranked: list[Ranked] = []
        room = cart
        for tier in open_tiers:
            while room > 0:
                left = [i for i in tier if i not in used]
                if not tour and left and size[left[0]] > cart:  # too big for any cart: its own tour
                    tour, room = [left[0]], 0
                    ranked.append(_ranked(rows, left[0], number, 0.0, 0.0, "seed"))
                    break
                fitting = [i for i in left if size[i] <= room][:window]
                if not fitting:
                    break
                if not tour:
                    best, added, rule = fitting[0], 0.0, "seed"
                else:
                    extra = oracle.marginal(tour, fitting)
                    k = int(np.argmin(extra))  # ties: the oldest (fitting keeps urgency order)
                    best, added, rule = fitting[k], float(extra[k]), "gain"
                if best not in alone:
                    alone[best] = oracle.length([best])
                if rule == "seed":
                    added = alone[best]
                tour.append(best)
                used.add(best)
                room -= size[best]
                ranked.append(_ranked(rows, best, number, added, alone[best], rule))
            tier[:] = [i for i in tier if i not in used]
            if room <= 0:
                break
        if not tour:
            break
        out.append(Tour([rows[i][0] for i in tour], ranked, oracle.length(tour),
                        sum(alone.get(i, 0.0) for i in tour)))
    return out


def _ranked(rows: list[tuple[Order, int | None]], index: int, tour: int, added: float, alone: float,
            rule: str) -> Ranked:
    order, due = rows[index]
    return Ranked(order.order_id, tour, due, order.priority, round(added, 1), round(alone, 1), rule)
