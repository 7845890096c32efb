"""The issue's concurrency test: 6 channels x 50 concurrent writers order the same SKUs against
limited stock in three warehouses (real Redis, the stock push worker running meanwhile, duplicates
of the same platform order sent concurrently). Afterwards: nothing oversold, the ledger re-derives
every counter, every accepted order is fully reserved or explicitly backordered, and every
channel's last pushed quantity equals its final available-to-sell."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator

import pytest

from floor.availability.model import ChannelProfile, Listing
from floor.floor import Floor
from floor.jobs.stock_push import run
from tests.floor.availability.standins import SECRET, TOKEN, Platforms
from tests.floor.oms_setup import CHENGDU, GUANGZHOU, SHANGHAI, order, rule_set, stock_warehouse

CHANNELS = ("taobao", "jd", "pinduoduo", "douyin", "shopify", "own_site")
SKUS = ["S1", "S2", "S3"]


@pytest.fixture
def platforms() -> Iterator[Platforms]:
    p = Platforms()
    yield p
    p.stop()


async def test_six_channels_fifty_writers_each(floor: Floor, warehouse: str, platforms: Platforms) -> None:
    a, b, c = f"{warehouse}A", f"{warehouse}B", f"{warehouse}C"
    await stock_warehouse(floor, a, {"S1": 20, "S2": 10}, SKUS)
    await stock_warehouse(floor, b, {"S1": 15, "S3": 10}, SKUS)
    await stock_warehouse(floor, c, {"S1": 5, "S2": 10, "S3": 5}, SKUS)
    await floor.routing.put_rules(warehouse, rule_set(a, b, c, split="line", max_parcels=3, fallback="backorder",
                                                      sorts=["distance", "balance"]))
    profiles = []
    for channel in CHANNELS:
        listings = [Listing(listing=s, components=[(s, 1)], item_id=f"{channel}-{s}", sku_id=f"{channel}/{s}",
                            location_id="loc") for s in SKUS]
        profiles.append(await floor.availability.put_profile(ChannelProfile(
            channel=channel, shop="main", warehouses=[a, b, c] if channel != "jd" else [a, b], listings=listings,
            endpoint=platforms.url, app_key="ak", app_secret=SECRET, access_token=TOKEN,
            buffer_units=1 if channel == "douyin" else 0)))

    rng = random.Random(7)
    addresses = [SHANGHAI, GUANGZHOU, CHENGDU]
    wanted: dict[tuple[str, str], list[tuple[str, int]]] = {}
    where: dict[tuple[str, str], object] = {}
    jobs = []
    for channel in CHANNELS:
        for writer in range(50):
            platform_id = f"{channel}-{writer % 40}"  # 10 writers per channel resend an order concurrently
            if (channel, platform_id) not in wanted:
                skus = rng.sample(SKUS, rng.randint(1, 3))
                wanted[(channel, platform_id)] = sorted((s, rng.randint(1, 3)) for s in skus)
                where[(channel, platform_id)] = rng.choice(addresses)
            lines = wanted[(channel, platform_id)]
            jobs.append((order(platform_id, lines, channel=channel, shop="main", address=where[(channel, platform_id)],  # type: ignore[arg-type]
                               buyer=f"{channel}-{writer % 40}"), lines))
    rng.shuffle(jobs)
    stop = asyncio.Event()
    worker = asyncio.create_task(run(floor, stop, period_s=0.05))
    outcomes = await asyncio.gather(*(floor.routing.place(o, lines, warehouse) for o, lines in jobs))
    stop.set()
    await worker

    # every accepted order fully reserved or explicitly backordered; duplicates got the first answer
    first: dict[tuple[str, str], object] = {}
    reserved_by_orders: dict[tuple[str, str], int] = {}
    for outcome in outcomes:
        key = (outcome.channel, outcome.platform_order_id)
        assert outcome.status in ("routed", "partial", "backordered"), outcome
        if key in first:
            assert first[key] == outcome.parcels
            continue
        first[key] = outcome.parcels
        placed: dict[str, int] = {}
        for parcel in outcome.parcels:
            floor_order = await floor.orders.get(parcel.warehouse, parcel.order_id)
            assert floor_order.status == parcel.status and parcel.status in ("reserved", "backordered")
            for sku, qty in parcel.lines:
                placed[sku] = placed.get(sku, 0) + qty
                if parcel.status == "reserved":
                    reserved_by_orders[(parcel.warehouse, sku)] = reserved_by_orders.get((parcel.warehouse, sku), 0) + qty
        assert placed == dict(wanted[key])
    assert len(first) == 6 * 40
    # nothing oversold; the counters equal what the orders hold and what the ledger re-derives
    states = await floor.availability.store.states([a, b, c], SKUS)
    for sku, per_warehouse in states.items():
        for s in per_warehouse:
            assert 0 <= s.reserved <= s.on_hand - s.unavailable, s
            assert s.reserved == reserved_by_orders.get((s.warehouse, sku), 0)
    for w in (a, b, c):
        report = await floor.availability.check(w)
        assert report.drift == [] and report.negative == []
    assert sum(1 for o in first.values() for p in o if p.status == "backordered") > 0  # stock really ran out  # type: ignore[attr-defined]
    # the push settles: what each platform shows is each channel's final ATS
    await floor.availability.collect()
    await floor.availability.drain_all()
    for p in profiles:
        for ats in await floor.availability.ats(p.channel, p.shop):
            assert ats.pushed == ats.ats, ats
    assert platforms.bad_signatures == 0
