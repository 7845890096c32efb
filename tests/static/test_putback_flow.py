"""A put-back on the handheld in Chromium (issue 7): an order cancelled after one of its units was
picked reaches the picker's page as a `putback` task; the picker scans the bin first (told to scan
the unit), the unit, a wrong bin, then the right bin, and the task completes. kinds.js wording,
zh-CN + English."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import BrowserContext, expect

from floor.floor import Floor
from floor.orders.model import NewOrder, OrderLine
from floor.store import keys
from floor.waves.model import ReleaseWave
from tests.live import LiveApp
from tests.static.conftest import PageErrors
from tests.static.test_pages import open_handheld, scan, screenshot
from tests.static.test_planning_flows import _task_of_kind


async def test_put_back_on_the_handheld(
    live_app: LiveApp, small_demo: Floor, phone: BrowserContext, page_errors: PageErrors, screenshots: Path
) -> None:
    floor, w = small_demo, live_app.warehouse

    page = await open_handheld(phone, live_app, page_errors)
    _r, order = await floor.orders.intake(w, NewOrder("tmall", "UI-PB-1", [OrderLine("SKU00005", 1)], w))
    await floor.waves.release(w, ReleaseWave("wv-ui-pb", pickers=1, order_ids=[order.order_id], warehouse=w,
                                             planner="serpentine"))
    pick = await _task_of_kind(page, "pick")
    step = pick["steps"][0]
    assert await scan(page, step["location"]) == "ok"
    assert await scan(page, step["gtin"]) == "ok"
    on_hand = int(await floor.client.hget(keys.key(w, "sku", "SKU00005"), "on_hand"))
    assert await floor.life.cancel_on_floor(w, order.order_id, "cancelled on the platform") == "put_back"

    task = await _task_of_kind(page, "putback")
    assert task["steps"][0]["location"] == step["location"] and task["steps"][0]["quantity"] == 1
    await expect(page.locator("#step-of")).to_contain_text("取消回库 · Put back")
    await expect(page.locator("#location-label")).to_contain_text("Scan the unit to put back")
    assert await scan(page, step["location"]) == "wrong_kind"
    await expect(page.locator("#feedback")).to_contain_text("Scan the unit first, then its bin")
    assert await scan(page, step["gtin"]) == "ok"
    await expect(page.locator("#feedback")).to_contain_text("scan the bin")
    wrong = f"{w}-A04-C10" if step["location"] != f"{w}-A04-C10" else f"{w}-A04-C09"
    assert await scan(page, wrong) == "wrong_location"
    await expect(page.locator("#feedback")).to_contain_text("库位错误")
    assert await scan(page, step["location"]) == "ok"
    await expect(page.locator("#feedback")).to_contain_text("all units are back")
    await screenshot(page, screenshots / "handheld-putback.png")
    assert int(await floor.client.hget(keys.key(w, "sku", "SKU00005"), "on_hand")) == on_hand + 1
    assert await floor.client.hget(keys.key(w, "task", task["task_id"]), "status") == "completed"



async def test_a_packed_put_back_says_where_the_units_are(
    live_app: LiveApp, small_demo: Floor, phone: BrowserContext, page_errors: PageErrors, screenshots: Path
) -> None:
    """A packed order cancelled (its parcel voided): the put-back task tells the worker to collect the
    packed units at the pack station first; the bins are the same."""
    floor, w = small_demo, live_app.warehouse
    page = await open_handheld(phone, live_app, page_errors)
    _r, order = await floor.orders.intake(w, NewOrder("tmall", "UI-PB-2", [OrderLine("SKU00006", 1)], w))
    await floor.waves.release(w, ReleaseWave("wv-ui-pb2", pickers=1, order_ids=[order.order_id], warehouse=w,
                                             planner="serpentine"))
    pick = await _task_of_kind(page, "pick")
    step = pick["steps"][0]
    assert await scan(page, step["location"]) == "ok"
    assert await scan(page, step["gtin"]) == "ok"
    await floor.shipping.start_pack(w, order.order_id, "PACK-7")
    assert (await floor.shipping.scan(w, order.order_id, "SKU00006"))[0] == "ok"
    assert await floor.life.cancel_on_floor(w, order.order_id, "cancelled on the platform") == "put_back"

    task = await _task_of_kind(page, "putback")
    assert (task["source"], task["station"]) == ("pack", "PACK-7")
    await expect(page.locator("#location-label")).to_contain_text("Collect the packed units at pack station PACK-7")
    await expect(page.locator("#location-label")).to_contain_text("到打包台 PACK-7")
    await expect(page.locator("#tote")).to_contain_text("Station PACK-7")
    await screenshot(page, screenshots / "handheld-putback-packed.png")
    assert await scan(page, step["gtin"]) == "ok"
    assert await scan(page, step["location"]) == "ok"
    await expect(page.locator("#feedback")).to_contain_text("all units are back")
