"""Onboarding use cases: check an import, run it (all or nothing, or the valid rows only), queue a
large one for a worker, report progress, load the demo warehouse from its CSV files.

Every function takes an async Redis client made with ``decode_responses=True`` (``Floor.client``),
the sender (``actor``: the authenticated username) and, for a route, the warehouses the sender may
change (``warehouses``: the token's scope, ``("*",)`` = all). A route is a thin wrapper::

    report = await service.submit_import(floor.client, principal.subject, request, files,
                                         redis_url=settings.redis_url, warehouses=(principal.warehouse,))

Import ids are scoped per sender (``<actor>:<import id>``): two senders may use the same id; one
sender repeating an id gets its first report (``repeat=True``) and nothing is written again.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import secrets
import time
from collections.abc import Callable, Collection, Mapping
from typing import Any

import msgspec

from floor.core.errors import ValidationError
from floor.onboarding import records, store
from floor.onboarding.demo_files import DEMO_WAREHOUSE, demo_files
from floor.onboarding.model import (
    KINDS,
    MAX_REPORTED,
    CleanImport,
    ImportProgress,
    ImportReport,
    ImportRequest,
    Problem,
)
from floor.onboarding.validate import check, check_request, make_report, needs, parse_files

INLINE_BYTES = 2_000_000  # larger imports go to a worker (submit_import)
QUEUE = "floor"
ACTOR_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-@")


def _check_actor(actor: str) -> None:
    if not 1 <= len(actor) <= 64 or any(ch not in ACTOR_CHARS for ch in actor):
        raise ValidationError("actor must be 1-64 ASCII letters, digits or . _ - @")


def _refused(request: ImportRequest, problems: list[Problem], status: str = "refused") -> ImportReport:
    """A request that is wrong in itself (bad id, format, kinds): nothing read, recorded or written."""
    return make_report(request, status, {}, problems, CleanImport())


async def validate_import(
    client: Any, actor: str, request: ImportRequest, files: Mapping[str, bytes], *, warehouses: Collection[str] = ("*",)
) -> ImportReport:
    """A dry run: the report an import would get (status valid | invalid). Writes and records nothing."""
    _check_actor(actor)
    problems = check_request(request, files)
    if problems:
        return _refused(request, problems, "invalid")
    parsed = await asyncio.to_thread(parse_files, request, files)
    existing = await store.load_existing(client, needs(parsed))
    report, _clean = await asyncio.to_thread(check, request, parsed, existing, warehouses)
    return report


async def run_import(
    client: Any, actor: str, request: ImportRequest, files: Mapping[str, bytes], *, warehouses: Collection[str] = ("*",)
) -> ImportReport:
    """Check the whole import, then write it: every row when all are valid; only the valid ones when
    ``request.valid_only``; nothing otherwise (status refused). Status imported | partial | refused,
    or running when the same import is being run elsewhere. A repeat returns the first report."""
    _check_actor(actor)
    problems = check_request(request, files)
    if problems:
        return _refused(request, problems)
    scope_id = records.scope(actor, request.import_id)
    first = await records.report(client, scope_id)
    if first is None and await records.claim(client, scope_id):
        first = await records.report(client, scope_id)  # finished between the two looks?
        if first is None:
            return await _run_claimed(client, actor, scope_id, request, files, warehouses)
        await records.unclaim(client, scope_id)
    if first is not None:
        first.repeat = True
        return first
    return await import_status(client, actor, request.import_id)


async def _run_claimed(
    client: Any, actor: str, scope_id: str, request: ImportRequest, files: Mapping[str, bytes], warehouses: Collection[str]
) -> ImportReport:
    started = await records.now_ms(client)
    try:
        await records.progress(client, scope_id, status="validating", updated_ms=started)
        parsed = await asyncio.to_thread(parse_files, request, files)
        existing = await store.load_existing(client, needs(parsed))
        report, clean = await asyncio.to_thread(check, request, parsed, existing, warehouses)
        report.started_ms = started
        if report.problem_count and (not request.valid_only or not any(clean.rows(kind) for kind in KINDS)):
            report.status = "refused"
        else:
            total = sum(len(clean.rows(kind)) for kind in KINDS)
            before: dict[str, int] = {}
            for kind in KINDS:
                before[kind] = sum(len(clean.rows(k)) for k in KINDS[:KINDS.index(kind)])

            async def progress(kind: str, done: int) -> None:
                await records.progress(client, scope_id, status="writing", phase=kind, done=before[kind] + done,
                                       total=total, updated_ms=int(time.time() * 1000))

            await records.progress(client, scope_id, status="writing", done=0, total=total)
            writer = store.Writer(client, actor, f"import:{scope_id}", progress)
            written, late = await writer.write(clean, existing)
            for kind, count in written.items():
                report.counts[kind].written = count
            report.problems = (report.problems + late)[:MAX_REPORTED]
            report.problem_count += len(late)
            report.status = "partial" if report.problem_count else "imported"
        report.finished_ms = await records.now_ms(client)
        await records.finish(client, scope_id, report)
        return report
    except Exception as error:
        await records.release(client, scope_id, f"{type(error).__name__}: {error}")
        raise


async def import_status(client: Any, actor: str, import_id: str) -> ImportReport:
    """The final report of an import, or where it is now (status queued | validating | writing |
    failed | unknown, with ``progress``)."""
    scope_id = records.scope(actor, import_id)
    final = await records.report(client, scope_id)
    if final is not None:
        return final
    fields = await records.read_progress(client, scope_id)
    if not fields:
        return ImportReport(import_id=import_id, status="unknown")
    progress = msgspec.convert(fields, ImportProgress, strict=False)
    if progress.status in ("validating", "writing") and not await records.running(client, scope_id):
        progress.status, progress.error = "failed", progress.error or "the importing process stopped"
    return ImportReport(import_id=import_id, status=progress.status, progress=progress, job_id=progress.job_id)


def job_id(actor: str, import_id: str) -> str:
    """The RQ job id of an import (RQ allows only letters, digits, _ and -)."""
    return "import-" + hashlib.sha1(records.scope(actor, import_id).encode()).hexdigest()[:24]


async def submit_import(
    client: Any, actor: str, request: ImportRequest, files: Mapping[str, bytes], *,
    enqueue: Callable[[str, str, list[str]], str], warehouses: Collection[str] = ("*",),
    inline_bytes: int = INLINE_BYTES,
) -> ImportReport:
    """Run a small import now; queue a large one (files kept in Redis for the job) and answer
    status queued with its ``job_id``. Poll :func:`import_status` for progress and the report.
    ``enqueue(actor, import_id, warehouses) -> job id`` queues the job (floor.jobs.imports)."""
    if sum(len(data) for data in files.values()) <= inline_bytes or not all(_utf8(data) for data in files.values()):
        return await run_import(client, actor, request, files, warehouses=warehouses)  # (bad_encoding is quick)
    _check_actor(actor)
    problems = check_request(request, files)
    if problems:
        return _refused(request, problems)
    scope_id = records.scope(actor, request.import_id)
    first = await records.report(client, scope_id)
    if first is not None:
        first.repeat = True
        return first
    failed = (await import_status(client, actor, request.import_id)).status == "failed"
    if await records.put_files(client, scope_id, request, dict(files), replace=failed):  # a failed id may run again
        job = await asyncio.to_thread(enqueue, actor, request.import_id, list(warehouses))
        await records.progress(client, scope_id, status="queued", job_id=job, updated_ms=await records.now_ms(client))
    return await import_status(client, actor, request.import_id)


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class DemoImport(msgspec.Struct):
    report: ImportReport
    pickers: list[tuple[str, str, str]]  # (picker id, badge, PIN) as imported
    users: list[tuple[str, str, str]]  # (username, role, password); passwords apply only when not a repeat


async def load_demo_csv(
    floor_or_client: Any, *, warehouse: str = DEMO_WAREHOUSE, passwords: Mapping[str, str] | None = None,
    actor: str = "demo", import_id: str | None = None,
) -> DemoImport:
    """Load the demo warehouse from its CSV files through :func:`run_import` (all or nothing).

    ``passwords`` maps the users.csv usernames (supervisor, admin, channel, device) to passwords;
    missing ones are random. Raises ValidationError if the import is refused. The import id defaults
    to ``demo-<warehouse>``: loading twice returns the first report (and the new passwords are NOT set)."""
    client = getattr(floor_or_client, "client", floor_or_client)
    given = dict(passwords or {})
    chosen = {name: given.get(name) or secrets.token_urlsafe(12) for name in ("supervisor", "admin", "channel", "device")}
    files = demo_files(warehouse, chosen)
    request = ImportRequest(import_id or f"demo-{warehouse}", format="csv")
    report = await run_import(client, actor, request, files)
    if report.status != "imported":
        raise ValidationError(f"demo import {report.status}: " + "; ".join(p.message for p in report.problems[:5]))
    pickers = [(row["picker_id"], row["badge"], row["pin"]) for row in _csv_rows(files["pickers"])]
    users = [(row["username"], row["role"], row["password"]) for row in _csv_rows(files["users"])]
    return DemoImport(report, pickers, users)


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
