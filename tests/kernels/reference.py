"""Plain-Python references for the kernels: slow, obvious, and independent of the kernel code."""

from __future__ import annotations

from itertools import combinations

import numpy as np
from numba import config

from kernels.layout import Warehouse

JIT = not config.DISABLE_JIT
"""False under NUMBA_DISABLE_JIT=1: tests then use small inputs."""


def walk(w: Warehouse, a1: int, y1: float, a2: int, y2: float) -> float:
    """Shortest walk between two points: same aisle straight, else through the best cross-aisle."""
    if a1 == a2:
        return abs(y1 - y2)
    return min(abs(y1 - c) + abs(y2 - c) for c in w.cross_aisle_offsets()) + abs(a1 - a2) * w.aisle_distance


def points(w: Warehouse, aisles: np.ndarray, cells: np.ndarray) -> list[tuple[int, float]]:
    return [(int(a), float(y)) for a, y in zip(aisles, w.offsets(cells), strict=True)]


def tour_length(w: Warehouse, aisles: np.ndarray, cells: np.ndarray, order: list[int] | np.ndarray) -> float:
    """Length of depot -> picks in ``order`` -> depot on the shortest-path metric."""
    pts = points(w, aisles, cells)
    here = (w.depot_aisle, 0.0)
    total = 0.0
    for i in order:
        total += walk(w, *here, *pts[i])
        here = pts[i]
    return total + walk(w, *here, w.depot_aisle, 0.0)


def optimal_length(w: Warehouse, aisles: np.ndarray, cells: np.ndarray) -> float:
    """Held–Karp TSP over the distinct pick positions plus the depot (exact, for <= ~10 positions)."""
    distinct = sorted(set(points(w, aisles, cells)))
    n = len(distinct)
    if n == 0:
        return 0.0
    depot = (w.depot_aisle, 0.0)
    best: dict[tuple[int, int], float] = {}
    for i in range(n):
        best[(1 << i, i)] = walk(w, *depot, *distinct[i])
    for size in range(2, n + 1):
        for subset in combinations(range(n), size):
            mask = sum(1 << i for i in subset)
            for last in subset:
                rest = mask & ~(1 << last)
                best[(mask, last)] = min(best[(rest, j)] + walk(w, *distinct[j], *distinct[last])
                                         for j in subset if j != last)
    full = (1 << n) - 1
    return min(best[(full, i)] + walk(w, *distinct[i], *depot) for i in range(n))


def policy_length(w: Warehouse, aisles: np.ndarray, cells: np.ndarray, policy: str) -> float:
    """Length of a classic policy's path, computed aisle by aisle (one block of height top)."""
    top = float(w.cross_aisle_offsets()[-1])
    by_aisle: dict[int, list[float]] = {}
    for a, y in points(w, aisles, cells):
        by_aisle.setdefault(a, []).append(y)
    if not by_aisle:
        return 0.0
    picked = sorted(by_aisle)
    ys = {a: sorted(by_aisle[a]) for a in picked}
    left, right = picked[0], picked[-1]
    total = 2 * w.aisle_distance * (max(w.depot_aisle, right) - min(w.depot_aisle, left))
    m = len(picked)
    if policy == "return" or m == 1:
        return total + sum(2 * ys[a][-1] for a in picked)
    if policy == "sshape":
        vertical = (m - 1) * top + (top if m % 2 == 0 else 2 * ys[right][-1])
        return total + vertical
    if policy in ("midpoint", "largest-gap"):
        total += 2 * top
        for a in picked[1:-1]:
            if policy == "midpoint":
                front = [y for y in ys[a] if y <= top / 2]
                back = [y for y in ys[a] if y > top / 2]
                total += 2 * max(front, default=0.0) + 2 * (top - min(back, default=top))
            else:
                stops = [0.0, *ys[a], top]
                total += 2 * (top - max(b - c for c, b in zip(stops, stops[1:], strict=False)))
        return total
    assert policy == "combined"
    front, back = 0.0, float("inf")
    for a in picked:
        low, high = ys[a][0], ys[a][-1]
        front, back = min(front + 2 * high, back + top), min(back + 2 * (top - low), front + top)
    return total + front
