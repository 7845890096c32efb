"""A real redis-server of this package's own (started directly from tests/redis_server.py)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import redis.asyncio as aioredis

from floor.floor import Floor
from tests.redis_server import RedisServer

_ids = itertools.count(1)


@pytest.fixture(scope="module")
def onboarding_redis() -> Iterator[RedisServer]:
    server = RedisServer()
    yield server
    server.stop()


@pytest.fixture
async def client(onboarding_redis: RedisServer) -> AsyncIterator[Any]:
    redis = aioredis.Redis.from_url(onboarding_redis.url, decode_responses=True)
    yield redis
    await redis.aclose()


@pytest.fixture
async def floor(client: Any) -> Floor:
    """The existing use cases on the same Redis (to show they work on imported data)."""
    floor = Floor(client)
    await floor.start()
    return floor


@pytest.fixture
def wh() -> str:
    """A fresh warehouse id per test (tests share one Redis, never each other's keys)."""
    return f"OB{next(_ids)}"
