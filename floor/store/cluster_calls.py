"""The few Redis calls that must be made differently on a Redis Cluster; each works on a plain Redis too.

- :func:`run_script`: ``EVALSHA`` routed by ``keys[0]``'s slot; on ``NoScriptError`` (that master restarted
  or its script cache was flushed) it falls back to ``EVAL`` of the source on the *same* key, which runs
  the script and caches it on that master only. No broadcast: a script call never depends on another
  master being up.
- :func:`load_scripts`: ``SCRIPT LOAD`` on every master (redis-py broadcasts it to all primaries and
  returns the one SHA), so the first call after start-up finds the script.
- :func:`ping_all`: ``PING`` on every master. A bare ``client.ping()`` on a cluster asks only one node,
  so it says "healthy" while the master of half the warehouses is down.
- :func:`xread_stream`: ``XREAD BLOCK`` on one warehouse stream, sent straight to the master that owns
  its slot. On a cluster client a plain ``xread`` first asks a node ``COMMAND GETKEYS`` (twice: XREAD
  has "movable keys"), an extra round trip to a node that may be another, possibly dead, master.

The caller reads one stream per call: a multi-stream XREAD spans slots and fails with CROSSSLOT.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio.cluster import RedisCluster as AsyncRedisCluster
from redis.exceptions import NoScriptError


async def run_script(client: Any, sha: str, source: str, keys: list[str], args: list[Any]) -> Any:
    """Run the script ``sha`` (whose text is ``source``) on ``keys[0]``'s master; recover a flushed cache."""
    try:
        return await client.evalsha(sha, len(keys), *keys, *args)
    except NoScriptError:
        return await client.eval(source, len(keys), *keys, *args)


async def load_scripts(client: Any, sources: dict[str, str]) -> dict[str, str]:
    """``SCRIPT LOAD`` every source (on a cluster: on every master); returns name -> SHA1."""
    return {name: await client.script_load(source) for name, source in sources.items()}


async def ping_all(client: Any) -> bool:
    """True when every master (or the one plain Redis) answers PING; raises like any command otherwise."""
    if isinstance(client, AsyncRedisCluster):
        return bool(await client.ping(target_nodes=AsyncRedisCluster.PRIMARIES))
    return bool(await client.ping())


async def xread_stream(client: Any, stream: str, last_id: str, *, count: int, block_ms: int) -> Any:
    """``XREAD COUNT count BLOCK block_ms STREAMS stream last_id``; the reply shape of ``client.xread``.

    ``client`` must come from :func:`floor.store.client.connect_reader` (socket timeout > block time).
    """
    if isinstance(client, AsyncRedisCluster):
        await client.initialize()  # no-op unless never connected or a connection error flagged a refresh
        node = client.get_node_from_key(stream)
        return await client.execute_command(
            "XREAD", "COUNT", count, "BLOCK", block_ms, "STREAMS", stream, last_id, target_nodes=node,
        )
    return await client.xread({stream: last_id}, count=count, block=block_ms)
