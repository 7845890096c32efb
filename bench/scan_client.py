"""A cheap handheld client for bench/scan_loop.py: raw asyncio protocols, pre-built frames, one timer.

The benchmark client shares the two cores with the node and Redis, so what it costs per scan is
taken from the server. This client does per scan one ``transport.write`` of a frame built before
the phase (masked with the all-zero key, which RFC 6455 allows: the server XORs with zeros) and,
per answer, one header parse and one msgspec decode into a four-field Struct. The open-loop
schedule of all handhelds is one sorted list walked by one coroutine (one timer per group of due
scans, not one per scan). Latency is measured from each scan's *scheduled* time, as before.

:class:`RawHandheld` has the attributes :func:`bench.scan_loop.phase_result` reads (``scheduled``,
``answers``, ``latency``, ``verdicts``, ``order_errors``, ``errors``, ``error_codes``, ``sent``).
"""

from __future__ import annotations

import asyncio
import base64
import os
import random
import time
from urllib.parse import urlsplit

import msgspec

_ZERO_MASK = b"\x00\x00\x00\x00"


class _Frame(msgspec.Struct):
    type: str
    scan_id: str = ""
    verdict: str = ""
    code: str = ""
    task: msgspec.Raw = msgspec.Raw()


class _Step(msgspec.Struct):
    location: str
    gtin: str
    quantity: int


class _Task(msgspec.Struct):
    task_id: str
    steps: list[_Step]


_decode_frame = msgspec.json.Decoder(_Frame).decode
_decode_task = msgspec.json.Decoder(_Task).decode
_encode = msgspec.json.encode


def client_frame(payload: bytes, opcode: int = 0x1) -> bytes:
    """One masked client frame (all-zero mask key: the payload goes as is)."""
    size = len(payload)
    if size < 126:
        head = bytes((0x80 | opcode, 0x80 | size))
    elif size < 65536:
        head = bytes((0x80 | opcode, 0x80 | 126)) + size.to_bytes(2, "big")
    else:
        head = bytes((0x80 | opcode, 0x80 | 127)) + size.to_bytes(8, "big")
    return head + _ZERO_MASK + payload


