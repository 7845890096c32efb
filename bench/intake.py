"""Order intake benchmark (issue 7): signed webhook -> verify -> adapter -> address -> SKU mapping ->
routing (three warehouses, split by line) -> reservation, through ONE real uvicorn web process and one
Redis (AOF everysec), with ``redis-benchmark`` EVAL on the same Redis in the same run.

The six channels take turns (Shopify HMAC, Tmall / JD / PDD TOP md5 over query + body, Douyin
event-sign, own-site HMAC); every order is unique, 1-3 lines; two SKUs are scarce (they run out
during the run, so routing splits, moves on and backorders). The client is cheap: every request is
signed and serialised to bytes before the clock starts and sent over keep-alive HTTP/1.1
connections by a small asyncio protocol (no HTTP library on the client side).

Phases: warm-up; a closed loop (``--concurrency`` requests in flight): orders/s of the one web
process; then open loops at each of ``--rates`` for ``--seconds`` each: achieved/s, p50 / p99
latency measured from each request's *scheduled* start (queueing shows). For every phase: CPU per
order of the web process, of Redis and of this client, and the load average. Afterwards: oversold
warehouse x SKU pairs (must be 0), ledger drift (``floor.availability check``, must be none), every
answer 200. Raw JSON goes to ``bench/results/issue7-intake-<UTC time>.json``.

    PYTHONPATH=. .venv/bin/python bench/intake.py                       # the default run
    PYTHONPATH=. .venv/bin/python bench/intake.py --rates 500,1000 --seconds 5 --orders 4000
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import json
import os
import platform
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import redis as redis_lib
import uvloop

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scan_baseline import redis_benchmark  # noqa: E402
from bench.scan_loop import percentile  # noqa: E402
from bench.stack import Redis, WebNode, cpu_seconds  # noqa: E402
from floor.catalog.model import Sku, make_gtin13  # noqa: E402
from floor.channels import signing  # noqa: E402
from floor.channels.model import Component, Mapping, NewShop  # noqa: E402
from floor.floor import Floor  # noqa: E402
from floor.inventory.model import AdjustStock  # noqa: E402
from floor.layout.model import Layout  # noqa: E402
from floor.routing.model import Rule, RuleSet, Site  # noqa: E402
from tests.floor.channels import fixtures as fx  # noqa: E402

SECRET = "bench-secret-0001"
APP_KEY = "7000001"
SELLER = "bench"
WAREHOUSES = [("W1", "310000"), ("W2", "440000"), ("W3", "510000")]
CHANNELS = ("shopify", "tmall", "douyin", "jd", "pinduoduo", "own_site")
# channel SKU -> internal SKU; S00001 and S00002 are scarce (they run out during the run)
CHANNEL_SKUS = {"shopify": {"SH-CUP": "S00003", "variant:990002": "S00004", "GIFTCARD": "S00005"},
                "tmall": {"TB-CUP-RED": "S00001", "TB-TOWEL": "S00006"},
                "douyin": {"DY-CUP": "S00007", "DY-TOWEL": "S00002"},
                "jd": {"JD-BUNDLE-2": "S00008", "JD-GIFT": "S00009"},
                "pinduoduo": {"PDD-TOWEL": "S00010"}, "own_site": {"WEB-CUP": "S00011"}}
SCARCE = {"S00001": 300, "S00002": 300}


async def setup(url: str, units: int) -> Floor:
    floor = Floor.from_url(url)
    await floor.start()
    skus = sorted({sku for mapping in CHANNEL_SKUS.values() for sku in mapping.values()})
    for warehouse, _province in WAREHOUSES:
        layout = Layout(warehouse, aisles=4, cells=10)
        await floor.layouts.put(layout)
        for n, sku in enumerate(skus, start=1):
            await floor.catalog.define(warehouse, Sku(sku, make_gtin13("690800", n).zfill(14), sku))
            await floor.inventory.adjust(warehouse, AdjustStock(f"r-{sku}", sku, layout.location(1 + n % 4, 1).code,
                                                                SCARCE.get(sku, units), "receipt"), "bench")
    await floor.routing.put_rules(SELLER, RuleSet(
        sites=[Site(warehouse=w, province=p[:2], priority=i) for i, (w, p) in enumerate(WAREHOUSES, start=1)],
        rules=[Rule(name="line-split", split="line", max_parcels=3, fallback="backorder",
                    sorts=["distance", "balance"])]))
    for channel in CHANNELS:
        await floor.channels.create_shop(NewShop(channel=channel, shop="bench", secret=SECRET, warehouse="W1",
                                                 app_key=APP_KEY if channel == "douyin" else "", seller=SELLER))
        await floor.channels.save_mappings(channel, "bench", [
            Mapping(channel_sku=code, components=[Component(sku=sku, quantity=1)])
            for code, sku in CHANNEL_SKUS[channel].items()])
    return floor


def top_query(body: bytes) -> dict[str, str]:
    at = datetime.now(timezone(timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S")
    params = {"app_key": "", "timestamp": at, "sign_method": "md5"}
    params["sign"] = signing.top_sign(params, SECRET, body=body)
    return params


def request(n: int, port: int) -> bytes:
    """The n-th order as a complete HTTP/1.1 request (unique ids, signed)."""
    channel = CHANNELS[n % len(CHANNELS)]
    headers: dict[str, str] = {}
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
    target = f"/api/channels/{channel}/bench/webhook" + (f"?{urlencode(query)}" if query else "")
    head = [f"POST {target} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Content-Type: application/json",
            f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


class Conn(asyncio.Protocol):
    """One keep-alive connection, one request at a time; the answer's status and body are returned."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.future: asyncio.Future[tuple[int, bytes]] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = self.buffer[:end].lower()
        at = head.find(b"content-length:")
        length = int(head[at + 15:head.find(b"\r\n", at) if head.find(b"\r\n", at) > 0 else None]) if at >= 0 else 0
        if len(self.buffer) < end + 4 + length:
            return
        status = int(self.buffer[9:12])
        body = self.buffer[end + 4:end + 4 + length]
        self.buffer = self.buffer[end + 4 + length:]
        if self.future is not None and not self.future.done():
            self.future.set_result((status, body))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.future is not None and not self.future.done():
            self.future.set_result((0, b""))
        self.transport = None

    async def send(self, raw: bytes) -> tuple[int, bytes]:
        assert self.transport is not None
        self.future = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        return await self.future


