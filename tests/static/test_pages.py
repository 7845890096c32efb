"""The handheld and board pages in headless Chromium against a real server (``live_app``).

Each test drives the pages the way people do (typing into the always-focused scan field as a
keyboard-wedge scanner does, clicking buttons) and checks what the pages show against what the
server's HTTP API says happened.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import BrowserContext, Page, WebSocketRoute, expect

from floor.catalog.model import make_gtin13
from tests.live import LiveApp
from tests.static.conftest import PageErrors

TIMEOUT_MS = 10_000
GREEN = "rgb(23, 128, 58)"  # --ok
RED = "rgb(198, 40, 40)"  # --bad
AMBER = "rgb(245, 180, 0)"
# A valid GTIN-13 of another company prefix: never an item of the demo catalogue.
FOREIGN_GTIN = make_gtin13("400638", 133).zfill(14)


# -- helpers -----------------------------------------------------------------------------------

async def api_get(live_app: LiveApp, path: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=live_app.url, headers=live_app.headers(), timeout=10) as client:
        response = await client.get(path, params={"warehouse": live_app.warehouse})
        response.raise_for_status()
        return dict(response.json())


async def release_wave(live_app: LiveApp, **options: Any) -> dict[str, Any]:
    return await asyncio.to_thread(live_app.release_wave, **options)


async def open_handheld(context: BrowserContext, live_app: LiveApp, errors: PageErrors, picker: int = 0) -> Page:
    page = errors.watch(await context.new_page(), "handheld")
    await page.goto(live_app.url + "/handheld/")
    _picker_id, badge, pin = live_app.pickers[picker]
    await page.fill("#badge", badge)
    await page.fill("#pin", pin)
    await page.click("#login-button")
    await expect(page.locator("body")).to_have_attribute("data-screen", "work", timeout=TIMEOUT_MS)
    await expect(page.locator("body")).to_have_attribute("data-connection", "open", timeout=TIMEOUT_MS)
    return page


async def open_board(context: BrowserContext, live_app: LiveApp, errors: PageErrors,
                     socket_urls: list[str] | None = None) -> Page:
    page = errors.watch(await context.new_page(), "board")
    if socket_urls is not None:
        page.on("websocket", lambda socket: socket_urls.append(socket.url))
    await page.goto(live_app.url + "/board/")
    username, password = live_app.supervisor
    await page.fill("#username", username)
    await page.fill("#password", password)
    await page.click("#login-button")
    await expect(page.locator("body")).to_have_attribute("data-connection", "open", timeout=TIMEOUT_MS)
    await page.wait_for_function("w => window.board.state.warehouse === w && document.body.dataset.lastId !== ''",
                                 arg=live_app.warehouse, timeout=TIMEOUT_MS)
    return page


async def wait_for_task(page: Page, wave_id: str) -> dict[str, Any]:
    await page.wait_for_function(
        "w => { const t = window.handheld.state.task; return t && t.wave_id === w && document.body.dataset.location }",
        arg=wave_id, timeout=TIMEOUT_MS,
    )
    return dict(await page.evaluate("window.handheld.state.task"))


async def type_scan(page: Page, barcode: str) -> str:
    """Type a barcode and Enter into whatever has focus (the scanner does); the new scan's id."""
    before = await page.evaluate("window.handheld.state.log[0]?.id || ''")
    await page.keyboard.type(barcode)
    await page.keyboard.press("Enter")
    # the wedge holds a value a few ms (a split value's second part, a double send: wedge.js)
    await page.wait_for_function("id => (window.handheld.state.log[0]?.id || '') !== id", arg=before, timeout=TIMEOUT_MS)
    return str(await page.evaluate("window.handheld.state.log[0].id"))


async def scan(page: Page, barcode: str) -> str:
    """Scan and wait for its verdict; returns the verdict the page shows for that scan."""
    scan_id = await type_scan(page, barcode)
    entry = page.locator(f'#log li[data-id="{scan_id}"]')
    await expect(entry).not_to_have_attribute("data-status", re.compile("^(queued|sending)$"), timeout=TIMEOUT_MS)
    assert await page.evaluate("id => window.handheld.verdictCount(id)", scan_id) == 1
    return str(await entry.get_attribute("data-status"))


