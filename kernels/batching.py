"""Order batching: orders -> picker tours under cart capacity, with cluster-picking totes.

:func:`plan_batches` groups orders into batches (one picker tour each) so that the total route
length is small: FCFS, the seed algorithm and Clarke–Wright savings build a start, local search
(shift/swap) and iterated local search improve it within ``seconds``.  Every batch length comes from
the routing kernel (exact by default).  Urgency is ``priority`` (larger first) then ``due`` (sooner
first); batches are returned in release order (most urgent member first) and, with ``max_batches``
(the carts available for this wave), orders are admitted in urgency order, so an order due sooner
is never left out in favour of one due later unless it did not fit after the more urgent ones.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kernels import _batching_core as core
from kernels import _batching_exact as exact
from kernels import _batching_gain as gain
from kernels import _batching_search as search
from kernels.layout import FloatArray, IntArray, Warehouse
from kernels.routing import POLICIES, geometry

METHODS = ("fcfs", "seed", "savings", "ls", "ils", "exact", "cw-ls")
FULL_NEIGHBOURHOOD = 200  # up to this many orders every order is every order's neighbour
NEIGHBOURS = 20
NEIGHBOUR_RULE = "aisles"  # large waves: neighbours by shared aisles ("centroid": by pick centroid)
SEED_WINDOW = 20
CPU_CLOCK_ORDERS = 300  # above this many orders `seconds` is CPU time of this process, else wall time
SEED_MAX_ORDERS = 2000  # beyond, savings with aisle neighbours is far better than seed: skip it (time for LS)
CHUNK_SECONDS = 0.002  # clock checks between kernel calls at least this often
ILS_PATIENCE = 100  # stop after this many iterations per order without a new best
EXACT_MAX_ORDERS = 22  # up to this many orders ils/exact try the exact set partitioning
EXACT_LIMIT = 6_000  # ... when at most this many order sets fit one cart (else the DP is too slow)
EXACT_ILS_SECONDS = 0.03  # the ILS that gives the exact search its upper bound
EXACT_CHUNK = 1 << 15  # masks relaxed between clock checks
# Up to this many orders the budget is work, not time: the search charges a calibrated cost per step
# to a WorkClock, so the same wave gets the same answer on a quiet or a loaded machine.  Costs are
# seconds of one quiet core per step (upper quantiles measured on the Henn–Wäscher 20-order classes
# by `bench/batching_quality.py --calibrate`), so a 0.18 s budget stays under 200 ms of CPU.
WORK_MAX_ORDERS = EXACT_MAX_ORDERS + 8
COST_POP = 10e-6  # one order examined by local search, per order beyond the first in a batch (swaps grow with it)
COST_PERTURB = 5e-6  # one perturbation of the iterated local search (its repair is charged as pops)
COST_SET = 3e-6  # one feasible order set enumerated and routed (exact search)
COST_DP = 6e-9  # one mask or batch examined by the set-partitioning DP


class CapacityError(ValueError):
    """An order alone exceeds the cart (items, weight or totes): split it before batching."""


@dataclass(frozen=True)
class Batch:
    """One picker tour: ``orders`` (indices into the input) and the first tote of each on the cart."""

    orders: IntArray
    totes: IntArray
    length: float


def default_seconds(n_orders: int) -> float:
    """The planning budget the CLI uses when none is given: the exact/ILS search of a small wave
    (up to 30 orders) gets 0.18 s of calibrated work (:class:`WorkClock`: deterministic, under 0.2 s
    of one quiet core), 100-300 orders get 1.5 s (wall), larger waves 0.6 ms of CPU per
    order, at most 6 s (a 10,000-order file stays under 10 s of process time with start-up and parsing)."""
    if n_orders <= EXACT_MAX_ORDERS + 8:
        return 0.18
    if n_orders <= CPU_CLOCK_ORDERS:
        return 1.5
    return min(6.0, max(1.5, n_orders * 0.0006))


def router(warehouse: Warehouse, routing: str = "optimal") -> tuple[object, ...]:
    """The routing tuple the batching kernels evaluate batches with."""
    if routing not in POLICIES:
        raise ValueError(f"unknown routing {routing!r}; expected one of {sorted(POLICIES)}")
    g = geometry(warehouse)
    return (g.cross, g.n_aisles, g.aisle_distance, g.depot, g.vertical, g.horizontal, g.horizontal_depot,
            g.done_state, g.vertical_digits, g.horizontal_digits, POLICIES[routing])


class WorkClock:
    """A deterministic clock for small waves: seconds of calibrated work charged by the search
    (:data:`COST_POP` ...) instead of time read from the machine.  Call it like a clock."""

    def __init__(self) -> None:
        self.spent = 0.0

    def __call__(self) -> float:
        return self.spent

    def charge(self, seconds: float) -> None:
        self.spent += seconds


def _charge(clock: Callable[[], float], seconds: float) -> None:
    if isinstance(clock, WorkClock):
        clock.charge(seconds)


def _pop_cost(sol: tuple[np.ndarray, ...], m: int) -> float:
    """Charged seconds per local-search pop: examining an order costs more in fuller batches."""
    per_batch = m / max(1, int(np.count_nonzero(sol[2])))
    return COST_POP * max(1.0, per_batch - 1.0)


class GainOracle:
    """Marginal route metres of adding candidate orders to a tour being formed (batching gain).

    ``order_aisles`` / ``order_cells`` are each candidate's pick positions (0-based); the tour is a
    list of candidate indices.  :meth:`marginal` answers for many candidates in one kernel call."""

    def __init__(self, warehouse: Warehouse, order_aisles: list[np.ndarray], order_cells: list[np.ndarray],
                 routing: str = "optimal") -> None:
        sizes = np.array([len(a) for a in order_aisles], dtype=np.int64)
        self.ptr = np.zeros(len(order_aisles) + 1, dtype=np.int64)
        np.cumsum(sizes, out=self.ptr[1:])
        empty = np.zeros(0, dtype=np.int64)
        self.aisles = warehouse.check_aisles(np.concatenate([np.asarray(a, dtype=np.int64) for a in order_aisles])
                                             if order_aisles else empty)
        self.heights = warehouse.offsets(np.concatenate([np.asarray(c, dtype=np.int64) for c in order_cells])
                                         if order_cells else empty)
        self.router = router(warehouse, routing)

    def _picks(self, orders: list[int]) -> tuple[IntArray, FloatArray, IntArray]:
        """The picks of ``orders`` (concatenated) and their CSR pointer."""
        chosen = np.asarray(orders, dtype=np.int64)
        sizes = self.ptr[chosen + 1] - self.ptr[chosen]
        ptr = np.zeros(chosen.size + 1, dtype=np.int64)
        np.cumsum(sizes, out=ptr[1:])
        index = np.repeat(self.ptr[chosen] - ptr[:-1], sizes) + np.arange(ptr[-1], dtype=np.int64)
        return np.ascontiguousarray(self.aisles[index]), np.ascontiguousarray(self.heights[index]), ptr

    def length(self, tour: list[int]) -> float:
        """Route length of the tour's picks."""
        a, h, _ = self._picks(tour)
        return float(core.route_length(a, h, self.router))

    def marginal(self, tour: list[int], candidates: list[int]) -> FloatArray:
        """Metres each candidate adds to the tour's route (its route length with, minus without)."""
        a, h, _ = self._picks(tour)
        base = float(core.route_length(a, h, self.router))
        ca, ch, ptr = self._picks(candidates)
        return np.asarray(gain.insertion_lengths(a, h, ptr, ca, ch, self.router)) - base


