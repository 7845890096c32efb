"""Batching kernels against plain-Python references (FCFS, exhaustive optimum, admission rule)."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest

from kernels.batching import METHODS, CapacityError, plan_batches
from kernels.layout import Warehouse
from kernels.routing import plan_route
from tests.kernels.reference import JIT, optimal_length

W = Warehouse(n_aisles=4, n_cells=6, aisle_distance=3.0, depot_aisle=1)
SECONDS = 0.3 if JIT else 0.2


def orders(rng: np.random.Generator, n: int, max_lines: int = 3, w: Warehouse = W) -> tuple[list, list, list]:
    sizes = rng.integers(1, max_lines + 1, n)
    return ([rng.integers(0, w.n_aisles, k) for k in sizes], [rng.integers(0, w.n_cells, k) for k in sizes],
            [rng.integers(1, 3, k) for k in sizes])


def union_length(w: Warehouse, aisles: list, cells: list, members: list[int] | np.ndarray) -> float:
    if len(members) == 0:
        return 0.0
    return plan_route(w, np.concatenate([aisles[o] for o in members]),
                      np.concatenate([cells[o] for o in members])).length


def check(batches: list, n: int, aisles: list, cells: list, quantities: list, capacity: int) -> float:
    seen = sorted(int(o) for b in batches for o in b.orders)
    assert seen == list(range(n))
    for b in batches:
        assert sum(int(quantities[o].sum()) for o in b.orders) <= capacity
        assert b.length == pytest.approx(union_length(W, aisles, cells, b.orders))
    return sum(b.length for b in batches)


def fcfs_reference(quantities: list, capacity: int) -> list[list[int]]:
    out: list[list[int]] = [[]]
    load = 0
    for o, q in enumerate(quantities):
        if out[-1] and load + q.sum() > capacity:
            out.append([])
            load = 0
        out[-1].append(o)
        load += q.sum()
    return out


def optimum_reference(aisles: list, cells: list, quantities: list, capacity: int) -> float:
    """Exhaustive set partitioning over all feasible batches, lengths from Held–Karp."""
    n = len(aisles)
    cost: dict[int, float] = {}
    for size in range(1, n + 1):
        for subset in combinations(range(n), size):
            if sum(quantities[o].sum() for o in subset) <= capacity:
                picks_a = np.concatenate([aisles[o] for o in subset])
                picks_c = np.concatenate([cells[o] for o in subset])
                cost[sum(1 << o for o in subset)] = optimal_length(W, picks_a, picks_c)
    best = {0: 0.0}
    for mask in range(1, 1 << n):
        low = mask & -mask
        best[mask] = min(best[mask ^ s] + c for s, c in cost.items() if s & low and s & mask == s)
    return best[(1 << n) - 1]


@pytest.mark.parametrize("method", METHODS)
def test_methods_partition_and_respect_capacity(method: str) -> None:
    rng = np.random.default_rng(7)
    for _ in range(4 if JIT else 2):
        a, c, q = orders(rng, 12 if JIT else 6)
        batches = plan_batches(W, a, c, q, 6, method=method, seconds=0.05)
        total = check(batches, len(a), a, c, q, 6)
        fcfs = sum(union_length(W, a, c, b) for b in fcfs_reference(q, 6))
        if method == "fcfs":
            assert [b.orders.tolist() for b in batches] == fcfs_reference(q, 6)
        assert total <= fcfs + 1e-9 or method in ("seed", "savings")


def test_ils_finds_the_exhaustive_optimum_on_small_instances() -> None:
    rng = np.random.default_rng(11)
    for _ in range(5 if JIT else 2):
        a, c, q = orders(rng, 6 if JIT else 5, max_lines=2)
        batches = plan_batches(W, a, c, q, 5, method="ils", seconds=SECONDS)
        total = check(batches, len(a), a, c, q, 5)
        assert total == pytest.approx(optimum_reference(a, c, q, 5))


def test_release_order_admission_and_totes() -> None:
    rng = np.random.default_rng(3)
    a, c, q = orders(rng, 8)
    due = rng.permutation(8).astype(float)
    batches = plan_batches(W, a, c, q, 6, due=due, seconds=0.05, tote_capacity=2)
    firsts = [min(due[b.orders]) for b in batches]
    assert firsts == sorted(firsts) and firsts[0] == 0.0
    for b in batches:
        slots = np.maximum(1, np.ceil(np.array([q[o].sum() for o in b.orders]) / 2)).astype(int)
        assert b.totes.tolist() == np.concatenate([[0], np.cumsum(slots)[:-1]]).tolist()
        assert slots.sum() <= 6 // 2
    # a wave of two carts: orders are admitted in due order, a skipped one never fits the carts
    wave = plan_batches(W, a, c, q, 6, due=due, priority=np.zeros(8), seconds=0.05, max_batches=2)
    admitted = {int(o) for b in wave for o in b.orders}
    assert len(wave) <= 2
    carts: list[int] = [0, 0]
    for o in np.argsort(due):
        size = int(q[o].sum())
        slot = next((i for i in range(2) if carts[i] + size <= 6), None)
        assert (slot is not None) == (int(o) in admitted)
        if slot is not None:
            carts[slot] += size
    urgent = plan_batches(W, a, c, q, 6, priority=np.arange(8)[::-1].copy(), method="fcfs")
    assert urgent[0].orders.tolist()[0] == 0


def test_weight_limit_edge_cases_and_errors() -> None:
    a = [np.array([0, 0]), np.array([0]), np.array([0, 0, 0])]
    c = [np.array([1, 5]), np.array([3]), np.array([0, 2, 4])]
    q = [np.array([1, 1]), np.array([1]), np.array([1, 1, 1])]
    weights = [np.array([2.0, 2.0]), np.array([5.0]), np.array([1.0, 1.0, 1.0])]
    batches = plan_batches(W, a, c, q, 10, weights=weights, max_weight=6.0, seconds=0.05)
    for b in batches:
        assert sum(float(weights[o] @ q[o]) for o in b.orders) <= 6.0
    check(batches, 3, a, c, q, 10)
    assert plan_batches(W, [], [], [], 5) == []
    one = plan_batches(W, [np.array([2])], [np.array([3])], [np.array([1])], 5)
    assert [b.orders.tolist() for b in one] == [[0]] and one[0].totes.tolist() == [0]
    with pytest.raises(CapacityError):
        plan_batches(W, a, c, q, 2)
    with pytest.raises(ValueError, match="unknown method"):
        plan_batches(W, a, c, q, 5, method="magic")


@pytest.mark.parametrize("routing", ["sshape", "largest-gap"])
def test_heuristic_routing_oracle(routing: str) -> None:
    rng = np.random.default_rng(5)
    a, c, q = orders(rng, 8)
    batches = plan_batches(W, a, c, q, 6, routing=routing, seconds=0.05)
    for b in batches:
        picks_a = np.concatenate([a[o] for o in b.orders])
        picks_c = np.concatenate([c[o] for o in b.orders])
        assert b.length == pytest.approx(plan_route(W, picks_a, picks_c, routing).length)


def test_exact_set_partitioning_reaches_the_optimum_and_default_budgets() -> None:
    """The exact method (and ils on small waves, which runs it) equals the exhaustive optimum."""
    from kernels.batching import default_seconds

    rng = np.random.default_rng(23)
    for _ in range(3 if JIT else 1):
        a, c, q = orders(rng, 9 if JIT else 6)
        best = optimum_reference(a, c, q, 6)
        for method in ("exact", "ils"):
            batches = plan_batches(W, a, c, q, 6, method=method, seconds=2.0 if JIT else 5.0)
            assert check(batches, len(a), a, c, q, 6) == pytest.approx(best)
    assert default_seconds(20) < 0.2 and default_seconds(100) <= 2.0 and default_seconds(10_000) <= 8.0


def test_nearest_by_aisles_matches_a_plain_reference() -> None:
    """Large waves' candidate lists: orders sharing the most aisles (Jaccard) and reaching as far."""
    from kernels._batching_search import nearest_by_aisles

    rng = np.random.default_rng(5)
    n, aisles = 12, 8
    sets = [set(rng.choice(aisles, size=rng.integers(1, 5), replace=False).tolist()) for _ in range(n)]
    masks = np.array([sum(1 << a for a in s) for s in sets], dtype=np.int64)
    far = np.array([max(s) for s in sets], dtype=np.int64)
    got = nearest_by_aisles(masks, far, aisles, 4)
    for i in range(n):
        dist = {j: 1 - len(sets[i] & sets[j]) / len(sets[i] | sets[j]) + abs(far[i] - far[j]) / aisles
                for j in range(n) if j != i}
        kth = sorted(dist.values())[3]
        assert all(dist[int(j)] <= kth + 1e-12 for j in got[i])
        assert len(set(got[i].tolist())) == 4


def test_small_wave_budget_is_work_not_time_same_answer_under_load() -> None:
    """Up to 30 orders the budget is calibrated work (kernels.batching.WorkClock): the same wave gets
    the same batches whether the machine is quiet or a CPU hog runs next to the search."""
    import subprocess
    import sys
    import time

    from kernels.instances import henn_waescher

    inst = henn_waescher(20, 75, "uniform", 20_004)  # 75 items a cart: too many sets for the DP, ILS answers

    def plan() -> list[list[int]]:
        batches = plan_batches(inst.layout.warehouse, inst.order_aisles, inst.order_cells(), inst.order_quantities,
                               inst.capacity, method="ils", seconds=0.18)
        return sorted(sorted(int(o) for o in b.orders) for b in batches)

    quiet = plan()
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(3)]
    try:
        time.sleep(0.2)
        loaded = plan()
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    assert loaded == quiet == plan()
