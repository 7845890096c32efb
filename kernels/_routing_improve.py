# mypy: disable-error-code="no-untyped-def"
"""Route improvement on the shortest-path metric (private ``@njit``): 2-opt and Or-opt.

Used for layouts with two or more middle cross-aisles, where no exact DP is implemented: start
from a policy's visiting order and apply improving 2-opt and Or-opt moves until none is left.  The
shortest-path length of any order is at most the length of the policy path that produced it and
every accepted move shortens it, so the result is never longer than the starting policy.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def walk(a1, y1, a2, y2, cross, aisle_distance):
    """Shortest walk between two points of a rectangular warehouse (cross-aisles at ``cross``)."""
    if a1 == a2:
        return abs(y1 - y2)
    best = np.inf
    for c in range(cross.shape[0]):
        d = abs(y1 - cross[c]) + abs(y2 - cross[c])
        if d < best:
            best = d
    return best + abs(a1 - a2) * aisle_distance


@njit(cache=True)
def distance_matrix(aisles, heights, cross, aisle_distance, depot):
    """Pairwise walks; index n is the depot (front cross-aisle of the depot aisle)."""
    n = aisles.shape[0]
    pa = np.empty(n + 1, dtype=np.int64)
    py = np.empty(n + 1)
    pa[:n] = aisles
    py[:n] = heights
    pa[n] = depot
    py[n] = 0.0
    dist = np.empty((n + 1, n + 1))
    for i in range(n + 1):
        for j in range(i, n + 1):
            d = walk(pa[i], py[i], pa[j], py[j], cross, aisle_distance)
            dist[i, j] = d
            dist[j, i] = d
    return dist


@njit(cache=True)
def tour_length(tour, dist):
    total = 0.0
    for i in range(tour.shape[0]):
        total += dist[tour[i], tour[(i + 1) % tour.shape[0]]]
    return total


@njit(cache=True)
def improve(visits, dist):
    """Locally optimal (2-opt, Or-opt) visiting order and its length; ``dist`` from distance_matrix."""
    n = visits.shape[0]
    tour = np.empty(n + 1, dtype=np.int64)
    tour[0] = n  # depot fixed at position 0
    tour[1:] = visits
    eps = 1e-9
    improved = True
    while improved:
        improved = False
        for i in range(0, n):
            for j in range(i + 2, n + 1):
                a, b = tour[i], tour[i + 1]
                c, d = tour[j], tour[(j + 1) % (n + 1)]
                if a == d:
                    continue
                if dist[a, c] + dist[b, d] < dist[a, b] + dist[c, d] - eps:
                    tour[i + 1:j + 1] = tour[i + 1:j + 1][::-1].copy()
                    improved = True
        for size in range(1, 4):
            for i in range(1, n + 2 - size):
                prev, first = tour[i - 1], tour[i]
                last, nxt = tour[i + size - 1], tour[(i + size) % (n + 1)]
                gain = dist[prev, first] + dist[last, nxt] - dist[prev, nxt]
                best, best_j, best_rev = eps, -1, False
                for j in range(n + 1):
                    if i - 1 <= j <= i + size - 1:
                        continue
                    u, v = tour[j], tour[(j + 1) % (n + 1)]
                    forward = gain - (dist[u, first] + dist[last, v] - dist[u, v])
                    backward = gain - (dist[u, last] + dist[first, v] - dist[u, v])
                    if forward > best:
                        best, best_j, best_rev = forward, j, False
                    if backward > best:
                        best, best_j, best_rev = backward, j, True
                if best_j >= 0:
                    segment = tour[i:i + size].copy()
                    if best_rev:
                        segment = segment[::-1].copy()
                    rest = np.concatenate((tour[:i], tour[i + size:]))
                    at = best_j + 1 if best_j < i else best_j + 1 - size
                    tour = np.concatenate((rest[:at], segment, rest[at:]))
                    improved = True
    return tour[1:].copy(), tour_length(tour, dist)


@njit(cache=True)
def held_karp(dist):
    """Exact shortest tour from the depot (index n of ``dist``) through picks 0..n-1: the visiting
    order and its length. O(2^n n^2): the caller keeps n small (a dozen picks)."""
    n = dist.shape[0] - 1
    full = 1 << n
    best = np.full((full, n), np.inf)
    came = np.full((full, n), -1, dtype=np.int64)
    for i in range(n):
        best[1 << i, i] = dist[n, i]
    for mask in range(1, full):
        for last in range(n):
            value = best[mask, last]
            if value == np.inf or not mask >> last & 1:
                continue
            for nxt in range(n):
                if mask >> nxt & 1:
                    continue
                target = mask | (1 << nxt)
                cand = value + dist[last, nxt]
                if cand < best[target, nxt]:
                    best[target, nxt] = cand
                    came[target, nxt] = last
    length = np.inf
    end = 0
    for last in range(n):
        total = best[full - 1, last] + dist[last, n]
        if total < length:
            length, end = total, last
    order = np.empty(n, dtype=np.int64)
    mask = full - 1
    for k in range(n - 1, -1, -1):
        order[k] = end
        prev = came[mask, end]
        mask ^= 1 << end
        end = prev
    return order, length
