"""Picker presence seen from a web node: one lease per handheld socket, and the node's sweeper.

A picker is present while any node holds one of its sockets: each socket takes a lease in Redis
(:class:`PresenceKeeper`: ``join`` on connect, a renewal every third of the ttl, ``leave`` on
close, which drops that socket's lease only). A node that dies without leaving loses its leases
by time. Every node runs a :class:`PresenceSweeper` (every ~2 s, all warehouses): the sweep script
is atomic and idempotent, so it does not matter which node gets there first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid

from floor.floor import Floor

log = logging.getLogger("floor.presence")


class PresenceKeeper:
    """The lease of one handheld socket. ``await join()`` on connect (starts the renewal task),
    ``await leave()`` when the socket ends (never raises: the lease then runs out by itself)."""

    def __init__(self, floor: Floor, warehouse: str, picker: str, ttl_s: float | None = None) -> None:
        self.floor = floor
        self.warehouse = warehouse
        self.picker = picker
        self.socket_id = uuid.uuid4().hex  # made here: the lease is this socket's, not the picker's
        self.ttl_ms = int(1000 * (ttl_s if ttl_s is not None else floor.settings.presence_ttl_s))
        self.renewing: asyncio.Task[None] | None = None

    async def join(self) -> None:
        await self.floor.picking.join(self.warehouse, self.picker, self.socket_id, self.ttl_ms)
        self.renewing = asyncio.create_task(self._renew(), name=f"presence-{self.picker}")

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(self.ttl_ms / 3000)
            try:
                if await self.floor.picking.renew(self.warehouse, self.picker, self.socket_id, self.ttl_ms):
                    log.info("picker %s: lease had run out; present again", self.picker)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # Redis blip: keep trying; the lease may run out meanwhile
                log.warning("picker %s: lease renewal failed: %s", self.picker, error)

    async def leave(self) -> None:
        if self.renewing is not None:
            self.renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.renewing
        try:
            await self.floor.picking.leave(self.warehouse, self.picker, self.socket_id)
        except Exception as error:
            log.warning("picker %s: could not drop the lease (it runs out by itself): %s", self.picker, error)


class PresenceSweeper:
    """The node's sweeper: every ``interval_s`` (default ~2 s, shorter for short leases) run the
    presence sweep on every warehouse with the configured grace."""

    def __init__(self, floor: Floor, interval_s: float | None = None) -> None:
        self.floor = floor
        settings = floor.settings
        self.interval_s = interval_s or min(2.0, max(0.2, settings.presence_ttl_s / 3))
        self.grace_ms = int(settings.presence_grace_s * 1000)
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(self._run(), name="presence-sweeper")

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task

    async def sweep_once(self) -> None:
        for warehouse in await self.floor.layouts.warehouses():
            report = await self.floor.picking.sweep(warehouse, self.grace_ms)
            if report.absent or report.unassigned or report.raised:
                log.info("presence %s: %d absent, %d tasks back to the queue, %d exceptions",
                         warehouse, report.absent, report.unassigned, report.raised)

    async def _run(self) -> None:
        while True:
            try:
                await self.sweep_once()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # Redis down: the next round tries again
                log.warning("presence sweep failed: %s", error)
            await asyncio.sleep(self.interval_s)
