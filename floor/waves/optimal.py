"""Optimal wave planning: batching + exact routing from ``kernels``, behind :func:`plan_wave`.

Orders are first allocated to pick locations (fullest first, as the baseline does), then batched
into picker tours under the cart capacity (``kernels.batching``: seed/savings + iterated local
search with the exact router as the distance oracle), and every batch is routed exactly
(``kernels.routing``). Each batch becomes one task whose steps follow the route; each order has
its own tote(s) on the cart (cluster picking).
"""

from __future__ import annotations

import msgspec
import numpy as np

from floor.layout.model import Layout, parse_location
from floor.orders.model import Order
from floor.picking.model import Step
from floor.waves.model import Allocation, PlannedTask, WavePlan
from floor.waves.putwall import batch_wave, link_zones
from floor.waves.serpentine import allocate
from kernels.batching import plan_batches
from kernels.layout import Warehouse
from kernels.routing import plan_route

Pick = tuple[Order, int, str, str, int]  # (order, line index, sku, location, quantity)


def kernel_warehouse(layout: Layout) -> Warehouse:
    """The kernels' 0-based view of a layout (aisle 1 -> 0, cell 1 -> 0)."""
    return Warehouse(
        n_aisles=layout.aisles,
        n_cells=layout.cells,
        aisle_distance=layout.aisle_distance,
        cell_length=layout.cell_length,
        front_gap=layout.front_gap,
        back_gap=layout.back_gap,
        depot_aisle=layout.depot_aisle - 1,
        middle_cross_aisles=tuple(k - 1 for k in layout.middle_cross_aisles),
    )


def _position(location: str) -> tuple[int, int]:
    parsed = parse_location(location)
    assert parsed is not None, location
    return parsed.aisle - 1, parsed.cell - 1


def route_steps(
    warehouse: Warehouse, picks: list[Pick], totes: dict[str, int], gtins: dict[str, str], names: dict[str, str] | None = None
) -> tuple[list[Step], float]:
    """Steps of one tour in exact-route order, and the route length."""
    positions = [_position(location) for _o, _l, _s, location, _q in picks]
    route = plan_route(
        warehouse,
        np.array([a for a, _ in positions], dtype=np.int64),
        np.array([c for _, c in positions], dtype=np.int64),
    )
    steps = []
    for index in route.order:
        order, line, sku, location, quantity = picks[int(index)]
        steps.append(Step(location=location, sku=sku, gtin=gtins[sku], quantity=quantity,
                          order_id=order.order_id, line=line, tote=totes[order.order_id],
                          name=(names or {}).get(sku, "")))
    return steps, route.length


def reroute_tail(layout: Layout, steps: list[Step]) -> list[Step]:
    """The same steps in exact-route order (a depot tour through them): used for a task's
    unvisited tail after a short pick appended re-allocated steps."""
    if len(steps) < 2:
        return list(steps)
    positions = [_position(step.location) for step in steps]
    route = plan_route(
        kernel_warehouse(layout),
        np.array([a for a, _ in positions], dtype=np.int64),
        np.array([c for _, c in positions], dtype=np.int64),
    )
    return [steps[int(index)] for index in route.order]


def plan_optimal_wave(
    wave_id: str,
    orders: list[Order],
    free: dict[str, dict[str, int]],
    gtins: dict[str, str],
    layout: Layout,
    cart_capacity: int,
    tote_capacity: int | None = None,
    seconds: float = 1.0,
    names: dict[str, str] | None = None,
    strategy: str = "cluster",
    zones: list[tuple[str, int, int]] | None = None,
    wall: str = "PW",
) -> WavePlan:
    """Allocate, batch and route a wave (pure and deterministic for a given time budget).

    ``strategy``: ``cluster`` batches orders into tours (a tote per order); ``discrete`` makes one
    tour per order; ``zone`` splits every order's picks by the zone of their aisle (``zones``:
    name, first aisle, last aisle; aisles outside every zone form the zone '') and batches each
    zone apart, so a tour never leaves its zone; an order spanning zones is in one tour per zone
    and its tote travels zone to zone (hand-over, :func:`floor.waves.putwall.link_zones`); ``batch``
    batches as ``cluster`` but each tour picks SKU totals and is sorted at the put wall ``wall``
    (:func:`floor.waves.putwall.batch_wave`)."""
    picks = allocate(orders, free)
    if strategy == "zone":
        return _zone_wave(wave_id, orders, picks, gtins, layout, cart_capacity, tote_capacity, seconds, names,
                          zones or [])
    by_order: dict[str, list[Pick]] = {o.order_id: [] for o in orders}
    for pick in picks:
        by_order[pick[0].order_id].append(pick)
    if strategy == "discrete":
        return _wave_of(wave_id, orders, [([o], {o.order_id: 1}) for o in orders], by_order, gtins, layout, names)
    groups = _batch(orders, by_order, layout, cart_capacity, tote_capacity, seconds)
    if strategy == "batch":
        return batch_wave(wave_id, orders, groups, by_order, gtins, names, kernel_warehouse(layout), wall)
    return _wave_of(wave_id, orders, groups, by_order, gtins, layout, names)


