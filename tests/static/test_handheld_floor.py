"""Issue 10 in Chromium against a real server: login in each language, a cluster task with tote
binding, tote scans and a wrong tote, a FEFO lot substitution, a repeated serial, a wedge double
send, and the offline path (service worker app shell, reload with no network, 5 scans queued,
back online: each applied exactly once). FLOOR_SCREENSHOTS=docs/screenshots keeps the shots the
docs show."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from playwright.async_api import Browser, BrowserContext, Page, WebSocketRoute, expect

from floor.catalog.barcodes import Barcode
from floor.floor import Floor
from floor.orders.model import NewOrder, OrderLine
from floor.store import keys
from tests.live import LiveApp
from tests.static.conftest import PHONE, PageErrors
from tests.static.test_pages import (
    TIMEOUT_MS,
    api_get,
    open_handheld,
    release_wave,
    scan,
    screenshot,
    type_scan,
    wait_for_task,
)


@pytest.fixture
async def phone_zh(browser: Browser) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(**PHONE, locale="zh-CN")
    yield context
    await context.close()


async def submit(page: Page, barcode: str) -> dict[str, Any]:
    """Scan through the page's own path (for GS1 strings with a GS, which a keyboard cannot type);
    the verdict frame once it arrived."""
    scan_id = await page.evaluate("b => window.handheld.submit(b)", barcode)
    await page.wait_for_function("id => window.handheld.verdictCount(id) > 0", arg=scan_id, timeout=TIMEOUT_MS)
    return dict(await page.evaluate("window.handheld.state.lastVerdict"))


async def order_wave(live_app: LiveApp, floor: Floor, lines: list[tuple[str, int]]) -> dict[str, Any]:
    """A one-task wave of orders with exactly these lines (one order per line)."""
    ids = []
    for n, (sku, quantity) in enumerate(lines):
        _, order = await floor.orders.intake(live_app.warehouse, NewOrder(
            "manual", f"{live_app.warehouse}-{sku}-{n}", [OrderLine(sku, quantity)], live_app.warehouse))
        ids.append(order.order_id)
    return await release_wave(live_app, pickers=1, max_orders=len(ids), order_ids=ids)


async def test_login_in_each_language_and_switch(
    live_app: LiveApp, phone_zh: BrowserContext, page_errors: PageErrors, screenshots: Path
) -> None:
    page = page_errors.watch(await phone_zh.new_page(), "handheld-zh")
    await page.goto(live_app.url + "/handheld/")
    await expect(page.locator("#login-screen h1")).to_have_text("拣货员登录")
    await expect(page.locator("#login-button")).to_have_text("登录")
    await page.fill("#badge", live_app.pickers[0][1])
    await screenshot(page, screenshots / "handheld-login-zh.png")
    await page.fill("#pin", live_app.pickers[0][2])
    await page.click("#login-button")
    await expect(page.locator("body")).to_have_attribute("data-connection", "open", timeout=TIMEOUT_MS)
    await expect(page.locator("#waiting")).to_have_text("等待任务")
    await expect(page.locator("#connection-text")).to_have_text("在线")
    wave = await release_wave(live_app, pickers=1, max_orders=3)
    task = await wait_for_task(page, wave["wave_id"])
    await expect(page.locator("#step-of")).to_have_text(f"第 1 步，共 {len(task['steps'])} 步")
    assert await scan(page, task["steps"][0]["gtin"]) == "scan_location_first"
    await expect(page.locator("#feedback")).to_have_text(f"请先扫库位 {task['steps'][0]['location']}")
    await screenshot(page, screenshots / "handheld-task-zh.png")
    await phone_zh.set_offline(True)
    await expect(page.locator("#connection-text")).to_have_text("离线", timeout=TIMEOUT_MS)
    await type_scan(page, task["steps"][0]["location"])
    await expect(page.locator("#outbox")).to_have_text("离线 — 1 条待发")
    await screenshot(page, screenshots / "handheld-offline-zh.png")
    await phone_zh.set_offline(False)
    await expect(page.locator("#outbox")).to_have_text("待发 0", timeout=20_000)
    await page.click("#lang")  # switch: every string at once, and kept for the next visit
    await expect(page.locator("#step-of")).to_have_text(f"Step 1 of {len(task['steps'])}")
    await expect(page.locator("#short-button")).to_have_text("Short pick")
    assert await page.evaluate("localStorage.getItem('floor.lang')") == "en"
    await screenshot(page, screenshots / "handheld-task-en.png")


async def test_cluster_task_with_totes_and_a_wrong_tote(
    live_app: LiveApp, small_demo: Floor, phone: BrowserContext, page_errors: PageErrors, screenshots: Path
) -> None:
    await small_demo.picking.store.set_tote_scan(live_app.warehouse, True)
    page = await open_handheld(phone, live_app, page_errors)
    wave = await release_wave(live_app, pickers=1, max_orders=2)
    task = await wait_for_task(page, wave["wave_id"])
    positions = sorted({step["tote"] for step in task["steps"]})
    assert len(positions) >= 2
    await expect(page.locator("#feedback")).to_have_text(f"Scan an empty tote for cart position {positions[0]} (red)")
    assert await scan(page, task["steps"][0]["location"]) == "wrong_kind"  # totes first
    await expect(page.locator("#feedback")).to_contain_text(f"cart position {positions[0]}")
    labels = {position: f"TOTE-{wave['wave_id'][-4:].upper()}{position}" for position in positions}
    for position in positions:
        assert await scan(page, labels[position]) == "tote_bound"
        if position == positions[0]:
            assert await scan(page, labels[position]) == "tote_in_use"  # already on this cart
            await page.reload()  # the binding so far comes back from the server
            await expect(page.locator("body")).to_have_attribute("data-binding", str(positions[1]), timeout=TIMEOUT_MS)
    units = 0
    for index, step in enumerate(task["steps"]):
        assert await scan(page, step["location"]) == "ok"
        for unit in range(step["quantity"]):
            assert await scan(page, step["gtin"]) == "ok"
            units += 1
            await expect(page.locator("body")).to_have_attribute("data-await-tote", str(step["tote"]))
            if index == 0 and unit == 0:
                wrong = next(p for p in positions if p != step["tote"])
                assert await scan(page, labels[wrong]) == "wrong_tote"
                colour = ["red", "blue", "green", "yellow", "purple", "orange", "black", "white"][(step["tote"] - 1) % 8]
                await expect(page.locator("#feedback")).to_have_text(
                    f"Wrong tote — put it in tote {step['tote']} ({colour})")
                await expect(page.locator("#tote")).to_have_text(f"Tote {step['tote']} · {colour}")
                await screenshot(page, screenshots / "handheld-wrong-tote-en.png")
            assert await scan(page, labels[step["tote"]]) == "ok"
    await expect(page.locator("#waiting")).to_be_visible(timeout=TIMEOUT_MS)
    server = await api_get(live_app, f"/api/waves/{wave['wave_id']}")
    assert (server["status"], server["picked_units"]) == ("completed", units)


async def test_fefo_substitution_repeated_serial_and_a_wedge_double_send(
    live_app: LiveApp, small_demo: Floor, phone: BrowserContext, page_errors: PageErrors, screenshots: Path
) -> None:
    w = live_app.warehouse
    wave = await order_wave(live_app, small_demo, [("SKU00021", 2), ("SKU00022", 2)])
    task = await small_demo.picking.task(w, wave["tasks"][0])
    lotted = next(s for s in task.steps if s.sku == "SKU00021")
    serial = next(s for s in task.steps if s.sku == "SKU00022")
    client = small_demo.client
    await client.hset(keys.key(w, "sku_attrs", lotted.sku), "lot_controlled", "1")
    await client.hset(keys.key(w, "sku_attrs", serial.sku), "serial_controlled", "1")
    await client.hset(keys.key(w, "sku_lots", lotted.sku), mapping={f"{lotted.location}|OLD": 5, f"{lotted.location}|NEW": 9})
    await client.hset(keys.key(w, "lot_expiry", lotted.sku), mapping={"OLD": "2031-01-31", "NEW": "2032-01-31"})
    index = task.steps.index(lotted)
    await client.lset(keys.key(w, "steps", task.task_id), index, msgspec.json.encode(msgspec.structs.replace(lotted, lot="NEW")))
    page = await open_handheld(phone, live_app, page_errors)
    await wait_for_task(page, wave["wave_id"])
    for step in (await small_demo.picking.task(w, task.task_id)).steps:
        before = await page.evaluate("window.handheld.state.log.length")
        # the scanner sends the location twice within a few ms (as a wedge types: value, then Enter): one scan
        await page.evaluate("""code => { const field = document.querySelector('#scan');
            for (const n of [1, 2]) { field.value = code;
              field.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true})); } }""", step.location)
        await expect(page.locator("body")).to_have_attribute("data-verdict", "ok", timeout=TIMEOUT_MS)
        await asyncio.sleep(0.2)
        assert await page.evaluate("window.handheld.state.log.length") == before + 1
        assert await page.evaluate("window.handheld.wedge.dropped") >= 1
        if step.sku == lotted.sku:
            sub = await submit(page, "]C1" + Barcode(lotted.gtin, lot="OLD").element_string())
            assert (sub["verdict"], sub["substituted"], sub["lot"]) == ("ok", "NEW", "OLD")
            await expect(page.locator("#feedback")).to_contain_text("lot OLD replaces NEW")
            await expect(page.locator("#gtin")).to_contain_text("OLD")
            await screenshot(page, screenshots / "handheld-fefo-en.png")
            assert (await submit(page, Barcode(lotted.gtin, lot="NEW").element_string()))["verdict"] == "wrong_lot"
            assert (await submit(page, Barcode(lotted.gtin, lot="OLD").element_string()))["verdict"] == "ok"
        else:
            assert (await submit(page, "]d2" + Barcode(serial.gtin, serial="SN-1").element_string()))["verdict"] == "ok"
            repeated = await submit(page, "]d2" + Barcode(serial.gtin, serial="SN-1").element_string())
            assert repeated["verdict"] == "repeated_serial"
            await expect(page.locator("#feedback")).to_have_text("Serial SN-1 already picked — take another unit")
            assert (await submit(page, Barcode(serial.gtin, serial="SN-2").element_string()))["verdict"] == "ok"
    rows = await small_demo.picking.store.order_serials(w, serial.order_id)
    assert [row["serial"] for row in rows] == ["SN-1", "SN-2"]
    server = await api_get(live_app, f"/api/waves/{wave['wave_id']}")
    assert server["picked_units"] == 4


async def test_offline_reload_five_scans_and_back_online(
    live_app: LiveApp, browser: Browser, phone: BrowserContext, page_errors: PageErrors, screenshots: Path
) -> None:
    page = await open_handheld(phone, live_app, page_errors)
    await page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=TIMEOUT_MS)
    wave = await release_wave(live_app, pickers=1, max_orders=4)
    task = await wait_for_task(page, wave["wave_id"])
    plan: list[str] = []
    for step in task["steps"]:
        plan += [step["location"]] + [step["gtin"]] * step["quantity"]
    plan = plan[:5]
    items = sum(1 for code in plan if not code.startswith(live_app.warehouse + "-"))

    await phone.set_offline(True)
    await expect(page.locator("body")).not_to_have_attribute("data-connection", "open", timeout=TIMEOUT_MS)
    await page.reload()  # no network: the service worker serves the app shell
    await expect(page.locator("body")).to_have_attribute("data-screen", "work", timeout=TIMEOUT_MS)
    assert await page.evaluate("fetch('/api/auth/ticket', {method: 'POST'}).then(() => 'up', () => 'down')") == "down"
    await expect(page.locator("#location")).to_have_text(task["steps"][0]["location"])  # the task, from the cache
    ids = []
    for n, code in enumerate(plan):
        if n and code == plan[n - 1]:
            await asyncio.sleep(0.1)  # a picker scans the same item again, not a double send
        ids.append(await type_scan(page, code))
    await expect(page.locator("#outbox")).to_have_text("Offline — 5 queued")
    await screenshot(page, screenshots / "handheld-offline-en.png")
    server = await api_get(live_app, f"/api/waves/{wave['wave_id']}")
    assert server["picked_units"] == 0

    await page.reload()  # still offline: the queue survives the reload
    await expect(page.locator("#outbox")).to_have_text("Offline — 5 queued", timeout=TIMEOUT_MS)

    # The browser is closed and started again (its storage kept), now with the network back.
    storage = await phone.storage_state()
    await page.close()
    restarted = await browser.new_context(**PHONE, storage_state=storage)
    try:
        page = page_errors.watch(await restarted.new_page(), "handheld-restarted")
        await page.goto(live_app.url + "/handheld/")
        await expect(page.locator("body")).to_have_attribute("data-connection", "open", timeout=20_000)
        await expect(page.locator("#outbox")).to_have_text("Queue 0", timeout=TIMEOUT_MS)
        await check_applied_once(page, live_app, wave, ids, items)
    finally:
        await restarted.close()


async def check_applied_once(page: Page, live_app: LiveApp, wave: dict[str, Any], ids: list[str], items: int) -> None:
    for scan_id in ids:
        await expect(page.locator(f'#log li[data-id="{scan_id}"]')).to_have_attribute("data-status", "ok")
        assert await page.evaluate("id => window.handheld.verdictCount(id)", scan_id) == 1
    server = await api_get(live_app, f"/api/waves/{wave['wave_id']}")
    assert server["picked_units"] == items  # each applied exactly once


async def test_poison_frames_never_cause_a_reconnect_loop(
    live_app: LiveApp, phone: BrowserContext, page_errors: PageErrors
) -> None:
    page = page_errors.watch(await phone.new_page(), "handheld")
    poison = ["}{", '{"type": "verdict"}', '{"type": "task", "task": {"steps": "nope", "step": "x"}}',
              '{"type": "verdict", "scan_id": 5, "verdict": null, "expected": 7}', '[1, 2]', '{"type": "error"}']

    def route(socket: WebSocketRoute) -> None:
        server = socket.connect_to_server()

        def from_server(message: str | bytes) -> None:
            socket.send(message)
            if '"welcome"' in str(message):
                for frame in poison:
                    socket.send(frame)

        socket.on_message(lambda message: server.send(message))
        server.on_message(from_server)

    await page.route_web_socket(re.compile(r".*/ws/handheld.*"), route)
    await page.goto(live_app.url + "/handheld/")
    await page.fill("#badge", live_app.pickers[0][1])
    await page.fill("#pin", live_app.pickers[0][2])
    await page.click("#login-button")
    await expect(page.locator("body")).to_have_attribute("data-connection", "open", timeout=TIMEOUT_MS)
    wave = await release_wave(live_app, pickers=1, max_orders=2)
    task = await wait_for_task(page, wave["wave_id"])
    await asyncio.sleep(1.0)
    assert await page.evaluate("window.handheld.socket.connections") == 1  # no reconnect
    assert await scan(page, task["steps"][0]["location"]) == "ok"  # and the page still works


async def test_a_supervisor_taking_the_task_back_is_shown_at_once(
    live_app: LiveApp, phone: BrowserContext, page_errors: PageErrors
) -> None:
    page = await open_handheld(phone, live_app, page_errors)
    wave = await release_wave(live_app, pickers=1, max_orders=2)
    task = await wait_for_task(page, wave["wave_id"])
    async with httpx.AsyncClient(base_url=live_app.url, headers=live_app.headers(), timeout=10) as client:
        response = await client.post(f"/api/waves/tasks/{task['task_id']}/reassign",
                                     params={"warehouse": live_app.warehouse}, json={"command_id": "back-1", "picker": ""})
        assert response.status_code == 200, response.text
    await expect(page.locator("#change")).to_have_text("Your task was taken back by the supervisor", timeout=TIMEOUT_MS)
    await expect(page.locator("body")).to_have_attribute("data-verdict", "changed")
