"""The pages' pure ES modules (outbox, ids, verdict tones, board state), run in Chromium.

The modules are loaded from a running web node exactly as the pages load them (so these also
check that /static serves them); no warehouse is needed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from playwright.async_api import BrowserContext, Page

from tests.live import ServerProcess
from tests.static.conftest import PageErrors


@pytest.fixture
async def blank(web_nodes: list[ServerProcess], desktop: BrowserContext, page_errors: PageErrors) -> AsyncIterator[Page]:
    page = page_errors.watch(await desktop.new_page(), "modules")
    await page.goto(web_nodes[0].url + "/board/")  # any page of the origin (it stays on its login form)
    yield page


async def run(page: Page, script: str) -> Any:
    return await page.evaluate(f"async () => {{ {script} }}")


async def test_outbox_keeps_frames_in_order_across_reloads(blank: Page) -> None:
    result = await run(blank, """
        const { Outbox } = await import('/static/handheld/outbox.js');
        localStorage.clear();
        const box = new Outbox('floor.outbox.test');
        box.add({type: 'scan', scan_id: 'd-0001', barcode: 'A'}, 1000);
        box.add({type: 'short_pick', request_id: 'd-0002', task_id: 't', step: 0, found: 0}, 2000);
        box.add({type: 'scan', scan_id: 'd-0003', barcode: 'B'}, 3000);
        box.add({type: 'scan', scan_id: 'd-0001', barcode: 'A'}, 4000);  // same id: no second entry
        box.markSent('d-0001', 5000);
        const reloaded = new Outbox('floor.outbox.test');
        const before = reloaded.pending().map(e => e.id);
        const resolved = reloaded.resolve('d-0002');
        const again = reloaded.resolve('d-0002');
        const after = new Outbox('floor.outbox.test').pending().map(e => e.id);
        const overdue = reloaded.overdue(1000, 7000).map(e => e.id);
        reloaded.resolve('d-0001'); reloaded.resolve('d-0003');
        return {before, resolved: resolved.id, again, after, overdue,
                emptied: localStorage.getItem('floor.outbox.test')};
    """)
    assert result == {
        "before": ["d-0001", "d-0002", "d-0003"], "resolved": "d-0002", "again": None,
        "after": ["d-0001", "d-0003"], "overdue": ["d-0001"], "emptied": None,
    }


async def test_scan_ids_are_device_id_and_a_persistent_counter(blank: Page) -> None:
    result = await run(blank, """
        const ids = await import('/static/shared/ids.js');
        localStorage.clear();
        const first = ids.scanId(), second = ids.scanId();
        const device = ids.deviceId();
        return {first, second, device, stored: localStorage.getItem('floor.counter')};
    """)
    device = result["device"]
    assert len(device) == 8 and int(device, 16) >= 0
    assert (result["first"], result["second"]) == (f"{device}-0001", f"{device}-0002")
    assert result["stored"] == "2"


async def test_every_verdict_of_the_protocol_has_its_colour(blank: Page) -> None:
    tones = await run(blank, """
        const { toneOf, verdictMessage } = await import('/static/handheld/feedback.js');
        const names = ['ok', 'wrong_location', 'scan_location_first', 'wrong_item', 'wrong_lot',
                       'expired_lot', 'over_pick', 'not_your_task', 'unknown_barcode'];
        const expected = {location: 'W1-A01-C01', sku: 'SKU1', quantity: 3, tote: 2, lot: 'L7'};
        return Object.fromEntries(names.map(n => [n, [toneOf(n),
            verdictMessage({verdict: n, barcode: 'X', picked: 1, expected})]]));
    """)
    assert {name: tone for name, (tone, _message) in tones.items()} == {
        "ok": "ok", "wrong_location": "bad", "scan_location_first": "warn", "wrong_item": "bad",
        "wrong_lot": "bad", "expired_lot": "bad", "over_pick": "bad", "not_your_task": "bad",
        "unknown_barcode": "warn",
    }
    assert tones["ok"][1] == "Picked 1 of 3"
    assert tones["wrong_location"][1] == "Wrong location — go to W1-A01-C01"
    assert tones["wrong_item"][1] == "Wrong item — pick SKU1"
    assert tones["unknown_barcode"][1] == "Unknown barcode X"
    assert tones["over_pick"][1] == "Too many — only 2 left here"
    assert tones["wrong_lot"][1] == "Wrong lot — take lot L7 or the earliest-expiring here"


async def test_board_state_applies_events_once_and_in_order(blank: Page) -> None:
    result = await run(blank, """
        const b = await import('/static/board/board-state.js');
        const s = b.createState();
        b.applySnapshot(s, {warehouse: 'W1', last_id: '100-0',
          exceptions: [{exception_id: 'old', kind: 'damaged', status: 'raised', raised_ms: 50}],
          waves: [{wave_id: 'w0', status: 'released', units: 4, picked_units: 1, short_units: 0, tasks_open: 1, released_ms: 60}],
          verdicts: {ok: 3}});
        const stale = b.applyEvent(s, {type: 'event', id: '100-0', event: 'exception_raised',
                                       data: {exception_id: 'ghost', kind: 'other', raised_ms: 99}});
        const raised = b.applyEvent(s, {type: 'event', id: '101-0', event: 'exception_raised',
                                        data: {exception_id: 'new', kind: 'short_pick', status: 'raised', raised_ms: 101}});
        const twice = b.applyEvent(s, {type: 'event', id: '101-0', event: 'exception_raised',
                                       data: {exception_id: 'new', kind: 'short_pick', status: 'raised', raised_ms: 101}});
        b.applyEvent(s, {type: 'event', id: '102-0', event: 'exception_acknowledged',
                         data: {exception_id: 'new', status: 'acknowledged', by: 'sup', note: 'ok'}});
        b.applyEvent(s, {type: 'event', id: '103-0', event: 'exception_resolved',
                         data: {exception_id: 'old', status: 'resolved', by: 'sup'}});
        b.applyEvent(s, {type: 'event', id: '104-0', event: 'wave_released', data: {wave_id: 'w1', orders: 2, tasks: 1, units: 5}});
        b.applyEvent(s, {type: 'event', id: '105-0', event: 'task_assigned', data: {task_id: 'w1-T01', picker: 'p1', wave_id: 'w1'}});
        b.applyCounts(s, {type: 'counts', verdicts: {ok: 7, wrong_item: 1},
                          waves: [{wave_id: 'w1', status: 'released', units: 5, picked_units: 2, short_units: 1, tasks_open: 1}]});
        b.applyEvent(s, {type: 'event', id: '106-0', event: 'task_completed', data: {task_id: 'w1-T01', picker: 'p1', wave_id: 'w1'}});
        b.applyEvent(s, {type: 'event', id: '107-0', event: 'wave_completed', data: {wave_id: 'w1'}});
        return {
          stale: stale.skipped, raisedFlash: raised.flash, twice: twice.skipped, lastId: s.lastId,
          exceptions: b.sortedExceptions(s).map(x => [x.exception_id, x.status, x.by]),
          waves: b.sortedWaves(s).map(w => [w.wave_id, w.status, w.picked_units, w.short_units, w.tasks_open]),
          pickers: [...s.pickers.values()].map(p => [p.picker, p.status, p.tasks_done]),
          verdicts: s.verdicts, resolved: s.resolved, activity: s.activity.length,
          after: b.idAfter('100-10', '100-9'), before: b.idAfter('99-10', '100-0'),
        };
    """)
    assert result["stale"] is True and result["twice"] is True
    assert result["raisedFlash"] == "new"
    assert result["lastId"] == "107-0"
    assert result["exceptions"] == [["new", "acknowledged", "sup"]]
    assert result["waves"] == [["w0", "released", 1, 0, 1], ["w1", "completed", 2, 1, 0]]
    assert result["pickers"] == [["p1", "idle", 1]]
    assert result["verdicts"] == {"ok": 7, "wrong_item": 1}
    assert result["resolved"] == 1
    assert result["activity"] == 7  # every applied event, none of the skipped ones
    assert result["after"] is True and result["before"] is False
