"""The put-wall sort on the handheld in Chromium (issue 11): a batch tour of two single-unit orders is
picked on the real page (SKU totals), the sort task follows on the same page (kind ``sort``), and
the sorter scans a slot first (refused), a unit (told the slot), a wrong slot (refused, nothing
changes), the right slot (the order is complete), then the second unit. kinds.js wording, zh-CN +
English."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, expect

from floor.floor import Floor
from floor.orders.model import NewOrder, OrderLine
from floor.store import keys
from floor.waves.model import ReleaseWave
from tests.live import LiveApp
from tests.static.conftest import PHONE, PageErrors
from tests.static.test_pages import TIMEOUT_MS, open_handheld, scan, screenshot
from tests.static.test_planning_flows import _task_of_kind


async def test_put_wall_sort_on_the_handheld(
    live_app: LiveApp, small_demo: Floor, phone: BrowserContext, page_errors: PageErrors, screenshots: Path
) -> None:
    floor, w = small_demo, live_app.warehouse
    ids = [(await floor.orders.intake(w, NewOrder("tmall", f"UI-PW-{sku}", [OrderLine(sku, 1)], w)))[1].order_id
           for sku in ("SKU00012", "SKU00027")]
    page = await open_handheld(phone, live_app, page_errors)
    _repeat, wave = await floor.waves.release(w, ReleaseWave("ui-pw", order_ids=ids, strategy="batch"))
    tour_id, sort_id = wave.tasks

    tour = await _task_of_kind(page, "pick")
    assert tour["task_id"] == tour_id and {s["order_id"] for s in tour["steps"]} == {""}
    for step in tour["steps"]:
        assert await scan(page, step["location"]) == "ok"
        assert await scan(page, step["gtin"]) == "ok"

    task = await _task_of_kind(page, "sort")
    assert task["task_id"] == sort_id
    await expect(page.locator("#step-of")).to_contain_text("播种墙分拣 · Put-wall sort")
    await expect(page.locator("#location-label")).to_contain_text("then its slot")
    assert await scan(page, task["steps"][0]["location"]) == "scan_item_first"
    await expect(page.locator("#feedback")).to_contain_text("Scan a unit from the tote first")
    for n, step in enumerate(task["steps"]):
        assert await scan(page, step["gtin"]) == "put_to_slot"
        slot = step["location"]  # one unit per SKU here: the unit goes to this line's slot
        await expect(page.locator("#feedback")).to_contain_text(f"Put it in slot {slot}")
        await expect(page.locator("#feedback")).to_contain_text(f"放入格口 {slot}")
        if n == 0:
            assert await scan(page, "PW-99") == "wrong_slot"
            await expect(page.locator("#feedback")).to_contain_text(f"Wrong slot — this unit goes in {slot}")
            assert (await floor.orders.get(w, step["order_id"])).picked_units == 0  # nothing changed
            await screenshot(page, screenshots / "handheld-put-wall.png")
        assert await scan(page, slot) == "ok"
        if n == 0:
            await expect(page.locator("#feedback")).to_contain_text("complete — to packing")
    await expect(page.locator("#feedback")).to_contain_text("Sort complete")
    for order in await floor.orders.store.many(w, ids):
        assert order.status == "picked" and order.picked_units == 1, order


async def test_zone_hand_over_on_the_handheld(
    live_app: LiveApp, small_demo: Floor, browser: Browser, phone: BrowserContext, page_errors: PageErrors,
    screenshots: Path,
) -> None:
    """Zone FAST's picker ends the tour told to hand the tote over; zone SLOW's picker (another phone)
    is then shown the tote to scan in first, a location instead is refused, the tote is taken."""
    from tests.handheld_api.test_putwall_socket import _spanning_order

    floor, w = small_demo, live_app.warehouse
    zones = [{"name": "FAST", "first_aisle": 1, "last_aisle": 2}, {"name": "SLOW", "first_aisle": 3, "last_aisle": 4}]
    await floor.client.hset(keys.key(w, "site"), "zones", json.dumps(zones))
    order_id = await _spanning_order(floor, w)
    second = await browser.new_context(**PHONE)
    try:
        fast = await open_handheld(phone, live_app, page_errors, picker=0)
        _repeat, wave = await floor.waves.release(w, ReleaseWave("ui-zh", order_ids=[order_id], strategy="zone"))
        fast_id, slow_id = wave.tasks
        tour = await _task_of_kind(fast, "pick")
        assert tour["task_id"] == fast_id
        slow = await open_handheld(second, live_app, page_errors, picker=1)  # idle: the SLOW tour waits
        tote = tour["handover"][0]["tote"]
        for step in tour["steps"]:
            assert await scan(fast, step["location"]) == "ok"
            for _unit in range(step["quantity"]):
                assert await scan(fast, step["gtin"]) == "ok"
        await expect(fast.locator("#feedback")).to_contain_text(f"Zone done — hand over tote {tote} to zone SLOW")
        await expect(fast.locator("#feedback")).to_contain_text(f"周转箱 {tote} 交给 SLOW 区")

        await slow.wait_for_function("id => (window.handheld.state.task || {}).task_id === id", arg=slow_id,
                                     timeout=TIMEOUT_MS)
        await expect(slow.locator("#location-label")).to_contain_text("First scan the tote handed over from FAST")
        await expect(slow.locator("#location")).to_have_text(tote)
        await screenshot(slow, screenshots / "handheld-zone-hand-over.png")
        task = await slow.evaluate("window.handheld.state.task")
        assert await scan(slow, task["steps"][0]["location"]) == "wrong_kind"
        await expect(slow.locator("#feedback")).to_contain_text(f"Scan the tote handed over from FAST first: {tote}")
        assert await scan(slow, tote) == "tote_received"
        await expect(slow.locator("#feedback")).to_contain_text("Handed-over totes in — start picking")
        await expect(slow.locator("#location")).to_have_text(task["steps"][0]["location"])
        for step in task["steps"]:
            assert await scan(slow, step["location"]) == "ok"
            for _unit in range(step["quantity"]):
                assert await scan(slow, step["gtin"]) == "ok"
        assert (await floor.orders.get(w, order_id)).status == "picked"
    finally:
        await second.close()
