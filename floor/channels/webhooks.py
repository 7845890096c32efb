"""What order payloads a verified delivery carries, per channel. Pure.

- Shopify: the body is one order for the order topics in :data:`SHOPIFY_ORDER_TOPICS` (others: none).
- Douyin push: a JSON array of messages ``{tag, msg_id, data}`` with ``data`` a JSON string (or
  object); tag ``0`` is the subscription check. A message whose data is a full order detail (has
  ``sku_order_list``) is taken; a thin one (ids only, as Douyin's order topics send) is *noted*: its
  ``p_id``/``shop_order_id`` goes to the refetch list for the pull importer. A message naming no
  order (product change tag 400, shop or material topics) is acknowledged and ignored, so one such
  message never makes Douyin re-send the whole push.
- TOP style (Taobao/Tmall ``trade`` / ``trade_fullinfo_get_response``, JD ``orderInfo``, PDD
  ``order_info``) and the own site: the body is one order object.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from floor.channels.adapters.common import AdapterError, decode, obj

MAX_ORDERS_PER_DELIVERY = 100
# Shopify topics whose body is a full order; others (orders/delete: only an id, app/uninstalled ...) are
# acknowledged and ignored.
SHOPIFY_ORDER_TOPICS = frozenset({"orders/create", "orders/updated", "orders/cancelled", "orders/paid",
                                  "orders/fulfilled", "orders/partially_fulfilled", "orders/edited"})


def order_payloads(channel: str, body: Any, headers: Mapping[str, str]) -> tuple[list[dict[str, Any]], list[str]]:
    """(order payloads to adapt, platform order ids noted for refetch)."""
    if channel == "shopify":
        topic = headers.get("x-shopify-topic", "orders/updated")
        return ([obj(body, "order")] if topic in SHOPIFY_ORDER_TOPICS else []), []
    if channel == "douyin":
        return _douyin(body)
    return [obj(body, "order")], []


def _douyin(body: Any) -> tuple[list[dict[str, Any]], list[str]]:
    messages = body if isinstance(body, list) else [body]
    if len(messages) > MAX_ORDERS_PER_DELIVERY:
        raise AdapterError(f"at most {MAX_ORDERS_PER_DELIVERY} messages per push")
    payloads: list[dict[str, Any]] = []
    noted: list[str] = []
    for index, message in enumerate(messages):
        message = obj(message, f"[{index}]")
        if str(message.get("tag", "")) == "0":
            continue  # the platform's subscription check
        data = message.get("data")
        if isinstance(data, str):
            data = decode(data.encode())
        data = obj(data, f"[{index}].data")
        if "sku_order_list" in data or "shop_order_detail" in data:
            payloads.append(data)
            continue
        ident = data.get("p_id") or data.get("shop_order_id") or data.get("order_id")
        if ident is None or ident == "":
            continue  # a topic about no order (product, shop, material review ...): acknowledged, ignored
        if not isinstance(ident, (str, int)) or isinstance(ident, bool) or not (str(ident).isascii() and str(ident).isdigit()):
            raise AdapterError(f"[{index}].data: p_id / shop_order_id is not an order id")
        if str(ident) not in noted:
            noted.append(str(ident))
    return payloads, noted
