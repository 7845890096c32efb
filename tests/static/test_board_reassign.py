"""The board's Reassign control in headless Chromium against a real server: a supervisor moves a
picker's task to another present picker, whose handheld gets it; the board follows the events."""

from __future__ import annotations

import asyncio

import httpx
from playwright.async_api import BrowserContext, expect

from tests.handheld_api.wsclient import handheld
from tests.live import LiveApp, ServerProcess
from tests.static.conftest import PageErrors
from tests.static.test_pages import TIMEOUT_MS, open_board


async def test_board_reassigns_a_task_to_a_present_picker(
    live_app: LiveApp, desktop: BrowserContext, page_errors: PageErrors
) -> None:
    (p1, *_), (p2, *_), (p3, *_) = live_app.pickers
    first, _ = await handheld(live_app, p1)
    wave = await asyncio.to_thread(live_app.release_wave, pickers=1, max_orders=3)
    [task_id] = wave["tasks"]
    await first.until(lambda f: f["type"] == "task")
    second, hello = await handheld(live_app, p2)
    assert hello["type"] == "idle"
    board = await open_board(desktop, live_app, page_errors)
    row = board.locator(f'[data-picker="{p1}"]')
    await expect(row).to_have_attribute("data-task-id", task_id, timeout=TIMEOUT_MS)
    await expect(board.locator(f'[data-picker="{p3}"]')).to_have_attribute("data-present", "0")

    await row.locator(".reassign-button").click()
    await expect(board.locator("#reassign-dialog")).to_be_visible()
    options = await board.locator("#reassign-to option").evaluate_all("os => os.map(o => o.value)")
    assert options == [p2, ""]  # present pickers without a task, then "back to the queue"
    await board.select_option("#reassign-to", p2)
    await board.click("#reassign-confirm")
    await expect(board.locator("#reassign-dialog")).to_be_hidden(timeout=TIMEOUT_MS)

    pushed = await second.until(lambda f: f["type"] == "task")
    assert pushed["task"]["task_id"] == task_id and pushed["task"]["picker"] == p2
    assert (await first.until(lambda f: f["type"] in ("idle", "task")))["type"] == "idle"
    await expect(board.locator(f'[data-picker="{p2}"]')).to_have_attribute("data-task-id", task_id, timeout=TIMEOUT_MS)
    await expect(row).to_have_attribute("data-task-id", "")
    await expect(board.locator('#activity li[data-event="task_reassigned"]')).to_have_count(1)
    server = httpx.get(f"{live_app.url}/api/waves/tasks/{task_id}", params={"warehouse": live_app.warehouse},
                       headers=live_app.headers(), timeout=10).json()
    assert server["picker"] == p2
    await first.close()
    await second.close()


async def test_board_state_follows_presence_and_unassigned_tasks(
    web_nodes: list[ServerProcess], desktop: BrowserContext, page_errors: PageErrors
) -> None:
    page = page_errors.watch(await desktop.new_page(), "modules")
    await page.goto(web_nodes[0].url + "/board/")
    result = await page.evaluate("""async () => {
        const b = await import('/static/board/board-state.js');
        const s = b.createState();
        b.applySnapshot(s, {warehouse: 'W1', last_id: '1-0', pickers: [
          {picker: 'p1', status: 'picking', task_id: 'T1', wave_id: 'w', present: true},
          {picker: 'p2', status: 'idle', task_id: '', wave_id: '', present: true}]});
        const seen = [];
        const apply = (id, event, data) => {
          b.applyEvent(s, {type: 'event', id, event, data});
          seen.push([...s.pickers.values()].map(p => [p.picker, p.status, p.task_id, p.present]));
        };
        apply('2-0', 'picker_absent', {picker: 'p1', since_ms: 5});
        apply('3-0', 'task_unassigned', {task_id: 'T1', picker: 'p1', wave_id: 'w', reason: 'picker_absent', by: 'presence'});
        apply('4-0', 'task_assigned', {task_id: 'T1', picker: 'p2', wave_id: 'w'});
        apply('5-0', 'picker_present', {picker: 'p1'});
        return {seen, text: s.activity.map(a => a.text)};
    }""")
    assert result["seen"] == [
        [["p1", "picking", "T1", False], ["p2", "idle", "", True]],
        [["p1", "away", "", False], ["p2", "idle", "", True]],
        [["p1", "away", "", False], ["p2", "picking", "T1", True]],
        [["p1", "idle", "", True], ["p2", "picking", "T1", True]],
    ]
    assert result["text"][0] == "p1 present" and "T1 taken from p1 (absent)" in result["text"]