class Pool:
    """At most ``limit`` keep-alive connections (as a load balancer would hold); a request beyond
    waits for a free one, and that wait counts in its latency."""

    def __init__(self, port: int, limit: int = 256) -> None:
        self.port = port
        self.limit = limit
        self.idle: list[Conn] = []
        self.waiters: collections.deque[asyncio.Future[Conn | None]] = collections.deque()
        self.count = 0
        self.opened = 0

    async def send(self, raw: bytes) -> tuple[int, bytes]:
        conn: Conn | None = self.idle.pop() if self.idle else None
        if conn is None and self.count >= self.limit:
            waiter: asyncio.Future[Conn | None] = asyncio.get_running_loop().create_future()
            self.waiters.append(waiter)
            conn = await waiter
        if conn is None or conn.transport is None:
            if conn is None:
                self.count += 1
            _t, conn = await asyncio.get_running_loop().create_connection(Conn, "127.0.0.1", self.port)
            self.opened += 1
        try:
            return await conn.send(raw)
        finally:
            if self.waiters:
                self.waiters.popleft().set_result(conn)  # a dropped one is re-opened by the waiter
            else:
                self.idle.append(conn)

    def close(self) -> None:
        for conn in self.idle:
            if conn.transport is not None:
                conn.transport.close()


class Tally:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.results: dict[str, int] = {}

    def add(self, started: float, status: int, body: bytes) -> None:
        self.latencies.append((time.perf_counter() - started) * 1000)
        self.statuses[status] = self.statuses.get(status, 0) + 1
        at = body.find(b'"result":"')
        if at >= 0:
            result = body[at + 10:body.find(b'"', at + 10)].decode()
            self.results[result] = self.results.get(result, 0) + 1

    def summary(self) -> dict[str, Any]:
        return {"p50_ms": round(percentile(self.latencies, 0.5), 2), "p99_ms": round(percentile(self.latencies, 0.99), 2),
                "max_ms": round(max(self.latencies), 1), "statuses": self.statuses, "results": self.results}


