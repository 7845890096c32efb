"""Fan-out benchmark: does one stalled handheld or board slow anyone else down?

One real uvicorn node on its own redis-server (bench/stack.py), the warehouse of bench/scan_loop.py.
N handhelds scan open-loop at a fixed total rate (latency counted from the *scheduled* send time),
B boards receive every floor event, and P idle "probe" handhelds receive a task push once a second
(a one-order wave released over HTTP). Halfway through, handheld 0 and board 0 stop reading: their
transports are paused and their receive buffers are 4 KiB, and they keep sending (handheld 0 its
scans, both of them pings with 4,000-character random ids, each echoed in a `pong`) so that their
TCP path fills within seconds; with normal traffic alone that takes hours (Linux lets a socket's
send buffer grow to 4 MiB). Reported for everyone else, before and after the stall, side by side:
p50/p99/max verdict latency, p50/p99/max event-to-board delay (receive time minus the event's
Stream id time, same host clock), task-push latency; and when and how the stalled sockets were
closed (4408 expected).

    .venv/bin/python bench/fanout.py --pickers 500 --boards 50 --rate 3000 --seconds 15
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import uvloop
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fanout_clients import Board, Handheld, Probes, close_code, open_socket, stall_and_fill  # noqa: E402
from bench.scan_loop import WAREHOUSE, load, percentile, resource_seconds  # noqa: E402
from bench.stack import Redis, WebNode, cpu_seconds  # noqa: E402
from floor.accounts.model import Picker, User  # noqa: E402
from floor.floor import Floor  # noqa: E402
from floor.orders.model import NewOrder, OrderLine  # noqa: E402


async def add_probes_and_supervisor(redis_url: str, probes: int) -> None:
    floor = Floor.from_url(redis_url, default_warehouse=WAREHOUSE)
    await floor.start()
    for n in range(probes):
        await floor.accounts.put_picker(Picker(f"q{n}", WAREHOUSE, f"QQ{n:04d}", f"Probe {n}"), "4321")
        await floor.orders.intake(WAREHOUSE, NewOrder("jd", f"probe-{n}", [OrderLine("S00001", 1)]))
    await floor.accounts.put_user(User("bench-sup", "supervisor", [WAREHOUSE]), "bench-pass")
    await floor.close()


def scan_buckets(url: str, headers: dict[str, str]) -> dict[str, float]:
    """The node's floor_scan_seconds histogram (server time decode -> verdict queued): le -> count."""
    text = httpx.get(f"{url}/metrics", headers=headers, timeout=10).text
    return {line.split('le="')[1].split('"')[0]: float(line.rsplit(" ", 1)[1])
            for line in text.splitlines() if line.startswith("floor_scan_seconds_bucket{")}


