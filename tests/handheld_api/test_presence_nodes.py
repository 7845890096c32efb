"""Presence across real web nodes: hand-over between nodes, a node killed without a word, the grace,
and the supervisor's reassign through the API — real uvicorn processes, real sockets, real Redis."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from floor.accounts.model import User
from floor.floor import Floor
from floor.store import keys
from tests.handheld_api.wsclient import Client, handheld
from tests.live import LiveApp, ServerProcess
from tests.redis_server import RedisServer

# Short leases and grace on the nodes this module starts (the shared web_nodes keep the defaults).
SHORT = {"FLOOR_PRESENCE_TTL": "1", "FLOOR_PRESENCE_GRACE": "2"}


@pytest.fixture(scope="module")
def short_node(redis_server: RedisServer) -> Iterator[ServerProcess]:
    node = ServerProcess(redis_server.url, SHORT)
    yield node
    node.stop()


def on(app: LiveApp, node: ServerProcess) -> LiveApp:
    """The same warehouse and people, reached through another node."""
    return LiveApp(node.url, app.warehouse, app.pickers, app.supervisor)


@pytest.fixture
async def short_app(short_node: ServerProcess, small_demo: Floor, warehouse: str) -> LiveApp:
    username = f"sup-{warehouse}"
    await small_demo.accounts.put_user(User(username, "supervisor", [warehouse]), "sup-pass")
    pickers = [(f"{warehouse}p{n}", f"{warehouse}B{n}", f"{1000 + n}") for n in range(1, 4)]
    return LiveApp(short_node.url, warehouse, pickers, (username, "sup-pass"))


def kill(node: ServerProcess) -> None:
    """kill -9: the node leaves nothing behind but its leases, which run out by time."""
    node.process.kill()
    node.process.wait(10)
    node.log.close()


def task_of(app: LiveApp, task_id: str) -> dict[str, Any]:
    response = httpx.get(f"{app.url}/api/waves/tasks/{task_id}", params={"warehouse": app.warehouse},
                         headers=app.headers(), timeout=10)
    response.raise_for_status()
    return dict(response.json())


def reassign(app: LiveApp, task_id: str, command_id: str, picker: str, sender: str = "sup-a") -> httpx.Response:
    token, _ = app.signer.issue("supervisor", sender, "*")
    return httpx.post(f"{app.url}/api/waves/tasks/{task_id}/reassign", params={"warehouse": app.warehouse},
                      json={"command_id": command_id, "picker": picker},
                      headers={"Authorization": f"Bearer {token}"}, timeout=10)


async def task_frame(client: Client, task_id: str = "", timeout: float = 10) -> dict[str, Any]:
    frame = await client.until(lambda f: f["type"] == "task" and (not task_id or f["task"]["task_id"] == task_id),
                               timeout)
    return dict(frame["task"])


async def test_a_reconnect_on_node_b_survives_node_a_closing_the_old_socket(
    live_app: LiveApp, web_nodes: list[ServerProcess], small_demo: Floor
) -> None:
    node_b = on(live_app, web_nodes[1])
    picker, other = live_app.pickers[0][0], live_app.pickers[1][0]
    old, _ = await handheld(live_app, picker)  # node A
    new, first = await handheld(node_b, picker)  # the handheld reconnected through node B
    assert first["type"] == "idle"
    await old.close()  # node A finally sees its old socket close
    gone, _ = await handheld(live_app, other)
    await gone.close()  # a picker who left: absent, no work for it
    presence = await small_demo.picking.presence(live_app.warehouse, picker)
    assert presence.present and presence.sockets == 1
    assert not (await small_demo.picking.presence(live_app.warehouse, other)).present

    wave = live_app.release_wave(pickers=2, max_orders=4)
    pushed = await task_frame(new)
    assert pushed["picker"] == picker and pushed["task_id"] in wave["tasks"]
    holders = sorted(task_of(live_app, t)["picker"] for t in wave["tasks"])
    assert holders == ["", picker]  # the other task waits for a present picker
    await new.close()


async def test_a_killed_node_s_picker_loses_its_unstarted_task_after_the_grace(
    short_app: LiveApp, redis_server: RedisServer, small_demo: Floor
) -> None:
    victim = ServerProcess(redis_server.url, SHORT)
    try:
        doomed = on(short_app, victim)
        p1, p2 = short_app.pickers[0][0], short_app.pickers[1][0]
        first, _ = await handheld(doomed, p1)
        wave = short_app.release_wave(pickers=1, max_orders=3)
        [task_id] = wave["tasks"]
        assert (await task_frame(first, task_id))["picker"] == p1
        second, hello = await handheld(short_app, p2)
        assert hello["type"] == "idle"
    finally:
        kill(victim)  # no close frame, no leave: p1's lease runs out by time
    # Lease (1 s) + grace (2 s) + sweeps: the surviving node hands the task to p2.
    pushed = await task_frame(second, task_id, timeout=10)
    assert pushed["picker"] == p2 and pushed["step"] == 0
    absent = await small_demo.picking.presence(short_app.warehouse, p1)
    assert not absent.present and absent.absent_since_ms > 0
    kinds = [f["type"] for _id, f in await small_demo.client.xrange(keys.key(short_app.warehouse, "events"))]
    assert kinds.count("picker_absent") == 1 and kinds.count("task_unassigned") == 1
    await second.close()


async def test_a_started_task_raises_an_exception_and_the_supervisor_reassigns_it(
    short_app: LiveApp, redis_server: RedisServer, small_demo: Floor
) -> None:
    victim = ServerProcess(redis_server.url, SHORT)
    try:
        doomed = on(short_app, victim)
        p1, p2, p3 = (p[0] for p in short_app.pickers)
        first, _ = await handheld(doomed, p1)
        wave = short_app.release_wave(pickers=1, max_orders=3)
        task = await task_frame(first)
        step = task["steps"][0]
        await first.send({"type": "scan", "scan_id": "l0", "barcode": step["location"]})
        await first.until(lambda f: f.get("scan_id") == "l0")
        await first.send({"type": "scan", "scan_id": "i0", "barcode": step["gtin"], "quantity": 1})
        assert (await first.until(lambda f: f.get("scan_id") == "i0"))["verdict"] == "ok"
        second, _ = await handheld(short_app, p2)
    finally:
        kill(victim)
    started = task_of(short_app, task["task_id"])

    def absent_exceptions() -> list[dict[str, Any]]:
        response = httpx.get(f"{short_app.url}/api/exceptions", params={"warehouse": short_app.warehouse},
                             headers=short_app.headers(), timeout=10)
        return [x for x in response.json() if x["kind"] == "picker_absent"]

    deadline = 10.0
    while not absent_exceptions() and deadline > 0:
        await asyncio.sleep(0.25)
        deadline -= 0.25
    [exception] = absent_exceptions()
    assert exception["picker"] == p1 and exception["task_id"] == task["task_id"]
    await asyncio.sleep(1.0)  # more sweeps: still one exception, and the task stays with p1
    assert len(absent_exceptions()) == 1
    kept = task_of(short_app, task["task_id"])
    assert kept["picker"] == p1 and (kept["step"], kept["picked"]) == (started["step"], started["picked"])

    # The supervisor reassigns it. An absent picker is refused and nothing moves.
    refused = reassign(short_app, task["task_id"], "r1", p3)
    assert refused.status_code == 409 and refused.json()["error"] == "not_present"
    moved = reassign(short_app, task["task_id"], "r1", p2)
    assert moved.status_code == 200, moved.text
    assert (moved.json()["repeat"], moved.json()["picker"], moved.json()["previous"]) == (False, p2, p1)
    pushed = await task_frame(second, task["task_id"])
    assert pushed["picker"] == p2 and (pushed["step"], pushed["picked"]) == (started["step"], started["picked"])
    again = reassign(short_app, task["task_id"], "r1", p2)
    assert again.json()["repeat"] is True and again.json()["picker"] == p2
    # Another supervisor's r1 is its own command: back to the queue; p2's handheld is told.
    back = reassign(short_app, task["task_id"], "r1", "", sender="sup-b")
    assert back.status_code == 200 and back.json()["repeat"] is False and back.json()["previous"] == p2
    assert (await second.until(lambda f: f["type"] in ("idle", "task")))["type"] == "idle"
    wave_now = httpx.get(f"{short_app.url}/api/waves/{wave['wave_id']}", params={"warehouse": short_app.warehouse},
                         headers=short_app.headers(), timeout=10).json()
    assert wave_now["picked_units"] == 1  # units already picked stay counted
    bad = reassign(short_app, task["task_id"], "r 2", p2)
    assert bad.status_code == 400 and "command_id" in bad.json()["reason"]  # refused while decoding
    picker_token = httpx.post(f"{short_app.url}/api/waves/tasks/{task['task_id']}/reassign",
                              json={"command_id": "x", "picker": ""}, headers=short_app.headers("picker"))
    assert picker_token.status_code == 403
    await second.close()


async def test_a_handheld_in_a_dead_spot_is_closed_by_the_ping_timeout_and_goes_absent(
    redis_server: RedisServer, small_demo: Floor, warehouse: str
) -> None:
    """A handheld that stops answering (a Wi-Fi dead spot: nothing it sends or acknowledges arrives)
    keeps no lease: the server's WebSocket pings go unanswered, the node closes the socket and drops
    its lease, so the picker is absent and its unstarted task can go to someone else. make run's
    uvicorn pings every 20 s and waits 20 s; this node uses 1 s."""
    from tests.handheld_api.test_fanout import stallable

    node = ServerProcess(redis_server.url, SHORT, ["--ws-ping-interval", "1", "--ws-ping-timeout", "1"])
    try:
        picker, badge, pin = f"{warehouse}p1", f"{warehouse}B1", "1001"
        app = LiveApp(node.url, warehouse, [(picker, badge, pin)], ("", ""))
        connection = await stallable(f"{app.ws_url}/ws/handheld?token={app.token('picker', picker)}")
        await connection.recv()  # welcome
        assert (await small_demo.picking.presence(warehouse, picker)).present
        connection.transport.pause_reading()  # the dead spot: pings are never read, never answered
        deadline = asyncio.get_running_loop().time() + 10
        while (await small_demo.picking.presence(warehouse, picker)).present:
            assert asyncio.get_running_loop().time() < deadline, "the dead socket kept its lease"
            await asyncio.sleep(0.2)
        connection.transport.abort()
    finally:
        node.stop()
