"""Small HTTP clients that push stock and confirm shipments, one per platform, with its semantics:

- Taobao/Tmall ``taobao.item.quantity.update`` (type=1, full quantity); JD
  ``jingdong.stock.write.updateSkuStock`` (full); PDD ``pdd.goods.quantity.update`` (update_type=1,
  full; a refused decrease of goods on a promotion slot is a *refusal*, reported, never silent);
- Douyin ``sku.syncStock`` incremental (``incremental=true``, signed delta) with an ``idempotent_id``
  that a retry of the same attempt reuses;
- Shopify ``inventorySetQuantities`` with ``compareQuantity`` (set-with-compare): when the platform's
  quantity is not what we last pushed (``COMPARE_QUANTITY_STALE``) the sender reads it and sets again;
- own site: JSON with an HMAC of the body.

A result says accepted, retry (transport trouble, a 5xx, an unknown error) or refused (permanent:
the caller raises a floor exception). The caller (the push in service.py) never sends an accepted
shipment again.
"""

from __future__ import annotations

import abc
import json
import time
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import msgspec

from floor.availability.model import ChannelProfile, Listing
from floor.availability.signing import body_signature, douyin_param_json, douyin_sign, top_sign

_CN = timezone(timedelta(hours=8))
SHOPIFY_VERSION = "2025-01"


class PushResult(msgspec.Struct, frozen=True):
    outcome: str  # accepted | retry | refused
    detail: str = ""


class Shipment(msgspec.Struct, frozen=True):
    """One parcel of one platform order, confirmed to the platform once."""

    parcel: str  # our parcel id: the key that is never confirmed twice
    platform_order_id: str
    carrier: str
    waybill: str
    line_ids: list[str] = []  # the platform's line ids in this parcel (split orders)


ACCEPTED, RETRY = PushResult("accepted"), PushResult("retry")


def _cn_time() -> str:
    return datetime.now(UTC).astimezone(_CN).strftime("%Y-%m-%d %H:%M:%S")


class Sender(abc.ABC):
    """Base: ``set_stock`` and ``confirm`` per platform over one shared httpx client (each platform's
    sender below implements both)."""

    def __init__(self, profile: ChannelProfile, http: httpx.AsyncClient) -> None:
        self.profile = profile
        self.http = http

    @abc.abstractmethod
    async def set_stock(self, listing: Listing, current: int | None, desired: int, attempt_id: str) -> PushResult:
        """Make the platform show ``desired`` for ``listing`` (idempotent on ``attempt_id``)."""

    @abc.abstractmethod
    async def confirm(self, shipment: Shipment) -> PushResult:
        """Tell the platform one parcel shipped (carrier code, waybill)."""

    async def _post(self, url: str, **kwargs: Any) -> tuple[int, Any]:
        try:
            response = await self.http.post(url, **kwargs)
        except httpx.HTTPError as error:
            return 0, {"transport": str(error)}
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, {"raw": response.text[:200]}


class TopStyleSender(Sender):
    """Taobao/Tmall and JD: form POST of signed parameters; errors in ``error_response``."""

    async def _call(self, method: str, biz: dict[str, str]) -> tuple[bool, str]:
        params = {"method": method, "app_key": self.profile.app_key, "session": self.profile.access_token,
                  "timestamp": _cn_time(), "format": "json", "v": "2.0", "sign_method": "md5", **biz}
        params["sign"] = top_sign(params, self.profile.app_secret)
        status, body = await self._post(f"{self.profile.endpoint}/router/rest", data=params)
        if status != 200 or not isinstance(body, dict):
            return False, f"http {status}"
        error = body.get("error_response")
        if error:
            return False, f"{error.get('code')} {error.get('sub_code', '')} {error.get('sub_msg', error.get('msg', ''))}"
        return True, ""

    async def set_stock(self, listing: Listing, current: int | None, desired: int, attempt_id: str) -> PushResult:
        if self.profile.channel == "jd":
            biz = {"360buy_param_json": json.dumps({"skuId": listing.sku_id, "stockNum": desired},
                                                   separators=(",", ":"))}
            ok, detail = await self._call("jingdong.stock.write.updateSkuStock", biz)
        else:
            biz = {"num_iid": listing.item_id, "sku_id": listing.sku_id, "quantity": str(desired), "type": "1"}
            ok, detail = await self._call("taobao.item.quantity.update", biz)
        return ACCEPTED if ok else PushResult("retry", detail)

    async def confirm(self, shipment: Shipment) -> PushResult:
        if self.profile.channel == "jd":
            biz = {"360buy_param_json": json.dumps({"orderId": shipment.platform_order_id, "logiCoprId":
                                                    shipment.carrier, "logiNo": shipment.waybill},
                                                   separators=(",", ":"))}
            ok, detail = await self._call("jingdong.pop.order.shipment", biz)
        else:
            biz = {"tid": shipment.platform_order_id, "out_sid": shipment.waybill, "company_code": shipment.carrier,
                   "sub_tid": ",".join(shipment.line_ids), "is_split": "1" if shipment.line_ids else "0"}
            ok, detail = await self._call("taobao.logistics.offline.send", biz)
        return _ship_result(ok, detail)


