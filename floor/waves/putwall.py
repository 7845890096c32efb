"""Pick strategies of issue 11 beyond cluster picking (pure): batch pick-and-sort and zone hand-over.

**Batch pick-and-sort.** Orders (mostly single-unit) are batched into tours as cluster picking
does, but a tour picks SKU *totals* into one batch tote: one step per (SKU, location), no order
on it (``order_id`` ''). Each tour has its put-wall sort task (kind ``sort``), held until the tour
is picked: one step per (order, line) with ``location`` = the wall slot label of the order
(``<wall>-<nn>``, slot = ``tote``). The tour's task carries ``batch`` = its sort task id (scan.lua
then fills the tote instead of crediting orders); the sort task carries ``tour``. Orders are
credited by the sort scans (``floor/sorting``).

**Zone hand-over.** After zone tours are planned (:func:`floor.waves.optimal.plan_optimal_wave`),
every order whose picks span zones travels in one tote zone to zone, in zone order: the tour of
zone k hands the tote over to the order's tour in the next zone (``handout`` entries), and that
tour is held (``waits`` = totes it receives) and starts by scanning each received tote
(``handin``). The tote's label is ``TOTE-<4 hex of the wave><nnn>`` (written on the tote in the first zone,
or the label bound there when the site scans totes).

The caller commits the returned plan with ``release_wave.lua`` (task kind, waits and fields).
"""

from __future__ import annotations

import zlib

import msgspec
import numpy as np

from floor.layout.model import parse_location
from floor.orders.model import Order
from floor.picking.model import Step
from floor.waves.model import Allocation, PlannedTask, WavePlan
from kernels.layout import Warehouse
from kernels.routing import plan_route

Pick = tuple[Order, int, str, str, int]  # (order, line index, sku, location, quantity)


def _route(warehouse: Warehouse, locations: list[str]) -> list[int]:
    positions = []
    for location in locations:
        parsed = parse_location(location)
        assert parsed is not None, location
        positions.append((parsed.aisle - 1, parsed.cell - 1))
    route = plan_route(warehouse, np.array([a for a, _ in positions], dtype=np.int64),
                       np.array([c for _, c in positions], dtype=np.int64))
    return [int(i) for i in route.order]


def batch_tasks(wave_id: str, number: int, members: list[Order], by_order: dict[str, list[Pick]],
                gtins: dict[str, str], names: dict[str, str], warehouse: Warehouse, wall: str) -> list[PlannedTask]:
    """One batch tour (SKU totals, routed) and its held put-wall sort task (a slot per order)."""
    tour_id, sort_id = f"{wave_id}-B{number:02d}", f"{wave_id}-S{number:02d}"
    totals: dict[tuple[str, str], int] = {}
    lines: dict[tuple[str, int], tuple[str, int]] = {}  # (order, line) -> (sku, units)
    for order in members:
        for _o, line, sku, location, quantity in by_order[order.order_id]:
            totals[(sku, location)] = totals.get((sku, location), 0) + quantity
            known = lines.get((order.order_id, line), (sku, 0))
            lines[(order.order_id, line)] = (sku, known[1] + quantity)
    keys = list(totals)
    steps = [Step(location=location, sku=sku, gtin=gtins[sku], quantity=totals[(sku, location)], order_id="",
                  line=0, tote=1, name=names.get(sku, ""))
             for sku, location in (keys[i] for i in _route(warehouse, [loc for _s, loc in keys]))]
    slot_of = {o.order_id: n for n, o in enumerate(members, start=1)}
    sort_steps = [Step(location=f"{wall}-{slot_of[order_id]:02d}", sku=sku, gtin=gtins[sku], quantity=units,
                       order_id=order_id, line=line, tote=slot_of[order_id], name=names.get(sku, ""))
                  for (order_id, line), (sku, units) in lines.items()]
    return [PlannedTask(tour_id, steps, fields={"batch": sort_id}),
            PlannedTask(sort_id, sort_steps, kind="sort", waits=1, fields={"tour": tour_id, "wall": wall})]


def batch_wave(wave_id: str, orders: list[Order], groups: list[tuple[list[Order], dict[str, int]]],
               by_order: dict[str, list[Pick]], gtins: dict[str, str], names: dict[str, str] | None,
               warehouse: Warehouse, wall: str) -> WavePlan:
    """Pick-and-sort: each batch of orders (``groups``, from the batching kernel) -> tour + sort task."""
    tasks: list[PlannedTask] = []
    allocations: dict[tuple[str, str], int] = {}
    for number, (members, _totes) in enumerate(groups, start=1):
        tasks += batch_tasks(wave_id, number, members, by_order, gtins, names or {}, warehouse, wall)
        for order in members:
            for _o, _l, sku, location, quantity in by_order[order.order_id]:
                allocations[(sku, location)] = allocations.get((sku, location), 0) + quantity
    return WavePlan(wave_id=wave_id, order_ids=[o.order_id for o in orders], tasks=tasks,
                    allocations=[Allocation(s, loc, q) for (s, loc), q in sorted(allocations.items())])


def link_zones(wave_id: str, tasks: list[PlannedTask], zone_of_task: dict[str, str]) -> list[PlannedTask]:
    """Zone hand-over: an order with tours in several zones travels in one tote, zone after zone
    (zones in name order). Returns the tasks with ``handout`` / ``handin`` fields and ``waits``."""
    tours_of: dict[str, list[tuple[str, int]]] = {}  # order -> [(task id, tote position)] in zone order
    for task in sorted(tasks, key=lambda t: (zone_of_task[t.task_id], t.task_id)):
        for step in task.steps:
            tours = tours_of.setdefault(step.order_id, [])
            if not tours or tours[-1][0] != task.task_id:
                tours.append((task.task_id, step.tote))
    tag = f"{zlib.crc32(wave_id.encode()) & 0xFFFF:04X}"
    handout: dict[str, list[dict[str, object]]] = {}
    handin: dict[str, list[dict[str, object]]] = {}
    number = 0
    for order_id, tours in tours_of.items():
        if len(tours) < 2:
            continue
        number += 1
        label = f"TOTE-{tag}{number:03d}"
        for (source, position), (target, target_position) in zip(tours, tours[1:], strict=False):
            handout.setdefault(source, []).append({"order_id": order_id, "tote": label, "position": position,
                                                   "task": target, "zone": zone_of_task[target]})
            handin.setdefault(target, []).append({"order_id": order_id, "tote": label, "position": target_position,
                                                  "zone": zone_of_task[source]})
    linked = []
    for task in tasks:
        fields = dict(task.fields)
        if task.task_id in handout:
            fields["handout"] = msgspec.json.encode(handout[task.task_id]).decode()
        if task.task_id in handin:
            fields["handin"] = msgspec.json.encode(handin[task.task_id]).decode()
        linked.append(msgspec.structs.replace(task, fields=fields, waits=len(handin.get(task.task_id, []))))
    return linked

