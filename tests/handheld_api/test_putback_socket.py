"""Issue 7 on a live node with a real WebSocket client: an order cancelled after a pick leaves the
picker's task (a shorter task frame is pushed), the picker finishes the rest, then receives the
put-back task (kind putback) and puts each picked unit back: the unit, then its bin."""

from __future__ import annotations

from floor.floor import Floor
from floor.store import keys
from tests.handheld_api.wsclient import handheld
from tests.live import LiveApp


async def test_a_cancel_after_release_reaches_the_handheld_as_a_put_back(live_app: LiveApp, small_demo: Floor) -> None:
    w, picker = live_app.warehouse, live_app.pickers[2][0]
    client, first = await handheld(live_app, picker)
    assert first["type"] == "idle"
    live_app.release_wave(pickers=1, max_orders=3)
    task = (await client.receive_type("task"))["task"]
    step = task["steps"][0]
    cancelled = step["order_id"]
    on_hand = int(await small_demo.client.hget(keys.key(w, "sku", step["sku"]), "on_hand"))
    await client.send({"type": "scan", "scan_id": "l0", "barcode": step["location"]})
    assert (await client.receive_type("verdict"))["verdict"] == "ok"
    await client.send({"type": "scan", "scan_id": "i0", "barcode": step["gtin"], "quantity": step["quantity"]})
    assert (await client.receive_type("verdict"))["verdict"] == "ok"

    assert await small_demo.life.cancel_on_floor(w, cancelled, "cancelled on the platform") == "put_back"
    left = [s for s in task["steps"][1:] if s["order_id"] != cancelled]
    if left:  # the same task without the cancelled order's steps
        shorter = (await client.receive_type("task"))["task"]
        assert shorter["task_id"] == task["task_id"] and shorter["steps"][1:] == left
        for n, s in enumerate(left):
            await client.send({"type": "scan", "scan_id": f"l{n + 1}", "barcode": s["location"]})
            await client.receive_type("verdict")
            await client.send({"type": "scan", "scan_id": f"i{n + 1}", "barcode": s["gtin"], "quantity": s["quantity"]})
            assert (await client.receive_type("verdict"))["verdict"] == "ok"
    putback = (await client.until(lambda f: f["type"] == "task" and f["task"].get("kind") == "putback"))["task"]
    units = putback["steps"]
    assert units[0]["location"] == step["location"] and units[0]["sku"] == step["sku"]
    await client.send({"type": "scan", "scan_id": "b0", "barcode": step["location"]})
    verdict = await client.receive_type("verdict")
    assert verdict["verdict"] == "wrong_kind" and verdict["kind"] == "putback" and verdict["expected_kind"] == "item"
    n = 0
    for s in units:
        for _ in range(s["quantity"]):
            n += 1
            await client.send({"type": "scan", "scan_id": f"u{n}", "barcode": s["gtin"]})
            assert (await client.receive_type("verdict"))["verdict"] == "ok"
            await client.send({"type": "scan", "scan_id": f"p{n}", "barcode": s["location"]})
            verdict = await client.receive_type("verdict")
            assert verdict["verdict"] == "ok" and verdict["kind"] == "putback"
    assert verdict["task_done"] is True
    still_picked = sum(s["quantity"] for s in left if s["sku"] == step["sku"])  # picked for the other orders
    assert int(await small_demo.client.hget(keys.key(w, "sku", step["sku"]), "on_hand")) == on_hand - still_picked
    assert (await small_demo.availability.check(w)).drift == []
    await client.close()