def _ship_result(ok: bool, detail: str) -> PushResult:
    """A platform that says the parcel is already shipped has accepted it earlier (a retry)."""
    if ok or "already" in detail.lower() or "已发货" in detail:
        return ACCEPTED
    return PushResult("retry", detail)


class PddSender(Sender):
    async def _call(self, kind: str, biz: dict[str, str]) -> tuple[bool, str, str]:
        params = {"type": kind, "client_id": self.profile.app_key, "access_token": self.profile.access_token,
                  "timestamp": str(int(time.time())), "data_type": "JSON", **biz}
        params["sign"] = top_sign(params, self.profile.app_secret)
        status, body = await self._post(f"{self.profile.endpoint}/api/router", data=params)
        if status != 200 or not isinstance(body, dict):
            return False, "", f"http {status}"
        error = body.get("error_response")
        if error:
            return False, str(error.get("sub_code", error.get("error_code", ""))), str(error.get("error_msg", ""))
        return True, "", ""

    async def set_stock(self, listing: Listing, current: int | None, desired: int, attempt_id: str) -> PushResult:
        biz = {"goods_id": listing.item_id, "sku_id": listing.sku_id, "quantity": str(desired), "update_type": "1"}
        ok, code, message = await self._call("pdd.goods.quantity.update", biz)
        if ok:
            return ACCEPTED
        lowering = current is None or desired < current
        if lowering and ("资源位" in message or "promotion" in message.lower()):
            return PushResult("refused", f"PDD refused to lower stock of goods {listing.item_id} sku "
                                         f"{listing.sku_id} to {desired} (promotion slot): {code} {message}")
        return PushResult("retry", f"{code} {message}")

    async def confirm(self, shipment: Shipment) -> PushResult:
        biz = {"order_sn": shipment.platform_order_id, "logistics_id": shipment.carrier,
               "tracking_number": shipment.waybill}
        ok, _code, message = await self._call("pdd.logistics.online.send", biz)
        return _ship_result(ok, message)


class DouyinSender(Sender):
    async def _call(self, method: str, param: dict[str, Any]) -> tuple[bool, str]:
        pj, ts = douyin_param_json(param), _cn_time()
        query = {"app_key": self.profile.app_key, "method": method, "timestamp": ts, "v": "2",
                 "sign_method": "hmac-sha256", "access_token": self.profile.access_token,
                 "sign": douyin_sign(self.profile.app_key, method, pj, ts, self.profile.app_secret)}
        status, body = await self._post(f"{self.profile.endpoint}/{method.replace('.', '/')}", params=query,
                                        content=pj.encode(), headers={"Content-Type": "application/json"})
        if status != 200 or not isinstance(body, dict):
            return False, f"http {status}"
        if body.get("code") != 10000:
            return False, f"{body.get('code')} {body.get('sub_msg', body.get('msg', ''))}"
        return True, ""

    async def set_stock(self, listing: Listing, current: int | None, desired: int, attempt_id: str) -> PushResult:
        param = {"sku_id": listing.sku_id, "product_id": listing.item_id, "stock_num": desired - (current or 0),
                 "incremental": current is not None, "idempotent_id": attempt_id}
        if current is None:  # never pushed: set the full quantity once, then go incremental
            param["stock_num"] = desired
        ok, detail = await self._call("sku.syncStock", param)
        return ACCEPTED if ok else PushResult("retry", detail)

    async def confirm(self, shipment: Shipment) -> PushResult:
        ok, detail = await self._call("order.logisticsAdd", {
            "order_id": shipment.platform_order_id, "company_code": shipment.carrier,
            "logistics_code": shipment.waybill})
        return _ship_result(ok, detail)