def machine_busy_seconds() -> float:
    """CPU seconds (all cores, not idle / iowait) the whole machine has used since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def stats(values: list[float]) -> dict[str, Any]:
    return {"n": len(values), "p50": round(percentile(values, 0.5), 2), "p99": round(percentile(values, 0.99), 2),
            "max": round(max(values), 2) if values else None}


def slow_closes(url: str, headers: dict[str, str]) -> dict[str, int]:
    """floor_slow_socket_closes_total of the node, per socket kind."""
    text = httpx.get(f"{url}/metrics", headers=headers, timeout=10).text
    counts = {"handheld": 0, "board": 0}
    for line in text.splitlines():
        if line.startswith("floor_slow_socket_closes_total{"):
            kind = line.split('kind="')[1].split('"')[0]
            counts[kind] = counts.get(kind, 0) + int(float(line.rsplit(" ", 1)[1]))
    return counts


async def run(args: argparse.Namespace) -> dict[str, Any]:
    redis = Redis()
    node: WebNode | None = None
    try:
        interval = args.pickers / args.rate
        total_s = args.warmup + 2 * args.seconds
        scans_per_picker = round(total_s / interval) + 2
        await load(redis.url, args.pickers, scans_per_picker // 2 + 2, args.seed)
        await add_probes_and_supervisor(redis.url, args.probes)
        # Every handheld logs in from this one address: lift the per-address login limit for the run.
        os.environ["FLOOR_LOGIN_ADDRESS_LIMIT"] = str(10 * (args.pickers + args.probes + 10))
        node = WebNode(redis.url, uuid.uuid4().hex, "uvicorn", ws=args.ws)
        ws_url = node.url.replace("http://", "ws://")
        async with httpx.AsyncClient(timeout=120) as http:
            semaphore = asyncio.Semaphore(16)

            async def login(body: dict[str, str]) -> str:
                async with semaphore:
                    response = await http.post(f"{node.url}/api/auth/login", json=body)
                    response.raise_for_status()
                    return str(response.json()["token"])

            tokens = await asyncio.gather(*(login({"badge": f"BB{n:04d}", "pin": f"{1000 + n % 9000}"})
                                            for n in range(args.pickers)))
            probe_tokens = await asyncio.gather(*(login({"badge": f"QQ{n:04d}", "pin": "4321"})
                                                  for n in range(args.probes)))
            sup = await login({"username": "bench-sup", "password": "bench-pass"})
        headers = {"Authorization": f"Bearer {sup}"}
        handhelds = [Handheld(f"{ws_url}/ws/handheld", tokens[n], n) for n in range(args.pickers)]
        await handhelds[0].connect(rcvbuf=4096)
        for chunk in range(1, len(handhelds), 50):
            await asyncio.gather(*(h.connect() for h in handhelds[chunk:chunk + 50]))
        boards = [Board(f"{ws_url}/ws/board?token={sup}&warehouse={WAREHOUSE}") for _ in range(args.boards)]
        await boards[0].connect(rcvbuf=4096)
        await asyncio.gather(*(b.connect() for b in boards[1:]))
        probes = Probes()
        for n in range(args.probes):
            ws = await open_socket(f"{ws_url}/ws/handheld?token={probe_tokens[n]}")
            assert [json.loads(await ws.recv())["type"] for _ in range(2)] == ["welcome", "idle"]
            probes.sockets.append(ws)
        listeners = [asyncio.create_task(t) for t in (
            *(h.receive_all() for h in handhelds), *(b.receive_all() for b in boards),
            *(probes.listen(ws) for ws in probes.sockets))]

        start = time.perf_counter() + 1.0  # scans start; measuring starts after the warm-up
        measured = start + args.warmup
        middle, end = measured + args.seconds, start + total_s
        slow_before = slow_closes(node.url, headers)
        cpu: dict[str, list[float]] = {"t": [], "web": [], "redis": [], "client": [], "machine": []}
        buckets: list[dict[str, float]] = []

        async def sample_cpu() -> None:
            for moment in (measured, middle, end):
                await asyncio.sleep(max(0.0, moment - time.perf_counter()))
                cpu["t"].append(time.perf_counter())
                cpu["web"].append(cpu_seconds(node.process.pid))
                cpu["redis"].append(cpu_seconds(redis.process.pid))
                cpu["client"].append(resource_seconds())
                cpu["machine"].append(machine_busy_seconds())
                buckets.append(await asyncio.to_thread(scan_buckets, node.url, headers))

        closed_at: dict[str, float] = {}
        codes: dict[str, int | None] = {}

        async def stall_then_watch(kind: str, ws: websockets.ClientConnection) -> None:
            """Stall at the middle; once the node counts this socket as closed too slow, stop sending;
            after the measured phases read again (it left the dead spot) and note the close code."""
            await asyncio.sleep(max(0.0, middle - time.perf_counter()))
            if args.no_stall:
                return
            fill = asyncio.create_task(stall_and_fill(ws, args.fill_mb, args.fill_rate))
            while time.perf_counter() < end + args.drain:
                await asyncio.sleep(0.25)
                if (await asyncio.to_thread(slow_closes, node.url, headers))[kind] > slow_before[kind]:
                    closed_at[kind] = round(time.perf_counter() - middle, 2)
                    break
            await asyncio.sleep(1.0)
            fill.cancel()
            # Read again only after the measured phases: parsing megabytes of backlog would stall
            # this client's own loop and show up as everyone's latency.
            await asyncio.sleep(max(0.0, end - time.perf_counter()))
            codes[kind] = await close_code(ws)

        per_picker = round(total_s * args.rate / args.pickers)
        async with httpx.AsyncClient(timeout=30) as http:
            await asyncio.gather(
                *(h.send_all(start, interval, per_picker) for h in handhelds),
                probes.drive(http, node.url, headers, measured, end), sample_cpu(),
                stall_then_watch("handheld", handhelds[0].ws), stall_then_watch("board", boards[0].ws),
            )
        deadline = time.perf_counter() + args.drain
        while time.perf_counter() < deadline and any(len(h.answered) < len(h.scheduled) for h in handhelds[1:]):
            await asyncio.sleep(0.1)
        slow_after = slow_closes(node.url, headers)
        for h in handhelds[1:]:
            await h.ws.close()
        for b in boards[1:]:
            await b.ws.close()
        for ws in probes.sockets:
            await ws.close()
        for task in listeners:
            task.cancel()

        def server_scan_share(i: int) -> dict[str, float]:
            """Share of the phase's scans whose server time (incl. waiting for a Redis connection) exceeded
            10 ms / 100 ms / 1 s: high shares put a verdict delay in the server, low ones outside it."""
            total = buckets[i + 1]["+Inf"] - buckets[i]["+Inf"]
            return {f">{le}s": round(1 - (buckets[i + 1][le] - buckets[i][le]) / max(total, 1), 4)
                    for le in ("0.01", "0.1", "1.0")}

        def phase(lo: float, hi: float) -> dict[str, Any]:
            verdicts = [lat * 1000 for h in handhelds[1:] for t, lat in h.latency if lo <= t < hi]
            sent = sum(1 for h in handhelds[1:] for t in h.scheduled.values() if lo <= t < hi)
            answered = sum(1 for h in handhelds[1:] for s, t in h.scheduled.items() if lo <= t < hi and s in h.answered)
            events = [d for b in boards[1:] for t, d in b.delays if lo <= t < hi]
            pushes = [lat * 1000 for t, lat in probes.latency if lo <= t < hi]
            return {"scans_sent": sent, "scans_answered": answered, "scans_per_s": round(sent / (hi - lo), 1),
                    "verdict_ms": stats(verdicts), "event_to_board_ms": stats(events),
                    "events_per_board_per_s": round(len(events) / max(1, len(boards) - 1) / (hi - lo), 1),
                    "push_ms": stats(pushes)}

        def series() -> list[dict[str, Any]]:
            """Per second of the run (t = seconds since the stall): p99 verdict and event delay."""
            rows = []
            for second in range(int(2 * args.seconds)):
                lo = measured + second
                verdicts = [lat * 1000 for h in handhelds[1:] for t, lat in h.latency if lo <= t < lo + 1]
                events = [d for b in boards[1:] for t, d in b.delays if lo <= t < lo + 1]
                rows.append({"t": round(lo - middle), "verdict_p99": round(percentile(verdicts, 0.99), 1),
                             "event_p99": round(percentile(events, 0.99), 1)})
            return rows

        counts = {len(b.ids) for b in boards[1:]}
        ordered = all(b.ids == sorted(b.ids, key=lambda i: tuple(map(int, i.split("-")))) for b in boards[1:])
        share = {k: [round((cpu[k][i + 1] - cpu[k][i]) / (cpu["t"][i + 1] - cpu["t"][i]), 2) for i in (0, 1)]
                 for k in ("web", "redis", "client", "machine")}
        # CPU seconds per second used by everything else on the box (other jobs): > 0.3 means contention.
        share["others"] = [round(share["machine"][i] - share["web"][i] - share["redis"][i] - share["client"][i], 2)
                           for i in (0, 1)]
        return {
            "pickers": args.pickers, "boards": args.boards, "probes": args.probes, "target_rate": args.rate,
            "seconds_per_phase": args.seconds,
            "before": phase(measured, middle), "after": phase(middle, end), "warmup_s": args.warmup,
            "server_scan_time_share_before_after": [server_scan_share(0), server_scan_share(1)],
            "stalled": "none (control run)" if args.no_stall else {
                "close_codes": codes, "closed_s_after_stall": closed_at,
                "fill_mb": args.fill_mb, "fill_mb_per_s": args.fill_rate,
                "slow_closes_on_node": {k: slow_after[k] - slow_before[k] for k in slow_after}},
            "ws": args.ws,
            "per_second": series(), "push_probes_missed": probes.missed,
            "healthy_boards_got_same_event_count": len(counts) == 1, "healthy_boards_in_order": ordered,
            "cpu_share_before_after": share,
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        }
    finally:
        if node is not None:
            node.stop()
        redis.stop()


def table(result: dict[str, Any]) -> str:
    rows = [("scans/s offered", "scans_per_s", None), ("verdict p50 ms", "verdict_ms", "p50"),
            ("verdict p99 ms", "verdict_ms", "p99"), ("verdict max ms", "verdict_ms", "max"),
            ("event->board p50 ms", "event_to_board_ms", "p50"), ("event->board p99 ms", "event_to_board_ms", "p99"),
            ("event->board max ms", "event_to_board_ms", "max"), ("events/s per board", "events_per_board_per_s", None),
            ("task push p50 ms", "push_ms", "p50"), ("task push max ms", "push_ms", "max")]
    lines = [f"{'':24}{'before stall':>14}{'after stall':>14}"]
    for label, key, sub in rows:
        before, after = result["before"][key], result["after"][key]
        if sub:
            before, after = before[sub], after[sub]
        lines.append(f"{label:24}{before!s:>14}{after!s:>14}")
    lines.append(f"stalled sockets: {result['stalled']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pickers", type=int, default=500)
    parser.add_argument("--boards", type=int, default=50)
    parser.add_argument("--probes", type=int, default=40, help="idle handhelds receiving a task push a second")
    parser.add_argument("--rate", type=float, default=3000, help="scans per second, all pickers together")
    parser.add_argument("--seconds", type=float, default=15, help="length of each phase (before / after the stall)")
    parser.add_argument("--warmup", type=float, default=15,
                        help="unmeasured scanning first: order completions (board events) ramp up early in the tasks")
    parser.add_argument("--fill-mb", type=float, default=8, help="pong volume each stalled client asks for")
    parser.add_argument("--fill-rate", type=float, default=0.5, help="... in MB per second")
    parser.add_argument("--drain", type=float, default=10)
    parser.add_argument("--ws", default="auto", help="uvicorn --ws (auto = websockets-sansio, as `make run`)")
    parser.add_argument("--no-stall", action="store_true", help="control run: the same schedule, nobody stalls")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the result here")
    args = parser.parse_args()
    result = uvloop.run(run(args))
    text = json.dumps(result, indent=2)
    print(text)
    print(table(result))
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
