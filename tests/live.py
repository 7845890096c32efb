"""Real server processes for the tests: uvicorn running create_app against the test Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from floor.orders.model import CHANNELS
from handheld_api.auth import TokenSigner
from tests.redis_server import free_port

ROOT = Path(__file__).resolve().parent.parent
TEST_SECRET = "test-secret-" + uuid.uuid4().hex


class ServerProcess:
    """One web node: ``python -m handheld_api.serve`` (uvicorn running create_app, as the Procfile) on a free port."""

    def __init__(self, redis_url: str, extra_env: dict[str, str] | None = None, extra_args: list[str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, REDIS_URL=redis_url, FLOOR_SECRET=TEST_SECRET, LOG_LEVEL="WARNING",
                   NUMBA_NUM_THREADS="1", **(extra_env or {}))
        self.log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"floor-web-{self.port}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "handheld_api.serve", "--host", "127.0.0.1",
             "--port", str(self.port), "--ws-max-size", "65536", "--ws-per-message-deflate", "false", "--no-access-log",
             "--ws", os.environ.get("FLOOR_TEST_WS", "fast"),  # as the Procfile (python -m handheld_api.serve)
             *(extra_args or [])],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 180  # a cold numba cache compiles the kernels first
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"web server exited; see {self.log.name}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("web server did not become healthy")

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@dataclass
class LiveApp:
    """A running web node plus a freshly loaded small demo warehouse of the test's own."""

    url: str
    warehouse: str
    pickers: list[tuple[str, str, str]]  # (picker id, badge, pin)
    supervisor: tuple[str, str]  # (username, password)
    signer: TokenSigner = field(default_factory=lambda: TokenSigner(TEST_SECRET, 3600))

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://")

    def token(self, role: str, subject: str | None = None) -> str:
        if role == "picker" and subject is None:
            subject = self.pickers[0][0]
        token, _ = self.signer.issue(role, subject or role, self.warehouse if role == "picker" else "*",
                                     channels=CHANNELS if role == "channel" else ())
        return token

    def headers(self, role: str = "supervisor") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role)}"}

    def release_wave(self, pickers: int = 1, max_orders: int = 5, planner: str = "serpentine", **extra: Any) -> dict[str, Any]:
        """Release a wave through the HTTP API. The serpentine planner makes exactly ``pickers`` tasks."""
        body = {"wave_id": "wave-" + uuid.uuid4().hex[:8], "pickers": pickers, "max_orders": max_orders,
                "warehouse": self.warehouse, "planner": planner, **extra}
        response = httpx.post(self.url + "/api/waves", json=body, headers=self.headers(), timeout=30)
        response.raise_for_status()
        return dict(response.json()["wave"])
