"""Carrier pushes over HTTP on a real node configured with FLOOR_CARRIERS: a signed SF push and a
signed local-carrier push are applied once (a repeat changes nothing); a forged one is 401 and
changes nothing; an unconfigured carrier is 404."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import urllib.parse
from pathlib import Path

import httpx

from floor.floor import Floor
from floor.shipping.carriers.model import sf_digest
from tests.live import ServerProcess
from tests.redis_server import RedisServer


async def test_signed_pushes_are_applied_once_and_forged_ones_refused(floor: Floor, warehouse: str,
                                                                       redis_server: RedisServer,
                                                                       tmp_path: Path) -> None:
    config = tmp_path / "carriers.json"
    config.write_text(json.dumps({"SF": {"url": "http://127.0.0.1:9/sf", "partner_id": "P", "check_word": "CW"},
                                  "local": {"EMS": "ems-secret"}}))
    store = floor.shipping.store
    for waybill, carrier in (("SF7000000001", "SF"), ("EA000000015CN", "EMS")):
        await store.open_parcel(warehouse, waybill, {"shipment": "S1", "carrier": carrier, "service": "x",
                                                     "created_ms": 1, "promised_ms": 0, "stuck_hours": 48,
                                                     "lost_margin_days": 3, "adapter": "sf" if carrier == "SF" else "local"})
    node = await asyncio.to_thread(ServerProcess, redis_server.url, {"FLOOR_CARRIERS": str(config)})
    try:
        async with httpx.AsyncClient(base_url=node.url, timeout=10) as client:
            msg = json.dumps({"WaybillRoute": [{"mailno": "SF7000000001", "acceptTime": "2026-12-03 10:00:00",
                                                "opCode": "50"}]})
            form = {"msgData": msg, "timestamp": "1764727200000", "msgDigest": sf_digest(msg, "1764727200000", "CW")}
            url = f"/api/shipping/push/SF?warehouse={warehouse}"
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            first = await client.post(url, content=urllib.parse.urlencode(form), headers=headers)
            assert first.status_code == 200 and first.json() == {"applied": 1, "repeats": 0}
            again = await client.post(url, content=urllib.parse.urlencode(form), headers=headers)
            assert again.json() == {"applied": 1, "repeats": 1}
            forged = dict(form, msgData=msg.replace('"50"', '"80"'))
            refused = await client.post(url, content=urllib.parse.urlencode(forged), headers=headers)
            assert refused.status_code == 401 and refused.json()["error"] == "unauthorized"
            assert (await store.parcel(warehouse, "SF7000000001"))["status"] == "picked_up"

            body = json.dumps({"events": [{"waybill": "EA000000015CN", "event_ms": 5, "code": "delivered"}]}).encode()
            sig = hmac.new(b"ems-secret", body, hashlib.sha256).hexdigest()
            local = await client.post(f"/api/shipping/push/EMS?warehouse={warehouse}", content=body,
                                      headers={"X-Floor-Signature": sig, "Content-Type": "application/json"})
            assert local.status_code == 200 and local.json()["applied"] == 1, local.text
            assert (await store.parcel(warehouse, "EA000000015CN"))["status"] == "delivered"
            bad = await client.post(f"/api/shipping/push/EMS?warehouse={warehouse}", content=body,
                                    headers={"X-Floor-Signature": "0" * 64})
            assert bad.status_code == 401
            unknown = await client.post(f"/api/shipping/push/JD?warehouse={warehouse}", content=b"{}")
            assert unknown.status_code == 404
    finally:
        await asyncio.to_thread(node.stop)
