"""Fan-out that never waits on the slowest client (real uvicorn node, real Redis, real WebSocket clients).

A "stalled" client stops reading: its transport is paused and its receive buffer is tiny, so the
server's frames pile up in the kernel and then in the server's write buffer, as for a handheld in a
Wi-Fi dead spot. Everyone else must not notice, and the stalled socket is closed with 4408.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
import statistics
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import httpx
import redis.asyncio as aioredis
import websockets

from floor.floor import Floor
from floor.inventory.model import AdjustStock
from floor.store import keys
from tests.handheld_api.wsclient import Client, handheld
from tests.live import LiveApp
from tests.redis_server import RedisServer

TOO_SLOW = 4408


async def stallable(url: str, rcvbuf: int = 4096) -> websockets.ClientConnection:
    """A client with a tiny receive buffer, so that not reading fills the TCP path quickly."""
    parts = urlsplit(url)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (parts.hostname, parts.port))
    return await websockets.connect(url, sock=sock, max_size=2**20, ping_interval=None, compression=None)


def stall(connection: websockets.ClientConnection) -> None:
    connection.transport.pause_reading()


async def close_code_after_resume(connection: websockets.ClientConnection, timeout: float = 20) -> int | None:
    """Read again (everything queued, then the close frame) and return the close code."""
    connection.transport.resume_reading()

    async def drain() -> None:
        try:
            while True:
                await connection.recv()
        except websockets.ConnectionClosed:
            pass

    await asyncio.wait_for(drain(), timeout)
    return connection.close_code


async def fill_buffers(connection: websockets.ClientConnection, megabytes: float = 6) -> None:
    """Make the server owe a stalled client more than the kernel buffers hold (Linux autotunes a
    socket's send buffer up to 4 MiB): pings with 4,000-character random ids, each echoed in a
    ``pong`` (the socket is opened without compression). Normal traffic would take hours to fill
    them; the point here is the full-buffer state."""
    for n in range(int(megabytes * 1e6 / 4000)):
        await connection.send(json.dumps({"type": "ping", "id": secrets.token_urlsafe(3000)}))
        if n % 100 == 0:
            await asyncio.sleep(0)


def board_url(app: LiveApp, last_id: str = "") -> str:
    url = f"{app.ws_url}/ws/board?token={app.token('supervisor')}&warehouse={app.warehouse}"
    return url + (f"&last_id={last_id}" if last_id else "")


def slow_closes(app: LiveApp, kind: str) -> float:
    text = httpx.get(f"{app.url}/metrics", headers=app.headers()).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("floor_slow_socket_closes_total{") and f'kind="{kind}"' in line)


async def flood_events(floor: Floor, warehouse: str, count: int, per_second: int = 1000) -> None:
    """``count`` stock_adjusted events through the real script path, ``per_second`` of them a second."""
    location = f"{warehouse}-A01-C01"
    tag = uuid.uuid4().hex[:6]
    started = time.perf_counter()
    for start in range(0, count, 50):
        await asyncio.gather(*(
            floor.inventory.adjust(warehouse, AdjustStock(f"fl-{tag}-{n}", "SKU00001", location, 1, "receipt"), "test")
            for n in range(start, min(count, start + 50))
        ))
        await asyncio.sleep(max(0.0, started + (start + 50) / per_second - time.perf_counter()))


async def test_stalled_handheld_never_delays_others(live_app: LiveApp) -> None:
    (stalled_picker, *_), (scanner, *_), (idle_picker, *_) = live_app.pickers
    slow_before = slow_closes(live_app, "handheld")
    other, _ = await handheld(live_app, scanner)
    live_app.release_wave(pickers=1, max_orders=2)  # the scanner's task
    task = (await other.receive_type("task"))["task"]
    stalled = await stallable(f"{live_app.ws_url}/ws/handheld?token={live_app.token('picker', stalled_picker)}")
    assert [json.loads(await stalled.recv())["type"] for _ in range(2)] == ["welcome", "idle"]

    stall(stalled)
    await fill_buffers(stalled)
    # A task for the stalled picker (the only idle one): its push goes to a socket that cannot take it.
    live_app.release_wave(pickers=1, max_orders=1)

    # Meanwhile: the scanner's verdicts keep coming, and a push reaches a third picker.
    latencies = []
    for n in range(40):
        started = time.perf_counter()
        await other.send({"type": "scan", "scan_id": f"ok-{n}", "barcode": "NOT-A-CODE", "task_id": task["task_id"]})
        verdict = await other.receive_type("verdict", timeout=2)
        latencies.append(time.perf_counter() - started)
        assert verdict["scan_id"] == f"ok-{n}"
        await asyncio.sleep(0.05)  # spread over the stalled socket's 2 s send timeout
    idle, first = await handheld(live_app, idle_picker)
    if first["type"] == "idle":  # (else the stalled picker was already closed and away: its task came here)
        started = time.perf_counter()
        live_app.release_wave(pickers=1, max_orders=1)
        first = await idle.receive_type("task", timeout=2)
        assert time.perf_counter() - started < 2.0
    assert first["task"]["picker"] == idle_picker
    assert statistics.median(latencies) < 0.25 and max(latencies) < 2.0, latencies

    # The stalled socket was closed as too slow: it finds 4408 once it reads again.
    assert await close_code_after_resume(stalled) == TOO_SLOW
    assert slow_closes(live_app, "handheld") > slow_before
    # Reconnecting gets the current task (the handheld then re-sends its unanswered scans).
    again, current = await handheld(live_app, stalled_picker)
    assert current["type"] in ("task", "idle")
    for client in (other, idle, again):
        await client.close()


async def test_stalled_board_never_delays_others(live_app: LiveApp, small_demo: Floor) -> None:
    slow_before = slow_closes(live_app, "board")
    stalled = await stallable(board_url(live_app))
    assert json.loads(await stalled.recv())["type"] == "snapshot"
    healthy = await Client.open(board_url(live_app))
    await healthy.receive_type("snapshot")
    stall(stalled)
    await fill_buffers(stalled)

    flood = asyncio.create_task(flood_events(small_demo, live_app.warehouse, 3000))
    seen = 0
    delays = []
    while seen < 3000:
        frame = await healthy.receive(timeout=5)
        if frame["type"] == "event" and frame["event"] == "stock_adjusted":
            seen += 1
            delays.append(time.time() * 1000 - int(frame["id"].split("-")[0]))
    await flood
    # After the flood, a single event still reaches the healthy board at once.
    response = httpx.post(f"{live_app.url}/api/exceptions", headers=live_app.headers(), json={
        "exception_id": "after-flood", "kind": "damaged", "location": f"{live_app.warehouse}-A01-C01",
        "warehouse": live_app.warehouse})
    assert response.status_code == 200
    raised = await healthy.until(lambda f: f.get("event") == "exception_raised", timeout=2)
    assert raised["data"]["reference"] == "after-flood"
    assert statistics.median(delays) < 500 and max(delays) < 3000, (statistics.median(delays), max(delays))

    await asyncio.sleep(2.5)  # past the send timeout
    assert await close_code_after_resume(stalled) == TOO_SLOW
    assert slow_closes(live_app, "board") > slow_before
    await healthy.close()


async def test_board_resync_when_its_last_id_is_gone(live_app: LiveApp, redis_server: RedisServer) -> None:
    client: Any = aioredis.Redis.from_url(redis_server.url, decode_responses=True)
    stream = keys.key(live_app.warehouse, "events")
    board = await Client.open(board_url(live_app))
    snapshot = await board.receive_type("snapshot")
    await board.close()
    for n in range(3):
        httpx.post(f"{live_app.url}/api/exceptions", headers=live_app.headers(), json={
            "exception_id": f"gone-{n}", "kind": "damaged", "location": f"{live_app.warehouse}-A01-C01",
            "warehouse": live_app.warehouse}).raise_for_status()
    # Still kept: an ordinary catch-up.
    board = await Client.open(board_url(live_app, snapshot["last_id"]))
    caught = [await board.receive_type("event") for _ in range(3)]
    assert [f["data"]["reference"] for f in caught] == ["gone-0", "gone-1", "gone-2"]
    await board.close()

    # Trimmed away: resync, then a fresh snapshot on the same socket, then live events.
    await client.xtrim(stream, maxlen=1, approximate=False)
    board = await Client.open(board_url(live_app, snapshot["last_id"]))
    resync = await board.receive()
    assert resync["type"] == "resync" and resync["reason"] == "trimmed" and resync["last_id"] == snapshot["last_id"]
    assert resync["first_id"] == caught[-1]["id"]
    fresh = await board.receive_type("snapshot")
    assert fresh["last_id"] == caught[-1]["id"]
    assert {"gone-0", "gone-1", "gone-2"} <= {e["reference"] for e in fresh["exceptions"]}
    httpx.post(f"{live_app.url}/api/exceptions", headers=live_app.headers(), json={
        "exception_id": "live", "kind": "damaged", "location": f"{live_app.warehouse}-A01-C01",
        "warehouse": live_app.warehouse}).raise_for_status()
    live = await board.until(lambda f: f.get("type") == "event")
    assert live["data"]["reference"] == "live"
    await board.close()
    # The last id it kept is still served (nothing after it was trimmed).
    board = await Client.open(board_url(live_app, caught[-1]["id"]))
    assert (await board.receive_type("event"))["data"]["reference"] == "live"
    await board.close()

    # An id from the future (a store restored from an older backup): resync.
    board = await Client.open(board_url(live_app, "99999999999999-0"))
    resync = await board.receive()
    assert resync["type"] == "resync" and resync["reason"] == "future"
    await board.receive_type("snapshot")
    await board.close()

    # More than the catch-up limit behind: resync rather than 10,000 frames.
    last = live["id"]
    async with client.pipeline(transaction=False) as pipe:
        for n in range(10_001):
            pipe.xadd(stream, {"type": "stock_adjusted", "data": json.dumps({"n": n})})
        await pipe.execute()
    # The node's reader may still be passing the burst (live, to nobody): a board registered while it
    # does would rightly overflow (4408). Let it pass first; this part tests the catch-up limit.
    await asyncio.sleep(2.0)
    board = await Client.open(board_url(live_app, last))
    resync = await board.receive(timeout=10)
    assert resync["type"] == "resync" and resync["reason"] == "too_far"
    await board.receive_type("snapshot", timeout=10)
    await board.close()
    await client.aclose()


async def test_verdicts_keep_their_order_and_pushes_never_overtake_them(live_app: LiveApp) -> None:
    picker = live_app.pickers[0][0]
    client, _ = await handheld(live_app, picker)
    live_app.release_wave(pickers=1, max_orders=3)
    task = (await client.receive_type("task"))["task"]
    # 50 scans sent at once: every verdict, in the order sent.
    for n in range(50):
        await client.send({"type": "scan", "scan_id": f"o-{n}", "barcode": "NOT-A-CODE" if n % 2 else "T9-A01-C01"})
    verdicts = [await client.receive_type("verdict") for _ in range(50)]
    assert [v["scan_id"] for v in verdicts] == [f"o-{n}" for n in range(50)]
    # The whole task scanned without waiting: the push that follows its completion (idle) comes
    # after the verdict that completed it, although the Stream reader may see the event first.
    scans = []
    for n, step in enumerate(task["steps"]):
        scans.append({"type": "scan", "scan_id": f"l-{n}", "barcode": step["location"]})
        scans.append({"type": "scan", "scan_id": f"i-{n}", "barcode": step["gtin"], "quantity": step["quantity"]})
    for scan in scans:
        await client.send(scan)
    frames = []
    while not frames or frames[-1]["type"] != "idle":
        frames.append(await client.receive())
    assert [f["scan_id"] for f in frames if f["type"] == "verdict"] == [s["scan_id"] for s in scans]
    assert frames[-2]["type"] == "verdict" and frames[-2]["task_done"] is True
    await client.close()


async def test_push_arrives_at_once_after_a_quiet_period(live_app: LiveApp) -> None:
    """The reader's blocking read returns every 2 s on a quiet Stream and reads again at once:
    a release after any quiet period reaches the handheld within milliseconds."""
    clients = [(await handheld(live_app, picker))[0] for picker, *_ in live_app.pickers]
    delays = []
    async with httpx.AsyncClient(timeout=10) as http:
        for _ in range(len(clients)):
            await asyncio.sleep(6.5)
            waiting = {asyncio.create_task(c.receive_type("task", timeout=5)) for c in clients}
            body = {"wave_id": "q-" + uuid.uuid4().hex[:8], "pickers": 1, "max_orders": 1,
                    "warehouse": live_app.warehouse, "planner": "serpentine"}
            response = await http.post(f"{live_app.url}/api/waves", json=body, headers=live_app.headers())
            answered = time.perf_counter()
            response.raise_for_status()
            done, pending = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            arrived = time.perf_counter()
            for task in pending:
                task.cancel()
            assert next(iter(done)).result()["task"]["task_id"] in response.json()["wave"]["tasks"]
            delays.append(max(0.0, arrived - answered))
    assert statistics.median(delays) < 0.05 and max(delays) < 0.25, delays
    for client in clients:
        await client.close()


async def test_a_push_that_cannot_be_read_closes_the_socket_for_a_resync(
    live_app: LiveApp, redis_server: RedisServer
) -> None:
    """A task push whose task cannot be read is retried, then the socket is closed with 1011 (never a
    silently missing push); the reconnected handheld gets its current state."""
    picker = live_app.pickers[0][0]
    client, first = await handheld(live_app, picker)
    assert first["type"] == "idle"
    redis: Any = aioredis.Redis.from_url(redis_server.url, decode_responses=True)
    await redis.xadd(keys.key(live_app.warehouse, "events"),
                     {"type": "task_assigned", "data": json.dumps({"task_id": "no-such-task", "picker": picker})})
    await redis.aclose()
    started = time.perf_counter()
    try:
        frame = await client.receive(timeout=5)
        raise AssertionError(f"expected a close, got {frame}")
    except websockets.ConnectionClosed:
        pass
    assert client.connection.close_code == 1011
    assert 1.0 < time.perf_counter() - started < 4.0  # after the retries
    again, current = await handheld(live_app, picker)
    assert current["type"] == "idle"
    await again.close()
