"""Channel webhooks through a real uvicorn node and Redis: signature checked before the body is read
(401), malformed 400, unknown shop 404, Shopify deliveries deduplicated, orders idempotent, holds
answered 200 with the reason; the admin API for shops (secret never returned) and SKU mappings."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from floor.channels import signing
from tests.floor.channels import fixtures as fx
from tests.live import LiveApp

SECRET = "synthetic-secret-0001"


def admin(live_app: LiveApp) -> dict[str, str]:
    return live_app.headers("admin")


def register(live_app: LiveApp, channel: str, mappings: list[dict[str, Any]], app_key: str = "") -> str:
    shop = f"{channel}-{uuid.uuid4().hex[:8]}"
    body = {"channel": channel, "shop": shop, "secret": SECRET, "warehouse": live_app.warehouse, "app_key": app_key}
    response = httpx.post(f"{live_app.url}/api/channels/shops", json=body, headers=admin(live_app), timeout=10)
    assert response.status_code == 201, response.text
    view = response.json()
    assert SECRET not in response.text and view["secret_hint"] == "…0001"
    assert view["webhook_path"] == f"/api/channels/{channel}/{shop}/webhook"
    response = httpx.post(f"{live_app.url}/api/channels/{channel}/{shop}/skus", json={"mappings": mappings},
                          headers=admin(live_app), timeout=10)
    assert response.status_code == 200, response.text
    return shop


def cup_towel(cup: str, towel: str) -> list[dict[str, Any]]:
    return [{"channel_sku": cup, "components": [{"sku": "SKU00001", "quantity": 1}]},
            {"channel_sku": towel, "components": [{"sku": "SKU00002", "quantity": 1}]}]


def hook(live_app: LiveApp, channel: str, shop: str, body: bytes, headers: dict[str, str],
         params: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(f"{live_app.url}/api/channels/{channel}/{shop}/webhook", content=body, params=params,
                      headers={"Content-Type": "application/json", **headers}, timeout=10)


def record(live_app: LiveApp, channel: str, shop: str, order_id: str) -> dict[str, Any]:
    response = httpx.get(f"{live_app.url}/api/channels/{channel}/{shop}/orders/{order_id}",
                         headers=live_app.headers("supervisor"), timeout=10)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_shopify_signed_deduplicated_tampered_and_malformed(live_app: LiveApp) -> None:
    shop = register(live_app, "shopify", cup_towel("SH-CUP", "variant:990002"))
    body = fx.body(fx.shopify_order())
    good = {"X-Shopify-Hmac-Sha256": signing.shopify_sign(body, SECRET), "X-Shopify-Topic": "orders/create",
            "X-Shopify-Webhook-Id": str(uuid.uuid4())}
    tampered = body.replace(b'"quantity": 2', b'"quantity": 9')
    assert hook(live_app, "shopify", shop, tampered, good).status_code == 401
    assert hook(live_app, "shopify", shop, body, {**good, "X-Shopify-Hmac-Sha256": "AAAA"}).status_code == 401
    assert hook(live_app, "shopify", shop, body, {"X-Shopify-Topic": "orders/create"}).status_code == 401
    response = hook(live_app, "shopify", shop, body, good)
    assert response.status_code == 200, response.text
    [outcome] = response.json()["orders"]
    assert outcome["result"] == "reserved" and outcome["floor_order"]
    assert hook(live_app, "shopify", shop, body, good).json()["duplicate"] is True  # same delivery id
    again = hook(live_app, "shopify", shop, body, {**good, "X-Shopify-Webhook-Id": str(uuid.uuid4())})
    assert again.json()["orders"][0]["result"] == "repeat"  # a new delivery of the same version
    seen = record(live_app, "shopify", shop, "5550001111")
    assert seen["floor_order"] == outcome["floor_order"] and [line["sku"] for line in seen["lines"]] == [
        "SKU00001", "SKU00002"]
    junk = b"{not json"
    bad = hook(live_app, "shopify", shop, junk, {**good, "X-Shopify-Hmac-Sha256": signing.shopify_sign(junk, SECRET),
                                                 "X-Shopify-Webhook-Id": str(uuid.uuid4())})
    assert bad.status_code == 400 and bad.json()["error"] == "malformed"
    assert hook(live_app, "shopify", "no-such-shop", body, good).status_code == 404
    gone = b'{"id": 5550001111}'
    deleted = hook(live_app, "shopify", shop, gone, {"X-Shopify-Hmac-Sha256": signing.shopify_sign(gone, SECRET),
                                                     "X-Shopify-Topic": "orders/delete"})
    assert deleted.status_code == 200 and deleted.json()["orders"] == []  # acknowledged, nothing changed
    nowhere = httpx.post(f"{live_app.url}/api/channels/shops", headers=admin(live_app), timeout=10, json={
        "channel": "jd", "shop": "x", "secret": SECRET, "warehouse": "NOWH1"})
    assert nowhere.status_code == 404
    assert hook(live_app, "nochannel", shop, body, good).status_code in (400, 404)


def test_shopify_cancel_after_intake_and_stale_retry(live_app: LiveApp) -> None:
    shop = register(live_app, "shopify", cup_towel("SH-CUP", "variant:990002"))

    def send(payload: dict[str, Any], topic: str) -> dict[str, Any]:
        body = fx.body(payload)
        response = hook(live_app, "shopify", shop, body, {
            "X-Shopify-Hmac-Sha256": signing.shopify_sign(body, SECRET), "X-Shopify-Topic": topic,
            "X-Shopify-Webhook-Id": str(uuid.uuid4())})
        assert response.status_code == 200, response.text
        return dict(response.json()["orders"][0])

    created = send(fx.shopify_order(order_id=5550002222), "orders/create")
    cancelled = fx.shopify_order(order_id=5550002222, updated_at="2026-12-03T10:30:00-05:00")
    cancelled["cancelled_at"] = "2026-12-03T10:30:00-05:00"
    outcome = send(cancelled, "orders/cancelled")
    assert (outcome["result"], outcome["floor_order"]) == ("cancel_requested", created["floor_order"])
    assert send(fx.shopify_order(order_id=5550002222), "orders/updated")["result"] == "stale"  # retry of the old one


def test_douyin_push_event_sign(live_app: LiveApp) -> None:
    app_key = "7000001"
    shop = register(live_app, "douyin", cup_towel("DY-CUP", "DY-TOWEL"), app_key=app_key)
    body = fx.body(fx.douyin_push(fx.douyin_order(order_id="6920000000000000101")))
    headers = {"app-id": app_key, "event-sign": signing.douyin_push_sign(body, app_key, SECRET)}
    response = hook(live_app, "douyin", shop, body, headers)
    assert response.status_code == 200 and response.json()["code"] == 0, response.text
    assert response.json()["orders"][0]["result"] == "reserved"
    assert hook(live_app, "douyin", shop, body + b" ", headers).status_code == 401
    thin = fx.body([{"tag": "100", "msg_id": "1", "data": '{"p_id": 6920000000000000202, "shop_id": 1}'}])
    response = hook(live_app, "douyin", shop, thin, {"app-id": app_key,
                                                     "event-sign": signing.douyin_push_sign(thin, app_key, SECRET)})
    assert response.json()["noted"] == ["6920000000000000202"]


def top_params(app_key: str, body: bytes, *, minutes_ago: int = 0) -> dict[str, str]:
    at = datetime.now(timezone(timedelta(hours=8))) - timedelta(minutes=minutes_ago)
    params = {"app_key": app_key, "timestamp": at.strftime("%Y-%m-%d %H:%M:%S"), "sign_method": "md5",
              "method": "qimen.taobao.trade.push"}
    params["sign"] = signing.top_sign(params, SECRET, body=body)
    return params


def test_top_style_push_tmall_jd_pdd(live_app: LiveApp) -> None:
    tmall = register(live_app, "tmall", cup_towel("TB-CUP-RED", "TB-TOWEL"), app_key="12345678")
    body = fx.body(fx.taobao_trade(tid="3021234567890999"))
    response = hook(live_app, "tmall", tmall, body, {}, top_params("12345678", body))
    assert response.status_code == 200 and response.json()["orders"][0]["result"] == "reserved", response.text
    assert hook(live_app, "tmall", tmall, body, {}, top_params("12345678", body, minutes_ago=30)).status_code == 401
    assert hook(live_app, "tmall", tmall, body, {}, top_params("99999999", body)).status_code == 401
    params = top_params("12345678", body)
    assert hook(live_app, "tmall", tmall, body.replace(b"5027.00", b"1.00"), {}, params).status_code == 401

    jd = register(live_app, "jd", [{"channel_sku": "JD-BUNDLE-2", "components": [{"sku": "SKU00003", "quantity": 2}]},
                                   {"channel_sku": "JD-GIFT", "components": [{"sku": "SKU00004", "quantity": 1}]}])
    body = fx.body(fx.jd_order(order_id="290012340001", state="LOCKED"))
    outcome = hook(live_app, "jd", jd, body, {}, top_params("", body)).json()["orders"][0]
    assert outcome["result"] == "held" and "LOCKED" in outcome["reasons"][0]
    held = httpx.get(f"{live_app.url}/api/channels/jd/{jd}/held", headers=live_app.headers(), timeout=10)
    assert held.json() == ["290012340001"]
    elsewhere, _ = live_app.signer.issue("supervisor", "elsewhere", "ZZ9")  # a supervisor of another warehouse
    refused = httpx.get(f"{live_app.url}/api/channels/jd/{jd}/held", timeout=10,
                        headers={"Authorization": f"Bearer {elsewhere}"})
    assert refused.status_code == 403

    pdd = register(live_app, "pinduoduo", [{"channel_sku": "PDD-TOWEL", "components": [{"sku": "SKU00005"}]}])
    body = fx.body(fx.pdd_order(order_sn="261203-000000000000001", group_status=0))
    assert hook(live_app, "pinduoduo", pdd, body, {}, top_params("", body)).json()["orders"][0]["result"] == "pending"
    body = fx.body(fx.pdd_order(order_sn="261203-000000000000001", updated_at="2026-12-03 09:30:00"))
    assert hook(live_app, "pinduoduo", pdd, body, {}, top_params("", body)).json()["orders"][0]["result"] == "reserved"


def test_own_site_and_admin_lists(live_app: LiveApp) -> None:
    shop = register(live_app, "own_site", [{"channel_sku": "WEB-CUP", "components": [{"sku": "SKU00006"}]}])
    body = fx.body(fx.own_site_order(order_id=f"WEB-{int(time.time())}"))
    assert hook(live_app, "own_site", shop, body, {"X-Floor-Signature": "nope"}).status_code == 401
    response = hook(live_app, "own_site", shop, body, {"X-Floor-Signature": signing.own_site_sign(body, SECRET)})
    assert response.json()["orders"][0]["result"] == "reserved"
    shops = httpx.get(f"{live_app.url}/api/channels/shops", headers=admin(live_app), timeout=10).json()
    assert any(s["shop"] == shop for s in shops) and SECRET not in str(shops)
    maps = httpx.get(f"{live_app.url}/api/channels/own_site/{shop}/skus", headers=admin(live_app), timeout=10)
    assert maps.json()[0]["channel_sku"] == "WEB-CUP"
    bad = httpx.post(f"{live_app.url}/api/channels/own_site/{shop}/skus", headers=admin(live_app), timeout=10,
                     json={"mappings": [{"channel_sku": "X", "components": []}]})
    assert bad.status_code == 400
    channel = httpx.post(f"{live_app.url}/api/channels/shops", headers=live_app.headers("channel"), timeout=10,
                         json={"channel": "jd", "shop": "x", "secret": SECRET, "warehouse": live_app.warehouse})
    assert channel.status_code == 403
