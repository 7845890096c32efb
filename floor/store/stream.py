"""Reading a warehouse's floor Stream (``{W}:events``): last id, board catch-up, and the fan-out read.

Invariants:
- :meth:`EventLog.catch_up` gives either *every* event after a board's ``last_id`` (nothing missing,
  at most ``limit``) or a resync reason; never a silent gap. The caller sends the entries, or a
  ``resync`` frame and a fresh snapshot.
- :meth:`EventLog.read` is the fan-out reader's blocking read. Use it on a client made by
  :func:`reader_client`, whose socket timeout exceeds the block time, so the read never races its own
  timeout: a quiet Stream returns an empty list every ``BLOCK_MS`` and the caller reads again at once.
"""

from __future__ import annotations

from typing import Any

import msgspec
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from floor.store import keys
from floor.store.client import connect_reader, is_cluster_url
from floor.store.cluster_calls import xread_stream

BLOCK_MS = 2000  # one blocking XREAD waits at most this long
READER_SOCKET_TIMEOUT_S = 10.0  # > BLOCK_MS: the reader's client never times out a healthy blocking read
CATCH_UP_LIMIT = 10_000  # a board further behind than this is told to resync

Entry = tuple[str, dict[str, str]]


def id_key(stream_id: str) -> tuple[int, int]:
    """A Stream id as a comparable pair (``"12-3"`` -> ``(12, 3)``)."""
    ms, _, seq = stream_id.partition("-")
    return int(ms), int(seq or 0)


class CatchUp(msgspec.Struct, frozen=True):
    """``entries`` after the asked id, oldest first; or ``resync`` set and no entries.

    ``resync``: ``trimmed`` (events after ``last_id`` are no longer kept), ``future`` (an id the
    Stream never handed out), ``too_far`` (more than the catch-up limit behind).
    """

    entries: list[Entry]
    resync: str = ""
    first_id: str = "0-0"  # the oldest id the Stream keeps ("0-0": empty)
    last_id: str = "0-0"  # the newest id the Stream handed out


def reader_client(url: str) -> Any:
    """A client for the fan-out reader only: one connection per warehouse it follows.

    Errors surface at once (no hidden retries); the caller backs off and reads again. A Redis
    Cluster URL gets a cluster client whose socket timeout exceeds the blocking read too.
    """
    if is_cluster_url(url):
        return connect_reader(url, BLOCK_MS)
    return aioredis.Redis.from_url(
        url, decode_responses=True, socket_timeout=READER_SOCKET_TIMEOUT_S, socket_connect_timeout=2.0,
        retry=Retry(NoBackoff(), 0),
    )


class EventLog:
    def __init__(self, client: Any) -> None:
        self.client = client

    async def last_id(self, warehouse: str) -> str:
        last = await self.client.xrevrange(keys.key(warehouse, "events"), count=1)
        return str(last[0][0]) if last else "0-0"

    async def first_id(self, warehouse: str) -> str:
        first = await self.client.xrange(keys.key(warehouse, "events"), count=1)
        return str(first[0][0]) if first else "0-0"

    async def after(self, warehouse: str, last_id: str, count: int = 1000) -> list[Entry]:
        """Up to ``count`` entries after ``last_id`` (exclusive), oldest first."""
        entries: list[Entry] = await self.client.xrange(keys.key(warehouse, "events"), min=f"({last_id}", count=count)
        return entries

    async def read(self, warehouse: str, last_id: str, count: int = 2000, block_ms: int = BLOCK_MS) -> list[Entry]:
        """Entries after ``last_id``, waiting up to ``block_ms`` for the first; ``[]`` when none came."""
        # Sent straight to the stream's master on a cluster (no COMMAND GETKEYS round trip).
        batches = await xread_stream(self.client, keys.key(warehouse, "events"), last_id, count=count, block_ms=block_ms)
        if not batches:
            return []
        if isinstance(batches, dict):  # RESP3
            return [entry for entries in batches.values() for entry in entries[0]]
        return [entry for _stream, entries in batches for entry in entries]

    async def catch_up(self, warehouse: str, last_id: str, limit: int = CATCH_UP_LIMIT) -> CatchUp:
        """Every event after ``last_id`` (at most ``limit``), or the reason the board must resync."""
        stream = keys.key(warehouse, "events")
        try:
            info = await self.client.xinfo_stream(stream)
        except Exception as error:  # "no such key": a Stream that never had an event
            if "no such key" not in str(error).lower():
                raise
            info = {"length": 0, "entries-added": 0, "last-generated-id": "0-0", "max-deleted-entry-id": "0-0"}
        asked = id_key(last_id)
        newest = str(info.get("last-generated-id") or "0-0")
        first = info.get("first-entry")
        first_id = str(first[0]) if first else "0-0"
        bounds = {"first_id": first_id, "last_id": newest}
        if asked > id_key(newest):
            return CatchUp([], "future", **bounds)
        removed = int(info.get("entries-added", 0) or 0) > int(info.get("length", 0) or 0)
        oldest_kept = id_key(first_id) if first else id_key(newest)
        deleted = id_key(str(info.get("max-deleted-entry-id") or "0-0"))
        if (removed and asked < oldest_kept) or asked < deleted:
            # Something after `asked` may have been trimmed (or deleted): the board cannot be made whole.
            return CatchUp([], "trimmed", **bounds)
        entries: list[Entry] = []
        after = last_id
        while len(entries) <= limit:
            page = await self.after(warehouse, after, min(1000, limit + 1 - len(entries)))
            if not page:
                break
            entries.extend(page)
            after = page[-1][0]
        if len(entries) > limit:
            return CatchUp([], "too_far", **bounds)
        return CatchUp(entries, "", **bounds)
