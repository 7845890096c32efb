"""Load the Lua scripts once and call them by SHA.

Each ``lua/<name>.lua`` is sent to Redis as: the generated key table (:func:`keys.lua_preamble`),
then ``lua/common.lua``, then the script. Every script takes the warehouse's event stream as
``KEYS[1]`` (so Redis Cluster routes it to the warehouse's slot), the key prefix as ``ARGV[1]``
and the time in milliseconds as ``ARGV[2]``.
"""

from __future__ import annotations

import hashlib
import time
from importlib import resources
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import NoScriptError

from floor.store import keys

SCRIPT_NAMES = (
    "define_sku",
    "intake_order",
    "retry_backorder",
    "adjust_stock",
    "release_wave",
    "assign_task",
    "scan",
    "short_pick",
    "raise_exception",
    "transition_exception",
    "reorder_steps",
)


def script_source(name: str) -> str:
    folder = resources.files("floor.store") / "lua"
    common = (folder / "common.lua").read_text()
    body = (folder / f"{name}.lua").read_text()
    return keys.lua_preamble() + common + body


class Scripts:
    """The project's Lua scripts, loaded on one Redis client."""

    def __init__(self, client: aioredis.Redis) -> None:
        self.client = client
        self.sources = {name: script_source(name) for name in SCRIPT_NAMES}
        self.shas = {name: hashlib.sha1(src.encode()).hexdigest() for name, src in self.sources.items()}
        self._keys: dict[str, tuple[str, str]] = {}  # warehouse -> (key prefix, stream key)

    def _remember(self, warehouse: str) -> tuple[str, str]:
        self._keys[warehouse] = (keys.prefix(warehouse), keys.key(warehouse, "events"))
        return self._keys[warehouse]

    async def load(self) -> None:
        """SCRIPT LOAD every script (start-up); safe to call again."""
        for name, source in self.sources.items():
            sha = await self.client.script_load(source)
            if sha != self.shas[name]:  # pragma: no cover - Redis computes the same SHA1
                raise RuntimeError(f"unexpected SHA for script {name}")

    async def loaded(self) -> bool:
        flags = await self.client.script_exists(*self.shas.values())
        return all(flags)

    async def call(self, name: str, warehouse: str, *args: Any) -> Any:
        """Run script ``name`` for ``warehouse``; ``args`` become ARGV[3:]."""
        prefix, stream = self._keys.get(warehouse) or self._remember(warehouse)
        argv = (prefix, int(time.time() * 1000), *args)
        try:
            return await self.client.evalsha(self.shas[name], 1, stream, *argv)
        except NoScriptError:  # Redis restarted or flushed its script cache
            await self.load()
            return await self.client.evalsha(self.shas[name], 1, stream, *argv)
