"""Batches on the auto-pipelined lane (floor/store/autopipe.py ``ScriptPipeline.commands``): a batch
is one waiting entry that takes its replies in a row, so each batch gets exactly its own replies, in
order, whatever else shares the write and however the replies are split across reads."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import redis
from redis.exceptions import ResponseError

from floor.floor import CAPABILITIES
from floor.store.autopipe import ScriptPipeline
from floor.store.client import connect
from floor.store.scripts import Scripts
from tests.lanes import kill_lane
from tests.redis_server import RedisServer


@pytest.fixture
async def pipeline(redis_server: RedisServer) -> Any:
    client = connect(redis_server.url, socket_timeout=2.0)
    scripts = Scripts(client, CAPABILITIES)
    await scripts.load()
    pipeline = ScriptPipeline.for_client(client, scripts)
    assert pipeline is not None
    yield pipeline
    pipeline.close()
    await client.aclose()


async def test_concurrent_batches_of_any_size_each_get_their_own_replies(pipeline: ScriptPipeline,
                                                                         warehouse: str) -> None:
    big = "x" * 4096  # the big batch's replies span many reads
    await pipeline.commands(*(("SET", f"{warehouse}:big:{n}", f"{n}:{big}") for n in range(300)))

    async def small(n: int) -> None:
        replies = await pipeline.commands(("SET", f"{warehouse}:k{n}", n), ("GET", f"{warehouse}:k{n}"),
                                          ("INCRBY", f"{warehouse}:c{n}", n + 1))
        assert replies == ["OK", str(n), n + 1]

    async def large() -> None:
        replies = await pipeline.commands(*(("GET", f"{warehouse}:big:{n}") for n in range(300)))
        assert replies == [f"{n}:{big}" for n in range(300)]

    before = pipeline.batches
    await asyncio.gather(*(small(n) for n in range(100)), large(), *(small(n) for n in range(100, 150)))
    assert pipeline.batches - before <= 3  # they shared writes
    assert await pipeline.commands() == []


async def test_an_error_reply_is_raised_once_every_reply_is_in(pipeline: ScriptPipeline, warehouse: str) -> None:
    with pytest.raises(ResponseError):
        await pipeline.commands(("SET", f"{warehouse}:e", "a"), ("INCR", f"{warehouse}:e"),
                                ("SET", f"{warehouse}:after", "ran"))
    assert await pipeline.commands(("GET", f"{warehouse}:after")) == ["ran"]  # non-transactional: it ran


async def test_a_killed_connection_fails_the_waiting_batches_and_the_next_one_reconnects(
        pipeline: ScriptPipeline, warehouse: str, redis_server: RedisServer) -> None:
    await pipeline.commands(("PING", ""))
    admin = redis.Redis(port=redis_server.port, decode_responses=True)
    admin.client_pause(5000, all=False)  # writes wait; CLIENT KILL does not
    try:
        waiting = [asyncio.ensure_future(pipeline.commands(("SET", f"{warehouse}:w{n}", 1), ("GET", f"{warehouse}:w{n}")))
                   for n in range(3)]
        await asyncio.sleep(0.1)
        assert not any(w.done() for w in waiting)
        kill_lane(admin, pipeline)
        outcomes = await asyncio.gather(*waiting, return_exceptions=True)
    finally:
        admin.client_unpause()
    assert all(isinstance(o, redis.exceptions.ConnectionError) for o in outcomes), outcomes
    assert await pipeline.commands(("SET", f"{warehouse}:again", 1), ("GET", f"{warehouse}:again")) == ["OK", "1"]
