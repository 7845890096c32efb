"""Adapters, signing and addresses against payloads written from the platforms' own docs
(tests/floor/channels/doc_payloads.py names each source): what our fixtures never had."""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from floor.channels import signing
from floor.channels.adapters import adapt
from floor.channels.adapters.common import decode
from floor.channels.address import normalise
from floor.channels.canonical import Address, CanonicalOrder
from floor.channels.service import _fresh
from floor.channels.signing import SignatureError
from floor.channels.webhooks import order_payloads
from tests.floor.channels import doc_payloads as doc


def take(channel: str, payload: Any, *, ensure_ascii: bool = False) -> CanonicalOrder:
    return adapt(channel, "s1", decode(doc.body(payload, ensure_ascii=ensure_ascii)))


def codes(order: CanonicalOrder) -> tuple[str, str, str]:
    address, problem = normalise(order.address)
    assert problem == ""
    return address.province_code, address.city_code, address.district_code


@pytest.mark.parametrize("ensure_ascii", [False, True], ids=["utf8", "escaped"])
def test_taobao_fullinfo_gift_and_one_refunding_line(ensure_ascii: bool) -> None:
    order = take("tmall", doc.taobao_fullinfo(), ensure_ascii=ensure_ascii)
    assert (order.platform_order_id, order.state, order.total_minor) == ("3021234567899001", "ready", 13900)
    assert [(line.channel_sku, line.quantity, line.gift, line.refunding) for line in order.lines] == [
        ("TB-CUP-RED", 2, False, False), ("COASTER", 1, True, False), ("TB-TOWEL", 1, False, True)]
    assert order.buyer_message == "请用顺丰，谢谢！" and order.address.masked
    assert codes(order) == ("110000", "110100", "110105")


def test_taobao_closed_trade_with_an_unknown_line_refund_status_is_cancelled_not_held() -> None:
    # a TRADE_CLOSED trade is final: an odd line status must not turn the cancel into a hold
    payload = doc.taobao_fullinfo(status="TRADE_CLOSED")
    payload["trade_fullinfo_get_response"]["trade"]["orders"]["order"][0]["refund_status"] = "SOMETHING_NEW"
    order = take("taobao", payload)
    assert (order.state, order.hold_reasons) == ("cancelled", [])
    payload = doc.taobao_fullinfo()
    payload["trade_fullinfo_get_response"]["trade"]["orders"]["order"][0]["refund_status"] = "SOMETHING_NEW"
    held = take("taobao", payload)
    assert held.state == "hold" and "SOMETHING_NEW" in held.hold_reasons[0]


def test_jd_get_answer_is_unwrapped_and_jd_municipality_levels_are_read() -> None:
    order = take("jd", doc.jd_get())
    assert (order.platform_order_id, order.state, order.total_minor) == ("290012399001", "ready", 15850)
    assert [(line.channel_sku, line.quantity, line.gift) for line in order.lines] == [
        ("JD-BUNDLE-2", 2, False), ("JD-GIFT", 1, True)]
    # JD regions: 北京 / 朝阳区 (a district at JD's city level) / 三环到四环之间 (a JD sub-area)
    assert codes(order) == ("110000", "110100", "110105")
    spelled = doc.jd_get()
    spelled["jingdong_pop_order_get_response"] = spelled.pop("jingdong_pop_order_get_responce")
    assert take("jd", spelled).platform_order_id == "290012399001"


@pytest.mark.parametrize(("province", "city", "county", "expected"), [
    ("上海", "浦东新区", "张江镇", ("310000", "310100", "310115")),
    ("重庆", "巫山县", "巫峡镇", ("500000", "500200", "500237")),
    ("天津", "滨海新区", "", ("120000", "120100", "120116")),
    ("广东", "东莞市", "南城街道", ("440000", "441900", "")),  # no district level: the town is not one
])
def test_jd_region_levels(province: str, city: str, county: str, expected: tuple[str, str, str]) -> None:
    address, problem = normalise(Address(province=province, city=city, district=county))
    assert problem == "" and (address.province_code, address.city_code, address.district_code) == expected
    _, problem = normalise(Address(province="北京", city="不存在区", district="三环以内"))
    assert "不存在区" in problem  # still never guessed


def test_jd_pause_holds_with_its_reason() -> None:
    order = take("jd", doc.jd_get(state="PAUSE"))
    assert order.state == "hold" and "PAUSE" in order.hold_reasons[0]


def test_pdd_information_answer_strings_and_municipality() -> None:
    order = take("pinduoduo", doc.pdd_information())
    assert (order.platform_order_id, order.state, order.total_minor) == ("261203-555000000000001", "ready", 1990)
    assert order.lines[0].channel_sku == "PDD-TOWEL" and order.lines[0].unit_price_minor == 1990
    assert order.address.detail == "~AgAAAAFdoc-street~" and order.address.masked
    assert order.promised_ship_ms == 1796432405000  # last_ship_time 2026-12-05 09:00:05 Beijing
    assert codes(order) == ("310000", "310100", "310115")  # 上海市 / 上海市 / town 浦东新区


@pytest.mark.parametrize(("status", "state"), [
    ({"refund_status": 2}, "hold"), ({"refund_status": 4}, "cancelled"), ({"group_status": 0}, "pending"),
    ({"risk_control_status": 1}, "pending"), ({"order_status": 2}, "shipped"), ({"order_status": 9}, "hold"),
])
def test_pdd_statuses_as_the_docs_number_them(status: dict[str, int], state: str) -> None:
    assert take("pinduoduo", doc.pdd_information(**status)).state == state


