"""Waybill ranges in Redis (200-way concurrency, never twice), S10 numbers, and the carrier adapters
against loopback HTTP stand-ins that check the carriers' signatures independently."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from floor.core.errors import ConflictError
from floor.floor import Floor
from floor.shipping import s10
from floor.shipping.carriers.model import CarrierError, PushRejected
from floor.shipping.carriers.service import CainiaoAdapter, JdAdapter, LocalAdapter, SfAdapter
from floor.shipping.model import Box, Choice, Quote, Receiver, Shipment
from floor.shipping.store import ShippingStore
from floor.store.client import connect
from tests.redis_server import RedisServer

CHECK_WORD = "fc34c561a34f"
JD_SECRET = "jd-secret"
CN_SECRET = "cainiao-secret"


def _java_encode(text: str) -> str:
    # written independently of the adapter: URLEncoder keeps [A-Za-z0-9.-*_], space -> '+'
    out = []
    for byte in text.encode("utf-8"):
        char = chr(byte)
        if char.isascii() and (char.isalnum() or char in ".-*_"):
            out.append(char)
        elif char == " ":
            out.append("+")
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def _sf_digest(msg: str, ts: str) -> str:
    return base64.b64encode(hashlib.md5(_java_encode(msg + ts + CHECK_WORD).encode()).digest()).decode()


class StandIn(BaseHTTPRequestHandler):
    seen: list[dict[str, Any]] = []

    def log_message(self, *_args: Any) -> None:
        return None

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.path == "/sf":
            form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()}
            StandIn.seen.append(form)
            if form["msgDigest"] != _sf_digest(form["msgData"], form["timestamp"]):
                answer = {"apiResultCode": "A1006", "apiErrorMsg": "msgDigest invalid"}
            else:
                data = {"success": True, "msgData": {"waybillNoInfoList": [{"waybillType": 1, "waybillNo": "SF1400000000018"}],
                                                     "routeLabelInfo": [{"routeLabelData": {"destRouteLabel": "010WD-A"}}]}}
                if form["serviceCode"] == "EXP_RECE_SEARCH_ROUTES":
                    data = {"success": True, "msgData": {"routeResps": [{"mailNo": "SF1400000000018", "routes": [
                        {"acceptTime": "2026-12-03 10:00:00", "opCode": "50", "remark": "已揽收"},
                        {"acceptTime": "2026-12-03 20:00:00", "opCode": "30", "remark": "已发车"}]}]}}
                answer = {"apiResultCode": "A1000", "apiResultData": json.dumps(data)}
        elif self.path == "/jd":
            params = json.loads(body)
            sign = params.pop("sign")
            text = JD_SECRET + "".join(f"{k}{params[k]}" for k in sorted(params)) + JD_SECRET
            ok = hashlib.md5(text.encode()).hexdigest().upper() == sign
            answer = {"code": 0, "deliveryId": "JDVA00012345678", "sortCode": "BJ-07"} if ok else {"code": 401, "message": "sign"}
        else:
            form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()}
            digest = base64.b64encode(hashlib.md5((form["logistics_interface"] + CN_SECRET).encode()).digest()).decode()
            answer = ({"success": True, "waybillCode": "75312345678901", "printData": "ENC:b64:Zm9v"}
                      if digest == form["data_digest"] else {"success": False, "errorCode": "isv.digest"})
        raw = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


@pytest.fixture(scope="module")
def stand_in() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def shipment(service: str = "SF_STD", carrier: str = "SF") -> Shipment:
    q = Quote(service, carrier, "national", 1000, 0, 2300, 0, "2026-12-03", "2026-12-05")
    return Shipment("S1", "W1", "O1", Receiver("张三", "13800138000", "北京", "北京市", "朝阳区", "建国路 88 号"),
                    Choice(q, [], "cheapest_meeting_promise"), [Box(1, 900, items=["SKU1"])], 1_764_000_000_000)


SENDER = {"name": "仓库 W1", "phone": "0755-1", "address": "深圳市宝安区"}


async def test_waybill_ranges_never_repeat_under_200_way_concurrency(redis_server: RedisServer, warehouse: str) -> None:
    # its own client: 200 callers share 32 connections, with a patient connect timeout (busy CI machines)
    floor = Floor(connect(redis_server.url, max_connections=32, socket_timeout=30.0, connect_timeout=10.0))
    await floor.start()
    try:
        await _two_hundred(ShippingStore(floor.client, floor.scripts), warehouse)
    finally:
        await floor.close()


async def _two_hundred(store: ShippingStore, warehouse: str) -> None:
    assert await store.add_range(warehouse, "EMS", 1000, 1099)
    assert await store.add_range(warehouse, "EMS", 5000, 5149)
    assert not await store.add_range(warehouse, "EMS", 1000, 1099)  # the same range again: no-op
    with pytest.raises(ConflictError):
        await store.add_range(warehouse, "EMS", 1050, 1200)
    serials = await asyncio.gather(*(store.next_serial(warehouse, "EMS") for _ in range(200)))
    assert len(set(serials)) == 200
    assert set(serials) == set(range(1000, 1100)) | set(range(5000, 5100))
    more = await asyncio.gather(*(store.next_serial(warehouse, "EMS") for _ in range(50)))
    assert set(more) == set(range(5100, 5150))
    with pytest.raises(ConflictError):
        await store.next_serial(warehouse, "EMS")


async def test_local_carrier_numbers_are_s10_for_ems(floor: Floor, warehouse: str) -> None:
    store = ShippingStore(floor.client, floor.scripts)
    await store.add_range(warehouse, "EMS", 12345678, 12345680)
    await store.add_range(warehouse, "DHL", 1, 10)
    ems = LocalAdapter("EMS", store, warehouse, "s")
    numbers = [(await ems.create(shipment("EMS_STD", "EMS"), Box(1, 100), SENDER)).number for _ in range(3)]
    assert numbers[0] == "EA123456785CN" and all(s10.valid(n) for n in numbers)
    dhl = LocalAdapter("DHL", store, warehouse, "s")
    assert (await dhl.create(shipment("DHL_EXP", "DHL"), Box(1, 100), SENDER)).number == "0000000001"


async def test_sf_request_is_signed_as_fengqiao_checks_it(stand_in: str) -> None:
    sf = SfAdapter(stand_in + "/sf", "PARTNER", CHECK_WORD, "7551234567")
    waybill = await sf.create(shipment(), Box(1, 900, items=["SKU1"]), SENDER)
    assert (waybill.number, waybill.sort_code, waybill.route) == ("SF1400000000018", "010WD-A", "zpl_self")
    form = StandIn.seen[-1]
    assert set(form) == {"partnerID", "requestID", "serviceCode", "timestamp", "msgDigest", "msgData"}
    assert form["serviceCode"] == "EXP_RECE_CREATE_ORDER" and json.loads(form["msgData"])["monthlyCard"] == "7551234567"
    events = await sf.track(["SF1400000000018"])
    assert [e.code for e in events] == ["50", "30"]
    wrong = SfAdapter(stand_in + "/sf", "PARTNER", "not-the-check-word")
    with pytest.raises(CarrierError, match="A1006"):
        await wrong.create(shipment(), Box(1, 900), SENDER)


async def test_jd_and_cainiao_requests_and_platform_print_route(stand_in: str) -> None:
    jd = JdAdapter(stand_in + "/jd", "KEY", JD_SECRET)
    assert (await jd.create(shipment("JD_STD", "JD"), Box(1, 900), SENDER)).number == "JDVA00012345678"
    with pytest.raises(CarrierError):
        await JdAdapter(stand_in + "/jd", "KEY", "wrong").create(shipment("JD_STD", "JD"), Box(1, 900), SENDER)
    zto = CainiaoAdapter("ZTO", stand_in + "/cainiao", CN_SECRET)
    waybill = await zto.create(shipment("ZTO_STD", "ZTO"), Box(1, 900), SENDER)
    assert waybill.route == "platform_component" and waybill.print_data == "ENC:b64:Zm9v"
    assert zto.label_route() == "platform_component"
    with pytest.raises(CarrierError):
        await SfAdapter("http://127.0.0.1:9/sf", "P", "C", http=None).create(shipment(), Box(1, 1), SENDER)


def test_every_carrier_push_is_verified(floor: Floor) -> None:
    sf = SfAdapter("http://x", "P", CHECK_WORD)
    msg = json.dumps({"WaybillRoute": [{"mailno": "SF1", "acceptTime": "2026-12-03 10:00:00", "opCode": "80"}]})
    good = urllib.parse.urlencode({"msgData": msg, "timestamp": "1", "msgDigest": _sf_digest(msg, "1")}).encode()
    assert [e.code for e in sf.parse_push({}, good)] == ["80"]
    bad = urllib.parse.urlencode({"msgData": msg.replace("80", "30"), "timestamp": "1",
                                  "msgDigest": _sf_digest(msg, "1")}).encode()
    with pytest.raises(PushRejected):
        sf.parse_push({}, bad)

    jd = JdAdapter("http://x", "K", JD_SECRET)
    body = json.dumps({"waybillCode": "JD1", "opeTime": "2026-12-03 10:00:00", "opeTitle": "SIGNED"}).encode()
    sig = hmac.new(JD_SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert jd.parse_push({"x-jd-signature": sig}, body)[0].code == "SIGNED"
    with pytest.raises(PushRejected):
        jd.parse_push({"x-jd-signature": sig}, body.replace(b"SIGNED", b"REJECT"))
    with pytest.raises(PushRejected):
        jd.parse_push({}, body)

    cn = CainiaoAdapter("ZTO", "http://x", CN_SECRET)
    content = json.dumps({"mailNo": "7531", "time": "2026-12-03 10:00:00", "action": "SIGN"})
    digest = base64.b64encode(hashlib.md5((content + CN_SECRET).encode()).digest()).decode()
    form = urllib.parse.urlencode({"logistics_interface": content, "data_digest": digest}).encode()
    assert cn.parse_push({}, form)[0].code == "SIGN"
    with pytest.raises(PushRejected):
        cn.parse_push({}, urllib.parse.urlencode({"logistics_interface": content, "data_digest": "x"}).encode())

    local = LocalAdapter("EMS", ShippingStore(floor.client, floor.scripts), "W1", "local-secret")
    body = json.dumps({"events": [{"waybill": "EA1", "event_ms": 1, "code": "delivered"}]}).encode()
    sig = hmac.new(b"local-secret", body, hashlib.sha256).hexdigest()
    assert local.parse_push({"x-floor-signature": sig}, body)[0].code == "delivered"
    with pytest.raises(PushRejected):
        local.parse_push({"x-floor-signature": "0" * 64}, body)