class ShopifySender(Sender):
    SET = ("mutation inventorySet($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) "
           "{ userErrors { code field message } } }")
    READ = ("query level($item: ID!, $location: ID!) { inventoryItem(id: $item) { inventoryLevel(locationId: "
            "$location) { quantities(names: [\"available\"]) { name quantity } } } }")
    FULFIL = ("mutation fulfil($fulfillment: FulfillmentInput!) { fulfillmentCreate(fulfillment: $fulfillment) "
              "{ userErrors { field message } } }")

    async def _graphql(self, query: str, variables: dict[str, Any]) -> tuple[int, Any]:
        return await self._post(
            f"{self.profile.endpoint}/admin/api/{SHOPIFY_VERSION}/graphql.json",
            json={"query": query, "variables": variables},
            headers={"X-Shopify-Access-Token": self.profile.access_token})

    async def _set(self, listing: Listing, compare: int | None, desired: int) -> tuple[bool, str]:
        quantity: dict[str, Any] = {"inventoryItemId": listing.sku_id, "locationId": listing.location_id,
                                    "quantity": desired, "compareQuantity": compare}
        variables = {"input": {"name": "available", "reason": "correction", "quantities": [quantity],
                               "ignoreCompareQuantity": compare is None}}
        status, body = await self._graphql(self.SET, variables)
        if status != 200 or not isinstance(body, dict) or "data" not in body:
            return False, f"http {status}"
        errors = body["data"]["inventorySetQuantities"]["userErrors"]
        return (not errors), ",".join(str(e.get("code")) for e in errors)

    async def set_stock(self, listing: Listing, current: int | None, desired: int, attempt_id: str) -> PushResult:
        ok, codes = await self._set(listing, current, desired)
        if ok:
            return ACCEPTED
        if "COMPARE_QUANTITY_STALE" not in codes:
            return PushResult("retry", codes)
        status, body = await self._graphql(self.READ, {"item": listing.sku_id, "location": listing.location_id})
        try:
            levels = body["data"]["inventoryItem"]["inventoryLevel"]["quantities"]
            platform = int(next(q["quantity"] for q in levels if q["name"] == "available"))
        except (KeyError, TypeError, StopIteration, ValueError):
            return PushResult("retry", f"stale compare, then could not read the level (http {status})")
        ok, codes = await self._set(listing, platform, desired)
        return ACCEPTED if ok else PushResult("retry", codes)

    async def confirm(self, shipment: Shipment) -> PushResult:
        fulfillment = {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": shipment.platform_order_id}],
                       "trackingInfo": {"company": shipment.carrier, "number": shipment.waybill},
                       "notifyCustomer": True}
        status, body = await self._graphql(self.FULFIL, {"fulfillment": fulfillment})
        if status != 200 or not isinstance(body, dict) or "data" not in body:
            return PushResult("retry", f"http {status}")
        errors = body["data"]["fulfillmentCreate"]["userErrors"]
        return _ship_result(not errors, ",".join(str(e.get("message")) for e in errors))


class OwnSiteSender(Sender):
    async def _send(self, path: str, payload: dict[str, Any]) -> tuple[bool, str]:
        body = json.dumps(payload, separators=(",", ":")).encode()
        status, answer = await self._post(f"{self.profile.endpoint}{path}", content=body, headers={
            "Content-Type": "application/json", "X-Floor-Signature": body_signature(body, self.profile.app_secret)})
        return status == 200, f"http {status} {answer}"

    async def set_stock(self, listing: Listing, current: int | None, desired: int, attempt_id: str) -> PushResult:
        ok, detail = await self._send("/stock", {"listing": listing.listing, "quantity": desired})
        return ACCEPTED if ok else PushResult("retry", detail)

    async def confirm(self, shipment: Shipment) -> PushResult:
        ok, detail = await self._send("/shipments", msgspec.to_builtins(shipment))
        return _ship_result(ok, detail)


SENDERS: dict[str, type[Sender]] = {
    "tmall": TopStyleSender, "taobao": TopStyleSender, "jd": TopStyleSender, "pinduoduo": PddSender,
    "douyin": DouyinSender, "shopify": ShopifySender, "own_site": OwnSiteSender,
}


def sender_for(profile: ChannelProfile, http: httpx.AsyncClient) -> Sender:
    return SENDERS[profile.channel](profile, http)
