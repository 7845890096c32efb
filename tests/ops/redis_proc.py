"""A real redis-server with the arguments a test needs (AOF on, a given dir, a password ...).

tests/redis_server.py starts the suite's throw-away server (no persistence); the operations tests
need persistence on and control over ``--dir``, so they start theirs with :func:`start_redis`.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from redis import Redis
from redis.exceptions import BusyLoadingError, ConnectionError

from tests.redis_server import free_port


class RedisProc:
    """One redis-server process on 127.0.0.1:``port`` serving ``dir``; :meth:`stop` or :meth:`kill` it."""

    def __init__(self, directory: Path, *args: str, port: int | None = None, password: str | None = None) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.password = password
        command = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
                   "--logfile", str(self.dir / "redis.log"), *args]
        if password:
            command += ["--requirepass", password]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.wait_ready()

    @property
    def pid(self) -> int:
        return self.process.pid

    def client(self) -> Redis:
        return Redis(port=self.port, password=self.password, decode_responses=True, socket_timeout=5)

    def wait_ready(self, seconds: float = 10) -> None:
        deadline = time.monotonic() + seconds
        with self.client() as client:
            while True:
                try:
                    client.ping()
                    return
                except (ConnectionError, BusyLoadingError):
                    if self.process.poll() is not None or time.monotonic() > deadline:
                        log = (self.dir / "redis.log").read_text() if (self.dir / "redis.log").exists() else ""
                        raise RuntimeError(f"redis-server did not start on {self.port}:\n{log[-2000:]}") from None
                    time.sleep(0.02)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
