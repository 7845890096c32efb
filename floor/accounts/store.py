"""Accounts in Redis: global (untagged) keys ``floor:badge:<badge>`` and ``floor:user:<name>``,
and the login-failure counters. Never touched by a warehouse script."""

from __future__ import annotations

from typing import Any

from floor.accounts.model import Picker, User
from floor.store import keys


class AccountStore:
    def __init__(self, client: Any) -> None:
        self.client = client

    async def put_picker(self, picker: Picker, pin_hash: str) -> None:
        await self.client.hset(
            keys.badge(picker.badge),
            mapping={"picker": picker.picker_id, "warehouse": picker.warehouse, "name": picker.name, "pin": pin_hash},
        )
        await self.client.hset(keys.key(picker.warehouse, "picker", picker.picker_id), "name", picker.name)
        await self.client.sadd(keys.key(picker.warehouse, "pickers"), picker.picker_id)

    async def badge(self, badge: str) -> dict[str, str]:
        result: dict[str, str] = await self.client.hgetall(keys.badge(badge))
        return result

    async def put_user(self, user: User, password_hash: str) -> None:
        await self.client.hset(
            keys.user(user.username),
            mapping={"role": user.role, "warehouses": ",".join(user.warehouses), "password": password_hash},
        )

    async def user(self, username: str) -> dict[str, str]:
        result: dict[str, str] = await self.client.hgetall(keys.user(username))
        return result

    async def count_attempt(self, subject: str, window_s: int) -> int:
        """Count one login attempt of ``subject`` (before checking it) and return the count."""
        key = keys.login_failures(subject)
        count = int(await self.client.incr(key))
        if count == 1:
            await self.client.expire(key, window_s)
        return count

    async def forget_attempts(self, subject: str) -> None:
        await self.client.delete(keys.login_failures(subject))
