"""A scripted handheld for the crash benchmark: follows its task, keeps an outbox, survives crashes.

It behaves as ``static/handheld`` is documented to (docs/protocol.md): every scan gets a
``scan_id`` of its own and stays in the outbox until its verdict arrives; on every (re)connect
the whole outbox is sent again, in order, with the same ids; an ``error`` frame with
``retry: true`` (``unavailable``) keeps the scan and sends it again after a short back-off; a
socket that dies is reopened with exponential back-off (0.1 s doubling to 2 s, with jitter).

What it remembers (for the exactly-once check in :mod:`bench.crash_check`): the *first* verdict
frame per ``scan_id`` (``first``); a later verdict for an id it already has is a ``repeat``,
never a second pick. The barcode it scans next comes from its task model: the state of the
newest verdict it got, advanced by every newer scan still in the outbox as if it will be ``ok``.
Like a picker, it keeps scanning while offline (the scans queue) but, online, waits for the beep:
no new scan while one sent has had no answer for 0.3 s, or after an `unavailable` until a
verdict comes back (then one scan at a time). Crashes can still reorder scans -- a scan the node
answered `unavailable` may be applied by Redis after a newer one -- which shows up as a few
non-ok verdicts the model re-syncs from; that costs throughput, never correctness.

Connecting goes through :class:`SocketOpener` only: it asks ``POST /api/auth/ticket`` for a
single-use ticket and falls back to ``?token=`` when that route does not exist (404/405).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import httpx
import websockets

RETRY_HOLD_S = (0.2, 0.5)  # back-off before re-sending scans answered `unavailable`
RECONNECT_S = (0.1, 2.0)  # first and largest reconnect back-off
OVERDUE_S = 5.0  # a sent scan unanswered this long: the socket is dead, reopen it (and re-send)
NO_BEEP_S = 0.3  # a sent scan unanswered this long: the picker waits for the beep (new scans queue)
FATAL_CLOSES = (4400, 4401, 4403)


class ConnectRefused(RuntimeError):
    """The node answered but would not give us a socket now (e.g. 503 while Redis is down)."""


class SocketOpener:
    """The one place that turns a login token into an open handheld socket.

    Tickets (``POST /api/auth/ticket`` -> ``?ticket=``) when the server has the route, else the
    token in the query string. The answer is remembered after the first 404/405 or 200."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.tickets: bool | None = None  # None: not known yet

    async def query(self, base_url: str, token: str) -> str:
        if self.tickets is not False:
            try:
                response = await self.http.post(f"{base_url}/api/auth/ticket",
                                                headers={"Authorization": f"Bearer {token}"}, timeout=5)
            except httpx.HTTPError as error:
                raise ConnectRefused(f"ticket: {type(error).__name__}") from error
            if response.status_code in (404, 405):
                self.tickets = False
            elif response.status_code == 200:
                self.tickets = True
                return "ticket=" + str(response.json()["ticket"])
            else:
                raise ConnectRefused(f"ticket: HTTP {response.status_code}")
        return "token=" + token

    async def open(self, base_url: str, token: str) -> Any:
        query = await self.query(base_url, token)
        ws_url = base_url.replace("http://", "ws://", 1) + "/ws/handheld?" + query
        return await websockets.connect(ws_url, compression=None, max_size=2**20, open_timeout=10,
                                        ping_interval=None, close_timeout=1)


@dataclass
class Entry:
    scan_id: str
    barcode: str
    task_id: str
    kind: str  # "location" | "item"
    seq: int  # this handheld's scan counter: scans are made in this order
    created: float
    sent: float = 0.0  # when last sent on the current socket (0 = waiting to be sent)
    attempts: int = 0


@dataclass
class Counters:
    sent: int = 0  # scan frames written to a socket (first sends and re-sends)
    resent: int = 0  # of those, re-sends of an id already sent once
    duplicates: int = 0  # verdict frames with duplicate: true
    repeats: int = 0  # verdict frames for an id that already had its verdict
    unavailable: int = 0  # error frames `unavailable` (retry: true)
    errors: dict[str, int] = field(default_factory=dict)  # every error code seen
    refused: int = 0  # scans the server answered with a final error (taken out, no verdict)
    reconnects: int = 0
    connect_failures: int = 0
    connect_errors: dict[str, int] = field(default_factory=dict)  # why opening a socket failed
    fatal_closes: int = 0  # 4400/4401/4403: should never happen here
    overdue_reconnects: int = 0
    dropped: int = 0  # sockets this client closed on purpose (roaming)
    unexpected: int = 0  # a verdict for an id never sent
    close_codes: dict[str, int] = field(default_factory=dict)  # how the server ended our sockets


