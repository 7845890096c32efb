"""Realistic platform payloads (field names as each platform documents them), synthetic people,
phones 138-0000-xxxx. Each builder returns a fresh dict; tests change what they need."""

from __future__ import annotations

import copy
import json
from typing import Any


def taobao_trade(tid: str = "3021234567890123", status: str = "WAIT_SELLER_SEND_GOODS",
                 modified: str = "2026-12-03 10:05:00") -> dict[str, Any]:
    """``taobao.trade.fullinfo.get`` trade: two lines, masked receiver, receiver_state without 市."""
    return {"trade_fullinfo_get_response": {"trade": {
        "tid": int(tid), "status": status, "type": "fixed", "created": "2026-12-03 10:00:00", "modified": modified,
        "pay_time": "2026-12-03 10:01:00", "payment": "5027.00", "post_fee": "0.00", "total_fee": "5027.00",
        "buyer_nick": "t**1", "buyer_open_uid": "AAH-synthetic-buyer-0001", "buyer_message": "请周五前发货",
        "seller_memo": "", "oaid": "1Nf8synthetic0001oaid",
        "receiver_name": "李*", "receiver_mobile": "138****0001", "receiver_state": "上海",
        "receiver_city": "上海市", "receiver_district": "浦东新区", "receiver_town": "张江镇",
        "receiver_address": "张江路**号", "receiver_zip": "201203",
        "orders": {"order": [
            {"oid": int(tid) + 1, "num_iid": 650001, "sku_id": "4500001", "outer_iid": "CUP",
             "outer_sku_id": "TB-CUP-RED", "title": "红色茶杯", "num": 2, "price": "4999.00",
             "payment": "4998.00", "divide_order_fee": "4998.00", "refund_status": "NO_REFUND",
             "status": status},
            {"oid": int(tid) + 2, "num_iid": 650002, "sku_id": "4500002", "outer_sku_id": "TB-TOWEL",
             "title": "毛巾", "num": 1, "price": "29.00", "payment": "29.00", "refund_status": "NO_REFUND",
             "status": status},
        ]},
    }}}


def jd_order(order_id: str = "290012345678", state: str = "WAIT_SELLER_STOCK_OUT",
             modified: str = "2026-12-03 11:00:00") -> dict[str, Any]:
    return {"orderInfo": {
        "orderId": order_id, "orderState": state, "orderStartTime": "2026-12-03 10:30:00", "modified": modified,
        "orderPayment": "158.50", "orderSellerPrice": "158.50", "freightPrice": "0.00", "pin": "jd_synthetic_01",
        "orderRemark": "", "venderRemark": "",
        "consigneeInfo": {"fullname": "王测试", "mobile": "13800000002", "telephone": "", "province": "广东",
                          "provinceId": "19", "city": "东莞市", "cityId": "1655", "county": "南城街道",
                          "countyId": "4040", "fullAddress": "广东东莞市南城街道鸿福路1号"},
        "itemInfoList": [
            {"skuId": "100012345", "outerSkuId": "JD-BUNDLE-2", "wareId": "10001", "skuName": "茶杯套装",
             "jdPrice": "79.25", "itemTotal": "2"},
            {"skuId": "100012399", "outerSkuId": "JD-GIFT", "wareId": "10002", "skuName": "赠品杯垫",
             "jdPrice": "0.00", "itemTotal": "1"},
        ],
    }}


def pdd_order(order_sn: str = "261203-123456789012345", **status: int) -> dict[str, Any]:
    info = {
        "order_sn": order_sn, "order_status": 1, "refund_status": 1, "confirm_status": 1, "group_status": 1,
        "risk_control_status": 0, "created_time": "2026-12-03 09:00:00", "updated_at": "2026-12-03 09:10:00",
        "pay_amount": 19.9, "goods_amount": 19.9, "province": "四川省", "city": "成都市", "town": "武侯区",
        "province_id": 23, "city_id": 385, "town_id": 3175,
        "receiver_name": "~AgAAAAFsynthetic-name~", "receiver_phone": "~AgAAAAFsynthetic-phone~",
        "address": "~AgAAAAFsynthetic-address~", "receiver_name_mask": "赵*", "receiver_phone_mask": "138****0003",
        "item_list": [{"goods_id": 3000001, "sku_id": 7000001, "outer_id": "PDD-TOWEL", "goods_name": "毛巾",
                       "goods_price": 19.9, "goods_count": 1}],
    }
    info.update(status)
    return {"order_info": info}