def _batch(orders: list[Order], by_order: dict[str, list[Pick]], layout: Layout, cart_capacity: int,
           tote_capacity: int | None, seconds: float) -> list[tuple[list[Order], dict[str, int]]]:
    """Orders -> tours (members, tote of each member) by the batching kernel."""
    warehouse = kernel_warehouse(layout)
    # An order bigger than the cart is its own tour (it cannot share a cart).
    big = [o for o in orders if o.units > cart_capacity]
    small = [o for o in orders if o.units <= cart_capacity]
    groups: list[tuple[list[Order], dict[str, int]]] = [([o], {o.order_id: 1}) for o in big]
    if small:
        aisles, cells, quantities = [], [], []
        for order in small:
            positions = [_position(p[3]) for p in by_order[order.order_id]]
            aisles.append(np.array([a for a, _ in positions], dtype=np.int64))
            cells.append(np.array([c for _, c in positions], dtype=np.int64))
            quantities.append(np.array([p[4] for p in by_order[order.order_id]], dtype=np.int64))
        batches = plan_batches(
            warehouse, aisles, cells, quantities, cart_capacity,
            due=np.array([o.due or 2**40 for o in small], dtype=np.float64),
            priority=np.array([10 - o.priority for o in small], dtype=np.float64),  # kernels: larger = sooner
            tote_capacity=tote_capacity, method="ils" if len(small) > 1 else "fcfs", seconds=seconds,
        )
        for batch in batches:
            members = [small[int(i)] for i in batch.orders]
            groups.append((members, {o.order_id: int(t) + 1 for o, t in zip(members, batch.totes, strict=True)}))
    return groups


def _wave_of(wave_id: str, orders: list[Order], groups: list[tuple[list[Order], dict[str, int]]],
             by_order: dict[str, list[Pick]], gtins: dict[str, str], layout: Layout,
             names: dict[str, str] | None, prefix: str = "T", tasks: list[PlannedTask] | None = None,
             allocations: dict[tuple[str, str], int] | None = None) -> WavePlan:
    warehouse = kernel_warehouse(layout)
    tasks = [] if tasks is None else tasks
    allocations = {} if allocations is None else allocations
    for number, (members, totes) in enumerate(groups, start=1):
        tour = [p for o in members for p in by_order[o.order_id]]
        steps, _length = route_steps(warehouse, tour, totes, gtins, names)
        for _o, _l, sku, location, quantity in tour:
            allocations[(sku, location)] = allocations.get((sku, location), 0) + quantity
        tasks.append(PlannedTask(task_id=f"{wave_id}-{prefix}{number:02d}", steps=steps))
    return WavePlan(
        wave_id=wave_id,
        order_ids=[o.order_id for o in orders],
        tasks=tasks,
        allocations=[Allocation(s, loc, q) for (s, loc), q in sorted(allocations.items())],
    )


def _zone_wave(wave_id: str, orders: list[Order], picks: list[Pick], gtins: dict[str, str], layout: Layout,
               cart_capacity: int, tote_capacity: int | None, seconds: float, names: dict[str, str] | None,
               zones: list[tuple[str, int, int]]) -> WavePlan:
    """Zone picking: each zone's share of every order is batched and routed within the zone."""
    def zone_of(location: str) -> str:
        aisle = _position(location)[0] + 1
        return next((name for name, first, last in zones if first <= aisle <= last), "")

    parts: dict[str, dict[str, list[Pick]]] = {}
    for pick in picks:
        parts.setdefault(zone_of(pick[3]), {}).setdefault(pick[0].order_id, []).append(pick)
    tasks: list[PlannedTask] = []
    allocations: dict[tuple[str, str], int] = {}
    by_id = {o.order_id: o for o in orders}
    zone_of_task: dict[str, str] = {}
    for index, (zone, by_order) in enumerate(sorted(parts.items())):
        members = [msgspec.structs.replace(by_id[oid], units=sum(p[4] for p in ps)) for oid, ps in by_order.items()]
        groups = _batch(members, by_order, layout, cart_capacity, tote_capacity, seconds / max(len(parts), 1))
        _wave_of(wave_id, orders, groups, by_order, gtins, layout, names, f"Z{index + 1}T", tasks, allocations)
        zone_of_task.update({task.task_id: zone for task in tasks if task.task_id not in zone_of_task})
    tasks = link_zones(wave_id, tasks, zone_of_task)  # an order spanning zones: its tote travels
    return WavePlan(wave_id=wave_id, order_ids=[o.order_id for o in orders], tasks=tasks,
                    allocations=[Allocation(s, loc, q) for (s, loc), q in sorted(allocations.items())])


def warm_up() -> None:
    """Compile (or load from numba's cache) every kernel wave planning uses; call at process start."""
    from kernels.batching import warm_up as warm_batching

    warm_batching()
