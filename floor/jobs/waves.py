"""RQ entry points for waves: ids in, idempotent, with a visible planning state.

A large wave is enqueued with a deterministic job id (``wave-<warehouse>-<wave id>``) and its
planning state (``queued`` -> ``planning`` -> ``committed`` | ``failed`` with the reason) is kept
next to the wave in the floor store, so ``GET /api/waves/{id}`` can say where it is. A failed wave
can be released again with the same id: the failed job is replaced.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import msgspec
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job

from floor.core.errors import FloorError
from floor.core.settings import Settings
from floor.floor import Floor
from floor.store.client import connect_sync
from floor.waves.model import ReleaseWave

QUEUE = "floor"
log = logging.getLogger("floor.release")


def wave_job_id(warehouse: str, wave_id: str) -> str:
    """The RQ job id of a wave: RQ takes only letters, digits, '_' and '-', and a wave id may hold
    any printable ASCII, so other characters are written as ``_xx`` (hex) and '_' as ``__``."""
    safe = "".join(c if c.isascii() and (c.isalnum() or c == "-") else ("__" if c == "_" else f"_{ord(c):02x}")
                   for c in wave_id)
    return f"wave-{warehouse}-{safe}"


def _now_ms() -> int:
    return int(time.time() * 1000)


def release_wave(warehouse: str, command_json: str, sender: str = "") -> dict[str, Any]:
    """Plan and commit a wave in the worker (slow for large waves: never on a web request)."""
    command = msgspec.json.decode(command_json, type=ReleaseWave)

    async def run() -> dict[str, Any]:
        floor = Floor.from_settings(Settings.from_env(), socket_timeout=60.0)
        await floor.start()
        store = floor.waves.store
        try:
            await store.set_planning(warehouse, command.wave_id, "planning", "", _now_ms())
            try:
                repeat, wave = await floor.waves.release(warehouse, command, sender)
            except FloorError as error:
                await store.set_planning(warehouse, command.wave_id, "failed", error.reason, _now_ms())
                return {"failed": error.reason}
            except Exception as error:
                await store.set_planning(warehouse, command.wave_id, "failed", f"{type(error).__name__}: {error}",
                                         _now_ms())
                raise
            await store.set_planning(warehouse, command.wave_id, "committed", "", _now_ms())
            return {"repeat": repeat, "wave": msgspec.to_builtins(wave)}
        finally:
            await floor.close()

    return asyncio.run(run())


def enqueue_release_wave(jobs_redis_url: str, warehouse: str, command: ReleaseWave, sender: str = "") -> str:
    """Enqueue once; a wave whose earlier job failed is enqueued again under the same id."""
    connection = connect_sync(jobs_redis_url, decode_responses=False)
    job_id = wave_job_id(warehouse, command.wave_id)
    try:
        try:
            job = Job.fetch(job_id, connection=connection)
            if not (job.is_failed or job.is_finished):
                return job_id
            job.delete()
        except NoSuchJobError:
            pass
        Queue(QUEUE, connection=connection).enqueue(
            release_wave, warehouse, msgspec.json.encode(command).decode(), sender, job_id=job_id, result_ttl=86400,
            failure_ttl=86400, job_timeout=600,
        )
        return job_id
    finally:
        connection.close()


class ReleaseLoop:
    """The node's release loop (issue 11): every ``interval_s`` (0.25 s) each warehouse whose policy
    is not manual gets a decision round (:meth:`floor.waves.release.Release.tick`) if this node holds
    its releaser lease (one node decides at a time); late-risk checks run every ``late_every_s``.
    Policies are re-read every 2 s (a changed policy takes effect within that).
    A picker finishing its tour under continuous release thus gets the next one within ~0.25 s plus
    the planning budget, without a supervisor."""

    def __init__(self, floor: Floor, interval_s: float = 0.25, late_every_s: float = 30.0) -> None:
        self.floor = floor
        self.interval_s = interval_s
        self.late_every_s = late_every_s
        self.owner = f"node-{id(self):x}-{time.time_ns()}"
        self.task: asyncio.Task[None] | None = None
        self.late_checked: dict[str, float] = {}
        self.modes_every_s = 2.0
        self.modes_read = -1e9
        self.automatic: list[str] = []  # warehouses whose policy is not manual (as last read)
        self.stopping = asyncio.Event()

    def start(self) -> None:
        self.stopping.clear()
        self.task = asyncio.create_task(self._run(), name="release-loop")

    async def stop(self) -> None:
        """End the loop between two rounds, so a round's release and the record of its decision are
        never split by a shutdown; a round stuck for 10 s is cancelled."""
        if self.task is None:
            return
        self.stopping.set()
        try:
            await asyncio.wait_for(asyncio.shield(self.task), 10)
        except Exception:  # stuck (timeout) or failed: cancel it
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task

    async def once(self) -> None:
        release = self.floor.release
        now = time.monotonic()
        if now - self.modes_read >= self.modes_every_s:  # policies change rarely: re-read every 2 s
            self.modes_read = now
            self.automatic = [w for w, mode in (await release.store.modes(
                list(await self.floor.layouts.warehouses()))).items() if mode != "manual"]
        for warehouse in self.automatic:
            if not await release.store.lease(warehouse, self.owner, 5_000):
                continue
            await release.tick(warehouse)
            now = time.monotonic()
            if now - self.late_checked.get(warehouse, 0.0) >= self.late_every_s:
                self.late_checked[warehouse] = now
                await release.late_risk(warehouse)

    async def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                await self.once()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # Redis down or a bad plan: the next round tries again
                log.warning("release round failed: %s", error)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), self.interval_s)
