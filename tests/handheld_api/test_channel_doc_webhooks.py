"""Deliveries as an independent client writes them from the platforms' docs (payload sources in
tests/floor/channels/doc_payloads.py), signed the way each platform documents, through a real node
and Redis: taken, held with a reason, or acknowledged — never refused for a documented shape."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from floor.channels import signing
from tests.floor.channels import doc_payloads as doc
from tests.handheld_api.test_channel_webhooks import SECRET, hook, record, register
from tests.live import LiveApp

BEIJING = timezone(timedelta(hours=8))


def mapped(*codes: str) -> list[dict[str, Any]]:
    return [{"channel_sku": code, "components": [{"sku": f"SKU000{10 + n:02d}", "quantity": 1}]}
            for n, code in enumerate(codes)]


def skus(live_app: LiveApp, channel: str, shop: str, order_id: str) -> list[str]:
    return sorted(line["sku"] for line in record(live_app, channel, shop, order_id)["lines"])


def test_taobao_fullinfo_pushed_with_the_top_signature(live_app: LiveApp) -> None:
    # TOP signing guide: every parameter but sign, sorted, k1v1k2v2..., the pushed body appended,
    # md5 = MD5(secret + s + secret) upper hex; the body sent with \\u escapes as Java's JSON writers do
    shop = register(live_app, "tmall", mapped("TB-CUP-RED", "COASTER", "TB-TOWEL"), app_key="21000001")
    body = doc.body(doc.taobao_fullinfo(), ensure_ascii=True)
    params = {"method": "qimen.taobao.trade.push", "app_key": "21000001", "format": "json", "v": "2.0",
              "sign_method": "hmac-sha256", "customerId": "c1", "partner_id": "",
              "timestamp": datetime.now(BEIJING).strftime("%Y-%m-%d %H:%M:%S")}
    params["sign"] = signing.top_sign(params, SECRET, "hmac-sha256", body)
    response = hook(live_app, "tmall", shop, body, {}, params)
    assert response.status_code == 200, response.text
    [outcome] = response.json()["orders"]
    assert outcome["result"] == "reserved", outcome
    assert skus(live_app, "tmall", shop, "3021234567899001") == ["SKU00010", "SKU00011"]  # towel refunding
    assert hook(live_app, "tmall", shop, body, {}, {**params, "sign": params["sign"].lower()}).status_code == 200
    tampered = body.replace(b'"num": 2', b'"num": 3')
    assert hook(live_app, "tmall", shop, tampered, {}, params).status_code == 401


def test_jd_get_answer_with_jd_regions_and_sdk_timestamp(live_app: LiveApp) -> None:
    shop = register(live_app, "jd", mapped("JD-BUNDLE-2", "JD-GIFT"), app_key="jd-app-01")
    body = doc.body(doc.jd_get())
    stamp = datetime.now(BEIJING).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + "+0800"
    params = {"method": "jingdong.pop.order.get", "app_key": "jd-app-01", "v": "2.0", "timestamp": stamp,
              "access_token": "tok"}
    params["sign"] = signing.top_sign(params, SECRET, "md5", body)
    response = hook(live_app, "jd", shop, body, {}, params)
    assert response.status_code == 200, response.text
    [outcome] = response.json()["orders"]
    assert outcome["result"] == "reserved" and outcome["reasons"] == [], outcome  # 北京/朝阳区 is an address
    paused = doc.body(doc.jd_get(order_id="290012399002", state="PAUSE"))
    params["sign"] = signing.top_sign({k: v for k, v in params.items() if k != "sign"}, SECRET, "md5", paused)
    held = hook(live_app, "jd", shop, paused, {}, params).json()["orders"][0]
    assert held["result"] == "held" and "PAUSE" in held["reasons"][0]


def test_pdd_information_answer_signed_with_client_id_and_epoch_seconds(live_app: LiveApp) -> None:
    shop = register(live_app, "pinduoduo", mapped("PDD-TOWEL"), app_key="pdd-client-1")
    body = doc.body(doc.pdd_information())
    params = {"type": "pdd.order.information.get", "client_id": "pdd-client-1", "data_type": "JSON",
              "version": "V1", "timestamp": str(int(time.time()))}
    params["sign"] = signing.top_sign(params, SECRET, "md5", body)
    response = hook(live_app, "pinduoduo", shop, body, {}, params)
    assert response.status_code == 200, response.text
    assert response.json()["orders"][0]["result"] == "reserved"
    refund = doc.body(doc.pdd_information(order_sn="261203-555000000000002", refund_status=2))
    params["sign"] = signing.top_sign({k: v for k, v in params.items() if k != "sign"}, SECRET, "md5", refund)
    held = hook(live_app, "pinduoduo", shop, refund, {}, params).json()["orders"][0]
    assert held["result"] == "held" and "refund_status 2" in held["reasons"][0]
    wrong = {**params, "client_id": "someone-else"}
    assert hook(live_app, "pinduoduo", shop, refund, {}, wrong).status_code == 401


def test_douyin_push_with_a_product_message_and_both_signatures(live_app: LiveApp) -> None:
    app_key = "7000009"
    shop = register(live_app, "douyin", mapped("DY-CUP", "DY-COASTER", "DY-TOWEL"), app_key=app_key)
    body = doc.body(doc.douyin_push(doc.douyin_detail()))
    response = hook(live_app, "douyin", shop, body, {
        "app-id": app_key, "event-sign": signing.douyin_push_sign(body, app_key, SECRET)})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["code"], answer["noted"]) == (0, ["6920000000000009101"])
    assert answer["orders"][0]["result"] == "reserved"
    assert skus(live_app, "douyin", shop, "6920000000000009001") == ["SKU00010", "SKU00011"]  # towel after-sale
    later = doc.body(doc.douyin_push(doc.douyin_detail(update_time=1796277900, after_sale_status=28),
                                     ensure_ascii=True))
    response = hook(live_app, "douyin", shop, later, {
        "app-id": app_key, "sign-method": "hmac-sha256",
        "event-sign": signing.douyin_push_sign(later, app_key, SECRET, "hmac-sha256")})
    assert response.status_code == 200, response.text
    assert skus(live_app, "douyin", shop, "6920000000000009001") == ["SKU00010", "SKU00011", "SKU00012"]
    assert hook(live_app, "douyin", shop, later, {
        "app-id": app_key, "event-sign": signing.douyin_push_sign(later, app_key, SECRET, "hmac-sha256")
    }).status_code == 401


def test_shopify_orders_create_with_doc_header_case_and_a_custom_item(live_app: LiveApp) -> None:
    shop = register(live_app, "shopify", mapped("IPOD2008RED", "variant:457924702"))

    def send(payload: dict[str, Any]) -> httpx.Response:
        body = doc.body(payload)
        return hook(live_app, "shopify", shop, body, {
            "X-Shopify-Hmac-SHA256": signing.shopify_sign(body, SECRET), "X-Shopify-Topic": "orders/create",
            "X-Shopify-Shop-Domain": "doc-shop.myshopify.com", "X-Shopify-API-Version": "2025-01",
            "X-Shopify-Webhook-Id": str(uuid.uuid4()), "X-Shopify-Event-Id": str(uuid.uuid4()),
            "X-Shopify-Triggered-At": "2026-12-03T15:00:00.000000Z"})

    response = send(doc.shopify_create())
    assert response.status_code == 200, response.text
    assert response.json()["orders"][0]["result"] == "reserved"
    response = send(doc.shopify_create(order_id=820982911946154509, custom_line=True))
    assert response.status_code == 200, response.text  # was a 400: Shopify would retry it for days
    held = response.json()["orders"][0]
    assert held["result"] == "held" and any("custom item" in reason for reason in held["reasons"])
