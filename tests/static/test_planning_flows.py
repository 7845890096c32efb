"""Handheld flows in Chromium for the task kinds of issue 9: a putaway, a replenishment and a blind
count, scanned on the real page (kinds.js wording, zh-CN + English) against a running server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import BrowserContext, Page, expect

from tests.live import LiveApp
from tests.static.conftest import PageErrors
from tests.static.test_pages import TIMEOUT_MS, open_handheld, scan, screenshot

SKU = "SKU00018"


def _post(app: LiveApp, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{app.url}{path}", json={**body, "warehouse": app.warehouse}, headers=app.headers(),
                          timeout=10)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _get(app: LiveApp, path: str) -> dict[str, Any]:
    response = httpx.get(f"{app.url}{path}", params={"warehouse": app.warehouse}, headers=app.headers(), timeout=10)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _task_of_kind(page: Page, kind: str) -> dict[str, Any]:
    await page.wait_for_function("k => { const t = window.handheld.state.task; return t && t.kind === k }",
                                 arg=kind, timeout=TIMEOUT_MS)
    await expect(page.locator("body")).to_have_attribute("data-kind", kind, timeout=TIMEOUT_MS)
    return dict(await page.evaluate("window.handheld.state.task"))


async def test_putaway_then_replenishment_on_the_handheld(
    live_app: LiveApp, phone: BrowserContext, page_errors: PageErrors, screenshots: Path
) -> None:
    stock = _get(live_app, f"/api/planning/stock/{SKU}")
    face = next(iter(stock["pick_faces"]))
    reserve = f"{live_app.warehouse}-R03-01"
    top = stock["pick_faces"][face] + 3
    _post(live_app, "/api/planning/locations", {"location": face, "min_units": 1, "max_units": top, "capacity": top})
    _post(live_app, "/api/planning/locations", {"location": reserve, "kind": "reserve", "capacity": 50, "aisle": 1})
    page = await open_handheld(phone, live_app, page_errors)
    _post(live_app, "/api/planning/receipts", {"command_id": "ui-r1", "sku": SKU, "quantity": 4, "location": reserve})

    task = await _task_of_kind(page, "putaway")
    await expect(page.locator("#step-of")).to_contain_text("上架 · Put away")
    await expect(page.locator("#location-label")).to_contain_text("Put to")
    await expect(page.locator("#location")).to_have_text(reserve)
    step = task["steps"][0]
    assert await scan(page, reserve) == "ok"
    await expect(page.locator("#feedback")).to_contain_text("Location OK")
    for _ in range(4):
        assert await scan(page, step["gtin"]) == "ok"
    await expect(page.locator("#feedback")).to_contain_text("Put away complete")
    assert _get(live_app, f"/api/planning/stock/{SKU}")["reserve_locations"] == {reserve: 4}

    _post(live_app, "/api/planning/replenishments", {"sku": SKU, "location": face, "urgent": True})
    task = await _task_of_kind(page, "replenish")
    await expect(page.locator("#step-of")).to_contain_text("补货 · Replenish")
    await expect(page.locator("#location-label")).to_contain_text("Take from")
    await screenshot(page, screenshots / "handheld-replenish.png")
    assert await scan(page, face) == "wrong_location"
    assert await scan(page, reserve) == "ok"
    for _ in range(3):
        assert await scan(page, step["gtin"]) == "ok"
    await expect(page.locator("#location-label")).to_contain_text("Put to")
    await expect(page.locator("#location")).to_have_text(face)
    assert await scan(page, face) == "ok"
    for _ in range(3):
        assert await scan(page, step["gtin"]) == "ok"
    await expect(page.locator("#feedback")).to_contain_text("Replenish complete")
    after = _get(live_app, f"/api/planning/stock/{SKU}")
    assert after["pick_faces"][face] == top and after["reserve_locations"] == {reserve: 1} and after["carried"] == 0
    assert task["kind"] == "replenish"


async def test_blind_count_on_the_handheld(live_app: LiveApp, phone: BrowserContext, page_errors: PageErrors) -> None:
    stock = _get(live_app, f"/api/planning/stock/{SKU}")
    face = next(iter(stock["pick_faces"]))
    units = stock["pick_faces"][face]
    page = await open_handheld(phone, live_app, page_errors)
    count = _post(live_app, "/api/counts", {"command_id": "ui-c1", "location": face, "tolerance_units": 0})
    task = await _task_of_kind(page, "count")
    assert task["task_id"] == count["count_id"] and task["steps"][0]["quantity"] == 0
    await expect(page.locator("#step-of")).to_contain_text("盘点 · Count")
    await expect(page.locator("#needed")).to_have_text("?")  # blind: the expected figure is never shown
    assert await scan(page, face) == "ok"
    await expect(page.locator("#feedback")).to_contain_text("count the items")
    for _ in range(2):
        assert await scan(page, _catalog_gtin()) == "ok"
    await expect(page.locator("#feedback")).to_contain_text("Counted")
    await expect(page.locator("#picked")).to_have_text("–")  # still blind
    assert await scan(page, face) == "ok"
    await expect(page.locator("#feedback")).to_contain_text("Count complete")
    held = _get(live_app, f"/api/counts/{count['count_id']}")
    assert held["status"] == "pending" and held["variances"][0]["delta"] == 2 - units
    decided = _post(live_app, f"/api/counts/{count['count_id']}/decision", {"decision": "reject", "note": "recount"})
    assert decided["status"] == "rejected"
    assert _get(live_app, f"/api/planning/stock/{SKU}")["pick_faces"][face] == units


def _catalog_gtin() -> str:
    from floor.catalog.model import make_gtin13

    return make_gtin13("690123", int(SKU[3:])).zfill(14)


async def test_a_held_count_is_approved_on_the_board(
    live_app: LiveApp, small_demo: Any, desktop: BrowserContext, page_errors: PageErrors, screenshots: Path
) -> None:
    from tests.floor.planning.helpers import present
    from tests.floor.planning.helpers import scan as scan_in_process
    from tests.static.test_pages import open_board

    floor, w, picker = small_demo, live_app.warehouse, live_app.pickers[1][0]
    stock = _get(live_app, f"/api/planning/stock/{SKU}")
    face = next(iter(stock["pick_faces"]))
    board = await open_board(desktop, live_app, page_errors)
    count = _post(live_app, "/api/counts", {"command_id": "ui-c2", "location": face, "tolerance_units": 0})
    assert await present(floor, w, picker) == count["count_id"]
    await scan_in_process(floor, w, picker, count["count_id"], face)
    await scan_in_process(floor, w, picker, count["count_id"], _catalog_gtin(), stock["pick_faces"][face] + 1)
    await scan_in_process(floor, w, picker, count["count_id"], face)  # one unit more than recorded: held
    row = board.locator('article.exception[data-kind="count_variance"]')
    await expect(row).to_have_count(1, timeout=TIMEOUT_MS)
    await expect(row.locator('[data-action="approve-count"]')).to_contain_text("Approve count")
    await screenshot(board, screenshots / "board-count-variance.png")
    await row.locator('[data-action="approve-count"]').click()
    await expect(row).to_have_count(0, timeout=TIMEOUT_MS)  # the decision resolved the exception
    assert _get(live_app, f"/api/counts/{count['count_id']}")["status"] == "approved"
    assert _get(live_app, f"/api/planning/stock/{SKU}")["pick_faces"][face] == stock["pick_faces"][face] + 1
