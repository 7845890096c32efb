"""One Stream reader per warehouse per web node, fanning events out to this node's sockets.

Handhelds register by picker; boards register a queue. The reader starts with the first socket
of a warehouse and follows the warehouse's Redis Stream with XREAD BLOCK on its own connection,
so a task released through any node, or an exception raised on any node, reaches every socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
import redis.asyncio as aioredis

from floor.store import keys

log = logging.getLogger("floor.fanout")

PICKER_EVENTS = frozenset({"task_assigned", "task_updated", "task_completed", "task_unassigned"})
BOARD_SKIPPED: frozenset[str] = frozenset()  # unit-level events go to the `units` Stream, not here


class StreamEvent(msgspec.Struct, frozen=True):
    id: str
    event: str
    data: dict[str, Any]


def decode_entry(entry_id: str, fields: dict[str, str]) -> StreamEvent:
    return StreamEvent(entry_id, fields.get("type", ""), msgspec.json.decode(fields.get("data", "{}")))


PickerCallback = Callable[[StreamEvent], Awaitable[None]]


class Hub:
    def __init__(self, redis_url: str) -> None:
        # A client of its own: XREAD BLOCK holds a connection per warehouse.
        self.client: Any = aioredis.Redis.from_url(redis_url, decode_responses=True)
        self.readers: dict[str, asyncio.Task[None]] = {}
        self.pickers: dict[tuple[str, str], set[PickerCallback]] = {}
        self.boards: dict[str, set[asyncio.Queue[StreamEvent]]] = {}
        self.lock = asyncio.Lock()

    async def close(self) -> None:
        for task in self.readers.values():
            task.cancel()
        for task in self.readers.values():
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.client.aclose()

    async def _ensure_reader(self, warehouse: str) -> None:
        """Start the warehouse's one reader (once, even when many sockets arrive together)."""
        async with self.lock:
            if warehouse in self.readers and not self.readers[warehouse].done():
                return
            start = await self.client.xrevrange(keys.key(warehouse, "events"), count=1)
            last_id = start[0][0] if start else "0-0"
            self.readers[warehouse] = asyncio.create_task(self._read(warehouse, last_id))

    async def add_picker(self, warehouse: str, picker: str, callback: PickerCallback) -> None:
        self.pickers.setdefault((warehouse, picker), set()).add(callback)
        await self._ensure_reader(warehouse)

    def remove_picker(self, warehouse: str, picker: str, callback: PickerCallback) -> bool:
        """Unregister; returns True when no socket of this picker is left on this node."""
        callbacks = self.pickers.get((warehouse, picker), set())
        callbacks.discard(callback)
        if not callbacks:
            self.pickers.pop((warehouse, picker), None)
            return True
        return False

    async def add_board(self, warehouse: str, queue: asyncio.Queue[StreamEvent]) -> None:
        self.boards.setdefault(warehouse, set()).add(queue)
        await self._ensure_reader(warehouse)

    def remove_board(self, warehouse: str, queue: asyncio.Queue[StreamEvent]) -> None:
        self.boards.get(warehouse, set()).discard(queue)

    async def _read(self, warehouse: str, last_id: str) -> None:
        stream = keys.key(warehouse, "events")
        while True:
            try:
                batches = await self.client.xread({stream: last_id}, count=2000, block=5000)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # Redis restart, network blip: retry, never die
                log.warning("stream reader %s: %s; retrying in 1 s", warehouse, error)
                await asyncio.sleep(1)
                continue
            for _stream, entries in batches:
                for entry_id, fields in entries:
                    last_id = entry_id
                    await self._dispatch(warehouse, decode_entry(entry_id, fields))

    async def _dispatch(self, warehouse: str, event: StreamEvent) -> None:
        if event.event in PICKER_EVENTS:
            for callback in list(self.pickers.get((warehouse, event.data.get("picker", "")), ())):
                try:
                    await callback(event)
                except Exception:  # one broken socket must not stop the others
                    log.exception("push to picker failed")
        if event.event not in BOARD_SKIPPED:
            for queue in list(self.boards.get(warehouse, ())):
                if queue.qsize() < 10_000:
                    queue.put_nowait(event)
