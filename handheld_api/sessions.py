"""Is a signed token still good? A per-node view of revocations, and the sockets it closes.

The signature and expiry of a token are checked without I/O (:class:`handheld_api.auth.TokenSigner`).
What can end a token early lives in Redis (``floor:auth:<sid>``: the subject's epoch, and the ids
of tokens revoked by logout). This node:

- caches each subject's auth state for at most :data:`MAX_AGE_S` (0.5 s): HTTP verification costs
  at most one Redis round trip per subject per half second, shared by concurrent requests; so a
  disable or logout on any node takes effect on every node's HTTP within 0.5 s plus one request.
- follows the revocation Stream (one XREAD every :data:`POLL_S`, whatever the number of sockets):
  each entry drops the subject's cache entry and closes the subject's open sockets that the
  revocation ends (error frame ``revoked``, close code 4401). A node that could not read the
  Stream for a while re-checks every open socket when it can again.

Chosen over a periodic check inside every socket: the cost is O(revocations), not O(sockets), and it
needs no change to the socket handlers (``authenticate`` registers the socket).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from floor.accounts.model import Principal, Revocation
from floor.accounts.service import Accounts, AuthState
from handheld_api.ws.protocol import error_frame

log = logging.getLogger("floor.sessions")

MAX_AGE_S = 0.5
POLL_S = 0.2
SWEEP_S = 10.0
MAX_CACHED = 50_000


class Sessions:
    def __init__(self, accounts: Accounts, max_age_s: float = MAX_AGE_S, poll_s: float = POLL_S) -> None:
        self.accounts = accounts
        self.max_age_s = max_age_s
        self.poll_s = poll_s
        self._cache: dict[str, tuple[float, AuthState]] = {}
        self._loading: dict[str, asyncio.Future[AuthState]] = {}
        self._sockets: dict[str, list[tuple[Any, Principal]]] = {}
        self._task: asyncio.Task[None] | None = None
        self.lookups = 0  # Redis round trips for auth state (tests read it)

    # -- HTTP and socket connect: is this token still good? --------------------------------------

    async def valid(self, principal: Principal) -> bool:
        """False when the token was revoked (logout) or its subject's epoch moved on (disabled, new
        secret). Costs a Redis round trip only when this node's view of the subject is older than
        ``max_age_s``."""
        if not principal.jti:
            return False  # every token this server issues has an id; one without cannot be revoked
        state = await self._state(principal.sid)
        return principal.epoch == state.epoch and principal.jti not in state.revoked

    async def _state(self, sid: str) -> AuthState:
        cached = self._cache.get(sid)
        if cached is not None and time.monotonic() - cached[0] < self.max_age_s:
            return cached[1]
        loading = self._loading.get(sid)
        if loading is None:  # the first to ask loads it (in its own task: a caller's cancellation
            loading = asyncio.ensure_future(self._load(sid))  # never fails the others waiting)
            loading.add_done_callback(_retrieved)
            self._loading[sid] = loading
        return await asyncio.shield(loading)

    async def _load(self, sid: str) -> AuthState:
        try:
            self.lookups += 1
            started = time.monotonic()
            state = await self.accounts.auth_state(sid)
            if len(self._cache) >= MAX_CACHED:
                self._prune(started)
            self._cache[sid] = (started, state)  # its age counts from before the read
            return state
        finally:
            del self._loading[sid]

    def _prune(self, now: float) -> None:
        for sid in [sid for sid, (at, _) in self._cache.items() if now - at >= self.max_age_s]:
            del self._cache[sid]

    def forget(self, sid: str) -> None:
        self._cache.pop(sid, None)

    # -- open sockets ---------------------------------------------------------------------------

    def add_socket(self, socket: Any, principal: Principal) -> None:
        """Register an authenticated socket; it is closed when its token ends. Closed sockets are
        dropped here and by the periodic sweep (the handlers need not unregister)."""
        entries = [entry for entry in self._sockets.get(principal.sid, []) if _open(entry[0])]
        entries.append((socket, principal))
        self._sockets[principal.sid] = entries

    @property
    def open_sockets(self) -> int:
        return sum(1 for entries in self._sockets.values() for socket, _ in entries if _open(socket))

    async def _close_ended(self, revocation: Revocation) -> int:
        ended = [(socket, principal) for socket, principal in self._sockets.get(revocation.sid, [])
                 if _open(socket) and (principal.jti == revocation.jti
                                       or (revocation.epoch and principal.epoch < revocation.epoch))]
        for socket, _principal in ended:
            await _close(socket)
        return len(ended)

    async def _recheck_all(self) -> None:
        self._cache.clear()
        for entries in list(self._sockets.values()):
            for socket, principal in entries:
                if _open(socket) and not await self.valid(principal):
                    await _close(socket)

    def _sweep(self) -> None:
        for sid in list(self._sockets):
            entries = [entry for entry in self._sockets[sid] if _open(entry[0])]
            if entries:
                self._sockets[sid] = entries
            else:
                del self._sockets[sid]

    # -- following the revocation Stream --------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(self._follow(), name="revocations")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _follow(self) -> None:
        after = ""
        failing = False
        swept = time.monotonic()
        while True:
            try:
                if not after:
                    after = await self.accounts.last_revocation_id()
                for entry_id, revocation in await self.accounts.revocations_after(after):
                    after = entry_id
                    self.forget(revocation.sid)
                    closed = await self._close_ended(revocation)
                    if closed:
                        log.info("closed %d socket(s) of %s: token ended", closed, revocation.sid)
                if failing:
                    failing = False
                    log.warning("revocation stream readable again: re-checking open sockets")
                    await self._recheck_all()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if not failing:
                    log.warning("cannot read the revocation stream (%s): retrying", type(error).__name__)
                failing = True
            if time.monotonic() - swept > SWEEP_S:
                self._sweep()
                swept = time.monotonic()
            await asyncio.sleep(self.poll_s)


def _retrieved(future: asyncio.Future[AuthState]) -> None:
    """Mark a failed load's error as seen (its waiters, if any, re-raise it)."""
    if not future.cancelled():
        future.exception()


def _open(socket: Any) -> bool:
    return getattr(socket, "connection_state", "disconnect") != "disconnect"


async def _close(socket: Any) -> None:
    with contextlib.suppress(Exception):
        await socket.send_text(error_frame("revoked", "this login was ended (logout, disabled or new PIN)").decode())
    with contextlib.suppress(Exception):
        await socket.close(code=4401, reason="token ended")
