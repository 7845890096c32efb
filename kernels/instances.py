"""Seeded instance generators and ``python -m kernels.instances`` to write them as files.

``routing_instance`` draws uniform pick positions in any rectangular warehouse (depot on either
cross-aisle, one or two blocks).  ``henn_waescher`` follows the order batching setting of Henn &
Wäscher (2012): 10 aisles with 45 cells per aisle side (90 storage locations per aisle), aisle
centres 5 apart, cells 1 apart, 1.5 from each cross-aisle to the first/last cell, depot at the front
of aisle 0, 5–25 items per order, uniform storage or class-based ABC storage (A: the 10 % of
locations closest to the depot get 52 % of the demand, B: next 30 % get 36 %, C: the rest 12 %).

    python -m kernels.instances sprp --aisles 10 --cells 30 --picks 30 [--depot-aisle A] [--depot-top]
                                     [--blocks 2] [--count N] [--seed S] --out DIR
    python -m kernels.instances obp --orders 20 --capacity 45 [--storage uniform|abc] [--aisles 10]
                                    [--count N] [--seed S] --out DIR
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

import numpy as np

from kernels.formats import BatchingInstance, Layout, RoutingInstance, write_batching, write_routing
from kernels.layout import Warehouse

ABC_CLASSES = ((0.10, 0.52), (0.30, 0.36), (0.60, 0.12))  # (share of locations, share of demand)


def routing_instance(n_aisles: int, n_cells: int, n_picks: int, *, depot_aisle: int = 0,
                     depot_top: bool = False, two_blocks: bool = False, seed: int = 0,
                     aisle_distance: float = 3.0, name: str | None = None) -> RoutingInstance:
    """Uniformly random distinct pick positions (as many as fit), Heßler–Irnich distances."""
    rng = np.random.default_rng(seed)
    warehouse = Warehouse(n_aisles=n_aisles, n_cells=n_cells, aisle_distance=aisle_distance, cell_length=1.0,
                          front_gap=1.0, back_gap=1.0, depot_aisle=depot_aisle,
                          middle_cross_aisles=(n_cells // 2,) if two_blocks else ())
    layout = Layout(warehouse, 0.0, depot_top)
    slots = rng.choice(n_aisles * n_cells, size=min(n_picks, n_aisles * n_cells), replace=False)
    name = name or f"gen_m{n_aisles}_C{n_cells}_a{n_picks}_{seed}.txt"
    return RoutingInstance(name, layout, (slots // n_cells).astype(np.int64),
                           (slots % n_cells).astype(np.int64))


def henn_waescher_warehouse(n_aisles: int = 10) -> Warehouse:
    return Warehouse(n_aisles=n_aisles, n_cells=45, aisle_distance=5.0, cell_length=1.0, front_gap=1.5,
                     back_gap=1.5, depot_aisle=0)


def henn_waescher(n_orders: int, capacity: int, storage: str = "uniform", seed: int = 0,
                  n_aisles: int = 10, min_items: int = 5, max_items: int = 25,
                  name: str | None = None) -> BatchingInstance:
    """An order batching instance in the Henn–Wäscher setting (``n_aisles`` may be changed)."""
    if storage not in ("uniform", "abc"):
        raise ValueError(f"storage must be 'uniform' or 'abc', not {storage!r}")
    rng = np.random.default_rng(seed)
    warehouse = henn_waescher_warehouse(n_aisles)
    locations = n_aisles * warehouse.n_cells * 2  # two sides share a cell position
    aisle_of = np.arange(locations) // (2 * warehouse.n_cells)
    cell_of = (np.arange(locations) // 2) % warehouse.n_cells
    if storage == "uniform":
        weight = np.full(locations, 1.0 / locations)
    else:
        closeness = np.argsort(aisle_of * warehouse.aisle_distance + warehouse.offsets(cell_of), kind="stable")
        weight = np.empty(locations)
        begin = 0
        for share, demand in ABC_CLASSES:
            end = locations if share == ABC_CLASSES[-1][0] else begin + round(share * locations)
            weight[closeness[begin:end]] = demand / (end - begin)
            begin = end
        weight /= weight.sum()
    layout = Layout(warehouse, 0.0, False)
    aisles, cells, quantities, weights = [], [], [], []
    for _ in range(n_orders):
        items = int(rng.integers(min_items, max_items + 1))
        picked, counts = np.unique(rng.choice(locations, size=items, p=weight), return_counts=True)
        positions: dict[tuple[int, int], int] = {}
        for location, count in zip(picked, counts, strict=True):
            key = (int(aisle_of[location]), int(cell_of[location]))
            positions[key] = positions.get(key, 0) + int(count)
        aisles.append(np.array([k[0] for k in positions], dtype=np.int64))
        front = np.array([k[1] for k in positions], dtype=np.int64)
        cells.append(layout.file_cells(front))
        quantities.append(np.array(list(positions.values()), dtype=np.int64))
        weights.append(np.ones(len(positions)))
    name = name or f"hw_n{n_orders}_q{capacity}_{storage}_{seed}.txt"
    return BatchingInstance(name, layout, capacity, aisles, cells, quantities, weights)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kernels.instances", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="kind", required=True)
    sprp = sub.add_parser("sprp", help="single picker routing instances")
    sprp.add_argument("--aisles", type=int, default=10)
    sprp.add_argument("--cells", type=int, default=30)
    sprp.add_argument("--picks", type=int, default=30)
    sprp.add_argument("--depot-aisle", type=int, default=0)
    sprp.add_argument("--depot-top", action="store_true")
    sprp.add_argument("--blocks", type=int, choices=(1, 2), default=1)
    obp = sub.add_parser("obp", help="Henn–Wäscher order batching instances")
    obp.add_argument("--orders", type=int, default=20)
    obp.add_argument("--capacity", type=int, default=45)
    obp.add_argument("--storage", choices=("uniform", "abc"), default="uniform")
    obp.add_argument("--aisles", type=int, default=10)
    for command in (sprp, obp):
        command.add_argument("--count", type=int, default=1)
        command.add_argument("--seed", type=int, default=0)
        command.add_argument("--out", required=True, help="directory to write to (created)")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    for seed in range(args.seed, args.seed + args.count):
        if args.kind == "sprp":
            routing = routing_instance(args.aisles, args.cells, args.picks, depot_aisle=args.depot_aisle,
                                       depot_top=args.depot_top, two_blocks=args.blocks == 2, seed=seed)
            with open(os.path.join(args.out, routing.name), "w", encoding="utf-8") as out:
                write_routing(out, routing)
            print(os.path.join(args.out, routing.name))
        else:
            batching = henn_waescher(args.orders, args.capacity, args.storage, seed, args.aisles)
            with open(os.path.join(args.out, batching.name), "w", encoding="utf-8") as out:
                write_batching(out, batching)
            print(os.path.join(args.out, batching.name))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
