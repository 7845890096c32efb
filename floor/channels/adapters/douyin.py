"""Douyin shop order (``order.orderDetail`` ``shop_order_detail`` / a ``shop_order_list[]`` entry) -> CanonicalOrder.

Fields: ``order_id``, ``order_status`` (1 待支付, 105 已支付, 2 备货中, 101 部分发货, 3 已发货,
4 已取消, 5 已完成), ``sku_order_list[]`` (sub ``order_id``, ``sku_id``, ``code``, ``out_sku_id``,
``product_id``, ``item_num``, money in integer fen: ``origin_amount`` = the unit price (商品现价),
``sum_amount`` = unit price x item_num, ``pay_amount`` = paid; its own ``order_status`` and
``main_status``: 21/22/39 = refund completed; ``given_product_type`` ``FREE`` = a free gift;
``after_sale_info {after_sale_status, after_sale_type, refund_status}``: an after-sale open or done
on that line keeps it off the floor), ``post_addr`` with nested ``province/city/town/street {id,
name}`` (town = district) and ``detail``; receiver fields masked (``mask_post_receiver``) or
encrypted (``encrypt_post_receiver``). Times are epoch seconds. Accepted: the detail itself,
``{"shop_order_detail": {...}}`` or the whole ``order.orderDetail`` answer ``{"data": {"shop_order_detail"}}``.
"""

from __future__ import annotations

from typing import Any

from floor.channels.adapters.common import (
    AdapterError,
    epoch_s_ms,
    integer,
    items,
    looks_masked,
    lookup,
    money_guard,
    obj,
    quantity,
    text,
)
from floor.channels.canonical import Address, CanonicalLine, CanonicalOrder
from floor.channels.money import MoneyError, fen

STATES: dict[str, str] = {
    "1": "pending",  # 待支付 / 待确认
    "105": "pending",  # 已支付, not yet released to the seller for shipping
    "2": "ready",  # 备货中
    "101": "ready",  # 部分发货: the lines not yet sent
    "3": "shipped",
    "4": "cancelled",
    "5": "closed",
}
LINE_REFUNDED = {21, 22, 39}  # main_status: refund completed (before ship / after ship / after receipt)
LINE_SHIPPED = {3, 5}
# sku_order_list[].after_sale_info.after_sale_status (order.orderDetail): True = the line must not ship
# (an after-sale requested, in progress or done), False = none / refused / failed / closed: ship.
AFTER_SALE_BLOCKS: dict[int, bool] = {
    0: False,  # no after-sale
    6: True,  # 售后申请
    7: True,  # 售后退货中
    11: True,  # 售后已发货
    12: True,  # 售后成功
    13: True,  # 换货/补寄: merchant sent the replacement
    14: True,  # 换货/补寄: buyer received it
    27: False,  # 拒绝售后申请
    28: False,  # 售后失败 (also: the buyer withdrew it)
    29: False,  # 售后退货拒绝
    51: True,  # 订单取消成功
    53: True,  # 逆向交易已完成
}


