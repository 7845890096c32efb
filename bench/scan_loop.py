"""Scan-loop benchmark: N handhelds over WebSockets, scans driven open-loop, verdict latency.

Starts its own stack (redis-server with AOF + web nodes), loads a warehouse, logs N pickers in
with badge + PIN, releases waves (one task per picker), connects every handheld, then sends
each picker's scans (location, item, location, item ...) at fixed times regardless of answers
(open loop: latency is measured from the *scheduled* send time, so a stalled server cannot hide
its queueing). Reports throughput, p50/p99/p99.9 verdict latency, lost and doubled verdicts,
non-ok verdicts, and in the same run the p50 round trip of `redis-benchmark` EVAL on the same
Redis.

    .venv/bin/python bench/scan_loop.py --pickers 500 --rate 3000 --seconds 30
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import uvloop
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stack import Redis, WebNode, cpu_seconds  # noqa: E402
from floor.accounts.model import Picker  # noqa: E402
from floor.catalog.model import Sku, make_gtin13  # noqa: E402
from floor.floor import Floor
from floor.inventory.model import AdjustStock  # noqa: E402
from floor.layout.model import Layout  # noqa: E402
from floor.orders.model import NewOrder, OrderLine  # noqa: E402
from floor.waves.model import ReleaseWave  # noqa: E402

WAREHOUSE = "B1"


async def load(redis_url: str, pickers: int, steps_per_picker: int, seed: int) -> None:
    rng = random.Random(seed)
    floor = Floor.from_url(redis_url, default_warehouse=WAREHOUSE)
    await floor.start()
    layout = Layout(WAREHOUSE, aisles=40, cells=50)
    await floor.layouts.put(layout)
    skus = [Sku(f"S{n:05d}", make_gtin13("690500", n).zfill(14), f"item {n}") for n in range(1, 2001)]
    for sku in skus:
        await floor.catalog.define(WAREHOUSE, sku)
    codes = [layout.location(a, c).code for a in range(1, 41) for c in range(1, 51)]
    units_needed = pickers * steps_per_picker
    per_location = max(100, 3 * units_needed // len(skus))
    for n, sku in enumerate(skus):
        await floor.inventory.adjust(WAREHOUSE, AdjustStock(f"in-{n}", sku.sku, codes[n], per_location, "receipt"), "bench")
    for n in range(pickers):
        await floor.accounts.put_picker(Picker(f"p{n}", WAREHOUSE, f"BB{n:04d}", f"Picker {n}"), f"{1000 + n % 9000}")
    orders, units = 0, 0
    while units < units_needed * 1.3:  # tasks vary in size: every picker must have enough scans
        lines = {rng.choice(skus).sku for _ in range(rng.randint(1, 4))}
        await floor.orders.intake(WAREHOUSE, NewOrder("jd", f"bench-{orders}", [OrderLine(s, 1) for s in lines]))
        orders, units = orders + 1, units + len(lines)
    per_wave = max(1, min(pickers, 10_000 * pickers // orders))
    remaining = pickers
    wave = 0
    while remaining > 0:
        group = min(per_wave, remaining)
        share = orders * group // pickers
        # One long task per picker (the serpentine planner): this benchmark measures the scan path.
        await floor.waves.release(WAREHOUSE, ReleaseWave(f"bw{wave}", pickers=group, max_orders=max(1, min(share, 10_000)),
                                             warehouse=WAREHOUSE, planner="serpentine"))
        remaining -= group
        wave += 1
    await floor.close()


class Handheld:
    def __init__(self, index: int, url: str, token: str) -> None:
        self.index = index
        self.url = url
        self.token = token
        self.scans: list[tuple[str, str]] = []  # (scan_id, barcode)
        self.scheduled: dict[str, float] = {}
        self.latency: list[float] = []
        self.verdicts: dict[str, int] = {}
        self.answers: dict[str, int] = {}  # scan_id -> verdict frames received
        self.errors = 0
        self.error_codes: dict[str, int] = {}
        self.task_id = ""

    async def connect(self) -> None:
        self.ws = await websockets.connect(f"{self.url}?token={self.token}", compression=None, max_size=2**20,
                                           open_timeout=60, ping_interval=None)
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

    async def send_all(self, start: float, interval: float, count: int) -> None:
        """Send ``count`` scans, the k-th due at start + (k + phase) * interval, whatever the answers."""
        phase = random.random()
        for k, (scan_id, barcode) in enumerate(self.scans[:count]):
            due = start + (k + phase) * interval
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            self.scheduled[scan_id] = due
            await self.ws.send(json.dumps({"type": "scan", "scan_id": scan_id, "barcode": barcode, "task_id": self.task_id}))

    async def receive_all(self) -> None:
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
                if scan_id in self.scheduled and self.answers[scan_id] == 1:
                    self.latency.append(now - self.scheduled[scan_id])
        except websockets.ConnectionClosed:
            pass


def resource_seconds() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def redis_benchmark(port: int) -> dict[str, float]:
    binary = shutil.which("redis-benchmark")
    if binary is None:
        return {}
    result = {}
    for clients in (1, 50):
        out = subprocess.run(
            [binary, "-p", str(port), "-n", "50000", "-c", str(clients), "--csv", "eval", "return 1", "0"],
            capture_output=True, text=True, timeout=120,
        ).stdout.strip().splitlines()
        header = [h.strip('"') for h in out[0].split(",")]
        values = [v.strip('"') for v in out[-1].split(",")]
        row = dict(zip(header, values, strict=False))
        result[f"eval_c{clients}_p50_ms"] = float(row["p50_latency_ms"])
        result[f"eval_c{clients}_rps"] = float(row["rps"])
    return result


async def run(args: argparse.Namespace) -> dict[str, Any]:
    redis = Redis()
    nodes: list[WebNode] = []
    secret = uuid.uuid4().hex
    try:
        interval = args.pickers / args.rate  # seconds between two scans of one picker
        scans_per_picker = round(args.seconds / interval) + 2
        steps = scans_per_picker // 2 + 2
        started = time.perf_counter()
        await load(redis.url, args.pickers, steps, args.seed)
        load_s = time.perf_counter() - started
        nodes = [WebNode(redis.url, secret, args.server) for _ in range(args.nodes)]
        async with httpx.AsyncClient(timeout=120) as http:
            semaphore = asyncio.Semaphore(16)

            async def login(n: int) -> str:
                async with semaphore:
                    node = nodes[n % len(nodes)]
                    response = await http.post(f"{node.url}/api/auth/login",
                                               json={"badge": f"BB{n:04d}", "pin": f"{1000 + n % 9000}"})
                    response.raise_for_status()
                    return str(response.json()["token"])

            tokens = await asyncio.gather(*(login(n) for n in range(args.pickers)))
        handhelds = [
            Handheld(n, nodes[n % len(nodes)].url.replace("http://", "ws://") + "/ws/handheld", tokens[n])
            for n in range(args.pickers)
        ]
        for chunk in range(0, len(handhelds), 50):
            await asyncio.gather(*(h.connect() for h in handhelds[chunk:chunk + 50]))
        receivers = [asyncio.create_task(h.receive_all()) for h in handhelds]
        start = time.perf_counter() + 1.0
        cpu_before = {"client": resource_seconds(), "redis": cpu_seconds(redis.process.pid),
                      **{f"web{i}": cpu_seconds(n.process.pid) for i, n in enumerate(nodes)}}
        per_picker = round(args.seconds * args.rate / args.pickers)
        await asyncio.gather(*(h.send_all(start, interval, per_picker) for h in handhelds))
        sent_done = time.perf_counter()
        cpu_after = {"client": resource_seconds(), "redis": cpu_seconds(redis.process.pid),
                     **{f"web{i}": cpu_seconds(n.process.pid) for i, n in enumerate(nodes)}}
        # Drain: wait until every sent scan has an answer, or the drain timeout.
        drain_deadline = time.perf_counter() + args.drain
        while time.perf_counter() < drain_deadline:
            if all(len(h.answers) >= len(h.scheduled) for h in handhelds):
                break
            await asyncio.sleep(0.05)
        for h in handhelds:
            await h.ws.close()
        for task in receivers:
            task.cancel()
        sent = sum(len(h.scheduled) for h in handhelds)
        answered = sum(1 for h in handhelds for s in h.scheduled if h.answers.get(s))
        doubled = sum(1 for h in handhelds for n in h.answers.values() if n > 1)
        latency = [x * 1000 for h in handhelds for x in h.latency]
        verdicts: dict[str, int] = {}
        for h in handhelds:
            for v, n in h.verdicts.items():
                verdicts[v] = verdicts.get(v, 0) + n
        elapsed = sent_done - start
        baseline = redis_benchmark(redis.port)
        return {
            "server": args.server,
            "nodes": args.nodes,
            "pickers": args.pickers,
            "target_rate": args.rate,
            "seconds": args.seconds,
            "sent": sent,
            "answered": answered,
            "lost": sent - answered,
            "doubled": doubled,
            "errors": sum(h.errors for h in handhelds),
            "error_codes": {c: sum(h.error_codes.get(c, 0) for h in handhelds) for c in {c for h in handhelds for c in h.error_codes}},
            "offered_per_s": round(sent / args.seconds, 1),
            "throughput_per_s": round(answered / max(elapsed, args.seconds), 1),
            "p50_ms": round(percentile(latency, 0.50), 3),
            "p99_ms": round(percentile(latency, 0.99), 3),
            "p999_ms": round(percentile(latency, 0.999), 3),
            "max_ms": round(max(latency), 3) if latency else None,
            "mean_ms": round(statistics.fmean(latency), 3) if latency else None,
            "verdicts": verdicts,
            "cpu_share_during_run": {k: round((cpu_after[k] - cpu_before[k]) / (sent_done - start + 1.0), 2) for k in cpu_after},
            "server_cpu_us_per_scan": round(sum(cpu_after[k] - cpu_before[k] for k in cpu_after if k.startswith("web")) / max(answered, 1) * 1e6, 1),
            "redis_cpu_us_per_scan": round((cpu_after["redis"] - cpu_before["redis"]) / max(answered, 1) * 1e6, 1),
            "redis_benchmark": baseline,
            "load_s": round(load_s, 1),
            "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores, Python {platform.python_version()}",
        }
    finally:
        for node in nodes:
            node.stop()
        redis.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pickers", type=int, default=500)
    parser.add_argument("--rate", type=float, default=3000, help="target scans per second, all pickers together")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--nodes", type=int, default=1)
    parser.add_argument("--server", choices=("uvicorn", "granian"), default="uvicorn")
    parser.add_argument("--drain", type=float, default=10, help="seconds to wait for outstanding verdicts")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    result = uvloop.run(run(args))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
