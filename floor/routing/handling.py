"""Order handling around routing: hold reasons (risk rules), the merge key, and the routing
outcome kept per channel order (its parcels, holds, merge link and decision trace). Pure.

Holds keep the reservation (the floor order leaves the wave queues until released). Merge: open
orders of the same buyer to the same address from the same shop within the window ship as one
parcel: the later order is steered to the earlier one's warehouse and linked to its group; a
cancel unlinks it.
"""

from __future__ import annotations

import hashlib

import msgspec

from floor.channels.canonical import CanonicalOrder
from floor.routing.model import Risk, TraceStep

STATUSES = ("routed", "partial", "backordered", "queued", "held", "pending", "cancelled", "closed")


def hold_reasons(order: CanonicalOrder, risk: Risk) -> list[str]:
    """Why ``order`` must wait for a person (empty = it may ship)."""
    reasons = [f"platform: {reason}" for reason in order.hold_reasons]
    if order.state == "hold" and not reasons:
        reasons.append(f"platform status {order.platform_status} holds the order")
    text = f"{order.buyer_message} {order.seller_memo}"
    for keyword in risk.remark_keywords:
        if keyword and keyword in text:
            reasons.append(f"remark contains '{keyword}'")
    if risk.amount_over and order.total_minor > risk.amount_over:
        reasons.append(f"amount {order.total_minor} above {risk.amount_over}")
    if risk.hold_unnormalised_address and order.address.country == "CN" and not order.address.province_code:
        reasons.append("address not normalised (no province code)")
    return reasons


def province_of(order: CanonicalOrder) -> str:
    code = order.address.province_code
    return code[:2] if len(code) >= 2 and code[:2].isdigit() else ""


def merge_key(order: CanonicalOrder) -> str:
    """Same shop + same buyer + same address (as normalised) -> the same key; '' = never merge."""
    a = order.address
    if not order.buyer_id or a.masked and not a.district_code:
        return ""
    text = "|".join((order.channel, order.shop, order.buyer_id, a.province_code, a.city_code, a.district_code,
                     a.detail.replace(" ", "").replace("\u3000", ""), a.name, a.phone))
    return hashlib.sha1(text.encode()).hexdigest()


class ParcelRecord(msgspec.Struct, frozen=True):
    warehouse: str
    order_id: str  # the floor order id in that warehouse
    external_id: str  # what the floor order is keyed on: '<platform id>#<n>'
    lines: list[tuple[str, int]]
    status: str  # reserved | backordered | held | cancelled


class RoutingOutcome(msgspec.Struct, frozen=True):
    channel: str
    shop: str
    platform_order_id: str
    status: str  # one of STATUSES
    parcels: list[ParcelRecord]
    trace: list[TraceStep]
    holds: list[str] = []
    merge_group: str = ""
    rule: str = ""
    repeat: bool = False
    decided_ms: int = 0


class MergeGroup(msgspec.Struct, frozen=True):
    group: str
    warehouse: str
    orders: list[str]  # platform order ids
    until_ms: int


def outcome_status(parcels: list[ParcelRecord], queued: bool, holds: list[str]) -> str:
    if holds:
        return "held"
    if queued and not parcels:
        return "queued"
    states = {p.status for p in parcels}
    if states == {"reserved"}:
        return "routed"
    if "reserved" in states:
        return "partial"
    return "backordered" if parcels else "queued"
