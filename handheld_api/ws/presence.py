"""Picker presence seen from a web node: one lease per handheld socket, and the node's sweeper.

A picker is present while any node holds one of its sockets: each socket takes a lease in Redis
(:class:`PresenceKeeper`: ``join`` on connect, a renewal every third of the ttl, ``leave`` on
close, which drops that socket's lease only). The renewals of all the node's sockets are made by
one timer (:class:`Renewals`): the leases that are due go together, one script call per
warehouse, instead of a timer and a call per socket (500 idle handhelds cost a node 100 wake-ups a
second that way). A node that dies without leaving loses its leases by time. Every node runs a :class:`PresenceSweeper` (every ~2 s, all warehouses): the sweep script
is atomic and idempotent, so it does not matter which node gets there first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
import weakref

from floor.floor import Floor

log = logging.getLogger("floor.presence")


class PresenceKeeper:
    """The lease of one handheld socket. ``await join()`` on connect (its renewals then come from the
    node's :class:`Renewals`), ``await leave()`` when the socket ends (never raises: the lease then
    runs out by itself)."""

    def __init__(self, floor: Floor, warehouse: str, picker: str, ttl_s: float | None = None) -> None:
        self.floor = floor
        self.warehouse = warehouse
        self.picker = picker
        self.socket_id = uuid.uuid4().hex  # made here: the lease is this socket's, not the picker's
        self.ttl_ms = int(1000 * (ttl_s if ttl_s is not None else floor.settings.presence_ttl_s))
        self.renewals: Renewals | None = None

    async def join(self) -> None:
        await self.floor.picking.join(self.warehouse, self.picker, self.socket_id, self.ttl_ms)
        self.renewals = Renewals.of(self.floor)
        self.renewals.add(self)

    async def leave(self) -> None:
        if self.renewals is not None:
            await self.renewals.remove(self)  # after a renewal in flight, so the lease is not taken again
        try:
            await self.floor.picking.leave(self.warehouse, self.picker, self.socket_id)
        except Exception as error:
            log.warning("picker %s: could not drop the lease (it runs out by itself): %s", self.picker, error)


class Renewals:
    """Every lease of one node's sockets, renewed by one timer: each every third of its ttl, the ones
    due in the same tick together (one ``presence_renew_many`` call per warehouse, at most
    ``BATCH`` leases a call). A tick is a sixth of the shortest ttl (at most 1 s), so a lease is
    renewed at most half its ttl after the last renewal. One per :class:`Floor` (:meth:`of`)."""

    BATCH = 200
    _by_floor: weakref.WeakKeyDictionary[Floor, Renewals] = weakref.WeakKeyDictionary()

    def __init__(self, floor: Floor) -> None:
        self.floor = floor
        self.leases: dict[str, tuple[float, PresenceKeeper]] = {}  # socket id -> (next renewal, keeper)
        self.task: asyncio.Task[None] | None = None
        self.sending: set[str] = set()  # socket ids of the renewal call in flight
        self.sent: asyncio.Event = asyncio.Event()  # set when that call is answered

    @classmethod
    def of(cls, floor: Floor) -> Renewals:
        found = cls._by_floor.get(floor)
        if found is None:
            found = cls._by_floor[floor] = cls(floor)
        return found

    def add(self, keeper: PresenceKeeper) -> None:
        loop = asyncio.get_running_loop()
        self.leases[keeper.socket_id] = (loop.time() + keeper.ttl_ms / 3000, keeper)
        if self.task is None or self.task.done():
            self.task = loop.create_task(self._run(), name="presence-renewals")

    async def remove(self, keeper: PresenceKeeper) -> None:
        """No more renewals for this socket; waits for a renewal of it that is in flight (a leave sent
        before it would be undone by it), at most a few seconds."""
        self.leases.pop(keeper.socket_id, None)
        if keeper.socket_id in self.sending:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.sent.wait(), 5)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while self.leases:
            shortest = min(keeper.ttl_ms for _due, keeper in self.leases.values())
            await asyncio.sleep(max(0.05, min(1.0, shortest / 6000)))
            now = loop.time()
            due: dict[str, list[PresenceKeeper]] = {}
            for socket_id, (when, keeper) in list(self.leases.items()):
                if when <= now:
                    due.setdefault(keeper.warehouse, []).append(keeper)
                    self.leases[socket_id] = (now + keeper.ttl_ms / 3000, keeper)
            for warehouse, keepers in due.items():
                for start in range(0, len(keepers), self.BATCH):
                    await self._renew(warehouse, keepers[start:start + self.BATCH])

    async def _renew(self, warehouse: str, keepers: list[PresenceKeeper]) -> None:
        keepers = [k for k in keepers if k.socket_id in self.leases]  # not closed meanwhile
        if not keepers:
            return
        self.sending, self.sent = {k.socket_id for k in keepers}, asyncio.Event()
        try:
            back = await self.floor.picking.renew_many(
                warehouse, [(k.picker, k.socket_id, k.ttl_ms) for k in keepers])
        except asyncio.CancelledError:
            raise
        except Exception as error:  # Redis blip: the next tick tries again; a lease may run out meanwhile
            log.warning("%s: %d lease renewal(s) failed: %s", warehouse, len(keepers), error)
            for keeper in keepers:
                if keeper.socket_id in self.leases:
                    self.leases[keeper.socket_id] = (0.0, keeper)
            return
        finally:
            self.sending = set()
            self.sent.set()
        for picker in back:
            log.info("picker %s: lease had run out; present again", picker)


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
