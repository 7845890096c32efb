"""Release policies, pure: checks, ship-by from cut-offs, cut-off release, late risk, grouping."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import msgspec
import numpy as np
import pytest

from floor.orders.model import Order, OrderLine
from floor.waves.policy import (
    CarrierRule,
    Cutoff,
    ReleasePolicy,
    check_policy,
    due_now,
    group_key,
    late,
    profile,
    ship_by,
    team_rate,
)
from floor.waves.tours import form_tours, tiers
from kernels.layout import Warehouse

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(hour: int, minute: int = 0) -> int:
    return int(datetime(2026, 12, 3, hour, minute, tzinfo=SHANGHAI).timestamp())


def order(order_id: str, units: int = 2, channel: str = "jd", due: int | None = None, priority: int = 5,
          received: int = 0, carrier: str = "") -> Order:
    lines = [OrderLine("A", 1)] * units if units > 1 else [OrderLine("A", 1)]
    return Order(order_id, "W1", channel, order_id, "reserved", lines[:units], priority, due,
                 created_ms=(received or at(9)) * 1000, units=units, carrier=carrier)


def test_check_policy_names_every_problem() -> None:
    bad = ReleasePolicy(mode="sometimes", group_by=["colour", "channel", "channel"], budget_ms=1, unit_seconds=0.5)
    problems = "; ".join(check_policy(bad))
    for word in ("mode", "colour", "twice", "budget_ms", "unit_seconds"):
        assert word in problems
    assert "cut-off" in "; ".join(check_policy(ReleasePolicy(mode="cutoff")))
    assert check_policy(ReleasePolicy(mode="cutoff", cutoffs=[Cutoff("12:00")])) == []
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(b'{"mode":"cutoff","cutoffs":[{"at":"25:00"}]}', type=ReleasePolicy)


def test_ship_by_is_due_or_the_next_channel_cutoff_minus_lead() -> None:
    policy = ReleasePolicy(mode="cutoff", lead_minutes=30,
                           cutoffs=[Cutoff("12:00"), Cutoff("17:00"), Cutoff("10:00", channel="tmall")])
    tz = "Asia/Shanghai"
    assert ship_by(order("a", received=at(9)), policy, tz) == at(11, 30)
    assert ship_by(order("b", received=at(12, 1)), policy, tz) == at(16, 30)
    assert ship_by(order("c", channel="tmall", received=at(9)), policy, tz) == at(9, 30)
    late_evening = ship_by(order("d", received=at(18)), policy, tz)
    assert late_evening == at(11, 30) + 24 * 3600  # tomorrow's first cut-off
    assert ship_by(order("e", due=at(15)), policy, tz) == at(14, 30)
    assert ship_by(order("f"), ReleasePolicy(), tz) is None


def test_due_now_releases_just_enough_to_make_the_cutoffs() -> None:
    policy = ReleasePolicy(mode="cutoff", cutoffs=[Cutoff("12:00")], early_minutes=0)
    rate = 1 / 60  # one unit a minute
    rows = [(order(f"o{i}", units=10), at(12)) for i in range(3)] + [(order("later", units=10), at(17))]
    # at 11:00 there are 60 minutes left: 30 units of the 12:00 orders take 30 min: not yet
    assert due_now(rows, 0, rate, at(11), policy)[0] == []
    # at 11:35 they take until 12:05: all three are due (the later one is not)
    chosen, earliest = due_now(rows, 0, rate, at(11, 35), policy)
    assert [o.order_id for o in chosen] == ["o0", "o1", "o2"] and earliest == at(12)
    # a backlog of 20 units already released pushes the decision earlier
    assert len(due_now(rows, 20, rate, at(11, 15), policy)[0]) == 3


def test_late_lists_orders_that_miss_ship_by_at_the_rate() -> None:
    rows = [("a", 10, at(12)), ("b", 10, at(12)), ("c", 10, None)]
    assert late(rows, 1 / 60, at(11, 45), 0) == [("b", at(12, 5), at(12))]
    assert [r[0] for r in late(rows, 1 / 60, at(11, 45), 600)] == ["a", "b"]


def test_grouping_rate_and_tours() -> None:
    policy = ReleasePolicy(group_by=["profile", "channel"])
    assert profile(order("s", units=1)) == "single" and profile(order("m", units=3)) == "multi"
    assert group_key(order("s", units=1, channel="tmall"), policy) == ("single", "tmall")
    assert team_rate(0, 900, 4, ReleasePolicy(unit_seconds=20)) == pytest.approx(0.2)
    assert team_rate(900, 900, 4, ReleasePolicy(unit_seconds=20)) == pytest.approx(1.0)


def test_wave_strategy_sends_single_unit_groups_to_pick_and_sort() -> None:
    from floor.waves.policy import wave_strategy

    both = ReleasePolicy(group_by=["channel", "profile"], strategy="batch")
    assert wave_strategy(("tmall", "single"), both) == "batch"
    assert wave_strategy(("tmall", "multi"), both) == "cluster"
    assert wave_strategy(("tmall",), ReleasePolicy(group_by=["channel"], strategy="batch")) == "batch"
    assert wave_strategy(("single",), ReleasePolicy(group_by=["profile"], strategy="zone")) == "zone"
    assert check_policy(ReleasePolicy(strategy="batch")) == []
    assert check_policy(ReleasePolicy(strategy="sorted")) != []
    assert group_key(order("c", carrier="SF_STD"), ReleasePolicy(group_by=["carrier"])) == ("SF_STD",)
    assert group_key(order("c"), ReleasePolicy(group_by=["carrier"])) == ("-",)


def test_ship_by_comes_from_the_carrier_pickup_then_the_channel() -> None:
    tz = "Asia/Shanghai"
    policy = ReleasePolicy(mode="cutoff", lead_minutes=30, cutoffs=[
        Cutoff("12:00", carrier="SF"), Cutoff("17:00", carrier="SF"), Cutoff("11:00", carrier="JD_STD"),
        Cutoff("16:00")], carrier_rules=[CarrierRule("jd", "JD_STD")])
    assert check_policy(policy) == []
    assert ship_by(order("sf", carrier="SF_ECO", received=at(12, 10)), policy, tz) == at(16, 30)  # SF covers SF_ECO
    assert ship_by(order("rule", channel="jd", received=at(9)), policy, tz) == at(10, 30)  # channel's carrier rule
    assert ship_by(order("own", channel="tmall", carrier="JD_STD", received=at(9)), policy, tz) == at(10, 30)
    # a service without a cut-off in the policy: the shipping catalogue's (EMS_STD picks up at 16:00)
    assert ship_by(order("ems", channel="tmall", carrier="EMS_STD", received=at(9)), policy, tz) == at(15, 30)
    assert ship_by(order("none", channel="tmall", received=at(9)), policy, tz) == at(15, 30)  # the channel's 16:00
    # an order that missed its pick-up is worked for the next one it can still make
    missed = order("m", carrier="SF_STD", received=at(9))
    assert ship_by(missed, policy, tz) == at(11, 30)
    assert ship_by(missed, policy, tz, now_s=at(11, 40)) == at(16, 30)
    assert ship_by(missed, policy, tz, now_s=at(17)) == at(11, 30) + 24 * 3600
    bad = ReleasePolicy(mode="cutoff", cutoffs=[Cutoff("12:00", carrier="NOPE")], carrier_rules=[CarrierRule("jd", "X")])
    assert "'NOPE'" in "; ".join(check_policy(bad)) and "'X'" in "; ".join(check_policy(bad))


def test_tours_go_by_due_then_priority_then_batching_gain() -> None:
    w = Warehouse(n_aisles=10, n_cells=20)
    near = order("near", received=at(9, 5))  # shares the seed's aisle
    far = order("far", received=at(9, 1))  # older, same tier, aisle 9
    seed = order("seed", received=at(8))
    later = order("later", received=at(7))  # oldest, but due later: never before the 11:30 tier
    urgent_p1 = order("p1", priority=1, received=at(9, 30))
    rows = [(urgent_p1, at(11, 30)), (seed, at(11, 30)), (far, at(11, 30)), (near, at(11, 30)), (later, at(16, 30))]
    picks = {"seed": ([1, 1], [2, 5]), "near": ([1, 1], [3, 4]), "far": ([9, 9], [10, 12]), "later": ([1, 1], [6, 7]),
             "p1": ([5, 5], [0, 1])}
    arrays = {k: (np.array(a), np.array(c)) for k, (a, c) in picks.items()}
    assert [len(t) for t in tiers(rows, 900)] == [1, 3, 1]  # (11:30, p1), (11:30, p5), (16:30, p5)
    tours = form_tours(rows, arrays, w, 2, 6, 900)
    assert [[o.order_id for o in t.orders] for t in tours] == [["p1", "near", "seed"], ["far", "later"]]
    first = tours[0].ranked
    assert [r.rule for r in first] == ["seed", "gain", "gain"] and first[0].order_id == "p1"
    assert first[2].added_m < first[2].alone_m  # near shares the seed's aisle: its gain is recorded
    assert tours[0].length <= tours[0].alone
    # one cart: the tier's order that adds the fewest metres wins over the older one
    assert [o.order_id for o in form_tours(rows[1:4], arrays, w, 1, 4, 900)[0].orders] == ["seed", "near"]
    big = form_tours([(order("big", units=9), None)], {}, w, 1, 8, 900)
    assert [o.order_id for o in big[0].orders] == ["big"]
