"""Batching quality at 20, 100 and 10,000 orders, side by side with FCFS, in one run; routing gap study.

    .venv/bin/python bench/batching_quality.py [--quick] [--skip routing]

1. 20 orders (Henn–Wäscher setting, 4 capacities x 2 storage policies x N seeds): ours (``ils``,
   default CLI budget) vs the optimal batching (every feasible batch enumerated and routed exactly,
   set partitioning by DP over all order subsets: independent of the search code) and vs FCFS.
2. 100 orders: ours (default CLI budget, 1.5 s) vs Clarke–Wright savings + local search (``cw-ls``,
   run to its local optimum) and vs FCFS.
3. 10,000 orders, 40 aisles, capacity 45 (ABC and uniform): ours with the CLI budget (8 s) vs FCFS,
   process time measured.
4. Routing with 2-3 middle cross-aisles (3-4 blocks; our ``optimal`` is improved combined there):
   against Held–Karp on the shortest-path metric, for small pick lists; 1-2 blocks must be exact.

The machine is shared with other engineers' work. Budgets: up to 30 orders calibrated work
(deterministic: the same answer whatever the load; ``--calibrate`` times the work units),
100 orders wall clock, 10,000 orders CPU time. Times printed are wall clock and CPU.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np
from numba import njit

from bench.kernels_bench import optimal_batching, total
from kernels.batching import default_seconds, plan_batches, warm_up
from kernels.instances import henn_waescher
from kernels.layout import Warehouse
from kernels.routing import plan_route


def run(inst, method: str, seconds: float | None = None):  # type: ignore[no-untyped-def]
    seconds = default_seconds(len(inst.order_aisles)) if seconds is None else seconds
    wall, cpu = time.perf_counter(), time.process_time()
    batches = plan_batches(inst.layout.warehouse, inst.order_aisles, inst.order_cells(), inst.order_quantities,
                           inst.capacity, method=method, seconds=seconds)
    return total(batches), (time.perf_counter() - wall) * 1e3, (time.process_time() - cpu), len(batches)


def calibrate(seeds: int) -> list[str]:
    """Seconds of CPU per unit of work the small-wave budget charges (``kernels.batching.COST_*``):
    each kernel call of the search timed with the process clock, per 20-order class."""
    import kernels.batching as kb

    calls: dict[str, list[tuple[float, float]]] = {"ls": [], "ils": [], "set": [], "dp": []}
    originals = (kb.search.local_search, kb.search.ils, kb.exact.enumerate_batches, kb.exact.partition)

    def timed(name, fn, units):  # type: ignore[no-untyped-def]
        def call(*args):  # type: ignore[no-untyped-def]
            started = time.process_time()
            out = fn(*args)
            calls[name].append((time.process_time() - started, units(args, out)))
            return out
        return call

    kb.search.local_search = timed("ls", originals[0], lambda a, out: out)
    kb.search.ils = timed("ils", originals[1], lambda a, out: a[9])  # iterations (pops are charged too)
    kb.exact.enumerate_batches = timed("set", originals[2], lambda a, out: out[2] if a[-1] else 0)
    kb.exact.partition = timed("dp", originals[3], lambda a, out: out)
    lines = ["### Calibration of the small-wave work budget", "",
             "| step | calls | units | s per unit (total / units) | p90 of calls s per unit | charged (COST_*) |",
             "|---|---|---|---|---|---|"]
    cpu = []
    try:
        for capacity in (30, 45, 60, 75):
            for storage in ("uniform", "abc"):
                for seed in range(seeds):
                    inst = henn_waescher(20, capacity, storage, 20_000 + seed)
                    started = time.process_time()
                    run(inst, "ils")
                    cpu.append(time.process_time() - started)
    finally:
        kb.search.local_search, kb.search.ils, kb.exact.enumerate_batches, kb.exact.partition = originals
    charged = {"ls": kb.COST_POP, "ils": kb.COST_PERTURB, "set": kb.COST_SET, "dp": kb.COST_DP}
    for name, rows in calls.items():
        rows = [(t, u) for t, u in rows if u > 0]
        if not rows:
            continue
        per = sorted(t / u for t, u in rows)
        lines.append(f"| {name} | {len(rows)} | {sum(u for _, u in rows):.0f} | "
                     f"{sum(t for t, _ in rows) / sum(u for _, u in rows):.3g} | {per[int(0.9 * (len(per) - 1))]:.3g} | "
                     f"{charged[name]:.3g} |")
    lines += ["", f"CPU per 20-order instance: median {1e3 * statistics.median(cpu):.0f} ms, "
              f"max {1e3 * max(cpu):.0f} ms (budget {1e3 * default_seconds(20):.0f} ms of charged work)"]
    return lines


def small(seeds: int) -> list[str]:
    lines = ["### 20 orders vs the optimal batching", "",
             "| capacity | storage | n | ours vs optimum mean % | worst % | FCFS vs optimum mean % | median ms | max ms "
             "| median CPU ms | max CPU ms |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    all_gaps, all_ms, all_cpu = [], [], []
    for capacity in (30, 45, 60, 75):
        for storage in ("uniform", "abc"):
            gaps, fcfs, ms, cpu = [], [], [], []
            for seed in range(seeds):
                inst = henn_waescher(20, capacity, storage, 20_000 + seed)
                ours, millis, seconds, _ = run(inst, "ils")
                cpu.append(seconds * 1e3)
                best = optimal_batching(inst)
                gaps.append(100 * (ours / best - 1))
                fcfs.append(100 * (run(inst, "fcfs", 0)[0] / best - 1))
                ms.append(millis)
            all_gaps += gaps
            all_ms += ms
            all_cpu += cpu
            lines.append(f"| {capacity} | {storage} | {seeds} | {np.mean(gaps):.3f} | {max(gaps):.2f} | "
                         f"{np.mean(fcfs):.1f} | {statistics.median(ms):.0f} | {max(ms):.0f} | "
                         f"{statistics.median(cpu):.0f} | {max(cpu):.0f} |")
    lines += ["", f"All {len(all_gaps)} instances: mean gap **{np.mean(all_gaps):.3f} %**, worst **{max(all_gaps):.2f} %**, "
              f"solved to optimality {sum(g < 1e-6 for g in all_gaps)}/{len(all_gaps)}, "
              f"median {statistics.median(all_ms):.0f} ms, max {max(all_ms):.0f} ms wall; CPU median "
              f"{statistics.median(all_cpu):.0f} ms, max {max(all_cpu):.0f} ms; load average "
              f"{os.getloadavg()[0]:.1f}."]
    return lines


def medium(seeds: int) -> list[str]:
    lines = ["### 100 orders vs Clarke–Wright savings + local search", "",
             "| capacity | storage | n | ours vs C-W+LS % (negative = shorter) | worst % | ours vs FCFS % shorter | "
             "C-W+LS vs FCFS % shorter | ours median ms | C-W+LS median ms |", "|---|---|---|---|---|---|---|---|---|"]
    for capacity in (30, 45, 60, 75):
        for storage in ("uniform", "abc"):
            rel, ours_f, cw_f, ms, cw_ms = [], [], [], [], []
            for seed in range(seeds):
                inst = henn_waescher(100, capacity, storage, 30_000 + seed)
                ours, millis, _, _ = run(inst, "ils")
                cw, cw_millis, _, _ = run(inst, "cw-ls", 2.0)
                fcfs = run(inst, "fcfs", 0)[0]
                rel.append(100 * (ours / cw - 1))
                ours_f.append(100 * (1 - ours / fcfs))
                cw_f.append(100 * (1 - cw / fcfs))
                ms.append(millis)
                cw_ms.append(cw_millis)
            lines.append(f"| {capacity} | {storage} | {seeds} | {np.mean(rel):.2f} | {max(rel):.2f} | "
                         f"{np.mean(ours_f):.1f} | {np.mean(cw_f):.1f} | {statistics.median(ms):.0f} | "
                         f"{statistics.median(cw_ms):.0f} |")
    return lines


def large(storages: tuple[str, ...]) -> list[str]:
    lines = ["### 10,000 orders, 40 aisles, capacity 45", "",
             "| storage | ours % shorter than FCFS | batches | process s | wall s | savings alone % | savings s |",
             "|---|---|---|---|---|---|---|"]
    for storage in storages:
        inst = henn_waescher(10_000, 45, storage, 7, n_aisles=40)
        fcfs = run(inst, "fcfs", 0)[0]
        ours, millis, cpu, count = run(inst, "ils")
        cw, _, cw_cpu, _ = run(inst, "savings", 0)
        lines.append(f"| {storage} | {100 * (1 - ours / fcfs):.1f} | {count} | {cpu:.2f} | {millis / 1e3:.2f} | "
                     f"{100 * (1 - cw / fcfs):.1f} | {cw_cpu:.2f} |")
    return lines


@njit(cache=True)
def _held_karp(dist):  # type: ignore[no-untyped-def]
    """Shortest closed tour from node 0 through all nodes of ``dist`` (exact, O(2^n n^2))."""
    n = dist.shape[0]
    full = 1 << (n - 1)
    best = np.full((full, n - 1), np.inf)
    for i in range(n - 1):
        best[1 << i, i] = dist[0, i + 1]
    for mask in range(1, full):
        for last in range(n - 1):
            value = best[mask, last]
            if value == np.inf or not mask >> last & 1:
                continue
            for nxt in range(n - 1):
                if mask >> nxt & 1:
                    continue
                cand = value + dist[last + 1, nxt + 1]
                if cand < best[mask | 1 << nxt, nxt]:
                    best[mask | 1 << nxt, nxt] = cand
    out = np.inf
    for last in range(n - 1):
        out = min(out, best[full - 1, last] + dist[last + 1, 0])
    return out


def exact_tour(w: Warehouse, aisles: np.ndarray, cells: np.ndarray) -> float:
    heights = w.offsets(cells)
    pts = sorted(set(zip(aisles.tolist(), heights.tolist(), strict=True)))
    nodes = [(w.depot_aisle, 0.0)] + pts
    cross = w.cross_aisle_offsets()
    d = np.zeros((len(nodes), len(nodes)))
    for i, (a1, y1) in enumerate(nodes):
        for j, (a2, y2) in enumerate(nodes):
            d[i, j] = abs(y1 - y2) if a1 == a2 else (
                min(abs(y1 - c) + abs(y2 - c) for c in cross) + abs(a1 - a2) * w.aisle_distance)
    return float(_held_karp(d)) if len(nodes) > 1 else 0.0


def routing(count: int) -> list[str]:
    lines = ["### Routing with several cross-aisles vs Held–Karp (exact)", "",
             "| blocks | cross-aisles | aisles x cells | picks | n | optimal: mean % above exact | worst % | "
             "combined mean % | equal to exact |", "|---|---|---|---|---|---|---|---|---|"]
    rng = np.random.default_rng(11)
    for middles in ((), (10,), (7, 14), (5, 10, 15)):
        w = Warehouse(n_aisles=8, n_cells=20, aisle_distance=3.0, depot_aisle=0, middle_cross_aisles=middles)
        for picks in (8, 12, 16):
            gaps, comb, equal = [], [], 0
            for _ in range(count):
                slots = rng.choice(w.n_aisles * w.n_cells, size=picks, replace=False)
                a, c = slots // w.n_cells, slots % w.n_cells
                best = exact_tour(w, a, c)
                ours = plan_route(w, a, c, "optimal").length
                gaps.append(100 * (ours / best - 1))
                comb.append(100 * (plan_route(w, a, c, "combined").length / best - 1))
                equal += abs(ours - best) < 1e-6
            lines.append(f"| {len(middles) + 1} | {len(middles) + 2} | 8 x 20 | {picks} | {count} | {np.mean(gaps):.3f} | "
                         f"{max(gaps):.2f} | {np.mean(comb):.2f} | {equal}/{count} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer instances")
    parser.add_argument("--skip", nargs="*", default=[], choices=("small", "medium", "large", "routing"))
    parser.add_argument("--calibrate", action="store_true", help="only time the small-wave work units")
    args = parser.parse_args()
    warm_up()
    optimal_batching(henn_waescher(8, 45, "uniform", 0))
    _held_karp(np.zeros((3, 3)))
    started = time.perf_counter()
    report = ["## Batching quality (bench/batching_quality.py)", "",
              f"machine: {os.cpu_count()} cores (shared), python {sys.version.split()[0]}", ""]
    if args.calibrate:
        print("\n".join(calibrate(2 if args.quick else 5)))
        return
    if "small" not in args.skip:
        report += small(2 if args.quick else 5) + [""]
    if "medium" not in args.skip:
        report += medium(1 if args.quick else 2) + [""]
    if "large" not in args.skip:
        report += large(("abc",) if args.quick else ("abc", "uniform")) + [""]
    if "routing" not in args.skip:
        report += routing(10 if args.quick else 40) + [""]
    report.append(f"(whole run {time.perf_counter() - started:.0f} s wall)")
    print("\n".join(report))


if __name__ == "__main__":
    main()
