"""Every event and verdict the planning, counting, transfer and return scripts write decodes strictly
against the catalogue (floor/core/events.py) and the Verdict frame (handheld_api/ws/protocol.py)."""

from __future__ import annotations

import msgspec

from floor.core import events
from floor.counting.model import CountRequest
from floor.floor import Floor
from floor.planning.model import Receipt, ReplenishRequest, Thresholds
from handheld_api.ws.protocol import Verdict
from tests.floor.planning.helpers import face_of, picker_of, present, scan, setup_face

_verdict = msgspec.json.Decoder(Verdict)


async def test_planning_scripts_write_catalogue_events_and_verdicts(small_demo: Floor, warehouse: str) -> None:
    floor, w, picker, sku = small_demo, warehouse, picker_of(warehouse), "SKU00015"
    face, reserve = await setup_face(floor, w, sku, 5, 40, 30, picker)
    await floor.planning.set_thresholds(w, Thresholds(sku, 1000, 1000))  # a low_stock exception
    queued = await floor.planning.replenish(w, ReplenishRequest(sku, face, urgent=True))
    task = await floor.picking.task(w, queued.task_id)
    verdicts = [
        await scan(floor, w, picker, task.task_id, "garbage"),
        await scan(floor, w, picker, task.task_id, task.steps[0].gtin),
        await scan(floor, w, picker, task.task_id, face),
        await scan(floor, w, picker, task.task_id, reserve),
        await scan(floor, w, picker, task.task_id, "4006381333931"),
        await scan(floor, w, picker, task.task_id, task.steps[0].gtin, 999),
    ]
    await floor.planning.receive(w, Receipt("ev-r", sku, 2, face), "dock")
    count = await floor.counting.request(w, CountRequest("ev-c", location=await face_of(floor, w, "SKU00016")), "sup")
    assert count.count_id
    words = {v["verdict"] for v in verdicts}
    assert words == {"unknown_barcode", "scan_location_first", "wrong_location", "ok", "wrong_item", "over_pick"}
    for v in verdicts:
        import json
        _verdict.decode(json.dumps(v))
    other = picker_of(w, 2)
    await present(floor, w, other)
    assert (await scan(floor, w, other, task.task_id, face))["verdict"] == "not_your_task"
    seen = set()
    for entry_id, fields in await floor.client.xrange(f"{{{w}}}:events"):
        event = events.decode_event(entry_id, fields)
        seen.add((fields["type"], getattr(event, "reason", "") or getattr(event, "kind", "")))
    assert ("stock_adjusted", "putaway") in seen and ("exception_raised", "low_stock") in seen
