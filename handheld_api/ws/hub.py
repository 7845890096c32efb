"""One Stream reader per warehouse per web node, fanning events out to this node's sockets.

Invariant: the reader only *enqueues*. Each socket registers its :class:`SocketOutbox`; the reader
puts every event into the outboxes it concerns (``put`` never awaits, never calls Redis) and reads
on. Anything slow — rendering a task push from Redis, sending to a socket whose TCP buffer is
full — happens in that socket's own writer task. An outbox that overflows closes its own socket
(4408), so the reader never waits on any client.

The reader starts with the first socket of a warehouse and follows the warehouse's Stream with a
blocking read on a client of its own (:func:`floor.store.stream.reader_client`: its socket timeout
exceeds the block time, so a quiet Stream never turns into a timeout and a retry pause).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import msgspec

from floor.store.client import connect
from floor.store.stream import EventLog, id_key, reader_client
from handheld_api.ws.outbox import SocketOutbox
from handheld_api.ws.protocol import frame

log = logging.getLogger("floor.fanout")

PICKER_EVENTS = frozenset({"task_assigned", "task_updated", "task_completed", "task_unassigned"})
BOARD_SKIPPED: frozenset[str] = frozenset()  # unit-level events go to the `units` Stream, not here
BACKOFF_MIN_S = 0.1
BACKOFF_MAX_S = 1.0
PUSH_CONNECTIONS = 16  # the pool task pushes are rendered from: scans holding the floor's pool never delay them


class StreamEvent(msgspec.Struct, frozen=True):
    id: str
    event: str
    data: dict[str, Any]


class BoardEvent(msgspec.Struct, frozen=True):
    """An event as a board frame, encoded once for every board; ``key`` orders it (:func:`id_key`)."""

    key: tuple[int, int]
    text: str


def decode_entry(entry_id: str, fields: dict[str, str]) -> StreamEvent:
    return StreamEvent(entry_id, fields.get("type", ""), msgspec.json.decode(fields.get("data", "{}")))


def board_frame(event: StreamEvent) -> BoardEvent:
    return BoardEvent(id_key(event.id), frame("event", id=event.id, event=event.event, data=event.data).decode())


class Hub:
    def __init__(self, redis_url: str) -> None:
        self.log = EventLog(reader_client(redis_url))  # blocking reads hold one connection per warehouse
        self.push_client: Any = connect(redis_url, max_connections=PUSH_CONNECTIONS)
        self.readers: dict[str, asyncio.Task[None]] = {}
        self.pickers: dict[tuple[str, str], set[SocketOutbox]] = {}
        self.boards: dict[str, set[SocketOutbox]] = {}
        self.lock = asyncio.Lock()

    async def close(self) -> None:
        for task in self.readers.values():
            task.cancel()
        for task in self.readers.values():
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.log.client.aclose()
        await self.push_client.aclose()

    async def _ensure_reader(self, warehouse: str) -> None:
        """Start the warehouse's one reader (once, even when many sockets arrive together).

        Returns once the reader's start id is fixed: a socket registered before this call misses
        no event after the snapshot or catch-up it reads next.
        """
        async with self.lock:
            if warehouse in self.readers and not self.readers[warehouse].done():
                return
            last_id = await self.log.last_id(warehouse)
            self.readers[warehouse] = asyncio.create_task(self._read(warehouse, last_id))

    async def add_picker(self, warehouse: str, picker: str, outbox: SocketOutbox) -> None:
        self.pickers.setdefault((warehouse, picker), set()).add(outbox)
        await self._ensure_reader(warehouse)

    def remove_picker(self, warehouse: str, picker: str, outbox: SocketOutbox) -> bool:
        """Unregister; returns True when no socket of this picker is left on this node."""
        outboxes = self.pickers.get((warehouse, picker), set())
        outboxes.discard(outbox)
        if not outboxes:
            self.pickers.pop((warehouse, picker), None)
            return True
        return False

    async def add_board(self, warehouse: str, outbox: SocketOutbox) -> None:
        self.boards.setdefault(warehouse, set()).add(outbox)
        await self._ensure_reader(warehouse)

    def remove_board(self, warehouse: str, outbox: SocketOutbox) -> None:
        self.boards.get(warehouse, set()).discard(outbox)

    async def _read(self, warehouse: str, last_id: str) -> None:
        backoff = BACKOFF_MIN_S
        while True:
            try:
                entries = await self.log.read(warehouse, last_id)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # Redis restart, network blip: retry soon, never die
                log.warning("stream reader %s: %s; retrying in %.1f s", warehouse, error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(BACKOFF_MAX_S, backoff * 2)
                continue
            backoff = BACKOFF_MIN_S
            for entry_id, fields in entries:
                last_id = entry_id
                if fields.get("type") not in PICKER_EVENTS and not self.boards.get(warehouse):
                    continue  # nobody on this node wants it: not even decoded
                try:
                    event = decode_entry(entry_id, fields)
                except msgspec.DecodeError:
                    log.warning("stream %s: undecodable entry %s skipped", warehouse, entry_id)
                    continue
                self.dispatch(warehouse, event)

    def dispatch(self, warehouse: str, event: StreamEvent) -> None:
        """Hand one event to every outbox it concerns. Never awaits."""
        if event.event in PICKER_EVENTS:
            for outbox in list(self.pickers.get((warehouse, str(event.data.get("picker", ""))), ())):
                outbox.put(event)
        boards = self.boards.get(warehouse)
        if boards and event.event not in BOARD_SKIPPED:
            item = board_frame(event)
            for outbox in list(boards):
                outbox.put(item)
