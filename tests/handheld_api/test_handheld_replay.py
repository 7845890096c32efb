"""Issue 10 on the handheld socket: a scan queued offline that no longer applies raises a
``stale_scan`` floor exception (once, even when replayed again); totes swap through ``mode``."""

from __future__ import annotations

from floor.floor import Floor
from tests.handheld_api.wsclient import handheld
from tests.live import LiveApp


async def test_a_queued_scan_that_no_longer_applies_raises_a_floor_exception(
    live_app: LiveApp, small_demo: Floor, warehouse: str
) -> None:
    picker = live_app.pickers[0][0]
    client, _first = await handheld(live_app, picker)
    live_app.release_wave(pickers=1, max_orders=2)
    task = (await client.receive_type("task"))["task"]
    step = task["steps"][0]
    # queued offline against the location, the picker walked on: the wrong location now
    wrong = next(code for code in (f"{warehouse}-A01-C01", f"{warehouse}-A01-C02") if code != step["location"])
    for _ in range(2):  # the replay of a replay changes nothing and raises nothing more
        await client.send({"type": "scan", "scan_id": "q1", "barcode": wrong, "task_id": task["task_id"],
                           "queued_ms": 42_000})
        assert (await client.receive_type("verdict"))["verdict"] == "wrong_location"
    await client.send({"type": "scan", "scan_id": "q2", "barcode": step["location"], "queued_ms": 5_000})
    assert (await client.receive_type("verdict"))["verdict"] == "ok"
    await client.send({"type": "scan", "scan_id": "q3", "barcode": "TOTE-1", "mode": "swap_everything"})
    assert (await client.receive_type("error"))["code"] == "bad_frame"
    await client.close()
    stale = [e for e in await small_demo.incidents.open(warehouse) if e.kind == "stale_scan"]
    assert len(stale) == 1
    assert stale[0].task_id == task["task_id"] and "wrong_location" in stale[0].detail and "42 s" in stale[0].detail


async def test_the_handheld_socket_refuses_supervisor_and_device_actions(live_app: LiveApp) -> None:
    """The handheld speaks only scan / short_pick / report / ping / sync: a supervisor's or a
    device's action sent on it is a bad_frame, changes nothing, and the socket stays open."""
    picker, other = live_app.pickers[0][0], live_app.pickers[1][0]
    client, _first = await handheld(live_app, picker)
    live_app.release_wave(pickers=2, max_orders=4)
    task = (await client.receive_type("task"))["task"]
    for action in (
        {"type": "reassign", "task_id": task["task_id"], "command_id": "c1", "picker": other},
        {"type": "acknowledge", "exception_id": "x1"},
        {"type": "adjust_stock", "sku": "SKU00001", "delta": 5},
        {"type": "scan", "scan_id": "z1", "barcode": task["steps"][0]["location"], "picker": other},
    ):
        await client.send(action)
        assert (await client.receive_type("error"))["code"] == "bad_frame", action
    await client.send({"type": "ping", "id": "still-open"})
    assert (await client.receive_type("pong"))["id"] == "still-open"
    await client.close()