async def until(condition: Any, timeout_s: float = TIMEOUT_MS / 1000) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def screenshot(page: Page, path: Path) -> None:
    """A screenshot once the verdict flash / new-row highlight animations are over."""
    await page.wait_for_function(
        "document.getAnimations().filter(a => a.effect.getTiming().iterations !== Infinity)"
        ".every(a => a.playState === 'finished')", timeout=TIMEOUT_MS)
    await page.screenshot(path=str(path))


async def feedback_colour(page: Page) -> str:
    return str(await page.eval_on_selector("#feedback", "e => getComputedStyle(e).backgroundColor"))


# -- (a) scanning ------------------------------------------------------------------------------

async def test_handheld_login_task_and_verdicts(
    live_app: LiveApp, phone: BrowserContext, page_errors: PageErrors, screenshots: Path
) -> None:
    page = await open_handheld(phone, live_app, page_errors)
    await expect(page.locator("#waiting")).to_be_visible(timeout=TIMEOUT_MS)
    await expect(page.locator("#waiting")).to_have_text("Waiting for work")
    assert await page.evaluate("localStorage.getItem('floor.handheld.session')") is not None  # localStorage: survives a browser restart offline (issue 10)

    wave = await release_wave(live_app, pickers=1, max_orders=5)
    task = await wait_for_task(page, wave["wave_id"])
    assert task["task_id"] in wave["tasks"]
    assert len(task["steps"]) >= 2
    first = task["steps"][0]
    await expect(page.locator("#location")).to_have_text(first["location"])
    await expect(page.locator("body")).to_have_attribute("data-location", first["location"])
    await expect(page.locator("#step-of")).to_have_text(f"Step 1 of {len(task['steps'])}")
    await expect(page.locator("#sku")).to_have_text(first["sku"])
    await expect(page.locator("#gtin")).to_contain_text(first["gtin"])
    await expect(page.locator("#needed")).to_have_text(str(first["quantity"]))
    await expect(page.locator("#tote")).to_have_text(f"Tote {first['tote']}")
    assert await page.evaluate("document.activeElement.id") == "scan"
    location_size = await page.eval_on_selector("#location", "e => parseFloat(getComputedStyle(e).fontSize)")
    assert location_size >= 40, "the location is the biggest thing on the screen"
    await screenshot(page, screenshots / "handheld-task.png")

    # A click anywhere leaves the scan field focused (the scanner types into it).
    await page.click("#task")
    await page.wait_for_function("document.activeElement && document.activeElement.id === 'scan'", timeout=1000)

    assert await scan(page, first["location"]) == "ok"
    assert await feedback_colour(page) == GREEN
    await expect(page.locator("#task")).to_have_attribute("data-state", "at-location")

    assert await scan(page, FOREIGN_GTIN) == "wrong_item"
    assert await feedback_colour(page) == RED
    await expect(page.locator("body")).to_have_attribute("data-verdict", "wrong_item")
    await expect(page.locator("#feedback")).to_contain_text("Wrong item")
    await expect(page.locator("#picked")).to_have_text("0")
    await screenshot(page, screenshots / "handheld-wrong-item.png")

    for unit in range(1, first["quantity"] + 1):
        assert await scan(page, first["gtin"]) == "ok"
        if unit < first["quantity"]:
            await expect(page.locator("#picked")).to_have_text(str(unit))
    # The step is complete: the page moved on to step 2, which wants its location scanned first.
    await expect(page.locator("#step-of")).to_have_text(f"Step 2 of {len(task['steps'])}")
    await expect(page.locator("body")).to_have_attribute("data-step", "1")
    second = task["steps"][1]
    await expect(page.locator("#location")).to_have_text(second["location"])
    assert await scan(page, second["gtin"]) == "scan_location_first"
    assert await feedback_colour(page) == AMBER

    server_task = await api_get(live_app, f"/api/waves/tasks/{task['task_id']}")
    assert server_task["step"] == 1 and server_task["picked"] == 0
    server_wave = await api_get(live_app, f"/api/waves/{wave['wave_id']}")
    assert server_wave["picked_units"] == first["quantity"]
    await expect(page.locator("#outbox")).to_have_text("Queue 0")