class RawHandheld(asyncio.Protocol):
    def __init__(self, index: int, url: str, token: str) -> None:
        self.index = index
        self.url = url
        self.token = token
        self.scans: list[tuple[str, str]] = []  # (scan_id, barcode)
        self.frames: list[bytes] = []  # the scans' frames, built once the task is known
        self.position: dict[str, int] = {}
        self.sent = 0
        self.scheduled: dict[str, tuple[int, float]] = {}
        self.latency: dict[int, list[float]] = {}
        self.timeline: dict[int, list[tuple[float, float]]] = {}  # phase -> (due, latency) of first answers
        self.verdicts: dict[str, int] = {}
        self.phase_verdicts: dict[tuple[int, str], int] = {}  # (phase, verdict) -> first answers
        self.answers: dict[str, int] = {}
        self.order_errors = 0
        self.last_answered = -1
        self.errors = 0
        self.error_codes: dict[str, int] = {}
        self.task_id = ""
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.upgraded = False
        self.ready: asyncio.Future[None] | None = None
        self.closed = False

    async def connect(self) -> None:
        loop = asyncio.get_running_loop()
        self.ready = loop.create_future()
        parts = urlsplit(self.url)
        await loop.create_connection(lambda: self, parts.hostname, parts.port)
        assert self.transport is not None
        key = base64.b64encode(os.urandom(16)).decode()
        self.transport.write((f"GET {parts.path}?token={self.token} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                              f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                              "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        await asyncio.wait_for(self.ready, 120)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.ready is not None and not self.ready.done():
            self.ready.set_exception(ConnectionError(f"handheld {self.index}: connection lost ({exc})"))

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data if self.buffer else data
        if not self.upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                self.buffer = buffer
                return
            if not buffer.startswith(b"HTTP/1.1 101"):
                if self.ready is not None and not self.ready.done():
                    self.ready.set_exception(ConnectionError(buffer[:200].decode(errors="replace")))
                return
            self.upgraded = True
            buffer = buffer[end + 4:]
        start, size = 0, len(buffer)
        while size - start >= 2:
            length = buffer[start + 1] & 0x7F
            head = 2
            if length == 126:
                if size - start < 4:
                    break
                length = int.from_bytes(buffer[start + 2:start + 4], "big")
                head = 4
            elif length == 127:
                if size - start < 10:
                    break
                length = int.from_bytes(buffer[start + 2:start + 10], "big")
                head = 10
            if size - start < head + length:
                break
            opcode = buffer[start] & 0x0F
            if opcode == 0x1:
                self.on_text(buffer[start + head:start + head + length])
            elif opcode == 0x9 and self.transport is not None:  # ping: pong with its payload
                self.transport.write(client_frame(buffer[start + head:start + head + length], 0xA))
            start += head + length
        self.buffer = buffer[start:] if start < size else b""

    def on_text(self, payload: bytes) -> None:
        now = time.perf_counter()
        frame = _decode_frame(payload)
        kind = frame.type
        if kind == "verdict":
            scan_id = frame.scan_id
            count = self.answers.get(scan_id, 0) + 1
            self.answers[scan_id] = count
            self.verdicts[frame.verdict] = self.verdicts.get(frame.verdict, 0) + 1
            position = self.position.get(scan_id, -1)
            if position < self.last_answered:
                self.order_errors += 1
            if position > self.last_answered:
                self.last_answered = position
            if count == 1:
                due = self.scheduled.get(scan_id)
                if due is not None:
                    self.latency.setdefault(due[0], []).append(now - due[1])
                    self.timeline.setdefault(due[0], []).append((due[1], now - due[1]))
                    key = (due[0], frame.verdict)
                    self.phase_verdicts[key] = self.phase_verdicts.get(key, 0) + 1
        elif kind == "error":
            self.errors += 1
            self.error_codes[frame.code] = self.error_codes.get(frame.code, 0) + 1
        elif kind == "task" and not self.task_id and frame.task:
            task = _decode_task(frame.task)
            self.task_id = task.task_id
            for n, step in enumerate(task.steps):
                self.scans.append((f"{self.index}-L{n}", step.location))
                for unit in range(step.quantity):
                    self.scans.append((f"{self.index}-I{n}-{unit}", step.gtin))
            self.position = {scan_id: n for n, (scan_id, _barcode) in enumerate(self.scans)}
            self.frames = [client_frame(_encode({"type": "scan", "scan_id": scan_id, "barcode": barcode,
                                                 "task_id": self.task_id})) for scan_id, barcode in self.scans]
            if self.ready is not None and not self.ready.done():
                self.ready.set_result(None)
        elif kind == "idle" and self.ready is not None and not self.ready.done():
            self.ready.set_exception(RuntimeError("picker got no task"))

    def schedule(self, phase: int, start: float, interval: float, count: int) -> list[tuple[float, RawHandheld, int]]:
        """The next ``count`` scans as (due, self, index), the k-th due at start + (k + offset) * interval."""
        offset = random.random()
        first = self.sent
        last = min(first + count, len(self.scans))
        self.sent = last
        return [(start + (k + offset) * interval, self, first + k) for k in range(last - first)]

    def send(self, phase: int, due: float, n: int) -> None:
        self.scheduled[self.scans[n][0]] = (phase, due)
        if self.transport is not None and not self.closed:
            self.transport.write(self.frames[n])

    async def close(self) -> None:
        if self.transport is not None and not self.closed:
            self.transport.write(client_frame((1000).to_bytes(2, "big"), 0x8))
            self.transport.close()


async def drive(phase: int, handhelds: list[RawHandheld], start: float, interval: float, count: int) -> None:
    """Send every handheld's next ``count`` scans at their scheduled times (open loop), one timer per wake-up."""
    plan = sorted((item for h in handhelds for item in h.schedule(phase, start, interval, count)),
                  key=lambda item: item[0])
    clock = time.perf_counter
    n, total = 0, len(plan)
    while n < total:
        now = clock()
        while n < total and plan[n][0] <= now:
            due, handheld, index = plan[n]
            handheld.send(phase, due, index)
            n += 1
        if n < total:
            await asyncio.sleep(max(0.0, plan[n][0] - clock()))
