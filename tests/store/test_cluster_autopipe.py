"""The scan pipeline (floor/store/autopipe.py) on a real Redis Cluster when a warehouse's slot moves.

The warehouse's hash-tag slot is migrated to another master (CLUSTER SETSLOT IMPORTING /
MIGRATING, MIGRATE of its keys, SETSLOT NODE on every master), as a resharding does. The lane
that still points at the old master then gets ``MOVED``: the script did not run there, so the
pipeline re-sends that call once through the cluster client (which follows the redirect), the
caller gets the script's own reply, the idempotency record moved with the slot (a repeat is a
repeat), and the next calls go straight to the new master's lane. Both the coroutine ``call`` and
the callback ``submit`` (the handheld socket's path) are checked.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
import redis
from redis.cluster import key_slot

from floor.floor import CAPABILITIES
from floor.store.autopipe import ScriptPipeline
from floor.store.client import connect
from floor.store.scripts import Scripts
from tests.redis_cluster import RedisCluster


def node_id(address: tuple[str, int]) -> str:
    with redis.Redis(*address, decode_responses=True) as one:
        return str(one.execute_command("CLUSTER MYID"))


def move_slot(cluster: RedisCluster, slot: int, source: tuple[str, int], target: tuple[str, int]) -> None:
    """Migrate ``slot`` with its keys from ``source`` to ``target`` (what redis-cli --cluster reshard does)."""
    source_id, target_id = node_id(source), node_id(target)
    with redis.Redis(*source) as old, redis.Redis(*target) as new:
        new.execute_command("CLUSTER SETSLOT", slot, "IMPORTING", source_id)
        old.execute_command("CLUSTER SETSLOT", slot, "MIGRATING", target_id)
        while keys := old.execute_command("CLUSTER GETKEYSINSLOT", slot, 100):
            old.execute_command("MIGRATE", target[0], target[1], "", 0, 5000, "KEYS", *keys)
        for address in cluster.nodes:
            with redis.Redis(*address) as one:
                one.execute_command("CLUSTER SETSLOT", slot, "NODE", target_id)
    cluster.wait_ok()


@pytest.fixture
def moving_warehouse(redis_cluster: RedisCluster) -> Iterator[tuple[str, int, tuple[str, int]]]:
    """A fresh warehouse id, its slot and its master; the slot goes back to that master afterwards."""
    warehouse = "M" + uuid.uuid4().hex[:8]
    slot = key_slot(f"{{{warehouse}}}:events".encode())
    home = redis_cluster.slot_owner(slot)
    yield warehouse, slot, home
    now = redis_cluster.slot_owner(slot)
    if now != home:
        move_slot(redis_cluster, slot, now, home)


async def scan(pipeline: ScriptPipeline, warehouse: str, scan_id: str) -> Any:
    """A scan for a task that does not exist: the script answers not_your_task, naming the scan (and records it)."""
    return await pipeline.call("scan", warehouse, "nobody", "no-task", scan_id, "location", "X", 1, "", "", "20261203",
                               60, "X")


def submitted(pipeline: ScriptPipeline, warehouse: str, scan_id: str) -> asyncio.Future[Any]:
    """The same scan through the callback path; the future gets (reply, error)."""
    done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    pipeline.submit("scan", warehouse, ("nobody", "no-task", scan_id, "location", "X", 1, "", "", "20261203", 60, "X"),
                    lambda reply, error: done.set_result((reply, error)))
    return done


async def test_a_moved_slot_is_followed_once_and_later_calls_go_to_the_new_master(
    redis_cluster: RedisCluster, moving_warehouse: tuple[str, int, tuple[str, int]]
) -> None:
    warehouse, slot, home = moving_warehouse
    client = connect(redis_cluster.url)
    scripts = Scripts(client, CAPABILITIES)
    await scripts.load()
    pipeline = ScriptPipeline.for_client(client, scripts)
    assert pipeline is not None and pipeline.cluster
    try:
        repeat, verdict = await scan(pipeline, warehouse, "before")
        assert repeat == 0 and msgspec.json.decode(verdict)["scan_id"] == "before"
        reply, error = await submitted(pipeline, warehouse, "before-cb")
        assert error is None and reply[0] == 0
        assert pipeline.fallbacks == 0 and len(pipeline.lanes) == 1

        target = next(address for address in redis_cluster.nodes if address != home)
        move_slot(redis_cluster, slot, home, target)
        assert redis_cluster.slot_owner(slot) == target

        # Several calls in one write to the old master: each MOVED, each re-sent once, each its own reply.
        replies = await asyncio.gather(*(scan(pipeline, warehouse, f"moved{n}") for n in range(3)),
                                       submitted(pipeline, warehouse, "moved-cb"))
        for n, (repeat, verdict) in enumerate(replies[:3]):
            assert repeat == 0 and msgspec.json.decode(verdict)["scan_id"] == f"moved{n}"
        reply, error = replies[3]
        assert error is None and reply[0] == 0 and msgspec.json.decode(reply[1])["scan_id"] == "moved-cb"
        assert pipeline.fallbacks == 4

        # The idempotency records moved with the slot: repeats are repeats, on the new master's lane.
        repeat, verdict = await scan(pipeline, warehouse, "before")
        assert repeat == 1 and msgspec.json.decode(verdict)["scan_id"] == "before"
        reply, error = await submitted(pipeline, warehouse, "moved1")
        assert error is None and reply[0] == 1
        assert pipeline.fallbacks == 4  # no MOVED any more: the lane was looked up again
        assert len(pipeline.lanes) == 2
        with redis.Redis(*target, decode_responses=True) as new:
            names = [c.get("name") for c in new.client_list()]
        assert "floor-script-pipeline" in names
        # Exactly once: every scan id has one record, on the new master.
        with redis.Redis(*target, decode_responses=True) as new:
            for scan_id in ("before", "before-cb", "moved0", "moved1", "moved2", "moved-cb"):
                assert new.exists(f"{{{warehouse}}}:scan:nobody:{scan_id}") == 1, scan_id
    finally:
        pipeline.close()
        await client.aclose()
