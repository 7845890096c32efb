"""Carrier adapters (I/O): SF Fengqiao, JD, Cainiao-network platform waybills, and the local carrier.

Every adapter has the same five operations: ``create`` (a waybill for one box), ``cancel``, ``label_route``
(do we print ZPL, or does the platform's print client print encrypted data), ``track`` (poll) and
``parse_push`` (verify, then parse a carrier push). HTTP goes through :class:`Http` (stdlib, in a thread,
with a timeout); a carrier error raises CarrierError and the caller retries the shipment later.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
import uuid
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import parse_qs, urlencode
from zoneinfo import ZoneInfo

from floor.shipping import s10
from floor.shipping.carriers.model import (
    CarrierError,
    RawEvent,
    Waybill,
    cainiao_digest,
    hmac_hex,
    sf_digest,
    sf_request,
    verify,
)
from floor.shipping.model import Box, Shipment, catalogue
from floor.shipping.store import ShippingStore

CN = ZoneInfo("Asia/Shanghai")


class Http:
    def __init__(self, timeout_s: float = 10.0) -> None:
        self.timeout_s = timeout_s

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> bytes:
        def call() -> bytes:
            request = urllib.request.Request(url, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as response:  # noqa: S310
                    data: bytes = response.read()
                    return data
            except (urllib.error.URLError, TimeoutError, OSError) as error:
                raise CarrierError(f"{url}: {error}") from error
        return await asyncio.to_thread(call)


class Adapter(Protocol):
    code: str

    async def create(self, shipment: Shipment, box: Box, sender: dict[str, str]) -> Waybill: ...
    async def cancel(self, waybill: str, shipment: Shipment) -> None: ...
    def label_route(self) -> str: ...
    async def track(self, waybills: list[str]) -> list[RawEvent]: ...
    def parse_push(self, headers: dict[str, str], body: bytes) -> list[RawEvent]: ...


def _cn_ms(text: str) -> int:
    return int(datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CN).timestamp() * 1000)


class SfAdapter:
    """SF Fengqiao: form POST of partnerID, requestID, serviceCode, timestamp, msgDigest, msgData."""

    def __init__(self, url: str, partner_id: str, check_word: str, monthly_card: str = "",
                 http: Http | None = None) -> None:
        self.code, self.url, self.partner_id, self.check_word = "SF", url, partner_id, check_word
        self.monthly_card, self.http = monthly_card, http or Http()

    async def call(self, service_code: str, msg: dict[str, Any], now_ms: int) -> dict[str, Any]:
        fields = sf_request(self.partner_id, self.check_word, uuid.uuid4().hex, service_code, str(now_ms), msg)
        raw = await self.http.post(self.url, urlencode(fields).encode(),
                                   {"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"})
        answer = json.loads(raw)
        if answer.get("apiResultCode") != "A1000":
            raise CarrierError(f"SF {service_code}: {answer.get('apiResultCode')} {answer.get('apiErrorMsg', '')}")
        data: dict[str, Any] = json.loads(answer.get("apiResultData") or "{}")
        if not data.get("success"):
            raise CarrierError(f"SF {service_code}: {data.get('errorCode')} {data.get('errorMsg', '')}")
        return data

    async def create(self, shipment: Shipment, box: Box, sender: dict[str, str]) -> Waybill:
        r = shipment.receiver
        msg = {
            "language": "zh-CN", "orderId": f"{shipment.shipment_id}-{box.box_no}",
            "cargoDetails": [{"name": sku, "count": 1} for sku in box.items] or [{"name": "goods"}],
            "contactInfoList": [
                {"contactType": 1, "contact": sender["name"], "tel": sender["phone"], "address": sender["address"]},
                {"contactType": 2, "contact": r.name, "tel": r.phone, "province": r.province, "city": r.city,
                 "county": r.district, "address": r.address},
            ],
            "expressTypeId": 1 if shipment.service == "SF_STD" else 2, "payMethod": 1,
            "monthlyCard": self.monthly_card, "parcelQty": 1, "totalWeight": box.weight_g / 1000,
        }
        data = await self.call("EXP_RECE_CREATE_ORDER", msg, shipment.created_ms)
        info = data["msgData"]["waybillNoInfoList"][0]
        route = (data["msgData"].get("routeLabelInfo") or [{}])[0].get("routeLabelData", {})
        return Waybill(str(info["waybillNo"]), "zpl_self", "", str(route.get("destRouteLabel", "")))

    async def cancel(self, waybill: str, shipment: Shipment) -> None:
        await self.call("EXP_RECE_UPDATE_ORDER", {"orderId": shipment.shipment_id, "dealType": 2,
                                                  "waybillNoInfoList": [{"waybillNo": waybill}]},
                        shipment.created_ms)

    def label_route(self) -> str:
        return "zpl_self"

    async def track(self, waybills: list[str]) -> list[RawEvent]:
        data = await self.call("EXP_RECE_SEARCH_ROUTES", {"trackingType": 1, "trackingNumber": waybills}, 0)
        events = []
        for item in data["msgData"].get("routeResps", []):
            for route in item.get("routes", []):
                events.append(RawEvent(item["mailNo"], _cn_ms(route["acceptTime"]), str(route["opCode"]),
                                       route.get("remark", ""), route.get("acceptAddress", "")))
        return events

    def parse_push(self, headers: dict[str, str], body: bytes) -> list[RawEvent]:
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
        verify(sf_digest(form.get("msgData", ""), form.get("timestamp", ""), self.check_word),
               form.get("msgDigest", ""))
        routes = json.loads(form["msgData"]).get("WaybillRoute", [])
        return [RawEvent(r["mailno"], _cn_ms(r["acceptTime"]), str(r["opCode"]), r.get("remark", ""),
                         r.get("acceptAddress", "")) for r in routes]


class JdAdapter:
    """JD: JSON POST signed MD5(secret + sorted key/values + secret); pushes HMAC-SHA256 (X-Jd-Signature)."""

    def __init__(self, url: str, app_key: str, app_secret: str, http: Http | None = None) -> None:
        self.code, self.url, self.app_key, self.app_secret, self.http = "JD", url, app_key, app_secret, http or Http()

    def sign(self, params: dict[str, str]) -> str:
        import hashlib

        text = self.app_secret + "".join(f"{k}{params[k]}" for k in sorted(params)) + self.app_secret
        return hashlib.md5(text.encode()).hexdigest().upper()  # noqa: S324 (the carrier's scheme)

    async def call(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        params = {"method": method, "app_key": self.app_key, "timestamp": "2026-01-01 00:00:00",
                  "param_json": json.dumps(payload, ensure_ascii=False, separators=(",", ":"))}
        params["sign"] = self.sign(params)
        answer: dict[str, Any] = json.loads(await self.http.post(self.url, json.dumps(params).encode(),
                                                                 {"Content-Type": "application/json"}))
        if answer.get("code") != 0:
            raise CarrierError(f"JD {method}: {answer.get('code')} {answer.get('message', '')}")
        return answer

    async def create(self, shipment: Shipment, box: Box, sender: dict[str, str]) -> Waybill:
        r = shipment.receiver
        answer = await self.call("jingdong.ldop.waybill.receive", {
            "orderId": f"{shipment.shipment_id}-{box.box_no}", "senderName": sender["name"],
            "senderAddress": sender["address"], "senderTel": sender["phone"], "receiveName": r.name,
            "receiveAddress": f"{r.province}{r.city}{r.district}{r.address}", "receiveTel": r.phone,
            "packageCount": 1, "weight": box.weight_g / 1000})
        return Waybill(str(answer["deliveryId"]), "zpl_self", "", str(answer.get("sortCode", "")))

    async def cancel(self, waybill: str, shipment: Shipment) -> None:
        await self.call("jingdong.ldop.delivery.provider.cancelWayBill", {"deliveryId": waybill})

    def label_route(self) -> str:
        return "zpl_self"

    async def track(self, waybills: list[str]) -> list[RawEvent]:
        events = []
        for waybill in waybills:
            answer = await self.call("jingdong.ldop.receive.trace.get", {"waybillCode": waybill})
            for t in answer.get("traces", []):
                events.append(RawEvent(waybill, _cn_ms(t["opeTime"]), t["opeTitle"], t.get("opeRemark", "")))
        return events

    def parse_push(self, headers: dict[str, str], body: bytes) -> list[RawEvent]:
        verify(hmac_hex(self.app_secret, body), headers.get("x-jd-signature", ""))
        data = json.loads(body)
        return [RawEvent(data["waybillCode"], _cn_ms(data["opeTime"]), data["opeTitle"], data.get("opeRemark", ""))]


class CainiaoAdapter:
    """ZTO / YTO / STO / Yunda through the Cainiao network: the platform hands out the waybill and
    ENCRYPTED print data that only its print client (ws://127.0.0.1:13528) prints; we never render it."""

    def __init__(self, carrier: str, url: str, secret: str, http: Http | None = None) -> None:
        self.code, self.url, self.secret, self.http = carrier, url, secret, http or Http()

    async def create(self, shipment: Shipment, box: Box, sender: dict[str, str]) -> Waybill:
        r = shipment.receiver
        body = json.dumps({"cpCode": self.code, "objectId": f"{shipment.shipment_id}-{box.box_no}",
                           "sender": sender, "recipient": {"name": r.name, "mobile": r.phone,
                                                           "address": {"province": r.province, "city": r.city,
                                                                       "district": r.district,
                                                                       "detail": r.address}}},
                          ensure_ascii=False, separators=(",", ":"))
        form = urlencode({"msg_type": "TMS_WAYBILL_GET", "logistics_interface": body,
                          "data_digest": cainiao_digest(body, self.secret)}).encode()
        answer = json.loads(await self.http.post(self.url, form, {"Content-Type": "application/x-www-form-urlencoded"}))
        if not answer.get("success"):
            raise CarrierError(f"Cainiao {self.code}: {answer.get('errorCode')} {answer.get('errorMsg', '')}")
        return Waybill(str(answer["waybillCode"]), "platform_component", str(answer["printData"]))

    async def cancel(self, waybill: str, shipment: Shipment) -> None:
        body = json.dumps({"cpCode": self.code, "waybillCode": waybill})
        await self.http.post(self.url, urlencode({"msg_type": "TMS_WAYBILL_DISCARD", "logistics_interface": body,
                                                  "data_digest": cainiao_digest(body, self.secret)}).encode(),
                             {"Content-Type": "application/x-www-form-urlencoded"})

    def label_route(self) -> str:
        return "platform_component"

    async def track(self, waybills: list[str]) -> list[RawEvent]:
        return []  # Cainiao pushes (LOGISTICS_TRACE_PUSH); polling is not offered to us here

    def parse_push(self, headers: dict[str, str], body: bytes) -> list[RawEvent]:
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
        content = form.get("logistics_interface", "")
        verify(cainiao_digest(content, self.secret), form.get("data_digest", ""))
        data = json.loads(content)
        return [RawEvent(data["mailNo"], _cn_ms(data["time"]), data["action"], data.get("desc", ""))]


class LocalAdapter:
    """Our own carrier (and sellers' own ranges): numbers from Redis ranges, HMAC-signed pushes."""

    def __init__(self, carrier: str, store: ShippingStore, warehouse: str, secret: str) -> None:
        self.code, self.store, self.warehouse, self.secret = carrier, store, warehouse, secret
        self.format = catalogue().carriers[carrier].waybill or {"kind": "digits", "prefix": "", "digits": 12}

    def number(self, serial: int) -> str:
        if self.format.get("kind") == "s10":
            return s10.make(str(self.format["prefix"]), serial, str(self.format["country"]))
        return f"{self.format.get('prefix', '')}{serial:0{int(self.format.get('digits', 12))}d}"

    async def create(self, shipment: Shipment, box: Box, sender: dict[str, str]) -> Waybill:
        return Waybill(self.number(await self.store.next_serial(self.warehouse, self.code)))

    async def cancel(self, waybill: str, shipment: Shipment) -> None:
        return None  # numbers are never reused, a cancelled one is simply not shipped

    def label_route(self) -> str:
        return "zpl_self"

    async def track(self, waybills: list[str]) -> list[RawEvent]:
        return []

    def parse_push(self, headers: dict[str, str], body: bytes) -> list[RawEvent]:
        verify(hmac_hex(self.secret, body), headers.get("x-floor-signature", ""))
        data = json.loads(body)
        return [RawEvent(e["waybill"], int(e["event_ms"]), e["code"], e.get("detail", "")) for e in data["events"]]


def adapters_from_file(path: str) -> tuple[dict[str, Adapter], dict[str, str]]:
    """(adapters by carrier, push secrets of the local carriers) from the FLOOR_CARRIERS JSON file:
    ``{"SF": {"url", "partner_id", "check_word", "monthly_card"}, "JD": {"url", "app_key", "app_secret"},
    "ZTO": {"url", "secret"}, ..., "local": {"EMS": "<push secret>"}}``. No file: no adapters."""
    if not path:
        return {}, {}
    with open(path, encoding="utf-8") as handle:
        config: dict[str, Any] = json.load(handle)
    adapters: dict[str, Adapter] = {}
    for carrier, c in config.items():
        if carrier == "local":
            continue
        kind = catalogue().carriers[carrier].adapter
        if kind == "sf":
            adapters[carrier] = SfAdapter(c["url"], c["partner_id"], c["check_word"], c.get("monthly_card", ""))
        elif kind == "jd":
            adapters[carrier] = JdAdapter(c["url"], c["app_key"], c["app_secret"])
        elif kind == "cainiao":
            adapters[carrier] = CainiaoAdapter(carrier, c["url"], c["secret"])
    return adapters, {k: str(v) for k, v in config.get("local", {}).items()}