def adapt(payload: dict[str, Any], channel: str, shop: str) -> CanonicalOrder:
    if isinstance(payload.get("data"), dict) and "shop_order_detail" in payload["data"]:
        payload = payload["data"]  # the whole order.orderDetail answer {code, msg, data}
    order = obj(payload.get("shop_order_detail", payload), "shop_order_detail")
    order_id = text(order, "order_id", required=True)
    status = str(integer(order, "order_status"))
    state, reason = lookup(STATES, status, "Douyin order_status")
    reasons = [reason] if reason else []
    lines = []
    try:
        for i, sub in enumerate(items(order.get("sku_order_list"), "sku_order_list")):
            where = f"sku_order_list[{i}]."
            sub_id = text(sub, "order_id", required=True, where=where)
            qty = quantity(sub, "item_num", where)
            unit = fen(sub.get("origin_amount"), field=where + "origin_amount")  # 商品现价: per unit
            if sub.get("goods_price") is not None:
                unit = fen(sub.get("goods_price"), field=where + "goods_price")
            elif sub.get("origin_amount") is None and sub.get("sum_amount") is not None and qty:
                unit = fen(sub.get("sum_amount"), field=where + "sum_amount") // qty
            main = integer(sub, "main_status", default=0, where=where)
            sub_status = integer(sub, "order_status", default=int(status), where=where)
            after_sale = _after_sale(sub, where, sub_id, reasons)
            free = text(sub, "given_product_type").upper() == "FREE"
            lines.append(CanonicalLine(
                line_id=sub_id, channel_sku=text(sub, "code") or text(sub, "out_sku_id") or
                text(sub, "sku_id", required=True, where=where), quantity=qty, unit_price_minor=unit,
                paid_minor=fen(sub.get("pay_amount"), field=where + "pay_amount"),
                title=text(sub, "product_name"), platform_item_id=text(sub, "product_id"),
                platform_sku_id=text(sub, "sku_id"), refunding=main in LINE_REFUNDED or sub_status == 4 or after_sale,
                gift=free or unit == 0, shipped=sub_status in LINE_SHIPPED,
            ))
        total = fen(order.get("pay_amount"), field="pay_amount")
    except MoneyError as error:
        raise money_guard(error) from error
    if not lines:
        raise AdapterError("sku_order_list: an order has at least one sku order")
    if reasons and state in ("ready", "pending"):
        state = "hold"  # a line whose after-sale status we do not know: never guess whether it ships
    elif state not in ("ready", "pending", "hold"):
        reasons = []  # cancelled / shipped / closed: nothing will ship, an odd line changes nothing
    post = obj(order.get("post_addr") or {}, "post_addr")
    name = text(order, "post_receiver") or text(order, "mask_post_receiver") or text(order, "encrypt_post_receiver")
    phone = text(order, "post_tel") or text(order, "mask_post_tel") or text(order, "encrypt_post_tel")
    detail = text(post, "detail") or text(post, "encrypt_detail")
    address = Address(
        name=name, phone=phone, province=_name(post, "province"), city=_name(post, "city"),
        district=_name(post, "town"), detail=(_name(post, "street") + detail) if _name(post, "street") else detail,
        masked=looks_masked(name, phone, detail) or bool(text(order, "encrypt_post_receiver")),
    )
    return CanonicalOrder(
        channel=channel, shop=shop, platform_order_id=order_id, state=state, platform_status=status,
        lines=lines, address=address, total_minor=total, buyer_id=text(order, "doudian_open_id"),
        buyer_message=text(order, "buyer_words"), seller_memo=text(order, "seller_words"),
        created_ms=epoch_s_ms(integer(order, "create_time", default=0)),
        updated_ms=epoch_s_ms(integer(order, "update_time", default=0) or integer(order, "create_time", default=0)),
        promised_ship_ms=epoch_s_ms(integer(order, "exp_ship_time", default=0)), hold_reasons=reasons,
    )


def _name(post: dict[str, Any], level: str) -> str:
    value = post.get(level)
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value.strip()
    return text(obj(value, f"post_addr.{level}"), "name", where=f"post_addr.{level}.")


def _after_sale(sub: dict[str, Any], where: str, sub_id: str, reasons: list[str]) -> bool:
    """Whether the line's after-sale keeps it off the floor; an unknown status adds a hold reason."""
    info = sub.get("after_sale_info")
    if info is None or info == "":
        return False
    status = integer(obj(info, where + "after_sale_info"), "after_sale_status", default=0,
                     where=where + "after_sale_info.")
    blocks = AFTER_SALE_BLOCKS.get(status)
    if blocks is None:
        reasons.append(f"line {sub_id}: unknown Douyin after_sale_status {status}: held, not guessed")
        return True
    return blocks
