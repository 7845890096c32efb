"""Redis clients (placeholder until the cluster-aware factory lands)."""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis


def connect(url: str, *, max_connections: int = 64) -> Any:
    pool = aioredis.BlockingConnectionPool.from_url(
        url, decode_responses=True, max_connections=max_connections, timeout=20
    )
    return aioredis.Redis(connection_pool=pool)
