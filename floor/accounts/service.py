"""Logging in: badge + PIN for pickers, username + password for everyone else.

Lock-out (counted before the check, so parallel guesses cannot slip past it):

- per (badge or username, client address): ``login_limit`` attempts per window. A stranger who
  types wrong PINs for a badge locks that badge only at their own address; the picker's own
  handheld keeps working. Badges are printed, often sequential numbers: a limit per badge alone
  would let anyone lock the whole floor out by walking the numbers.
- per client address: ``login_address_limit`` attempts per window over all subjects, which
  stops one address walking badge numbers.
- per subject over all addresses: ``4 x login_limit`` per window, which bounds a distributed
  guess at one 4-digit PIN to 20 tries per window.

A successful login clears the subject's per-address counter. Password and PIN hashing run in a
thread: PBKDF2 on the event loop would stall every scan on the node.
"""

from __future__ import annotations

import asyncio

from floor.accounts.model import Picker, User, hash_secret, verify_secret
from floor.accounts.store import AccountStore
from floor.core.errors import AuthError, FloorError


class TooManyAttemptsError(FloorError):
    status = 429
    code = "too_many_attempts"


class Accounts:
    def __init__(self, store: AccountStore, limit: int = 5, address_limit: int = 50, window_s: int = 300) -> None:
        self.store = store
        self.limit = limit
        self.address_limit = address_limit
        self.window_s = window_s

    async def put_picker(self, picker: Picker, pin: str) -> None:
        await self.store.put_picker(picker, await asyncio.to_thread(hash_secret, pin))

    async def put_user(self, user: User, password: str) -> None:
        await self.store.put_user(user, await asyncio.to_thread(hash_secret, password))

    async def _admit(self, subject: str, address: str) -> None:
        counts = (
            await self.store.count_attempt(f"{subject}@{address}", self.window_s),
            await self.store.count_attempt(f"addr:{address}", self.window_s),
            await self.store.count_attempt(subject, self.window_s),
        )
        limits = (self.limit, self.address_limit, 4 * self.limit)
        if any(count > limit for count, limit in zip(counts, limits, strict=True)):
            raise TooManyAttemptsError(f"too many failed logins: wait {max(1, self.window_s // 60)} minutes")

    async def _succeeded(self, subject: str, address: str) -> None:
        await self.store.forget_attempts(f"{subject}@{address}")

    async def login_picker(self, badge: str, pin: str, address: str) -> Picker:
        subject = f"badge:{badge}"
        await self._admit(subject, address)
        fields = await self.store.badge(badge)
        stored = fields.get("pin", "pbkdf2$1$00$00")  # unknown badge: hash anyway (same timing)
        ok = await asyncio.to_thread(verify_secret, pin, stored)
        if not fields or not ok or fields.get("disabled") == "1":
            raise AuthError("unknown badge or wrong PIN")
        await self._succeeded(subject, address)
        return Picker(fields["picker"], fields["warehouse"], badge, fields["name"])

    async def login_user(self, username: str, password: str, address: str) -> User:
        subject = f"user:{username}"
        await self._admit(subject, address)
        fields = await self.store.user(username)
        stored = fields.get("password", "pbkdf2$1$00$00")
        ok = await asyncio.to_thread(verify_secret, password, stored)
        if not fields or not ok or fields.get("disabled") == "1":
            raise AuthError("unknown user or wrong password")
        await self._succeeded(subject, address)
        return User(username, fields["role"], fields["warehouses"].split(","))
