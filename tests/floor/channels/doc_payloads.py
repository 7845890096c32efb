"""Payloads written from each platform's own documentation (not from our notes), with the fields the
docs list and our fixtures lack, numbers and strings as the docs type them, Chinese text as is.
Synthetic people, phones 138-0000-xxxx. Where each shape came from:

- Taobao: ``taobao.trade.fullinfo.get`` answer ``{"trade_fullinfo_get_response": {"trade": ...}}``,
  the Trade / Order structures of the TOP API docs (tid/num_iid/oid Number, price/payment yuan
  String, ``orders.order[]``, ``refund_status`` values, ``receiver_town``, ``tid_str``).
- JD: ``jingdong.pop.order.get`` answer ``{"jingdong_pop_order_get_responce": {"code": "0",
  "orderDetailInfo": {"apiResult", "orderInfo"}}}`` (JD's spelling), orderInfo fields of the JOS
  docs (orderTotalPrice/orderPayment yuan strings, itemInfoList itemTotal string, consigneeInfo
  with JD's own region levels: 北京 / 朝阳区 / 三环到四环之间).
- Pinduoduo: ``pdd.order.information.get`` answer ``{"order_info_get_response": {"order_info"}}``
  as typed by the open-platform docs (money yuan String, statuses Number, ``receiver_address``
  without province/city/town, ``last_ship_time``, ``after_sales_status``, ``step_order_info`` null).
- Douyin: ``order.orderDetail`` ``data.shop_order_detail`` (``origin_amount`` = 商品现价 per unit,
  ``sum_amount`` = 现价 x 件数, ``given_product_type`` FREE, ``after_sale_info``, post_addr objects
  {name, id}) and the push ``[{"tag", "msg_id", "data"}]`` (data a JSON string; order topics carry
  ``p_id`` / ``s_ids`` only; tag 400 product change carries no order id).
- Shopify: REST order of the ``orders/create`` webhook (ids JSON numbers, money decimal strings,
  ``sku`` / ``variant_id`` null for custom items, ``customer`` may be absent, ``address2`` null,
  latitude/longitude numbers).
"""

from __future__ import annotations

import json
from typing import Any


def taobao_fullinfo(tid: int = 3021234567899001, status: str = "WAIT_SELLER_SEND_GOODS") -> dict[str, Any]:
    """Three lines: a sold line, a free gift (price and payment 0.00) and a line with an open refund."""
    line_status = status
    return {"trade_fullinfo_get_response": {"trade": {
        "tid": tid, "tid_str": str(tid), "status": status, "type": "fixed", "seller_nick": "测试旗舰店",
        "buyer_nick": "t**2", "buyer_open_uid": "AAH-doc-buyer-0002", "buyer_rate": False, "seller_rate": False,
        "created": "2026-12-03 10:00:00", "modified": "2026-12-03 10:06:00", "pay_time": "2026-12-03 10:01:00",
        "end_time": None, "consign_time": None, "payment": "139.00", "total_fee": "139.00", "post_fee": "0.00",
        "discount_fee": "0.00", "adjust_fee": "0.00", "received_payment": "0.00", "commission_fee": "0.00",
        "alipay_no": "2026120322001", "shipping_type": "express", "buyer_message": "请用顺丰，谢谢！",
        "seller_memo": None, "has_buyer_message": True, "num": 0, "num_iid": 0,
        "receiver_name": "王*", "receiver_mobile": "138****0011", "receiver_phone": "",
        "receiver_state": "北京", "receiver_city": "北京市", "receiver_district": "朝阳区",
        "receiver_town": "三里屯街道", "receiver_address": "工体北路**号", "receiver_zip": "100027",
        "oaid": "1Nf8doc0002oaid", "promotion_details": {"promotion_detail": [
            {"id": 1, "promotion_name": "满100送杯垫", "discount_fee": "0.00", "gift_item_name": "杯垫"}]},
        "orders": {"order": [
            {"oid": tid + 1, "oid_str": str(tid + 1), "num_iid": 650001, "sku_id": "4500001", "outer_iid": "CUP",
             "outer_sku_id": "TB-CUP-RED", "title": "红色茶杯", "sku_properties_name": "颜色:红色", "num": 2,
             "price": "69.50", "total_fee": "139.00", "payment": "139.00", "divide_order_fee": "139.00",
             "discount_fee": "0.00", "adjust_fee": "0.00", "refund_status": "NO_REFUND", "status": line_status,
             "is_oversold": False, "cid": 50012345, "snapshot_url": "", "pic_path": ""},
            {"oid": tid + 2, "oid_str": str(tid + 2), "num_iid": 650009, "sku_id": "", "outer_iid": "COASTER",
             "title": "赠品 杯垫", "num": 1, "price": "0.00", "total_fee": "0.00", "payment": "0.00",
             "refund_status": "NO_REFUND", "status": line_status},
            {"oid": tid + 3, "oid_str": str(tid + 3), "num_iid": 650002, "sku_id": "4500002",
             "outer_sku_id": "TB-TOWEL", "title": "毛巾", "num": 1, "price": "29.00", "total_fee": "29.00",
             "payment": "29.00", "refund_status": "WAIT_SELLER_AGREE", "refund_id": 99887766, "status": line_status},
        ]},
    }}}


