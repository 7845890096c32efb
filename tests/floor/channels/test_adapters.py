"""Adapters: each platform's documented payload -> the canonical order; state tables; money exact."""

from __future__ import annotations

from typing import Any

import pytest

from floor.channels.adapters import AdapterError, adapt
from floor.channels.adapters.common import decode
from floor.channels.canonical import CanonicalOrder
from floor.channels.money import MoneyError, to_minor
from tests.floor.channels import fixtures as fx


def take(channel: str, payload: Any, shop: str = "s1") -> CanonicalOrder:
    return adapt(channel, shop, decode(fx.body(payload)))  # through JSON, as a webhook gets it


def test_money_is_exact_and_refuses_fractions_of_a_fen() -> None:
    assert to_minor("4999.00") == 499900 and to_minor("0.10") == 10 and to_minor("19.9") == 1990
    assert to_minor("1500", "JPY") == 1500 and to_minor("1.234", "KWD") == 1234
    for bad in ("1.005", "abc", "NaN", "1e400000"):
        with pytest.raises(MoneyError):
            to_minor(bad)
    with pytest.raises(MoneyError):
        to_minor(19.9)  # a float never gets in
    assert take("pinduoduo", fx.pdd_order()).total_minor == 1990  # JSON number 19.9 read as Decimal


def test_taobao_trade_two_lines_masked_receiver() -> None:
    order = take("tmall", fx.taobao_trade())
    assert (order.channel, order.platform_order_id, order.state) == ("tmall", "3021234567890123", "ready")
    assert [(line.channel_sku, line.quantity, line.unit_price_minor) for line in order.lines] == [
        ("TB-CUP-RED", 2, 499900), ("TB-TOWEL", 1, 2900)]
    assert order.total_minor == 502700 and order.address.masked and order.address.province == "上海"
    assert order.updated_ms == 1796263500000  # 2026-12-03 10:05:00 Beijing = 02:05 UTC
    assert order.buyer_message == "请周五前发货"


def test_taobao_open_refund_blocks_only_that_line() -> None:
    payload = fx.taobao_trade()
    payload["trade_fullinfo_get_response"]["trade"]["orders"]["order"][0]["refund_status"] = "WAIT_SELLER_AGREE"
    order = take("taobao", payload)
    assert order.state == "ready" and [line.refunding for line in order.lines] == [True, False]


@pytest.mark.parametrize(("status", "state"), [
    ("WAIT_BUYER_PAY", "pending"), ("TRADE_CLOSED_BY_TAOBAO", "cancelled"), ("TRADE_CLOSED", "cancelled"),
    ("PAID_FORBID_CONSIGN", "hold"), ("WAIT_BUYER_CONFIRM_GOODS", "shipped"), ("TRADE_FINISHED", "closed"),
    ("SOMETHING_NEW", "hold"),
])
def test_taobao_states(status: str, state: str) -> None:
    order = take("taobao", fx.taobao_trade(status=status))
    assert order.state == state
    if state == "hold":
        assert order.hold_reasons and status in order.hold_reasons[0]


def test_taobao_unknown_refund_status_holds_never_guesses() -> None:
    payload = fx.taobao_trade()
    payload["trade_fullinfo_get_response"]["trade"]["orders"]["order"][1]["refund_status"] = "BRAND_NEW"
    order = take("taobao", payload)
    assert order.state == "hold" and "BRAND_NEW" in order.hold_reasons[0]


def test_taobao_without_outer_sku_id_uses_item_and_sku_ids() -> None:
    payload = fx.taobao_trade()
    del payload["trade_fullinfo_get_response"]["trade"]["orders"]["order"][1]["outer_sku_id"]
    assert take("taobao", payload).lines[1].channel_sku == "650002:4500002"


@pytest.mark.parametrize(("state_in", "state", "held"), [
    ("WAIT_SELLER_STOCK_OUT", "ready", False), ("LOCKED", "hold", True), ("POP_ORDER_PAUSE", "hold", True),
    ("TRADE_CANCELED", "cancelled", False), ("FINISHED_L", "closed", False), ("NEW_JD_STATE", "hold", True),
])
def test_jd_states(state_in: str, state: str, held: bool) -> None:
    order = take("jd", fx.jd_order(state=state_in))
    assert order.state == state and bool(order.hold_reasons) == held


def test_jd_item_total_string_gift_and_money() -> None:
    order = take("jd", fx.jd_order())
    assert [(line.channel_sku, line.quantity, line.gift) for line in order.lines] == [
        ("JD-BUNDLE-2", 2, False), ("JD-GIFT", 1, True)]
    assert order.total_minor == 15850 and order.address.city == "东莞市"


