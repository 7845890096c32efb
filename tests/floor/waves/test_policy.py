"""Release policies, pure: checks, ship-by from cut-offs, cut-off release, late risk, grouping."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import msgspec
import pytest

from floor.orders.model import Order, OrderLine
from floor.waves.policy import (
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
from floor.waves.release import _tours

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(hour: int, minute: int = 0) -> int:
    return int(datetime(2026, 12, 3, hour, minute, tzinfo=SHANGHAI).timestamp())


def order(order_id: str, units: int = 2, channel: str = "jd", due: int | None = None, priority: int = 5,
          received: int = 0) -> Order:
    lines = [OrderLine("A", 1)] * units if units > 1 else [OrderLine("A", 1)]
    return Order(order_id, "W1", channel, order_id, "reserved", lines[:units], priority, due,
                 created_ms=(received or at(9)) * 1000, units=units)


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
    rows = [(order(f"o{i}", units=4), None) for i in range(6)] + [(order("big", units=9), None)]
    chosen = _tours(rows, 2, 8)
    assert [o.order_id for o in chosen] == ["o0", "o1", "o2", "o3"]
    assert [o.order_id for o in _tours([(order("big", units=9), None)], 1, 8)] == ["big"]


def test_wave_strategy_sends_single_unit_groups_to_pick_and_sort() -> None:
    from floor.waves.policy import wave_strategy

    both = ReleasePolicy(group_by=["channel", "profile"], strategy="batch")
    assert wave_strategy(("tmall", "single"), both) == "batch"
    assert wave_strategy(("tmall", "multi"), both) == "cluster"
    assert wave_strategy(("tmall",), ReleasePolicy(group_by=["channel"], strategy="batch")) == "batch"
    assert wave_strategy(("single",), ReleasePolicy(group_by=["profile"], strategy="zone")) == "zone"
    assert check_policy(ReleasePolicy(strategy="batch")) == []
    assert check_policy(ReleasePolicy(strategy="sorted")) != []
