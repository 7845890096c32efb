# mypy: disable-error-code="no-untyped-def"
"""Order batching kernels (private ``@njit``): constructions, local search, iterated local search.

Orders are a CSR: ``order_ptr`` into the pick arrays ``pick_aisle`` / ``pick_height``; ``order_load``
is (orders x resources) and ``caps`` the per-batch capacity of each resource (items, weight, tote
slots; ``inf`` when unconstrained).  A solution is ``batch_of`` (order -> batch slot), ``members``
(slot x max members, first ``count[slot]`` valid), ``load`` (slot x resources) and ``length`` (route
length of each slot, 0 when empty).  ``router`` is the tuple built by :func:`kernels.batching.router`;
every batch length comes from the same routing kernel the floor uses (exact by default).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from kernels._routing_exact import solve_exact, sort_picks
from kernels._routing_heuristics import COMBINED, policy_route
from kernels._routing_improve import distance_matrix, improve

EPS = 1e-9


@njit(cache=True)
def route_length(aisles, heights, router):
    cross, n_aisles, dist, depot, vt, ht, hdt, done, vd, hd, policy = router
    if aisles.shape[0] == 0:
        return 0.0
    if policy == 0 and cross.shape[0] <= 3:
        return solve_exact(aisles, heights, cross, n_aisles, dist, depot, vt, ht, hdt, done, vd, hd, False)[0]
    order, start = sort_picks(aisles, heights, n_aisles)
    code = COMBINED if policy == 0 else policy
    length, visits = policy_route(order, start, heights, cross[-1], dist, depot, code, policy == 0)
    if policy == 0 and visits.shape[0] > 1:
        visits, length = improve(visits, distance_matrix(aisles, heights, cross, dist, depot))
    return length


@njit(cache=True)
def group_length(orders, count, skip, add, data):
    """Route length of ``orders[:count]`` without order ``skip`` and with order ``add`` (-1: none).

    Lengths are memoised in an open-addressing table keyed by the XOR of per-order random keys
    (Zobrist hashing); local search asks for the same order sets again and again."""
    order_ptr, pick_aisle, pick_height, buf_a, buf_h, router, zobrist, memo_keys, memo_values, memo_used = data
    key = np.int64(0)
    for t in range(count + 1):
        o = orders[t] if t < count else add
        if o >= 0 and o != skip:
            key ^= zobrist[o]
    if key == 0:
        return 0.0
    mask = memo_keys.shape[0] - 1
    slot = key & mask
    while memo_keys[slot] != 0:
        if memo_keys[slot] == key:
            return memo_values[slot]
        slot = (slot + 1) & mask
    n = 0
    for t in range(count + 1):
        o = orders[t] if t < count else add
        if o < 0 or o == skip:
            continue
        for p in range(order_ptr[o], order_ptr[o + 1]):
            buf_a[n] = pick_aisle[p]
            buf_h[n] = pick_height[p]
            n += 1
    length = route_length(buf_a[:n], buf_h[:n], router)
    if memo_used[0] * 2 > memo_keys.shape[0]:
        memo_keys[:] = 0
        memo_used[0] = 0
        slot = key & mask
    memo_keys[slot] = key
    memo_values[slot] = length
    memo_used[0] += 1
    return length


@njit(cache=True)
def fits(load, plus, minus, caps):
    ok = True
    for r in range(caps.shape[0]):
        ok = ok and load[r] + plus[r] - minus[r] <= caps[r] + EPS
    return ok


@njit(cache=True)
def empty_solution(n_orders, max_members, n_resources):
    batch_of = np.full(n_orders, -1, dtype=np.int64)
    members = np.full((n_orders, max_members), -1, dtype=np.int64)
    count = np.zeros(n_orders, dtype=np.int64)
    load = np.zeros((n_orders, n_resources))
    length = np.zeros(n_orders)
    return batch_of, members, count, load, length


@njit(cache=True)
def put(sol, o, b, order_load):
    batch_of, members, count, load, _ = sol
    members[b, count[b]] = o
    count[b] += 1
    batch_of[o] = b
    load[b] += order_load[o]


@njit(cache=True)
def take(sol, o, order_load):
    batch_of, members, count, load, _ = sol
    b = batch_of[o]
    for t in range(count[b]):
        if members[b, t] == o:
            members[b, t] = members[b, count[b] - 1]
            members[b, count[b] - 1] = -1
            count[b] -= 1
            break
    load[b] -= order_load[o]
    batch_of[o] = -1


@njit(cache=True)
def refresh(sol, b, data):
    sol[4][b] = group_length(sol[1][b], sol[2][b], -1, -1, data)


@njit(cache=True)
def fcfs(sequence, order_load, caps, max_members, data):
    """First come first served: fill one batch at a time in ``sequence`` order."""
    sol = empty_solution(sequence.shape[0], max_members, caps.shape[0])
    b = 0
    zero = np.zeros(caps.shape[0])
    for o in sequence:
        if sol[2][b] > 0 and not fits(sol[3][b], order_load[o], zero, caps):
            refresh(sol, b, data)
            b += 1
        put(sol, o, b, order_load)
    refresh(sol, b, data)
    return sol


@njit(cache=True)
def seed(sequence, order_load, caps, max_members, neighbors, window, data):
    """Seed algorithm: open a batch with the most urgent unassigned order, then repeatedly add the
    fitting order with the smallest route-length increase, among the next ``window`` unassigned
    orders of ``sequence`` and the neighbours of the batch's orders."""
    n = sequence.shape[0]
    sol = empty_solution(n, max_members, caps.shape[0])
    zero = np.zeros(caps.shape[0])
    stamp = np.full(n, -1, dtype=np.int64)
    head = 0
    b = 0
    rnd = 0
    while True:
        while head < n and sol[0][sequence[head]] >= 0:
            head += 1
        if head == n:
            break
        put(sol, sequence[head], b, order_load)
        refresh(sol, b, data)
        while True:
            rnd += 1
            best, best_o = np.inf, -1
            seen = 0
            p = head
            while p < n and seen < window:
                o = sequence[p]
                p += 1
                if sol[0][o] >= 0:
                    continue
                seen += 1
                if stamp[o] == rnd or not fits(sol[3][b], order_load[o], zero, caps):
                    continue
                stamp[o] = rnd
                delta = group_length(sol[1][b], sol[2][b], -1, o, data) - sol[4][b]
                if delta < best:
                    best, best_o = delta, o
            for t in range(sol[2][b]):
                for o in neighbors[sol[1][b, t]]:
                    if o < 0 or sol[0][o] >= 0 or stamp[o] == rnd or not fits(sol[3][b], order_load[o], zero, caps):
                        continue
                    stamp[o] = rnd
                    delta = group_length(sol[1][b], sol[2][b], -1, o, data) - sol[4][b]
                    if delta < best:
                        best, best_o = delta, o
            if best_o < 0:
                break
            put(sol, best_o, b, order_load)
            refresh(sol, b, data)
        b += 1
    return sol
