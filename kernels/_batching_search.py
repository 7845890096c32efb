# mypy: disable-error-code="no-untyped-def"
"""Batching improvement (private ``@njit``): savings construction, shift/swap local search, ILS.

Local search works from a queue of orders to examine; after a move the orders of both touched
batches are queued again, so a perturbation is repaired locally instead of by a full pass.  The
caller bounds the work per call (``max_pops`` / ``iterations``) and checks the clock between calls.
Solutions are the tuples of :mod:`kernels._batching_core`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from kernels._batching_core import EPS, empty_solution, fits, group_length, put, refresh, take


@njit(cache=True)
def set_seed(seed):
    np.random.seed(seed)


@njit(cache=True)
def nearest(x, y, k):
    """For every order the ``k`` orders with the closest pick centroid (-1 padded)."""
    n = x.shape[0]
    k = min(k, n - 1)
    out = np.full((n, max(k, 1)), -1, dtype=np.int64)
    dist = np.empty(max(k, 1))
    for i in range(n):
        filled = 0
        for j in range(n):
            if j == i:
                continue
            d = (x[i] - x[j]) ** 2 + (y[i] - y[j]) ** 2
            if filled < k:
                q = filled
                filled += 1
            elif d < dist[k - 1]:
                q = k - 1
            else:
                continue
            while q > 0 and dist[q - 1] > d:
                dist[q] = dist[q - 1]
                out[i, q] = out[i, q - 1]
                q -= 1
            dist[q] = d
            out[i, q] = j
    return out


@njit(cache=True)
def savings(order_load, caps, max_members, neighbors, data):
    """Clarke–Wright savings: merge the batches of the pair with the largest saving
    d(i) + d(j) - d(i+j) first, as long as the merged batch fits (static savings list)."""
    n = order_load.shape[0]
    sol = empty_solution(n, max_members, caps.shape[0])
    for o in range(n):
        put(sol, o, o, order_load)
        refresh(sol, o, data)
    k = neighbors.shape[1]
    first = np.empty(n * k, dtype=np.int64)
    second = np.empty(n * k, dtype=np.int64)
    value = np.empty(n * k)
    pair = np.empty(2, dtype=np.int64)
    m = 0
    for i in range(n):
        for j in neighbors[i]:
            if j < 0 or (j < i and i in neighbors[j]):
                continue
            pair[0], pair[1] = i, j
            saving = sol[4][i] + sol[4][j] - group_length(pair, 2, -1, -1, data)
            if saving > EPS:
                first[m], second[m], value[m] = i, j, saving
                m += 1
    rank = np.argsort(-value[:m])
    zero = np.zeros(caps.shape[0])
    for r in rank:
        bi, bj = sol[0][first[r]], sol[0][second[r]]
        if bi == bj or sol[2][bi] + sol[2][bj] > max_members or not fits(sol[3][bi], sol[3][bj], zero, caps):
            continue
        while sol[2][bj] > 0:
            o = sol[1][bj, 0]
            take(sol, o, order_load)
            put(sol, o, bi, order_load)
        sol[4][bj] = 0.0
        refresh(sol, bi, data)
    return sol


@njit(cache=True)
def push(queue, in_queue, state, o):
    if not in_queue[o]:
        in_queue[o] = True
        queue[(state[0] + state[1]) % queue.shape[0]] = o
        state[1] += 1


@njit(cache=True)
def push_batch(sol, b, queue, in_queue, state):
    for t in range(sol[2][b]):
        push(queue, in_queue, state, sol[1][b, t])


@njit(cache=True)
def local_search(sol, order_load, caps, neighbors, queue, in_queue, state, stamp, max_pops, data):
    """Best shift or swap for each queued order among the batches of its neighbours; returns pops."""
    batch_of, members, count, load, length = sol
    zero = np.zeros(caps.shape[0])
    pops = 0
    while state[1] > 0 and pops < max_pops:
        o = queue[state[0]]
        state[0] = (state[0] + 1) % queue.shape[0]
        state[1] -= 1
        in_queue[o] = False
        pops += 1
        state[2] += 1
        tick = state[2]
        b1 = batch_of[o]
        base1 = length[b1]
        without = group_length(members[b1], count[b1], o, -1, data)
        best, best_b, best_o2, best_l1, best_l2 = -EPS, -1, -1, 0.0, 0.0
        for nb in neighbors[o]:
            if nb < 0:
                continue
            b2 = batch_of[nb]
            if b2 == b1 or stamp[b2] == tick:
                continue
            stamp[b2] = tick
            if fits(load[b2], order_load[o], zero, caps):
                l2 = group_length(members[b2], count[b2], -1, o, data)
                delta = without + l2 - base1 - length[b2]
                if delta < best:
                    best, best_b, best_o2, best_l1, best_l2 = delta, b2, -1, without, l2
            for t in range(count[b2]):
                o2 = members[b2, t]
                if not fits(load[b1], order_load[o2], order_load[o], caps):
                    continue
                if not fits(load[b2], order_load[o], order_load[o2], caps):
                    continue
                l1 = group_length(members[b1], count[b1], o, o2, data)
                if l1 - base1 - length[b2] >= best:
                    continue
                l2 = group_length(members[b2], count[b2], o2, o, data)
                delta = l1 + l2 - base1 - length[b2]
                if delta < best:
                    best, best_b, best_o2, best_l1, best_l2 = delta, b2, o2, l1, l2
        if best_b < 0:
            continue
        take(sol, o, order_load)
        if best_o2 >= 0:
            take(sol, best_o2, order_load)
            put(sol, best_o2, b1, order_load)
        put(sol, o, best_b, order_load)
        length[b1] = best_l1
        length[best_b] = best_l2
        push_batch(sol, b1, queue, in_queue, state)
        push_batch(sol, best_b, queue, in_queue, state)
    return pops


@njit(cache=True)
def copy_into(target, source):
    target[0][:] = source[0]
    target[1][:] = source[1]
    target[2][:] = source[2]
    target[3][:] = source[3]
    target[4][:] = source[4]


@njit(cache=True)
def perturb(sol, order_load, caps, neighbors, strength, queue, in_queue, state, data):
    """``strength`` random feasible swaps (or shifts) between an order and a neighbour's batch."""
    n = order_load.shape[0]
    zero = np.zeros(caps.shape[0])
    for _ in range(strength):
        o = np.random.randint(n)
        nb = neighbors[o, np.random.randint(neighbors.shape[1])]
        if nb < 0:
            continue
        b1, b2 = sol[0][o], sol[0][nb]
        if b1 == b2:
            continue
        if fits(sol[3][b1], order_load[nb], order_load[o], caps) and fits(sol[3][b2], order_load[o], order_load[nb], caps):
            take(sol, o, order_load)
            take(sol, nb, order_load)
            put(sol, nb, b1, order_load)
            put(sol, o, b2, order_load)
        elif fits(sol[3][b2], order_load[o], zero, caps):
            take(sol, o, order_load)
            put(sol, o, b2, order_load)
        else:
            continue
        refresh(sol, b1, data)
        refresh(sol, b2, data)
        push_batch(sol, b1, queue, in_queue, state)
        push_batch(sol, b2, queue, in_queue, state)


