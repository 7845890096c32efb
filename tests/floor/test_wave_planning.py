"""Optimal wave planning: batches within capacity, steps in exact-route order, never worse than serpentine."""

from __future__ import annotations

import random

import numpy as np
import pytest

from floor.layout.model import Layout, parse_location
from floor.orders.model import Order, OrderLine
from floor.waves.optimal import kernel_warehouse, plan_optimal_wave
from floor.waves.serpentine import plan_wave
from kernels.routing import plan_route


def random_orders(rng: random.Random, layout: Layout, n: int) -> tuple[list[Order], dict[str, dict[str, int]], dict[str, str]]:
    skus = [f"S{i}" for i in range(60)]
    free = {s: {layout.location(rng.randint(1, layout.aisles), rng.randint(1, layout.cells)).code: 99} for s in skus}
    gtins = {s: f"{i:014d}" for i, s in enumerate(skus)}
    orders = [
        Order(order_id=f"o{k}", warehouse=layout.warehouse, channel="jd", external_id=str(k), status="reserved",
              lines=[OrderLine(s, rng.randint(1, 3)) for s in rng.sample(skus, rng.randint(1, 4))],
              priority=rng.choice((1, 5, 9)), due=None)
        for k in range(n)
    ]
    orders = [Order(**{**{f: getattr(o, f) for f in o.__struct_fields__}, "units": sum(x.quantity for x in o.lines)}) for o in orders]
    return orders, free, gtins


def tour_length(layout: Layout, steps: list) -> float:  # type: ignore[type-arg]
    positions = [parse_location(s.location) for s in steps]
    aisles = np.array([p.aisle - 1 for p in positions if p], dtype=np.int64)
    cells = np.array([p.cell - 1 for p in positions if p], dtype=np.int64)
    return plan_route(kernel_warehouse(layout), aisles, cells).length


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_optimal_plan_covers_every_unit_within_capacity(seed: int) -> None:
    rng = random.Random(seed)
    layout = Layout("W1", aisles=10, cells=45, depot_aisle=rng.randint(1, 10))
    orders, free, gtins = random_orders(rng, layout, 25)
    plan = plan_optimal_wave("w", orders, {s: dict(v) for s, v in free.items()}, gtins, layout, cart_capacity=20, seconds=0.2)
    units = {o.order_id: o.units for o in orders}
    picked: dict[str, int] = {}
    for task in plan.tasks:
        assert sum(s.quantity for s in task.steps) <= 20
        totes = {}
        for step in task.steps:
            picked[step.order_id] = picked.get(step.order_id, 0) + step.quantity
            totes.setdefault(step.order_id, step.tote)
            assert totes[step.order_id] == step.tote  # one tote per order on the cart
        assert len(set(totes.values())) == len(totes)  # different orders, different totes
    assert picked == units


def test_steps_follow_the_exact_route_and_beat_serpentine() -> None:
    rng = random.Random(9)
    layout = Layout("W1", aisles=12, cells=30)
    orders, free, gtins = random_orders(rng, layout, 6)
    optimal = plan_optimal_wave("w", orders, {s: dict(v) for s, v in free.items()}, gtins, layout, cart_capacity=500)
    serpentine = plan_wave("w", orders, {s: dict(v) for s, v in free.items()}, gtins, layout, pickers=1)
    assert len(optimal.tasks) == len(serpentine.tasks) == 1
    walk = optimal.tasks[0].steps
    # The optimal tour's own visiting order, walked as a fixed sequence, equals the exact length.
    exact = tour_length(layout, walk)
    assert sequence_length(layout, walk) == pytest.approx(exact)
    assert exact <= sequence_length(layout, serpentine.tasks[0].steps) + 1e-9


def sequence_length(layout: Layout, steps: list) -> float:  # type: ignore[type-arg]
    """Length of walking the steps in the given order (shortest path between consecutive picks)."""
    height = layout.front_gap + (layout.cells - 1) * layout.cell_length + layout.back_gap

    def y(cell: int) -> float:
        return layout.front_gap + (cell - 1) * layout.cell_length

    points = [(layout.depot_aisle, None)] + [((p := parse_location(s.location)).aisle, y(p.cell)) for s in steps] + [(layout.depot_aisle, None)]
    total = 0.0
    for (a1, y1), (a2, y2) in zip(points, points[1:], strict=False):
        h1 = 0.0 if y1 is None else y1
        h2 = 0.0 if y2 is None else y2
        if a1 == a2:
            total += abs(h1 - h2)
        else:
            total += abs(a1 - a2) * layout.aisle_distance + min(h1 + h2, 2 * height - h1 - h2)
    return total
