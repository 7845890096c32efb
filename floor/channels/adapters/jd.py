"""JD POP order (``jingdong.pop.order.enSearch`` / ``.get`` ``orderInfo``) -> CanonicalOrder.

Accepted: ``{"orderInfo": {...}}``, the bare order, or the whole ``jingdong.pop.order.get`` answer
``{"jingdong_pop_order_get_responce": {"orderDetailInfo": {"orderInfo": {...}}}}`` (JD spells it
"responce"; the "response" spelling is taken too).

Fields: ``orderId``, ``orderState``, ``itemInfoList[]`` (``skuId``, ``outerSkuId``, ``wareId``,
``skuName``, ``jdPrice``, ``itemTotal`` as a string), ``consigneeInfo`` (``fullname``, ``mobile``,
``province``, ``city``, ``county``, ``fullAddress``), money as yuan strings (``orderPayment``),
times ``orderStartTime`` / ``modified`` in Beijing time. JD ids in ``consigneeInfo`` are JD's own,
not GB/T 2260: the names are normalised instead.
"""

from __future__ import annotations

from typing import Any

from floor.channels.adapters.common import (
    AdapterError,
    beijing_ms,
    integer,
    items,
    looks_masked,
    lookup,
    money_guard,
    obj,
    text,
)
from floor.channels.canonical import Address, CanonicalLine, CanonicalOrder
from floor.channels.money import MoneyError, to_minor

STATES: dict[str, str] = {
    "WAIT_SELLER_STOCK_OUT": "ready",  # 等待出库: ship it
    "WAIT_SELLER_DELIVERY": "shipped",  # stocked out, awaiting the domestic leg (cross-border shops)
    "WAIT_GOODS_RECEIVE_CONFIRM": "shipped",
    "FINISHED_L": "closed",
    "TRADE_CANCELED": "cancelled",
    "LOCKED": "hold",  # 已锁定 (e.g. a cancel or after-sale request pending): never ship
    "POP_ORDER_PAUSE": "hold",  # 暂停
    "WAIT_SEND_CODE": "hold",  # LOC (code) order: nothing physical to pick
    "PAUSE": "hold",  # 暂停 (LOC orders)
}
HOLD_REASONS = {
    "LOCKED": "JD LOCKED: the platform locked the order (cancel / after-sale pending)",
    "POP_ORDER_PAUSE": "JD POP_ORDER_PAUSE: the platform paused the order",
    "WAIT_SEND_CODE": "JD WAIT_SEND_CODE: a LOC code order, nothing to pick",
    "PAUSE": "JD PAUSE: the platform paused the order",
}
GET_ANSWERS = ("jingdong_pop_order_get_responce", "jingdong_pop_order_get_response")


def adapt(payload: dict[str, Any], channel: str, shop: str) -> CanonicalOrder:
    for answer in GET_ANSWERS:
        if answer in payload:
            payload = obj(obj(payload[answer], answer).get("orderDetailInfo"), f"{answer}.orderDetailInfo")
            break
    order = obj(payload.get("orderInfo", payload), "orderInfo")
    order_id = text(order, "orderId", required=True)
    status = text(order, "orderState", required=True)
    state, reason = lookup(STATES, status, "JD orderState")
    reasons = [reason or HOLD_REASONS[status]] if state == "hold" else []
    lines = []
    try:
        for i, item in enumerate(items(order.get("itemInfoList"), "itemInfoList")):
            where = f"itemInfoList[{i}]."
            sku_id = text(item, "skuId", required=True, where=where)
            qty = integer(item, "itemTotal", where=where)
            price = to_minor(item.get("jdPrice"), field=where + "jdPrice")
            lines.append(CanonicalLine(
                line_id=sku_id, channel_sku=text(item, "outerSkuId") or sku_id, quantity=qty,
                unit_price_minor=price, paid_minor=price * qty, title=text(item, "skuName"),
                platform_item_id=text(item, "wareId"), platform_sku_id=sku_id, gift=price == 0,
            ))
        total = to_minor(order.get("orderPayment"), field="orderPayment")
    except MoneyError as error:
        raise money_guard(error) from error
    if not lines:
        raise AdapterError("itemInfoList: an order has at least one item")
    consignee = obj(order.get("consigneeInfo") or {}, "consigneeInfo")
    name, mobile, detail = text(consignee, "fullname"), text(consignee, "mobile"), text(consignee, "fullAddress")
    address = Address(
        name=name, phone=mobile or text(consignee, "telephone"), province=text(consignee, "province"),
        city=text(consignee, "city"), district=text(consignee, "county"), detail=detail,
        masked=looks_masked(name, mobile, detail),
    )
    return CanonicalOrder(
        channel=channel, shop=shop, platform_order_id=order_id, state=state, platform_status=status,
        lines=lines, address=address, total_minor=total, buyer_id=text(order, "pin"),
        buyer_message=text(order, "orderRemark"), seller_memo=text(order, "venderRemark"),
        created_ms=beijing_ms(text(order, "orderStartTime"), "orderStartTime"),
        updated_ms=beijing_ms(text(order, "modified"), "modified")
        or beijing_ms(text(order, "orderStartTime"), "orderStartTime"),
        hold_reasons=reasons,
    )
