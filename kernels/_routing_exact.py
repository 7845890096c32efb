# mypy: disable-error-code="no-untyped-def"
"""Exact picker routing for 1 and 2 blocks: private ``@njit`` dynamic program and tour builder.

Inputs are contiguous arrays: pick aisles (int64), pick heights above the front cross-aisle
(float64), cross-aisle heights (float64, front first).  The DP (tables from :mod:`_routing_states`)
picks one of six options per sub-aisle and 0/1/2 copies of every cross-aisle edge, which is exact for
rectangular warehouses (Ratliff & Rosenthal 1983; Roodbergen & de Koster 2001).  The chosen edges form
an Eulerian multigraph on the aisle-end nodes; Hierholzer's algorithm from the depot turns it into the
visiting order.  Nothing here allocates Python objects, so it runs the same under NUMBA_DISABLE_JIT.
"""

from __future__ import annotations

import numpy as np
from numba import njit

INF = np.inf


@njit(cache=True)
def sort_picks(aisles, heights, n_aisles):
    """Pick indices sorted by (aisle, height) and the CSR start of every aisle (counting sort)."""
    n = aisles.shape[0]
    start = np.zeros(n_aisles + 1, dtype=np.int64)
    for i in range(n):
        start[aisles[i] + 1] += 1
    for a in range(n_aisles):
        start[a + 1] += start[a]
    fill = start[:-1].copy()
    order = np.empty(n, dtype=np.int64)
    for i in range(n):
        order[fill[aisles[i]]] = i
        fill[aisles[i]] += 1
    for a in range(n_aisles):
        for p in range(start[a] + 1, start[a + 1]):
            item = order[p]
            q = p - 1
            while q >= start[a] and heights[order[q]] > heights[item]:
                order[q + 1] = order[q]
                q -= 1
            order[q + 1] = item
    return order, start


@njit(cache=True)
def sub_aisle_costs(order, start, heights, cross, n_aisles):
    """Cost of the six options of every sub-aisle (inf when illegal) and where its largest gap is.

    ``split[a, b]`` is the position (in ``order``) of the first pick above the largest gap, used by
    option 5; ``first[a, b]`` / ``last[a, b]`` bound the picks of the sub-aisle in ``order``.
    """
    n_blocks = cross.shape[0] - 1
    cost = np.full((n_aisles, n_blocks, 6), INF)
    first = np.zeros((n_aisles, n_blocks), dtype=np.int64)
    last = np.zeros((n_aisles, n_blocks), dtype=np.int64)
    split = np.zeros((n_aisles, n_blocks), dtype=np.int64)
    for a in range(n_aisles):
        p = start[a]
        for b in range(n_blocks):
            low = cross[b]
            high = cross[b + 1]
            first[a, b] = p
            while p < start[a + 1] and (b == n_blocks - 1 or heights[order[p]] < high):
                p += 1
            last[a, b] = p
            length = high - low
            cost[a, b, 1] = length
            cost[a, b, 2] = 2.0 * length
            if p == first[a, b]:
                cost[a, b, 0] = 0.0
                continue
            lowest = heights[order[first[a, b]]]
            highest = heights[order[p - 1]]
            cost[a, b, 3] = 2.0 * (highest - low)
            cost[a, b, 4] = 2.0 * (high - lowest)
            best_gap = -1.0
            for q in range(first[a, b] + 1, p):
                gap = heights[order[q]] - heights[order[q - 1]]
                if gap > best_gap:
                    best_gap = gap
                    split[a, b] = q
            if best_gap >= 0.0:
                cost[a, b, 5] = 2.0 * (length - best_gap)
    return cost, first, last, split


@njit(cache=True)
def run_dp(cost, aisle_distance, depot, vertical, horizontal, horizontal_depot, done_state,
           vertical_digits, horizontal_digits):
    """Shortest tour length and, per aisle, the chosen sub-aisle options and cross-aisle copies."""
    n_aisles = cost.shape[0]
    n_blocks = cost.shape[1]
    n_states = vertical.shape[0]
    n_v = vertical.shape[1]
    n_h = horizontal.shape[1]
    v_back = np.full((n_aisles, n_states), -1, dtype=np.int64)
    h_back = np.full((n_aisles, n_states), -1, dtype=np.int64)
    value = np.full(n_states, INF)
    value[0] = 0.0
    after = np.empty(n_states)
    combo = np.empty(n_v)
    h_cost = np.empty(n_h)
    for h in range(n_h):
        copies = 0
        for i in range(n_blocks + 1):
            copies += horizontal_digits[h, i]
        h_cost[h] = copies * aisle_distance
    for a in range(n_aisles):
        for c in range(n_v):
            total = 0.0
            for b in range(n_blocks):
                total += cost[a, b, vertical_digits[c, b]]
            combo[c] = total
        after[:] = INF
        for s in range(n_states):
            if value[s] == INF:
                continue
            for c in range(n_v):
                t = vertical[s, c]
                if t >= 0 and combo[c] < INF and value[s] + combo[c] < after[t]:
                    after[t] = value[s] + combo[c]
                    v_back[a, t] = s * n_v + c
        table = horizontal_depot if a == depot else horizontal
        value[:] = INF
        last = a == n_aisles - 1
        for s in range(n_states):
            if after[s] == INF:
                continue
            for h in range(1 if last else n_h):
                t = table[s, h]
                if t >= 0 and after[s] + h_cost[h] < value[t]:
                    value[t] = after[s] + h_cost[h]
                    h_back[a, t] = s * n_h + h
    length = value[done_state]
    v_choice = np.zeros(n_aisles, dtype=np.int64)
    h_choice = np.zeros(n_aisles, dtype=np.int64)
    if length == INF:
        return length, v_choice, h_choice
    s = done_state
    for a in range(n_aisles - 1, -1, -1):
        h_choice[a] = h_back[a, s] % n_h
        s = h_back[a, s] // n_h
        v_choice[a] = v_back[a, s] % n_v
        s = v_back[a, s] // n_v
    return length, v_choice, h_choice