# -- (b) short pick → board ----------------------------------------------------------------------

async def test_short_pick_shows_live_on_board_and_acknowledge(
    live_app: LiveApp, phone: BrowserContext, desktop: BrowserContext, page_errors: PageErrors,
    screenshots: Path,
) -> None:
    board = await open_board(desktop, live_app, page_errors)
    await expect(board.locator("[data-exception-id]")).to_have_count(0)
    handheld = await open_handheld(phone, live_app, page_errors)

    wave = await release_wave(live_app, pickers=1, max_orders=5)
    task = await wait_for_task(handheld, wave["wave_id"])
    step = task["steps"][0]
    picker_id = live_app.pickers[0][0]
    # wave_released and task_assigned arrive on the board as events.
    wave_row = board.locator(f'[data-wave-id="{wave["wave_id"]}"]')
    await expect(wave_row).to_have_attribute("data-units", str(wave["units"]), timeout=TIMEOUT_MS)
    await expect(board.locator(f'[data-picker="{picker_id}"]')).to_have_attribute("data-task-id", task["task_id"])

    assert await scan(handheld, step["location"]) == "ok"
    await handheld.click("#short-button")
    await expect(handheld.locator("#short-dialog")).to_be_visible()
    await expect(handheld.locator("#short-found")).to_have_value("0")
    await screenshot(handheld, screenshots / "handheld-short-dialog.png")
    await handheld.click("#short-confirm")
    await expect(handheld.locator("body")).to_have_attribute("data-verdict", "short_pick", timeout=TIMEOUT_MS)
    await expect(handheld.locator("#feedback")).to_contain_text("Short pick recorded")
    answers = await handheld.evaluate("Object.values(window.handheld.state.answers)")
    assert len(answers) == 1 and answers[0]["type"] == "short_pick_recorded"
    exception_id = answers[0]["exception_id"]
    await handheld.wait_for_function("document.activeElement && document.activeElement.id === 'scan'", timeout=1000)

    row = board.locator(f'[data-exception-id="{exception_id}"]')
    await expect(row).to_have_attribute("data-status", "raised", timeout=TIMEOUT_MS)
    await expect(row).to_have_attribute("data-kind", "short_pick")
    await expect(row).to_have_class("exception flash")
    await expect(row.locator(".x-where")).to_contain_text(step["location"])
    await expect(board.locator("#exception-count")).to_have_text("1")
    # counts frames carry the wave's progress and the verdict counts (once a second).
    server_wave = await api_get(live_app, f"/api/waves/{wave['wave_id']}")
    assert server_wave["short_units"] >= 1
    await expect(wave_row).to_have_attribute("data-short", str(server_wave["short_units"]), timeout=TIMEOUT_MS)
    await expect(board.locator('[data-verdict="ok"]')).to_have_attribute("data-count", "1", timeout=TIMEOUT_MS)
    assert await board.evaluate("window.board.chart.points") >= 1
    await screenshot(board, screenshots / "board-short-pick.png")

    # The picker's task route (an SVG from the server) opens from the pickers list.
    await board.locator(f'[data-picker="{picker_id}"] .route-button').click()
    await expect(board.locator("#route-dialog")).to_be_visible()
    await expect(board.locator("#route-image")).to_be_visible(timeout=TIMEOUT_MS)
    await board.wait_for_function("document.querySelector('#route-image').naturalWidth > 0", timeout=TIMEOUT_MS)
    await expect(board.locator("#route-error")).to_have_text("")
    await screenshot(board, screenshots / "board-route.png")
    await board.click("#route-close")
    await expect(board.locator("#route-dialog")).to_be_hidden()

    await row.locator('[data-action="acknowledge"]').click()
    await expect(row).to_have_attribute("data-status", "acknowledged", timeout=TIMEOUT_MS)
    await expect(row.locator('[data-action="acknowledge"]')).to_be_hidden()
    exception = await api_get(live_app, f"/api/exceptions/{exception_id}")
    assert exception["status"] == "acknowledged"
    assert exception["by"] == live_app.supervisor[0]
    # The acknowledged event also reached the board's event log (and its last id moved on).
    await expect(board.locator('#activity li[data-event="exception_acknowledged"]')).to_have_count(1, timeout=TIMEOUT_MS)
    await screenshot(board, screenshots / "board-acknowledged.png")

    await row.locator('[data-action="resolve"]').click()
    await expect(row).to_have_count(0, timeout=TIMEOUT_MS)
    assert (await api_get(live_app, f"/api/exceptions/{exception_id}"))["status"] == "resolved"
    await expect(board.locator("#exception-count")).to_have_text("0")

    # The Problem button: a damaged item at the current step reaches the board too.
    current = await handheld.evaluate("window.handheld.state.task.steps[window.handheld.state.task.step]")
    await handheld.click("#problem-button")
    await expect(handheld.locator("#problem-dialog")).to_be_visible()
    await handheld.fill("#problem-detail", "box crushed")
    await handheld.click('#problem-dialog [data-kind="damaged"]')
    await expect(handheld.locator("body")).to_have_attribute("data-verdict", "report", timeout=TIMEOUT_MS)
    damaged = board.locator('[data-exception-id][data-kind="damaged"]')
    await expect(damaged).to_have_count(1, timeout=TIMEOUT_MS)
    await expect(damaged).to_have_attribute("data-status", "raised")
    await expect(damaged.locator(".x-where")).to_have_text(f"{current['location']} · {current['sku']}")
    await expect(damaged.locator(".x-detail")).to_have_text("box crushed")
    await expect(handheld.locator("#outbox")).to_have_text("Queue 0")


