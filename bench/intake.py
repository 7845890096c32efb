"""Channel intake benchmark: signed webhook -> verify -> adapter -> address -> SKU mapping ->
floor.orders intake (reservation), through one real uvicorn web process and one Redis.

Two phases on the same stack: (1) closed loop, ``--concurrency`` requests in flight, orders/s of
the one web process; (2) open loop at ``--rate`` orders/s for ``--seconds``, p50/p99 webhook
latency. The six channels take turns (Shopify HMAC, Tmall/JD/PDD TOP md5 over query + body,
Douyin event-sign, own-site HMAC), every order unique, 1-3 lines against limited stock. Afterwards
no SKU has reserved > on hand (0 oversell) and every answer was 200. In the same run,
``redis-benchmark`` EVAL on the same Redis is the baseline (the machine is shared: compare ratios).

    python bench/intake.py --orders 6000 --concurrency 32 --rate 1000 --seconds 5
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scan_loop import percentile, redis_benchmark  # noqa: E402
from bench.stack import Redis, WebNode, cpu_seconds  # noqa: E402
from floor.channels import signing  # noqa: E402
from floor.channels.model import Component, Mapping, NewShop  # noqa: E402
from floor.floor import Floor  # noqa: E402
from floor.run.demo import demo_credentials, demo_data, load_demo  # noqa: E402
from floor.store import keys  # noqa: E402
from tests.floor.channels import fixtures as fx  # noqa: E402

SECRET = "bench-secret-0001"
APP_KEY = "7000001"
CHANNELS = ("shopify", "tmall", "douyin", "jd", "pinduoduo", "own_site")
CHANNEL_SKUS = {"shopify": ("SH-CUP", "variant:990002"), "tmall": ("TB-CUP-RED", "TB-TOWEL"),
                "douyin": ("DY-CUP", "DY-TOWEL"), "jd": ("JD-BUNDLE-2", "JD-GIFT"), "pinduoduo": ("PDD-TOWEL",),
                "own_site": ("WEB-CUP",)}


async def setup(url: str, skus: int) -> None:
    floor = Floor.from_url(url)
    await floor.start()
    data = demo_data("W1", aisles=6, cells=20, skus=skus, orders=0, units_per_location=200)
    await load_demo(floor, data, demo_credentials("W1", pickers=1))
    for n, channel in enumerate(CHANNELS):
        await floor.channels.create_shop(NewShop(channel=channel, shop="bench", secret=SECRET, warehouse="W1",
                                                 app_key=APP_KEY if channel in ("douyin",) else ""))
        await floor.channels.save_mappings(channel, "bench", [
            Mapping(channel_sku=code, components=[Component(sku=f"SKU{(n * 3 + i) % skus + 1:05d}", quantity=1)])
            for i, code in enumerate(CHANNEL_SKUS[channel])])
    await floor.close()


def top_query(body: bytes) -> dict[str, str]:
    at = datetime.now(timezone(timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S")
    params = {"app_key": "", "timestamp": at, "sign_method": "md5"}
    params["sign"] = signing.top_sign(params, SECRET, body=body)
    return params


def request(n: int) -> tuple[str, bytes, dict[str, str], dict[str, str]]:
    """(channel, body, headers, query) of the n-th order: unique ids, signed."""
    channel = CHANNELS[n % len(CHANNELS)]
    headers: dict[str, str] = {"Content-Type": "application/json"}
    query: dict[str, str] = {}
    if channel == "shopify":
        body = fx.body(fx.shopify_order(order_id=9_000_000_000 + n))
        headers |= {"X-Shopify-Hmac-Sha256": signing.shopify_sign(body, SECRET), "X-Shopify-Topic": "orders/create",
                    "X-Shopify-Webhook-Id": uuid.uuid4().hex}
    elif channel == "tmall":
        body = fx.body(fx.taobao_trade(tid=str(4_000_000_000_000_000 + n * 10)))
        query = top_query(body)
    elif channel == "douyin":
        body = fx.body(fx.douyin_push(fx.douyin_order(order_id=str(6_930_000_000_000_000_000 + n * 10))))
        headers |= {"app-id": APP_KEY, "event-sign": signing.douyin_push_sign(body, APP_KEY, SECRET)}
    elif channel == "jd":
        body = fx.body(fx.jd_order(order_id=str(300_000_000_000 + n)))
        query = top_query(body)
    elif channel == "pinduoduo":
        body = fx.body(fx.pdd_order(order_sn=f"261203-{n:015d}"))
        query = top_query(body)
    else:
        body = fx.body(fx.own_site_order(order_id=f"WEB-B-{n}"))
        headers["X-Floor-Signature"] = signing.own_site_sign(body, SECRET)
    return channel, body, headers, query


async def send(http: httpx.AsyncClient, base: str, item: tuple[str, bytes, dict[str, str], dict[str, str]],
               latencies: list[float], statuses: dict[int, int]) -> None:
    channel, body, headers, query = item
    started = time.perf_counter()
    try:
        response = await http.post(f"{base}/api/channels/{channel}/bench/webhook", content=body, headers=headers,
                                   params=query)
        status = response.status_code
    except httpx.TransportError:  # counted, not hidden: a connection the server dropped
        status = 0
    latencies.append((time.perf_counter() - started) * 1000)
    statuses[status] = statuses.get(status, 0) + 1


async def closed_loop(base: str, items: list[Any], concurrency: int) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    queue = iter(items)
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=concurrency)) as http:
        async def worker() -> None:
            for item in queue:
                await send(http, base, item, latencies, statuses)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {"orders": len(items), "seconds": round(elapsed, 2), "orders_per_s": round(len(items) / elapsed),
            "p50_ms": round(percentile(latencies, 0.5), 2), "p99_ms": round(percentile(latencies, 0.99), 2),
            "statuses": statuses}


async def open_loop(base: str, items: list[Any], rate: int) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=256)) as http:
        started = time.perf_counter()
        tasks = []
        for index, item in enumerate(items):
            delay = started + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send(http, base, item, latencies, statuses)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    return {"orders": len(items), "offered_per_s": rate, "achieved_per_s": round(len(items) / elapsed),
            "p50_ms": round(percentile(latencies, 0.5), 2), "p99_ms": round(percentile(latencies, 0.99), 2),
            "statuses": statuses}


async def oversold(url: str, skus: int) -> int:
    floor = Floor.from_url(url)
    bad = 0
    for n in range(1, skus + 1):
        on_hand, reserved = await floor.client.hmget(keys.key("W1", "sku", f"SKU{n:05d}"), "on_hand", "reserved")
        bad += int(reserved or 0) > int(on_hand or 0)
    await floor.close()
    return bad


async def main(args: argparse.Namespace) -> dict[str, Any]:
    redis = Redis()
    node: WebNode | None = None
    try:
        await setup(redis.url, args.skus)
        node = WebNode(redis.url, uuid.uuid4().hex)
        counter = itertools.count()
        warm = [request(next(counter)) for _ in range(200)]
        await closed_loop(node.url, warm, 8)
        items = [request(next(counter)) for _ in range(args.orders)]
        cpu_before = cpu_seconds(node.process.pid)
        closed = await closed_loop(node.url, items, args.concurrency)
        closed["web_cpu_ms_per_order"] = round((cpu_seconds(node.process.pid) - cpu_before) * 1000 / args.orders, 3)
        opened = await open_loop(node.url, [request(next(counter)) for _ in range(args.rate * args.seconds)], args.rate)
        result = {"closed_loop": closed, "open_loop": opened, "oversold_skus": await oversold(redis.url, args.skus),
                  "baseline": redis_benchmark(redis.port)}
        return result
    finally:
        if node is not None:
            node.stop()
        redis.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=6000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--skus", type=int, default=40)
    print(json.dumps(asyncio.run(main(parser.parse_args())), indent=2))
