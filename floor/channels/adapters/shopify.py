"""Shopify order (REST order JSON of ``orders/create``, ``orders/updated``, ``orders/cancelled``) -> CanonicalOrder.

Fields: ``id``, ``name`` ("#1001"), ``cancelled_at``, ``financial_status``, ``fulfillment_status``,
``currency``, ``total_price`` (decimal string in ``currency``), ``line_items[]`` (``id``, ``sku``
(may be empty: then ``variant:<variant_id>`` is the channel SKU to map), ``variant_id``,
``quantity``, ``fulfillable_quantity`` (what is left to ship after refunds and fulfilments),
``price``, ``requires_shipping``), ``refunds[].refund_line_items[]``, ``shipping_address``.
A custom line item (``variant_id`` and ``sku`` null) that must ship holds the order with the reason.
"""

from __future__ import annotations

from typing import Any

from floor.channels.adapters.common import (
    AdapterError,
    integer,
    iso_ms,
    items,
    lookup,
    money_guard,
    obj,
    quantity,
    text,
)
from floor.channels.canonical import Address, CanonicalLine, CanonicalOrder
from floor.channels.money import MoneyError, to_minor

FINANCIAL: dict[str, str] = {
    "pending": "pending",
    "authorized": "ready",
    "partially_paid": "pending",
    "paid": "ready",
    "partially_refunded": "ready",  # the refunded lines have fulfillable_quantity 0
    "refunded": "cancelled",
    "voided": "cancelled",
    "expired": "cancelled",
}
FULFILLMENT: dict[str, str] = {"": "", "unfulfilled": "", "partial": "", "fulfilled": "shipped", "restocked": "cancelled"}


def adapt(payload: dict[str, Any], channel: str, shop: str) -> CanonicalOrder:
    order = obj(payload.get("order", payload), "order")
    order_id = text(order, "id", required=True)
    currency = text(order, "currency") or "USD"
    financial = text(order, "financial_status")
    fulfillment = text(order, "fulfillment_status")
    state, reason = lookup(FINANCIAL, financial, "Shopify financial_status")
    reasons = [reason] if reason else []
    after, reason = lookup(FULFILLMENT, fulfillment, "Shopify fulfillment_status")
    if reason:
        state, reasons = "hold", [*reasons, reason]
    elif after and state != "hold":
        state = after
    if text(order, "cancelled_at"):
        state, reasons = "cancelled", []
    refunded: dict[str, int] = {}
    for refund in items(order.get("refunds") or [], "refunds"):
        for row in items(refund.get("refund_line_items") or [], "refunds[].refund_line_items"):
            key = text(row, "line_item_id", required=True)
            refunded[key] = refunded.get(key, 0) + integer(row, "quantity", default=0)
    lines = []
    custom: list[str] = []
    try:
        for i, item in enumerate(items(order.get("line_items"), "line_items")):
            where = f"line_items[{i}]."
            if item.get("requires_shipping") is False:
                continue  # gift cards, digital goods: nothing to pick
            line_id = text(item, "id", required=True, where=where)
            ordered = quantity(item, "quantity", where)
            left = quantity(item, "fulfillable_quantity", where) if "fulfillable_quantity" in item else ordered
            refunds = refunded.get(line_id, 0)
            price = to_minor(item.get("price"), currency, field=where + "price")
            sku = text(item, "sku") or (f"variant:{text(item, 'variant_id')}" if text(item, "variant_id") else "")
            if not sku:  # a custom line item (no product variant, no SKU): nothing we could map it by
                sku = f"custom:{line_id}"
                custom.append(f"line {line_id}: a custom item without sku or variant ('{text(item, 'title')[:40]}'): "
                              "held, pick it by hand or edit the order")
            lines.append(CanonicalLine(
                line_id=line_id, channel_sku=sku, quantity=left if left else ordered, unit_price_minor=price,
                paid_minor=price * ordered - to_minor(item.get("total_discount"), currency,
                                                      field=where + "total_discount"),
                title=text(item, "title"), platform_item_id=text(item, "product_id"),
                platform_sku_id=text(item, "variant_id"), refunding=left == 0 and refunds > 0,
                gift=price == 0, shipped=left == 0 and refunds == 0,
            ))
        total = to_minor(order.get("total_price"), currency, field="total_price")
    except MoneyError as error:
        raise money_guard(error) from error
    if not lines:
        raise AdapterError("line_items: no line to ship")
    if custom and state in ("ready", "pending", "hold") and any(
            line.channel_sku.startswith("custom:") and not (line.refunding or line.shipped) for line in lines):
        state, reasons = "hold", [*reasons, *custom]
    ship = obj(order.get("shipping_address") or {}, "shipping_address")
    name = text(ship, "name") or " ".join(p for p in (text(ship, "first_name"), text(ship, "last_name")) if p)
    customer = obj(order.get("customer") or {}, "customer")
    address = Address(
        name=name, phone=text(ship, "phone"), country=text(ship, "country_code") or "US",
        province=text(ship, "province"), city=text(ship, "city"),
        detail=" ".join(p for p in (text(ship, "address1"), text(ship, "address2")) if p), postcode=text(ship, "zip"),
    )
    return CanonicalOrder(
        channel=channel, shop=shop, platform_order_id=order_id, state=state,
        platform_status=f"financial_status={financial or '-'} fulfillment_status={fulfillment or '-'}"
        + (" cancelled" if text(order, "cancelled_at") else ""),
        lines=lines, address=address, currency=currency, total_minor=total, buyer_id=text(customer, "id"),
        buyer_message=text(order, "note"), created_ms=iso_ms(text(order, "created_at"), "created_at"),
        updated_ms=iso_ms(text(order, "updated_at"), "updated_at") or iso_ms(text(order, "created_at"), "created_at"),
        hold_reasons=reasons, order_name=text(order, "name"),
    )
