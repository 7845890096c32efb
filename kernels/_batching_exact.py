# mypy: disable-error-code="no-untyped-def"
"""Exact order batching for small waves (private ``@njit``): set partitioning over all feasible batches.

:func:`enumerate_batches` lists every order set that fits one cart (depth-first, orders in index
order) with its route length from the routing kernel (exact for 0-1 middle cross-aisles), or stops
at ``limit`` sets (the caller then keeps its heuristic answer).  :func:`partition` is a dynamic
program over order subsets (bit masks; each step covers the lowest uncovered order with one batch),
pruned by an upper bound (a heuristic solution) plus a per-order lower bound: a set is skipped when
its best cost plus the bound of the orders left cannot beat the best known.  The caller runs it in
mask ranges and checks its budget (work counted, not time) between calls; a finished run is the
optimal partition.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from kernels._batching_core import EPS, route_length


@njit(cache=True)
def enumerate_batches(order_ptr, pick_aisle, pick_height, order_load, caps, router, limit, with_costs):
    """All order sets fitting ``caps`` as (bit masks, route lengths, count); ``count > limit`` means
    stopped.  Without ``with_costs`` it only counts (cheap: call it first to decide)."""
    n = order_load.shape[0]
    r = caps.shape[0]
    masks = np.empty(limit, dtype=np.int64)
    costs = np.empty(limit)
    buf_a = np.empty(pick_aisle.shape[0] + 1, dtype=np.int64)
    buf_h = np.empty(pick_aisle.shape[0] + 1)
    stack = np.empty(n + 1, dtype=np.int64)      # order chosen at each depth
    fill = np.zeros(n + 2, dtype=np.int64)       # picks in the buffer below each depth
    loads = np.zeros((n + 2, r))
    count = 0
    depth = 0
    nxt = 0                                      # next order to try at this depth
    mask = np.int64(0)
    while True:
        if nxt < n:
            o = nxt
            ok = True
            for k in range(r):
                ok = ok and loads[depth, k] + order_load[o, k] <= caps[k] + EPS
            if not ok:
                nxt += 1
                continue
            # push o
            p0 = fill[depth]
            m = p0
            for p in range(order_ptr[o], order_ptr[o + 1]):
                buf_a[m] = pick_aisle[p]
                buf_h[m] = pick_height[p]
                m += 1
            fill[depth + 1] = m
            for k in range(r):
                loads[depth + 1, k] = loads[depth, k] + order_load[o, k]
            stack[depth] = o
            mask |= np.int64(1) << o
            if count >= limit:
                return masks, costs, count + 1
            masks[count] = mask
            if with_costs:
                costs[count] = route_length(buf_a[:m], buf_h[:m], router)
            count += 1
            depth += 1
            nxt = o + 1
        else:
            if depth == 0:
                break
            depth -= 1
            o = stack[depth]
            mask ^= np.int64(1) << o
            nxt = o + 1
    return masks[:count], costs[:count], count


@njit(cache=True)
def prepare(n, masks, costs, order_load):
    """Batches grouped by their lowest order (``order``, ``start``) and a lower bound per order:
    the larger of two valid allocations of each batch's length to its orders (equal shares, item
    shares), minimised over the batches containing the order; returns (order, start, lb_equal, lb_items)."""
    lowest = np.empty(masks.shape[0], dtype=np.int64)
    lb_eq = np.full(n, np.inf)
    lb_it = np.full(n, np.inf)
    for k in range(masks.shape[0]):
        s = masks[k]
        size = 0
        items = 0.0
        low = -1
        for o in range(n):
            if s >> o & 1:
                size += 1
                items += order_load[o, 0]
                if low < 0:
                    low = o
        lowest[k] = low
        for o in range(n):
            if s >> o & 1:
                lb_eq[o] = min(lb_eq[o], costs[k] / size)
                share = order_load[o, 0] / items if items > 0 else 1.0 / size
                lb_it[o] = min(lb_it[o], costs[k] * share)
    order = np.argsort(lowest, kind="mergesort")
    start = np.searchsorted(lowest[order], np.arange(n + 1))
    return order, start, lb_eq, lb_it


@njit(cache=True)
def bound_sums(n, masks, lb_eq, lb_it):
    """Per batch the sums of the two per-order lower bounds over its orders: (eq, items)."""
    eq = np.zeros(masks.shape[0])
    it = np.zeros(masks.shape[0])
    for k in range(masks.shape[0]):
        for o in range(n):
            if masks[k] >> o & 1:
                eq[k] += lb_eq[o]
                it[k] += lb_it[o]
    return eq, it


@njit(cache=True)
def partition(n, masks, costs, order, start, bound_eq, bound_it, totals, f, used, choice, upper, lo, hi):
    """Relax masks ``lo..hi-1`` (increasing; ``f[0] = 0`` and the rest ``inf`` before the first call).

    ``f[mask]`` is the least length covering exactly ``mask``, ``choice[mask]`` the batch that
    reached it, ``used[mask]`` (2 columns) the lower-bound sums of the covered orders.  A set is only
    reached when its cost plus the lower bound of the uncovered orders stays below ``upper`` (the
    caller's heuristic answer): no partition through it can be better.  Returns the work done
    (masks visited plus batches examined): the caller's deterministic budget counts it."""
    full = (np.int64(1) << n) - 1
    limit = upper - EPS
    work = hi - lo
    for mask in range(lo, hi):
        fm = f[mask]
        if fm == np.inf:
            continue
        free = full ^ mask
        if free == 0:
            continue
        bit = 0
        while not free >> bit & 1:
            bit += 1
        ue = used[mask, 0]
        ui = used[mask, 1]
        work += start[bit + 1] - start[bit]
        for q in range(start[bit], start[bit + 1]):
            k = order[q]
            s = masks[k]
            if s & mask != 0:
                continue
            value = fm + costs[k]
            ne = ue + bound_eq[k]
            ni = ui + bound_it[k]
            if value + max(totals[0] - ne, totals[1] - ni) >= limit:
                continue
            target = mask | s
            if value < f[target] - EPS:
                f[target] = value
                choice[target] = k
                used[target, 0] = ne
                used[target, 1] = ni
    return work


@njit(cache=True)
def unwind(n, masks, choice):
    """The batches (as masks) of the optimal partition found by :func:`partition`."""
    full = (np.int64(1) << n) - 1
    out = np.empty(n, dtype=np.int64)
    m = 0
    mask = full
    while mask != 0:
        s = masks[choice[mask]]
        out[m] = s
        m += 1
        mask ^= s
    return out[:m]
