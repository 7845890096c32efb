"""Auto-pipelined scans (floor/store/autopipe.py): many sockets' scans share writes to Redis, and
every verdict still reaches its own socket, once, in the order the socket sent its scans.

The socket test runs against a real uvicorn node and Redis; the pipeline tests drive
:class:`ScriptPipeline` directly against the test Redis, including its failure paths (script cache
flushed, connection killed, Redis stalled past the timeout).
"""

from __future__ import annotations

import asyncio
import re
import threading
from typing import Any

import httpx
import msgspec
import pytest
import redis

from floor.accounts.model import Picker
from floor.floor import CAPABILITIES, Floor
from floor.store import keys
from floor.store.autopipe import ScriptPipeline
from floor.store.client import connect
from floor.store.scripts import Scripts
from tests.handheld_api.wsclient import Client
from tests.lanes import kill_lane
from tests.live import LiveApp
from tests.redis_server import RedisServer

SOCKETS = 12


def pipeline_counters(live_app: LiveApp) -> dict[str, float]:
    text = httpx.get(f"{live_app.url}/metrics", headers=live_app.headers(), timeout=10).text
    return {m[1]: float(m[2]) for m in re.finditer(r'^floor_scan_pipeline\{what="(\w+)"\} (\S+)$', text, re.M)}


def script_for(task: dict[str, Any], tag: str) -> list[tuple[dict[str, Any], str]]:
    """(scan frame, expected verdict): per step the item too early, then location, then the item.

    Applied in any other order the verdicts differ, so they show the order Redis applied them in."""
    frames = []
    for n, step in enumerate(task["steps"]):
        frames.append(({"type": "scan", "scan_id": f"{tag}-early{n}", "barcode": step["gtin"]}, "scan_location_first"))
        frames.append(({"type": "scan", "scan_id": f"{tag}-loc{n}", "barcode": step["location"]}, "ok"))
        frames.append(({"type": "scan", "scan_id": f"{tag}-item{n}", "barcode": step["gtin"],
                        "quantity": step["quantity"]}, "ok"))
    return frames


