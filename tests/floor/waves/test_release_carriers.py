"""Release by carrier on a real Redis: the carrier an order names (or its channel's rule) sets its
ship-by from that carrier's pick-up; a free picker under continuous release at a peak gets the most
urgent orders, chosen among equals by batching gain; cut-off release works per carrier and groups
waves by carrier (Odoo 287621: carrier ignored)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest

from floor.core.clock import DEFAULT_TIME_ZONE, zone
from floor.core.errors import ValidationError
from floor.floor import Floor
from floor.orders.model import NewOrder, OrderLine
from floor.waves.policy import CarrierRule, Cutoff, ReleasePolicy, carrier_of


def local_hhmm(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).astimezone(zone(DEFAULT_TIME_ZONE)).strftime("%H:%M")


async def skus_of(floor: Floor, w: str) -> list[str]:
    orders = await floor.orders.store.many(w, await floor.orders.store.reserved_ids(w, 20))
    return sorted({line.sku for o in orders for line in o.lines})


async def intake(floor: Floor, w: str, name: str, sku: str, carrier: str = "", channel: str = "tmall") -> str:
    _repeat, order = await floor.orders.intake(w, NewOrder(channel, name, [OrderLine(sku, 1)], carrier=carrier))
    assert order.status == "reserved" and order.carrier == carrier
    return order.order_id


async def test_carrier_is_an_optional_field_of_an_order(small_demo: Floor, warehouse: str) -> None:
    floor, w = small_demo, warehouse
    sku = (await skus_of(floor, w))[0]
    order_id = await intake(floor, w, "c-1", sku, carrier="SF_STD")
    assert (await floor.orders.get(w, order_id)).carrier == "SF_STD"
    old = (await floor.orders.store.many(w, await floor.orders.store.reserved_ids(w, 1)))[0]
    assert old.carrier == ""  # orders written before the field (or without a carrier) read as none
    assert carrier_of(old, ReleasePolicy(carrier_rules=[CarrierRule(old.channel, "ZTO_STD")])) == "ZTO_STD"
    before = await floor.orders.store.count(w, "orders_reserved")
    with pytest.raises(ValidationError, match="unknown carrier"):
        await floor.orders.intake(w, NewOrder("tmall", "c-2", [OrderLine(sku, 1)], carrier="NOPE"))
    assert await floor.orders.store.count(w, "orders_reserved") == before  # refused: nothing written


async def test_continuous_peak_gives_a_free_picker_the_most_urgent_orders(small_demo: Floor, warehouse: str) -> None:
    floor, w = small_demo, warehouse
    skus = await skus_of(floor, w)
    now = time.time()
    # peak: 20 orders waiting for the evening pick-up, 5 newer ones (EMS) whose pick-up is in 40 minutes
    urgent = []
    for n in range(5):  # 2 ms apart: arrival (created_ms, whole milliseconds) orders them, not chance
        urgent.append(await intake(floor, w, f"ems-{n}", skus[n], carrier="EMS_STD"))
        await asyncio.sleep(0.002)
    policy = ReleasePolicy(mode="continuous", lead_minutes=0, cart_capacity=4, tie_minutes=15, budget_ms=200,
                           cutoffs=[Cutoff(local_hhmm(now + 40 * 60), carrier="EMS"),
                                    Cutoff(local_hhmm(now + 5 * 3600))])
    await floor.release.set_policy(w, policy, "sup", 0)
    picker = f"{w}p1"
    await floor.picking.join(w, picker, "sock-1", 60_000)
    assert await floor.picking.assign(w, picker) == ""  # idle, nothing ready
    decisions = await floor.release.tick(w)
    assert len(decisions) == 1
    decision = decisions[0]
    assert set(decision.orders) <= set(urgent) and len(decision.orders) == 4  # one cart, all from the EMS tier
    ranking = decision.ranking
    assert [r.rule for r in ranking] == ["seed", "gain", "gain", "gain"]
    assert ranking[0].order_id == urgent[0]  # the oldest of the most urgent tier seeds the tour
    assert {r.ship_by for r in ranking} == {decision.earliest_ship_by}
    assert all(r.added_m <= r.alone_m + 1e-6 for r in ranking[1:])  # what each adds, against alone
    assert "then batching gain" in decision.reason
    stored = (await floor.release.decisions(w))[0]
    assert stored.ranking == ranking  # the why is kept with the decision
    task_id = await floor.picking.assign(w, picker)
    task = await floor.picking.task(w, task_id)
    assert {s.order_id for s in task.steps} == set(decision.orders)  # the free picker holds them now


async def test_cutoff_per_carrier_and_waves_grouped_by_carrier(small_demo: Floor, warehouse: str) -> None:
    floor, w = small_demo, warehouse
    skus = await skus_of(floor, w)
    demo = await floor.orders.store.many(w, await floor.orders.store.reserved_ids(w, 20))
    demo_jd = [o.order_id for o in demo if o.channel == "jd"]  # the channel rule gives them JD too
    now = time.time()
    sf = [await intake(floor, w, f"sf-{n}", skus[n], carrier="SF_STD") for n in range(3)]
    jd = [await intake(floor, w, f"jd-{n}", skus[3 + n], channel="jd") for n in range(2)]  # JD by the channel rule
    zto = [await intake(floor, w, f"zto-{n}", skus[5 + n], carrier="ZTO_STD") for n in range(3)]
    soon, late = local_hhmm(now + 25 * 60), local_hhmm(now + 9 * 3600)
    policy = ReleasePolicy(mode="cutoff", lead_minutes=0, early_minutes=10, unit_seconds=60, group_by=["carrier"],
                           cutoffs=[Cutoff(soon, carrier="SF"), Cutoff(soon, carrier="JD_STD"),
                                    Cutoff(late, carrier="ZTO_STD"), Cutoff(late)],
                           carrier_rules=[CarrierRule("jd", "JD_STD")])
    await floor.release.set_policy(w, policy, "sup", 0)
    await floor.picking.join(w, f"{w}p1", "sock-1", 60_000)
    decisions = await floor.release.tick(w)
    assert len(decisions) == 1 and "cut-off" in decisions[0].reason
    # SF and JD pick up in 25 minutes: due now; ZTO (and the other demo orders, evening) can wait
    assert sorted(decisions[0].orders) == sorted(sf + jd + demo_jd)
    assert [o.status for o in await floor.orders.store.many(w, zto)] == ["reserved"] * 3
    by_wave = {}
    for wave_id in decisions[0].waves:
        wave = await floor.waves.get(w, wave_id)
        orders = await floor.orders.store.many(w, wave.orders)
        by_wave[wave_id] = {carrier_of(o, policy) for o in orders}
    assert sorted(tuple(c) for c in by_wave.values()) == [("JD_STD",), ("SF_STD",)]  # one carrier per wave
    assert "group SF_STD" in decisions[0].reason or "group JD_STD" in decisions[0].reason
