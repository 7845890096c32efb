"""``python -m kernels.sprp [--blocks {1,2}] FILE...``: solve single picker routing instances exactly.

Prints one JSON object per file, in file order::

    {"instance": "<basename>", "length": <float>, "visits": [[aisle, cell], ...], "micros": <float>}

``visits`` are pick positions as written in the file (AISLE, CELL), in visiting order, depot implied
at both ends.  ``micros`` is the time of the kernel call alone (sort, DP, tour construction), after
the kernels were compiled by a warm-up call and after the file was parsed and converted: the best
of three timed runs that follow the run whose result is printed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence

from kernels.formats import FormatError, RoutingInstance, read_routing
from kernels.routing import geometry, route_heights, warm_up

TIMED_RUNS = 3


def solve(instance: RoutingInstance) -> dict[str, object]:
    """Solve one parsed instance; returns the JSON-ready record."""
    layout = instance.layout
    warehouse = layout.warehouse
    geo = geometry(warehouse)
    aisles = warehouse.check_aisles(instance.aisles)
    heights = warehouse.offsets(instance.cells)
    length, order = route_heights(geo, aisles, heights, "optimal")
    micros = float("inf")
    for _ in range(TIMED_RUNS):  # best of a few warm runs, as timeit reports
        started = time.perf_counter()
        route_heights(geo, aisles, heights, "optimal")
        micros = min(micros, (time.perf_counter() - started) * 1e6)
    if aisles.shape[0]:
        length += 2.0 * layout.depot_offset
    visits = [[int(instance.aisles[i]), int(instance.file_cells[i])] for i in order]
    return {"instance": instance.name, "length": length, "visits": visits, "micros": round(micros, 3)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kernels.sprp", description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, choices=(1, 2), default=1)
    parser.add_argument("files", nargs="+", metavar="FILE")
    args = parser.parse_args(argv)
    warm_up()
    status = 0
    for path in args.files:
        try:
            instance = read_routing(path, two_blocks=args.blocks == 2)
        except (OSError, FormatError) as error:
            print(f"{path}: {error}", file=sys.stderr)
            status = 1
            continue
        print(json.dumps(solve(instance)), flush=False)
    sys.stdout.flush()
    return status


if __name__ == "__main__":
    raise SystemExit(main())
