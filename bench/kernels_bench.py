"""Kernel benchmarks: ``python bench/kernels_bench.py [--quick]`` prints one markdown report.

1. SPRP (Heßler & Irnich): all 2,400 single-block instances against the published optimum (exact
   equality) with kernel times per class; the two-block variant on all instances; exact routing vs
   the classic policies (% longer).
2. Speed-up over plain Python: the same kernels interpreted (NUMBA_DISABLE_JIT=1, subprocess).
3. Batching, Henn–Wäscher setting: 20 orders vs the optimal batching (exhaustive set partitioning
   over all feasible batches, DP over subsets), 100 orders vs FCFS, one 10,000-order wave in a
   40-aisle warehouse; our batches re-routed with S-shape and largest gap.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import statistics
import subprocess
import sys
import time

import numpy as np
from numba import njit

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from kernels import _batching_core as core  # noqa: E402
from kernels.batching import plan_batches, router  # noqa: E402
from kernels.batching import warm_up as warm_batching  # noqa: E402
from kernels.formats import read_routing  # noqa: E402
from kernels.instances import henn_waescher  # noqa: E402
from kernels.routing import geometry, plan_route, route_heights  # noqa: E402

DATA = os.environ.get("SPRP_DATA") or os.path.join(os.path.abspath(__file__).rsplit(os.sep, 3)[0], "shared", "data", "sprp")  # ../shared beside the checkout
NAME = re.compile(r"unit_F1_m(\d+)_C(\d+)_a(\d+)_(\d+)\.txt")
POLICIES = ("sshape", "largest-gap", "combined", "midpoint", "return")


def timed_route(instance, runs: int = 3) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    w = instance.layout.warehouse
    geo, aisles, heights = geometry(w), w.check_aisles(instance.aisles), w.offsets(instance.cells)
    length, _ = route_heights(geo, aisles, heights)
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        route_heights(geo, aisles, heights)
        best = min(best, time.perf_counter() - t)
    return length, best * 1e6


def sprp_section(quick: bool) -> list[str]:
    with open(os.path.join(DATA, "results_SPRP.csv"), encoding="utf-8") as handle:
        optimum = {f"unit_F1_m{r['num aisles']}_C{r['num cells']}_a{r['num articles']}_{r['random seed']}.txt":
                   float(r["DP cost"]) for r in csv.DictReader(handle)}
    names = sorted(optimum)
    equal, times, times2, extra = 0, {}, {}, {p: [] for p in POLICIES}
    for name in names:
        path = os.path.join(DATA, "instances", name)
        one, two = read_routing(path), read_routing(path, two_blocks=True)
        length, micros = timed_route(one)
        equal += length == optimum[name]
        m, _, a, _ = map(int, NAME.match(name).groups())  # type: ignore[union-attr]
        times.setdefault((m, a), []).append(micros)
        times2.setdefault((m, a), []).append(timed_route(two)[1])
        w = one.layout.warehouse
        for p in POLICIES:
            extra[p].append(plan_route(w, one.aisles, one.cells, p).length / length - 1)
    lines = ["## Routing (SPRP, 2,400 instances)", "",
             f"Single-block instances solved to the published optimum (exact equality): **{equal} / {len(names)}**", "",
             "| aisles | picks | median µs 1 block | median µs 2 blocks |", "|---|---|---|---|"]
    for key in sorted(times):
        lines.append(f"| {key[0]} | {key[1]} | {statistics.median(times[key]):.2f} | {statistics.median(times2[key]):.2f} |")
    lines += ["", "| policy | mean % longer than exact | max % |", "|---|---|---|"]
    for p in POLICIES:
        lines.append(f"| {p} | {100 * np.mean(extra[p]):.1f} | {100 * np.max(extra[p]):.1f} |")
    return lines


PYTHON_TIMING = """
import json, os, sys, time, statistics
sys.path.insert(0, os.getcwd())
from kernels.formats import read_routing
from kernels.routing import geometry, route_heights
from kernels.batching import plan_batches
from kernels.instances import henn_waescher
out = {"route": [], "batch": []}
for name in sys.argv[1:]:
    inst = read_routing(name); w = inst.layout.warehouse
    geo, a, y = geometry(w), w.check_aisles(inst.aisles), w.offsets(inst.cells)
    t = time.perf_counter(); route_heights(geo, a, y); out["route"].append((time.perf_counter() - t) * 1e6)
