"""Pure wave planning: allocation, split, walk order."""

from __future__ import annotations

import pytest

from floor.core.errors import InsufficientStockError, ValidationError
from floor.layout.model import Layout, parse_location
from floor.orders.model import Order, OrderLine
from floor.waves.serpentine import allocate, plan_wave, split_orders


def order(order_id: str, *lines: tuple[str, int], priority: int = 5) -> Order:
    return Order(order_id=order_id, warehouse="W1", channel="jd", external_id=order_id, status="reserved",
                 lines=[OrderLine(s, q) for s, q in lines], priority=priority, due=None,
                 units=sum(q for _, q in lines))


def test_allocation_takes_fullest_location_first_and_splits() -> None:
    free = {"A": {"W1-A01-C01": 2, "W1-A02-C01": 5}}
    picks = allocate([order("o1", ("A", 6))], free)
    assert [(p[3], p[4]) for p in picks] == [("W1-A02-C01", 5), ("W1-A01-C01", 1)]
    assert free["A"] == {"W1-A01-C01": 1, "W1-A02-C01": 0}
    with pytest.raises(InsufficientStockError):
        allocate([order("o2", ("A", 2))], free)


def test_split_orders_balances_units_and_keeps_urgent_first() -> None:
    orders = [order(f"o{i}", ("A", 1), priority=9 - i % 3) for i in range(9)]
    groups = split_orders(orders, 3)
    assert [len(g) for g in groups] == [3, 3, 3]
    assert all(o.priority == 7 for o in groups[0])
    assert [len(g) for g in split_orders(orders[:2], 5)] == [1, 1]
    assert [len(g) for g in split_orders(orders, 4)] == [3, 2, 2, 2]
    with pytest.raises(ValidationError):
        split_orders(orders, 0)


def test_plan_wave_steps_follow_the_serpentine_and_cover_every_unit() -> None:
    layout = Layout("W1", aisles=5, cells=10)
    free = {"A": {"W1-A03-C02": 9}, "B": {"W1-A01-C09": 9}, "C": {"W1-A03-C08": 9}, "D": {"W1-A02-C05": 9}}
    gtins = {s: f"0000000000000{i}" for i, s in enumerate("ABCD")}
    orders = [order("o1", ("A", 1), ("B", 2)), order("o2", ("C", 1), ("D", 3))]
    plan = plan_wave("w", orders, free, gtins, layout, pickers=1)
    steps = plan.tasks[0].steps
    assert [s.location for s in steps] == ["W1-A01-C09", "W1-A02-C05", "W1-A03-C02", "W1-A03-C08"]
    assert sum(s.quantity for s in steps) == 7 and {s.tote for s in steps} == {1, 2}
    assert sorted((a.sku, a.quantity) for a in plan.allocations) == [("A", 1), ("B", 2), ("C", 1), ("D", 3)]
    layout.check_location(steps[0].location)
    assert parse_location("nope") is None
    with pytest.raises(ValidationError):
        layout.check_location("W1-A09-C01")
