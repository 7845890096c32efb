"""Master data: warehouses and layouts, SKUs, pickers and user accounts.

These are set-up writes (not floor state changes), so they are plain commands or pipelines;
SKU definition goes through its script because it must not disturb live stock counters.
"""

from __future__ import annotations

from typing import Any

import msgspec
import redis.asyncio as aioredis

from floor.accounts import Picker, User, hash_secret, verify_secret
from floor.catalog import Sku
from floor.layout import Layout
from floor.store import keys
from floor.store.commands import Commands


class Master:
    def __init__(self, client: aioredis.Redis, commands: Commands) -> None:
        # decode_responses=True: every reply is str; redis-py's stubs say bytes | str.
        self.client: Any = client
        self.commands = commands

    async def put_layout(self, layout: Layout) -> None:
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.set(keys.key(layout.warehouse, "layout"), msgspec.json.encode(layout))
            pipe.sadd(keys.warehouses(), layout.warehouse)
            await pipe.execute()

    async def put_skus(self, warehouse: str, skus: list[Sku]) -> None:
        for sku in skus:
            await self.commands.define_sku(warehouse, sku.sku, sku.gtin, sku.name, sku.weight_g)

    async def put_picker(self, picker: Picker, pin: str) -> None:
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.hset(
                keys.badge(picker.badge),
                mapping={
                    "picker": picker.picker_id,
                    "warehouse": picker.warehouse,
                    "name": picker.name,
                    "pin": hash_secret(pin),
                },
            )
            pipe.hset(keys.key(picker.warehouse, "picker", picker.picker_id), "name", picker.name)
            pipe.sadd(keys.key(picker.warehouse, "pickers"), picker.picker_id)
            await pipe.execute()

    async def login_allowed(self, subject: str, limit: int, window_s: int) -> bool:
        """False once ``subject`` failed ``limit`` times within the window (PINs are short)."""
        failures = await self.client.get(keys.login_failures(subject))
        return failures is None or int(failures) < limit

    async def login_failed(self, subject: str, window_s: int) -> None:
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.incr(keys.login_failures(subject))
            pipe.expire(keys.login_failures(subject), window_s)
            await pipe.execute()

    async def login_succeeded(self, subject: str) -> None:
        await self.client.delete(keys.login_failures(subject))

    async def check_badge(self, badge: str, pin: str) -> Picker | None:
        fields = await self.client.hgetall(keys.badge(badge))
        if not fields or not verify_secret(pin, fields["pin"]):
            return None
        return Picker(fields["picker"], fields["warehouse"], badge, fields["name"])

    async def put_user(self, user: User, password: str) -> None:
        await self.client.hset(
            keys.user(user.username),
            mapping={
                "role": user.role,
                "warehouses": ",".join(user.warehouses),
                "password": hash_secret(password),
            },
        )

    async def check_user(self, username: str, password: str) -> User | None:
        fields = await self.client.hgetall(keys.user(username))
        if not fields or not verify_secret(password, fields["password"]):
            return None
        return User(username, fields["role"], fields["warehouses"].split(","))