def jd_get(order_id: str = "290012399001", state: str = "WAIT_SELLER_STOCK_OUT") -> dict[str, Any]:
    return {"jingdong_pop_order_get_responce": {"code": "0", "orderDetailInfo": {
        "apiResult": {"success": True, "englishErrCode": "", "chineseErrCode": "", "numberCode": 0},
        "orderInfo": {
            "orderId": order_id, "venderId": "10001", "orderType": "22", "payType": "4-在线支付",
            "orderTotalPrice": "158.50", "orderSellerPrice": "158.50", "orderPayment": "158.50",
            "freightPrice": "0.00", "sellerDiscount": "0.00", "orderState": state, "orderStateRemark": "等待出库",
            "deliveryType": "任意时间", "invoiceInfo": "不需要开具发票", "orderRemark": "", "venderRemark": "",
            "orderStartTime": "2026-12-03 10:30:00", "orderEndTime": "", "modified": "2026-12-03 11:00:00",
            "paymentConfirmTime": "2026-12-03 10:31:00", "pin": "jd_doc_buyer", "balanceUsed": "0.00",
            "storeOrder": "", "idSopShipmenttype": 70, "scDT": "", "waybill": "", "logisticsId": "",
            "couponDetailList": [], "open_id_buyer": "doc-open-id",
            "consigneeInfo": {"fullname": "张*", "telephone": "", "mobile": "138****0012",
                              "fullAddress": "北京朝阳区三环到四环之间工体北路*号", "province": "北京",
                              "provinceId": "1", "city": "朝阳区", "cityId": "72", "county": "三环到四环之间",
                              "countyId": "2799", "town": "", "townId": "0"},
            "itemInfoList": [
                {"skuId": "100012345", "outerSkuId": "JD-BUNDLE-2", "wareId": "10001", "skuName": "茶杯套装",
                 "jdPrice": "79.25", "giftPoint": "0", "itemTotal": "2", "productNo": "", "newStoreId": "0"},
                {"skuId": "100012399", "outerSkuId": "JD-GIFT", "wareId": "10002", "skuName": "赠品杯垫",
                 "jdPrice": "0.00", "giftPoint": "0", "itemTotal": "1"},
            ],
        }}}}


def pdd_information(order_sn: str = "261203-555000000000001", **status: int) -> dict[str, Any]:
    info: dict[str, Any] = {
        "order_sn": order_sn, "order_status": 1, "refund_status": 1, "confirm_status": 1, "group_status": 1,
        "risk_control_status": 0, "after_sales_status": 0, "trade_type": 0, "step_order_info": None,
        "is_pre_sale": 0, "pre_sale_time": "", "is_lucky_flag": 1, "is_stock_out": 0, "stock_out_handle_status": -1,
        "created_time": "2026-12-03 09:00:00", "confirm_time": "2026-12-03 09:00:05", "pay_time": "2026-12-03 09:00:04",
        "updated_at": "2026-12-03 09:10:00", "last_ship_time": "2026-12-05 09:00:05", "shipping_time": "",
        "receive_time": "", "pay_amount": "19.90", "goods_amount": "19.90", "discount_amount": "0.00",
        "platform_discount": "0.00", "seller_discount": "0.00", "capital_free_discount": "0.00", "postage": "0.00",
        "pay_type": "WEIXIN", "pay_no": "4200000000202612030001", "country": "中国", "country_id": 0,
        "province": "上海市", "city": "上海市", "town": "浦东新区", "province_id": 2, "city_id": 52, "town_id": 513,
        "receiver_name": "~AgAAAAFdoc-name~", "receiver_phone": "~AgAAAAFdoc-phone~",
        "address": "~AgAAAAFdoc-full-address~", "receiver_address": "~AgAAAAFdoc-street~",
        "receiver_name_mask": "赵*", "receiver_phone_mask": "138****0013", "address_mask": "上海市上海市浦东新区张江路**号",
        "buyer_memo": "不要放快递柜", "remark": "", "invoice_status": 0, "free_sf": 0, "return_freight_payer": 0,
        "card_info_list": [], "order_depot_info": {}, "logistics_id": 0, "tracking_number": "",
        "item_list": [{"goods_id": 3000001, "sku_id": 7000001, "outer_id": "PDD-TOWEL", "outer_goods_id": "TOWEL",
                       "goods_name": "加厚毛巾 2条装", "goods_spec": "白色,大号", "goods_price": "19.90",
                       "goods_count": 1, "goods_img": ""}],
    }
    info.update(status)
    return {"order_info_get_response": {"order_info": info, "request_id": "16789012345"}}


