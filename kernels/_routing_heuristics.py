# mypy: disable-error-code="no-untyped-def"
"""Classic routing policies (private ``@njit``): S-shape, return, midpoint, largest gap, combined.

Every policy sees the warehouse as one block of height ``top`` (a middle cross-aisle is simply walked
through), visits the aisles holding picks from the leftmost to the rightmost and walks the front
cross-aisle from the depot and back, so its horizontal travel is ``2 * D * span``.  The returned length
is the length of the policy's own path (what the literature compares), and the visiting order is
the order in which that path passes the picks.  Inputs are the (order, start) pair of
:func:`kernels._routing_exact.sort_picks`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

SSHAPE, RETURN, MIDPOINT, LARGEST_GAP, COMBINED = 1, 2, 3, 4, 5


@njit(cache=True)
def _emit(visits, n, order, lo, hi, ascending):
    if ascending:
        for q in range(lo, hi):
            visits[n] = order[q]
            n += 1
    else:
        for q in range(hi - 1, lo - 1, -1):
            visits[n] = order[q]
            n += 1
    return n


@njit(cache=True)
def _split(order, start, heights, a, top, policy):
    """First position of the picks served from the back in a middle aisle, and the aisle's cost."""
    lo, hi = start[a], start[a + 1]
    if policy == MIDPOINT:
        cut = lo
        while cut < hi and heights[order[cut]] <= top / 2.0:
            cut += 1
    else:
        best = heights[order[lo]]
        cut = lo
        for q in range(lo + 1, hi + 1):
            gap = (top if q == hi else heights[order[q]]) - heights[order[q - 1]]
            if gap > best:
                best = gap
                cut = q
    cost = 0.0
    if cut > lo:
        cost += 2.0 * heights[order[cut - 1]]
    if cut < hi:
        cost += 2.0 * (top - heights[order[cut]])
    return cut, cost


@njit(cache=True)
def policy_route(order, start, heights, top, aisle_distance, depot, policy, want_order):
    """(length, visits) of ``policy`` through the sorted picks."""
    n_aisles = start.shape[0] - 1
    visits = np.empty(order.shape[0], dtype=np.int64)
    picked = np.empty(n_aisles, dtype=np.int64)
    m = 0
    for a in range(n_aisles):
        if start[a + 1] > start[a]:
            picked[m] = a
            m += 1
    if m == 0:
        return 0.0, visits[:0]
    left, right = picked[0], picked[m - 1]
    length = 2.0 * aisle_distance * (max(depot, right) - min(depot, left))
    n = 0
    if policy == RETURN or m == 1:
        for i in range(m):
            a = picked[i]
            length += 2.0 * heights[order[start[a + 1] - 1]]
            n = _emit(visits, n, order, start[a], start[a + 1], True)
    elif policy == SSHAPE:
        for i in range(m):
            a = picked[i]
            if i == m - 1 and m % 2 == 1:
                length += 2.0 * heights[order[start[a + 1] - 1]]
            else:
                length += top
            n = _emit(visits, n, order, start[a], start[a + 1], i % 2 == 0)
    elif policy in (MIDPOINT, LARGEST_GAP):
        # front parts of middle aisles left of the depot are picked on the way out to the leftmost
        # aisle, the others on the way back from the rightmost one: 2 * D * span either way
        cuts = np.empty(m, dtype=np.int64)
        length += 2.0 * top
        for i in range(1, m - 1):
            cut, cost = _split(order, start, heights, picked[i], top, policy)
            cuts[i] = cut
            length += cost
        for i in range(m - 2, 0, -1):
            if picked[i] < depot:
                n = _emit(visits, n, order, start[picked[i]], cuts[i], True)
        n = _emit(visits, n, order, start[left], start[left + 1], True)
        for i in range(1, m - 1):
            n = _emit(visits, n, order, cuts[i], start[picked[i] + 1], False)
        n = _emit(visits, n, order, start[right], start[right + 1], False)
        for i in range(m - 2, 0, -1):
            if picked[i] >= depot:
                n = _emit(visits, n, order, start[picked[i]], cuts[i], True)
    else:
        # combined: per aisle traverse or return on the current side, chosen by a 2-state DP
        value = np.array([0.0, np.inf])  # side 0 = front, 1 = back
        choice = np.zeros((m, 2), dtype=np.int64)  # 0 return, 1 traverse (indexed by side after)
        for i in range(m):
            a = picked[i]
            low = heights[order[start[a]]]
            high = heights[order[start[a + 1] - 1]]
            stay_front = value[0] + 2.0 * high
            stay_back = value[1] + 2.0 * (top - low)
            cross_to_front = value[1] + top
            cross_to_back = value[0] + top
            new_front = min(stay_front, cross_to_front)
            new_back = min(stay_back, cross_to_back)
            choice[i, 0] = 0 if stay_front <= cross_to_front else 1
            choice[i, 1] = 0 if stay_back <= cross_to_back else 1
            value[0] = new_front
            value[1] = new_back
        length += value[0]
        if want_order:
            ascending = np.empty(m, dtype=np.bool_)
            side = 0
            for i in range(m - 1, -1, -1):
                traverse = choice[i, side] == 1
                # returns are walked away from the side we are on; traversals end on `side`
                ascending[i] = (side == 0) != traverse
                if traverse:
                    side = 1 - side
            for i in range(m):
                a = picked[i]
                n = _emit(visits, n, order, start[a], start[a + 1], ascending[i])
    return length, visits[:n]
