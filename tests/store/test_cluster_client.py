"""The client factory and the cluster-sensitive calls, on a real 3-master Redis Cluster (and a plain Redis)."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from typing import Any

import pytest
import redis
import redis.asyncio as aioredis
from redis.asyncio.cluster import ClusterNode
from redis.asyncio.cluster import RedisCluster as AsyncRedisCluster
from redis.exceptions import MaxConnectionsError, NoScriptError, RedisClusterException
from rq import Queue, SimpleWorker

from floor.store.client import (
    UNAVAILABLE_ERRORS,
    cluster_seeds,
    connect,
    connect_reader,
    connect_sync,
    is_cluster,
    jobs_url,
)
from floor.store.cluster_calls import load_scripts, ping_all, run_script, xread_stream
from tests.redis_cluster import RedisCluster
from tests.redis_server import RedisServer, free_port

# Shaped like our scripts: KEYS[1] is the warehouse stream, ARGV[1] the "{W}:" prefix, other keys built from it.
SCRIPT = """
local n = redis.call('HINCRBY', ARGV[1] .. 'count', 'n', 1)
redis.call('XADD', KEYS[1], '*', 'n', n)
return {n, ARGV[2]}
"""
INCR = "return redis.call('INCR', KEYS[1])"


def node(address: tuple[str, int]) -> redis.Redis:
    """A plain client on one cluster node (it answers only for the slots it owns)."""
    return redis.Redis(*address, decode_responses=True, socket_timeout=2)


def call_counts(cluster: RedisCluster, command: str) -> dict[int, int]:
    counts = {}
    for address in cluster.nodes:
        with node(address) as one:
            counts[address[1]] = int(one.info("commandstats").get(f"cmdstat_{command}", {}).get("calls", 0))
    return counts


def _double(value: int) -> int:  # an RQ job
    return value * 2


async def test_connect_picks_the_client_from_the_url(redis_cluster: RedisCluster, redis_server: RedisServer) -> None:
    cluster = connect(redis_cluster.url)
    plain = connect(redis_server.url)
    try:
        assert is_cluster(cluster) and isinstance(cluster, AsyncRedisCluster)
        assert not is_cluster(plain) and isinstance(plain, aioredis.Redis)
        assert isinstance(plain.connection_pool, aioredis.BlockingConnectionPool)
        assert await ping_all(cluster) and await ping_all(plain)
        assert len(cluster.get_primaries()) == 3
    finally:
        await cluster.aclose()
        await plain.aclose()
    # The first seed is dead: discovery goes on to the next one.
    host, port = redis_cluster.nodes[1]
    seeded = connect(f"redis+cluster://127.0.0.1:{free_port()},{host}:{port}")
    try:
        await seeded.set("{S0}:seeded", "yes")
        assert await seeded.get("{S0}:seeded") == "yes"
    finally:
        await seeded.aclose()
    assert cluster_seeds("rediss+cluster://u:p%40ss@h1:7000,[::1]:7001/0") == (
        [("h1", 7000), ("::1", 7001)], {"username": "u", "password": "p@ss", "ssl": True})
    for bad in ("redis+cluster://h1:7000/2", "redis+cluster://h1", "redis://h1:7000"):
        with pytest.raises(ValueError):
            cluster_seeds(bad)
    sync_cluster, sync_plain = connect_sync(redis_cluster.url), connect_sync(redis_server.url)
    assert is_cluster(sync_cluster) and not is_cluster(sync_plain)
    assert sync_cluster.ping() and sync_plain.ping()
    sync_cluster.close()
    sync_plain.close()


async def test_unreachable_redis_fails_within_a_second() -> None:
    for url, error in ((f"redis://127.0.0.1:{free_port()}/0", redis.ConnectionError),
                       (f"redis+cluster://127.0.0.1:{free_port()}", RedisClusterException)):
        client = connect(url)
        started = time.perf_counter()
        with pytest.raises(error) as raised:
            await client.get("k")
        assert isinstance(raised.value, UNAVAILABLE_ERRORS)
        assert time.perf_counter() - started < 1.0
        await client.aclose()


async def test_evalsha_runs_on_two_warehouses_on_different_masters(redis_cluster: RedisCluster) -> None:
    w1, w2 = redis_cluster.warehouses_on_distinct_masters(2, prefix="E")
    assert redis_cluster.master_of(w1) != redis_cluster.master_of(w2)
    client = connect(redis_cluster.url)
    try:
        sha = (await load_scripts(client, {"count": SCRIPT}))["count"]
        for address in redis_cluster.nodes:  # SCRIPT LOAD reached every master
            with node(address) as one:
                assert one.script_exists(sha) == [True]
        assert await client.script_exists(sha, "0" * 40) == [True, False]
        for warehouse in (w1, w2):
            stream = f"{{{warehouse}}}:events"
            assert await run_script(client, sha, SCRIPT, [stream], [f"{{{warehouse}}}:", "x"]) == [1, "x"]
            with node(redis_cluster.master_of(warehouse)) as owner:  # the owner holds both keys
                assert owner.hget(f"{{{warehouse}}}:count", "n") == "1" and owner.xlen(stream) == 1
    finally:
        await client.aclose()


async def test_noscript_after_a_flush_on_one_master_is_recovered_there(redis_cluster: RedisCluster) -> None:
    w1, w2 = redis_cluster.warehouses_on_distinct_masters(2, prefix="F")
    client = connect(redis_cluster.url)
    try:
        sha = (await load_scripts(client, {"count": SCRIPT}))["count"]
        with node(redis_cluster.master_of(w1)) as owner:
            owner.script_flush()
            assert await client.script_exists(sha) == [False]  # one master lacks it: False for the cluster
            with pytest.raises(NoScriptError):
                await client.evalsha(sha, 1, f"{{{w1}}}:events", f"{{{w1}}}:", "y")
            assert await run_script(client, sha, SCRIPT, [f"{{{w1}}}:events"], [f"{{{w1}}}:", "y"]) == [1, "y"]
            assert owner.script_exists(sha) == [True]  # EVAL cached it on that master
        assert await run_script(client, sha, SCRIPT, [f"{{{w2}}}:events"], [f"{{{w2}}}:", "z"]) == [1, "z"]
        assert await client.script_exists(sha) == [True]
    finally:
        await client.aclose()


@pytest.mark.parametrize("kind", ["cluster", "plain"])
async def test_xread_block_returns_an_xadd_from_another_client_within_50ms(
    kind: str, redis_cluster: RedisCluster, redis_server: RedisServer
) -> None:
    url = redis_cluster.url if kind == "cluster" else redis_server.url
    stream = f"{{X{kind}}}:events"
    owner = redis_cluster.master_of(f"X{kind}") if kind == "cluster" else ("127.0.0.1", redis_server.port)
    reader, writer = connect_reader(url, block_ms=5000), connect(url)
    try:
        last = await writer.xadd(stream, {"n": "0"})
        getkeys_before = call_counts(redis_cluster, "command|getkeys")
        read = asyncio.create_task(xread_stream(reader, stream, last, count=100, block_ms=5000))
        with node(owner) as server:  # wait until the read is blocked on the stream's own master
            deadline = time.monotonic() + 3
            while not any(c.get("cmd") == "xread" and "b" in c.get("flags", "") for c in server.client_list()):
                assert time.monotonic() < deadline, "XREAD never blocked on the owning master"
                await asyncio.sleep(0.01)
        started = time.perf_counter()
        added = await writer.xadd(stream, {"n": "1"})
        batches: Any = await asyncio.wait_for(read, 1)
        elapsed = time.perf_counter() - started
        assert batches[0][0] == stream and [entry[0] for entry in batches[0][1]] == [added]
        assert elapsed < 0.05, f"{elapsed * 1000:.1f} ms"
        assert call_counts(redis_cluster, "command|getkeys") == getkeys_before  # routed without a look-up
        assert [e[0] for e in await writer.xrevrange(stream, count=2)] == [added, last]
        assert [e[0] for e in await writer.xrange(stream, min=last)] == [last, added]
    finally:
        await reader.aclose()
        await writer.aclose()


async def test_pipelines_on_the_cluster(redis_cluster: RedisCluster) -> None:
    w1, w2 = redis_cluster.warehouses_on_distinct_masters(2, prefix="P")
    client = connect(redis_cluster.url)
    try:
        started = time.perf_counter()
        for i in range(300):
            await client.hset(f"{{{w1}}}:one", str(i), i)
        one_by_one = time.perf_counter() - started
        started = time.perf_counter()
        async with client.pipeline(transaction=False) as pipe:
            for i in range(300):
                pipe.hset(f"{{{w1}}}:piped", str(i), i)
            pipe.hlen(f"{{{w1}}}:piped")
            results = await pipe.execute()
        piped = time.perf_counter() - started
        assert results == [1] * 300 + [300]
        assert piped < one_by_one / 2, (piped, one_by_one)
        async with client.pipeline(transaction=False) as pipe:  # spans two masters: split, in order
            pipe.set(f"{{{w1}}}:a", "1").set(f"{{{w2}}}:a", "2").get(f"{{{w2}}}:a").get(f"{{{w1}}}:a")
            assert await pipe.execute() == [True, True, "2", "1"]
        async with client.pipeline(transaction=True) as pipe:  # MULTI/EXEC: one slot only
            pipe.incr("floor:loginfail:P").expire("floor:loginfail:P", 60)
            assert await pipe.execute() == [1, True]
    finally:
        await client.aclose()


async def test_global_untagged_keys(redis_cluster: RedisCluster) -> None:
    client = connect(redis_cluster.url)
    try:
        await client.sadd("floor:warehouses", "G1", "G2")
        assert {"G1", "G2"} <= await client.smembers("floor:warehouses")
        await client.hset("floor:badge:GB1", mapping={"picker": "p1", "warehouse": "G1"})
        assert await client.hgetall("floor:badge:GB1") == {"picker": "p1", "warehouse": "G1"}
        assert await client.delete("floor:badge:GB1") == 1
    finally:
        await client.aclose()


async def test_commands_beyond_max_connections_wait_instead_of_failing(redis_cluster: RedisCluster) -> None:
    key = "{M1}:n"
    client = connect(redis_cluster.url, max_connections=4)
    raw = AsyncRedisCluster(startup_nodes=[ClusterNode(*redis_cluster.nodes[0])], max_connections=4)
    try:
        sha = await client.script_load(INCR)
        await asyncio.gather(*(client.evalsha(sha, 1, key) for _ in range(300)))
        assert await client.get(key) == "300"
        with pytest.raises(MaxConnectionsError):  # what plain redis-py does
            await asyncio.gather(*(raw.evalsha(sha, 1, key) for _ in range(300)))
    finally:
        await client.aclose()
        await raw.aclose()


async def test_a_hung_then_restarted_master() -> None:
    """Own cluster: a SIGSTOPped master times out in 1 s and is not re-sent; a restarted one recovers."""
    cluster = RedisCluster()
    client = connect(cluster.url)
    try:
        w1, w2 = cluster.warehouses_on_distinct_masters(2, prefix="R")
        counter = f"{{{w1}}}:n"
        sha = await client.script_load(INCR)
        port = cluster.master_of(w1)[1]
        pid = cluster.processes[port].pid
        os.kill(pid, signal.SIGSTOP)
        try:
            started = time.perf_counter()
            with pytest.raises(redis.TimeoutError):
                await client.evalsha(sha, 1, counter)
            assert time.perf_counter() - started < 1.3
        finally:
            os.kill(pid, signal.SIGCONT)
        await asyncio.sleep(0.2)
        with node(cluster.master_of(w1)) as owner:
            assert owner.get(counter) in (None, "1")  # run at most once: a timed-out script is never re-sent
        cluster.kill_node(port)
        started = time.perf_counter()
        with pytest.raises(redis.ConnectionError):
            await run_script(client, sha, INCR, [counter], [])
        with pytest.raises(redis.ConnectionError):
            await ping_all(client)
        assert time.perf_counter() - started < 1.0
        assert await run_script(client, sha, INCR, [f"{{{w2}}}:n"], []) == 1  # the other master serves on
        cluster.start_node(port)  # same nodes.conf, empty data, empty script cache
        cluster.wait_ok(15)
        assert await client.script_exists(sha) == [False]
        assert await run_script(client, sha, INCR, [counter], []) == 1
        assert await client.script_exists(sha) == [True] and await ping_all(client)
    finally:
        await client.aclose()
        cluster.stop()


def test_rq_runs_on_a_plain_redis_beside_the_cluster(redis_cluster: RedisCluster, redis_server: RedisServer) -> None:
    with pytest.raises(ValueError, match="RQ_REDIS_URL"):
        jobs_url(redis_cluster.url, None)
    with pytest.raises(ValueError):
        jobs_url(redis_server.url, redis_cluster.url)
    assert jobs_url(redis_cluster.url, redis_server.url) == redis_server.url
    connection = connect_sync(jobs_url(redis_cluster.url, redis_server.url), decode_responses=False)
    queue = Queue("cluster-test", connection=connection)
    job = queue.enqueue(_double, 21)
    assert SimpleWorker([queue], connection=connection).work(burst=True)
    job.refresh()
    assert job.return_value() == 42
    cluster_sync = connect_sync(redis_cluster.url, decode_responses=False)
    with pytest.raises(AttributeError):  # RQ needs a connection pool: no cluster client
        SimpleWorker([Queue("cluster-test", connection=cluster_sync)], connection=cluster_sync).work(burst=True)
    cluster_sync.close()
    connection.close()
