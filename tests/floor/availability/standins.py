"""Loopback stand-ins for the platforms' open APIs: one HTTP server that speaks each request shape the
stock push and shipment confirmations send, checks each platform's signature (written here from the
platforms' documentation, not by calling floor's signing code) and keeps the platform's view: the
quantity per listing, shipments per parcel, Douyin idempotent ids, PDD promotion slots.

Knobs: ``fail_next[path] = n`` answers the next n calls with a 500 before handling;
``apply_then_fail[path] = n`` applies the next n calls and *then* answers 500 (a lost reply);
``promotion`` = PDD goods ids on a promotion slot (a decrease is refused);
``shopify_set(item, qty)`` changes Shopify's quantity behind our back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

SECRET = "s3cret-app"
TOKEN = "shpat_test_token"


def _top(params: dict[str, str]) -> bool:
    text = "".join(k + v for k, v in sorted(params.items()) if k != "sign" and v)
    return hashlib.md5((SECRET + text + SECRET).encode()).hexdigest().upper() == params.get("sign")


def _douyin(query: dict[str, str], body: str) -> bool:
    text = (f"app_key{query['app_key']}method{query['method']}param_json{body}"
            f"timestamp{query['timestamp']}v{query['v']}")
    expected = hmac.new(SECRET.encode(), (SECRET + text + SECRET).encode(), hashlib.sha256).hexdigest()
    canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return expected == query.get("sign") and canonical == body


class Platforms:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.quantity: dict[str, int] = {}  # "<platform>:<key>" -> units the platform shows
        self.shipments: dict[str, list[dict[str, Any]]] = {}  # "<platform>:<order>" -> confirmations
        self.idempotent: set[str] = set()
        self.promotion: set[str] = set()
        self.fail_next: dict[str, int] = {}
        self.apply_then_fail: dict[str, int] = {}
        self.bad_signatures = 0
        self.acks: dict[str, list[dict[str, Any]]] = {}  # "<platform>:<order>" -> memo / note / remark / tag calls
        self.calls: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def shopify_set(self, item: str, quantity: int) -> None:
        with self.lock:
            self.quantity[f"shopify:{item}"] = quantity

    # -- platforms ---------------------------------------------------------------------------
    def top(self, form: dict[str, str]) -> tuple[int, Any]:
        if not _top(form):
            self.bad_signatures += 1
            return 200, {"error_response": {"code": 25, "msg": "Invalid signature"}}
        method = form["method"]
        if method == "taobao.item.quantity.update":
            assert form["type"] == "1"
            self.quantity[f"taobao:{form['num_iid']}:{form['sku_id']}"] = int(form["quantity"])
            return 200, {"item_quantity_update_response": {"item": {"num_iid": form["num_iid"]}}}
        if method == "jingdong.stock.write.updateSkuStock":
            param = json.loads(form["360buy_param_json"])
            self.quantity[f"jd:{param['skuId']}"] = int(param["stockNum"])
            return 200, {"jingdong_stock_write_updateSkuStock_responce": {"code": "0", "success": True}}
        if method in ("taobao.logistics.offline.send", "jingdong.pop.order.shipment"):
            ref = form.get("tid") or json.loads(form["360buy_param_json"])["orderId"]
            waybill = form.get("out_sid") or json.loads(form["360buy_param_json"])["logiNo"]
            done = self.shipments.setdefault(f"top:{ref}", [])
            if any(s["waybill"] == waybill for s in done):
                return 200, {"error_response": {"code": 15, "sub_msg": "already consigned 已发货"}}
            done.append({"waybill": waybill, "form": form})
            return 200, {"logistics_offline_send_response": {"shipping": {"is_success": True}}}
        if method == "taobao.trade.memo.update":
            assert form["flag"] in ("0", "1", "2", "3", "4", "5") and form["tid"] and form["memo"]
            self.acks.setdefault(f"top:{form['tid']}", []).append({"memo": form["memo"], "flag": form["flag"]})
            return 200, {"trade_memo_update_response": {"trade": {"tid": form["tid"]}}}
        return 200, {"error_response": {"code": 22, "msg": f"unknown method {method}"}}

    def pdd(self, form: dict[str, str]) -> tuple[int, Any]:
        if not _top(form):
            self.bad_signatures += 1
            return 200, {"error_response": {"error_code": 10016, "error_msg": "sign error"}}
        if form["type"] == "pdd.goods.quantity.update":
            key = f"pdd:{form['goods_id']}:{form['sku_id']}"
            quantity = int(form["quantity"])
            if form["goods_id"] in self.promotion and quantity < self.quantity.get(key, 0):
                return 200, {"error_response": {"error_code": 70031, "sub_code": "70031",
                                                "error_msg": "商品在资源位活动中，库存不可减少"}}
            self.quantity[key] = quantity
            return 200, {"goods_quantity_update_response": {"is_success": True}}
        if form["type"] == "pdd.logistics.online.send":
            done = self.shipments.setdefault(f"pdd:{form['order_sn']}", [])
            if any(s["waybill"] == form["tracking_number"] for s in done):
                return 200, {"error_response": {"error_code": 52101, "error_msg": "订单已发货 already shipped"}}
            done.append({"waybill": form["tracking_number"], "logistics_id": form["logistics_id"]})
            return 200, {"logistics_online_send_response": {"is_success": True}}
        if form["type"] == "pdd.order.note.update":
            self.acks.setdefault(f"pdd:{form['order_sn']}", []).append({"note": form["note"], "tag": form["tag"]})
            return 200, {"response": {"success": True}}
        return 200, {"error_response": {"error_code": 10000, "error_msg": "unknown type"}}

    def douyin(self, path: str, query: dict[str, str], body: str) -> tuple[int, Any]:
        if not _douyin(query, body):
            self.bad_signatures += 1
            return 200, {"code": 40004, "msg": "sign error"}
        param = json.loads(body)
        if path == "/sku/syncStock":
            key = f"douyin:{param['sku_id']}"
            if param["idempotent_id"] in self.idempotent:
                return 200, {"code": 10000, "msg": "success", "data": {"duplicate": True}}
            self.idempotent.add(param["idempotent_id"])
            if param["incremental"]:
                self.quantity[key] = self.quantity.get(key, 0) + int(param["stock_num"])
            else:
                self.quantity[key] = int(param["stock_num"])
            return 200, {"code": 10000, "msg": "success"}
        if path == "/order/logisticsAdd":
            self.shipments.setdefault(f"douyin:{param['order_id']}", []).append(param)
            return 200, {"code": 10000, "msg": "success"}
        if path == "/order/addOrderRemark":
            self.acks.setdefault(f"douyin:{param['order_id']}", []).append(param)
            return 200, {"code": 10000, "msg": "success"}
        return 200, {"code": 40001, "msg": "unknown method"}

    def shopify(self, headers: Any, body: dict[str, Any]) -> tuple[int, Any]:
        if headers.get("X-Shopify-Access-Token") != TOKEN:
            self.bad_signatures += 1
            return 401, {"errors": "[API] Invalid API key or access token"}
        query, variables = body["query"], body["variables"]
        if "inventorySetQuantities" in query:
            errors = []
            data = variables["input"]
            for q in data["quantities"]:
                key = f"shopify:{q['inventoryItemId']}"
                if not data.get("ignoreCompareQuantity") and q.get("compareQuantity") != self.quantity.get(key, 0):
                    errors.append({"code": "COMPARE_QUANTITY_STALE", "field": ["input"], "message": "stale"})
                    continue
                self.quantity[key] = q["quantity"]
            return 200, {"data": {"inventorySetQuantities": {"userErrors": errors}}}
        if "inventoryLevel" in query:
            quantity = self.quantity.get(f"shopify:{variables['item']}", 0)
            return 200, {"data": {"inventoryItem": {"inventoryLevel": {"quantities": [
                {"name": "available", "quantity": quantity}]}}}}
        if "fulfillmentCreate" in query:
            f = variables["fulfillment"]
            ref = f["lineItemsByFulfillmentOrder"][0]["fulfillmentOrderId"]
            self.shipments.setdefault(f"shopify:{ref}", []).append(f["trackingInfo"])
            return 200, {"data": {"fulfillmentCreate": {"userErrors": []}}}
        if "tagsAdd" in query:
            self.acks.setdefault(f"shopify:{variables['id']}", []).append({"tags": variables["tags"]})
            return 200, {"data": {"tagsAdd": {"userErrors": []}}}
        return 400, {"errors": "unknown query"}

    def own_site(self, path: str, headers: Any, raw: bytes) -> tuple[int, Any]:
        expected = base64.b64encode(hmac.new(SECRET.encode(), raw, hashlib.sha256).digest()).decode()
        if headers.get("X-Floor-Signature") != expected:
            self.bad_signatures += 1
            return 401, {"error": "bad signature"}
        body = json.loads(raw)
        if path == "/stock":
            self.quantity[f"own_site:{body['listing']}"] = body["quantity"]
        elif path == "/acks":
            self.acks.setdefault(f"own_site:{body['platform_order_id']}", []).append(body)
        else:
            self.shipments.setdefault(f"own_site:{body['platform_order_id']}", []).append(body)
        return 200, {"ok": True}

    def handle(self, path: str, query: dict[str, str], headers: Any, raw: bytes) -> tuple[int, Any]:
        with self.lock:
            self.calls.append(path)
            if self.fail_next.get(path, 0) > 0:
                self.fail_next[path] -= 1
                return 500, {"error": "injected"}
            ctype = headers.get("Content-Type", "")
            if path == "/router/rest":
                answer = self.top(dict(parse_qsl(raw.decode())))
            elif path == "/api/router":
                answer = self.pdd(dict(parse_qsl(raw.decode())))
            elif path.startswith("/admin/api/"):
                answer = self.shopify(headers, json.loads(raw))
            elif path in ("/stock", "/shipments", "/acks"):
                answer = self.own_site(path, headers, raw)
            else:
                assert "json" in ctype
                answer = self.douyin(path, query, raw.decode())
            if self.apply_then_fail.get(path, 0) > 0:
                self.apply_then_fail[path] -= 1
                return 500, {"error": "reply lost"}
            return answer

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        platforms = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                split = urlsplit(self.path)
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, body = platforms.handle(split.path, dict(parse_qsl(split.query)), self.headers, raw)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        return Handler
