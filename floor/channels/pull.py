"""The pull importer for polled channels: time windows over the platform's modified time, every
page, through the same adapters and the same idempotent take as the webhooks.

No gap: a window is ``[cursor - overlap, min(start + window, now - lag)]`` and the cursor (Redis)
moves to its end only after every page of it was taken; a failure leaves the cursor, so the window
is read again. No double: taking is idempotent on (channel, shop, order id, updated_ms), so the
overlap and re-reads answer ``repeat``/``stale``. Pages shift while one pages through a window
(an order updated meanwhile leaves it, the rest move up a page), so after the first page (which
tells the total) the pages are read from the last back to the first: an order can then be read
twice, never skipped.

Request shapes (one :class:`Api` per platform; signatures from floor.channels.signing):
Taobao ``taobao.trades.sold.increment.get``, JD ``jingdong.pop.order.enSearch`` (``360buy_param_json``),
PDD ``pdd.order.number.list.increment.get``, Douyin ``order.searchList`` (pages from 0).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from floor.channels import signing
from floor.channels.adapters import AdapterError, adapt
from floor.channels.adapters.common import BEIJING, decode, integer, items, obj
from floor.channels.model import Shop
from floor.channels.service import Channels, Outcome

PAGE_SIZE = 100
MAX_PAGES = 500  # 50,000 orders in one window: make the window shorter instead


class PullError(RuntimeError):
    """The platform refused or answered something unreadable: the window is not advanced."""


@dataclass(frozen=True)
class Page:
    orders: list[dict[str, Any]]
    total: int


def _beijing(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def _now_s() -> str:
    return str(int(time.time()))


def _top_request(shop: Shop, method: str, params: dict[str, str]) -> dict[str, str]:
    common = {"method": method, "app_key": shop.app_key, "session": shop.access_token, "format": "json",
              "v": "2.0", "sign_method": shop.sign_method, "timestamp": _beijing(int(time.time() * 1000))}
    request = {**common, **params}
    request["sign"] = signing.top_sign(request, shop.secret, shop.sign_method)
    return request


def taobao_request(shop: Shop, start_ms: int, end_ms: int, page: int) -> dict[str, str]:
    return _top_request(shop, "taobao.trades.sold.increment.get", {
        "fields": "tid,status,payment,created,modified,receiver_name,receiver_mobile,receiver_state,"
                  "receiver_city,receiver_district,receiver_address,buyer_message,seller_memo,orders",
        "start_modified": _beijing(start_ms), "end_modified": _beijing(end_ms), "page_no": str(page),
        "page_size": str(PAGE_SIZE), "use_has_next": "false"})


def taobao_page(body: Any) -> Page:
    reply = _unwrap(body, "trades_sold_increment_get_response")
    trades = obj(reply.get("trades") or {"trade": []}, "trades").get("trade") or []
    return Page([{"trade": t} for t in items(trades, "trades.trade")], integer(reply, "total_results", default=0))


def jd_request(shop: Shop, start_ms: int, end_ms: int, page: int) -> dict[str, str]:
    params = {"start_date": _beijing(start_ms), "end_date": _beijing(end_ms), "page": str(page),
              "page_size": str(PAGE_SIZE), "date_type": "1",
              "order_state": "WAIT_SELLER_STOCK_OUT,WAIT_GOODS_RECEIVE_CONFIRM,FINISHED_L,TRADE_CANCELED,LOCKED,"
                             "POP_ORDER_PAUSE"}
    request = {"method": "jingdong.pop.order.enSearch", "app_key": shop.app_key, "access_token": shop.access_token,
               "v": "2.0", "timestamp": _beijing(int(time.time() * 1000)), "sign_method": "md5",
               "360buy_param_json": json.dumps(params, separators=(",", ":"), sort_keys=True)}
    request["sign"] = signing.top_sign(request, shop.secret, "md5")
    return request


def jd_page(body: Any) -> Page:
    reply = _unwrap(body, "jingdong_pop_order_enSearch_responce")  # sic: JD spells it so
    if str(reply.get("code", "0")) != "0":
        raise PullError(f"JD refused: code {reply.get('code')} {reply.get('zh_desc') or reply.get('msg', '')}")
    result = obj(reply.get("searchorderinfo_result"), "searchorderinfo_result")
    orders = items(result.get("orderInfoList") or [], "orderInfoList")
    return Page([{"orderInfo": o} for o in orders], integer(result, "orderTotal", default=0))


def pdd_request(shop: Shop, start_ms: int, end_ms: int, page: int) -> dict[str, str]:
    request = {"type": "pdd.order.number.list.increment.get", "client_id": shop.app_key,
               "access_token": shop.access_token, "timestamp": _now_s(), "data_type": "JSON",
               "start_updated_at": str(start_ms // 1000), "end_updated_at": str(end_ms // 1000),
               "order_status": "5", "refund_status": "5", "is_lucky_flag": "0", "page": str(page),
               "page_size": str(PAGE_SIZE), "use_has_next": "false"}
    request["sign"] = signing.top_sign(request, shop.secret, "md5")
    return request


def pdd_page(body: Any) -> Page:
    reply = _unwrap(body, "order_sn_increment_get_response")
    orders = items(reply.get("order_sn_list") or [], "order_sn_list")
    return Page([{"order_info": o} for o in orders], integer(reply, "total_count", default=0))


def douyin_request(shop: Shop, start_ms: int, end_ms: int, page: int) -> dict[str, str]:
    param_json = signing.douyin_param_json({"update_time_start": start_ms // 1000, "update_time_end": end_ms // 1000,
                                            "page": page - 1, "size": PAGE_SIZE, "order_by": "update_time"})
    timestamp = _now_s()
    sign_method = "md5" if shop.sign_method == "md5" else "hmac-sha256"
    return {"app_key": shop.app_key, "method": "order.searchList", "access_token": shop.access_token,
            "param_json": param_json, "timestamp": timestamp, "v": "2", "sign_method": sign_method,
            "sign": signing.douyin_api_sign(shop.app_key, shop.secret, "order.searchList", param_json, timestamp,
                                            sign_method)}


def douyin_page(body: Any) -> Page:
    reply = obj(body, "response")
    if integer(reply, "code", default=0) != 10000:
        raise PullError(f"Douyin refused: code {reply.get('code')} {reply.get('msg', '')} {reply.get('sub_msg', '')}")
    data = obj(reply.get("data"), "data")
    return Page(items(data.get("shop_order_list") or [], "shop_order_list"), integer(data, "total", default=0))


def douyin_detail_request(shop: Shop, order_id: str) -> dict[str, str]:
    param_json = signing.douyin_param_json({"shop_order_id": order_id})
    timestamp = _now_s()
    sign_method = "md5" if shop.sign_method == "md5" else "hmac-sha256"
    return {"app_key": shop.app_key, "method": "order.orderDetail", "access_token": shop.access_token,
            "param_json": param_json, "timestamp": timestamp, "v": "2", "sign_method": sign_method,
            "sign": signing.douyin_api_sign(shop.app_key, shop.secret, "order.orderDetail", param_json, timestamp,
                                            sign_method)}


def douyin_detail(body: Any) -> dict[str, Any]:
    reply = obj(body, "response")
    if integer(reply, "code", default=0) != 10000:
        raise PullError(f"Douyin refused: code {reply.get('code')} {reply.get('msg', '')} {reply.get('sub_msg', '')}")
    return obj(obj(reply.get("data"), "data").get("shop_order_detail"), "data.shop_order_detail")


def _unwrap(body: Any, name: str) -> dict[str, Any]:
    reply = obj(body, "response")
    if "error_response" in reply:
        error = obj(reply["error_response"], "error_response")
        raise PullError(f"the platform refused: {error.get('code', '')} {error.get('sub_msg') or error.get('msg') or error.get('error_msg', '')}")
    return obj(reply.get(name), name)


@dataclass(frozen=True)
class Api:
    request: Callable[[Shop, int, int, int], dict[str, str]]
    page: Callable[[Any], Page]


APIS: dict[str, Api] = {
    "taobao": Api(taobao_request, taobao_page), "tmall": Api(taobao_request, taobao_page),
    "jd": Api(jd_request, jd_page), "pinduoduo": Api(pdd_request, pdd_page), "douyin": Api(douyin_request, douyin_page),
}


@dataclass
class PullReport:
    windows: int = 0
    pages: int = 0
    orders: int = 0  # order reads (a page read twice counts twice; taking is idempotent)
    outcomes: dict[str, int] | None = None
    cursor_ms: int = 0


class Puller:
    """Pulls one shop's orders window by window; call :meth:`run` from a job or a timer."""

    def __init__(self, channels: Channels, http: httpx.AsyncClient, *, window_ms: int = 30 * 60_000,
                 overlap_ms: int = 5 * 60_000, lag_ms: int = 60_000, first_start_ms: int = 0) -> None:
        self.channels = channels
        self.http = http
        self.window_ms, self.overlap_ms, self.lag_ms = window_ms, overlap_ms, lag_ms
        self.first_start_ms = first_start_ms

    async def run(self, channel: str, shop_id: str, *, now_ms: int | None = None, max_windows: int = 48) -> PullReport:
        """Windows ``[cursor - overlap, cursor + window]`` up to now - lag (at most ``max_windows``); the cursor
        advances after each complete one, so a failed window is read again next time."""
        shop = await self.channels.shop(channel, shop_id)
        api = APIS.get(channel)
        if api is None or not shop.api_url:
            raise PullError(f"{channel}/{shop_id} is not pulled (no API for the channel or no api_url)")
        now = int(time.time() * 1000) if now_ms is None else now_ms
        report = PullReport(outcomes={})
        cursor = await self.channels.store.cursor(channel, shop_id)
        cursor_ms = int(cursor.get("end_ms", 0)) or self.first_start_ms or now - self.window_ms
        while report.windows < max_windows:
            start, end = cursor_ms - self.overlap_ms, min(cursor_ms + self.window_ms, now - self.lag_ms)
            if end <= cursor_ms:
                break  # nothing new since the last complete window
            taken = await self._window(shop, api, start, end, report)
            await self.channels.store.advance_cursor(channel, shop_id, end, taken)
            report.windows += 1
            report.cursor_ms = cursor_ms = end
        return report

    async def refetch(self, channel: str, shop_id: str, limit: int = 100) -> PullReport:
        """Fetch the full orders that thin push messages only announced (Douyin ``order.orderDetail``),
        take them, and drop them from the shop's refetch list; a failure leaves the rest listed."""
        if channel != "douyin":
            raise PullError(f"refetch is for Douyin's thin push messages, not {channel}")
        shop = await self.channels.shop(channel, shop_id)
        report = PullReport(outcomes={})
        for order_id in await self.channels.store.refetch_ids(channel, shop_id, limit):
            body = await self._post(shop, douyin_detail_request(shop, order_id))
            try:
                detail = douyin_detail(body)
            except AdapterError as error:
                raise PullError(f"{channel}/{shop_id}: unreadable order detail: {error}") from error
            report.pages += 1
            await self._take(shop, [detail], report)
            await self.channels.store.refetched(channel, shop_id, order_id)
        return report

    async def _post(self, shop: Shop, form: dict[str, str]) -> Any:
        try:
            response = await self.http.post(shop.api_url, data=form, timeout=30)
        except httpx.HTTPError as error:
            raise PullError(f"{shop.channel}/{shop.shop}: {error!r}") from error
        if response.status_code != 200:
            raise PullError(f"{shop.channel}/{shop.shop}: HTTP {response.status_code}")
        try:
            return decode(response.content)
        except AdapterError as error:
            raise PullError(f"{shop.channel}/{shop.shop}: not JSON: {error}") from error

    async def _window(self, shop: Shop, api: Api, start: int, end: int, report: PullReport) -> int:
        first = await self._fetch(shop, api, start, end, 1)
        report.pages += 1
        pages = min(MAX_PAGES, max(1, -(-first.total // PAGE_SIZE)))
        seen = await self._take(shop, first.orders, report)
        for page in range(pages, 0, -1):  # last to first: a shifting list reads an order twice, never zero times
            found = await self._fetch(shop, api, start, end, page)
            report.pages += 1
            seen += await self._take(shop, found.orders, report)
        return seen

    async def _fetch(self, shop: Shop, api: Api, start: int, end: int, page: int) -> Page:
        body = await self._post(shop, api.request(shop, start, end, page))
        try:
            return api.page(body)
        except AdapterError as error:
            raise PullError(f"{shop.channel}/{shop.shop}: unreadable page: {error}") from error

    async def _take(self, shop: Shop, payloads: list[dict[str, Any]], report: PullReport) -> int:
        for payload in payloads:
            try:
                outcome = await self.channels.take(shop, adapt(shop.channel, shop.shop, payload))
            except AdapterError as error:  # one malformed order must not stop the shop: record it as held
                ident = str(payload)[:64]
                outcome = Outcome(ident, "malformed", reasons=[str(error)])
            report.orders += 1
            assert report.outcomes is not None
            report.outcomes[outcome.result] = report.outcomes.get(outcome.result, 0) + 1
        return len(payloads)
