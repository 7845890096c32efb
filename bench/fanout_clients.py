"""The clients of bench/fanout.py: scanning handhelds, boards, push probes, and stalling a socket.

Every client uses the `websockets` package without compression; a stalled client has a 4 KiB
receive buffer and a paused transport (see bench/fanout.py).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
import time
import uuid
from urllib.parse import urlsplit

import httpx
import websockets

from bench.scan_loop import WAREHOUSE


async def open_socket(url: str, rcvbuf: int = 0) -> websockets.ClientConnection:
    sock = None
    if rcvbuf:
        parts = urlsplit(url)
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (parts.hostname, parts.port))
    return await websockets.connect(url, sock=sock, compression=None, max_size=2**22, open_timeout=60,
                                    ping_interval=None)


class Handheld:
    def __init__(self, url: str, token: str, index: int) -> None:
        self.url, self.token, self.index = url, token, index
        self.scans: list[tuple[str, str]] = []
        self.scheduled: dict[str, float] = {}
        self.latency: list[tuple[float, float]] = []  # (scheduled, seconds)
        self.answered: set[str] = set()
        self.task_id = ""

    async def connect(self, rcvbuf: int = 0) -> None:
        self.ws = await open_socket(f"{self.url}?token={self.token}", rcvbuf)
        while True:
            frame = json.loads(await self.ws.recv())
            if frame["type"] == "idle":
                raise RuntimeError("picker got no task")
            if frame["type"] == "task":
                self.task_id = frame["task"]["task_id"]
                for n, step in enumerate(frame["task"]["steps"]):
                    self.scans.append((f"{self.index}-L{n}", step["location"]))
                    self.scans += [(f"{self.index}-I{n}-{u}", step["gtin"]) for u in range(step["quantity"])]
                return

    async def send_all(self, start: float, interval: float, count: int) -> None:
        phase = (self.index * 0.618034) % 1.0
        for k, (scan_id, barcode) in enumerate(self.scans[:count]):
            delay = start + (k + phase) * interval - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            self.scheduled[scan_id] = start + (k + phase) * interval
            try:
                await self.ws.send(json.dumps({"type": "scan", "scan_id": scan_id, "barcode": barcode,
                                               "task_id": self.task_id}))
            except websockets.ConnectionClosed:  # the stalled handheld, once the server closed it
                return

    async def receive_all(self) -> None:
        try:
            async for message in self.ws:
                now = time.perf_counter()
                frame = json.loads(message)
                if frame.get("type") == "verdict":
                    scan_id = frame["scan_id"]
                    if scan_id in self.scheduled and scan_id not in self.answered:
                        self.answered.add(scan_id)
                        self.latency.append((self.scheduled[scan_id], now - self.scheduled[scan_id]))
        except websockets.ConnectionClosed:
            pass


class Board:
    def __init__(self, url: str) -> None:
        self.url = url
        self.delays: list[tuple[float, float]] = []  # (received perf_counter, ms behind the event)
        self.ids: list[str] = []

    async def connect(self, rcvbuf: int = 0) -> None:
        self.ws = await open_socket(self.url, rcvbuf)
        assert json.loads(await self.ws.recv())["type"] == "snapshot"

    async def receive_all(self) -> None:
        try:
            async for message in self.ws:
                if isinstance(message, str) and message.startswith('{"type":"event"'):
                    now_ms, now = time.time() * 1000, time.perf_counter()
                    start = message.index('"id":"') + 6
                    event_id = message[start:message.index('"', start)]
                    self.ids.append(event_id)
                    self.delays.append((now, now_ms - int(event_id.split("-")[0])))
        except websockets.ConnectionClosed:
            pass


class Probes:
    """Idle handhelds; a one-order wave a second, timed from the HTTP answer to the task frame."""

    def __init__(self) -> None:
        self.arrived: asyncio.Future[float] | None = None
        self.latency: list[tuple[float, float]] = []
        self.missed = 0
        self.sockets: list[websockets.ClientConnection] = []

    async def listen(self, ws: websockets.ClientConnection) -> None:
        try:
            async for message in ws:
                if '"type":"task"' in message[:20] and self.arrived is not None and not self.arrived.done():
                    self.arrived.set_result(time.perf_counter())
        except websockets.ConnectionClosed:
            pass

    async def drive(self, http: httpx.AsyncClient, url: str, headers: dict[str, str], begin: float,
                    until: float) -> None:
        await asyncio.sleep(max(0.0, begin - 1 - time.perf_counter()))
        while time.perf_counter() < until - 1:
            await asyncio.sleep(1.0)
            self.arrived = asyncio.get_running_loop().create_future()
            body = {"wave_id": "p-" + uuid.uuid4().hex[:8], "pickers": 1, "max_orders": 1, "warehouse": WAREHOUSE,
                    "planner": "serpentine"}
            response = await http.post(f"{url}/api/waves", json=body, headers=headers)
            answered = time.perf_counter()
            if response.status_code != 200:
                continue
            try:
                arrived = await asyncio.wait_for(self.arrived, 5)
            except TimeoutError:  # the task went to a scanning picker who had just finished its own
                self.missed += 1
                continue
            self.latency.append((answered, max(0.0, arrived - answered)))


async def stall_and_fill(ws: websockets.ClientConnection, megabytes: float, per_second: float) -> None:
    """Stop reading; keep the server owing this socket frames, ``per_second`` MB a second (see the
    module docstring)."""
    ws.transport.pause_reading()
    frames = [json.dumps({"type": "ping", "id": secrets.token_urlsafe(3000)}) for _ in range(64)]
    started = time.perf_counter()
    for n in range(int(megabytes * 1e6 / 4000)):
        try:
            await ws.send(frames[n % len(frames)])
        except websockets.ConnectionClosed:
            return
        await asyncio.sleep(max(0.0, started + (n + 1) * 4000 / (per_second * 1e6) - time.perf_counter()))


async def close_code(ws: websockets.ClientConnection, timeout: float = 40) -> int | None:
    ws.transport.resume_reading()
    try:
        await asyncio.wait_for(ws.wait_closed(), timeout)
    except TimeoutError:
        return None
    return ws.close_code
