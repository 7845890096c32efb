"""Make Redis clients from a URL: one plain Redis or a Redis Cluster, with timeouts that fail fast.

URL convention (``REDIS_URL``):

- ``redis://host:port/0`` (also ``rediss://``, ``unix://``): one plain Redis server.
- ``redis+cluster://host:port[,host:port ...]`` (``rediss+cluster://`` for TLS): a Redis Cluster. The
  listed nodes are only *seeds* for discovery (give two or three so start-up survives one being down);
  the client learns every master from ``CLUSTER SLOTS``. Credentials go before the hosts
  (``redis+cluster://user:secret@h1:7000,h2:7000``); a path other than ``/`` or ``/0`` is refused
  (a cluster has only database 0).

Invariants the callers rely on:

- Command clients (:func:`connect`) give up on a dead or hung Redis within ``socket_timeout`` (1 s):
  a connect is bounded by ``socket_connect_timeout`` and a reply by ``socket_timeout``, and a command
  that *timed out* is never re-sent by the client (its outcome is unknown: a Lua script may have run),
  so the caller answers ``unavailable`` and the device retries with the same command id.
  Only a refused/reset connection is retried, once, at once (a stale pooled socket after a restart).
- At most ``max_connections`` commands are in flight per client; more wait (up to ``pool_timeout``)
  instead of failing, on a plain Redis and on a cluster alike. (On a cluster, pipelines are not
  queued: they take node connections directly, up to ``4 * max_connections`` per node.)
- Catch :data:`UNAVAILABLE_ERRORS` to answer "unavailable, retry".
- A blocking read (``XREAD BLOCK``) must not share these clients: its reply legitimately takes up to the
  block time, longer than ``socket_timeout``. Use :func:`connect_reader`, whose socket timeout is the
  block time plus :data:`READ_MARGIN_S`, so the read never races its own timeout.
- RQ cannot use a cluster: jobs go to a plain Redis (``RQ_REDIS_URL``), see :func:`jobs_url`.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis
import redis.asyncio as aioredis
import redis.cluster
from redis.asyncio.cluster import ClusterNode
from redis.asyncio.cluster import RedisCluster as AsyncRedisCluster
from redis.asyncio.connection import SSLConnection, parse_url
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import (
    ClusterDownError,
    MasterDownError,
    RedisClusterException,
    SlotNotCoveredError,
    TryAgainError,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry as SyncRetry

CLUSTER_SCHEMES = {"redis+cluster": "redis", "rediss+cluster": "rediss"}
SOCKET_TIMEOUT_S = 1.0
CONNECT_TIMEOUT_S = 1.0
POOL_TIMEOUT_S = 20.0
READ_MARGIN_S = 1.0

# "Redis is unavailable, retry later" on a plain Redis or a cluster. Catch these, not ResponseError:
# ClusterDownError, TryAgainError and MasterDownError *are* ResponseErrors, and a cluster whose every
# seed is down raises RedisClusterException (neither a ConnectionError nor a ResponseError).
# ConnectionError covers MaxConnectionsError, BusyLoadingError and a refused/reset connection.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    RedisConnectionError, RedisTimeoutError, RedisClusterException, ClusterDownError, TryAgainError,
    MasterDownError,
)


def is_cluster_url(url: str) -> bool:
    return url.split("://", 1)[0].lower() in CLUSTER_SCHEMES


def cluster_seeds(url: str) -> tuple[list[tuple[str, int]], dict[str, Any]]:
    """The seed nodes of a ``redis+cluster://`` URL and the connection options (credentials, TLS, query)."""
    scheme, _, rest = url.partition("://")
    base = CLUSTER_SCHEMES.get(scheme.lower())
    if base is None:
        raise ValueError(f"not a cluster URL (expected redis+cluster://host:port[,host:port]): {url!r}")
    parts = urlsplit(f"{base}://{rest}")
    credentials, _, hosts = parts.netloc.rpartition("@")
    if parts.path not in ("", "/", "/0"):
        raise ValueError(f"a Redis Cluster has only database 0; drop {parts.path!r} from the URL")
    seeds: list[tuple[str, int]] = []
    for address in hosts.split(","):
        host, _, port = address.strip().rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"cluster seed {address!r} must be host:port in {url!r}")
        seeds.append((host.strip("[]"), int(port)))
    first = urlunsplit((base, f"{credentials}@{hosts.split(',')[0]}" if credentials else hosts.split(",")[0],
                        "/0", parts.query, ""))
    options: dict[str, Any] = dict(parse_url(first))
    options.pop("host", None)
    options.pop("port", None)
    options.pop("db", None)
    if options.pop("connection_class", None) is SSLConnection:
        options["ssl"] = True
    return seeds, options


