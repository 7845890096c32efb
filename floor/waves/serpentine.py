"""The baseline planner: most urgent orders split evenly between pickers, picks in serpentine order.

Pure: given the orders, the free stock per location and the layout, it allocates every unit to a
location (fullest first) and groups the picks into tasks whose steps follow the layout's walk
order. :mod:`floor.waves.optimal` replaces the grouping and the order with the kernels.
"""

from __future__ import annotations

from floor.core.errors import InsufficientStockError, ValidationError
from floor.layout.model import Layout, parse_location
from floor.orders.model import Order
from floor.picking.model import Step
from floor.waves.model import Allocation, PlannedTask, WavePlan


def allocate(
    orders: list[Order], free: dict[str, dict[str, int]]
) -> list[tuple[Order, int, str, str, int]]:
    """Allocate each order line to locations: ``(order, line_index, sku, location, quantity)``.

    ``free`` maps sku -> location -> units on hand not yet allocated to a task; it is updated
    in place. Each line takes the fullest location first (fewest splits). Raises
    InsufficientStockError when the locations cannot cover a reserved line (stock moved since).
    """
    picks: list[tuple[Order, int, str, str, int]] = []
    for order in orders:
        for index, line in enumerate(order.lines):
            need = line.quantity
            locations = free.get(line.sku, {})
            for location in sorted(locations, key=lambda loc: (-locations[loc], loc)):
                if need == 0:
                    break
                take = min(need, locations[location])
                if take <= 0:
                    continue
                locations[location] -= take
                need -= take
                picks.append((order, index, line.sku, location, take))
            if need:
                raise InsufficientStockError(
                    f"order {order.order_id}: {need} units of {line.sku} have no free pick location"
                )
    return picks


def split_orders(orders: list[Order], pickers: int) -> list[list[Order]]:
    """Split orders into ``min(pickers, len(orders))`` contiguous groups, most urgent first.

    Groups differ in size by at most one order (the batching kernel replaces this baseline).
    """
    if pickers < 1:
        raise ValidationError("a wave needs at least one picker")
    ranked = sorted(orders, key=lambda o: (o.priority, o.due or 2**62, o.created_ms, o.order_id))
    groups = min(pickers, len(ranked))
    size, extra = divmod(len(ranked), groups) if groups else (0, 0)
    result, start = [], 0
    for index in range(groups):
        end = start + size + (1 if index < extra else 0)
        result.append(ranked[start:end])
        start = end
    return result


def plan_wave(
    wave_id: str,
    orders: list[Order],
    free: dict[str, dict[str, int]],
    gtins: dict[str, str],
    layout: Layout,
    pickers: int,
    names: dict[str, str] | None = None,
) -> WavePlan:
    """Split, allocate and order the picks of a wave (pure)."""
    if not orders:
        raise ValidationError("no reserved orders to release")
    tasks: list[PlannedTask] = []
    allocations: dict[tuple[str, str], int] = {}
    for number, group in enumerate(split_orders(orders, pickers), start=1):
        picks = allocate(group, free)
        totes = {order.order_id: tote for tote, order in enumerate(group, start=1)}
        positions = []
        for _order, _index, _sku, location, _qty in picks:
            parsed = parse_location(location)
            assert parsed is not None
            positions.append((parsed.aisle, parsed.cell))
        steps = []
        for pick_index in layout.walk_order(positions):
            order, line, sku, location, quantity = picks[pick_index]
            steps.append(
                Step(
                    location=location,
                    sku=sku,
                    gtin=gtins[sku],
                    quantity=quantity,
                    order_id=order.order_id,
                    line=line,
                    tote=totes[order.order_id],
                    name=(names or {}).get(sku, ""),
                )
            )
            allocations[(sku, location)] = allocations.get((sku, location), 0) + quantity
        tasks.append(PlannedTask(task_id=f"{wave_id}-T{number:02d}", steps=steps))
    return WavePlan(
        wave_id=wave_id,
        order_ids=[o.order_id for o in orders],
        tasks=tasks,
        allocations=[Allocation(s, loc, q) for (s, loc), q in sorted(allocations.items())],
    )