@njit(cache=True)
def euler_order(order, first, last, split, v_choice, h_choice, vertical_digits, horizontal_digits,
                n_cross, depot):
    """Visiting order of the picks along an Euler tour of the chosen edges, starting at the depot."""
    n_aisles = first.shape[0]
    n_blocks = n_cross - 1
    capacity = 2 * n_aisles * n_blocks + 2 * n_aisles * n_cross
    eu = np.empty(capacity, dtype=np.int64)
    ev = np.empty(capacity, dtype=np.int64)
    e_from = np.empty(capacity, dtype=np.int64)
    e_to = np.empty(capacity, dtype=np.int64)
    e_desc = np.zeros(capacity, dtype=np.bool_)
    m = 0
    for a in range(n_aisles):
        for b in range(n_blocks):
            option = vertical_digits[v_choice[a], b]
            lo = a * n_cross + b
            hi = lo + 1
            lo_pick, hi_pick = first[a, b], last[a, b]
            if option == 1 or option == 2:
                eu[m], ev[m], e_from[m], e_to[m] = lo, hi, lo_pick, hi_pick
                m += 1
                if option == 2:
                    eu[m], ev[m], e_from[m], e_to[m] = lo, hi, 0, 0
                    m += 1
            if option == 3 or option == 5:
                cut = split[a, b] if option == 5 else hi_pick
                eu[m], ev[m], e_from[m], e_to[m] = lo, lo, lo_pick, cut
                m += 1
            if option == 4 or option == 5:
                cut = split[a, b] if option == 5 else lo_pick
                eu[m], ev[m], e_from[m], e_to[m], e_desc[m] = hi, hi, cut, hi_pick, True
                m += 1
        if a + 1 < n_aisles:
            for i in range(n_cross):
                for _ in range(horizontal_digits[h_choice[a], i]):
                    eu[m], ev[m], e_from[m], e_to[m] = a * n_cross + i, (a + 1) * n_cross + i, 0, 0
                    m += 1
    n_nodes = n_aisles * n_cross
    adj_start = np.zeros(n_nodes + 1, dtype=np.int64)
    for e in range(m):
        adj_start[eu[e] + 1] += 1
        if ev[e] != eu[e]:
            adj_start[ev[e] + 1] += 1
    for v in range(n_nodes):
        adj_start[v + 1] += adj_start[v]
    fill = adj_start[:-1].copy()
    adj = np.empty(adj_start[n_nodes], dtype=np.int64)
    for e in range(m):
        adj[fill[eu[e]]] = e
        fill[eu[e]] += 1
        if ev[e] != eu[e]:
            adj[fill[ev[e]]] = e
            fill[ev[e]] += 1
    used = np.zeros(m, dtype=np.bool_)
    cursor = adj_start[:-1].copy()
    stack_node = np.empty(m + 1, dtype=np.int64)
    stack_edge = np.empty(m + 1, dtype=np.int64)
    path_edge = np.empty(m, dtype=np.int64)
    path_up = np.empty(m, dtype=np.bool_)
    stack_node[0] = depot * n_cross
    stack_edge[0] = -1
    top = 1
    n_path = 0
    while top > 0:
        v = stack_node[top - 1]
        while cursor[v] < adj_start[v + 1] and used[adj[cursor[v]]]:
            cursor[v] += 1
        if cursor[v] < adj_start[v + 1]:
            e = adj[cursor[v]]
            used[e] = True
            stack_node[top] = ev[e] if eu[e] == v else eu[e]
            stack_edge[top] = e
            top += 1
        else:
            top -= 1
            e = stack_edge[top]
            if e >= 0:
                path_edge[n_path] = e
                path_up[n_path] = stack_node[top] == ev[e]
                n_path += 1
    visits = np.empty(order.shape[0], dtype=np.int64)
    n_visits = 0
    for p in range(n_path - 1, -1, -1):
        e = path_edge[p]
        ascending = (path_up[p] and not e_desc[e]) if eu[e] != ev[e] else not e_desc[e]
        if ascending:
            for q in range(e_from[e], e_to[e]):
                visits[n_visits] = order[q]
                n_visits += 1
        else:
            for q in range(e_to[e] - 1, e_from[e] - 1, -1):
                visits[n_visits] = order[q]
                n_visits += 1
    return visits[:n_visits]


@njit(cache=True)
def solve_exact(aisles, heights, cross, n_aisles, aisle_distance, depot, vertical, horizontal,
                horizontal_depot, done_state, vertical_digits, horizontal_digits, want_order):
    """Optimal tour length through all picks and (if ``want_order``) the visiting order."""
    n = aisles.shape[0]
    if n == 0:
        return 0.0, np.empty(0, dtype=np.int64)
    order, start = sort_picks(aisles, heights, n_aisles)
    cost, first, last, split = sub_aisle_costs(order, start, heights, cross, n_aisles)
    length, v_choice, h_choice = run_dp(cost, aisle_distance, depot, vertical, horizontal,
                                        horizontal_depot, done_state, vertical_digits, horizontal_digits)
    if not want_order:
        return length, np.empty(0, dtype=np.int64)
    visits = euler_order(order, first, last, split, v_choice, h_choice, vertical_digits,
                         horizontal_digits, cross.shape[0], depot)
    return length, visits