async def test_finishing_the_task_leaves_the_picker_waiting_for_work(
    live_app: LiveApp, phone: BrowserContext, page_errors: PageErrors, screenshots: Path
) -> None:
    page = await open_handheld(phone, live_app, page_errors)
    wave = await release_wave(live_app, pickers=1, max_orders=2)
    task = await wait_for_task(page, wave["wave_id"])
    for index, step in enumerate(task["steps"]):
        await expect(page.locator("body")).to_have_attribute("data-step", str(index))
        assert await scan(page, step["location"]) == "ok"
        for _ in range(step["quantity"]):
            assert await scan(page, step["gtin"]) == "ok"
    await expect(page.locator("#waiting")).to_be_visible(timeout=TIMEOUT_MS)
    await expect(page.locator("body")).to_have_attribute("data-location", "")
    assert await page.evaluate("window.handheld.state.lastVerdict.task_done") is True
    server_wave = await api_get(live_app, f"/api/waves/{wave['wave_id']}")
    assert server_wave["status"] == "completed"
    assert server_wave["picked_units"] == sum(step["quantity"] for step in task["steps"]) == wave["units"]
    await screenshot(page, screenshots / "handheld-waiting.png")


# -- (c) offline queue -----------------------------------------------------------------------------

async def test_scans_made_offline_are_queued_and_replayed_once(
    live_app: LiveApp, phone: BrowserContext, page_errors: PageErrors, screenshots: Path
) -> None:
    page = await open_handheld(phone, live_app, page_errors)
    wave = await release_wave(live_app, pickers=1, max_orders=5)
    task = await wait_for_task(page, wave["wave_id"])
    step = task["steps"][0]
    connections = await page.evaluate("window.handheld.socket.connections")

    await phone.set_offline(True)
    await expect(page.locator("body")).not_to_have_attribute("data-connection", "open", timeout=TIMEOUT_MS)
    location_scan = await type_scan(page, step["location"])
    item_scan = await type_scan(page, step["gtin"])
    await expect(page.locator("body")).to_have_attribute("data-verdict", "queued")
    await expect(page.locator("#feedback")).to_contain_text("Offline — 2 queued")
    await expect(page.locator("#outbox")).to_have_text("Offline — 2 queued")
    await expect(page.locator(f'#log li[data-id="{item_scan}"]')).to_have_attribute("data-status", "queued")
    # The outbox survives a reload: it is in localStorage, ids and all.
    stored = await page.evaluate(
        "Object.keys(localStorage).filter(k => k.startsWith('floor.outbox.'))"
        ".flatMap(k => JSON.parse(localStorage.getItem(k))).map(e => e.id)"
    )
    assert stored == [location_scan, item_scan]
    await screenshot(page, screenshots / "handheld-offline-queued.png")
    # Nothing reached the server.
    server_task = await api_get(live_app, f"/api/waves/tasks/{task['task_id']}")
    assert (server_task["step"], server_task["picked"], server_task["at_location"]) == (0, 0, False)

    await phone.set_offline(False)
    await expect(page.locator("body")).to_have_attribute("data-connection", "open", timeout=TIMEOUT_MS)
    await expect(page.locator("#outbox")).to_have_text("Queue 0", timeout=TIMEOUT_MS)
    assert await page.evaluate("window.handheld.socket.connections") == connections + 1
    for scan_id in (location_scan, item_scan):
        await expect(page.locator(f'#log li[data-id="{scan_id}"]')).to_have_attribute("data-status", "ok")
        assert await page.evaluate("id => window.handheld.verdictCount(id)", scan_id) == 1
    await expect(page.locator("body")).to_have_attribute("data-verdict", "ok")

    # Applied exactly once: one unit picked, not two.
    server_wave = await api_get(live_app, f"/api/waves/{wave['wave_id']}")
    assert server_wave["picked_units"] == 1
    server_task = await api_get(live_app, f"/api/waves/tasks/{task['task_id']}")
    if step["quantity"] > 1:
        assert (server_task["step"], server_task["picked"]) == (0, 1)
        await expect(page.locator("#picked")).to_have_text("1")
    else:
        assert (server_task["step"], server_task["picked"]) == (1, 0)
        await expect(page.locator("body")).to_have_attribute("data-step", "1")

    # Another reconnect re-sends nothing: the outbox is empty and no verdict arrives twice.
    await page.evaluate("window.handheld.socket.reconnect()")
    await expect(page.locator("body")).to_have_attribute("data-connection", "open", timeout=TIMEOUT_MS)
    await page.wait_for_timeout(300)
    assert await page.evaluate("Object.values(window.handheld.state.verdicts)") == [1, 1]
    assert (await api_get(live_app, f"/api/waves/{wave['wave_id']}"))["picked_units"] == 1


