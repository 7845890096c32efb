"""Release grouped by product category and by zone (issue 11) on a real Redis: the category is SKU
master data (skus.csv ``category``), the zone is where the order's units would be picked (the
layout's zones over aisles); every released wave holds orders of one group only."""

from __future__ import annotations

import json
import time

from floor.floor import Floor
from floor.layout.model import parse_location
from floor.orders.model import NewOrder, OrderLine
from floor.store import keys
from floor.waves.model import WaveView
from floor.waves.policy import Cutoff, ReleasePolicy, group_key
from tests.floor.waves.test_release_carriers import local_hhmm, skus_of


def cutoff_now(group_by: list[str]) -> ReleasePolicy:
    """Everything reserved is due in 25 minutes: one cut-off decision releases it all, grouped."""
    return ReleasePolicy(mode="cutoff", lead_minutes=0, early_minutes=10, unit_seconds=60, group_by=group_by,
                         cutoffs=[Cutoff(local_hhmm(time.time() + 25 * 60))])


async def release_all(floor: Floor, w: str, policy: ReleasePolicy) -> list[WaveView]:
    await floor.release.set_policy(w, policy, "sup", 0)
    await floor.picking.join(w, f"{w}p1", "sock-1", 60_000)
    decisions = await floor.release.tick(w)
    assert len(decisions) == 1
    return [await floor.waves.get(w, wave_id) for wave_id in decisions[0].waves]


def test_group_key_reads_zone_and_category_from_what_the_caller_placed() -> None:
    from floor.orders.model import Order

    order = Order(order_id="o", warehouse="W", channel="tmall", external_id="x", status="reserved",
                  lines=[OrderLine("A", 1)], priority=5, due=None)
    policy = ReleasePolicy(group_by=["category", "zone", "channel"])
    assert group_key(order, policy) == ("-", "-", "tmall")
    assert group_key(order, policy, {"category": "CUPS", "zone": "FAST+SLOW"}) == ("CUPS", "FAST+SLOW", "tmall")


async def test_waves_grouped_by_category(small_demo: Floor, warehouse: str) -> None:
    floor, w = small_demo, warehouse
    skus = await skus_of(floor, w)
    cups, tea = skus[:3], skus[3:6]
    for sku in cups:
        await floor.client.hset(keys.key(w, "sku_attrs", sku), "category", "CUPS")
    for sku in tea:
        await floor.client.hset(keys.key(w, "sku_attrs", sku), "category", "TEA")
    mine = {}
    for n, sku in enumerate(cups + tea):
        _r, order = await floor.orders.intake(w, NewOrder("tmall", f"cat-{n}", [OrderLine(sku, 1)]))
        mine[order.order_id] = "CUPS" if sku in cups else "TEA"
    _r, mixed = await floor.orders.intake(w, NewOrder("tmall", "cat-mixed", [OrderLine(cups[0], 1), OrderLine(tea[0], 1)]))
    mine[mixed.order_id] = "CUPS+TEA"
    waves = await release_all(floor, w, cutoff_now(["category"]))
    category = {**{sku: "CUPS" for sku in cups}, **{sku: "TEA" for sku in tea}}
    released = [o for wave in waves for o in wave.orders]
    assert set(mine) <= set(released)
    for wave in waves:  # one category (or one mix) per wave, read from each order's own lines
        labels = {"+".join(sorted({category[line.sku] for line in order.lines if line.sku in category})) or "-"
                  for order in await floor.orders.store.many(w, wave.orders)}
        assert len(labels) == 1, labels
    cats = {mine[o] for o in released if o in mine}
    assert cats == {"CUPS", "TEA", "CUPS+TEA"}


async def test_waves_grouped_by_zone(small_demo: Floor, warehouse: str) -> None:
    floor, w = small_demo, warehouse
    layout = await floor.layouts.get(w)
    half = max(1, layout.aisles // 2)
    zones = [{"name": "FAST", "first_aisle": 1, "last_aisle": half},
             {"name": "SLOW", "first_aisle": half + 1, "last_aisle": layout.aisles}]
    await floor.client.hset(keys.key(w, "site"), "zones", json.dumps(zones))
    waves = await release_all(floor, w, cutoff_now(["zone"]))
    await floor.client.hdel(keys.key(w, "site"), "zones")
    assert len(waves) >= 2  # the demo's orders are spread over both halves of the floor

    def zone_of(location: str) -> str:
        parsed = parse_location(location)
        assert parsed is not None
        return "FAST" if parsed.aisle <= half else "SLOW"

    keys_seen = set()
    for wave in waves:
        wave_zones: set[str] = set()
        by_order: dict[str, set[str]] = {}
        for task_id in wave.tasks:
            for step in (await floor.picking.task(w, task_id)).steps:
                by_order.setdefault(step.order_id, set()).add(zone_of(step.location))
        for found in by_order.values():
            wave_zones.add("+".join(sorted(found)))
        assert len(wave_zones) == 1, wave_zones  # every order of the wave is picked from the same zone(s)
        keys_seen |= wave_zones
    assert {"FAST", "SLOW"} <= keys_seen