def douyin_order(order_id: str = "6920000000000000001", status: int = 2, update_time: int = 1796277600) -> dict[str, Any]:
    """``order.orderDetail`` shop_order_detail: money in fen, nested post_addr, two sub-orders."""
    return {"shop_order_detail": {
        "order_id": order_id, "order_status": status, "create_time": 1796277000, "update_time": update_time,
        "exp_ship_time": 1796450000, "pay_amount": 12800, "order_amount": 12800, "doudian_open_id": "dy-open-0004",
        "buyer_words": "", "seller_words": "",
        "post_addr": {"province": {"id": "44", "name": "广东省"}, "city": {"id": "4401", "name": "广州市"},
                      "town": {"id": "440106", "name": "天河区"}, "street": {"id": "440106001", "name": "五山街道"},
                      "detail": "#synthetic-detail#", "encrypt_detail": "#synthetic-detail#"},
        "encrypt_post_receiver": "#synthetic-receiver#", "mask_post_receiver": "孙**",
        "encrypt_post_tel": "#synthetic-tel#", "mask_post_tel": "138****0004",
        "sku_order_list": [
            {"order_id": str(int(order_id) + 1), "parent_order_id": order_id, "sku_id": 1700001, "code": "DY-CUP",
             "out_sku_id": "", "product_id": 3500001, "product_name": "茶杯", "item_num": 2, "goods_price": 5000,
             "origin_amount": 10000, "pay_amount": 10000, "order_status": status, "main_status": status},
            {"order_id": str(int(order_id) + 2), "parent_order_id": order_id, "sku_id": 1700002, "code": "DY-TOWEL",
             "out_sku_id": "", "product_id": 3500002, "product_name": "毛巾", "item_num": 1, "goods_price": 2800,
             "origin_amount": 2800, "pay_amount": 2800, "order_status": status, "main_status": status},
        ],
    }}


def douyin_push(order: dict[str, Any], tag: str = "101") -> list[dict[str, Any]]:
    return [{"tag": tag, "msg_id": "7000000000000000001",
             "data": json.dumps(order["shop_order_detail"], ensure_ascii=False)}]


def shopify_order(order_id: int = 5550001111, updated_at: str = "2026-12-03T10:00:00-05:00",
                  financial_status: str = "paid") -> dict[str, Any]:
    return {
        "id": order_id, "name": "#1001", "currency": "USD", "total_price": "42.50",
        "financial_status": financial_status, "fulfillment_status": None, "cancelled_at": None,
        "created_at": "2026-12-03T09:58:00-05:00", "updated_at": updated_at, "note": "",
        "customer": {"id": 7770001},
        "shipping_address": {"first_name": "Alex", "last_name": "Sample", "address1": "1 Test Street",
                             "address2": "", "city": "Springfield", "province": "Oregon", "province_code": "OR",
                             "country_code": "US", "zip": "97477", "phone": "+86 138-0000-0005"},
        "line_items": [
            {"id": 880001, "variant_id": 990001, "product_id": 660001, "sku": "SH-CUP", "title": "Cup",
             "quantity": 2, "fulfillable_quantity": 2, "price": "15.00", "total_discount": "0.00",
             "requires_shipping": True},
            {"id": 880002, "variant_id": 990002, "product_id": 660002, "sku": "", "title": "Towel",
             "quantity": 1, "fulfillable_quantity": 1, "price": "12.50", "total_discount": "0.00",
             "requires_shipping": True},
            {"id": 880003, "variant_id": 990003, "product_id": 660003, "sku": "GIFTCARD", "title": "Gift card",
             "quantity": 1, "fulfillable_quantity": 1, "price": "25.00", "requires_shipping": False},
        ],
        "refunds": [],
    }


def own_site_order(order_id: str = "WEB-000123", status: str = "paid", updated_ms: int = 1796277600000) -> dict[str, Any]:
    return {"order_id": order_id, "status": status, "currency": "CNY", "total_minor": 3500,
            "updated_ms": updated_ms, "created_ms": 1796277000000, "buyer_id": "web-buyer-6",
            "receiver": {"name": "周测试", "phone": "13800000006", "province": "浙江省", "city": "杭州市",
                         "district": "西湖区", "detail": "文三路 1 号"},
            "lines": [{"line_id": "1", "sku": "WEB-CUP", "quantity": 1, "unit_price_minor": 3500,
                       "paid_minor": 3500}]}


def deep(value: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(value)


def body(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()
