"""One pure adapter per platform: ``adapt(payload, channel, shop) -> CanonicalOrder``.

:data:`ADAPTERS` maps each channel name (floor.orders.model.CHANNELS) to its adapter; Tmall and
Taobao share the TOP trade shape. The caller (webhook route, pull importer) verifies the
signature first, decodes with :func:`common.decode`, adapts, then normalises the address and
resolves SKUs (floor.channels.service).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from floor.channels.adapters import douyin, jd, own_site, pinduoduo, shopify, taobao
from floor.channels.adapters.common import AdapterError
from floor.channels.canonical import CANONICAL_STATES, CanonicalOrder

Adapter = Callable[[dict[str, Any], str, str], CanonicalOrder]

ADAPTERS: dict[str, Adapter] = {
    "taobao": taobao.adapt,
    "tmall": taobao.adapt,
    "jd": jd.adapt,
    "pinduoduo": pinduoduo.adapt,
    "douyin": douyin.adapt,
    "shopify": shopify.adapt,
    "own_site": own_site.adapt,
}


def adapt(channel: str, shop: str, payload: Any) -> CanonicalOrder:
    """The canonical order of ``payload``; AdapterError when it is not the platform's documented shape."""
    adapter = ADAPTERS.get(channel)
    if adapter is None:
        raise AdapterError(f"no adapter for channel '{channel}' (known: {', '.join(ADAPTERS)})")
    if not isinstance(payload, dict):
        raise AdapterError("the payload must be a JSON object")
    order = adapter(payload, channel, shop)
    if order.state not in CANONICAL_STATES:  # a table bug, not a payload problem
        raise AssertionError(f"adapter {channel} produced state {order.state}")
    if not 1 <= len(order.platform_order_id) <= 64 or not order.platform_order_id.isascii() \
            or not order.platform_order_id.isprintable():
        raise AdapterError("the platform order id must be 1-64 printable ASCII characters")
    return order


__all__ = ["ADAPTERS", "AdapterError", "adapt"]
