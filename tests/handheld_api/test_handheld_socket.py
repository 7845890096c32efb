"""The handheld WebSocket against a real server process and Redis."""

from __future__ import annotations

import json

import httpx
import pytest
import websockets

from tests.handheld_api.wsclient import Client, handheld
from tests.live import LiveApp


async def test_task_pushed_on_release_and_scans_validated(live_app: LiveApp) -> None:
    picker = live_app.pickers[0][0]
    client, first = await handheld(live_app, picker)
    assert first["type"] == "idle"
    wave = live_app.release_wave(pickers=1, max_orders=3)
    pushed = await client.receive_type("task")
    task = pushed["task"]
    assert task["task_id"] in wave["tasks"] and task["picker"] == picker
    step = task["steps"][0]

    await client.send({"type": "scan", "scan_id": "s1", "barcode": step["gtin"], "task_id": task["task_id"]})
    verdict = await client.receive_type("verdict")
    assert verdict["verdict"] == "scan_location_first" and verdict["scan_id"] == "s1"

    elsewhere = next(code for code in (f"{live_app.warehouse}-A01-C01", f"{live_app.warehouse}-A01-C02")
                     if code != step["location"])
    await client.send({"type": "scan", "scan_id": "s2", "barcode": elsewhere, "task_id": task["task_id"]})
    assert (await client.receive_type("verdict"))["verdict"] == "wrong_location"

    await client.send({"type": "scan", "scan_id": "s3", "barcode": step["location"], "task_id": task["task_id"]})
    verdict = await client.receive_type("verdict")
    assert verdict["verdict"] == "ok" and verdict["at_location"] is True

    other = next(s for s in task["steps"] if s["gtin"] != step["gtin"])
    await client.send({"type": "scan", "scan_id": "s4", "barcode": other["gtin"]})
    assert (await client.receive_type("verdict"))["verdict"] == "wrong_item"

    await client.send({"type": "scan", "scan_id": "s5", "barcode": step["gtin"], "quantity": step["quantity"] + 1})
    assert (await client.receive_type("verdict"))["verdict"] == "over_pick"

    await client.send({"type": "scan", "scan_id": "s6", "barcode": step["gtin"], "quantity": step["quantity"]})
    verdict = await client.receive_type("verdict")
    assert verdict["verdict"] == "ok" and verdict["step"] == 1 and verdict["picked"] == 0
    assert verdict["expected"] == task["steps"][1]

    # A repeated scan id: the first verdict again, flagged, and nothing changes.
    await client.send({"type": "scan", "scan_id": "s6", "barcode": step["gtin"], "quantity": step["quantity"]})
    again = await client.receive_type("verdict")
    assert again["duplicate"] is True and again["verdict"] == "ok" and again["step"] == 1
    response = httpx.get(f"{live_app.url}/api/waves/tasks/{task['task_id']}",
                         params={"warehouse": live_app.warehouse}, headers=live_app.headers())
    assert response.json()["step"] == 1 and response.json()["picked"] == 0
    await client.close()


async def test_whole_task_completes_and_next_task_is_pushed(live_app: LiveApp) -> None:
    picker = live_app.pickers[1][0]
    client, _ = await handheld(live_app, picker)
    wave = live_app.release_wave(pickers=2, max_orders=4)
    task = (await client.receive_type("task"))["task"]
    for n, step in enumerate(task["steps"]):
        await client.send({"type": "scan", "scan_id": f"l{n}", "barcode": step["location"]})
        assert (await client.receive_type("verdict"))["verdict"] == "ok"
        await client.send({"type": "scan", "scan_id": f"i{n}", "barcode": step["gtin"], "quantity": step["quantity"]})
        last = await client.receive_type("verdict")
        assert last["verdict"] == "ok"
    assert last["task_done"] is True and "expected" not in last
    # The second task of the wave was waiting in the ready queue: it is pushed at once.
    following = await client.receive_type("task")
    assert following["task"]["task_id"] in wave["tasks"] and following["task"]["task_id"] != task["task_id"]
    # Finish that one too: with nothing left, the handheld is told it is idle.
    for n, step in enumerate(following["task"]["steps"]):
        await client.send({"type": "scan", "scan_id": f"l2-{n}", "barcode": step["location"]})
        await client.receive_type("verdict")
        await client.send({"type": "scan", "scan_id": f"i2-{n}", "barcode": step["gtin"], "quantity": step["quantity"]})
        assert (await client.receive_type("verdict"))["verdict"] == "ok"
    assert (await client.receive_type("idle"))["picker"] == picker
    await client.close()


