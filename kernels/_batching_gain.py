# mypy: disable-error-code="no-untyped-def"
"""Batching gain (private ``@njit``): what each candidate order adds to a tour being formed.

:func:`insertion_lengths` routes the tour's picks together with each candidate's picks (the same
routing kernel the batching search uses, exact for 0-1 middle cross-aisles) and returns the route
lengths; the caller subtracts the tour's own length to get each candidate's marginal metres.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from kernels._batching_core import route_length


@njit(cache=True)
def insertion_lengths(base_aisle, base_height, ptr, pick_aisle, pick_height, router):
    """Route length of the base picks plus the picks ``ptr[c]..ptr[c+1]`` of each candidate ``c``."""
    n = ptr.shape[0] - 1
    widest = 0
    for c in range(n):
        widest = max(widest, ptr[c + 1] - ptr[c])
    m = base_aisle.shape[0]
    buf_a = np.empty(m + widest, dtype=np.int64)
    buf_h = np.empty(m + widest)
    buf_a[:m] = base_aisle
    buf_h[:m] = base_height
    out = np.empty(n)
    for c in range(n):
        k = m
        for p in range(ptr[c], ptr[c + 1]):
            buf_a[k] = pick_aisle[p]
            buf_h[k] = pick_height[p]
            k += 1
        out[c] = route_length(buf_a[:k], buf_h[:k], router)
    return out
