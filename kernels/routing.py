"""Pick routing: the ordered visits of one picker tour and its length.

``plan_route`` is the public entry point.  ``optimal`` is exact for warehouses with no or one middle
cross-aisle (the DP of :mod:`kernels._routing_exact`); with more middle cross-aisles it is the
combined policy improved by 2-opt/Or-opt on the shortest-path metric, so never longer than combined.
The other policies are the classic heuristics, kept for comparison and for operations that want a
predictable walking pattern.  The caller gets indices into its own pick arrays, in visiting order,
starting and ending at the depot on the front cross-aisle.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from kernels import _routing_exact, _routing_heuristics, _routing_improve
from kernels._routing_states import transition_tables
from kernels.layout import FloatArray, IntArray, LayoutError, Warehouse

POLICIES: dict[str, int] = {
    "optimal": 0,
    "sshape": _routing_heuristics.SSHAPE,
    "return": _routing_heuristics.RETURN,
    "midpoint": _routing_heuristics.MIDPOINT,
    "largest-gap": _routing_heuristics.LARGEST_GAP,
    "combined": _routing_heuristics.COMBINED,
}
EXACT_MAX_CROSS_AISLES = 3  # front, back and at most one middle cross-aisle


@dataclass(frozen=True)
class Route:
    """A picker tour: ``order`` holds each pick index exactly once, in visiting order."""

    length: float
    order: IntArray


@dataclass(frozen=True)
class Geometry:
    """Everything the kernels need about a warehouse, as contiguous arrays (built once, cached)."""

    n_aisles: int
    aisle_distance: float
    depot: int
    cross: FloatArray
    vertical: IntArray
    horizontal: IntArray
    horizontal_depot: IntArray
    done_state: int
    vertical_digits: IntArray
    horizontal_digits: IntArray

    @property
    def exact(self) -> bool:
        """Whether ``optimal`` is solved exactly in this layout."""
        return len(self.cross) <= EXACT_MAX_CROSS_AISLES


HELD_KARP_MAX = 12  # 2+ middle cross-aisles: up to this many picks "optimal" is Held–Karp (exact, < 1 ms)


def _digits(count: int, base: int, width: int) -> IntArray:
    out = np.zeros((count, width), dtype=np.int64)
    for code in range(count):
        rest = code
        for position in range(width):
            out[code, position] = rest % base
            rest //= base
    return out


@cache
def geometry(warehouse: Warehouse) -> Geometry:
    """Kernel view of ``warehouse`` (cached per warehouse; the dataclass is frozen)."""
    cross = warehouse.cross_aisle_offsets()
    k = min(cross.shape[0], EXACT_MAX_CROSS_AISLES)
    vertical, horizontal, horizontal_depot, done_state = transition_tables(k)
    return Geometry(
        n_aisles=warehouse.n_aisles,
        aisle_distance=float(warehouse.aisle_distance),
        depot=warehouse.depot_aisle,
        cross=cross,
        vertical=vertical,
        horizontal=horizontal,
        horizontal_depot=horizontal_depot,
        done_state=done_state,
        vertical_digits=_digits(vertical.shape[1], 6, k - 1),
        horizontal_digits=_digits(horizontal.shape[1], 3, k),
    )


def route_heights(geo: Geometry, aisles: IntArray, heights: FloatArray, policy: str = "optimal",
                  want_order: bool = True) -> tuple[float, IntArray]:
    """Kernel call on already converted picks: ``heights`` above the front cross-aisle.

    This is the hot path (no validation, no conversion): the CLIs time exactly this call.
    """
    code = POLICIES[policy]
    if code == 0 and geo.exact:
        length, order = _routing_exact.solve_exact(
            aisles, heights, geo.cross, geo.n_aisles, geo.aisle_distance, geo.depot, geo.vertical,
            geo.horizontal, geo.horizontal_depot, geo.done_state, geo.vertical_digits,
            geo.horizontal_digits, want_order)
        return float(length), order
    sorted_order, start = _routing_exact.sort_picks(aisles, heights, geo.n_aisles)
    top = float(geo.cross[-1])
    heuristic = _routing_heuristics.COMBINED if code == 0 else code
    length, order = _routing_heuristics.policy_route(
        sorted_order, start, heights, top, geo.aisle_distance, geo.depot, heuristic, True)
    if code == 0 and order.shape[0] > 1:
        dist = _routing_improve.distance_matrix(aisles, heights, geo.cross, geo.aisle_distance, geo.depot)
        if order.shape[0] <= HELD_KARP_MAX:  # few picks: exact on the shortest-path metric
            order, length = _routing_improve.held_karp(dist)
        else:
            order, length = _routing_improve.improve(order, dist)
    return float(length), order


def plan_route(warehouse: Warehouse, aisles: npt.ArrayLike, cells: npt.ArrayLike,
               policy: str = "optimal") -> Route:
    """Route one picker from the depot through every pick (aisle, cell) and back.

    ``policy`` is one of :data:`POLICIES`.  Raises :class:`~kernels.layout.LayoutError` for a pick
    outside the warehouse and ``ValueError`` for an unknown policy.  Picks sharing a position are
    all listed in ``Route.order`` (consecutively).
    """
    if policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}; expected one of {sorted(POLICIES)}")
    aisle_array = warehouse.check_aisles(aisles)
    heights = warehouse.offsets(cells)
    if aisle_array.shape != heights.shape or aisle_array.ndim != 1:
        raise LayoutError("aisles and cells must be 1-d arrays of the same length")
    length, order = route_heights(geometry(warehouse), aisle_array, heights, policy)
    return Route(length=length, order=order)


def warm_up() -> None:
    """Compile every routing kernel (all policies, 1, 2 and 3 blocks) on a tiny input."""
    aisles = np.array([0, 1, 1], dtype=np.int64)
    cells = np.array([0, 1, 2], dtype=np.int64)
    for middles in ((), (2,), (1, 2)):
        warehouse = Warehouse(n_aisles=2, n_cells=3, depot_aisle=1, middle_cross_aisles=middles)
        for policy in POLICIES:
            plan_route(warehouse, aisles, cells, policy)
            route_heights(geometry(warehouse), aisles, warehouse.offsets(cells), policy, False)