async def test_bad_frames_get_error_frames_and_socket_stays_open(live_app: LiveApp) -> None:
    client, _ = await handheld(live_app, live_app.pickers[2][0])
    bad = [
        "not json",
        json.dumps({"type": "teleport"}),
        json.dumps({"type": "scan", "barcode": "123"}),  # missing scan_id
        json.dumps({"type": "scan", "scan_id": "x" * 65, "barcode": "123"}),
        json.dumps({"type": "scan", "scan_id": "a", "barcode": "123", "quantity": 0}),
        json.dumps({"type": "scan", "scan_id": "a", "barcode": "1", "extra": 1}),
        "x" * 5000,
        json.dumps([1, 2]),
    ]
    for text in bad:
        await client.send(text)
        error = await client.receive_type("error")
        assert error["code"] in ("bad_frame", "too_large") and error["reason"]
    await client.send({"type": "ping", "id": "p1"})
    assert (await client.receive_type("pong"))["id"] == "p1"
    await client.close()


async def test_short_pick_reallocates_and_pushes_new_step(live_app: LiveApp) -> None:
    picker = live_app.pickers[0][0]
    client, _ = await handheld(live_app, picker)
    live_app.release_wave(pickers=1, max_orders=5)
    task = (await client.receive_type("task"))["task"]
    headers = live_app.headers()
    index, step = 0, task["steps"][0]
    # Give the SKU a second location with a receipt, so the short pick can re-allocate.
    spare = f"{live_app.warehouse}-A04-C10" if not step["location"].endswith("A04-C10") else f"{live_app.warehouse}-A04-C09"
    receipt = httpx.post(f"{live_app.url}/api/inventory/adjustments", headers=headers, json={
        "command_id": "rcpt-1", "sku": step["sku"], "location": spare, "delta": 50, "reason": "receipt",
        "warehouse": live_app.warehouse})
    assert receipt.status_code == 200, receipt.text
    await client.send({"type": "short_pick", "request_id": "sp1", "task_id": task["task_id"], "step": index, "found": 0})
    frames = [await client.until(lambda f: f["type"] in ("task", "short_pick_recorded"))]
    while True:  # task frames (the changed task, then the re-routed one) come before or after the answer
        try:
            frames.append(await client.receive(timeout=1.0))
        except TimeoutError:
            break
    assert any(f["type"] == "task" for f in frames)
    recorded = next(f for f in frames if f["type"] == "short_pick_recorded")
    assert recorded["relocated"] == step["quantity"] and recorded["backordered"] == 0
    updated = [f for f in frames if f["type"] == "task"][-1]["task"]
    assert updated["step"] == index + 1
    new_step = next(s for s in updated["steps"][index + 1:] if s["location"] == spare)
    assert new_step["sku"] == step["sku"] and new_step["quantity"] == step["quantity"]
    after = httpx.get(f"{live_app.url}/api/inventory/skus/{step['sku']}",
                      params={"warehouse": live_app.warehouse}, headers=headers).json()
    assert step["location"] not in after["locations"]  # corrected to what was found: 0
    assert after["available"] >= 0
    # Repeat: same answer, nothing new.
    await client.send({"type": "short_pick", "request_id": "sp1", "task_id": task["task_id"], "step": index, "found": 0})
    assert (await client.receive_type("short_pick_recorded", skip=("task",)))["duplicate"] is True
    exceptions = httpx.get(f"{live_app.url}/api/exceptions", params={"warehouse": live_app.warehouse}, headers=headers).json()
    assert [e["kind"] for e in exceptions] == ["short_pick"]
    await client.close()


async def test_handheld_rejects_bad_token_and_wrong_role(live_app: LiveApp) -> None:
    async with websockets.connect(f"{live_app.ws_url}/ws/handheld?token=garbage") as ws:
        frame = json.loads(await ws.recv())
        assert frame["code"] == "unauthorized"
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    client = await Client.open(f"{live_app.ws_url}/ws/handheld?token={live_app.token('channel')}")
    assert (await client.receive())["code"] == "forbidden"
