"""Pinduoduo order (``pdd.order.information.get`` ``order_info`` / an ``order_list[]`` entry) -> CanonicalOrder.

Ship only when ``order_status`` 1 (待发货) and ``confirm_status`` 1 and ``group_status`` 1 (成团) and
``risk_control_status`` 0 and ``refund_status`` 1 (no after-sale). Group forming or risk review ->
pending; a failed group / cancelled confirm -> cancelled; an after-sale in progress -> hold (the
refund is order-level on PDD: every line is marked refunding). ``town`` is the district. Money:
yuan (JSON numbers or strings, decoded as Decimal). Receiver fields are masked/encrypted.
Accepted: ``{"order_info": {...}}``, the bare order, or the whole answer
``{"order_info_get_response": {"order_info": {...}}}``; ``last_ship_time`` is the promised dispatch.
"""

from __future__ import annotations

from typing import Any

from floor.channels.adapters.common import (
    AdapterError,
    beijing_ms,
    integer,
    items,
    looks_masked,
    money_guard,
    obj,
    quantity,
    text,
)
from floor.channels.canonical import Address, CanonicalLine, CanonicalOrder
from floor.channels.money import MoneyError, to_minor

ORDER_STATUS = {1: "ready", 2: "shipped", 3: "closed"}
REFUND_STATUS = {1: "none", 2: "after_sale", 3: "refunding", 4: "refunded"}
CONFIRM_STATUS = {0: "unconfirmed", 1: "confirmed", 2: "cancelled"}
GROUP_STATUS = {0: "forming", 1: "formed", 2: "failed"}
RISK_STATUS = {0: "normal", 1: "review"}


def state_of(order: dict[str, Any]) -> tuple[str, list[str], bool]:
    """(state, hold reasons, every line refunding) from the five PDD status fields."""
    values = {name: integer(order, name, default=default) for name, default in (
        ("order_status", None), ("refund_status", 1), ("confirm_status", 1), ("group_status", 1),
        ("risk_control_status", 0))}
    tables = {"order_status": ORDER_STATUS, "refund_status": REFUND_STATUS, "confirm_status": CONFIRM_STATUS,
              "group_status": GROUP_STATUS, "risk_control_status": RISK_STATUS}
    unknown = [f"unknown PDD {name} {values[name]}: held, not guessed"
               for name, table in tables.items() if values[name] not in table]
    if unknown:
        return "hold", unknown, False
    refund = REFUND_STATUS[values["refund_status"]]
    if refund == "refunded" or CONFIRM_STATUS[values["confirm_status"]] == "cancelled" \
            or GROUP_STATUS[values["group_status"]] == "failed":
        return "cancelled", [], refund == "refunded"
    state = ORDER_STATUS[values["order_status"]]
    if state != "ready":
        return state, [], False
    if refund != "none":
        return "hold", [f"PDD refund_status {values['refund_status']} ({refund}): after-sale in progress"], True
    if values["confirm_status"] == 0 or values["group_status"] == 0 or values["risk_control_status"] == 1:
        return "pending", [], False
    return "ready", [], False


def adapt(payload: dict[str, Any], channel: str, shop: str) -> CanonicalOrder:
    if "order_info_get_response" in payload:  # the whole pdd.order.information.get answer
        payload = obj(payload["order_info_get_response"], "order_info_get_response")
    order = obj(payload.get("order_info", payload), "order_info")
    order_sn = text(order, "order_sn", required=True)
    state, reasons, refunding = state_of(order)
    lines = []
    try:
        for i, item in enumerate(items(order.get("item_list"), "item_list")):
            where = f"item_list[{i}]."
            sku_id = text(item, "sku_id", required=True, where=where)
            qty = quantity(item, "goods_count", where)
            price = to_minor(item.get("goods_price"), field=where + "goods_price")
            lines.append(CanonicalLine(
                line_id=f"{order_sn}:{sku_id}", channel_sku=text(item, "outer_id") or sku_id, quantity=qty,
                unit_price_minor=price, paid_minor=price * qty, title=text(item, "goods_name"),
                platform_item_id=text(item, "goods_id"), platform_sku_id=sku_id, refunding=refunding,
                gift=price == 0,
            ))
        total = to_minor(order.get("pay_amount"), field="pay_amount")
    except MoneyError as error:
        raise money_guard(error) from error
    if not lines:
        raise AdapterError("item_list: an order has at least one item")
    name = text(order, "receiver_name") or text(order, "receiver_name_mask")
    phone = text(order, "receiver_phone") or text(order, "receiver_phone_mask")
    # receiver_address: the street address without province/city/town; address: the whole address
    detail = (text(order, "receiver_address") or text(order, "address") or text(order, "receiver_address_mask")
              or text(order, "address_mask"))
    address = Address(
        name=name, phone=phone, province=text(order, "province"), city=text(order, "city"),
        district=text(order, "town"), detail=detail,
        masked=looks_masked(name, phone, detail) or bool(text(order, "receiver_name_mask")),
    )
    return CanonicalOrder(
        channel=channel, shop=shop, platform_order_id=order_sn, state=state,
        platform_status=(f"order_status={order.get('order_status')} refund_status={order.get('refund_status', 1)} "
                         f"confirm_status={order.get('confirm_status', 1)} group_status={order.get('group_status', 1)} "
                         f"risk_control_status={order.get('risk_control_status', 0)}"),
        lines=lines, address=address, total_minor=total, buyer_id=text(order, "open_address_id"),
        buyer_message=text(order, "buyer_memo"), seller_memo=text(order, "remark"),
        created_ms=beijing_ms(text(order, "created_time"), "created_time"),
        updated_ms=beijing_ms(text(order, "updated_at"), "updated_at")
        or beijing_ms(text(order, "created_time"), "created_time"),
        promised_ship_ms=beijing_ms(text(order, "last_ship_time"), "last_ship_time"), hold_reasons=reasons,
    )