@pytest.mark.parametrize(("status", "state"), [
    ({}, "ready"), ({"group_status": 0}, "pending"), ({"risk_control_status": 1}, "pending"),
    ({"confirm_status": 0}, "pending"), ({"group_status": 2}, "cancelled"), ({"refund_status": 4}, "cancelled"),
    ({"refund_status": 3}, "hold"), ({"order_status": 2}, "shipped"), ({"order_status": 9}, "hold"),
])
def test_pdd_states(status: dict[str, int], state: str) -> None:
    order = take("pinduoduo", fx.pdd_order(**status))
    assert order.state == state, order.hold_reasons


def test_pdd_refund_mid_way_marks_lines_refunding_and_ciphertext_is_masked() -> None:
    order = take("pinduoduo", fx.pdd_order(refund_status=2))
    assert all(line.refunding for line in order.lines) and "after-sale" in order.hold_reasons[0]
    order = take("pinduoduo", fx.pdd_order())
    assert order.address.masked and order.address.district == "武侯区"  # town = district


def test_douyin_fen_nested_post_addr_and_refunded_sub_order() -> None:
    payload = fx.douyin_order()
    payload["shop_order_detail"]["sku_order_list"][1]["main_status"] = 21  # refunded before ship
    order = take("douyin", payload)
    assert order.state == "ready" and order.total_minor == 12800
    assert [(line.channel_sku, line.unit_price_minor, line.refunding) for line in order.lines] == [
        ("DY-CUP", 5000, False), ("DY-TOWEL", 2800, True)]
    assert (order.address.province, order.address.city, order.address.district) == ("广东省", "广州市", "天河区")
    assert order.address.masked and order.updated_ms == 1796277600000
    assert take("douyin", fx.douyin_order(status=105)).state == "pending"
    assert take("douyin", fx.douyin_order(status=77)).state == "hold"


def test_douyin_money_must_be_integer_fen() -> None:
    payload = fx.douyin_order()
    payload["shop_order_detail"]["pay_amount"] = "128.00"
    with pytest.raises(AdapterError, match="pay_amount"):
        take("douyin", payload)


def test_shopify_empty_sku_variant_key_no_shipping_lines_and_states() -> None:
    order = take("shopify", fx.shopify_order())
    assert [line.channel_sku for line in order.lines] == ["SH-CUP", "variant:990002"]  # gift card skipped
    assert order.currency == "USD" and order.total_minor == 4250 and order.order_name == "#1001"
    assert order.state == "ready"
    assert take("shopify", fx.shopify_order(financial_status="pending")).state == "pending"
    assert take("shopify", fx.shopify_order(financial_status="mystery")).state == "hold"
    cancelled = fx.shopify_order()
    cancelled["cancelled_at"] = "2026-12-03T11:00:00-05:00"
    assert take("shopify", cancelled).state == "cancelled"


def test_shopify_partial_refund_uses_fulfillable_quantity() -> None:
    payload = fx.shopify_order(financial_status="partially_refunded")
    payload["line_items"][1]["fulfillable_quantity"] = 0
    payload["refunds"] = [{"id": 1, "refund_line_items": [{"line_item_id": 880002, "quantity": 1}]}]
    payload["line_items"][0]["fulfillable_quantity"] = 1
    order = take("shopify", payload)
    assert [(line.quantity, line.refunding) for line in order.lines] == [(1, False), (1, True)]


def test_own_site_and_ids_that_collide_with_other_channels_stay_apart() -> None:
    order = take("own_site", fx.own_site_order(order_id="261203-123456789012345"))
    pdd = take("pinduoduo", fx.pdd_order())
    assert order.platform_order_id == pdd.platform_order_id and order.channel != pdd.channel


@pytest.mark.parametrize(("channel", "payload", "field"), [
    ("taobao", {"trade": {"status": "WAIT_SELLER_SEND_GOODS"}}, "tid"),
    ("jd", {"orderInfo": {"orderId": "1", "orderState": "WAIT_SELLER_STOCK_OUT", "itemInfoList": "x"}}, "itemInfoList"),
    ("pinduoduo", {"order_info": {"order_sn": "1", "order_status": "one"}}, "order_status"),
    ("douyin", {"shop_order_detail": {"order_id": "1", "order_status": 2, "sku_order_list": []}}, "sku_order_list"),
    ("shopify", {"id": 1, "financial_status": "paid", "line_items": [{"id": 2, "quantity": -1}]}, "quantity"),
    ("own_site", ["not", "an", "object"], "object"),
])
def test_malformed_payloads_name_the_field(channel: str, payload: Any, field: str) -> None:
    with pytest.raises(AdapterError, match=field):
        take(channel, payload)


def test_full_width_digits_are_not_numbers() -> None:
    payload = fx.jd_order()
    payload["orderInfo"]["itemInfoList"][0]["itemTotal"] = "２"
    with pytest.raises(AdapterError, match="itemTotal"):
        take("jd", payload)
    with pytest.raises(MoneyError):
        to_minor("４９.００")