async def test_lost_verdict_is_recovered_by_the_watchdog_and_applied_once(
    live_app: LiveApp, phone: BrowserContext, page_errors: PageErrors
) -> None:
    """The scan reaches the server but its verdict is lost on the way back (Wi-Fi drops at the
    wrong moment): the page notices the overdue answer, reconnects, re-sends the scan, and the
    server answers with its first verdict (duplicate) without applying the scan again."""
    page = page_errors.watch(await phone.new_page(), "handheld")
    lost: list[dict[str, Any]] = []
    target: dict[str, str] = {}

    def route(socket: WebSocketRoute) -> None:
        server = socket.connect_to_server()

        def from_server(message: str | bytes) -> None:
            frame = json.loads(message)
            if frame.get("type") == "verdict" and frame.get("barcode") == target.get("gtin") and not lost:
                lost.append(frame)  # dropped in transit
                return
            socket.send(message)

        socket.on_message(lambda message: server.send(message))
        server.on_message(from_server)

    await page.route_web_socket(re.compile(r".*/ws/handheld.*"), route)
    await page.goto(live_app.url + "/handheld/")
    await page.fill("#badge", live_app.pickers[0][1])
    await page.fill("#pin", live_app.pickers[0][2])
    await page.click("#login-button")
    await expect(page.locator("body")).to_have_attribute("data-connection", "open", timeout=TIMEOUT_MS)
    await page.evaluate("window.handheld.config.overdueMs = 1500")

    wave = await release_wave(live_app, pickers=1, max_orders=5)
    task = await wait_for_task(page, wave["wave_id"])
    step = task["steps"][0]
    target["gtin"] = step["gtin"]
    assert await scan(page, step["location"]) == "ok"
    connections = await page.evaluate("window.handheld.socket.connections")

    item_scan = await type_scan(page, step["gtin"])
    await expect(page.locator(f'#log li[data-id="{item_scan}"]')).to_have_attribute("data-status", "sending")
    await expect(page.locator("#outbox")).to_have_text("Queue 1")
    # The server applied it (its verdict was lost, not the scan).
    await until(lambda: bool(lost))
    assert len(lost) == 1 and lost[0]["scan_id"] == item_scan and lost[0]["verdict"] == "ok"
    assert (await api_get(live_app, f"/api/waves/{wave['wave_id']}"))["picked_units"] == 1

    # The watchdog reconnects, re-sends, and the repeat's verdict arrives once.
    await expect(page.locator(f'#log li[data-id="{item_scan}"]')).to_have_attribute("data-status", "ok", timeout=TIMEOUT_MS)
    await expect(page.locator("#outbox")).to_have_text("Queue 0")
    assert await page.evaluate("window.handheld.socket.connections") == connections + 1
    assert await page.evaluate("id => window.handheld.verdictCount(id)", item_scan) == 1
    assert await page.evaluate("window.handheld.state.lastVerdict.duplicate") is True
    await expect(page.locator("#feedback")).to_contain_text("(replayed)")
    assert (await api_get(live_app, f"/api/waves/{wave['wave_id']}"))["picked_units"] == 1
    if step["quantity"] > 1:
        await expect(page.locator("#picked")).to_have_text("1")


