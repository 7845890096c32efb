"""Import records: the first report of each ``<actor>:<import id>``, the running claim, progress,
and the files of a queued import (global keys, see ``keys.import_key``).

A finished import (imported, partial or refused) keeps its report for RECORD_TTL: the same
sender repeating the id gets that report back and nothing is written. A running import holds a
claim that it renews every chunk; a claim left by a crashed process expires after LOCK_TTL, after
which the same id may run again (every write of an import is safe to repeat).
"""

from __future__ import annotations

from typing import Any

import msgspec

from floor.onboarding.model import ImportReport, ImportRequest
from floor.store import keys

RECORD_TTL = 30 * 24 * 3600
LOCK_TTL = 120
FILES_TTL = 24 * 3600
PROGRESS_TTL = 7 * 24 * 3600
_report = msgspec.json.Decoder(ImportReport)
_request = msgspec.json.Decoder(ImportRequest)


def scope(actor: str, import_id: str) -> str:
    return f"{actor}:{import_id}"


async def now_ms(client: Any) -> int:
    """Redis' clock (one clock for every node)."""
    seconds, micros = await client.time()
    return int(seconds) * 1000 + int(micros) // 1000


async def report(client: Any, scope_id: str) -> ImportReport | None:
    raw = await client.get(keys.import_key("record", scope_id))
    return None if raw is None else _report.decode(raw)


async def claim(client: Any, scope_id: str) -> bool:
    return bool(await client.set(keys.import_key("lock", scope_id), "1", nx=True, ex=LOCK_TTL))


async def running(client: Any, scope_id: str) -> bool:
    return bool(await client.exists(keys.import_key("lock", scope_id)))


async def progress(client: Any, scope_id: str, **fields: str | int) -> None:
    """Update the progress hash (and keep the running claim alive)."""
    async with client.pipeline(transaction=False) as pipe:
        pipe.hset(keys.import_key("progress", scope_id), mapping=fields)
        pipe.expire(keys.import_key("progress", scope_id), PROGRESS_TTL)
        pipe.expire(keys.import_key("lock", scope_id), LOCK_TTL)
        await pipe.execute()


async def read_progress(client: Any, scope_id: str) -> dict[str, str]:
    return dict(await client.hgetall(keys.import_key("progress", scope_id)))


async def finish(client: Any, scope_id: str, final: ImportReport) -> None:
    """Keep the report, drop the claim and any queued files."""
    async with client.pipeline(transaction=False) as pipe:
        pipe.set(keys.import_key("record", scope_id), msgspec.json.encode(final), ex=RECORD_TTL)
        pipe.hset(keys.import_key("progress", scope_id), mapping={"status": final.status})
        pipe.delete(keys.import_key("lock", scope_id), keys.import_key("files", scope_id))
        await pipe.execute()


async def unclaim(client: Any, scope_id: str) -> None:
    await client.delete(keys.import_key("lock", scope_id))


async def release(client: Any, scope_id: str, error: str) -> None:
    """A run that failed midway: no record (the id may run again), the reason in the progress hash."""
    async with client.pipeline(transaction=False) as pipe:
        pipe.hset(keys.import_key("progress", scope_id), mapping={"status": "failed", "error": error[:500]})
        pipe.delete(keys.import_key("lock", scope_id))
        await pipe.execute()


async def put_files(
    client: Any, scope_id: str, request: ImportRequest, files: dict[str, bytes], *, replace: bool = False
) -> bool:
    """Keep a queued import's request and files for its job; False if some are already queued
    (``replace``: a failed job's files are replaced for its retry)."""
    key = keys.import_key("files", scope_id)
    if replace:
        await client.delete(key)
    if not await client.hsetnx(key, "request", msgspec.json.encode(request)):
        return False
    async with client.pipeline(transaction=False) as pipe:
        pipe.hset(key, mapping={f"file:{kind}": data for kind, data in files.items()})
        pipe.expire(key, FILES_TTL)
        await pipe.execute()
    return True


async def get_files(client: Any, scope_id: str) -> tuple[ImportRequest, dict[str, bytes]] | None:
    stored = await client.hgetall(keys.import_key("files", scope_id))
    if "request" not in stored:
        return None
    files = {name[5:]: _bytes(value) for name, value in stored.items() if name.startswith("file:")}
    return _request.decode(stored["request"]), files


def _bytes(value: str | bytes) -> bytes:
    return value.encode() if isinstance(value, str) else value
