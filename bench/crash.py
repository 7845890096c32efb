"""Crash benchmark: kill -9 the web node and then redis-server mid-run; no acknowledged scan lost or doubled.

Starts redis-server as ``make run`` does (AOF on, ``appendfsync always``, its own data dir) and
one uvicorn web node (as bench/stack.py), loads a warehouse (bench/scan_loop.py's loader), logs
N pickers in and drives N handhelds (bench/crash_handheld.py: each follows its task, keeps an
outbox and re-sends it after every reconnect with the same scan ids) at a steady total rate.
Mid-run (processes in bench/crash_stack.py):

1. the web node gets SIGKILL halfway through a 400 ms Redis stall -- the scans it had sent are
   applied after it died, their verdicts never leave -- and a new node starts on the same port;
2. redis-server gets SIGKILL, stays dead 1 s, restarts from the same AOF dir; meanwhile half the
   handhelds drop their sockets and reconnect against a node whose store is down;
3. Redis stalls 1.5 s, past the node's 1 s timeout: the node answers `unavailable` for scans
   Redis may still apply when it wakes up.

After the run every handheld keeps its socket until its outbox is empty, then
bench/crash_check.py compares every verdict the handhelds got with Redis. Prints a JSON summary;
exits 1 if anything was lost or doubled (or some scan never got its verdict). ``--client drop``
makes the handhelds drop a scan answered with an error, as static/handheld did before this
branch, and shows the double that causes.

    .venv/bin/python bench/crash.py --handhelds 50 --rate 300 --seconds 60
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.crash_check import Acknowledged, verify  # noqa: E402
from bench.crash_handheld import Handheld, SocketOpener  # noqa: E402
from bench.crash_stack import ROOT, RedisProcess, WebProcess, stall_redis  # noqa: E402
from bench.scan_loop import WAREHOUSE, load  # noqa: E402


@dataclass
class CrashSettings:
    handhelds: int = 50
    rate: float = 300.0  # scans per second, all handhelds together
    seconds: float = 60.0  # scanning time; the kills happen inside it
    web_kill_at: float = 0.3  # fraction of `seconds`
    redis_kill_at: float = 0.65
    redis_down_s: float = 1.0  # redis-server stays dead this long before its restart
    stall_ms: int = 400  # the web node dies halfway through a Redis stall this long (0: no stall)
    roam_percent: int = 50  # this share of the handhelds drop their sockets while Redis is down
    stall_at: float = 0.85  # a Redis stall, nothing killed (0: none) ...
    stall_alone_ms: int = 1500  # ... longer than the node's 1 s Redis timeout: `unavailable`, yet applied
    client: str = "outbox"  # "outbox": keep and re-send on `unavailable`; "drop": drop it (handheld.js until wt-chaos)
    drain_s: float = 60.0  # after scanning stops, how long every outbox may take to empty
    seed: int = 1
    app_root: str = ""  # the checkout the web node runs (default: this one)


async def login_all(base_url: str, count: int) -> list[str]:
    """Tokens of pickers p0..p<count-1> (badges and PINs as bench/scan_loop.py's loader sets them)."""
    async with httpx.AsyncClient(timeout=60) as http:
        semaphore = asyncio.Semaphore(8)

        async def one(n: int) -> str:
            async with semaphore:
                response = await http.post(f"{base_url}/api/auth/login",
                                           json={"badge": f"BB{n:04d}", "pin": f"{1000 + n % 9000}"})
                response.raise_for_status()
                return str(response.json()["token"])

        return list(await asyncio.gather(*(one(n) for n in range(count))))


def verdict_gap(receipts: list[float], at: float, window: float) -> float | None:
    """The longest silence between two verdicts (any handheld) from ``at`` to ``at + window``,
    counted from the last verdict before ``at``: how long the floor got no answers."""
    times = sorted(receipts)
    before = [t for t in times if t <= at]
    inside = [t for t in times if at < t <= at + window]
    if not before or not inside:
        return None
    points = [before[-1], *inside]
    return round(max(b - a for a, b in zip(points, points[1:], strict=False)), 3)


async def _kill(what: str, process: RedisProcess | WebProcess, down_s: float, started: float,
                stall: tuple[int, int] | None = None, while_down: list[Handheld] | None = None) -> dict[str, Any]:
    """kill -9 ``process`` (``stall``: (redis port, ms) -- halfway through a Redis stall of ms, so the
    scans the node has sent are applied after it died and their verdicts are lost), restart it.
    ``while_down``: these handhelds drop their sockets (Wi-Fi roaming) while it is dead, so they
    reconnect (ticket, token check, presence) against a node whose store is down."""
    stalling = None
    if stall is not None:
        stalling = asyncio.create_task(asyncio.to_thread(stall_redis, *stall))
        await asyncio.sleep(stall[1] / 2000)
    at = time.monotonic()
    process.kill()
    if stalling is not None:
        await stalling
    if while_down:
        await asyncio.sleep(min(0.2, down_s / 4))
        await asyncio.gather(*(h.drop() for h in while_down))
    await asyncio.sleep(down_s)
    restart_s = await asyncio.to_thread(process.start)
    return {"what": what, "at_s": round(at - started, 2), "t": at, "redis_stall_ms": stall[1] if stall else 0,
            "sockets_dropped_while_down": len(while_down or []),
            "down_before_restart_s": down_s,
            "ready_after_kill_s": round(time.monotonic() - at, 3), "start_s": round(restart_s, 3)}


def acknowledged_of(handhelds: list[Handheld]) -> Acknowledged:
    acked = Acknowledged()
    for h in handhelds:
        for scan_id, frame in h.first.items():
            acked.verdicts[(h.picker, scan_id)] = frame
            acked.kinds[(h.picker, scan_id)] = h.kinds[scan_id]
    return acked


AfterHook = Callable[[str, Acknowledged], Awaitable[Any]]


async def run(settings: CrashSettings, keep: bool = False, after: AfterHook | None = None) -> dict[str, Any]:
    """The whole benchmark; returns the summary (``summary["ok"]`` is the verdict).

    ``after(redis_url, acknowledged)``, if given, runs once the check is done and before the stack
    stops (tests use it to prove the check catches a planted loss or double); its result is
    ``summary["after"]``."""
    workdir = Path(tempfile.mkdtemp(prefix="crash-bench-"))
    redis_proc = RedisProcess(workdir)
    web: WebProcess | None = None
    tasks: list[asyncio.Task[None]] = []
    try:
        await asyncio.to_thread(redis_proc.start)
        scans_each = settings.rate * settings.seconds / settings.handhelds
        await load(redis_proc.url, settings.handhelds, int(scans_each * 0.6) + 4, settings.seed)
        web = WebProcess(redis_proc.url, uuid.uuid4().hex, workdir, Path(settings.app_root or ROOT))
        await asyncio.to_thread(web.start)
        tokens = await login_all(web.url, settings.handhelds)
        receipts: list[float] = []
        # one connection per handheld: 200 handhelds reconnecting at once must not queue on a pool of 100
        limits = httpx.Limits(max_connections=settings.handhelds, max_keepalive_connections=settings.handhelds)
        async with httpx.AsyncClient(limits=limits) as http:
            opener = SocketOpener(http)
            interval = settings.handhelds / settings.rate
            handhelds = [Handheld(n, f"p{n}", tokens[n], web.url, opener, interval, receipts)
                         for n in range(settings.handhelds)]
            if settings.client not in ("outbox", "drop"):
                raise ValueError("client must be 'outbox' or 'drop'")
            for h in handhelds:
                h.drop_on_error = settings.client == "drop"
            tasks = [asyncio.create_task(h.run()) for h in handhelds]
            started = time.monotonic()
            kills = []
            await asyncio.sleep(settings.seconds * settings.web_kill_at)
            stall = (redis_proc.port, settings.stall_ms) if settings.stall_ms else None
            kills.append(await _kill("web", web, 0.0, started, stall))
            await asyncio.sleep(max(0.0, started + settings.seconds * settings.redis_kill_at - time.monotonic()))
            roaming = handhelds[: settings.handhelds * settings.roam_percent // 100]
            kills.append(await _kill("redis", redis_proc, settings.redis_down_s, started, while_down=roaming))
            if settings.stall_at:
                await asyncio.sleep(max(0.0, started + settings.seconds * settings.stall_at - time.monotonic()))
                at = time.monotonic()
                await asyncio.to_thread(stall_redis, redis_proc.port, settings.stall_alone_ms)
                kills.append({"what": "redis_stall", "at_s": round(at - started, 2), "t": at,
                              "redis_stall_ms": settings.stall_alone_ms})
            await asyncio.sleep(max(0.0, started + settings.seconds - time.monotonic()))
            scanning_s = time.monotonic() - started
            for h in handhelds:
                h.stop.set()
            done, pending = await asyncio.wait(tasks, timeout=settings.drain_s)
            drain_s = time.monotonic() - started - scanning_s
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            for task in done:
                task.result()  # a client crash is a bench bug: surface it
        for kill in kills:
            window = kill.get("ready_after_kill_s", kill["redis_stall_ms"] / 1000) + 3
            kill["verdict_gap_s"] = verdict_gap(receipts, kill.pop("t"), window)
        acked = acknowledged_of(handhelds)
        findings = await verify(redis_proc.url, WAREHOUSE, acked)
        summary = summarize(settings, handhelds, kills, findings, scanning_s, drain_s, opener.tickets)
        if after is not None:
            summary["after"] = await after(redis_proc.url, acked)
        return summary
    finally:
        for task in tasks:
            task.cancel()
        if web is not None:
            web.stop()
        redis_proc.stop()
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


def summarize(settings: CrashSettings, handhelds: list[Handheld], kills: list[dict[str, Any]], findings: Any,
              scanning_s: float, drain_s: float, tickets: bool | None) -> dict[str, Any]:
    def total(name: str) -> int:
        return sum(getattr(h.n, name) for h in handhelds)

    errors: Counter[str] = Counter()
    closes: Counter[str] = Counter()
    connect_errors: Counter[str] = Counter()
    verdicts: Counter[str] = Counter()
    for h in handhelds:
        errors.update(h.n.errors)
        connect_errors.update(h.n.connect_errors)
        closes.update(h.n.close_codes)
        verdicts.update(frame["verdict"] for frame in h.first.values())
    left = sum(len(h.outbox) for h in handhelds)
    summary = {
        "settings": asdict(settings),
        "auth": "ticket" if tickets else "token",
        "scans_created": sum(h.counter for h in handhelds),
        "scan_frames_sent": total("sent"),
        "resent": total("resent"),
        "acknowledged": findings.acknowledged,
        "acknowledged_ok_items": findings.acknowledged_ok_items,
        "acknowledged_per_s": round(findings.acknowledged / scanning_s, 1),
        "verdicts": dict(verdicts.most_common()),
        "duplicates_seen": total("duplicates"),
        "repeats": total("repeats"),
        "unavailable_errors": total("unavailable"),
        "error_codes": dict(errors),
        "refused": total("refused"),
        "reconnects": total("reconnects"),
        "close_codes": dict(closes),
        "connect_failures": total("connect_failures"),
        "connect_errors": dict(connect_errors),
        "overdue_reconnects": total("overdue_reconnects"),
        "dropped_on_purpose": total("dropped"),
        "fatal_closes": total("fatal_closes"),
        "unexpected_verdicts": total("unexpected"),
        "outbox_left": left,
        "kills": kills,
        "drain_s": round(drain_s, 2),
        "stream_picked_entries": findings.stream_picked_entries,
        "tasks_checked": findings.tasks_checked,
        "verdict_counter_total": findings.verdict_counter_total,
        "wave_picked_units": findings.wave_picked_units,
        "lost": findings.lost,
        "doubled": findings.doubled,
        "phantom": findings.phantom,
        "mismatched": findings.mismatched,
        "task_mismatches": findings.task_mismatches[:20],
        "counters_match": findings.counters_match,
        "examples": findings.examples,
    }
    summary["ok"] = findings.clean and left == 0 and summary["unexpected_verdicts"] == 0
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    defaults = CrashSettings()
    for name, value in asdict(defaults).items():
        parser.add_argument("--" + name.replace("_", "-"), type=type(value), default=value)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (redis AOF, web logs)")
    args = vars(parser.parse_args())
    keep = args.pop("keep")
    import uvloop

    summary = uvloop.run(run(CrashSettings(**args), keep=keep))
    print(json.dumps(summary, indent=2))
    sys.exit(0 if summary["ok"] else 1)


if __name__ == "__main__":
    main()
