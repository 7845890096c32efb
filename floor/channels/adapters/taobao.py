"""Taobao / Tmall (TOP) trade -> CanonicalOrder.

Input: one ``trade`` as in ``taobao.trade.fullinfo.get`` / ``taobao.trades.sold.get`` (``tid``,
``status``, ``orders.order[]`` with ``oid``, ``num_iid``, ``sku_id``, ``outer_sku_id``, ``num``,
``price``/``payment`` as yuan strings, ``refund_status``, ``status``; ``receiver_*``). Tmall trades
have the same shape: the shop's channel (``tmall`` or ``taobao``) is passed in.
"""

from __future__ import annotations

from typing import Any

from floor.channels.adapters.common import (
    AdapterError,
    beijing_ms,
    items,
    looks_masked,
    lookup,
    money_guard,
    obj,
    quantity,
    text,
)
from floor.channels.canonical import Address, CanonicalLine, CanonicalOrder
from floor.channels.money import MoneyError, to_minor

# trade.status -> our state
STATES: dict[str, str] = {
    "TRADE_NO_CREATE_PAY": "pending",
    "WAIT_BUYER_PAY": "pending",
    "PAY_PENDING": "pending",
    "WAIT_PRE_AUTH_CONFIRM": "pending",
    "WAIT_SELLER_SEND_GOODS": "ready",
    "SELLER_CONSIGNED_PART": "ready",  # the lines not yet sent
    "PAID_FORBID_CONSIGN": "hold",  # paid, but the platform forbids shipping
    "WAIT_BUYER_CONFIRM_GOODS": "shipped",
    "TRADE_BUYER_SIGNED": "shipped",
    "TRADE_FINISHED": "closed",
    "TRADE_CLOSED": "cancelled",
    "TRADE_CLOSED_BY_TAOBAO": "cancelled",
}
# order line refund_status -> the line may not ship (True) / may ship (False)
REFUND_BLOCKS: dict[str, bool] = {
    "NO_REFUND": False,
    "WAIT_SELLER_AGREE": True,
    "WAIT_BUYER_RETURN_GOODS": True,
    "WAIT_SELLER_CONFIRM_GOODS": True,
    "SELLER_REFUSE_BUYER": False,
    "CLOSED": False,  # the refund was closed: ship
    "SUCCESS": True,  # refunded
}
# order line status meaning the line is already sent / closed
LINE_SHIPPED = {"WAIT_BUYER_CONFIRM_GOODS", "TRADE_BUYER_SIGNED", "TRADE_FINISHED"}
LINE_CLOSED = {"TRADE_CLOSED", "TRADE_CLOSED_BY_TAOBAO"}


def adapt(payload: dict[str, Any], channel: str, shop: str) -> CanonicalOrder:
    trade = obj(payload.get("trade", payload), "trade")
    if "trade_fullinfo_get_response" in payload:
        trade = obj(obj(payload["trade_fullinfo_get_response"], "trade_fullinfo_get_response").get("trade"), "trade")
    tid = text(trade, "tid", required=True)
    status = text(trade, "status", required=True)
    state, reason = lookup(STATES, status, "Taobao trade status")
    reasons = [reason] if reason else []
    if status == "PAID_FORBID_CONSIGN":
        reasons.append("PAID_FORBID_CONSIGN: the platform forbids shipping this trade")
    try:
        lines = [_line(line, i, reasons) for i, line in enumerate(
            items(obj(trade.get("orders"), "orders").get("order"), "orders.order"))]
        total = to_minor(trade.get("payment"), field="payment")
    except MoneyError as error:
        raise money_guard(error) from error
    if not lines:
        raise AdapterError("orders.order: a trade has at least one order line")
    if reasons and state != "hold" and state in ("ready", "pending"):
        state = "hold"
    elif state not in ("ready", "pending", "hold"):
        reasons = []  # closed / shipped / cancelled trade: an odd line status changes nothing
    name, mobile, detail = (text(trade, "receiver_name"), text(trade, "receiver_mobile") or text(trade, "receiver_phone"),
                            text(trade, "receiver_address"))
    address = Address(
        name=name, phone=mobile, province=text(trade, "receiver_state"), city=text(trade, "receiver_city"),
        district=text(trade, "receiver_district"), detail=detail, postcode=text(trade, "receiver_zip"),
        masked=bool(text(trade, "oaid")) or looks_masked(name, mobile, detail),
    )
    return CanonicalOrder(
        channel=channel, shop=shop, platform_order_id=tid, state=state, platform_status=status, lines=lines,
        address=address, total_minor=total, buyer_id=text(trade, "buyer_open_uid") or text(trade, "buyer_nick"),
        buyer_message=text(trade, "buyer_message"), seller_memo=text(trade, "seller_memo"),
        created_ms=beijing_ms(text(trade, "created"), "created"),
        updated_ms=beijing_ms(text(trade, "modified"), "modified") or beijing_ms(text(trade, "created"), "created"),
        hold_reasons=reasons,
    )


def _line(line: dict[str, Any], index: int, reasons: list[str]) -> CanonicalLine:
    where = f"orders.order[{index}]."
    oid = text(line, "oid", required=True, where=where)
    refund = text(line, "refund_status") or "NO_REFUND"
    blocks = REFUND_BLOCKS.get(refund)
    if blocks is None:
        reasons.append(f"line {oid}: unknown refund_status '{refund[:40]}': held, not guessed")
        blocks = True
    line_status = text(line, "status")
    num = quantity(line, "num", where)
    price = to_minor(line.get("price"), field=where + "price")
    paid = to_minor(line.get("divide_order_fee") or line.get("payment"), field=where + "payment")
    return CanonicalLine(
        line_id=oid, channel_sku=text(line, "outer_sku_id") or text(line, "outer_iid") or
        (f"{text(line, 'num_iid')}:{text(line, 'sku_id')}" if text(line, "sku_id") else text(line, "num_iid")),
        quantity=num, unit_price_minor=price, paid_minor=paid, title=text(line, "title"),
        platform_item_id=text(line, "num_iid"), platform_sku_id=text(line, "sku_id"),
        refunding=blocks or line_status in LINE_CLOSED, gift=price == 0 and paid == 0,
        shipped=line_status in LINE_SHIPPED,
    )