def _user_system(pid: int) -> tuple[float, float]:
    """User and system CPU seconds of one process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


class Meter:
    """CPU seconds of the web process, Redis and this client over one phase, per order; Redis's read
    events per order (each is one write a client made: how well the web node's calls share writes)."""

    def __init__(self, web_pid: int, redis_pid: int, redis_port: int) -> None:
        self.pids = {"web": web_pid, "redis": redis_pid}
        self.redis = redis_lib.Redis(port=redis_port)

    def reads(self) -> int:
        return int(self.redis.info("stats").get("total_reads_processed", 0))

    def start(self) -> None:
        self.before = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        self.web_split_before = _user_system(self.pids["web"])
        self.client_before = time.process_time()
        self.load_before = os.getloadavg()[0]
        self.reads_before = self.reads()

    def per_order(self, orders: int) -> dict[str, Any]:
        out: dict[str, Any] = {
            f"{name}_cpu_us_per_order": round((cpu_seconds(pid) - self.before[name]) * 1e6 / max(orders, 1))
            for name, pid in self.pids.items()}
        user, system = _user_system(self.pids["web"])
        out["web_user_us_per_order"] = round((user - self.web_split_before[0]) * 1e6 / max(orders, 1))
        out["web_system_us_per_order"] = round((system - self.web_split_before[1]) * 1e6 / max(orders, 1))
        out["redis_reads_per_order"] = round((self.reads() - self.reads_before) / max(orders, 1), 2)
        # what one web process could carry given a whole core (the machine is shared: the measured rate is not)
        out["orders_per_web_core_s"] = round(1e6 / max(out["web_cpu_us_per_order"], 1))
        out["client_cpu_us_per_order"] = round((time.process_time() - self.client_before) * 1e6 / max(orders, 1))
        out["load_avg_1m"] = [round(self.load_before, 2), round(os.getloadavg()[0], 2)]
        return out


async def closed_loop(pool: Pool, items: list[bytes], concurrency: int, meter: Meter) -> dict[str, Any]:
    tally = Tally()
    queue = iter(items)

    async def worker() -> None:
        for raw in queue:
            started = time.perf_counter()
            status, body = await pool.send(raw)
            tally.add(started, status, body)

    meter.start()
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {"orders": len(items), "concurrency": concurrency, "seconds": round(elapsed, 2),
            "orders_per_s": round(len(items) / elapsed), **tally.summary(), **meter.per_order(len(items))}


async def open_loop(pool: Pool, items: list[bytes], rate: int, meter: Meter) -> dict[str, Any]:
    tally = Tally()

    async def one(raw: bytes, due: float) -> None:
        status, body = await pool.send(raw)
        tally.add(due, status, body)

    meter.start()
    began = time.perf_counter()
    tasks = []
    for index, raw in enumerate(items):
        due = began + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(raw, due)))
    offered_s = time.perf_counter() - began
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - began
    return {"offered_per_s": rate, "orders": len(items), "offered_in_s": round(offered_s, 2),
            "achieved_per_s": round(len(items) / elapsed), **tally.summary(), **meter.per_order(len(items))}


