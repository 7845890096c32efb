"""The pages after a 4408 close ("too slow: resync") and after a board `resync` (headless Chromium)."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import httpx
import redis.asyncio as aioredis
from playwright.async_api import BrowserContext, WebSocketRoute, expect

from floor.store import keys
from tests.live import LiveApp
from tests.redis_server import RedisServer
from tests.static.conftest import PageErrors
from tests.static.test_pages import (
    TIMEOUT_MS,
    api_get,
    open_board,
    release_wave,
    scan,
    type_scan,
    until,
    wait_for_task,
)


async def test_handheld_reconnects_after_4408_and_resends_its_unanswered_scan(
    live_app: LiveApp, phone: BrowserContext, page_errors: PageErrors
) -> None:
    """The server closes a handheld that fell behind with 4408, the verdict still in its outbox:
    the page reconnects at once (not a logout), re-sends the scan, and it is applied once."""
    page = page_errors.watch(await phone.new_page(), "handheld")
    closed: list[dict[str, Any]] = []
    target: dict[str, str] = {}
    tasks: list[asyncio.Future[None]] = []

    def route(socket: WebSocketRoute) -> None:
        server = socket.connect_to_server()

        def from_server(message: str | bytes) -> None:
            frame = json.loads(message)
            if frame.get("type") == "verdict" and frame.get("barcode") == target.get("gtin") and not closed:
                closed.append(frame)  # never delivered: the server closed the socket as too slow
                tasks.append(asyncio.ensure_future(socket.close(code=4408, reason="too slow: resync")))
                tasks.append(asyncio.ensure_future(server.close()))
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

    wave = await release_wave(live_app, pickers=1, max_orders=5)
    task = await wait_for_task(page, wave["wave_id"])
    step = task["steps"][0]
    target["gtin"] = step["gtin"]
    assert await scan(page, step["location"]) == "ok"
    connections = await page.evaluate("window.handheld.socket.connections")

    item_scan = await type_scan(page, step["gtin"])
    await until(lambda: bool(closed))
    # Well before the page's own 8 s watchdog would notice the missing verdict.
    await expect(page.locator(f'#log li[data-id="{item_scan}"]')).to_have_attribute("data-status", "ok", timeout=3000)
    await expect(page.locator("body")).to_have_attribute("data-screen", "work")
    await expect(page.locator("#outbox")).to_have_text("Queue 0")
    assert await page.evaluate("window.handheld.socket.connections") == connections + 1
    assert await page.evaluate("id => window.handheld.verdictCount(id)", item_scan) == 1
    assert await page.evaluate("window.handheld.state.lastVerdict.duplicate") is True
    assert (await api_get(live_app, f"/api/waves/{wave['wave_id']}"))["picked_units"] == 1


async def test_board_takes_a_fresh_snapshot_when_its_events_were_trimmed(
    live_app: LiveApp, desktop: BrowserContext, page_errors: PageErrors, redis_server: RedisServer
) -> None:
    urls: list[str] = []
    board = await open_board(desktop, live_app, page_errors, socket_urls=urls)
    seen = str(await board.get_attribute("body", "data-last-id"))
    await desktop.set_offline(True)
    await expect(board.locator("body")).not_to_have_attribute("data-connection", "open", timeout=TIMEOUT_MS)
    async with httpx.AsyncClient(base_url=live_app.url, headers=live_app.headers(), timeout=10) as client:
        for reference in ("trim-1", "trim-2"):
            response = await client.post("/api/exceptions", json={
                "exception_id": reference, "kind": "damaged", "location": f"{live_app.warehouse}-A01-C01",
                "warehouse": live_app.warehouse})
            assert response.status_code == 200, response.text
    # The Stream keeps only the last event: trim-1's event, after the board's last id, is gone.
    redis: Any = aioredis.Redis.from_url(redis_server.url, decode_responses=True)
    await redis.xtrim(keys.key(live_app.warehouse, "events"), maxlen=1, approximate=False)
    await redis.aclose()

    await desktop.set_offline(False)
    await expect(board.locator("body")).to_have_attribute("data-resync", "trimmed", timeout=TIMEOUT_MS)
    assert f"last_id={seen}" in urls[-1]
    # Both exceptions are on the board (from the fresh snapshot), once each.
    await expect(board.locator("[data-exception-id]")).to_have_count(2, timeout=TIMEOUT_MS)
    assert str(await board.get_attribute("body", "data-last-id")) != seen
