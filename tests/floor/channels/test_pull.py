"""The pull importer against loopback stand-ins of the platforms' paged list APIs: every order of
every window taken exactly once (no gap, no double), pages that shift while being read, a failed
page leaving the cursor, signatures checked by the stand-in."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from floor.channels.adapters.common import BEIJING
from floor.channels.model import Component, Mapping, NewShop
from floor.channels.pull import Puller, PullError
from floor.floor import Floor
from floor.store import keys
from tests.floor.channels import fixtures as fx
from tests.floor.channels.standin import StandIn

SECRET = "pull-secret-0001"
APP_KEY = "app-0001"
T0 = 1796270400000  # 2026-12-03 00:00 Beijing is 16:00 UTC the day before; any whole second will do
MINUTE = 60_000


def beijing(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def pdd(n: int, updated_ms: int, **status: Any) -> dict[str, Any]:
    info = fx.pdd_order(order_sn=f"261203-{n:015d}", **status)["order_info"]
    info["updated_at"] = beijing(updated_ms)
    return dict(info)


@pytest.fixture
def stand_ins() -> Iterator[list[StandIn]]:
    made: list[StandIn] = []
    yield made
    for stand_in in made:
        stand_in.stop()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


async def shop_on(floor: Floor, warehouse: str, stand_ins: list[StandIn], channel: str,
                  secret: str = SECRET) -> tuple[str, StandIn]:
    stand_in = StandIn(channel, SECRET, APP_KEY)
    stand_ins.append(stand_in)
    shop = f"pull-{uuid.uuid4().hex[:8]}"
    await floor.channels.create_shop(NewShop(channel=channel, shop=shop, secret=secret, warehouse=warehouse,
                                             app_key=APP_KEY, api_url=stand_in.url, access_token="session-1"))
    return shop, stand_in


async def taken(floor: Floor, channel: str, shop: str) -> int:
    return int(await floor.client.zcard(keys.channel_orders(channel, shop)))


async def test_pdd_windows_pages_and_a_list_that_shifts_while_paged(
        small_demo: Floor, warehouse: str, stand_ins: list[StandIn], http: httpx.AsyncClient) -> None:
    floor = small_demo
    shop, stand_in = await shop_on(floor, warehouse, stand_ins, "pinduoduo")
    # 260 orders over 2 hours, group still forming (pending: nothing reserved), 3 ready ones
    for n in range(260):
        at = T0 + n * 27_000
        stand_in.orders.append((at, pdd(n, at, group_status=0 if n % 100 else 1)))
    await floor.channels.save_mappings("pinduoduo", shop, [Mapping(channel_sku="PDD-TOWEL",
                                                                   components=[Component(sku="SKU00002")])])

    def shift(request_number: int) -> None:
        if request_number == 3:  # mid-window: an order of the window is updated (leaves it), the rest move up
            at, first = stand_in.orders[0]
            stand_in.orders[0] = (T0 + 10 * 3_600_000, {**first, "updated_at": beijing(T0 + 10 * 3_600_000)})

    stand_in.on_request = shift
    puller = Puller(floor.channels, http, window_ms=150 * MINUTE, overlap_ms=5 * MINUTE, lag_ms=MINUTE,
                    first_start_ms=T0)
    report = await puller.run("pinduoduo", shop, now_ms=T0 + 3 * 3_600_000)
    assert await taken(floor, "pinduoduo", shop) == 260  # none skipped, though the list shifted
    assert report.windows == 2 and report.pages >= 5
    assert report.outcomes is not None and report.outcomes.get("reserved", 0) == 3
    assert all(form["type"] == "pdd.order.number.list.increment.get" for form in stand_in.requests)
    # again: only the overlap is read, every order a repeat; nothing reserved twice
    before = await floor.orders.store.count(warehouse, "orders_reserved")
    again = await puller.run("pinduoduo", shop, now_ms=T0 + 3 * 3_600_000 + 10 * MINUTE)
    assert again.outcomes is not None and set(again.outcomes) <= {"repeat", "stale"}
    assert await floor.orders.store.count(warehouse, "orders_reserved") == before


async def test_a_failed_page_leaves_the_cursor_and_the_window_is_read_again(
        small_demo: Floor, warehouse: str, stand_ins: list[StandIn], http: httpx.AsyncClient) -> None:
    floor = small_demo
    shop, stand_in = await shop_on(floor, warehouse, stand_ins, "pinduoduo")
    for n in range(150):
        stand_in.orders.append((T0 + n * 10_000, pdd(1000 + n, T0 + n * 10_000, group_status=0)))
    stand_in.on_request = lambda n: setattr(stand_in, "fail_next", 1) if n == 2 else None
    puller = Puller(floor.channels, http, window_ms=60 * MINUTE, overlap_ms=MINUTE, lag_ms=MINUTE, first_start_ms=T0)
    with pytest.raises(PullError, match="HTTP 502"):
        await puller.run("pinduoduo", shop, now_ms=T0 + 50 * MINUTE)
    assert await floor.channels.store.cursor("pinduoduo", shop) == {}
    stand_in.on_request = lambda n: None
    report = await puller.run("pinduoduo", shop, now_ms=T0 + 50 * MINUTE)
    assert await taken(floor, "pinduoduo", shop) == 150 and report.cursor_ms == T0 + 49 * MINUTE
    assert (await floor.channels.store.cursor("pinduoduo", shop))["end_ms"] == str(T0 + 49 * MINUTE)


async def test_taobao_jd_and_douyin_paged_lists(small_demo: Floor, warehouse: str, stand_ins: list[StandIn],
                                                http: httpx.AsyncClient) -> None:
    floor = small_demo
    tb, tb_api = await shop_on(floor, warehouse, stand_ins, "taobao")
    jd, jd_api = await shop_on(floor, warehouse, stand_ins, "jd")
    dy, dy_api = await shop_on(floor, warehouse, stand_ins, "douyin")
    for n in range(130):
        at = T0 + n * 20_000
        trade = fx.taobao_trade(tid=str(3021234500000000 + n * 10), status="WAIT_BUYER_PAY",
                                modified=beijing(at))["trade_fullinfo_get_response"]["trade"]
        tb_api.orders.append((at, trade))
        jd_order = fx.jd_order(order_id=str(290000000000 + n), state="LOCKED", modified=beijing(at))["orderInfo"]
        jd_api.orders.append((at, jd_order))
        detail = fx.douyin_order(order_id=str(6920000000000100000 + n * 10), status=1,
                                 update_time=at // 1000)["shop_order_detail"]
        dy_api.orders.append((at, detail))
    for channel, shop in (("taobao", tb), ("jd", jd), ("douyin", dy)):
        puller = Puller(floor.channels, http, window_ms=60 * MINUTE, overlap_ms=2 * MINUTE, lag_ms=MINUTE,
                        first_start_ms=T0)
        report = await puller.run(channel, shop, now_ms=T0 + 45 * MINUTE)
        assert await taken(floor, channel, shop) == 130, (channel, report)
    assert len(await floor.channels.store.held("jd", jd, limit=500)) == 130  # LOCKED: every one held
    assert {form["method"] for form in tb_api.requests} == {"taobao.trades.sold.increment.get"}
    assert {form["method"] for form in dy_api.requests} == {"order.searchList"}


async def test_a_wrong_secret_is_refused_by_the_platform(small_demo: Floor, warehouse: str,
                                                         stand_ins: list[StandIn], http: httpx.AsyncClient) -> None:
    shop, _stand_in = await shop_on(small_demo, warehouse, stand_ins, "pinduoduo", secret="not-the-secret")
    with pytest.raises(PullError, match="refused: 25 sign does not match"):
        await Puller(small_demo.channels, http, first_start_ms=T0).run("pinduoduo", shop, now_ms=T0 + 40 * MINUTE)


async def test_douyin_thin_push_is_fetched_in_full(small_demo: Floor, warehouse: str, stand_ins: list[StandIn],
                                                   http: httpx.AsyncClient) -> None:
    from floor.channels import signing

    floor = small_demo
    shop, stand_in = await shop_on(floor, warehouse, stand_ins, "douyin")
    detail = fx.douyin_order(order_id="6920000000000300000")["shop_order_detail"]
    stand_in.orders.append((T0, detail))
    thin = fx.body([{"tag": "100", "msg_id": "m1", "data": '{"p_id": 6920000000000300000, "shop_id": 1}'}])
    receipt = await floor.channels.receive("douyin", shop, thin, {
        "app-id": APP_KEY, "event-sign": signing.douyin_push_sign(thin, APP_KEY, SECRET)}, {})
    assert receipt.noted == ["6920000000000300000"] and not receipt.orders
    report = await Puller(floor.channels, http).refetch("douyin", shop)
    assert report.outcomes == {"held": 1}  # DY-CUP / DY-TOWEL not mapped in this shop: held with the reason
    assert await floor.channels.store.refetch_ids("douyin", shop, 10) == []
    assert stand_in.requests[0]["method"] == "order.orderDetail"


async def test_the_command_line_pulls_the_named_shops(small_demo: Floor, warehouse: str, stand_ins: list[StandIn],
                                                      redis_server: Any) -> None:
    import asyncio
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    floor = small_demo
    shop, stand_in = await shop_on(floor, warehouse, stand_ins, "pinduoduo")
    now = int(time.time()) * 1000
    for n in range(7):
        stand_in.orders.append((now - 600_000 + n * 1000, pdd(5000 + n, now - 600_000 + n * 1000, group_status=0)))
    root = Path(__file__).resolve().parents[3]
    env = dict(os.environ, REDIS_URL=redis_server.url, PYTHONPATH=str(root), FLOOR_SECRET="cli-test")
    done = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "floor.run.pull_channels",
                                                    f"pinduoduo/{shop}"],
                                   cwd=root, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert f"pinduoduo/{shop}: 1 windows, 14 order reads {{'held': 14}}" in done.stdout  # page 1 read twice
    assert await taken(floor, "pinduoduo", shop) == 7
