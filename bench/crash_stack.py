"""Processes the crash benchmark kills: redis-server (AOF, appendfsync always) and a uvicorn node.

Both are restartable in place: redis-server from the same data dir (its AOF), the web node on
the same port, so clients reconnect to the address they know. :func:`stall_redis` blocks Redis
for a while without killing it (a slow fsync or a slow command looks the same to a node).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from bench.stack import free_port

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
        command = [sys.executable, "-m", "handheld_api.serve",  # as the Procfile (the fastws protocol)
                   "--host", "127.0.0.1", "--port", str(self.port), "--ws-max-size", "65536", "--no-access-log",
                   "--loop", "uvloop", "--http", "httptools", "--ws", "fast", "--ws-per-message-deflate",
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