async def verify(floor: Floor) -> dict[str, Any]:
    skus = sorted({sku for mapping in CHANNEL_SKUS.values() for sku in mapping.values()})
    oversold, drift, reserved = 0, 0, 0
    for warehouse, _p in WAREHOUSES:
        states = await floor.availability.store.states([warehouse], skus)
        for per in states.values():
            for s in per:
                oversold += s.reserved > s.on_hand - s.unavailable
                reserved += s.reserved
        drift += len((await floor.availability.check(warehouse)).drift)
    return {"oversold_pairs": oversold, "ledger_drift_rows": drift, "units_reserved": reserved}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    redis = Redis()
    node: WebNode | None = None
    pool: Pool | None = None
    try:
        floor = await setup(redis.url, args.units)
        node = WebNode(redis.url, uuid.uuid4().hex)
        if args.pin:  # e.g. "redis=0,web=1,client=0+1": each process kept on the named cores
            places = dict(item.split("=") for item in args.pin.split(","))
            pids = {"redis": [redis.process.pid], "web": [node.process.pid], "client": [os.getpid()]}
            for what, cores in places.items():
                for pid in pids[what]:
                    os.sched_setaffinity(pid, {int(c) for c in cores.split("+")})
        pool = Pool(node.port)
        meter = Meter(node.process.pid, redis.process.pid, redis.port)
        counter = itertools.count()
        await closed_loop(pool, [request(next(counter), node.port) for _ in range(args.warmup)], 16, meter)
        items = [request(next(counter), node.port) for _ in range(args.orders)]
        spy = None
        if args.py_spy:  # a profile of the web process over the closed loop (py-spy "raw" folded stacks)
            spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "-p", str(node.process.pid),
                                    "-f", "raw", "-o", args.py_spy, "-r", "200", "--nonblocking"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            await asyncio.sleep(1.0)
        perf = None
        if args.perf:  # CPU-time samples (on-CPU only, kernel included) of the web process over the closed loop
            perf = subprocess.Popen(["perf", "record", "-F", "999", "-g", "-p", str(node.process.pid), "-o", args.perf],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            await asyncio.sleep(1.0)
        closed = await closed_loop(pool, items, args.concurrency, meter)
        for profiler in (spy, perf):
            if profiler is not None:
                profiler.send_signal(signal.SIGINT)
                profiler.wait(60)
        opened: list[dict[str, Any]] = []
        for rate in args.rates:
            if opened and "skipped" not in opened[-1] and opened[-1]["achieved_per_s"] < 0.9 * opened[-1]["offered_per_s"]:
                opened.append({"offered_per_s": rate, "skipped": "the previous rate was not kept up with"})
                continue
            if opened and "skipped" in opened[-1]:
                opened.append({"offered_per_s": rate, "skipped": opened[-1]["skipped"]})
                continue
            items = [request(next(counter), node.port) for _ in range(int(rate * args.seconds))]
            opened.append(await open_loop(pool, items, rate, meter))
            await asyncio.sleep(2.0)  # the node drains what it queued
        checks = await verify(floor)
        await floor.close()
        pool.close()
        for pid in (redis.process.pid, os.getpid()):  # the baseline: Redis on the whole machine, pinned or not
            os.sched_setaffinity(pid, set(range(os.cpu_count() or 1)))
        baseline = redis_benchmark(redis.port)
        return {"bench": "issue7-intake", "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
                "command": " ".join(sys.argv), "closed_loop": closed, "open_loop": opened, **checks,
                "redis_benchmark": baseline, "load_avg_end": os.getloadavg(),
                "connections_opened": pool.opened}
    finally:
        if node is not None:
            node.stop()
        redis.stop()


def table(result: dict[str, Any]) -> str:
    c = result["closed_loop"]
    lines = [f"closed loop c={c['concurrency']}: {c['orders_per_s']} orders/s ({c['orders_per_web_core_s']}/s per whole web"
             f" core), p50 {c['p50_ms']} / p99 {c['p99_ms']} ms,"
             f" CPU us/order web {c['web_cpu_us_per_order']} redis {c['redis_cpu_us_per_order']}"
             f" client {c['client_cpu_us_per_order']} (web user {c['web_user_us_per_order']}"
             f" system {c['web_system_us_per_order']}), Redis reads/order {c['redis_reads_per_order']},"
             f" load {c['load_avg_1m']}"]
    for o in result["open_loop"]:
        if "skipped" in o:
            lines.append(f"open {o['offered_per_s']}/s: skipped ({o['skipped']})")
            continue
        lines.append(f"open {o['offered_per_s']}/s -> {o['achieved_per_s']}/s: p50 {o['p50_ms']} / p99 {o['p99_ms']} ms,"
                     f" statuses {o['statuses']}, CPU us/order web {o['web_cpu_us_per_order']}"
                     f" redis {o['redis_cpu_us_per_order']} client {o['client_cpu_us_per_order']},"
                     f" Redis reads/order {o['redis_reads_per_order']}, load {o['load_avg_1m']}")
    b = result["redis_benchmark"]
    lines.append(f"oversold pairs {result['oversold_pairs']}, ledger drift rows {result['ledger_drift_rows']};"
                 f" redis-benchmark EVAL c=1 {b.get('eval_c1_rps')}/s p50 {b.get('eval_c1_p50_ms')} ms,"
                 f" c=50 {b.get('eval_c50_rps')}/s p50 {b.get('eval_c50_p50_ms')} ms")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=10_000, help="orders in the closed loop")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rates", type=lambda s: [int(x) for x in s.split(",")], default=[500, 1000, 2000, 3000])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--warmup", type=int, default=600)
    parser.add_argument("--units", type=int, default=1_000_000, help="units of each plentiful SKU per warehouse")
    parser.add_argument("--py-spy", default="", help="write a py-spy profile (raw folded stacks) of the closed loop")
    parser.add_argument("--perf", default="", help="write a `perf record -g` profile (on-CPU samples) of the closed loop")
    parser.add_argument("--pin", default="", help="CPU affinity per process, e.g. redis=0,web=1,client=0+1")
    parser.add_argument("--out", default="", help="JSON file (default bench/results/issue7-intake-<time>.json)")
    args = parser.parse_args()
    result = uvloop.run(run(args))
    out = Path(args.out or ROOT / "bench" / "results" / f"issue7-intake-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(table(result))
    print(f"raw: {out}")


if __name__ == "__main__":
    main()
