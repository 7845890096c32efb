"""The seller's own web shop -> CanonicalOrder (our documented JSON, see docs/channels.md).

``{"order_id", "status": pending|paid|cancelled|shipped|completed, "currency", "total_minor",
"updated_ms", "created_ms", "buyer_id", "note", "receiver": {name, phone, country, province, city,
district, detail, postcode}, "lines": [{line_id, sku, quantity, unit_price_minor, paid_minor, gift,
refunding}]}``. Money is already integer minor units.
"""

from __future__ import annotations

from typing import Any

from floor.channels.adapters.common import AdapterError, integer, items, lookup, obj, quantity, text
from floor.channels.canonical import Address, CanonicalLine, CanonicalOrder

STATES: dict[str, str] = {
    "pending": "pending", "paid": "ready", "on_hold": "hold", "cancelled": "cancelled",
    "shipped": "shipped", "completed": "closed",
}


def adapt(payload: dict[str, Any], channel: str, shop: str) -> CanonicalOrder:
    order = obj(payload, "order")
    order_id = text(order, "order_id", required=True)
    status = text(order, "status", required=True)
    state, reason = lookup(STATES, status, "own-site status")
    reasons = [reason] if reason else (["the shop put the order on hold"] if state == "hold" else [])
    lines = []
    for i, line in enumerate(items(order.get("lines"), "lines")):
        where = f"lines[{i}]."
        if not isinstance(line.get("gift", False), bool) or not isinstance(line.get("refunding", False), bool):
            raise AdapterError(f"{where}gift/refunding: expected true or false")
        lines.append(CanonicalLine(
            line_id=text(line, "line_id") or str(i + 1), channel_sku=text(line, "sku", required=True, where=where),
            quantity=quantity(line, "quantity", where),
            unit_price_minor=integer(line, "unit_price_minor", default=0, where=where),
            paid_minor=integer(line, "paid_minor", default=0, where=where), title=text(line, "title"),
            gift=bool(line.get("gift", False)), refunding=bool(line.get("refunding", False)),
        ))
    if not lines:
        raise AdapterError("lines: an order has at least one line")
    receiver = obj(order.get("receiver") or {}, "receiver")
    address = Address(
        name=text(receiver, "name"), phone=text(receiver, "phone"), country=text(receiver, "country") or "CN",
        province=text(receiver, "province"), city=text(receiver, "city"), district=text(receiver, "district"),
        detail=text(receiver, "detail"), postcode=text(receiver, "postcode"),
    )
    return CanonicalOrder(
        channel=channel, shop=shop, platform_order_id=order_id, state=state, platform_status=status, lines=lines,
        address=address, currency=text(order, "currency") or "CNY",
        total_minor=integer(order, "total_minor", default=0), buyer_id=text(order, "buyer_id"),
        buyer_message=text(order, "note"), created_ms=integer(order, "created_ms", default=0),
        updated_ms=integer(order, "updated_ms", default=0) or integer(order, "created_ms", default=0),
        hold_reasons=reasons,
    )
