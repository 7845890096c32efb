"""Planning through the running server: putaway and replenishment tasks reach the handheld with the
task protocol (``kind``), their scans move stock, and a low-stock crossing reaches a board within
one second of the scan that crossed it (the follower runs inside the web node)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from floor.floor import Floor
from floor.store import keys
from tests.handheld_api.test_board_socket import board_url
from tests.handheld_api.wsclient import Client, handheld
from tests.live import LiveApp

SKU = "SKU00017"


def _post(app: LiveApp, path: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    response = httpx.post(f"{app.url}{path}", json={**body, "warehouse": app.warehouse}, headers=app.headers(),
                          timeout=10)
    assert response.status_code == status, response.text
    return dict(response.json())


def _stock(app: LiveApp, sku: str = SKU) -> dict[str, Any]:
    response = httpx.get(f"{app.url}/api/planning/stock/{sku}", params={"warehouse": app.warehouse},
                         headers=app.headers(), timeout=10)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _scan(hand: Client, scan_id: str, barcode: str, task_id: str, quantity: int = 1) -> dict[str, Any]:
    await hand.send({"type": "scan", "scan_id": scan_id, "barcode": barcode, "task_id": task_id, "quantity": quantity})
    return await hand.until(lambda f: f.get("type") == "verdict" and f.get("scan_id") == scan_id)


async def _run_task(hand: Client, task: dict[str, Any], prefix: str) -> dict[str, Any]:
    verdict: dict[str, Any] = {}
    for n, step in enumerate(task["steps"]):
        assert (await _scan(hand, f"{prefix}-l{n}", step["location"], task["task_id"]))["verdict"] == "ok"
        verdict = await _scan(hand, f"{prefix}-i{n}", step["gtin"], task["task_id"], step["quantity"])
        assert verdict["verdict"] == "ok" and verdict["kind"] == task["kind"], verdict
    return verdict


async def test_putaway_and_replenishment_on_the_handheld(live_app: LiveApp) -> None:
    w, picker = live_app.warehouse, live_app.pickers[0][0]
    face = next(iter(_stock(live_app)["pick_faces"]))
    reserve = f"{w}-R02-01"
    _post(live_app, "/api/planning/locations", {"location": face, "min_units": 5, "max_units": 35, "capacity": 40})
    _post(live_app, "/api/planning/locations", {"location": reserve, "kind": "reserve", "capacity": 200, "aisle": 1})
    hand, first = await handheld(live_app, picker)
    assert first["type"] == "idle"
    queued = _post(live_app, "/api/planning/receipts", {"command_id": "ph-r1", "sku": SKU, "quantity": 30,
                                                        "location": reserve})
    task = (await hand.receive_type("task"))["task"]
    assert task["kind"] == "putaway" and task["task_id"] == queued["task_id"]
    assert _stock(live_app)["receiving"] == 30
    done = await _run_task(hand, task, "pa")
    assert done["task_done"] is True and "expected" not in done
    assert (await hand.receive_type("idle"))["picker"] == picker
    before = _stock(live_app)
    assert before["reserve"] == 30 and before["receiving"] == 0

    queued = _post(live_app, "/api/planning/replenishments", {"sku": SKU, "location": face, "urgent": True})
    task = (await hand.receive_type("task"))["task"]
    assert task["kind"] == "replenish" and [s["location"] for s in task["steps"]] == [reserve, face]
    moved = task["steps"][0]["quantity"]
    assert moved == 35 - before["pick_faces"][face]
    wrong = await _scan(hand, "rp-x", face, task["task_id"])
    assert wrong["verdict"] == "wrong_location"
    await _run_task(hand, task, "rp")
    dup = await _scan(hand, "rp-i1", task["steps"][0]["gtin"], task["task_id"], moved)  # a resent scan id
    assert dup["duplicate"] is True
    after = _stock(live_app)
    assert after["pick_faces"][face] == 35 and after["reserve"] == 30 - moved and after["carried"] == 0
    assert after["on_hand"] == before["on_hand"] + moved
    await hand.close()


async def test_low_stock_reaches_the_board_within_a_second_of_the_scan(live_app: LiveApp, small_demo: Floor) -> None:
    w, picker = live_app.warehouse, live_app.pickers[0][0]
    _post(live_app, "/api/planning/thresholds", {"sku": SKU, "safety": 1, "reorder_point": 1})
    deadline, n = time.monotonic() + 15, 0
    face = next(iter(_stock(live_app)["pick_faces"]))
    while not await small_demo.client.exists(keys.key(w, "plan_cursor")):  # the node's follower found us
        assert time.monotonic() < deadline, "the planning follower never started for this warehouse"
        n += 1  # an event for it to apply (it starts at the Stream's tip and writes its cursor then)
        _post(live_app, "/api/inventory/adjustments", {"command_id": f"wake-{n}", "sku": SKU, "location": face,
                                                       "delta": 1, "reason": "receipt"})
        await asyncio.sleep(0.3)
    level = _stock(live_app)["on_hand"]
    _post(live_app, "/api/planning/thresholds", {"sku": SKU, "safety": 1, "reorder_point": level - 1})
    order = httpx.post(f"{live_app.url}/api/orders", headers=live_app.headers(), json={
        "channel": "tmall", "external_id": f"LS-{w}", "warehouse": w, "lines": [{"sku": SKU, "quantity": 2}]})
    assert order.status_code == 200, order.text
    board = await Client.open(board_url(live_app))
    await board.receive_type("snapshot")
    hand, _ = await handheld(live_app, picker)
    live_app.release_wave(order_ids=[order.json()["order"]["order_id"]])
    task = (await hand.receive_type("task"))["task"]
    step = task["steps"][0]
    assert (await _scan(hand, "ls-l", step["location"], task["task_id"]))["verdict"] == "ok"
    sent = time.monotonic()
    assert (await _scan(hand, "ls-i", step["gtin"], task["task_id"], step["quantity"]))["verdict"] == "ok"
    alert = await board.until(lambda f: f.get("event") == "exception_raised" and f["data"]["kind"] == "low_stock",
                              timeout=5)
    elapsed = time.monotonic() - sent
    assert alert["data"]["sku"] == SKU and elapsed < 1.0, elapsed
    with_more = _stock(live_app)
    assert with_more["below_reorder"] is True
    suggestions = httpx.get(f"{live_app.url}/api/planning/suggestions", params={"warehouse": w},
                            headers=live_app.headers()).json()
    assert suggestions[0]["sku"] == SKU and suggestions[0]["kind"] == "purchase"
    await hand.close()
    await board.close()