def douyin_detail(order_id: str = "6920000000000009001", status: int = 2, update_time: int = 1796277600,
                  after_sale_status: int = 6) -> dict[str, Any]:
    """A sold line (2 x 50.00), a free gift (given_product_type FREE) and a line with an open after-sale."""

    def sku(n: int, code: str, num: int, unit: int, **extra: Any) -> dict[str, Any]:
        return {"order_id": str(int(order_id) + n), "parent_order_id": order_id, "order_level": 3, "biz": 2,
                "order_type": 0, "trade_type": 0, "order_status": status, "order_status_desc": "备货中",
                "main_status": status, "main_status_desc": "备货中", "product_id": 3500000 + n,
                "product_id_str": str(3500000 + n), "sku_id": 1700000 + n, "code": code, "out_sku_id": "",
                "out_product_id": "0", "product_name": f"商品{n}", "item_num": num, "origin_amount": unit,
                "sum_amount": unit * num, "pay_amount": unit * num, "post_amount": 0, "goods_type": 0,
                "spec": [{"name": "颜色", "value": "白"}], "inventory_list": [], "given_product_type": "MASTER",
                "master_sku_order_id_list": [], **extra}

    return {"code": 10000, "msg": "success", "sub_code": "", "sub_msg": "", "log_id": "2026120310000001",
            "data": {"shop_order_detail": {
                "order_id": order_id, "order_level": 2, "order_status": status, "order_status_desc": "备货中",
                "main_status": status, "shop_id": 4463798, "shop_name": "测试小店", "biz": 2, "order_type": 0,
                "create_time": 1796277000, "update_time": update_time, "pay_time": 1796277060,
                "exp_ship_time": 1796450000, "order_amount": 10000, "pay_amount": 10000, "post_amount": 0,
                "promotion_amount": 0, "doudian_open_id": "dy-open-doc-9", "buyer_words": "请尽快发货",
                "seller_words": "", "seller_remark_stars": 0,
                "post_addr": {"province": {"name": "上海市", "id": "31"}, "city": {"name": "上海市", "id": "310100"},
                              "town": {"name": "浦东新区", "id": "310115"},
                              "street": {"name": "张江镇", "id": "310115125"},
                              "detail": "#doc-detail#", "encrypt_detail": "#doc-detail#"},
                "mask_post_addr": {"province": {"name": "上海市", "id": "31"}, "detail": "张江路**号"},
                "encrypt_post_receiver": "#doc-receiver#", "mask_post_receiver": "孙**",
                "encrypt_post_tel": "#doc-tel#", "mask_post_tel": "138****0014",
                "logistics_info": [], "user_tag_ui": [], "shop_order_tag_ui": [],
                "sku_order_list": [
                    sku(1, "DY-CUP", 2, 5000),
                    sku(2, "DY-COASTER", 1, 0, given_product_type="FREE",
                        master_sku_order_id_list=[str(int(order_id) + 1)]),
                    sku(3, "DY-TOWEL", 1, 2800, after_sale_info={
                        "after_sale_status": after_sale_status, "after_sale_type": 2, "refund_status": 1}),
                ],
            }}}