def test_douyin_detail_unit_price_gift_and_open_after_sale() -> None:
    order = take("douyin", doc.douyin_detail())
    assert (order.platform_order_id, order.state) == ("6920000000000009001", "ready")
    # origin_amount is the unit price (商品现价), sum_amount = unit x item_num
    assert [(line.channel_sku, line.quantity, line.unit_price_minor, line.gift, line.refunding)
            for line in order.lines] == [("DY-CUP", 2, 5000, False, False), ("DY-COASTER", 1, 0, True, False),
                                         ("DY-TOWEL", 1, 2800, False, True)]
    assert codes(order) == ("310000", "310100", "310115")
    refused = take("douyin", doc.douyin_detail(after_sale_status=27))  # 拒绝售后申请: the line ships
    assert [line.refunding for line in refused.lines] == [False, False, False]


def test_douyin_unknown_after_sale_status_holds_unless_the_order_is_over() -> None:
    order = take("douyin", doc.douyin_detail(after_sale_status=77))
    assert order.state == "hold" and "after_sale_status 77" in order.hold_reasons[0]
    done = take("douyin", doc.douyin_detail(status=4, after_sale_status=77))
    assert (done.state, done.hold_reasons) == ("cancelled", [])


@pytest.mark.parametrize("ensure_ascii", [False, True], ids=["utf8", "escaped"])
def test_douyin_push_thin_product_and_full_messages(ensure_ascii: bool) -> None:
    body = doc.body(doc.douyin_push(doc.douyin_detail(), ensure_ascii=ensure_ascii), ensure_ascii=ensure_ascii)
    payloads, noted = order_payloads("douyin", decode(body), {})
    assert noted == ["6920000000000009101"]  # the product change (tag 400) names no order: ignored, not refused
    assert [adapt("douyin", "s1", p).platform_order_id for p in payloads] == ["6920000000000009001"]


def test_douyin_push_signature_md5_and_hmac_sha256() -> None:
    body = doc.body(doc.douyin_push(doc.douyin_detail()))
    md5 = hashlib.md5(b"7000001" + body + b"dy-secret").hexdigest()
    signing.douyin_push_verify(body, "7000001", "dy-secret", "7000001", md5)
    signing.douyin_push_verify(body, "7000001", "dy-secret", "7000001", md5.upper(), "md5")
    sha = hmac.new(b"dy-secret", b"7000001" + body + b"dy-secret", hashlib.sha256).hexdigest()
    signing.douyin_push_verify(body, "7000001", "dy-secret", "7000001", sha, "hmac-sha256")
    with pytest.raises(SignatureError):
        signing.douyin_push_verify(body, "7000001", "dy-secret", "7000001", sha)  # sha without its sign-method
    with pytest.raises(SignatureError):
        signing.douyin_push_verify(body, "7000001", "dy-secret", "7000001", md5, "hmac-sha256")
    with pytest.raises(SignatureError):
        signing.douyin_push_verify(body, "7000001", "dy-secret", "7000001", md5, "sha1")


def test_shopify_create_null_sku_gift_card_and_custom_item() -> None:
    order = take("shopify", doc.shopify_create())
    assert (order.platform_order_id, order.state, order.total_minor) == ("820982911946154508", "ready", 26300)
    assert [(line.channel_sku, line.quantity) for line in order.lines] == [
        ("IPOD2008RED", 1), ("variant:457924702", 2)]
    custom = take("shopify", doc.shopify_create(custom_line=True))
    assert custom.state == "hold" and "custom item" in custom.hold_reasons[0]
    cancelled = doc.shopify_create(custom_line=True)
    cancelled["cancelled_at"], cancelled["financial_status"] = "2026-12-03T10:30:00-05:00", "voided"
    assert take("shopify", cancelled).state == "cancelled"  # Shopify's own test notification is such an order


def test_top_timestamps_as_each_platform_sends_them() -> None:
    beijing = datetime.now(timezone(timedelta(hours=8)))
    for timestamp in (beijing.strftime("%Y-%m-%d %H:%M:%S"),  # Taobao / JD docs
                      beijing.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + "+0800",  # JD SDK
                      str(int(time.time())),  # PDD: epoch seconds
                      str(int(time.time() * 1000))):  # epoch milliseconds
        _fresh(timestamp)
    stale = beijing - timedelta(minutes=11)
    for timestamp in (stale.strftime("%Y-%m-%d %H:%M:%S"), stale.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + "+0800",
                      str(int(stale.timestamp() * 1000)), "2026-13-01 00:00:00.000+0800", ""):
        with pytest.raises(SignatureError):
            _fresh(timestamp)


def test_top_sign_method_in_capitals_is_the_same_method() -> None:
    params = {"app_key": "12345678", "timestamp": "2026-12-03 10:00:00", "sign_method": "HMAC-SHA256", "v": "2.0"}
    body = doc.body(doc.taobao_fullinfo())
    params["sign"] = signing.top_sign(params, "s3cret", "hmac-sha256", body)
    signing.top_verify(params, "s3cret", body)
    with pytest.raises(SignatureError):
        signing.top_verify({**params, "sign_method": "HMAC"}, "s3cret", body)
