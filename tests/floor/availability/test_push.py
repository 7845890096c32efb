"""The stock push and shipment confirmations against loopback stand-ins of every platform: each
platform's request shape, signature and semantics (full, set-with-compare, incremental with an
idempotent id, PDD's refusal on a promotion slot), within 1 s of the change, never twice per parcel."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import msgspec
import pytest

from floor.availability.model import ChannelProfile, Listing
from floor.availability.senders import Shipment
from floor.floor import Floor
from floor.jobs.stock_push import run
from tests.floor.availability.standins import SECRET, TOKEN, Platforms
from tests.floor.oms_setup import stock_warehouse

CHANNELS = ("taobao", "jd", "pinduoduo", "douyin", "shopify", "own_site")


@pytest.fixture
def platforms() -> Iterator[Platforms]:
    p = Platforms()
    yield p
    p.stop()


def profile(channel: str, shop: str, warehouses: list[str], url: str, **kw: object) -> ChannelProfile:
    listing = Listing(listing="A", components=[("A", 1)], item_id=f"{channel}-item-{shop}",
                      sku_id=f"gid://{channel}/{shop}/A", location_id="gid://shopify/Location/1")
    kit = Listing(listing="KIT", components=[("A", 2), ("B", 1)], item_id=f"{channel}-kit-{shop}",
                  sku_id=f"gid://{channel}/{shop}/KIT", location_id="gid://shopify/Location/1")
    return ChannelProfile(channel=channel, shop=shop, warehouses=warehouses, listings=[listing, kit],
                          endpoint=url, app_key="ak", app_secret=SECRET, access_token=TOKEN, **kw)  # type: ignore[arg-type]


def shown(platforms: Platforms, p: ChannelProfile, key: str) -> int | None:
    listing = next(lst for lst in p.listings if lst.listing == key)
    name = {"taobao": f"taobao:{listing.item_id}:{listing.sku_id}", "jd": f"jd:{listing.sku_id}",
            "pinduoduo": f"pdd:{listing.item_id}:{listing.sku_id}", "douyin": f"douyin:{listing.sku_id}",
            "shopify": f"shopify:{listing.sku_id}", "own_site": f"own_site:{key}"}[p.channel]
    return platforms.quantity.get(name)


async def setup(floor: Floor, warehouse: str, platforms: Platforms) -> tuple[str, dict[str, ChannelProfile]]:
    w = f"{warehouse}A"
    await stock_warehouse(floor, w, {"A": 10, "B": 4}, ["A", "B"])
    extra: dict[str, dict[str, int]] = {"jd": {"share_pct": 50}, "douyin": {"buffer_units": 2},
                                        "shopify": {"cap": 5}}
    profiles = {}
    for channel in CHANNELS:
        p = profile(channel, warehouse.lower(), [w], platforms.url, **extra.get(channel, {}))
        profiles[channel] = await floor.availability.put_profile(p)
    return w, profiles


async def test_every_platform_gets_its_ats_and_then_every_change(floor: Floor, warehouse: str,
                                                                  platforms: Platforms) -> None:
    w, profiles = await setup(floor, warehouse, platforms)
    for p in profiles.values():
        assert (await floor.availability.drain(p.channel, p.shop))["accepted"] == 2
    expected = {"taobao": (10, 4), "jd": (5, 2), "pinduoduo": (10, 4), "douyin": (8, 2), "shopify": (5, 2),
                "own_site": (10, 4)}
    assert {c: (shown(platforms, p, "A"), shown(platforms, p, "KIT")) for c, p in profiles.items()} == expected
    await floor.availability.collect()  # SKUs other tests left dirty (shops they registered now have profiles)
    await floor.orders.store.intake(w, "O1", "taobao", "X1", [("A", 3), ("B", 3)], 5, None, "", 1)
    assert await floor.availability.collect() == 12
    for p in profiles.values():
        await floor.availability.drain(p.channel, p.shop)
    expected = {"taobao": (7, 1), "jd": (3, 0), "pinduoduo": (7, 1), "douyin": (5, 0), "shopify": (5, 1),
                "own_site": (7, 1)}
    assert {c: (shown(platforms, p, "A"), shown(platforms, p, "KIT")) for c, p in profiles.items()} == expected
    for p in profiles.values():  # nothing left to send: a second drain sends nothing
        assert (await floor.availability.drain(p.channel, p.shop))["accepted"] == 0
    assert platforms.bad_signatures == 0
    assert {(a.listing, a.ats, a.pushed) for a in await floor.availability.ats("jd", warehouse.lower())} == {
        ("A", 3, 3), ("KIT", 0, 0)}


async def test_a_reservation_reaches_the_outbox_within_a_second(floor: Floor, warehouse: str,
                                                                 platforms: Platforms) -> None:
    w, profiles = await setup(floor, warehouse, platforms)
    stop = asyncio.Event()
    worker = asyncio.create_task(run(floor, stop, period_s=0.05))
    try:
        shop = warehouse.lower()
        for _ in range(100):
            if shown(platforms, profiles["taobao"], "A") == 10:
                break
            await asyncio.sleep(0.05)
        started = time.monotonic()
        await floor.orders.store.intake(w, "O1", "taobao", "X1", [("A", 4)], 5, None, "", 1)
        while (await floor.availability.store.outbox("taobao", shop))[0].get("A") != 6:
            assert time.monotonic() - started < 1.0, "ATS change not in the outbox within 1 s"
            await asyncio.sleep(0.01)
        while shown(platforms, profiles["taobao"], "A") != 6 or shown(platforms, profiles["shopify"], "A") != 5:
            assert time.monotonic() - started < 3.0, "not pushed"
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        await worker


async def test_douyin_retry_after_a_lost_reply_reuses_its_idempotent_id(floor: Floor, warehouse: str,
                                                                        platforms: Platforms) -> None:
    w, profiles = await setup(floor, warehouse, platforms)
    p = profiles["douyin"]
    await floor.availability.drain(p.channel, p.shop)
    await floor.orders.store.intake(w, "O1", "douyin", "X1", [("A", 3), ("B", 1)], 5, None, "", 1)
    await floor.availability.collect()
    platforms.apply_then_fail["/sku/syncStock"] = 2  # applied, but we never hear so
    first = await floor.availability.drain(p.channel, p.shop)
    assert first["retry"] == 2 and shown(platforms, p, "A") == 5  # applied once (8 - 3)
    assert (await floor.availability.drain(p.channel, p.shop))["accepted"] == 0  # backing off
    second = await floor.availability.drain(p.channel, p.shop, force=True)
    assert second["accepted"] == 2 and shown(platforms, p, "A") == 5 and shown(platforms, p, "KIT") == 1


async def test_shopify_compare_stale_reads_the_level_and_sets_again(floor: Floor, warehouse: str,
                                                                   platforms: Platforms) -> None:
    _w, profiles = await setup(floor, warehouse, platforms)
    p = profiles["shopify"]
    await floor.availability.drain(p.channel, p.shop)
    platforms.shopify_set(p.listings[0].sku_id, 99)  # someone edited it in the Shopify admin
    await floor.availability.store.mark(p.channel, p.shop, {"A": 4}, 0)
    assert (await floor.availability.drain(p.channel, p.shop))["accepted"] == 1
    assert shown(platforms, p, "A") == 4


async def test_pdd_refusing_a_decrease_on_a_promotion_slot_is_an_exception_on_the_board(
        floor: Floor, warehouse: str, platforms: Platforms) -> None:
    w, profiles = await setup(floor, warehouse, platforms)
    p = profiles["pinduoduo"]
    await floor.availability.drain(p.channel, p.shop)
    platforms.promotion.add(p.listings[0].item_id)
    await floor.orders.store.intake(w, "O1", "pinduoduo", "X1", [("A", 2)], 5, None, "", 1)
    await floor.availability.collect()
    outcome = await floor.availability.drain(p.channel, p.shop)
    assert outcome["refused"] == 1 and shown(platforms, p, "A") == 10
    board = await floor.incidents.open(w)
    assert [e.kind for e in board] == ["channel_push"] and "promotion slot" in board[0].detail
    await floor.availability.drain(p.channel, p.shop, force=True)  # still refused: the same exception, not a second
    assert len(await floor.incidents.open(w)) == 1
    assert "promotion" in (await floor.availability.store.failures(p.channel, p.shop))["A"]


async def test_shipments_confirmed_once_per_parcel_and_retried_until_accepted(floor: Floor, warehouse: str,
                                                                              platforms: Platforms) -> None:
    _w, profiles = await setup(floor, warehouse, platforms)
    for channel in ("taobao", "pinduoduo", "douyin", "shopify", "own_site"):
        p = profiles[channel]
        first = Shipment(parcel="P1", platform_order_id="T100", carrier="SF", waybill="SF0001", line_ids=["1"])
        second = Shipment(parcel="P2", platform_order_id="T100", carrier="SF", waybill="SF0002", line_ids=["2"])
        assert await floor.availability.confirm_shipment(p.channel, p.shop, first)
        assert not await floor.availability.confirm_shipment(p.channel, p.shop, first)
        assert await floor.availability.confirm_shipment(p.channel, p.shop, second)
        path = {"taobao": "/router/rest", "pinduoduo": "/api/router", "douyin": "/order/logisticsAdd",
                "shopify": "/admin/api/2025-01/graphql.json", "own_site": "/shipments"}[channel]
        platforms.fail_next[path] = 10  # the platform is down for a while: stock pushes fail too
        assert (await floor.availability.drain(p.channel, p.shop))["shipped"] == 0
        platforms.fail_next[path] = 0
        assert (await floor.availability.drain(p.channel, p.shop))["shipped"] == 0  # backing off, not hammering
        assert (await floor.availability.drain(p.channel, p.shop, force=True))["shipped"] == 2
        assert (await floor.availability.drain(p.channel, p.shop))["shipped"] == 0
        assert not await floor.availability.confirm_shipment(p.channel, p.shop, first)
    assert {k: len(v) for k, v in platforms.shipments.items()} == {
        "top:T100": 2, "pdd:T100": 2, "douyin:T100": 2, "shopify:T100": 2, "own_site:T100": 2}


async def test_a_wrong_secret_is_refused_by_every_stand_in(floor: Floor, warehouse: str,
                                                            platforms: Platforms) -> None:
    w = f"{warehouse}A"
    await stock_warehouse(floor, w, {"A": 10}, ["A"])
    for channel in CHANNELS:
        p = profile(channel, "bad", [w], platforms.url)
        p = msgspec.structs.replace(p, app_secret="wrong", access_token="wrong",
                                    listings=[p.listings[0]])
        await floor.availability.put_profile(p)
        assert (await floor.availability.drain(channel, "bad"))["retry"] == 1
        assert shown(platforms, p, "A") is None
    assert platforms.bad_signatures == len(CHANNELS)
