"""``python -m kernels.obp [--routing {optimal,sshape,largest-gap}] [--seconds S] FILE...``: batch orders.

Without ``--seconds`` the budget follows the size (:func:`kernels.batching.default_seconds`).

Prints one JSON object per file, in file order::

    {"instance": "<basename>", "distance": <float>, "batches": [[order_index, ...], ...], "millis": <float>}

Order indices are 0-based in file order, each order in exactly one batch, every batch within
PICKER_CAPACITY; ``distance`` is the sum of the batch tour lengths under ``--routing`` (which is also
the distance oracle of the search); ``millis`` is the planning time after parsing and compilation.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence

from kernels.batching import default_seconds, plan_batches, warm_up
from kernels.formats import BatchingInstance, FormatError, read_batching


def solve(instance: BatchingInstance, routing: str = "optimal", seconds: float | None = None,
          method: str = "ils", seed: int = 0) -> dict[str, object]:
    """Batch one parsed instance; returns the JSON-ready record."""
    weights = instance.order_weights if any(w.size and w.max() != 1.0 for w in instance.order_weights) else None
    if seconds is None:
        seconds = default_seconds(len(instance.order_aisles))
    started = time.perf_counter()
    batches = plan_batches(instance.layout.warehouse, list(instance.order_aisles), instance.order_cells(),
                           list(instance.order_quantities), instance.capacity, method=method,
                           seconds=seconds, seed=seed, routing=routing,
                           weights=None if weights is None else list(weights))
    millis = (time.perf_counter() - started) * 1e3
    offset = 2.0 * instance.layout.depot_offset
    distance = sum(b.length + (offset if b.length > 0 else 0.0) for b in batches)
    return {"instance": instance.name, "distance": distance,
            "batches": [[int(o) for o in b.orders] for b in batches], "millis": round(millis, 3)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kernels.obp", description=__doc__.splitlines()[0])
    parser.add_argument("--routing", choices=("optimal", "sshape", "largest-gap"), default="optimal")
    parser.add_argument("--seconds", type=float, default=None,
                        help="time budget per instance (default by size: 0.18 s up to 30 orders, 1.5 s up to 300 "
                             "(wall clock); beyond, 0.6 ms of CPU per order, at most 6 s)")
    parser.add_argument("files", nargs="+", metavar="FILE")
    args = parser.parse_args(argv)
    warm_up()
    status = 0
    for path in args.files:
        try:
            instance = read_batching(path)
        except (OSError, FormatError) as error:
            print(f"{path}: {error}", file=sys.stderr)
            status = 1
            continue
        print(json.dumps(solve(instance, args.routing, args.seconds)), flush=True)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