def _loads(quantities: list[IntArray], weights: list[npt.NDArray[np.float64]] | None,
           tote_capacity: int | None) -> FloatArray:
    items = np.array([float(np.sum(q)) for q in quantities])
    weight = np.zeros(len(quantities)) if weights is None else np.array(
        [float(np.dot(np.asarray(w, dtype=np.float64), np.asarray(q, dtype=np.float64)))
         for w, q in zip(weights, quantities, strict=True)])
    totes = np.ones(len(quantities)) if tote_capacity is None else np.maximum(1.0, np.ceil(items / tote_capacity))
    return np.ascontiguousarray(np.stack([items, weight, totes], axis=1))


def _admit(sequence: IntArray, load: FloatArray, caps: FloatArray, max_batches: int) -> tuple[IntArray, IntArray]:
    """First-fit in urgency order into ``max_batches`` carts: (admitted orders, their cart)."""
    cart_load = np.zeros((max_batches, load.shape[1]))
    admitted, carts = [], []
    for o in sequence:
        for b in range(max_batches):
            if np.all(cart_load[b] + load[o] <= caps + 1e-9):
                cart_load[b] += load[o]
                admitted.append(int(o))
                carts.append(b)
                break
    return np.array(admitted, dtype=np.int64), np.array(carts, dtype=np.int64)


