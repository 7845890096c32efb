"""Start the parts of the stack for a benchmark: a redis-server and N web nodes."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process and its live descendants have used so far (Linux /proc).

    Descendants matter for servers that fork workers (granian runs the app in a child).
    """
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    family, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in family:
                family.add(child)
                frontier.append(child)
    total = 0.0
    for member in family:
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def wait_port(port: int, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


class Redis:
    """redis-server with AOF on (appendfsync everysec), as in production."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            sys.exit("redis-server missing: run `make bench` (installs it) or apt-get install redis-server")
        self.dir = tempfile.mkdtemp(prefix="bench-redis-")
        for _attempt in range(3):  # the machine is shared: a free port can be taken before redis binds it
            self.port = free_port()
            self.process = subprocess.Popen(
                [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir, "--save", "",
                 "--appendonly", "yes", "--appendfsync", "everysec"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            wait_port(self.port)
            time.sleep(0.2)
            if self.process.poll() is None:
                break
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(20)
        shutil.rmtree(self.dir, ignore_errors=True)


class WebNode:
    def __init__(self, redis_url: str, secret: str, server: str = "uvicorn", ws: str = "fast",
                 extra_env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, REDIS_URL=redis_url, FLOOR_SECRET=secret, LOG_LEVEL="WARNING", NUMBA_NUM_THREADS="1",
                   **(extra_env or {}))
        # Every simulated handheld logs in from this one address, hundreds at once.
        env.setdefault("FLOOR_LOGIN_ADDRESS_LIMIT", "100000")
        bin_dir = Path(sys.executable).parent
        if server == "uvicorn":
            # python -m handheld_api.serve: uvicorn's command line, as the Procfile (--ws fast: fastws.py)
            command = [sys.executable, "-m", "handheld_api.serve", "--host", "127.0.0.1",
                       "--port", str(self.port), "--ws-max-size", "65536", "--no-access-log", "--loop", "uvloop",
                       "--http", "fast", "--ws", ws, "--ws-per-message-deflate", "false",
                       "--log-level", "warning"]
        elif server == "granian":
            command = [str(bin_dir / "granian"), "--interface", "asgi", "--factory", "--host", "127.0.0.1",
                       "--port", str(self.port), "--loop", "uvloop", "--workers", "1", "--no-access-log",
                       "--log-level", "warning", "handheld_api.app:create_app"]
        else:
            raise ValueError(server)
        self.process = subprocess.Popen(command, cwd=ROOT, env=env)
        deadline = time.monotonic() + 180  # a cold numba cache compiles the kernels first
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{server} node exited with {self.process.returncode}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{server} node did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
