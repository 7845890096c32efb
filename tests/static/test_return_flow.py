"""A return receipt on the handheld in Chromium (issue 9): an RMA made through the API with a dock
queues a `return` task; the receiver scans the dock (the parcel), a plain unit, a serial-tracked
unit without then with its serial (a GS1 string with AI 21), a repeated serial (refused), and the
task completes when every unit is in. kinds.js wording, zh-CN + English."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import BrowserContext, expect

from floor.catalog.barcodes import Barcode
from floor.floor import Floor
from floor.store import keys
from tests.live import LiveApp
from tests.static.conftest import PageErrors
from tests.static.test_handheld_floor import submit
from tests.static.test_pages import open_handheld, scan, screenshot
from tests.static.test_planning_flows import _get, _post, _task_of_kind

SERIAL_SKU, PLAIN_SKU = "SKU00022", "SKU00018"


async def test_return_receipt_on_the_handheld(
    live_app: LiveApp, small_demo: Floor, phone: BrowserContext, page_errors: PageErrors, screenshots: Path
) -> None:
    w, client = live_app.warehouse, small_demo.client
    await client.hset(keys.key(w, "sku_attrs", SERIAL_SKU), "serial_controlled", "1")
    page = await open_handheld(phone, live_app, page_errors)
    dock = f"{w}-R09-01"
    rma = _post(live_app, "/api/returns/rmas", {"reference": "ui-rma-1", "channel": "jd", "dock": dock,
                                                "lines": [{"sku": PLAIN_SKU, "quantity": 1},
                                                          {"sku": SERIAL_SKU, "quantity": 2}]})
    assert rma["task_id"] and rma["status"] == "open"
    task = await _task_of_kind(page, "return")
    assert task["task_id"] == rma["task_id"]
    await expect(page.locator("#step-of")).to_contain_text("退货收货 · Return receipt")
    await expect(page.locator("#location-label")).to_contain_text("Scan the parcel at dock")
    await expect(page.locator("#location")).to_have_text(dock)
    plain, serial = task["steps"][0]["gtin"], task["steps"][1]["gtin"]

    assert await scan(page, plain) == "scan_location_first"
    assert await scan(page, dock) == "ok"
    await expect(page.locator("#feedback")).to_contain_text("Parcel received")
    assert await scan(page, plain) == "ok"
    await expect(page.locator("#feedback")).to_contain_text("Received")
    assert await scan(page, serial) == "serial_required"
    await expect(page.locator("#feedback")).to_contain_text("序列号")
    await expect(page.locator("#feedback")).to_contain_text("scan the code with the serial")
    assert (await submit(page, "]d2" + Barcode(serial, serial="RS-1").element_string()))["verdict"] == "ok"
    repeated = await submit(page, "]d2" + Barcode(serial, serial="RS-1").element_string())
    assert repeated["verdict"] == "repeated_serial"
    await expect(page.locator("#feedback")).to_contain_text("Serial already received — refused")
    await screenshot(page, screenshots / "handheld-return.png")
    done = await submit(page, "]d2" + Barcode(serial, serial="RS-2").element_string())
    assert done["verdict"] == "ok" and done["task_done"]
    await expect(page.locator("#feedback")).to_contain_text("Return received")

    view = _get(live_app, f"/api/returns/rmas/{rma['rma_id']}")
    assert view["received"] == 3 and view["status"] == "receiving"
    assert sorted(u["serial"] for u in view["received_units"]) == ["", "RS-1", "RS-2"]
    assert _get(live_app, f"/api/planning/stock/{SERIAL_SKU}")["inspection"] == 2
