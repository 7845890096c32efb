"""Orders: the canonical shape every channel is normalised into, and the order lifecycle."""

from __future__ import annotations

from typing import Annotated

import msgspec

from floor.core.fields import ExternalId, Input, ShortText, Sku, Warehouse, Word
from floor.core.lifecycle import Lifecycle

CHANNELS = ("tmall", "taobao", "jd", "pinduoduo", "douyin", "shopify", "own_site", "manual")

ORDER_LIFECYCLE = Lifecycle(
    name="order",
    initial="received",
    table={
        ("received", "reserve"): "reserved",
        ("received", "backorder"): "backordered",
        ("backordered", "reserve"): "reserved",
        ("backordered", "cancel"): "cancelled",
        ("reserved", "cancel"): "cancelled",
        ("reserved", "backorder"): "backordered",
        ("reserved", "release"): "released",
        ("released", "pick"): "picked",
        ("released", "pick_short"): "picked_short",
        # held by order handling (floor/routing): keeps its reservation, out of the wave queues
        ("reserved", "hold"): "held",
        ("backordered", "hold"): "held",
        ("held", "release_hold"): "reserved",
        ("held", "release_hold_backordered"): "backordered",
        ("held", "cancel"): "cancelled",
    },
)


MAX_LINES = 200
MAX_QUANTITY = 10_000
Shop = Annotated[str, msgspec.Meta(max_length=64, pattern=r"^[A-Za-z0-9._-]*$",
                                   description="the channel's shop id ('' = the channel's only shop)")]
Carrier = Annotated[str, msgspec.Meta(max_length=32, pattern=r"^[A-Za-z0-9_-]*$",
                                      description="carrier service (SF_STD) or carrier (SF) of the shipping catalogue")]


class OrderLine(Input, frozen=True, forbid_unknown_fields=True):
    sku: Sku
    quantity: int


class NewOrder(Input, frozen=True, forbid_unknown_fields=True):
    """``POST /api/orders``: idempotent on (channel, shop, external_id)."""

    channel: Word
    external_id: ExternalId
    lines: Annotated[list[OrderLine], msgspec.Meta(max_length=MAX_LINES)]
    warehouse: Warehouse | None = None
    priority: int = 5  # 1 = most urgent
    due: int | None = None  # epoch seconds (cut-off); None = no deadline
    customer: ShortText = ""
    shop: Shop = ""
    carrier: Carrier = ""  # carrier service (SF_STD) or carrier (SF) when the channel said; '' = by rule


class Order(msgspec.Struct, frozen=True):
    order_id: str
    warehouse: str
    channel: str
    external_id: str
    status: str
    lines: list[OrderLine]
    priority: int
    due: int | None
    reason: str = ""
    units: int = 0
    picked_units: int = 0
    short_units: int = 0
    created_ms: int = 0
    wave_id: str = ""
    shop: str = ""
    carrier: str = ""  # '' = none given (the release policy's carrier rule decides)


def validate_new_order(order: NewOrder) -> list[str]:
    """Reasons ``order`` is unacceptable (empty list = fine). Pure: no store look-ups."""
    problems: list[str] = []
    if order.channel not in CHANNELS:
        problems.append(f"unknown channel '{order.channel}' (known: {', '.join(CHANNELS)})")
    if not order.external_id or len(order.external_id) > 64:
        problems.append("external_id must be 1-64 characters")
    if not order.lines:
        problems.append("an order needs at least one line")
    if len(order.lines) > MAX_LINES:
        problems.append(f"an order may have at most {MAX_LINES} lines")
    for index, line in enumerate(order.lines):
        if not 1 <= line.quantity <= MAX_QUANTITY:
            problems.append(f"line {index}: quantity must be 1..{MAX_QUANTITY}")
        if not line.sku or len(line.sku) > 40:
            problems.append(f"line {index}: sku must be 1-40 characters")
    if order.due is not None and not MIN_DUE <= order.due <= MAX_DUE:
        problems.append(f"due must be epoch seconds between {MIN_DUE} and {MAX_DUE}")
    if len(order.customer) > 200 or any(ord(c) < 32 for c in order.customer):
        problems.append("customer must be at most 200 characters without control characters")
    if not order.external_id.isascii() or not order.external_id.isprintable():
        problems.append("external_id must be printable ASCII")
    if not 1 <= order.priority <= 9:
        problems.append("priority must be 1 (most urgent) .. 9")
    if order.carrier and order.carrier not in known_carriers():
        problems.append(f"unknown carrier '{order.carrier}' (a carrier or service code of the shipping catalogue)")
    return problems


def known_carriers() -> set[str]:
    """Carrier codes (SF) and service codes (SF_STD) of floor/shipping/data/carriers.json."""
    from floor.shipping.model import catalogue  # the shipping catalogue is data; imported when needed

    book = catalogue()
    return set(book.carriers) | {service.code for service in book.services}


MIN_DUE = 1_500_000_000  # 2017-07: anything earlier is a unit mistake (ms? days?)
MAX_DUE = 4_102_444_800  # 2100-01-01


def urgency(priority: int, due: int | None) -> int:
    """Sort score of a reserved order: priority first, then due time (epoch seconds)."""
    return priority * 10**10 + (due if due is not None else 9_999_999_999)