async def test_many_sockets_scans_share_writes_and_each_verdict_reaches_its_socket_in_order(
    live_app: LiveApp, small_demo: Floor
) -> None:
    wh = live_app.warehouse
    pickers = [f"{wh}q{n}" for n in range(SOCKETS)]
    for n, picker in enumerate(pickers):
        await small_demo.accounts.put_picker(Picker(picker, wh, f"{wh}Q{n}", f"Q {n}"), f"{2000 + n}")
    for _wave in range(SOCKETS // 3):  # 12 tasks from the demo's 20 orders, queued: nobody is present yet
        live_app.release_wave(pickers=3, max_orders=5)
    clients: list[Client] = []
    tasks: list[dict[str, Any]] = []
    for picker in pickers:
        client = await Client.open(f"{live_app.ws_url}/ws/handheld?token={live_app.token('picker', picker)}")
        await client.receive_type("welcome")
        tasks.append((await client.receive_type("task"))["task"])
        clients.append(client)
    scripts = [script_for(task, f"s{n}") for n, task in enumerate(tasks)]
    for script, task in zip(scripts[::2], tasks[::2], strict=True):  # half the sockets name their task: the
        for scan_frame, _verdict in script:  # node's callback path (frame -> pipeline -> verdict, no task)
            scan_frame["task_id"] = task["task_id"]
    assert all(scripts) and len({t["task_id"] for t in tasks}) == SOCKETS
    before = pipeline_counters(live_app)

    # Every socket sends its whole script at once, without waiting: the node reads one frame per
    # socket at a time, so each write to Redis carries scans of many sockets, interleaved.
    await asyncio.gather(*(c.connection.send(msgspec.json.encode(f).decode()) for c, s in zip(clients, scripts, strict=True)
                           for f, _v in s))
    # ... and each socket then repeats its first scan id: the first verdict again, flagged.
    await asyncio.gather(*(c.send(s[0][0]) for c, s in zip(clients, scripts, strict=True)))

    async def verdicts(client: Client, count: int) -> list[dict[str, Any]]:
        got: list[dict[str, Any]] = []
        while len(got) < count:
            frame = await client.receive(timeout=30)
            if frame["type"] == "verdict":
                got.append(frame)
            else:
                assert frame["type"] in ("task", "idle"), frame  # the next task (or idle) after the last step
        return got

    answers = await asyncio.gather(*(verdicts(c, len(s) + 1) for c, s in zip(clients, scripts, strict=True)))
    for script, got, task in zip(scripts, answers, tasks, strict=True):
        sent_ids = [frame["scan_id"] for frame, _verdict in script]
        assert [v["scan_id"] for v in got] == [*sent_ids, sent_ids[0]]  # its own scans, once each, in order
        assert [v["verdict"] for v in got[:-1]] == [verdict for _frame, verdict in script]
        assert all(v["task_id"] == task["task_id"] for v in got)
        assert got[-1].get("duplicate") is True and got[-1]["verdict"] == got[0]["verdict"]
        assert got[-2]["task_done"] is True
    for client in clients:
        await client.close()

    after = pipeline_counters(live_app)
    calls, writes = after["calls"] - before["calls"], after["writes"] - before["writes"]
    scans = sum(len(s) + 1 for s in scripts)
    assert calls >= scans, (before, after)
    assert writes < calls, (before, after)  # scans shared writes to Redis
    assert after["fallbacks"] == before["fallbacks"]


@pytest.fixture
async def pipeline(redis_server: RedisServer) -> Any:
    client = connect(redis_server.url, socket_timeout=0.4)
    scripts = Scripts(client, CAPABILITIES)
    await scripts.load()
    pipeline = ScriptPipeline.for_client(client, scripts)
    assert pipeline is not None
    yield pipeline
    pipeline.close()
    await client.aclose()


async def scan(pipeline: ScriptPipeline, warehouse: str, scan_id: str) -> Any:
    """A scan for a task that does not exist: the script answers not_your_task, naming the scan."""
    return await pipeline.call("scan", warehouse, "nobody", "no-task", scan_id, "location", "X", 1, "", "", "20261203",
                               60, "X")


async def test_concurrent_calls_share_one_write_and_get_their_own_replies(pipeline: ScriptPipeline, warehouse: str) -> None:
    replies = await asyncio.gather(*(scan(pipeline, warehouse, f"c{n}") for n in range(200)))
    for n, (repeat, verdict) in enumerate(replies):
        assert repeat == 0 and msgspec.json.decode(verdict)["scan_id"] == f"c{n}"
    assert pipeline.calls == 200 and pipeline.batches <= 2  # one write (two if a connect split them)
    again = await scan(pipeline, warehouse, "c7")
    assert again[0] == 1 and again[1] == replies[7][1]  # the idempotency record, through the pipeline


async def test_a_flushed_script_cache_falls_back_to_the_client(pipeline: ScriptPipeline, warehouse: str,
                                                                redis_server: RedisServer) -> None:
    await scan(pipeline, warehouse, "warm")
    redis.Redis(port=redis_server.port).script_flush()
    replies = await asyncio.gather(*(scan(pipeline, warehouse, f"f{n}") for n in range(5)))
    assert [msgspec.json.decode(v)["scan_id"] for _r, v in replies] == [f"f{n}" for n in range(5)]
    assert pipeline.fallbacks == 5  # NOSCRIPT: the script did not run; the client ran it (EVAL) once


async def test_a_killed_connection_fails_its_calls_and_the_next_call_reconnects(
    pipeline: ScriptPipeline, warehouse: str, redis_server: RedisServer
) -> None:
    await scan(pipeline, warehouse, "k0")
    admin = redis.Redis(port=redis_server.port, decode_responses=True)
    admin.client_pause(5000, all=False)  # writes wait (the scan script is one); CLIENT KILL does not
    try:
        waiting = [asyncio.ensure_future(scan(pipeline, warehouse, f"k{n}")) for n in range(1, 4)]
        await asyncio.sleep(0.1)
        assert not any(w.done() for w in waiting)
        kill_lane(admin, pipeline)
        outcomes = await asyncio.gather(*waiting, return_exceptions=True)
    finally:
        admin.client_unpause()
    assert all(isinstance(o, redis.exceptions.ConnectionError) for o in outcomes), outcomes
    repeat, verdict = await scan(pipeline, warehouse, "k9")  # a new connection
    assert repeat == 0 and msgspec.json.decode(verdict)["scan_id"] == "k9"
    # The killed calls never ran (their connection closed while they waited): no record of them.
    assert admin.exists(*(keys.key(warehouse, "scan", "nobody", f"k{n}") for n in range(1, 4))) == 0


async def test_a_stalled_redis_times_out_the_waiting_calls(pipeline: ScriptPipeline, warehouse: str,
                                                          redis_server: RedisServer) -> None:
    await scan(pipeline, warehouse, "t0")
    admin = redis.Redis(port=redis_server.port)
    stall = threading.Thread(target=admin.eval, args=(_STALL, 0, 900))  # past the 0.4 s timeout
    stall.start()
    await asyncio.sleep(0.05)
    started = asyncio.get_running_loop().time()
    outcomes = await asyncio.gather(*(scan(pipeline, warehouse, f"t{n}") for n in range(1, 4)), return_exceptions=True)
    waited = asyncio.get_running_loop().time() - started
    await asyncio.to_thread(stall.join)
    assert all(isinstance(o, redis.exceptions.TimeoutError) for o in outcomes), outcomes
    assert 0.4 <= waited < 0.85
    # The scans ran once Redis was back (their outcome was unknown to the caller: never re-sent here);
    # a retry with the same id gets the first verdict from the idempotency record.
    repeat, verdict = await scan(pipeline, warehouse, "t1")
    assert repeat == 1 and msgspec.json.decode(verdict)["scan_id"] == "t1"


_STALL = """
local t = redis.call('TIME')
local start = t[1] * 1000 + math.floor(t[2] / 1000)
while true do
  local n = redis.call('TIME')
  if n[1] * 1000 + math.floor(n[2] / 1000) - start >= tonumber(ARGV[1]) then break end
end
return 1
"""
