"""Slotting suggestion (pure): move the fastest movers to the pick faces nearest the depot, and
estimate the travel saved with the routing kernel. Proposed only, never executed.

Each location's cost is the length of the exact one-pick tour from the depot (``plan_route``). The
``top`` fastest SKUs (by units shipped) that do not already sit on one of the ``top`` cheapest faces
swap with the slowest SKU found there. Travel is estimated on the same seeded sample of tours (picks
drawn in proportion to the SKUs' demand) with the current and the proposed slotting.
"""

from __future__ import annotations

import msgspec
import numpy as np

from floor.layout.model import Layout, parse_location
from floor.waves.optimal import kernel_warehouse
from kernels.routing import plan_route


class Move(msgspec.Struct, frozen=True):
    sku: str
    from_location: str
    to_location: str
    swap_with: str  # the SKU that moves the other way ('' = the face was empty)


class SlottingProposal(msgspec.Struct, frozen=True):
    moves: list[Move]
    tours: int
    picks_per_tour: int
    travel_now_m: float  # mean tour length now
    travel_proposed_m: float  # mean tour length with the moves
    saved_pct: float


def _xy(location: str) -> tuple[int, int]:
    parsed = parse_location(location)
    assert parsed is not None, location
    return parsed.aisle - 1, parsed.cell - 1


def propose(layout: Layout, faces: dict[str, str], demand: dict[str, float], top: int = 20, tours: int = 200,
            picks_per_tour: int = 8, seed: int = 1) -> SlottingProposal:
    """``faces``: sku -> its pick face; ``demand``: sku -> units shipped (any period)."""
    warehouse = kernel_warehouse(layout)
    every = [layout.location(a, c).code for a in range(1, layout.aisles + 1) for c in range(1, layout.cells + 1)]
    cost = {loc: plan_route(warehouse, [_xy(loc)[0]], [_xy(loc)[1]]).length for loc in every}
    nearest = sorted(every, key=lambda loc: (cost[loc], loc))[:top]
    slot = dict(faces)
    at = {loc: sku for sku, loc in slot.items()}
    movers = sorted((s for s in slot if demand.get(s, 0) > 0), key=lambda s: (-demand[s], s))[:top]
    moves = []
    for sku in movers:
        if slot[sku] in nearest:
            continue
        targets = [loc for loc in nearest if at.get(loc) not in movers]
        if not targets:
            break
        target = min(targets, key=lambda loc: (demand.get(at.get(loc, ""), 0.0), cost[loc], loc))
        other, source = at.get(target, ""), slot[sku]
        moves.append(Move(sku, source, target, other))
        slot[sku], at[target] = target, sku
        if other:
            slot[other], at[source] = source, other
        else:
            at.pop(source, None)
    skus = sorted(s for s in faces if demand.get(s, 0) > 0)
    if not skus:
        return SlottingProposal(moves, 0, picks_per_tour, 0.0, 0.0, 0.0)
    rng = np.random.default_rng(seed)
    weights = np.array([demand[s] for s in skus], dtype=np.float64)
    weights /= weights.sum()
    now = proposed = 0.0
    for _ in range(tours):
        picked = rng.choice(len(skus), size=picks_per_tour, p=weights)
        for mapping, acc in ((faces, "now"), (slot, "proposed")):
            points = [_xy(mapping[skus[i]]) for i in picked]
            length = plan_route(warehouse, [p[0] for p in points], [p[1] for p in points]).length
            if acc == "now":
                now += length
            else:
                proposed += length
    now, proposed = now / tours, proposed / tours
    return SlottingProposal(moves, tours, picks_per_tour, round(now, 1), round(proposed, 1),
                            round(100 * (now - proposed) / now, 1) if now else 0.0)
