"""The pack station page in headless Chromium against a real server, a real RQ worker and a loopback
printer: scan the order, a wrong item is refused, scan every unit, weigh, close -> the label prints
with no further click and its PNG (rendered from the ZPL) shows on the page. zh-CN and English."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from playwright.async_api import BrowserContext, expect

from floor.floor import Floor
from floor.jobs import labels as jobs
from floor.orders.model import NewOrder, OrderLine
from floor.shipping.model import Printer, ShipTo
from tests.floor.shipping.test_printing import LoopbackPrinter
from tests.live import LiveApp
from tests.redis_server import RedisServer
from tests.static.conftest import PageErrors

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_MS = 15_000


async def test_pack_flow_prints_on_the_last_box(desktop: BrowserContext, live_app: LiveApp, small_demo: Floor,
                                                redis_server: RedisServer, page_errors: PageErrors) -> None:
    floor, w = small_demo, live_app.warehouse
    printer = LoopbackPrinter()
    await printer.start()
    try:
        await floor.shipping.store.add_range(w, "DHL", 7_000_000_000, 7_000_000_099)
        await floor.shipping.store.set_printer(w, Printer("PACK-7", "127.0.0.1", printer.port))
        _r, order = await floor.orders.intake(w, NewOrder(channel="tmall", external_id="PAGE-1", warehouse=w,
                                                          lines=[OrderLine(sku="SKU00005", quantity=2)]))
        await floor.shipping.prepare(w, order.order_id, ShipTo(name="Chan Tai Man 陈大文", phone="+852 9123 4567",
                                                               province="", city="Hong Kong", country="HK",
                                                               address="1 Queen's Road Central"))
        weight = (await floor.shipping.store.sku_facts(w, ["SKU00005"]))["SKU00005"].weight_g * 2

        page = page_errors.watch(await desktop.new_page(), "pack")
        await page.goto(live_app.url + "/pack/?lang=zh")
        await expect(page.locator("h1")).to_have_text("打包台")
        _picker, badge, pin = live_app.pickers[0]
        await page.fill("#badge", badge)
        await page.fill("#pin", pin)
        await page.fill("#station", "PACK-7")
        await page.click("#login-button")
        await page.fill("#order", order.order_id)
        await page.press("#order", "Enter")
        await expect(page.locator("#lines tr")).to_have_count(1, timeout=TIMEOUT_MS)
        await page.fill("#scan", "SKU00001")  # not in the order
        await page.press("#scan", "Enter")
        await expect(page.locator("#verdict")).to_have_attribute("data-verdict", "wrong_item", timeout=TIMEOUT_MS)
        await expect(page.locator("#verdict")).to_have_text("错货：不属于此订单")
        for _ in range(2):
            await page.fill("#scan", "SKU00005")
            await page.press("#scan", "Enter")
            await expect(page.locator("#verdict")).to_have_attribute("data-verdict", "ok", timeout=TIMEOUT_MS)
        await expect(page.locator("#lines tr")).to_have_attribute("data-done", "true")
        await page.fill("#weight", str(weight + 10))
        await page.select_option("#box-type", "BAG-S")
        await page.click("#close-button")  # the last box: ships and queues the labels, no other click
        await expect(page.locator("#shipped")).to_be_visible(timeout=TIMEOUT_MS)
        waybill = (await page.locator("#waybills").text_content() or "").strip()
        assert waybill == "7000000000"

        env = dict(os.environ, REDIS_URL=redis_server.url, PYTHONPATH=str(ROOT))
        worker = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "rq.cli", "worker", "--burst", "--url", redis_server.url, jobs.QUEUE,
            cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        _out, err = await asyncio.wait_for(worker.communicate(), 120)
        assert worker.returncode == 0, err.decode()[-2000:]
        await expect(page.locator(f"#labels img[data-waybill='{waybill}']")).to_be_visible(timeout=TIMEOUT_MS)
        assert len(printer.jobs) == 1 and waybill.encode() in printer.jobs[0]
        natural = await page.eval_on_selector("#labels img", "img => [img.naturalWidth, img.naturalHeight]")
        assert natural == [800, 1200]

        english = page_errors.watch(await desktop.new_page(), "pack-en")
        await english.goto(live_app.url + "/pack/?lang=en")
        await expect(english.locator("h1")).to_have_text("Pack station")
    finally:
        await printer.stop()
