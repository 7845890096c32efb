"""State machine of the exact routing dynamic program (Ratliff–Rosenthal, Roodbergen–de Koster).

The DP sweeps the aisles left to right.  With ``k`` cross-aisles every aisle has ``k`` nodes (its
ends on the cross-aisles, node 0 on the front) and ``k-1`` sub-aisles between them.  A partial tour
subgraph is summarised by, for each node of the current aisle, its degree class (0, odd, even>0) and
the connected component it belongs to, plus a ``done`` flag (a component was closed and nothing may
follow).  This module enumerates the reachable states in plain Python once per ``k`` and returns two
transition tables that the ``@njit`` DP indexes:

* ``vertical[s, c]``: state after choosing option ``c`` for the sub-aisles of an aisle (``c`` packs
  one of :data:`N_OPTIONS` options per sub-aisle, base 6), ``-1`` if illegal;
* ``horizontal[s, h]``: state after choosing 0/1/2 copies of each cross-aisle edge to the next aisle
  (``h`` base 3), ``-1`` if a node would keep odd degree or a component would be cut off;
  ``horizontal_depot`` additionally requires node 0 (the depot) to be in the tour.

Sub-aisle options (Ratliff & Rosenthal's six): 0 none, 1 one traversal, 2 two traversals, 3 loop from
the lower node, 4 loop from the upper node, 5 loops from both ends leaving the largest gap.
"""

from __future__ import annotations

from functools import cache
from itertools import product

import numpy as np
import numpy.typing as npt

N_OPTIONS = 6
NONE, TRAVERSE, DOUBLE, LOOP_LOWER, LOOP_UPPER, GAP = range(N_OPTIONS)
ZERO, ODD, EVEN = 0, 1, 2

State = tuple[tuple[int, ...], tuple[int, ...], bool]
Tables = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64], int]


def _canonical(degrees: list[int], labels: list[int], done: bool) -> State:
    mapping: dict[int, int] = {}
    out = []
    for label in labels:
        if label < 0:
            out.append(-1)
        else:
            out.append(mapping.setdefault(label, len(mapping)))
    return tuple(degrees), tuple(out), done


def _add_degree(status: int, amount: int) -> int:
    if amount == 0:
        return status
    odd = (status == ODD) + amount
    return ODD if odd % 2 else EVEN


def _vertical(state: State, options: tuple[int, ...]) -> State | None:
    degrees, labels_in, done = state
    if done:
        return state if all(option == NONE for option in options) else None
    deg = list(degrees)
    labels = list(labels_in)
    fresh = max(labels, default=-1) + 1

    def touch(node: int) -> None:
        nonlocal fresh
        if labels[node] < 0:
            labels[node] = fresh
            fresh += 1

    for block, option in enumerate(options):
        low, high = block, block + 1
        if option in (TRAVERSE, DOUBLE):
            amount = 1 if option == TRAVERSE else 2
            touch(low)
            touch(high)
            deg[low] = _add_degree(deg[low], amount)
            deg[high] = _add_degree(deg[high], amount)
            old, new = labels[high], labels[low]
            labels = [new if label == old else label for label in labels]
        if option in (LOOP_LOWER, GAP):
            touch(low)
            deg[low] = _add_degree(deg[low], 2)
        if option in (LOOP_UPPER, GAP):
            touch(high)
            deg[high] = _add_degree(deg[high], 2)
    return _canonical(deg, labels, False)


def _horizontal(state: State, copies: tuple[int, ...], depot: bool) -> State | None:
    degrees, labels, done = state
    if depot and degrees[0] == ZERO and copies[0] == 0:
        return None
    if done:
        return state if not any(copies) else None
    for status, count in zip(degrees, copies, strict=True):
        if (status == ODD) != (count == 1):
            return None
    new_labels = []
    fresh = max(labels, default=-1) + 1
    for label, count in zip(labels, copies, strict=True):
        if count == 0:
            new_labels.append(-1)
        elif label >= 0:
            new_labels.append(label)
        else:
            new_labels.append(fresh)
            fresh += 1
    alive = {label for label in new_labels if label >= 0}
    closed = {label for label in labels if label >= 0} - alive
    if closed and (alive or len(closed) > 1):
        return None
    if closed:
        return _canonical([ZERO] * len(labels), [-1] * len(labels), True)
    return _canonical(list(copies), new_labels, False)


@cache
def transition_tables(n_cross_aisles: int) -> Tables:
    """(vertical, horizontal, horizontal_depot, done_state) for ``n_cross_aisles`` >= 2 (cached)."""
    k = n_cross_aisles
    vertical_moves = list(product(range(N_OPTIONS), repeat=k - 1))
    horizontal_moves = list(product(range(3), repeat=k))
    # product() varies the last position fastest; the DP decodes position b as digit b (base 6 / 3)
    vertical_moves = [tuple(reversed(move)) for move in vertical_moves]
    horizontal_moves = [tuple(reversed(move)) for move in horizontal_moves]
    start: State = ((ZERO,) * k, (-1,) * k, False)
    index: dict[State, int] = {start: 0}
    rows_v: list[list[int]] = []
    rows_h: list[list[int]] = []
    rows_hd: list[list[int]] = []

    def lookup(state: State | None) -> int:
        if state is None:
            return -1
        if state not in index:
            index[state] = len(index)
        return index[state]

    states = [start]
    cursor = 0
    while cursor < len(states):
        state = states[cursor]
        cursor += 1
        row_v = [lookup(_vertical(state, move)) for move in vertical_moves]
        row_h, row_hd = [], []
        for move in horizontal_moves:
            row_h.append(lookup(_horizontal(state, move, False)))
            row_hd.append(lookup(_horizontal(state, move, True)))
        rows_v.append(row_v)
        rows_h.append(row_h)
        rows_hd.append(row_hd)
        for known in list(index):
            if index[known] >= len(states):
                states.append(known)
        states.sort(key=index.__getitem__)
    done_state = index[((ZERO,) * k, (-1,) * k, True)]
    as_array = lambda rows: np.ascontiguousarray(rows, dtype=np.int64)  # noqa: E731
    return as_array(rows_v), as_array(rows_h), as_array(rows_hd), done_state