def plan_batches(warehouse: Warehouse, order_aisles: list[np.ndarray], order_cells: list[np.ndarray],
                 order_quantities: list[np.ndarray], capacity: int, *, due: np.ndarray | None = None,
                 priority: np.ndarray | None = None, weights: list[np.ndarray] | None = None,
                 max_weight: float | None = None, tote_capacity: int | None = None, method: str = "ils",
                 seconds: float = 1.0, seed: int = 0, routing: str = "optimal",
                 max_batches: int | None = None) -> list[Batch]:
    """Batch the orders; each admitted order is in exactly one returned batch.

    ``capacity`` bounds the items (sum of quantities) per batch; ``weights`` (unit weight per line)
    with ``max_weight`` bounds the weight; ``tote_capacity`` puts each order in its own tote(s) of that
    many items, ``capacity // tote_capacity`` totes per cart.  ``method`` is one of :data:`METHODS`;
    ``ls``/``ils`` stop after ``seconds``.  Raises :class:`CapacityError` if an order cannot fit alone.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")
    n = len(order_aisles)
    if not len(order_cells) == len(order_quantities) == n:
        raise ValueError("order_aisles, order_cells and order_quantities must have one entry per order")
    # large waves are planned by a worker against a CPU budget (the "process time"); small
    # ones (a picker or a person waiting) against calibrated work, so the answer does not depend on
    # the machine's load; between the two: wall clock
    clock: Callable[[], float] = (time.process_time if n > CPU_CLOCK_ORDERS else
                                  WorkClock() if n <= WORK_MAX_ORDERS else time.perf_counter)
    started = clock()
    load = _loads([np.asarray(q) for q in order_quantities], weights, tote_capacity)
    caps = np.array([float(capacity), np.inf if max_weight is None else float(max_weight),
                     np.inf if tote_capacity is None else float(capacity // tote_capacity)])
    too_big = np.flatnonzero(np.any(load > caps + 1e-9, axis=1))
    if too_big.size:
        raise CapacityError(f"orders {too_big[:10].tolist()} exceed the cart alone (capacity {caps.tolist()})")
    urgency = np.lexsort((np.arange(n), np.zeros(n) if due is None else np.asarray(due, dtype=np.float64),
                          np.zeros(n) if priority is None else -np.asarray(priority, dtype=np.float64)))
    rank = np.empty(n, dtype=np.int64)
    rank[urgency] = np.arange(n)
    chosen = urgency
    if max_batches is not None:
        chosen, _ = _admit(urgency, load, caps, max_batches)
    if chosen.size == 0:
        return []
    # re-index the admitted orders as 0..m-1 in urgency order
    sizes = np.array([len(order_aisles[o]) for o in chosen], dtype=np.int64)
    ptr = np.zeros(chosen.size + 1, dtype=np.int64)
    np.cumsum(sizes, out=ptr[1:])
    aisles = warehouse.check_aisles(np.concatenate([np.asarray(order_aisles[o], dtype=np.int64) for o in chosen]))
    heights = warehouse.offsets(np.concatenate([np.asarray(order_cells[o], dtype=np.int64) for o in chosen]))
    sub_load = np.ascontiguousarray(load[chosen])
    memo_size = 1 << max(10, min(22, int(chosen.size * 64).bit_length()))
    zobrist = np.random.default_rng(0x5EED).integers(1, 1 << 62, size=chosen.size, dtype=np.int64)
    data = (ptr, aisles, heights, np.empty(aisles.size + 1, dtype=np.int64), np.empty(aisles.size + 1),
            router(warehouse, routing), zobrist, np.zeros(memo_size, dtype=np.int64), np.zeros(memo_size),
            np.zeros(1, dtype=np.int64))
    m = int(chosen.size)
    sequence = np.arange(m, dtype=np.int64)
    sol = _solve(method, m, ptr, aisles, heights, sub_load, caps, data, sequence, warehouse,
                 started + seconds, seed, max_batches, clock)
    return _batches(sol, chosen, rank, sub_load, tote_capacity)


def _max_members(load: FloatArray, caps: FloatArray) -> int:
    items = np.sort(load[:, 0])
    fit = int(np.searchsorted(np.cumsum(items), caps[0] + 1e-9, side="right"))
    return max(1, min(len(items), fit))


def _solve(method: str, m: int, ptr: IntArray, aisles: IntArray, heights: FloatArray, load: FloatArray,
           caps: FloatArray, data: tuple[object, ...], sequence: IntArray, warehouse: Warehouse,
           deadline: float, seed: int, max_batches: int | None,
           clock: Callable[[], float] = time.perf_counter) -> tuple[np.ndarray, ...]:
    members = _max_members(load, caps)
    if method == "fcfs":
        return tuple(core.fcfs(sequence, load, caps, members, data))
    k = m - 1 if m <= FULL_NEIGHBOURHOOD else NEIGHBOURS
    counts = np.diff(ptr).astype(np.float64)
    safe = np.maximum(counts, 1.0)
    x = np.add.reduceat(aisles * warehouse.aisle_distance, ptr[:-1]) / safe if aisles.size else np.zeros(m)
    y = np.add.reduceat(heights, ptr[:-1]) / safe if aisles.size else np.zeros(m)
    x[counts == 0], y[counts == 0] = warehouse.depot_aisle * warehouse.aisle_distance, 0.0
    if m > FULL_NEIGHBOURHOOD and warehouse.n_aisles <= 62 and NEIGHBOUR_RULE == "aisles":
        masks = np.zeros(m, dtype=np.int64)
        far = np.zeros(m, dtype=np.int64)
        owner = np.repeat(np.arange(m), np.diff(ptr))
        np.bitwise_or.at(masks, owner, np.left_shift(np.int64(1), aisles))
        np.maximum.at(far, owner, np.abs(aisles - warehouse.depot_aisle))
        neighbors = search.nearest_by_aisles(masks, far, warehouse.n_aisles, max(k, 1))
    else:
        neighbors = search.nearest(np.ascontiguousarray(x), np.ascontiguousarray(y), max(k, 1))
    candidates = []
    if method == "seed" or (method in ("ls", "ils", "exact") and m <= SEED_MAX_ORDERS):
        candidates.append(core.seed(sequence, load, caps, members, neighbors, SEED_WINDOW, data))
    if method in ("savings", "ls", "ils", "exact", "cw-ls"):
        candidates.append(search.savings(load, caps, members, neighbors, data))
    if max_batches is not None:
        candidates = [s for s in candidates if int(np.count_nonzero(s[2])) <= max_batches]
        if not candidates:
            candidates.append(core.fcfs(sequence, load, caps, members, data))
    sol = min(candidates, key=lambda s: float(s[4].sum()))
    if method in ("seed", "savings"):
        return tuple(sol)
    queue = np.arange(m, dtype=np.int64)
    in_queue = np.ones(m, dtype=np.bool_)
    state = np.array([0, m, 0], dtype=np.int64)
    stamp = np.full(m, -1, dtype=np.int64)
    chunk = 64
    while state[1] > 0 and clock() < deadline:
        pops = search.local_search(sol, load, caps, neighbors, queue, in_queue, state, stamp, chunk, data)
        _charge(clock, pops * _pop_cost(sol, m))
    try_exact = method == "exact" or (method == "ils" and 1 < m <= EXACT_MAX_ORDERS)
    if method in ("ils", "exact") and m > 1:
        ils_deadline = min(deadline, clock() + EXACT_ILS_SECONDS) if try_exact else deadline
        sol = _ils(sol, m, load, caps, neighbors, queue, in_queue, state, stamp, data, ils_deadline, seed, clock)
    if try_exact and m > 1 and m <= 62:
        proven = _exact(sol, m, ptr, aisles, heights, load, caps, data, members, deadline, clock)
        if proven is not None:
            sol = proven
        elif clock() < deadline:  # exact gave up: spend what is left on ILS
            sol = _ils(sol, m, load, caps, neighbors, queue, in_queue, state, stamp, data, deadline, seed + 1, clock)
    return tuple(sol)


def _ils(sol: tuple[np.ndarray, ...], m: int, load: FloatArray, caps: FloatArray, neighbors: IntArray,
         queue: IntArray, in_queue: np.ndarray, state: IntArray, stamp: IntArray, data: tuple[object, ...],
         deadline: float, seed: int, clock: Callable[[], float]) -> tuple[np.ndarray, ...]:
    """Iterated local search from ``sol`` until ``deadline`` or patience runs out; returns the best."""
    search.set_seed(seed)
    best = tuple(a.copy() for a in sol)
    iterations, idle = 1, 0
    best_total = float(best[4].sum())
    while clock() < deadline and idle < ILS_PATIENCE * m:
        tick = clock()
        pops = int(state[2])
        total = search.ils(sol, best, load, caps, neighbors, queue, in_queue, state, stamp, iterations, 3, data)
        _charge(clock, iterations * COST_PERTURB + (int(state[2]) - pops) * _pop_cost(best, m))
        idle = 0 if total < best_total - 1e-9 else idle + iterations
        best_total = min(best_total, total)
        now = clock()
        per_iteration = max(now - tick, 1e-7) / iterations
        # grow chunks while they are short, but never past the deadline
        iterations = max(1, min(2 * iterations, int(min(CHUNK_SECONDS, 0.9 * (deadline - now)) / per_iteration)))
    return best


def _exact(sol: tuple[np.ndarray, ...], m: int, ptr: IntArray, aisles: IntArray, heights: FloatArray,
           load: FloatArray, caps: FloatArray, data: tuple[object, ...], members: int,
           deadline: float, clock: Callable[[], float]) -> tuple[np.ndarray, ...] | None:
    """The optimal partition (``sol`` itself when nothing is shorter), found before ``deadline``;
    ``None`` when too many order sets fit a cart or time ran out (``sol`` is then not proven)."""
    if m > EXACT_MAX_ORDERS + 4 or clock() >= deadline:
        return None
    # large orders first: they belong to few batches, so the DP branches little on them
    perm = np.argsort(-load[:, 0], kind="stable")
    sizes = np.diff(ptr)[perm]
    pptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(sizes, out=pptr[1:])
    picks = np.concatenate([np.arange(ptr[o], ptr[o + 1]) for o in perm]).astype(np.int64)
    pload = np.ascontiguousarray(load[perm])
    args = (pptr, np.ascontiguousarray(aisles[picks]), np.ascontiguousarray(heights[picks]), pload, caps, data[5],
            EXACT_LIMIT)
    if exact.enumerate_batches(*args, False)[2] > EXACT_LIMIT:
        return None
    masks, costs, count = exact.enumerate_batches(*args, True)
    _charge(clock, count * COST_SET)
    if clock() >= deadline:
        return None
    order, start, lb_eq, lb_it = exact.prepare(m, masks, costs, pload)
    full = 1 << m
    f = np.full(full, np.inf)
    f[0] = 0.0
    choice = np.zeros(full, dtype=np.int64)
    used = np.zeros((full, 2))
    bound_eq, bound_it = exact.bound_sums(m, masks, lb_eq, lb_it)
    totals = np.array([lb_eq.sum(), lb_it.sum()])
    upper = float(sol[4].sum())
    for lo in range(0, full, EXACT_CHUNK):
        if clock() >= deadline:
            return None
        work = exact.partition(m, masks, costs, order, start, bound_eq, bound_it, totals, f, used, choice, upper,
                               lo, min(full, lo + EXACT_CHUNK))
        _charge(clock, work * COST_DP)
    if not f[full - 1] < upper - 1e-9:
        return sol
    out = core.empty_solution(m, members, caps.shape[0])
    for b, s in enumerate(exact.unwind(m, masks, choice)):
        for o in range(m):
            if int(s) >> o & 1:
                core.put(out, int(perm[o]), b, load)
        core.refresh(out, b, data)
    return tuple(out)


def _batches(sol: tuple[np.ndarray, ...], chosen: IntArray, rank: IntArray, load: FloatArray,
             tote_capacity: int | None) -> list[Batch]:
    _, members, count, _, length = sol
    out = []
    for b in np.flatnonzero(count):
        local = np.sort(members[b, : count[b]])  # local index = urgency order among admitted
        totes = np.zeros(local.size, dtype=np.int64)
        if local.size:
            totes[1:] = np.cumsum(load[local, 2])[:-1].astype(np.int64)
        out.append((int(rank[chosen[local[0]]]), Batch(chosen[local].astype(np.int64), totes, float(length[b]))))
    out.sort(key=lambda pair: pair[0])
    return [batch for _, batch in out]


def warm_up() -> None:
    """Compile every batching and routing kernel on a tiny input (call once at worker start)."""
    from kernels.routing import warm_up as warm_routing

    warm_routing()
    w = Warehouse(n_aisles=3, n_cells=4)
    aisles = [np.array([0, 1]), np.array([2]), np.array([1, 2])]
    cells = [np.array([0, 3]), np.array([1]), np.array([2, 2])]
    quantities = [np.array([1, 1]), np.array([2]), np.array([1, 1])]
    for method in METHODS:
        plan_batches(w, aisles, cells, quantities, 4, method=method, seconds=0.01)
    exact.unwind(1, np.array([1], dtype=np.int64), np.zeros(2, dtype=np.int64))
    GainOracle(w, aisles, cells).marginal([0], [1, 2])
    plan_batches(w, aisles, cells, quantities, 4, method="ils", seconds=0.01, routing="sshape",
                 tote_capacity=2, max_batches=2, due=np.array([3.0, 1.0, 2.0]))