class FloorCluster(AsyncRedisCluster):
    """``RedisCluster`` that queues commands beyond ``max_in_flight`` and never re-sends a timed-out one.

    redis-py's cluster nodes raise ``MaxConnectionsError`` at once when their pool is full, and retry
    ``TimeoutError`` (re-running a script whose first run may have happened). Here a command waits for a
    free slot (up to ``gate_timeout``), and only connection/topology errors are retried.
    """

    ERRORS_ALLOW_RETRY = (RedisConnectionError, ClusterDownError, SlotNotCoveredError)  # type: ignore[assignment]

    def __init__(self, *args: Any, max_in_flight: int = 64, gate_timeout: float = POOL_TIMEOUT_S,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._gate = asyncio.Semaphore(max_in_flight)
        self._gate_timeout = gate_timeout

    async def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        if self._gate.locked():  # the fast path (a free slot) neither suspends nor arms a timer
            try:
                async with asyncio.timeout(self._gate_timeout):
                    await self._gate.acquire()
            except TimeoutError:
                raise RedisConnectionError("No connection available.") from None
        else:
            await self._gate.acquire()
        try:
            return await super().execute_command(*args, **kwargs)
        finally:
            self._gate.release()


def connect(url: str, *, max_connections: int = 64, socket_timeout: float = SOCKET_TIMEOUT_S,
            connect_timeout: float = CONNECT_TIMEOUT_S, pool_timeout: float = POOL_TIMEOUT_S) -> Any:
    """An asyncio client for commands: ``redis.asyncio.Redis`` or (cluster URL) :class:`FloorCluster`.

    Responses are decoded to ``str``. The caller closes it with ``await client.aclose()``.
    """
    retry = Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,))
    if is_cluster_url(url):
        seeds, options = cluster_seeds(url)
        return FloorCluster(
            startup_nodes=[ClusterNode(host, port) for host, port in seeds],
            decode_responses=True, max_in_flight=max_connections, gate_timeout=pool_timeout,
            max_connections=4 * max_connections,  # per node, opened lazily; pipelines bypass the gate
            socket_timeout=socket_timeout, socket_connect_timeout=connect_timeout,
            retry=Retry(NoBackoff(), 1), **options,
        )
    pool = aioredis.BlockingConnectionPool.from_url(
        url, decode_responses=True, max_connections=max_connections, timeout=pool_timeout,
        socket_timeout=socket_timeout, socket_connect_timeout=connect_timeout, retry=retry,
    )
    return aioredis.Redis(connection_pool=pool)


def connect_reader(url: str, block_ms: int, *, max_connections: int = 64) -> Any:
    """An asyncio client for ``XREAD BLOCK block_ms``: its socket timeout is the block time + 1 s.

    Each blocked read holds a connection for up to ``block_ms``: ``max_connections`` must be at least
    the number of streams read at once (one per warehouse), or the extra reads wait for a free one.
    """
    timeout = block_ms / 1000 + READ_MARGIN_S
    return connect(url, max_connections=max_connections, socket_timeout=timeout)


def connect_sync(url: str, *, decode_responses: bool = True, socket_timeout: float | None = None) -> Any:
    """A blocking client for tools: ``redis.Redis`` or ``redis.cluster.RedisCluster``.

    For RQ pass ``decode_responses=False`` (RQ stores pickled bytes) and a plain URL (see :func:`jobs_url`).
    """
    retry = SyncRetry(NoBackoff(), 1, supported_errors=(RedisConnectionError,))
    if is_cluster_url(url):
        seeds, options = cluster_seeds(url)
        return redis.cluster.RedisCluster(
            startup_nodes=[redis.cluster.ClusterNode(host, port) for host, port in seeds],
            decode_responses=decode_responses, socket_timeout=socket_timeout,
            socket_connect_timeout=CONNECT_TIMEOUT_S, retry=retry, **options,
        )
    return redis.Redis.from_url(url, decode_responses=decode_responses, socket_timeout=socket_timeout,
                                socket_connect_timeout=CONNECT_TIMEOUT_S, retry=retry)


def jobs_url(redis_url: str, rq_redis_url: str | None) -> str:
    """The plain Redis URL for RQ: ``RQ_REDIS_URL`` if set, else ``REDIS_URL`` unless that is a cluster."""
    if rq_redis_url:
        if is_cluster_url(rq_redis_url):
            raise ValueError("RQ_REDIS_URL must be a plain Redis (RQ does not support Redis Cluster)")
        return rq_redis_url
    if is_cluster_url(redis_url):
        raise ValueError("REDIS_URL is a Redis Cluster and RQ does not support one: "
                         "set RQ_REDIS_URL to a plain Redis for the job queue")
    return redis_url


def is_cluster(client: Any) -> bool:
    """True for a cluster client (asyncio or blocking)."""
    return isinstance(client, (AsyncRedisCluster, redis.cluster.RedisCluster))