def douyin_push(detail: dict[str, Any], *, ensure_ascii: bool = False) -> list[dict[str, Any]]:
    """A thin paid message (tag 101: p_id / s_ids as JSON numbers), a product change (tag 400, no
    order id) and one message carrying the full detail."""
    order = detail["data"]["shop_order_detail"]
    pid = int(order["order_id"]) + 100
    return [
        {"tag": "101", "msg_id": "7000000000000009101", "data": json.dumps(
            {"p_id": pid, "s_ids": [pid + 1], "shop_id": 4463798, "order_status": 2, "order_type": 0, "biz": 2,
             "pay_type": 1, "pay_time": 1796277060, "pay_amount": 2800}, ensure_ascii=ensure_ascii)},
        {"tag": "400", "msg_id": "7000000000000009400", "data": json.dumps(
            {"product_id": 3500001, "out_product_id": 0, "shop_id": 4463798, "event": 2, "update_time": 1796277600,
             "check_reject_reason": "图片不清晰"}, ensure_ascii=ensure_ascii)},
        {"tag": "101", "msg_id": "7000000000000009102", "data": json.dumps(order, ensure_ascii=ensure_ascii)},
    ]


def shopify_create(order_id: int = 820982911946154508, custom_line: bool = False) -> dict[str, Any]:
    """orders/create: a SKU line, a line with ``sku`` null (mapped by variant), a gift card (no
    shipping) and, optionally, a custom item (``variant_id`` and ``sku`` null) that must ship."""
    lines: list[dict[str, Any]] = [
        {"id": 866550311766439020, "admin_graphql_api_id": "gid://shopify/LineItem/866550311766439020",
         "variant_id": 808950810, "product_id": 632910392, "sku": "IPOD2008RED", "title": "IPod Nano - 8GB",
         "variant_title": "red", "vendor": None, "quantity": 1, "current_quantity": 1, "fulfillable_quantity": 1,
         "fulfillment_service": "manual", "fulfillment_status": None, "gift_card": False, "grams": 200,
         "price": "199.00", "price_set": {"shop_money": {"amount": "199.00", "currency_code": "USD"}},
         "total_discount": "0.00", "requires_shipping": True, "taxable": True, "product_exists": True,
         "properties": [], "tax_lines": [], "discount_allocations": [], "duties": []},
        {"id": 141249953214522974, "variant_id": 457924702, "product_id": 632910393, "sku": None,
         "title": "Towel", "quantity": 2, "current_quantity": 2, "fulfillable_quantity": 2,
         "fulfillment_status": None, "gift_card": False, "price": "19.50", "total_discount": "0.00",
         "requires_shipping": True, "properties": [{"name": "刺绣", "value": "王"}]},
        {"id": 141249953214522975, "variant_id": 457924703, "product_id": 632910394, "sku": "GIFTCARD-25",
         "title": "Gift card", "quantity": 1, "fulfillable_quantity": 1, "gift_card": True, "price": "25.00",
         "total_discount": "0.00", "requires_shipping": False},
    ]
    if custom_line:
        lines.append({"id": 141249953214522976, "variant_id": None, "product_id": None, "sku": None,
                      "title": "Engraving service", "quantity": 1, "fulfillable_quantity": 1,
                      "fulfillment_status": None, "gift_card": False, "price": "5.00", "total_discount": "0.00",
                      "requires_shipping": True, "product_exists": False})
    return {
        "id": order_id, "admin_graphql_api_id": f"gid://shopify/Order/{order_id}", "name": "#9999", "number": 234,
        "order_number": 1234, "email": "jon@example.com", "test": False, "confirmed": True,
        "created_at": "2026-12-03T09:58:00-05:00", "updated_at": "2026-12-03T10:00:00-05:00",
        "processed_at": "2026-12-03T09:58:00-05:00", "closed_at": None, "cancelled_at": None, "cancel_reason": None,
        "currency": "USD", "presentment_currency": "USD", "total_price": "263.00", "subtotal_price": "263.00",
        "total_tax": "0.00", "total_discounts": "0.00", "total_line_items_price": "263.00", "taxes_included": False,
        "financial_status": "paid", "fulfillment_status": None, "note": None, "note_attributes": [], "tags": "",
        "payment_gateway_names": ["bogus"], "source_name": "web", "discount_codes": [],
        "shipping_address": {"first_name": "Steve", "last_name": "Shipper", "name": "Steve Shipper",
                             "address1": "123 Shipping Street", "address2": None, "company": "Shipping Company",
                             "city": "Shippington", "province": "Kentucky", "province_code": "KY",
                             "country": "United States", "country_code": "US", "zip": "40003",
                             "phone": "555-555-SHIP", "latitude": 38.2, "longitude": -85.7},
        "billing_address": None, "line_items": lines, "shipping_lines": [], "fulfillments": [], "refunds": [],
    }


def body(payload: Any, *, ensure_ascii: bool = False) -> bytes:
    return json.dumps(payload, ensure_ascii=ensure_ascii).encode()
