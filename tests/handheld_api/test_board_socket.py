"""The supervisor board socket: snapshot, live events, reconnect with last id, two nodes."""

from __future__ import annotations

import httpx

from tests.handheld_api.wsclient import Client, handheld
from tests.live import LiveApp, ServerProcess


def board_url(app: LiveApp, base: str | None = None, last_id: str = "") -> str:
    url = f"{(base or app.url).replace('http://', 'ws://')}/ws/board?token={app.token('supervisor')}&warehouse={app.warehouse}"
    return url + (f"&last_id={last_id}" if last_id else "")


def raise_exception(app: LiveApp, exception_id: str, base: str | None = None) -> dict:
    response = httpx.post(f"{base or app.url}/api/exceptions", headers=app.headers(), json={
        "exception_id": exception_id, "kind": "damaged", "location": f"{app.warehouse}-A01-C01",
        "detail": "crushed box", "warehouse": app.warehouse})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_snapshot_then_live_events(live_app: LiveApp) -> None:
    raise_exception(live_app, "e-before")
    board = await Client.open(board_url(live_app))
    snapshot = await board.receive_type("snapshot")
    assert [e["reference"] for e in snapshot["exceptions"]] == ["e-before"]
    assert snapshot["layout"]["aisles"] == 4
    assert {p["picker"]: p["status"] for p in snapshot["pickers"]} == {p[0]: "away" for p in live_app.pickers}
    live_app.release_wave(pickers=1, max_orders=2)
    released = await board.until(lambda f: f.get("event") == "wave_released")
    assert released["data"]["orders"] == 2
    raise_exception(live_app, "e-live")
    raised = await board.until(lambda f: f.get("event") == "exception_raised")
    assert raised["data"]["reference"] == "e-live" and raised["id"] > snapshot["last_id"]
    ack = httpx.post(f"{live_app.url}/api/exceptions/{raised['data']['exception_id']}/acknowledge", params={"warehouse": live_app.warehouse},
                     headers=live_app.headers(), json={"command_id": "ack-1", "note": "on my way"})
    assert ack.json()["status"] == "acknowledged"
    acknowledged = await board.until(lambda f: f.get("event") == "exception_acknowledged")
    assert acknowledged["data"]["note"] == "on my way"
    counts = await board.receive_type("counts", timeout=3, skip=("event",))
    assert counts["waves"][0]["units"] > 0
    await board.close()


async def test_snapshot_lists_pickers_with_their_tasks(live_app: LiveApp) -> None:
    picker = live_app.pickers[0][0]
    hand, _ = await handheld(live_app, picker)
    live_app.release_wave(pickers=1, max_orders=2)
    task = (await hand.receive_type("task"))["task"]
    assert all(step["name"].startswith("Demo item") for step in task["steps"])
    board = await Client.open(board_url(live_app))
    snapshot = await board.receive_type("snapshot")
    views = {p["picker"]: p for p in snapshot["pickers"]}
    assert views[picker]["status"] == "picking" and views[picker]["task_id"] == task["task_id"]
    assert views[picker]["steps"] == len(task["steps"])
    await hand.close()
    await board.close()


async def test_reconnect_with_last_id_misses_nothing(live_app: LiveApp) -> None:
    board = await Client.open(board_url(live_app))
    snapshot = await board.receive_type("snapshot")
    raise_exception(live_app, "e1")
    first = await board.until(lambda f: f.get("event") == "exception_raised")
    await board.close()
    # While the board is away: three more events.
    for name in ("e2", "e3", "e4"):
        raise_exception(live_app, name)
    again = await Client.open(board_url(live_app, last_id=first["id"]))
    seen = []
    while len(seen) < 3:
        frame = await again.receive(timeout=5)
        if frame["type"] == "event":
            seen.append(frame)
    assert [f["data"]["reference"] for f in seen] == ["e2", "e3", "e4"]
    assert [f["id"] for f in seen] == sorted(f["id"] for f in seen) and seen[0]["id"] > first["id"] > snapshot["last_id"]
    raise_exception(live_app, "e5")
    live = await again.until(lambda f: f.get("type") == "event")
    assert live["data"]["reference"] == "e5"  # nothing doubled between catch-up and live
    await again.close()


async def test_board_rejects_bad_input(live_app: LiveApp) -> None:
    board = await Client.open(f"{live_app.ws_url}/ws/board?token={live_app.token('picker')}")
    assert (await board.receive())["code"] == "forbidden"
    board = await Client.open(board_url(live_app, last_id="not-an-id"))
    assert (await board.receive())["code"] == "bad_frame"
    board = await Client.open(board_url(live_app))
    await board.receive_type("snapshot")
    await board.send("{{{")
    assert (await board.receive_type("error", skip=("counts", "event")))["code"] == "bad_frame"
    await board.send({"type": "ping", "id": "b1"})
    assert (await board.receive_type("pong", skip=("counts", "event")))["id"] == "b1"
    await board.close()


async def test_two_nodes_work_as_one_system(live_app: LiveApp, web_nodes: list[ServerProcess]) -> None:
    node_a, node_b = web_nodes
    picker = live_app.pickers[0][0]
    # The handheld is on node B; the wave is released through node A.
    hand = await Client.open(f"{node_b.ws_url}/ws/handheld?token={live_app.token('picker', picker)}")
    await hand.receive_type("welcome")
    assert (await hand.receive())["type"] == "idle"
    wave = live_app.release_wave(pickers=1, max_orders=2)  # live_app.url is node A
    task = (await hand.receive_type("task"))["task"]
    assert task["task_id"] in wave["tasks"]
    # A board on node A sees an exception raised on node B (a picker's report over B's socket).
    board = await Client.open(board_url(live_app, base=node_a.url))
    await board.receive_type("snapshot")
    await hand.send({"type": "report", "request_id": "r-b1", "kind": "blocked_location",
                     "location": task["steps"][0]["location"], "detail": "pallet in the aisle"})
    recorded = await hand.receive_type("report_recorded")
    raised = await board.until(lambda f: f.get("event") == "exception_raised")
    assert raised["data"]["exception_id"] == recorded["exception_id"] and raised["data"]["reference"] == "r-b1" and raised["data"]["picker"] == picker
    await hand.close()
    await board.close()


async def test_handheld_reconnect_gets_current_task(live_app: LiveApp) -> None:
    picker = live_app.pickers[0][0]
    client, _ = await handheld(live_app, picker)
    live_app.release_wave(pickers=1, max_orders=2)
    task = (await client.receive_type("task"))["task"]
    await client.close()
    again, first = await handheld(live_app, picker)
    assert first["type"] == "task" and first["task"]["task_id"] == task["task_id"]
    await again.close()
