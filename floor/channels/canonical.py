"""The canonical order every channel adapter returns (the contract between channels and the OMS).

Adapters (floor/channels/adapters/*) turn a platform payload into a ``CanonicalOrder``; the OMS
(floor/routing, floor/availability, order handling) only ever sees this shape. Pure: no I/O.
Money is integer minor units (fen/cents); times are UTC epoch milliseconds.
"""

from __future__ import annotations

import msgspec

# Our view of a platform order, whatever the platform calls it.
#   ready      : may ship: reserve and release its shippable lines
#   pending    : not yet payable/shippable (unpaid, PDD group not formed, in risk review): nothing reserved
#   hold       : the platform or we hold it (JD LOCKED / POP_ORDER_PAUSE, unknown status): reasons in hold_reasons
#   cancelled  : release everything; put back what was picked
#   shipped    : the platform already shows it shipped (nothing to do on the floor)
#   closed     : finished on the platform (delivered / completed)
CANONICAL_STATES = ("ready", "pending", "hold", "cancelled", "shipped", "closed")


class Address(msgspec.Struct, frozen=True):
    name: str = ""
    phone: str = ""
    country: str = "CN"
    province: str = ""
    city: str = ""
    district: str = ""
    detail: str = ""
    postcode: str = ""
    masked: bool = False  # receiver fields masked/encrypted by the platform (PDD, Douyin, Taobao OAID)
    # GB/T 2260 codes once normalised ('' = not normalised yet / not in China)
    province_code: str = ""
    city_code: str = ""
    district_code: str = ""


class CanonicalLine(msgspec.Struct, frozen=True):
    line_id: str  # the platform's line id (Taobao oid, JD/PDD/Douyin sku order id, Shopify line item id)
    channel_sku: str  # what the platform calls the listing (outer sku id / sku id / Shopify sku)
    quantity: int
    unit_price_minor: int = 0
    paid_minor: int = 0  # what the buyer paid for the line, after discounts
    title: str = ""
    platform_item_id: str = ""  # num_iid / goods_id / product id
    platform_sku_id: str = ""  # sku_id / variant_id
    refunding: bool = False  # an open refund on this line: do not ship it
    gift: bool = False  # zero-price / gift line
    shipped: bool = False  # added by the channels helper: already shipped on the platform (partial consign)


class CanonicalOrder(msgspec.Struct, frozen=True):
    channel: str  # one of floor.orders.model.CHANNELS
    shop: str
    platform_order_id: str  # tid / orderId / order_sn / order_id / Shopify id
    state: str  # one of CANONICAL_STATES
    platform_status: str  # the platform's own status text, kept for the trace
    lines: list[CanonicalLine]
    address: Address
    currency: str = "CNY"
    total_minor: int = 0
    buyer_id: str = ""  # for merge: same buyer + same address + same shop
    buyer_message: str = ""
    seller_memo: str = ""
    created_ms: int = 0
    updated_ms: int = 0  # the platform's modified time: an older update never overwrites a newer one
    promised_ship_ms: int = 0  # the channel's promised dispatch time (0 = none)
    hold_reasons: list[str] = []
    order_name: str = ""  # human order number where it differs from the id (Shopify #1001)
