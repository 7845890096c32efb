"""Routing kernels against the plain-Python references in :mod:`tests.kernels.reference`."""

from __future__ import annotations

import numpy as np
import pytest

from kernels.layout import LayoutError, Warehouse
from kernels.routing import POLICIES, plan_route
from tests.kernels.reference import JIT, optimal_length, policy_length, tour_length

HEURISTICS = ["sshape", "return", "midpoint", "largest-gap", "combined"]
CASES = 60 if JIT else 12


def random_case(rng: np.random.Generator, blocks: int, max_picks: int) -> tuple[Warehouse, np.ndarray, np.ndarray]:
    n_aisles = int(rng.integers(1, 7))
    n_cells = int(rng.integers(4, 13))
    middles = tuple(sorted(rng.choice(np.arange(1, n_cells), size=blocks - 1, replace=False).tolist()))
    w = Warehouse(n_aisles=n_aisles, n_cells=n_cells, aisle_distance=float(rng.integers(1, 6)),
                  cell_length=float(rng.choice([0.5, 1.0, 2.0])), front_gap=float(rng.integers(0, 3)),
                  back_gap=float(rng.integers(0, 3)), depot_aisle=int(rng.integers(0, n_aisles)),
                  middle_cross_aisles=middles)
    n = int(rng.integers(0, max_picks + 1))
    return w, rng.integers(0, n_aisles, n), rng.integers(0, n_cells, n)


def assert_valid(w: Warehouse, aisles: np.ndarray, cells: np.ndarray, policy: str) -> float:
    route = plan_route(w, aisles, cells, policy)
    assert route.order.dtype == np.int64
    assert sorted(route.order.tolist()) == list(range(len(aisles)))
    # the shortest walk along the visiting order never exceeds the length the kernel reports
    assert tour_length(w, aisles, cells, route.order) <= route.length + 1e-9
    return route.length


@pytest.mark.parametrize("blocks", [1, 2, 3, 4])
def test_optimal_equals_held_karp(blocks: int) -> None:
    """Exact DP for 1-2 blocks; with 3+ blocks, Held–Karp inside the kernel up to 12 picks."""
    rng = np.random.default_rng(blocks)
    for _ in range(CASES):
        w, aisles, cells = random_case(rng, blocks, 7)
        length = assert_valid(w, aisles, cells, "optimal")
        assert length == pytest.approx(optimal_length(w, aisles, cells), abs=1e-9)
        # the exact route is walked exactly: its order has the optimal length too
        order = plan_route(w, aisles, cells).order
        assert tour_length(w, aisles, cells, order) == pytest.approx(length, abs=1e-9)


@pytest.mark.parametrize("blocks", [1, 2, 3])
def test_policies_match_reference_and_bound_optimal(blocks: int) -> None:
    rng = np.random.default_rng(10 + blocks)
    for _ in range(CASES):
        w, aisles, cells = random_case(rng, blocks, 9)
        best = assert_valid(w, aisles, cells, "optimal")
        for policy in HEURISTICS:
            length = assert_valid(w, aisles, cells, policy)
            assert length == pytest.approx(policy_length(w, aisles, cells, policy), abs=1e-9), policy
            assert best <= length + 1e-9, policy


def test_three_blocks_improved_between_exact_and_combined() -> None:
    rng = np.random.default_rng(3)
    for _ in range(CASES // 2):
        w, aisles, cells = random_case(rng, 3, 7)
        length = plan_route(w, aisles, cells).length
        assert optimal_length(w, aisles, cells) - 1e-9 <= length
        assert length <= plan_route(w, aisles, cells, "combined").length + 1e-9


@pytest.mark.parametrize("depot", [0, 4])
@pytest.mark.parametrize("policy", sorted(POLICIES))
def test_edge_cases(depot: int, policy: str) -> None:
    w = Warehouse(n_aisles=5, n_cells=10, depot_aisle=depot, middle_cross_aisles=(5,) if depot else ())
    empty = plan_route(w, np.array([], dtype=np.int64), np.array([], dtype=np.int64), policy)
    assert empty.length == 0.0 and empty.order.shape == (0,)
    one = plan_route(w, [2], [3], policy)
    assert one.order.tolist() == [0]
    if policy == "optimal":
        assert one.length == pytest.approx(optimal_length(w, np.array([2]), np.array([3])))
    aisles, cells = np.full(6, 3), np.array([9, 0, 4, 4, 7, 1])
    same_aisle = assert_valid(w, aisles, cells, policy)
    assert same_aisle == pytest.approx(policy_length(w, aisles, cells, policy) if policy != "optimal"
                                       else optimal_length(w, aisles, cells))
    at_depot = plan_route(w, [depot], [0], policy)
    assert at_depot.length == pytest.approx(2 * w.front_gap)


def test_one_aisle_warehouse_and_bad_input() -> None:
    w = Warehouse(n_aisles=1, n_cells=8, front_gap=0.0)
    assert plan_route(w, [0, 0], [7, 3]).length == pytest.approx(14.0)
    with pytest.raises(LayoutError):
        plan_route(w, [1], [0])
    with pytest.raises(LayoutError):
        plan_route(w, [0], [8])
    with pytest.raises(ValueError, match="unknown policy"):
        plan_route(w, [0], [0], "fastest")
    with pytest.raises(LayoutError):
        Warehouse(n_aisles=3, n_cells=8, depot_aisle=3)
