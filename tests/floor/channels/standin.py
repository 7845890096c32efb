"""A loopback stand-in for the platforms' paged order-list APIs (Taobao sold.increment.get, JD
enSearch, PDD number.list.increment.get, Douyin order.searchList): it checks each request's
signature as the platform does, filters its orders by the modified-time window and pages them."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from floor.channels import signing
from floor.channels.adapters.common import BEIJING


def beijing_ms(text: str) -> int:
    return int(datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING).timestamp() * 1000)


class StandIn:
    """``orders``: (updated_ms, payload) the platform holds; ``on_request(n)`` runs before answering request n."""

    def __init__(self, channel: str, secret: str, app_key: str) -> None:
        self.channel, self.secret, self.app_key = channel, secret, app_key
        self.orders: list[tuple[int, dict[str, Any]]] = []
        self.requests: list[dict[str, str]] = []
        self.on_request: Callable[[int], None] = lambda n: None
        self.fail_next = 0
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", 0))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
                status, body = stand_in.answer(form)
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/router"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, form: dict[str, str]) -> tuple[int, Any]:
        self.requests.append(form)
        self.on_request(len(self.requests))
        if self.fail_next:
            self.fail_next -= 1
            return 502, {"error": "gateway"}
        try:
            if self.channel == "douyin":
                signing.douyin_api_verify(form, self.secret)
            else:
                signing.top_verify(form, self.secret, app_key=self.app_key)
        except signing.SignatureError as error:
            if self.channel == "douyin":
                return 200, {"code": 40003, "msg": "sign invalid", "sub_msg": str(error)}
            return 200, {"error_response": {"code": 25, "msg": "Invalid signature", "sub_msg": str(error)}}
        return 200, getattr(self, f"_{self.channel}")(form)

    def window(self, start_ms: int, end_ms: int, first: int, size: int) -> tuple[list[dict[str, Any]], int]:
        hits = sorted((o for o in self.orders if start_ms <= o[0] <= end_ms), key=lambda o: o[0])
        return [payload for _ms, payload in hits[first:first + size]], len(hits)

    def _pinduoduo(self, form: dict[str, str]) -> Any:
        size, page = int(form["page_size"]), int(form["page"])
        found, total = self.window(int(form["start_updated_at"]) * 1000, int(form["end_updated_at"]) * 1000,
                                   (page - 1) * size, size)
        return {"order_sn_increment_get_response": {"total_count": total, "has_next": page * size < total,
                                                    "order_sn_list": found}}

    def _taobao(self, form: dict[str, str]) -> Any:
        size, page = int(form["page_size"]), int(form["page_no"])
        found, total = self.window(beijing_ms(form["start_modified"]), beijing_ms(form["end_modified"]),
                                   (page - 1) * size, size)
        return {"trades_sold_increment_get_response": {"total_results": total, "trades": {"trade": found}}}

    def _jd(self, form: dict[str, str]) -> Any:
        params = json.loads(form["360buy_param_json"])
        size, page = int(params["page_size"]), int(params["page"])
        found, total = self.window(beijing_ms(params["start_date"]), beijing_ms(params["end_date"]),
                                   (page - 1) * size, size)
        return {"jingdong_pop_order_enSearch_responce": {"code": "0", "searchorderinfo_result": {
            "orderTotal": total, "orderInfoList": found}}}

    def _douyin(self, form: dict[str, str]) -> Any:
        params = json.loads(form["param_json"])
        if form["method"] == "order.orderDetail":
            found = [o for _ms, o in self.orders if o["order_id"] == params["shop_order_id"]]
            if not found:
                return {"code": 50002, "msg": "order not found", "sub_msg": params["shop_order_id"]}
            return {"code": 10000, "msg": "success", "data": {"shop_order_detail": found[0]}}
        size, page = int(params["size"]), int(params["page"])  # pages from 0
        found, total = self.window(params["update_time_start"] * 1000, params["update_time_end"] * 1000,
                                   page * size, size)
        return {"code": 10000, "msg": "success", "data": {"total": total, "shop_order_list": found}}