class Handheld:
    """One picker's device. ``run`` until ``stop`` is set and the outbox is empty."""

    def __init__(self, index: int, picker: str, token: str, base_url: str, opener: SocketOpener,
                 interval_s: float, receipts: list[float]) -> None:
        self.index, self.picker, self.token = index, picker, token
        self.base_url, self.opener, self.interval_s = base_url, opener, interval_s
        self.receipts = receipts  # shared: monotonic time of every first verdict (outage gaps)
        self.outbox: OrderedDict[str, Entry] = OrderedDict()
        self.first: dict[str, dict[str, Any]] = {}  # scan_id -> first verdict frame
        self.kinds: dict[str, str] = {}  # scan_id -> location | item
        self.n = Counters()
        self.task: dict[str, Any] | None = None
        self.base = (0, 0, False)  # (step, picked, at_location) after the newest answered scan ...
        self.base_seq = 0  # ... which is this one (older answers arriving late do not move it back)
        self.waiting_task = True  # no task known yet (or the last one is done): do not scan
        self.idle = False
        self.ws: Any = None
        self.online = False  # socket open and the outbox replayed on it
        self.hold_until = 0.0  # after `unavailable`: nothing is sent before this
        self.probing = False  # after `unavailable`: one scan at a time until a verdict comes back
        self.counter = 0
        self.stop = asyncio.Event()
        # True: behave as static/handheld/handheld.js did before wt-chaos -- any error frame but
        # server_error (even `unavailable`, retry: true) takes the scan out of the outbox and the
        # picker scans the unit again under a new id. Shows the double that caused.
        self.drop_on_error = False
        self.misses: list[tuple[float, int, int, int, dict[str, Any]]] = []  # non-ok verdicts (debugging)

    # -- the task model ------------------------------------------------------------------------

    def _predicted(self) -> tuple[int, int, bool]:
        step, picked, at_loc = self.base
        steps = self.task["steps"] if self.task else []
        task_id = self.task["task_id"] if self.task else ""
        for entry in self.outbox.values():
            if entry.task_id != task_id or entry.seq <= self.base_seq or step >= len(steps):
                continue  # an older scan waiting for its retry: base already shows whatever it did
            current = steps[step]
            if entry.barcode == current["location"]:
                at_loc = True
            elif entry.barcode == current["gtin"] and at_loc and picked < current["quantity"]:
                picked += 1
                if picked >= current["quantity"]:
                    step, picked, at_loc = step + 1, 0, False
        return step, picked, at_loc

    def next_scan(self) -> Entry | None:
        if self.task is None or self.waiting_task:
            return None
        step, _picked, at_loc = self._predicted()
        steps = self.task["steps"]
        if step >= len(steps):
            return None
        self.counter += 1
        kind = "item" if at_loc else "location"
        barcode = steps[step]["gtin"] if at_loc else steps[step]["location"]
        entry = Entry(f"h{self.index}-{self.counter}", barcode, self.task["task_id"], kind, self.counter,
                      time.monotonic())
        self.kinds[entry.scan_id] = kind
        return entry

    # -- sending -------------------------------------------------------------------------------

    async def _send(self, entry: Entry) -> None:
        frame = {"type": "scan", "scan_id": entry.scan_id, "barcode": entry.barcode, "task_id": entry.task_id,
                 "quantity": 1}
        if entry.attempts:
            self.n.resent += 1
        entry.attempts += 1
        entry.sent = time.monotonic()
        self.n.sent += 1
        await self.ws.send(json.dumps(frame))

    async def flush(self) -> None:
        """Send, oldest first, every outbox entry not on the wire (unless held after `unavailable`).

        While probing (the store answered `unavailable`) only the oldest entry goes, and only when
        nothing is on the wire: otherwise a later scan can be applied the moment the store is back
        while an earlier one is still waiting for its retry, and the later one's verdict is wrong."""
        if not self.online or time.monotonic() < self.hold_until:
            return
        try:
            for entry in list(self.outbox.values()):
                if self.probing and entry.sent:
                    return
                if not entry.sent and entry.scan_id in self.outbox:
                    await self._send(entry)
                    if self.probing:
                        return
        except websockets.ConnectionClosed:
            self.online = False

    def waiting_for_beep(self) -> bool:
        """Online, but the last scans got no answer (or an error): a picker stops and waits. (Offline,
        the page says scans are queued, and the picker goes on scanning.)"""
        now = time.monotonic()
        return self.online and (self.probing or any(
            entry.sent and now - entry.sent > NO_BEEP_S for entry in self.outbox.values()))

    async def scanner(self) -> None:
        """One scan every ``interval_s`` (with a random phase), while there is work and until stop."""
        await asyncio.sleep(random.random() * self.interval_s)
        due = time.monotonic()
        while not self.stop.is_set():
            entry = None if self.waiting_for_beep() else self.next_scan()
            if entry is not None:
                self.outbox[entry.scan_id] = entry
                await self.flush()
            due += self.interval_s
            await asyncio.sleep(max(0.0, due - time.monotonic()))

    async def retrier(self) -> None:
        """Re-send held scans once their hold ends; reopen a socket whose scans are overdue."""
        while not (self.stop.is_set() and not self.outbox):
            await asyncio.sleep(0.05)
            if not self.online:
                continue
            now = time.monotonic()
            if self.hold_until and now >= self.hold_until:
                self.hold_until = 0.0
                await self.flush()
            oldest = next((e for e in self.outbox.values() if e.sent), None)
            if oldest is not None and now - oldest.sent > OVERDUE_S and self.ws is not None:
                self.n.overdue_reconnects += 1
                await self.ws.close()
        if self.ws is not None:
            await self.ws.close()  # done: ends the receive loop

    # -- receiving -----------------------------------------------------------------------------

    def on_task(self, task: dict[str, Any] | None) -> None:
        if task is None:
            if not self.outbox:
                self.task, self.waiting_task, self.idle = None, True, True
            return
        same = self.task is not None and task["task_id"] == self.task["task_id"]
        if not same or not any(e.task_id == task["task_id"] for e in self.outbox.values()):
            # A task frame predates the replay of our outbox: trust it only with nothing in flight.
            self.task = task
            self.base = (task["step"], task["picked"], task["at_location"])
            self.base_seq = self.counter
        self.waiting_task = task["step"] >= len(task["steps"]) or task["status"] != "assigned"
        self.idle = False

    def on_verdict(self, frame: dict[str, Any]) -> None:
        scan_id = frame["scan_id"]
        if frame.get("duplicate"):
            self.n.duplicates += 1
        if scan_id in self.first:
            self.n.repeats += 1
            return
        entry = self.outbox.pop(scan_id, None)
        if entry is None:
            self.n.unexpected += 1
            return
        self.first[scan_id] = frame
        self.receipts.append(time.monotonic())
        if frame["verdict"] != "ok":
            self.misses.append((time.monotonic(), entry.seq, self.base_seq, entry.attempts, frame))
        self.probing = False
        current = self.task is not None and frame.get("task_id") == self.task["task_id"]
        if current and "step" in frame and entry.seq > self.base_seq:
            self.base = (frame["step"], frame["picked"], bool(frame["at_location"]))
            self.base_seq = entry.seq
            if frame.get("task_done"):
                self.waiting_task = True  # the next task (or idle) arrives as its own frame

    def on_error(self, frame: dict[str, Any]) -> None:
        code, ref = frame.get("code", ""), frame.get("ref", "")
        self.n.errors[code] = self.n.errors.get(code, 0) + 1
        entry = self.outbox.get(ref)
        if entry is None:
            return
        if self.drop_on_error and code != "server_error":
            self.outbox.pop(ref)  # the old handheld.js onError: gone, the picker scans again
            self.n.refused += 1
        elif frame.get("retry") or code == "server_error":  # as static/handheld: a server_error goes again
            self.n.unavailable += code == "unavailable"
            entry.sent = 0.0  # back in the queue, sent again after the hold
            self.probing = True
            self.hold_until = time.monotonic() + random.uniform(*RETRY_HOLD_S)
        else:
            self.outbox.pop(ref)
            self.n.refused += 1

    async def _receive(self) -> None:
        async for message in self.ws:
            frame = json.loads(message)
            kind = frame.get("type")
            if kind == "welcome":
                for entry in self.outbox.values():
                    entry.sent = 0.0  # the whole outbox goes again, in order
                self.online = True
                self.hold_until = 0.0
                await self.flush()
            elif kind == "task":
                self.on_task(frame["task"])
            elif kind == "idle":
                self.on_task(None)
            elif kind == "verdict":
                self.on_verdict(frame)
                await self.flush()  # after a probe's answer the rest of the outbox may go
                if frame["verdict"] == "not_your_task" or frame.get("task_done"):
                    await self.ws.send(json.dumps({"type": "sync"}))
            elif kind == "error":
                self.on_error(frame)

    async def connection(self) -> None:
        """Keep a socket open (reopening with back-off) until stop is set and the outbox is empty."""
        delay = RECONNECT_S[0]
        first = True
        while not (self.stop.is_set() and not self.outbox):
            try:
                self.ws = await self.opener.open(self.base_url, self.token)
            except (OSError, ConnectRefused, websockets.WebSocketException, TimeoutError) as error:
                self.n.connect_failures += 1
                reason = str(error) if isinstance(error, ConnectRefused) else type(error).__name__
                self.n.connect_errors[reason] = self.n.connect_errors.get(reason, 0) + 1
                await asyncio.sleep(delay * random.uniform(0.5, 1.0))
                delay = min(RECONNECT_S[1], delay * 2)
                continue
            if self.stop.is_set() and not self.outbox:
                break
            if not first:
                self.n.reconnects += 1
            first, delay = False, RECONNECT_S[0]
            try:
                await self._receive()
            except websockets.ConnectionClosed:
                pass
            finally:
                self.online = False
                code = self.ws.close_code
                self.n.close_codes[str(code)] = self.n.close_codes.get(str(code), 0) + 1
                if code in FATAL_CLOSES:
                    self.n.fatal_closes += 1
                for entry in self.outbox.values():
                    entry.sent = 0.0
            if self.stop.is_set() and not self.outbox:
                break
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
        if self.ws is not None:
            await self.ws.close()

    async def drop(self) -> None:
        """Lose the connection (as a handheld roaming between access points): reconnect, re-send."""
        if self.ws is not None:
            self.n.dropped += 1
            await self.ws.close()

    async def run(self) -> None:
        """Scan until ``stop``; then keep the socket until every scan has its verdict."""
        await asyncio.gather(self.connection(), self.scanner(), self.retrier())