for seed in range(2):
    hw = henn_waescher(20, 45, seed=seed)
    t = time.perf_counter()
    plan_batches(hw.layout.warehouse, hw.order_aisles, hw.order_cells(), hw.order_quantities, 45, method="ls", seconds=60)
    out["batch"].append((time.perf_counter() - t) * 1e3)
print(json.dumps(out))
"""


def speed_section() -> list[str]:
    names = [os.path.join(DATA, "instances", f"unit_F1_m10_C30_a30_{s}.txt") for s in range(20)]
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    result = json.loads(subprocess.run([sys.executable, "-c", PYTHON_TIMING, *names], env=env, cwd=root,
                                       capture_output=True, text=True, check=True).stdout)
    ours_route = statistics.median(timed_route(read_routing(n))[1] for n in names)
    ours_batch = []
    for seed in range(2):
        hw = henn_waescher(20, 45, seed=seed)
        t = time.perf_counter()
        plan_batches(hw.layout.warehouse, hw.order_aisles, hw.order_cells(), hw.order_quantities, 45,
                     method="ls", seconds=60)
        ours_batch.append((time.perf_counter() - t) * 1e3)
    py_route, py_batch = statistics.median(result["route"]), statistics.median(result["batch"])
    return ["## Speed-up over plain Python (same code, NUMBA_DISABLE_JIT=1)", "",
            "| kernel | numba | plain Python | speed-up |", "|---|---|---|---|",
            f"| exact route, 10 aisles x 30 picks (median of 20) | {ours_route:.2f} µs | {py_route:.0f} µs | "
            f"{py_route / ours_route:.0f}x |",
            f"| batching seed+savings+LS, 20 orders (median of 2) | {statistics.median(ours_batch):.1f} ms | "
            f"{py_batch:.0f} ms | {py_batch / statistics.median(ours_batch):.0f}x |"]


@njit(cache=True)
def _subset_costs(n, capacity, items, ptr, aisles, heights, route):  # type: ignore[no-untyped-def]
    full = 1 << n
    load = np.zeros(full, dtype=np.int64)
    masks = []
    for mask in range(1, full):
        low = mask & -mask
        bit = 0
        while (1 << bit) != low:
            bit += 1
        load[mask] = load[mask ^ low] + items[bit]
        if load[mask] <= capacity:
            masks.append(mask)
    out_masks = np.array(masks, dtype=np.int64)
    costs = np.empty(out_masks.shape[0])
    buf_a = np.empty(aisles.shape[0], dtype=np.int64)
    buf_h = np.empty(aisles.shape[0])
    for k in range(out_masks.shape[0]):
        m = 0
        for o in range(n):
            if out_masks[k] >> o & 1:
                for p in range(ptr[o], ptr[o + 1]):
                    buf_a[m] = aisles[p]
                    buf_h[m] = heights[p]
                    m += 1
        costs[k] = core.route_length(buf_a[:m], buf_h[:m], route)
    return out_masks, costs


@njit(cache=True)
def _best_partition(n, masks, costs):  # type: ignore[no-untyped-def]
    lowest = np.empty(masks.shape[0], dtype=np.int64)
    for k in range(masks.shape[0]):
        bit = 0
        while not masks[k] >> bit & 1:
            bit += 1
        lowest[k] = bit
    order = np.argsort(lowest, kind="mergesort")
    start = np.searchsorted(lowest[order], np.arange(n + 1))
    full = (1 << n) - 1
    f = np.full(full + 1, np.inf)
    f[0] = 0.0
    for mask in range(full):
        if f[mask] == np.inf:
            continue
        free = full ^ mask
        bit = 0
        while not free >> bit & 1:
            bit += 1
        for q in range(start[bit], start[bit + 1]):
            s = masks[order[q]]
            if s & mask == 0 and f[mask] + costs[order[q]] < f[mask | s]:
                f[mask | s] = f[mask] + costs[order[q]]
    return f[full]


def optimal_batching(inst) -> float:  # type: ignore[no-untyped-def]
    w = inst.layout.warehouse
    ptr = np.zeros(len(inst.order_aisles) + 1, dtype=np.int64)
    np.cumsum([len(a) for a in inst.order_aisles], out=ptr[1:])
    aisles = np.concatenate(inst.order_aisles).astype(np.int64)
    heights = w.offsets(np.concatenate(inst.order_cells()))
    items = np.array([int(q.sum()) for q in inst.order_quantities], dtype=np.int64)
    masks, costs = _subset_costs(len(items), inst.capacity, items, ptr, aisles, heights, router(w))
    return float(_best_partition(len(items), masks, costs))


def total(batches) -> float:  # type: ignore[no-untyped-def]
    return float(sum(b.length for b in batches))


def rerouted(inst, batches, policy: str) -> float:  # type: ignore[no-untyped-def]
    cells = inst.order_cells()
    return sum(plan_route(inst.layout.warehouse, np.concatenate([inst.order_aisles[o] for o in b.orders]),
                          np.concatenate([cells[o] for o in b.orders]), policy).length for b in batches)


def run(inst, method: str, seconds: float):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    batches = plan_batches(inst.layout.warehouse, inst.order_aisles, inst.order_cells(), inst.order_quantities,
                           inst.capacity, method=method, seconds=seconds)
    return batches, (time.perf_counter() - t) * 1e3


def batching_section(quick: bool) -> list[str]:
    lines = ["## Batching (Henn–Wäscher: 10 aisles, 45 cells/side, depot at aisle 0)", "",
             "| orders | capacity | storage | n | ours vs optimum (mean %) | worst % | FCFS vs ours (% longer) "
             "| median ms | max ms | S-shape % longer | largest gap % longer |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    seeds = range(2 if quick else 5)
    for capacity in (30, 45, 60, 75):
        for storage in ("uniform", "abc"):
            gaps, fcfs, ms, ss, lg = [], [], [], [], []
            for seed in seeds:
                inst = henn_waescher(20, capacity, storage, seed)
                ours, millis = run(inst, "ils", 0.15)
                best = optimal_batching(inst)
                gaps.append(100 * (total(ours) / best - 1))
                fcfs.append(100 * (total(run(inst, "fcfs", 0)[0]) / total(ours) - 1))
                ms.append(millis)
                ss.append(100 * (rerouted(inst, ours, "sshape") / total(ours) - 1))
                lg.append(100 * (rerouted(inst, ours, "largest-gap") / total(ours) - 1))
            lines.append(f"| 20 | {capacity} | {storage} | {len(gaps)} | {np.mean(gaps):.2f} | {max(gaps):.2f} | "
                         f"{np.mean(fcfs):.1f} | {statistics.median(ms):.0f} | {max(ms):.0f} | {np.mean(ss):.1f} | "
                         f"{np.mean(lg):.1f} |")
    lines += ["", "| orders | capacity | storage | n | ours vs FCFS (% shorter, mean) | min % | median ms | max ms |",
              "|---|---|---|---|---|---|---|---|"]
    for capacity in (30, 45, 60, 75):
        for storage in ("uniform", "abc"):
            shorter, ms = [], []
            for seed in range(1 if quick else 2):
                inst = henn_waescher(100, capacity, storage, 100 + seed)
                ours, millis = run(inst, "ils", 1.8)
                shorter.append(100 * (1 - total(ours) / total(run(inst, "fcfs", 0)[0])))
                ms.append(millis)
            lines.append(f"| 100 | {capacity} | {storage} | {len(ms)} | {np.mean(shorter):.1f} | {min(shorter):.1f} | "
                         f"{statistics.median(ms):.0f} | {max(ms):.0f} |")
    inst = henn_waescher(10_000, 45, "abc", 7, n_aisles=40)
    ours, millis = run(inst, "ils", 8.0)
    fcfs_total = total(run(inst, "fcfs", 0)[0])
    lines += ["", f"10,000-order wave, 40 aisles, capacity 45, ABC: planned in **{millis / 1e3:.2f} s** "
              f"(budget 8 s), {len(ours)} batches, {100 * (1 - total(ours) / fcfs_total):.1f} % shorter than FCFS."]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer batching instances")
    parser.add_argument("--skip", nargs="*", default=[], choices=("sprp", "speed", "batching"))
    args = parser.parse_args()
    warm_batching()
    report = ["# Kernel benchmark", "", f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}", ""]
    if "sprp" not in args.skip:
        report += sprp_section(args.quick) + [""]
    if "speed" not in args.skip:
        report += speed_section() + [""]
    if "batching" not in args.skip:
        report += batching_section(args.quick)
    print("\n".join(report))


if __name__ == "__main__":
    main()
