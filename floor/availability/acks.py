"""Acknowledging a cancel or a hold to the platform (the rest of an order's life, after the ship call
in senders.py), through the same per-platform signed clients.

No platform has an "order held by the warehouse" call and the cancels we see come *from* the
platform, so the acknowledgement is the seller's own note on the platform order, where the platform
has one: Taobao/Tmall ``taobao.trade.memo.update`` (tid, memo, flag: 1 red = held, 4 blue = cancelled
and put back, 2 yellow = released), PDD ``pdd.order.note.update`` (order_sn, note, tag),
Douyin ``order.addOrderRemark`` (order_id, remark, is_add_star, star), Shopify ``tagsAdd`` (the order
gid, tags ``floor-held`` / ``floor-cancelled`` / ``floor-released``), own site ``POST /acks``. JD POP
has no seller remark call we could verify: its acks are recorded as not applicable (never sent).

The caller (floor/channels/confirm.py) keeps each ack in the channel/shop outbox keyed once per
(kind, order, occurrence) and marks it done when the platform accepts: never sent twice.
"""

from __future__ import annotations

import msgspec

from floor.availability.senders import (
    ACCEPTED,
    DouyinSender,
    OwnSiteSender,
    PddSender,
    PushResult,
    Sender,
    ShopifySender,
    TopStyleSender,
)

NOT_APPLICABLE = PushResult("not_applicable", "the platform has no call for this acknowledgement")
ACK_KINDS = ("held", "released", "cancelled")
_FLAG = {"held": "1", "released": "2", "cancelled": "4"}
TAGS_ADD = ("mutation tag($id: ID!, $tags: [String!]!) { tagsAdd(id: $id, tags: $tags) "
            "{ userErrors { field message } } }")


class Ack(msgspec.Struct, frozen=True):
    """One acknowledgement of one platform order: ``key`` is what is never sent twice."""

    key: str
    platform_order_id: str
    kind: str  # held | released | cancelled
    note: str


async def send_ack(sender: Sender, ack: Ack) -> PushResult:
    """Accepted, retry (transport, 5xx, platform error) or not applicable (recorded, never sent)."""
    memo = f"[floor {ack.kind}] {ack.note}"[:200]
    if isinstance(sender, TopStyleSender):
        if sender.profile.channel == "jd":
            return NOT_APPLICABLE
        ok, detail = await sender._call("taobao.trade.memo.update", {
            "tid": ack.platform_order_id, "memo": memo, "flag": _FLAG[ack.kind]})
    elif isinstance(sender, PddSender):
        ok, code, message = await sender._call("pdd.order.note.update", {
            "order_sn": ack.platform_order_id, "note": memo, "tag": _FLAG[ack.kind]})
        detail = f"{code} {message}"
    elif isinstance(sender, DouyinSender):
        ok, detail = await sender._call("order.addOrderRemark", {
            "order_id": ack.platform_order_id, "remark": memo, "is_add_star": "true", "star": int(_FLAG[ack.kind])})
    elif isinstance(sender, ShopifySender):
        status, body = await sender._graphql(TAGS_ADD, {"id": ack.platform_order_id, "tags": [f"floor-{ack.kind}"]})
        if status != 200 or not isinstance(body, dict) or "data" not in body:
            return PushResult("retry", f"http {status}")
        errors = body["data"]["tagsAdd"]["userErrors"]
        ok, detail = not errors, ",".join(str(e.get("message")) for e in errors)
    elif isinstance(sender, OwnSiteSender):
        ok, detail = await sender._send("/acks", msgspec.to_builtins(ack))
    else:
        return NOT_APPLICABLE
    return ACCEPTED if ok else PushResult("retry", detail)
