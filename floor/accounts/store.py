"""Accounts in Redis: global (untagged) keys, never touched by a warehouse script.

- ``floor:badge:<badge>`` / ``floor:user:<name>``: the account and its secret's hash; the sets
  ``floor:badges`` / ``floor:users`` list them.
- ``floor:auth:<sid>``: the subject's auth state (epoch, disabled, revoked token ids). Disabling and
  the epoch live in one hash so a login reads both at once: a token is either issued before the
  bump (and so carries the old epoch) or sees ``disabled``.
- ``floor:revocations``: a capped Stream every web node follows to close sockets at once.
- ``floor:ticket:<sha256>``: WebSocket tickets (TTL, taken with GETDEL).
- ``floor:loginfail:<subject>``: login attempt counters (TTL = the window).

Every multi-key step is a non-transactional pipeline of single-key commands, so it runs on a
Redis Cluster too (the keys live on different slots).
"""

from __future__ import annotations

import time
from typing import Any

from floor.accounts.model import Picker, Revocation, User
from floor.store import keys

REVOCATIONS_KEPT = 10_000  # Stream entries; a node further behind than this re-checks everything


class AccountStore:
    def __init__(self, client: Any) -> None:
        self.client = client

    # -- accounts ------------------------------------------------------------------------------

    async def put_picker(self, picker: Picker, pin_hash: str) -> None:
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.hset(keys.badge(picker.badge), mapping={
                "picker": picker.picker_id, "warehouse": picker.warehouse, "name": picker.name, "pin": pin_hash})
            pipe.sadd(keys.badges(), picker.badge)
            pipe.hset(keys.key(picker.warehouse, "picker", picker.picker_id), "name", picker.name)
            pipe.sadd(keys.key(picker.warehouse, "pickers"), picker.picker_id)
            await pipe.execute()

    async def badge(self, badge: str) -> dict[str, str]:
        result: dict[str, str] = await self.client.hgetall(keys.badge(badge))
        return result

    async def put_user(self, user: User, password_hash: str) -> None:
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.hset(keys.user(user.username), mapping={
                "role": user.role, "warehouses": ",".join(user.warehouses), "channels": ",".join(user.channels),
                "password": password_hash})
            pipe.sadd(keys.users(), user.username)
            await pipe.execute()

    async def user(self, username: str) -> dict[str, str]:
        result: dict[str, str] = await self.client.hgetall(keys.user(username))
        return result

    async def set_pin(self, badge: str, pin_hash: str) -> None:
        await self.client.hset(keys.badge(badge), "pin", pin_hash)

    async def set_password(self, username: str, password_hash: str) -> None:
        await self.client.hset(keys.user(username), "password", password_hash)

    async def all_badges(self) -> list[tuple[str, dict[str, str]]]:
        names = sorted(await self.client.smembers(keys.badges()))
        return list(zip(names, await self._hashes([keys.badge(name) for name in names]), strict=True))

    async def all_users(self) -> list[tuple[str, dict[str, str]]]:
        names = sorted(await self.client.smembers(keys.users()))
        return list(zip(names, await self._hashes([keys.user(name) for name in names]), strict=True))

    async def _hashes(self, names: list[str]) -> list[dict[str, str]]:
        async with self.client.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.hgetall(name)
            return list(await pipe.execute())

    # -- auth state: epoch, disabled, revoked token ids -------------------------------------------

    async def auth_state(self, sid: str) -> dict[str, str]:
        result: dict[str, str] = await self.client.hgetall(keys.auth_state(sid))
        return result

    async def auth_states(self, sids: list[str]) -> list[dict[str, str]]:
        return await self._hashes([keys.auth_state(sid) for sid in sids])

    async def end_tokens(self, sid: str, disable: bool = False) -> int:
        """Bump the subject's epoch (every token it holds stops working), and mark it disabled in the
        same transaction (one key) when asked. Announces the revocation; returns the new epoch."""
        key = keys.auth_state(sid)
        async with self.client.pipeline(transaction=True) as pipe:
            if disable:
                pipe.hset(key, "disabled", "1")
            pipe.hincrby(key, "epoch", 1)
            epoch = int((await pipe.execute())[-1])
        await self.announce(Revocation(sid, epoch=epoch))
        return epoch

    async def enable(self, sid: str) -> None:
        """Allow logins again (tokens ended by the disable stay ended)."""
        await self.client.hdel(keys.auth_state(sid), "disabled")

    async def revoke(self, sid: str, jti: str, expires_ms: int) -> None:
        """Revoke one token until it would have expired; forget revoked ids that have expired."""
        key = keys.auth_state(sid)
        now_ms = int(time.time() * 1000)
        state = await self.client.hgetall(key)
        stale = [name for name, value in state.items() if name.startswith("j:") and int(value) < now_ms]
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.hset(key, f"j:{jti}", expires_ms)
            if stale:
                pipe.hdel(key, *stale)
            await pipe.execute()
        await self.announce(Revocation(sid, jti=jti))

    async def announce(self, revocation: Revocation) -> None:
        await self.client.xadd(
            keys.revocations(), {"sid": revocation.sid, "jti": revocation.jti, "epoch": revocation.epoch},
            maxlen=REVOCATIONS_KEPT, approximate=True,
        )

    async def last_revocation_id(self) -> str:
        last = await self.client.xrevrange(keys.revocations(), count=1)
        return str(last[0][0]) if last else "0-0"

    async def revocations_after(self, after: str, count: int = 500) -> list[tuple[str, Revocation]]:
        answer = await self.client.xread({keys.revocations(): after}, count=count)
        if not answer:
            return []
        return [(str(entry_id), Revocation(f["sid"], f.get("jti", ""), int(f.get("epoch", 0))))
                for entry_id, f in answer[0][1]]

    async def oldest_revocation_id(self) -> str:
        first = await self.client.xrange(keys.revocations(), count=1)
        return str(first[0][0]) if first else "0-0"

    # -- tickets -----------------------------------------------------------------------------

    async def put_ticket(self, digest: str, claims: bytes, ttl_s: int) -> None:
        await self.client.set(keys.ticket(digest), claims, ex=ttl_s)

    async def take_ticket(self, digest: str) -> str | None:
        """The ticket's claims, deleted in the same command: a ticket works once."""
        value: str | None = await self.client.getdel(keys.ticket(digest))
        return value

    # -- login attempt counters ----------------------------------------------------------------

    async def count_attempts(self, subjects: list[str], window_s: int) -> list[int]:
        """Count one login attempt for each subject (before checking it) and return the counts.
        INCR is atomic, so parallel guesses each see a different count."""
        async with self.client.pipeline(transaction=False) as pipe:
            for subject in subjects:
                pipe.incr(keys.login_failures(subject))
                pipe.expire(keys.login_failures(subject), window_s, nx=True)
            results = await pipe.execute()
        return [int(count) for count in results[0::2]]

    async def forgive_attempts(self, forget: list[str], uncount: list[str], window_s: int) -> None:
        """After a good login: forget ``forget`` counters, take this attempt back from ``uncount``
        (so good logins never lock anyone out; the TTL is set again in case the key expired meanwhile)."""
        async with self.client.pipeline(transaction=False) as pipe:
            for subject in forget:
                pipe.delete(keys.login_failures(subject))
            for subject in uncount:
                pipe.decr(keys.login_failures(subject))
                pipe.expire(keys.login_failures(subject), window_s, nx=True)
            await pipe.execute()

    async def claim(self, kind: str, name: str) -> bool:
        """Add a new username (kind 'user') or badge (kind 'badge') to its list; False if it was there."""
        return bool(await self.client.sadd(keys.users() if kind == "user" else keys.badges(), name))

    async def picker_known(self, warehouse: str, picker_id: str) -> bool:
        return bool(await self.client.sismember(keys.key(warehouse, "pickers"), picker_id))