@njit(cache=True)
def ils(sol, best, order_load, caps, neighbors, queue, in_queue, state, stamp, iterations, strength, data):
    """Iterated local search: perturb, repair by local search, keep if not worse than the best,
    otherwise restart from the best.  Returns the best total length."""
    best_total = best[4].sum()
    for _ in range(iterations):
        perturb(sol, order_load, caps, neighbors, strength, queue, in_queue, state, data)
        local_search(sol, order_load, caps, neighbors, queue, in_queue, state, stamp, 1 << 62, data)
        total = sol[4].sum()
        if total <= best_total + EPS:
            if total < best_total - EPS:
                best_total = total
            copy_into(best, sol)
        else:
            copy_into(sol, best)
    return best_total


@njit(cache=True)
def _popcount(x):
    count = 0
    while x:
        x &= x - 1
        count += 1
    return count


@njit(cache=True)
def nearest_by_aisles(masks, far, n_aisles, k):
    """For every order the ``k`` orders most alike in the aisles they visit (-1 padded): distance
    = 1 - Jaccard(aisle sets) + |farthest aisle difference| / aisles (a batch's route is driven by
    the aisles it enters and how far it goes; pick centroids say little once orders span many aisles)."""
    n = masks.shape[0]
    k = min(k, n - 1)
    out = np.full((n, max(k, 1)), -1, dtype=np.int64)
    dist = np.empty(max(k, 1))
    sizes = np.empty(n, dtype=np.int64)
    for i in range(n):
        sizes[i] = _popcount(masks[i])
    for i in range(n):
        filled = 0
        for j in range(n):
            if j == i:
                continue
            inter = _popcount(masks[i] & masks[j])
            union = sizes[i] + sizes[j] - inter
            d = (1.0 - inter / union if union > 0 else 0.0) + abs(far[i] - far[j]) / n_aisles
            if filled < k:
                q = filled
                filled += 1
            elif d < dist[k - 1]:
                q = k - 1
            else:
                continue
            while q > 0 and dist[q - 1] > d:
                dist[q] = dist[q - 1]
                out[i, q] = out[i, q - 1]
                q -= 1
            dist[q] = d
            out[i, q] = j
    return out
