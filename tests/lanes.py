"""Test helper: cut an auto-pipelined lane's Redis connection from the server side."""

from __future__ import annotations

import redis

from floor.store.autopipe import CLIENT_NAME, ScriptPipeline


def kill_lane(admin: redis.Redis, pipeline: ScriptPipeline) -> None:
    """CLIENT KILL the connection of the pipeline's one lane (found by its address and name)."""
    (lane,) = pipeline.lanes.values()
    assert lane.transport is not None
    host, port = lane.transport.get_extra_info("sockname")[:2]
    (entry,) = [e for e in admin.client_list() if e["addr"] == f"{host}:{port}"]
    assert entry["name"] == CLIENT_NAME.decode()
    admin.client_kill_filter(_id=entry["id"])
