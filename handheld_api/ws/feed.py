"""A socket's inbound frames as direct calls (the ``floor.fastws`` channel), one frame in flight.

Invariants (the same as the ASGI receive loop's):

- At most one frame of a socket is being answered at a time; frames that arrive meanwhile wait
  here, in order, and the next starts only once the previous one's answer has its place in the
  outbox (filled). So verdicts leave in scan order and each scan's effects are those of one
  round trip per scan, whatever the pipeline batches with other sockets.
- Each frame is handed to ``fast(text, then)`` first: it returns True when it took the frame (a
  scan submitted to the pipeline, which calls ``then()`` once its answer is placed), False when
  the frame needs the ordinary coroutine path (``slow(text)`` in a task; the next frame starts
  when it ends).
- More than :data:`PAUSE_AT` frames waiting pauses reading the socket (TCP pushes back on the
  device); reading resumes at :data:`RESUME_AT`.
- ``gone`` is resolved once, when the connection ends; :meth:`close` stops everything (a reply
  arriving afterwards places its answer in an outbox nobody sends any more, harmlessly).
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Awaitable, Callable
from typing import Any

PAUSE_AT = 32
RESUME_AT = 8

Fast = Callable[[str, Callable[[], None]], bool]
Slow = Callable[[str], Awaitable[None]]


class FrameFeed:
    def __init__(self, attach: Callable[..., Any], fast: Fast, slow: Slow) -> None:
        self.loop = asyncio.get_running_loop()
        self.fast = fast
        self.slow = slow
        self.pending: collections.deque[str] = collections.deque()
        self.busy = False
        self.paused = False
        self.closed = False
        self.task: asyncio.Task[None] | None = None
        self.gone: asyncio.Future[None] = self.loop.create_future()
        self.channel = attach(self.on_text, self.on_gone)  # frames that arrived before come now

    def on_text(self, text: str) -> None:
        if self.closed:
            return
        if self.busy:
            self.pending.append(text)
            if not self.paused and len(self.pending) >= PAUSE_AT:
                self.paused = True
                self.channel.pause_reading()
            return
        self.start(text)

    def start(self, text: str) -> None:
        self.busy = True
        if not self.fast(text, self.next):
            self.task = self.loop.create_task(self._slow(text))

    async def _slow(self, text: str) -> None:
        await self.slow(text)
        self.task = None
        self.next()

    def next(self) -> None:
        """The current frame's answer has its place: start the next frame, if any."""
        self.busy = False
        if self.closed or not self.pending:
            return
        if self.paused and len(self.pending) <= RESUME_AT:
            self.paused = False
            self.channel.resume_reading()
        self.start(self.pending.popleft())

    def on_gone(self) -> None:
        if not self.gone.done():
            self.gone.set_result(None)

    def close(self) -> None:
        self.closed = True
        self.pending.clear()
        self.channel.detach()
        if self.task is not None and not self.task.done():
            self.task.cancel()
