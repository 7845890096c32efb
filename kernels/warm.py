"""Compile every numba kernel once, at set-up: ``python -m kernels.warm``.

The kernels are ``@njit(cache=True)``: the first call of each compiles it (tens of seconds for the
whole set) and writes the machine code to numba's cache (``kernels/__pycache__``, or
``NUMBA_CACHE_DIR``); later processes load it in well under a second.  ``make venv`` runs this
module right after ``pip install`` so that ``make run`` / ``make test`` never wait for the compiler,
and a container image runs it at build time.  It calls the same ``warm_up`` functions the web node
and the RQ worker call at start, so the cache holds exactly the signatures they use.

Invariant: after a successful run every kernel dispatcher in ``kernels`` has a compiled (or
cache-loaded) overload for the signatures the floor uses.  The caller needs to do nothing next; a
non-zero exit status means the kernels do not compile on this machine (the message says which group).
Only numpy and numba are imported, like the rest of ``kernels/``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import ModuleType
from typing import TextIO

from kernels import (
    _batching_core,
    _batching_search,
    _routing_exact,
    _routing_heuristics,
    _routing_improve,
    batching,
    routing,
)

KERNEL_MODULES: tuple[ModuleType, ...] = (
    _routing_exact, _routing_heuristics, _routing_improve, _batching_core, _batching_search,
)
# Routing first: batching's warm-up routes too, and then finds the routing kernels ready.
GROUPS: tuple[tuple[str, Callable[[], None]], ...] = (
    ("routing", routing.warm_up),
    ("batching", batching.warm_up),
)


def cache_counts() -> tuple[int, int]:
    """(signatures loaded from numba's cache, signatures compiled) so far in this process."""
    hits = misses = 0
    for module in KERNEL_MODULES:
        for value in vars(module).values():
            stats = getattr(value, "stats", None)
            if stats is not None and hasattr(stats, "cache_hits"):
                hits += sum(stats.cache_hits.values())
                misses += sum(stats.cache_misses.values())
    return hits, misses


def warm(out: TextIO = sys.stderr) -> float:
    """Compile or load every kernel group, one progress line; returns the total seconds."""
    started = time.monotonic()
    out.write("compiling kernels (first run only) ...")
    out.flush()
    for name, warm_group in GROUPS:
        group_started = time.monotonic()
        try:
            warm_group()
        except Exception as error:
            out.write(f" {name} FAILED\n")
            out.flush()
            raise RuntimeError(f"kernel group {name!r} did not compile: {error}") from error
        out.write(f" {name} {time.monotonic() - group_started:.1f} s,")
        out.flush()
    total = time.monotonic() - started
    hits, misses = cache_counts()
    out.write(f" done in {total:.1f} s ({misses} compiled, {hits} loaded from cache)\n")
    out.flush()
    return total


def main() -> int:
    try:
        warm()
    except RuntimeError as error:
        print(f"kernels.warm: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
