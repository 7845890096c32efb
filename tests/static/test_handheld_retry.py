"""The handheld page keeps a scan answered `unavailable` (retry: true) and sends it again, same id.

`unavailable` does not mean "not applied": when Redis stalls past the node's 1 s timeout the node
answers `unavailable`, yet the script it sent often still runs once Redis wakes up. A page that
dropped the scan (so the picker scanned the unit again, under a new id) counted that unit twice;
the page must re-send the same scan_id, and the server answers with the first verdict.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import redis
from playwright.async_api import BrowserContext, WebSocket, expect

from tests.live import LiveApp
from tests.redis_server import RedisServer
from tests.static.conftest import PageErrors
from tests.static.test_pages import (
    TIMEOUT_MS,
    api_get,
    open_handheld,
    release_wave,
    scan,
    type_scan,
    wait_for_task,
)

# Spins Redis for ARGV[1] ms (read-only); commands that arrive meanwhile run after it.
STALL = """local t = redis.call('TIME'); local t0 = t[1] * 1000000 + t[2]
repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] - t0 >= tonumber(ARGV[1]) * 1000
return 1"""


def stall(port: int, ms: int) -> None:
    client = redis.Redis(port=port, socket_timeout=ms / 1000 + 5)
    try:
        client.eval(STALL, 0, ms)
    finally:
        client.close()


async def test_scan_answered_unavailable_is_sent_again_and_counted_once(
    live_app: LiveApp, redis_server: RedisServer, phone: BrowserContext, page_errors: PageErrors
) -> None:
    page = await open_handheld(phone, live_app, page_errors)
    frames: list[dict[str, Any]] = []

    def watch(socket: WebSocket) -> None:
        socket.on("framereceived", lambda payload: frames.append(json.loads(payload)))

    page.on("websocket", watch)
    await page.evaluate("window.handheld.socket.reconnect()")  # so this socket is watched
    await expect(page.locator("body")).to_have_attribute("data-connection", "open", timeout=TIMEOUT_MS)
    wave = await release_wave(live_app, pickers=1, max_orders=5)
    task = await wait_for_task(page, wave["wave_id"])
    step = task["steps"][0]
    assert await scan(page, step["location"]) == "ok"

    stalling = asyncio.create_task(asyncio.to_thread(stall, redis_server.port, 1800))
    await asyncio.sleep(0.2)
    item_scan = await type_scan(page, step["gtin"])
    await stalling

    # The node gave up after its 1 s timeout and said so; whether Redis still ran the script when
    # it woke up is not for the page (or this test) to know -- often it did.
    errors = [f for f in frames if f.get("type") == "error" and f.get("ref") == item_scan]
    assert [(f["code"], f["retry"]) for f in errors] == [("unavailable", True)], frames
    applied_late = (await api_get(live_app, f"/api/waves/{wave['wave_id']}"))["picked_units"]

    # The page kept it and sent it again, same id: one ok verdict, one unit picked.
    entry = page.locator(f'#log li[data-id="{item_scan}"]')
    await expect(entry).to_have_attribute("data-status", "ok", timeout=TIMEOUT_MS)
    await expect(page.locator("#outbox")).to_have_text("Queue 0")
    assert await page.evaluate("id => window.handheld.verdictCount(id)", item_scan) == 1
    verdicts = [f for f in frames if f.get("type") == "verdict" and f.get("scan_id") == item_scan]
    assert len(verdicts) == 1 and verdicts[0]["verdict"] == "ok", verdicts
    # Applied while the page was told `unavailable`: the re-send gets that first verdict back.
    assert bool(verdicts[0].get("duplicate")) == (applied_late == 1), (applied_late, verdicts)
    assert (await api_get(live_app, f"/api/waves/{wave['wave_id']}"))["picked_units"] == 1