async def test_board_catches_up_with_last_id_after_a_disconnect(
    live_app: LiveApp, desktop: BrowserContext, page_errors: PageErrors
) -> None:
    urls: list[str] = []
    board = await open_board(desktop, live_app, page_errors, socket_urls=urls)
    assert len(urls) == 1 and "last_id" not in urls[0]
    assert "ticket=" in urls[0] and "token=" not in urls[0]  # the token never travels in a URL
    seen = str(await board.get_attribute("body", "data-last-id"))
    assert await board.evaluate("id => sessionStorage.getItem(id)", f"floor.board.lastId.{live_app.warehouse}") == seen

    await desktop.set_offline(True)
    await expect(board.locator("body")).not_to_have_attribute("data-connection", "open", timeout=TIMEOUT_MS)
    # Meanwhile on the floor: two problems raised, the first acknowledged.
    async with httpx.AsyncClient(base_url=live_app.url, headers=live_app.headers(), timeout=10) as client:
        ids = {}
        for reference, location in (("x-gap-1", "A01-C02"), ("x-gap-2", "A02-C03")):
            response = await client.post("/api/exceptions", json={
                "exception_id": reference, "kind": "blocked_location", "detail": "pallet in the aisle",
                "location": f"{live_app.warehouse}-{location}", "warehouse": live_app.warehouse})
            assert response.status_code == 200, response.text
            ids[reference] = response.json()["exception_id"]
        response = await client.post(f"/api/exceptions/{ids['x-gap-1']}/acknowledge", params={"warehouse": live_app.warehouse},
                                     json={"command_id": "ack-gap-1", "note": "forklift on its way"})
        assert response.status_code == 200, response.text
    await board.wait_for_timeout(200)
    await expect(board.locator("[data-exception-id]")).to_have_count(0)

    await desktop.set_offline(False)
    await expect(board.locator("body")).to_have_attribute("data-connection", "open", timeout=TIMEOUT_MS)
    assert len(urls) >= 2 and f"last_id={seen}" in urls[-1]
    assert len({url.split("ticket=")[1].split("&")[0] for url in urls}) == len(urls)  # a fresh ticket each time
    await expect(board.locator(f'[data-exception-id="{ids["x-gap-1"]}"]')).to_have_attribute(
        "data-status", "acknowledged", timeout=TIMEOUT_MS)
    await expect(board.locator(f'[data-exception-id="{ids["x-gap-2"]}"]')).to_have_attribute("data-status", "raised")
    await expect(board.locator("[data-exception-id]")).to_have_count(2)
    await expect(board.locator('#activity li[data-event="exception_raised"]')).to_have_count(2)
    # Newest first.
    assert await board.eval_on_selector_all("[data-exception-id]", "rows => rows.map(r => r.dataset.exceptionId)") == [ids["x-gap-2"], ids["x-gap-1"]]
    last = str(await board.get_attribute("body", "data-last-id"))
    assert last != seen
    assert await board.evaluate("id => sessionStorage.getItem(id)", f"floor.board.lastId.{live_app.warehouse}") == last
