"""Scan-loop benchmark: N handhelds over WebSockets, scans driven open-loop, verdict latency.

Starts its own stack (redis-server with AOF, or ``--cluster``: a 3-master Redis Cluster, one
warehouse per master; and N web nodes), loads the warehouse(s), logs N pickers in with badge +
PIN, releases waves (one task per picker), connects every handheld, then sends each picker's
scans (location, item, location, item ...) at fixed times regardless of answers (open loop:
latency is measured from the *scheduled* send time, so a stalled server cannot hide its
queueing). ``--rates a,b,c`` runs one phase per rate in the same stack (each waits for its
answers before the next starts). Per phase: throughput, p50/p99/p99.9 latency, lost / doubled /
out-of-order verdicts, CPU per scan of every process (/proc), Redis's own CPU per scan (INFO
cpu, main thread) and script time (INFO commandstats), scans per write of the nodes' scan
pipeline (/metrics). Then the same-run baseline, redis-benchmark EVAL with 1 and 50 clients on
the same Redis, and issue 12's two ratios (printed last, on stderr).

    .venv/bin/python bench/scan_loop.py --pickers 500 --rates 1000,2000,3000 --seconds 20 [--nodes 2] [--cluster]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import random
import re
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import uvloop
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scan_baseline import RedisCpu, ratios, redis_benchmark  # noqa: E402
from bench.scan_client import RawHandheld, drive  # noqa: E402
from bench.stack import Redis, WebNode, cpu_seconds  # noqa: E402
from floor.accounts.model import Picker  # noqa: E402
from floor.catalog.model import Sku, make_gtin13  # noqa: E402
from floor.floor import Floor  # noqa: E402
from floor.inventory.model import AdjustStock  # noqa: E402
from floor.layout.model import Layout  # noqa: E402
from floor.orders.model import NewOrder, OrderLine  # noqa: E402
from floor.store import keys  # noqa: E402
from floor.store.client import connect_sync  # noqa: E402
from floor.waves.model import ReleaseWave  # noqa: E402
from handheld_api.auth import TokenSigner  # noqa: E402

WAREHOUSE = "B1"


async def load(redis_url: str, pickers: int, steps_per_picker: int, seed: int) -> None:
    """Warehouse ``B1``, badges ``BB0000``... (bench/crash.py and bench/fanout.py log in with these)."""
    await load_warehouse(redis_url, WAREHOUSE, pickers, steps_per_picker, seed, "BB")


async def load_warehouse(redis_url: str, warehouse: str, pickers: int, steps_per_picker: int, seed: int,
                         badge: str) -> None:
    """One warehouse: layout, 2,000 SKUs with stock, ``pickers`` pickers (badge ``<badge><n>``), orders
    reserved through the intake script, waves released (one long serpentine task per picker)."""
    rng = random.Random(seed)
    floor = Floor.from_url(redis_url, default_warehouse=warehouse)
    await floor.start()
    layout = Layout(warehouse, aisles=40, cells=50)
    await floor.layouts.put(layout)
    skus = [Sku(f"S{n:05d}", make_gtin13("690500", n).zfill(14), f"item {n}") for n in range(1, 2001)]
    for sku in skus:
        await floor.catalog.define(warehouse, sku)
    codes = [layout.location(a, c).code for a in range(1, 41) for c in range(1, 51)]
    units_needed = pickers * steps_per_picker
    per_location = max(100, 3 * units_needed // len(skus))
    for n, sku in enumerate(skus):
        await floor.inventory.adjust(warehouse, AdjustStock(f"in-{n}", sku.sku, codes[n], per_location, "receipt"), "bench")
    for n in range(pickers):
        await floor.accounts.put_picker(Picker(f"p{n}", warehouse, f"{badge}{n:04d}", f"Picker {n}"), f"{1000 + n % 9000}")
    orders, units = 0, 0
    while units < units_needed * 1.3:  # tasks vary in size: every picker must have enough scans
        lines = {rng.choice(skus).sku for _ in range(rng.randint(1, 4))}
        await floor.orders.intake(warehouse, NewOrder("jd", f"bench-{orders}", [OrderLine(s, 1) for s in lines]))
        orders, units = orders + 1, units + len(lines)
    per_wave = max(1, min(pickers, 10_000 * pickers // orders))
    remaining = pickers
    wave = 0
    while remaining > 0:
        group = min(per_wave, remaining)
        share = orders * group // pickers
        # One long task per picker (the serpentine planner): this benchmark measures the scan path.
        await floor.waves.release(warehouse, ReleaseWave(f"bw{wave}", pickers=group, max_orders=max(1, min(share, 10_000)),
                                             warehouse=warehouse, planner="serpentine"))
        remaining -= group
        wave += 1
    await floor.close()


class Handheld:
    def __init__(self, index: int, url: str, token: str) -> None:
        self.index = index
        self.url = url
        self.token = token
        self.scans: list[tuple[str, str]] = []  # (scan_id, barcode)
        self.sent = 0  # scans sent so far (phases continue where the last one stopped)
        self.scheduled: dict[str, tuple[int, float]] = {}  # scan_id -> (phase, due time)
        self.latency: dict[int, list[float]] = {}  # phase -> latencies of first answers
        self.verdicts: dict[str, int] = {}
        self.answers: dict[str, int] = {}  # scan_id -> verdict frames received
        self.order_errors = 0  # a verdict for a scan sent before one already answered (out of order)
        self.last_answered = -1
        self.errors = 0
        self.error_codes: dict[str, int] = {}
        self.task_id = ""

    async def connect(self) -> None:
        self.ws = await websockets.connect(f"{self.url}?token={self.token}", compression=None, max_size=2**20,
                                           open_timeout=120, ping_interval=None)
        while True:
            frame = json.loads(await self.ws.recv())
            if frame["type"] == "task":
                task = frame["task"]
                self.task_id = task["task_id"]
                for n, step in enumerate(task["steps"]):
                    self.scans.append((f"{self.index}-L{n}", step["location"]))
                    for unit in range(step["quantity"]):
                        self.scans.append((f"{self.index}-I{n}-{unit}", step["gtin"]))
                return
            if frame["type"] == "idle":
                raise RuntimeError("picker got no task")

    async def send_phase(self, phase: int, start: float, interval: float, count: int) -> None:
        """Send the next ``count`` scans, the k-th due at start + (k + phase) * interval, whatever the answers."""
        offset = random.random()
        for k, (scan_id, barcode) in enumerate(self.scans[self.sent:self.sent + count]):
            due = start + (k + offset) * interval
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            self.scheduled[scan_id] = (phase, due)
            await self.ws.send(json.dumps({"type": "scan", "scan_id": scan_id, "barcode": barcode, "task_id": self.task_id}))
        self.sent += min(count, len(self.scans) - self.sent)

    async def receive_all(self) -> None:
        position = {scan_id: n for n, (scan_id, _barcode) in enumerate(self.scans)}
        try:
            async for message in self.ws:
                now = time.perf_counter()
                frame = json.loads(message)
                if frame["type"] != "verdict":
                    if frame["type"] == "error":
                        self.errors += 1
                        self.error_codes[frame["code"]] = self.error_codes.get(frame["code"], 0) + 1
                    continue
                scan_id = frame["scan_id"]
                self.answers[scan_id] = self.answers.get(scan_id, 0) + 1
                self.verdicts[frame["verdict"]] = self.verdicts.get(frame["verdict"], 0) + 1
                if position.get(scan_id, -1) < self.last_answered:
                    self.order_errors += 1
                self.last_answered = max(self.last_answered, position.get(scan_id, -1))
                if scan_id in self.scheduled and self.answers[scan_id] == 1:
                    phase, due = self.scheduled[scan_id]
                    self.latency.setdefault(phase, []).append(now - due)
        except websockets.ConnectionClosed:
            pass


def stream_entries(url: str, warehouses: list[str]) -> dict[str, int]:
    """Entries ever added to the warehouses' floor Stream (what every node's reader reads) and units Stream."""
    client = connect_sync(url)
    try:
        totals = {"events": 0, "units": 0}
        for warehouse in warehouses:
            for name in totals:
                try:
                    totals[name] += int(client.xinfo_stream(keys.key(warehouse, name))["entries-added"])
                except Exception:  # noqa: BLE001 - a Stream not created yet
                    continue
        return totals
    finally:
        client.close()


def pipeline_counters(nodes: list[WebNode], token: str) -> dict[str, float]:
    """The nodes' ``floor_scan_pipeline`` counters summed (calls, writes, fallbacks)."""
    totals = {"calls": 0.0, "writes": 0.0, "fallbacks": 0.0}
    for node in nodes:
        try:
            text = httpx.get(f"{node.url}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=10).text
        except httpx.HTTPError:
            continue
        for match in re.finditer(r'^floor_scan_pipeline\{what="(\w+)"\} (\S+)$', text, re.M):
            totals[match[1]] += float(match[2])
    return totals


def resource_seconds() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Stack:
    """Redis (one server, or a 3-master cluster with a warehouse on each of two masters) and the web nodes."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.redis: Redis | None = None
        self.cluster: Any = None
        self.jobs: Redis | None = None
        self.nodes: list[WebNode] = []
        if args.cluster:
            from tests.redis_cluster import RedisCluster, warehouses_on_distinct_masters

            self.cluster = RedisCluster()  # 3 masters (redis-cli --cluster create needs 3); 2 carry a warehouse
            self.url = self.cluster.url
            self.warehouses = warehouses_on_distinct_masters(self.cluster, 2)
            self.ports = [port for _host, port in self.cluster.nodes]
            self.jobs = Redis()  # RQ needs a plain Redis
            self.pids = [self.cluster.processes[port].pid for port in self.ports]
        else:
            self.redis = Redis()
            self.url = self.redis.url
            self.warehouses = [WAREHOUSE]
            self.ports = [self.redis.port]
            self.pids = [self.redis.process.pid]

    def start_nodes(self, args: argparse.Namespace, secret: str) -> None:
        env = {"FLOOR_SCAN_PIPELINE": "1" if args.pipeline else "0"}
        if self.jobs is not None:
            env["RQ_REDIS_URL"] = self.jobs.url
        self.nodes = [WebNode(self.url, secret, args.server, args.ws, env) for _ in range(args.nodes)]

    def cpu(self) -> dict[str, float]:
        return {"client": resource_seconds(), **{f"redis{i}": cpu_seconds(pid) for i, pid in enumerate(self.pids)},
                **{f"web{i}": cpu_seconds(n.process.pid) for i, n in enumerate(self.nodes)}}

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
        for server in (self.redis, self.jobs):
            if server is not None:
                server.stop()
        if self.cluster is not None:
            self.cluster.stop()


def phase_result(handhelds: list[Handheld], phase: int, rate: float, seconds: float, elapsed: float,
                 cpu: dict[str, float], redis_cpu: dict[str, float]) -> dict[str, Any]:
    mine = [(h, s) for h in handhelds for s, (p, _due) in h.scheduled.items() if p == phase]
    sent = len(mine)
    answered = sum(1 for h, s in mine if h.answers.get(s))
    doubled = sum(1 for h, s in mine if h.answers.get(s, 0) > 1)
    latency = [x * 1000 for h in handhelds for x in h.latency.get(phase, [])]
    verdicts: dict[str, int] = {}  # this phase's first answers by verdict (the raw client counts them)
    for h in handhelds:
        for (p, verdict), n in getattr(h, "phase_verdicts", {}).items():
            if p == phase:
                verdicts[verdict] = verdicts.get(verdict, 0) + n
    web = sum(v for k, v in cpu.items() if k.startswith("web"))
    web_us = web / max(answered, 1) * 1e6
    redis_main = redis_cpu["redis_main_thread_cpu_us_per_scan"]
    return {
        "target_rate": rate, "seconds": seconds, "sent": sent, "answered": answered, "lost": sent - answered,
        "doubled": doubled, "offered_per_s": round(sent / seconds, 1),
        "throughput_per_s": round(answered / max(elapsed, seconds), 1),
        "p50_ms": round(percentile(latency, 0.50), 3), "p99_ms": round(percentile(latency, 0.99), 3),
        "p999_ms": round(percentile(latency, 0.999), 3), "max_ms": round(max(latency), 3) if latency else None,
        "mean_ms": round(statistics.fmean(latency), 3) if latency else None,
        "cpu_s": {k: round(v, 2) for k, v in cpu.items()},
        "cpu_share": {k: round(v / elapsed, 2) for k, v in cpu.items()},
        "cpu_us_per_scan": {k: round(v / max(answered, 1) * 1e6, 1) for k, v in cpu.items()},
        "server_cpu_us_per_scan": round(web_us, 1),
        "redis_cpu_us_per_scan": round(sum(v for k, v in cpu.items() if k.startswith("redis")) / max(answered, 1) * 1e6, 1),
        **redis_cpu,
        "web_over_redis_cpu": round(web_us / redis_main, 2) if redis_main > 0 else None,
        "verdicts": verdicts,
        "max_ms_per_100ms": windows(handhelds, phase),
    }


def windows(handhelds: list[Any], phase: int) -> list[float]:
    """The worst latency (ms) of the scans due in each 100 ms of the phase: a stall shows as a run of
    high windows, queueing as a ramp (the raw client keeps each answer's due time)."""
    points = [item for h in handhelds for item in getattr(h, "timeline", {}).get(phase, [])]
    if not points:
        return []
    first = min(due for due, _ in points)
    worst: dict[int, float] = {}
    for due, latency in points:
        slot = int((due - first) * 10)
        worst[slot] = max(worst.get(slot, 0.0), latency * 1000)
    return [round(worst.get(n, 0.0), 1) for n in range(max(worst) + 1)]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    loadavg_start = os.getloadavg()
    stack = Stack(args)
    secret = uuid.uuid4().hex
    rates = [float(r) for r in args.rates.split(",")] if args.rates else [args.rate]
    counter = RedisCpu(stack.ports)
    try:
        total_scans = sum(round(args.seconds * rate / args.pickers) for rate in rates)
        steps = total_scans // 2 + 4
        started = time.perf_counter()
        per_warehouse = -(-args.pickers // len(stack.warehouses))
        for w, warehouse in enumerate(stack.warehouses):
            await load_warehouse(stack.url, warehouse, per_warehouse, steps, args.seed + w, f"B{w}B")
        load_s = time.perf_counter() - started
        stack.start_nodes(args, secret)
        nodes = stack.nodes
        if args.pin:  # e.g. "redis=0,web=1,client=1": each process kept on the named cores
            places = dict(item.split("=") for item in args.pin.split(","))
            pids = {"redis": stack.pids, "web": [n.process.pid for n in nodes], "client": [os.getpid()]}
            for what, cores in places.items():
                for pid in pids[what]:
                    os.sched_setaffinity(pid, {int(c) for c in cores.split("+")})
        metrics_token = TokenSigner(secret, 3600).issue("supervisor", "bench", "*")[0]
        async with httpx.AsyncClient(timeout=120) as http:
            semaphore = asyncio.Semaphore(16)

            async def login(n: int) -> str:
                async with semaphore:
                    node = nodes[n % len(nodes)]
                    w, k = n % len(stack.warehouses), n // len(stack.warehouses)
                    response = await http.post(f"{node.url}/api/auth/login",
                                               json={"badge": f"B{w}B{k:04d}", "pin": f"{1000 + k % 9000}"})
                    response.raise_for_status()
                    return str(response.json()["token"])

            tokens = await asyncio.gather(*(login(n) for n in range(args.pickers)))
        kind: Any = RawHandheld if args.client == "raw" else Handheld
        handhelds = [
            kind(n, nodes[n % len(nodes)].url.replace("http://", "ws://") + "/ws/handheld", tokens[n])
            for n in range(args.pickers)
        ]
        for chunk in range(0, len(handhelds), 50):
            await asyncio.gather(*(h.connect() for h in handhelds[chunk:chunk + 50]))
        receivers = [asyncio.create_task(h.receive_all()) for h in handhelds] if args.client != "raw" else []
        # Idle cost: every socket connected, no scans (presence renewals, pings, timers, the sweeper).
        await asyncio.sleep(2.0)
        idle_before, idle_redis_before, idle_started = stack.cpu(), counter.read(), time.perf_counter()
        await asyncio.sleep(args.idle)
        idle_after, idle_redis_after = stack.cpu(), counter.read()
        idle_s = time.perf_counter() - idle_started
        idle_rate = {k: (idle_after[k] - idle_before[k]) / idle_s for k in idle_after}
        idle_rate["redis_main"] = (idle_redis_after["main_cpu_s"] - idle_redis_before["main_cpu_s"]) / idle_s
        phases = []
        for phase, rate in enumerate(rates):
            interval = args.pickers / rate  # seconds between two scans of one picker
            per_picker = round(args.seconds * rate / args.pickers)
            start = time.perf_counter() + 1.0
            if args.mark:
                Path(args.mark).write_text(f"phase {phase} rate {rate} pid {' '.join(str(n.process.pid) for n in nodes)}\n")
            piped_before = pipeline_counters(nodes, metrics_token)
            streams_before = stream_entries(stack.url, stack.warehouses)
            cpu_before, redis_before = stack.cpu(), counter.read()
            if args.gc_off:  # the client's own collector passes would show as server latency
                gc.collect()
                gc.freeze()
                gc.disable()
            if args.client == "raw":
                await drive(phase, handhelds, start, interval, per_picker)
            else:
                await asyncio.gather(*(h.send_phase(phase, start, interval, per_picker) for h in handhelds))
            sent_done = time.perf_counter()
            drain_deadline = sent_done + args.drain
            while time.perf_counter() < drain_deadline:  # every sent scan answered, or the drain timeout
                if all(len(h.answers) >= len(h.scheduled) for h in handhelds):
                    break
                await asyncio.sleep(0.05)
            drained = time.perf_counter()
            gc.enable()
            cpu_after, redis_after = stack.cpu(), counter.read()
            piped_after = pipeline_counters(nodes, metrics_token)
            streams_after = stream_entries(stack.url, stack.warehouses)
            if args.mark:
                Path(args.mark).write_text("idle\n")
            cpu = {k: cpu_after[k] - cpu_before[k] for k in cpu_after}
            answered_now = sum(1 for h in handhelds for s, (p, _d) in h.scheduled.items() if p == phase and h.answers.get(s))
            result = phase_result(handhelds, phase, rate, args.seconds, drained - start, cpu,
                                  RedisCpu.per_scan(redis_before, redis_after, answered_now))
            # Marginal cost: the phase's CPU minus what the same processes burn idle in that time.
            span = drained - start + 1.0  # the CPU counters were read 1 s before the first scan was due
            web_marginal = sum(cpu[k] - idle_rate[k] * span for k in cpu if k.startswith("web"))
            redis_marginal = (redis_after["main_cpu_s"] - redis_before["main_cpu_s"]) - idle_rate["redis_main"] * span
            n = max(answered_now, 1)
            result["marginal"] = {
                "web_cpu_us_per_scan": round(web_marginal / n * 1e6, 1),
                "redis_main_thread_cpu_us_per_scan": round(redis_marginal / n * 1e6, 1),
                "web_over_redis_cpu": round(web_marginal / redis_marginal, 2) if redis_marginal > 0 else None,
            }
            writes = piped_after["writes"] - piped_before["writes"]
            result["pipeline"] = {k: piped_after[k] - piped_before[k] for k in piped_after}
            result["calls_per_write"] = round((piped_after["calls"] - piped_before["calls"]) / writes, 2) if writes else None
            result["loadavg_1m"] = os.getloadavg()[0]
            result["stream_entries_per_scan"] = {
                k: round((streams_after[k] - streams_before[k]) / max(answered_now, 1), 3) for k in streams_after}
            phases.append(result)
            print(json.dumps({k: result.get(k) for k in ("target_rate", "lost", "p50_ms", "p99_ms", "server_cpu_us_per_scan",
                                                     "redis_main_thread_cpu_us_per_scan", "web_over_redis_cpu", "calls_per_write")}),
                  file=sys.stderr)
            await asyncio.sleep(1.0)
        for h in handhelds:
            await (h.close() if args.client == "raw" else h.ws.close())
        for task in receivers:
            task.cancel()
        verdicts: dict[str, int] = {}
        for h in handhelds:
            for v, n in h.verdicts.items():
                verdicts[v] = verdicts.get(v, 0) + n
        every_core = set(range(os.cpu_count() or 1))
        for pid in stack.pids:  # the baseline is Redis on the whole machine, pinned or not during the phases
            os.sched_setaffinity(pid, every_core)
        baseline = redis_benchmark(stack.ports[0])
        return {
            "server": args.server, "ws": args.ws, "client": args.client, "pipeline": args.pipeline, "nodes": args.nodes,
            "redis": "cluster (3 masters, two warehouses on two of them)" if args.cluster else "one redis-server (AOF everysec)",
            "pickers": args.pickers, "phases": phases,
            "verdicts": verdicts, "non_ok": sum(n for v, n in verdicts.items() if v != "ok"),
            "order_errors": sum(h.order_errors for h in handhelds),
            "errors": sum(h.errors for h in handhelds),
            "error_codes": {c: sum(h.error_codes.get(c, 0) for h in handhelds) for c in {c for h in handhelds for c in h.error_codes}},
            "redis_benchmark": baseline,
            "ratios": ratios(phases, baseline),
            "load_s": round(load_s, 1),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "loadavg_start": loadavg_start, "loadavg_end": os.getloadavg(),
            "idle_cpu_cores": {k: round(v, 3) for k, v in idle_rate.items()},
        }
    finally:
        counter.close()
        stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pickers", type=int, default=500)
    parser.add_argument("--rate", type=float, default=3000, help="target scans per second, all pickers together")
    parser.add_argument("--rates", default="", help="comma-separated rates: one phase each, in one stack")
    parser.add_argument("--seconds", type=float, default=30, help="length of each phase")
    parser.add_argument("--nodes", type=int, default=1)
    parser.add_argument("--server", choices=("uvicorn", "granian"), default="uvicorn")
    parser.add_argument("--ws", choices=("fast", "websockets", "websockets-sansio", "wsproto"), default="fast",
                        help="uvicorn's WebSocket implementation (fast: handheld_api/ws/fastws.py, as the Procfile)")
    parser.add_argument("--client", choices=("raw", "websockets"), default="raw",
                        help="raw: bench/scan_client.py (pre-built frames, one timer); websockets: the websockets package")
    parser.add_argument("--pipeline", type=int, choices=(0, 1), default=1, help="FLOOR_SCAN_PIPELINE on the nodes")
    parser.add_argument("--cluster", action="store_true", help="a 3-master Redis Cluster, two warehouses on two masters")
    parser.add_argument("--mark", default="", help="file that names the phase running (for a profiler)")
    parser.add_argument("--json", default="", help="also write the result here")
    parser.add_argument("--idle", type=float, default=5.0, help="seconds of idle CPU measured before the phases")
    parser.add_argument("--drain", type=float, default=10, help="seconds to wait for outstanding verdicts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pin", default="", help="CPU affinity, e.g. redis=0,web=1,client=0+1")
    parser.add_argument("--gc-off", type=int, choices=(0, 1), default=1,
                        help="the client's garbage collector off during a phase (its pauses are not the server's)")
    args = parser.parse_args()
    result = uvloop.run(run(args))
    text = json.dumps(result, indent=2)
    r = result["ratios"]
    for phase in result["phases"]:
        print(f"{phase['offered_per_s']:>8.0f}/s  p50 {phase['p50_ms']:8.2f} ms  p99 {phase['p99_ms']:8.2f} ms  "
              f"lost {phase['lost']}  web {phase['server_cpu_us_per_scan']:6.1f} µs/scan  "
              f"Redis {phase['redis_main_thread_cpu_us_per_scan']:6.1f} µs/scan  "
              f"web/Redis CPU {phase['web_over_redis_cpu']} (marginal {phase['marginal']['web_over_redis_cpu']})  "
              f"scans/write {phase['calls_per_write']}", file=sys.stderr)
    print(f"RATIO 1  web CPU per scan / Redis CPU per scan (target <= 1.0): {r['web_over_redis_cpu']}; "
          f"marginal (idle CPU taken out): {[p['marginal']['web_over_redis_cpu'] for p in result['phases']]}",
          file=sys.stderr)
    print(f"RATIO 2  best rate with p99 <= 15 ms and 0 lost ({r['best_rate_p99_ok']:.0f}/s) / redis-benchmark EVAL "
          f"c=50 ({r['eval_c50_rps']:.0f}/s) (target >= 0.10): {r['best_rate_over_eval_c50']}", file=sys.stderr)
    if args.json:
        Path(args.json).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
