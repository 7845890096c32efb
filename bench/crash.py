"""Crash benchmark: kill -9 the web node and then redis-server mid-run; no acknowledged scan lost or doubled.

Starts redis-server as ``make run`` does (AOF on, ``appendfsync always``, its own data dir) and
one uvicorn web node (as bench/stack.py), loads a warehouse (bench/scan_loop.py's loader), logs
N pickers in and drives N handhelds (bench/crash_handheld.py: each follows its task, keeps an
outbox and re-sends it after every reconnect with the same scan ids) at a steady total rate.
Mid-run it kills the web node with SIGKILL and starts a new one on the same port; later it kills
redis-server with SIGKILL and restarts it from the same AOF dir. After the run every handheld
keeps its socket until its outbox is empty, then bench/crash_check.py compares every verdict the
handhelds got with Redis. Prints a JSON summary; exits 1 if anything was lost or doubled (or
some scan never got its verdict).

    .venv/bin/python bench/crash.py --handhelds 50 --rate 300 --seconds 60
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
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
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.crash_check import Acknowledged, verify  # noqa: E402
from bench.crash_handheld import Handheld, SocketOpener  # noqa: E402
from bench.scan_loop import WAREHOUSE, load  # noqa: E402
from bench.stack import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


class RedisProcess:
    """redis-server as ``make run`` starts it (AOF, appendfsync always), restartable from its dir."""

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            sys.exit("redis-server missing: apt-get install redis-server")
        self.binary = binary
        self.port = free_port()
        self.dir = workdir / "redis"
        self.dir.mkdir()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        """Start (or restart from the AOF) and wait until it answers; returns the seconds that took."""
        started = time.monotonic()
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
             "--appendonly", "yes", "--appendfsync", "always", "--logfile", str(self.dir / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_timeout=1, socket_connect_timeout=1, retry=Retry(NoBackoff(), 0))
        try:
            while time.monotonic() - started < 60:
                try:
                    if client.ping():
                        return time.monotonic() - started
                except redis.RedisError:  # refused, or LOADING the AOF
                    time.sleep(0.02)
        finally:
            client.close()
        raise RuntimeError("redis-server did not come up")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(20)


class WebProcess:
    """One uvicorn web node (the command of bench/stack.py) on a fixed port, restartable."""

    def __init__(self, redis_url: str, secret: str, workdir: Path, app_root: Path = ROOT) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app_root = app_root
        self.env = dict(os.environ, REDIS_URL=redis_url, FLOOR_SECRET=secret, LOG_LEVEL="WARNING",
                        NUMBA_NUM_THREADS="1", PYTHONPATH=str(app_root))
        self.workdir = workdir
        self.starts = 0
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        started = time.monotonic()
        self.starts += 1
        command = [str(Path(sys.executable).parent / "uvicorn"), "handheld_api.app:create_app", "--factory",
                   "--host", "127.0.0.1", "--port", str(self.port), "--ws-max-size", "65536", "--no-access-log",
                   "--loop", "uvloop", "--http", "httptools", "--ws", "websockets", "--ws-per-message-deflate",
                   "false", "--log-level", "warning"]
        with open(self.workdir / f"web-{self.starts}.log", "wb") as log:
            self.process = subprocess.Popen(command, cwd=self.app_root, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        while time.monotonic() - started < 120:
            if self.process.poll() is not None:
                raise RuntimeError(f"web node exited; see {self.workdir}/web-{self.starts}.log")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("web node did not become healthy")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


@dataclass
class CrashSettings:
    handhelds: int = 50
    rate: float = 300.0  # scans per second, all handhelds together
    seconds: float = 60.0  # scanning time; the kills happen inside it
    web_kill_at: float = 0.3  # fraction of `seconds`
    redis_kill_at: float = 0.65
    redis_down_s: float = 1.0  # redis-server stays dead this long before its restart
    stall_ms: int = 400  # the web node dies halfway through a Redis stall this long (0: no stall)
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


def verdict_gap(receipts: list[float], at: float) -> float | None:
    """The verdict silence around ``at``: first verdict after it minus the last one before it."""
    before = [t for t in receipts if t <= at]
    after = [t for t in receipts if t > at]
    if not before or not after:
        return None
    return round(min(after) - max(before), 3)


# Spins Redis for ARGV[1] ms (read-only: nothing reaches the AOF). Commands that arrive meanwhile wait
# in Redis' socket buffers and still run after it, even if their sender has died by then.
_STALL = """local t = redis.call('TIME'); local t0 = t[1] * 1000000 + t[2]
repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] - t0 >= tonumber(ARGV[1]) * 1000
return 1"""


def stall_redis(port: int, ms: int) -> None:
    client = redis.Redis(port=port, socket_timeout=ms / 1000 + 5)
    try:
        client.eval(_STALL, 0, ms)
    finally:
        client.close()


async def _kill(what: str, process: RedisProcess | WebProcess, down_s: float, started: float,
                stall: tuple[int, int] | None = None) -> dict[str, Any]:
    """kill -9 ``process`` (``stall``: (redis port, ms) -- halfway through a Redis stall of ms, so the
    scans the node has sent are applied after it died and their verdicts are lost), restart it."""
    stalling = None
    if stall is not None:
        stalling = asyncio.create_task(asyncio.to_thread(stall_redis, *stall))
        await asyncio.sleep(stall[1] / 2000)
    at = time.monotonic()
    process.kill()
    if stalling is not None:
        await stalling
    await asyncio.sleep(down_s)
    restart_s = await asyncio.to_thread(process.start)
    return {"what": what, "at_s": round(at - started, 2), "t": at, "redis_stall_ms": stall[1] if stall else 0,
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
        async with httpx.AsyncClient() as http:
            opener = SocketOpener(http)
            interval = settings.handhelds / settings.rate
            handhelds = [Handheld(n, f"p{n}", tokens[n], web.url, opener, interval, receipts)
                         for n in range(settings.handhelds)]
            tasks = [asyncio.create_task(h.run()) for h in handhelds]
            started = time.monotonic()
            kills = []
            await asyncio.sleep(settings.seconds * settings.web_kill_at)
            stall = (redis_proc.port, settings.stall_ms) if settings.stall_ms else None
            kills.append(await _kill("web", web, 0.0, started, stall))
            await asyncio.sleep(max(0.0, started + settings.seconds * settings.redis_kill_at - time.monotonic()))
            kills.append(await _kill("redis", redis_proc, settings.redis_down_s, started))
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
            kill["verdict_gap_s"] = verdict_gap(receipts, kill.pop("t"))
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
    verdicts: Counter[str] = Counter()
    for h in handhelds:
        errors.update(h.n.errors)
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
        "overdue_reconnects": total("overdue_reconnects"),
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
