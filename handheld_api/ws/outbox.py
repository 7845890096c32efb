"""A socket's bounded outbox, drained by the socket's own writer task (docs/protocol.md, "Slow sockets").

Invariants:
- :meth:`SocketOutbox.put` never awaits. The Stream reader hands an event to every socket's outbox
  and moves on: one socket's slowness cannot delay another's frames.
- Frames leave in the order they were put. A :class:`Slot` keeps its place in that order until it is
  filled: a handheld reserves one *before* its scan goes to Redis, so a push caused by that scan
  (read from the Stream, possibly before the scan's own reply arrives) waits behind the verdict.
- More than ``limit`` frames waiting, or one send taking longer than ``send_timeout``, marks the
  outbox ``failure`` (``overflow`` / ``send_timeout``) and ends the writer. The owner then
  unregisters the socket and closes it with :data:`CLOSE_TOO_SLOW` (:func:`close_too_slow`); the
  client reconnects and resyncs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from litestar import WebSocket
from litestar.types import Send, WebSocketSendEvent

log = logging.getLogger("floor.outbox")

CLOSE_TOO_SLOW = 4408
TOO_SLOW_REASON = "too slow: resync"
SEND_TIMEOUT_S = 2.0  # one frame that cannot be handed to the socket in this time: the client is stalled
CLOSE_LINGER_S = 30.0  # how long a stalled socket's task waits to hand over its close frame
RENDER_RETRY_S = (0.1, 0.3, 0.9)  # a push that cannot be read from Redis is retried after these pauses

Render = Callable[[Any], Awaitable[str | None]]


class Wakeup:
    """``asyncio.Event`` for one waiter on a known loop: ``Event.wait`` looks the running loop up
    (a ``getpid()`` system call) on every wait, and the writer waits once per frame."""

    __slots__ = ("flag", "loop", "waiter")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.flag = False
        self.waiter: asyncio.Future[None] | None = None

    def set(self) -> None:
        self.flag = True
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def clear(self) -> None:
        self.flag = False

    async def wait(self) -> None:
        if self.flag:
            return
        self.waiter = self.loop.create_future()
        try:
            await self.waiter
        finally:
            self.waiter = None


class Slot:
    """A place in the outbox, filled later with the item to send (or ``None``: send nothing).

    Filling it lets the outbox send it (and what waits behind it) at once when it is at the head."""

    __slots__ = ("filled", "item", "outbox")

    def __init__(self, outbox: SocketOutbox) -> None:
        self.outbox = outbox
        self.filled = False
        self.item: Any = None

    def fill(self, item: Any) -> None:
        if not self.filled:
            self.filled = True
            self.item = item
            self.outbox.pump()


class FastWriter(Protocol):
    """A socket's direct frame writer (handheld_api/ws/fastws.py's ``FastChannel``)."""

    def write_text(self, data: bytes) -> bool: ...

    def writable(self) -> bool: ...


class SocketOutbox:
    """Items are ``str`` (sent as is), :class:`Slot`, or anything the writer's ``render`` turns into text.

    With a :class:`FastWriter` (``fast``), text at the head of the outbox is written at once, by
    whoever put it there or filled its slot (no task wake-up); the writer task renders the other
    items and sends whatever waits while the socket's buffer is full (so a stalled peer still times
    out). Order is the same either way: nothing is written past an unfilled slot or an item the
    writer is busy with."""

    def __init__(self, socket: WebSocket, limit: int, send_timeout: float = SEND_TIMEOUT_S,  # type: ignore[type-arg]
                 raw_send: Send | None = None) -> None:
        self.socket = socket
        self.raw_send = raw_send  # the ASGI send below the framework's wrappers (the handheld's hot path)
        self.limit = limit
        self.send_timeout = send_timeout
        self.items: deque[Any] = deque()
        self.loop = asyncio.get_running_loop()  # once: each lookup costs a getpid() system call
        self.wakeup = Wakeup(self.loop)
        self.failure = ""  # "", "overflow", "send_timeout" or "closed" (the peer went away)
        self.writer: asyncio.Task[None] | None = None
        self.sending_since = 0.0  # loop time the current send started (0: not sending)
        self.fast: FastWriter | None = None  # set by the owner once the socket offers a direct writer
        self.busy = False  # the writer task holds the head item (rendering or sending it)

    def __len__(self) -> int:
        return len(self.items)

    def put(self, item: Any, wake: bool = True) -> bool:
        """Queue ``item``; False (and the outbox failed) when the socket is too far behind. Never awaits."""
        if self.failure:
            return False
        if len(self.items) >= self.limit:
            self.fail("overflow")
            return False
        self.items.append(item)
        if wake:
            self.pump()
        return True

    def pump(self) -> None:
        """Write what can be written now without awaiting (with ``fast``); wake the writer for the rest."""
        items = self.items
        fast = self.fast
        while items and not self.busy and not self.failure:
            head = items[0]
            if type(head) is Slot:
                if not head.filled:
                    return  # filling it pumps again
                item = head.item
            else:
                item = head
            if item is None:
                items.popleft()
                continue
            if fast is not None and type(item) is str and fast.writable():
                items.popleft()
                fast.write_text(item.encode())
                continue
            self.wakeup.set()
            return

    def reserve(self) -> Slot:
        """A place for an answer not computed yet; fill it whatever happens (``None`` sends nothing).

        The writer is not woken for the empty slot (it would only wait on it): filling it wakes it."""
        slot = Slot(self)
        self.put(slot, wake=False)
        return slot

    def fail(self, reason: str) -> None:
        if self.failure:
            return
        self.failure = reason
        self.items.clear()
        if self.writer is not None and self.writer is not asyncio.current_task():
            self.writer.cancel()

    def start(self, render: Render, prelude: Callable[[], Awaitable[None]] | None = None) -> asyncio.Task[None]:
        """Start the writer: ``prelude`` (snapshot / catch-up, sent with :meth:`send`), then the items in order."""
        self.writer = asyncio.create_task(self._run(render, prelude))
        WATCHDOG.watch(self)
        self.writer.add_done_callback(lambda _task: WATCHDOG.forget(self))
        return self.writer

    async def send(self, text: str) -> None:
        """Send one frame now (the writer's own path); raises :class:`TooSlow` when the send timed out.

        The timeout costs one clock read per frame: the node's :data:`WATCHDOG` checks every
        :data:`WATCHDOG_EVERY_S` for sends older than ``send_timeout`` and fails their outbox (a
        timer per send, ``asyncio.timeout``, costs ~20 times more, ``wait_for`` ~60 times)."""
        self.sending_since = self.loop.time()
        try:
            if self.raw_send is not None:
                event: WebSocketSendEvent = {"type": "websocket.send", "text": text, "bytes": None}
                await self.raw_send(event)
            else:
                await self.socket.send_text(text)
        except asyncio.CancelledError:
            if self.failure == "send_timeout":
                raise TooSlow("send_timeout") from None
            raise
        except Exception:  # the peer is gone: the receive side sees the disconnect too
            self.fail("closed")
            raise TooSlow("closed") from None
        finally:
            self.sending_since = 0.0

    async def _run(self, render: Render, prelude: Callable[[], Awaitable[None]] | None) -> None:
        try:
            if prelude is not None:
                await prelude()
            items = self.items
            while not self.failure:
                head = items[0] if items else None
                if head is None or (type(head) is Slot and not head.filled):
                    self.wakeup.clear()
                    await self.wakeup.wait()
                    continue
                self.busy = True
                try:
                    item = items.popleft()
                    if type(item) is Slot:
                        item = item.item
                    if item is not None:
                        text = item if isinstance(item, str) else await self._render(render, item)
                        if text is not None:
                            await self.send(text)
                finally:
                    self.busy = False
                if self.fast is not None:
                    self.pump()
        except TooSlow:
            pass

    async def _render(self, render: Render, item: Any) -> str | None:
        """Render an item (a task push reads Redis), retrying a failing store briefly. Never skips a
        frame silently: when it still fails, the outbox fails (``render``) and the socket is closed
        with 1011, so the client reconnects and starts from the current state."""
        for delay in RENDER_RETRY_S:
            try:
                return await render(item)
            except Exception as error:
                log.warning("could not render %s (%s); retrying in %.1f s", type(item).__name__, error, delay)
                await asyncio.sleep(delay)
        try:
            return await render(item)
        except Exception:
            log.exception("could not render %s: closing the socket", type(item).__name__)
            self.fail("render")
            raise TooSlow("render") from None


class SendWatchdog:
    """Fails the outboxes whose current send has waited longer than their ``send_timeout``.

    One task per event loop, running only while some outbox is being written by its writer.
    """

    def __init__(self) -> None:
        self.outboxes: set[SocketOutbox] = set()
        self.task: asyncio.Task[None] | None = None

    @staticmethod
    def now() -> float:
        return asyncio.get_running_loop().time()

    def watch(self, outbox: SocketOutbox) -> None:
        self.outboxes.add(outbox)
        if self.task is None or self.task.done() or self.task.get_loop() is not asyncio.get_running_loop():
            self.task = asyncio.create_task(self._run())

    def forget(self, outbox: SocketOutbox) -> None:
        self.outboxes.discard(outbox)

    async def _run(self) -> None:
        while self.outboxes:
            await asyncio.sleep(WATCHDOG_EVERY_S)
            now = self.now()
            for outbox in list(self.outboxes):
                if outbox.sending_since and now - outbox.sending_since > outbox.send_timeout:
                    outbox.fail("send_timeout")  # cancels the writer in its send


WATCHDOG_EVERY_S = 0.25
WATCHDOG = SendWatchdog()


class TooSlow(Exception):
    """The socket could not take its frames in time (or is gone)."""


async def run_until_done(outbox: SocketOutbox, receiver: Awaitable[None]) -> None:
    """Run the receive loop next to the outbox's writer until either ends; cancel the other."""
    assert outbox.writer is not None
    receiving = asyncio.ensure_future(receiver)
    try:
        await asyncio.wait({outbox.writer, receiving}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (receiving, outbox.writer):
            if not task.done():
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def close_failed(socket: WebSocket, outbox: SocketOutbox, linger: float = CLOSE_LINGER_S) -> bool:  # type: ignore[type-arg]
    """Close a socket whose outbox failed; False when it had not (the peer left, or all is well).

    Too slow (``overflow`` / ``send_timeout``): 4408, waiting (this socket's task only) while the close
    frame queues behind the unread data; a peer that never reads again is left to the server to drop
    (1006). A frame that could not be rendered (``render``): 1011. Both tell the client to reconnect.
    """
    if outbox.failure in ("overflow", "send_timeout"):
        code, reason = CLOSE_TOO_SLOW, TOO_SLOW_REASON
    elif outbox.failure == "render":
        code, reason = 1011, "server error: reconnect"
    else:
        return False
    with contextlib.suppress(Exception):
        await asyncio.wait_for(socket.close(code=code, reason=reason), linger)
    return True
