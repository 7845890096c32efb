"""Channel use cases: register shops and SKU mappings, receive a signed delivery, take a platform
order (adapt -> normalise the address -> resolve SKUs -> claim the version -> hand it on).

THE SEAM: :meth:`ChannelIntake.accept` is the one place a channel order reaches the floor. When the
shop names a seller (``seller`` on the shop; that seller's rules are ``PUT /api/routing/rules``)
the order goes to the router (floor/routing: it
chooses warehouses, splits, merges, holds and cancels, with a decision trace); a shop without
a seller has its orders taken on the shop's own warehouse through ``floor.orders.intake``. Nothing else
in floor/channels calls floor.orders.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Mapping as Headers
from datetime import datetime
from typing import Any

import msgspec

from floor.channels import signing
from floor.channels.adapters import AdapterError, adapt
from floor.channels.adapters.common import BEIJING, beijing_ms, decode
from floor.channels.address import normalise
from floor.channels.canonical import CanonicalOrder
from floor.channels.model import Mapping, NewShop, ResolvedLine, Shop, ShopView, merged, resolve, view
from floor.channels.store import (
    ChannelStore,
    claim_command,
    claim_of,
    delivery_seen_command,
    finish_command,
    mark_delivery_command,
)
from floor.channels.webhooks import order_payloads
from floor.core.errors import AuthError, FloorError, NotFoundError, ValidationError
from floor.incidents.model import RaiseException
from floor.incidents.service import Incidents
from floor.orders.model import MAX_DUE, MIN_DUE, NewOrder, OrderLine
from floor.orders.service import Orders
from floor.routing.prefetch import STOCK_SOURCES, Prefetch
from floor.routing.service import Router

TOP_STYLE = ("taobao", "tmall", "jd", "pinduoduo")
SHOP_CACHE_S = 2.0  # a web node re-reads a shop's credentials at most this often
DUPLICATE = "duplicate_delivery"  # take()'s answer to a Shopify delivery id seen before (Receipt.duplicate)
MAX_CLOCK_SKEW_S = 600  # a TOP-style push signed more than 10 minutes away from now is refused (replay)


class ChannelOrder(msgspec.Struct, frozen=True):
    """What the seam receives: the canonical order, its internal lines, why it may not go to the floor."""

    order: CanonicalOrder
    lines: list[ResolvedLine]
    hold_reasons: list[str]
    warehouse: str  # the shop's warehouse (routing will choose instead)
    previous_floor_order: str = ""  # the floor order an earlier version of this platform order created
    seller: str = ""  # route by this seller's rules ('' = take it on ``warehouse``)


class Outcome(msgspec.Struct, frozen=True):
    platform_order_id: str
    result: str  # reserved | backordered | held | pending | cancel_requested | recorded | repeat | stale
    state: str = ""  # our canonical state
    floor_order: str = ""
    warehouse: str = ""
    reasons: list[str] = []


class Receipt(msgspec.Struct, frozen=True):
    """The webhook answer (Douyin reads ``code`` 0 / ``msg`` success; others read the status)."""

    code: int = 0
    msg: str = "success"
    duplicate: bool = False
    orders: list[Outcome] = []
    noted: list[str] = []  # thin push messages recorded for the pull importer


class ChannelIntake:
    """Hands a resolved channel order to the floor. Re-pointed to the router at merge (see module doc)."""

    def __init__(self, orders: Orders, router: Router | None = None) -> None:
        self.orders = orders
        self.router = router

    async def accept(self, order: ChannelOrder, prefetch: Prefetch | None = None,
                     deferred: list[tuple[Any, ...]] | None = None) -> Outcome:
        """``prefetch`` / ``deferred``: see :meth:`Router.place` (the caller sends ``deferred``, and
        ``prefetch.release()`` when the order did not reach the router)."""
        canonical = order.order
        ident = canonical.platform_order_id
        if self.router is not None and order.seller and not order.hold_reasons:
            return await self._route(order, prefetch, deferred)
        if order.hold_reasons or canonical.state == "hold":
            return Outcome(ident, "held", canonical.state, order.previous_floor_order, order.warehouse,
                           order.hold_reasons or canonical.hold_reasons)
        if canonical.state == "cancelled":
            # floor.orders has no cancel yet: recorded; the routing helper's order handling releases it.
            result = "cancel_requested" if order.previous_floor_order else "recorded"
            return Outcome(ident, result, "cancelled", order.previous_floor_order, order.warehouse)
        if canonical.state != "ready":
            return Outcome(ident, "pending" if canonical.state == "pending" else "recorded", canonical.state,
                           order.previous_floor_order, order.warehouse)
        if not order.lines:
            return Outcome(ident, "recorded", "ready", order.previous_floor_order, order.warehouse,
                           ["no line may ship (all refunding or shipped)"])
        due = canonical.promised_ship_ms // 1000
        new = NewOrder(
            channel=canonical.channel, external_id=ident, shop=canonical.shop, warehouse=order.warehouse,
            lines=[OrderLine(sku=sku, quantity=qty) for sku, qty in merged(order.lines)],
            due=due if MIN_DUE <= due <= MAX_DUE else None,
        )
        try:
            repeat, floor_order = await self.orders.intake(order.warehouse, new)
        except FloorError as error:  # unknown SKU in the catalogue, too many lines ...: held, with the reason
            return Outcome(ident, "held", "hold", order.previous_floor_order, order.warehouse,
                           [f"the floor refused it: {error.reason}"])
        reasons = [floor_order.reason] if floor_order.reason else []
        if repeat and [(line.sku, line.quantity) for line in floor_order.lines] != merged(order.lines):
            reasons.append("lines changed after the floor took the order (refund / edit): not adjusted here; "
                           "the router's order handling adjusts reservations")
        return Outcome(ident, floor_order.status, "ready", floor_order.order_id, order.warehouse, reasons)


    async def _route(self, order: ChannelOrder, prefetch: Prefetch | None = None,
                     deferred: list[tuple[Any, ...]] | None = None) -> Outcome:
        """The router places it (idempotent on channel, shop, platform id; updates and cancels adjust)."""
        canonical = order.order
        if canonical.state == "ready" and not order.lines:
            return Outcome(canonical.platform_order_id, "recorded", "ready", order.previous_floor_order,
                           order.warehouse, ["no line may ship (all refunding or shipped)"])
        try:
            routed = await self.router.place(  # type: ignore[union-attr]
                canonical, merged(order.lines), order.seller, prefetch, deferred)
        except FloorError as error:  # unknown SKU in every warehouse, too many lines ...: held, with the reason
            return Outcome(canonical.platform_order_id, "held", "hold", order.previous_floor_order, order.warehouse,
                           [f"the floor refused it: {error.reason}"])
        first = routed.parcels[0] if routed.parcels else None
        return Outcome(canonical.platform_order_id, "repeat" if routed.repeat else routed.status, canonical.state,
                       first.order_id if first else order.previous_floor_order,
                       first.warehouse if first else order.warehouse, routed.holds)


class Channels:
    def __init__(self, store: ChannelStore, intake: ChannelIntake, incidents: Incidents | None = None) -> None:
        self.store = store
        self.intake = intake
        self.incidents = incidents  # a held order raises a floor exception (kind 'other') on the board
        self._shops: dict[tuple[str, str], tuple[float, Shop]] = {}
        self.life: Any = None  # floor.channels.confirm.OrderLife (set by floor.py): acks, cancel after release
        # (channel, shop, channel SKU) -> internal SKUs its mapping had at the last claim: only a guess of
        # which stock to read ahead (the claim's own mappings decide; a wrong guess costs one more read).
        self._skus: dict[tuple[str, str, str], tuple[str, ...]] = {}

    # -- admin -------------------------------------------------------------------------------------

    async def create_shop(self, data: NewShop) -> ShopView:
        shop = Shop(data.channel, data.shop, data.secret, data.warehouse, data.app_key, data.sign_method,
                    data.api_url, data.name, access_token=data.access_token, seller=data.seller)
        saved = view(await self.store.save_shop(shop))
        if self.life is not None:  # the shop's stock push / ship calls use these credentials
            await self.life.sync_shop(data.channel, data.shop)
        return saved

    async def shops(self) -> list[ShopView]:
        return [view(shop) for shop in await self.store.shops()]

    async def shop(self, channel: str, shop: str, *, cached: bool = False) -> Shop:
        """The shop's record; ``cached`` (deliveries only) reuses a copy up to SHOP_CACHE_S old (a new secret
        applies within that time)."""
        now = time.monotonic()
        hit = self._shops.get((channel, shop)) if cached else None
        if hit is not None and hit[0] > now:
            return hit[1]
        found = await self.store.shop(channel, shop)
        if found is not None:
            self._shops[(channel, shop)] = (now + SHOP_CACHE_S, found)
        if found is None:
            raise NotFoundError(f"no shop '{shop}' registered for channel '{channel}' (POST /api/channels/shops)")
        return found

    async def save_mappings(self, channel: str, shop: str, mappings: list[Mapping]) -> tuple[int, int]:
        """(mappings the shop has now, held orders taken again with them) — at most 200 held orders."""
        record = await self.shop(channel, shop)
        count = await self.store.save_mappings(channel, shop, mappings)
        if self.life is not None:  # the listings the stock push writes
            await self.life.sync_shop(channel, shop)
        retaken = 0
        for order_id in await self.store.held(channel, shop, limit=200):
            stored = (await self.store.record(channel, shop, order_id)).get("order")
            if stored:
                await self.take(record, msgspec.json.decode(stored, type=CanonicalOrder))
                retaken += 1
        return count, retaken

    async def mappings(self, channel: str, shop: str) -> list[Mapping]:
        await self.shop(channel, shop)
        return await self.store.all_mappings(channel, shop)

    async def order(self, channel: str, shop: str, order_id: str) -> dict[str, str]:
        record = await self.store.record(channel, shop, order_id)
        if not record:
            raise NotFoundError(f"no order '{order_id}' from {channel}/{shop}")
        return record

    # -- receiving -----------------------------------------------------------------------------------

    async def receive(self, channel: str, shop_id: str, body: bytes, headers: Headers[str, str],
                      query: Headers[str, str]) -> Receipt:
        """Verify the signature (401) before reading the body, then take every order it carries.
        Every payload is adapted before any is taken, so a malformed one changes nothing (400)."""
        shop = await self.shop(channel, shop_id, cached=True)
        try:
            verify(shop, body, headers, query)
        except signing.SignatureError as error:
            raise AuthError(f"{channel} signature refused: {error}") from error
        delivery = headers.get("x-shopify-webhook-id", "") if channel == "shopify" else ""
        try:
            payloads, noted = order_payloads(channel, decode(body), headers)
            orders = [adapt(channel, shop_id, payload) for payload in payloads]
        except AdapterError as error:
            raise FloorError(f"malformed {channel} body: {error}", code="malformed") from error
        if delivery and len(orders) == 1 and not noted:  # the delivery id is checked and marked with the order
            outcome = await self.take(shop, orders[0], delivery)
            return Receipt(duplicate=True) if outcome.result == DUPLICATE else Receipt(orders=[outcome])
        if delivery and await self.store.delivery_seen(channel, shop_id, delivery):
            return Receipt(duplicate=True)
        now = int(time.time() * 1000)
        for order_id in noted:
            await self.store.note_refetch(channel, shop_id, order_id, now)
        outcomes = [await self.take(shop, order) for order in orders]
        if delivery:
            await self.store.mark_delivery(channel, shop_id, delivery)
        return Receipt(orders=outcomes, noted=noted)

    async def take(self, shop: Shop, order: CanonicalOrder, delivery: str = "") -> Outcome:
        """Normalise, resolve, claim this version, accept, record. Idempotent on (channel, shop, id, version).

        Round trips on the routed path: (1) the channel claim with the routing claim and the stock read
        of the SKUs this shop's mappings gave last time (:meth:`Router.prefetch`), (2) the reservation
        script per parcel, (3) the routing finish with the channel finish. Whatever happens, the
        routing claim is dropped or finished in (3). ``delivery`` (a Shopify webhook id): checked in (1) —
        seen before: nothing is taken and the result is :data:`DUPLICATE` — and marked in (3)."""
        ident = order.platform_order_id
        address, problem = normalise(order.address)
        order = msgspec.structs.replace(order, address=address)
        encoded = msgspec.json.encode(order)  # once: the digest and the record's copy
        digest = hashlib.sha256(encoded).hexdigest()[:32]
        wanted = sorted({line.channel_sku for line in order.lines})
        commands = [claim_command(shop.channel, shop.shop, ident, order.updated_ms, digest, wanted)]
        prefetch = None
        if self.intake.router is not None and shop.seller and order.state in ("ready", "hold"):
            guess = sorted({sku for code in wanted for sku in self._skus.get((shop.channel, shop.shop, code), ())})
            prefetch = await self.intake.router.prefetch(order, shop.seller, guess)
            if prefetch is not None:
                commands += prefetch.commands
        if delivery:
            commands.append(delivery_seen_command(shop.channel, shop.shop, delivery))
        replies = await self.store.batch(commands, STOCK_SOURCES)
        claim = claim_of(replies[0], wanted)
        if prefetch is not None:
            prefetch.read(replies[1:len(prefetch.commands) + 1])
        deferred: list[tuple[Any, ...]] = []
        try:
            if delivery and replies[-1]:  # a re-sent delivery: the claim above wrote nothing (same digest)
                return Outcome(ident, DUPLICATE)
            for code, mapping in claim.mappings.items():
                self._skus[(shop.channel, shop.shop, code)] = tuple(c.sku for c in mapping.components)
            if claim.verdict in ("stale", "repeat"):
                return Outcome(ident, claim.verdict, claim.state, claim.floor_order, claim.warehouse, claim.reasons)
            lines, problems = resolve(order, claim.mappings)
            if order.state in ("cancelled", "shipped", "closed"):
                problems, problem = [], ""  # nothing will ship: an unmapped SKU or odd address holds nothing
            reasons = [*order.hold_reasons, *([problem] if problem else []), *problems]
            outcome = await self.intake.accept(ChannelOrder(order, lines, reasons, shop.warehouse, claim.floor_order,
                                                            shop.seller), prefetch, deferred)
            held = outcome.result == "held"
            finish = finish_command(shop.channel, shop.shop, ident, digest, order.updated_ms, held, {
                "state": outcome.state, "result": outcome.result, "platform_status": order.platform_status,
                "floor_order": outcome.floor_order, "warehouse": outcome.warehouse,
                "reasons": msgspec.json.encode(outcome.reasons), "order": encoded, "lines": msgspec.json.encode(lines),
            })
            mark = [mark_delivery_command(shop.channel, shop.shop, delivery)] if delivery else []
            sent = [*deferred, *(prefetch.release() if prefetch else []), finish, *mark]
            deferred, prefetch = [], None  # sent below, once
            await self.store.batch(sent, STOCK_SOURCES)
        finally:
            leftover = [*deferred, *(prefetch.release() if prefetch else [])]
            if leftover:  # an early answer or an error: the routing claim is dropped / finished all the same
                await self.store.batch(leftover, STOCK_SOURCES)
        if held and self.incidents is not None and outcome.warehouse:
            await self._raise_hold(shop, order, outcome)
        if self.life is not None:
            await self.life.after_take(shop, order, outcome)
        return outcome

    async def _raise_hold(self, shop: Shop, order: CanonicalOrder, outcome: Outcome) -> None:
        """One floor exception per held platform order (idempotent on its id), so the hold shows on the board."""
        ident = hashlib.sha1(f"{shop.channel}|{shop.shop}|{order.platform_order_id}".encode()).hexdigest()[:24]
        detail = f"{shop.channel}/{shop.shop} order {order.platform_order_id} held: " + "; ".join(outcome.reasons)
        detail = "".join(c if c.isprintable() else " " for c in detail)[:500]
        assert self.incidents is not None
        with contextlib.suppress(FloorError):  # the hold is recorded either way; the board notice is best effort
            await self.incidents.raise_one(outcome.warehouse, RaiseException(
                exception_id=f"hold-{ident}", kind="other", detail=detail), "channels")


def verify(shop: Shop, body: bytes, headers: Headers[str, str], query: Headers[str, str]) -> None:
    """The shop's channel's signature over the raw body (and, TOP style, the query parameters)."""
    if shop.channel == "shopify":
        signing.shopify_verify(body, shop.secret, headers.get("x-shopify-hmac-sha256"))
    elif shop.channel == "own_site":
        signing.own_site_verify(body, shop.secret, headers.get("x-floor-signature"))
    elif shop.channel == "douyin":
        signing.douyin_push_verify(body, shop.app_key, shop.secret, headers.get("app-id"), headers.get("event-sign"),
                                   headers.get("sign-method"))
    elif shop.channel in TOP_STYLE:
        signing.top_verify(dict(query), shop.secret, body, app_key=shop.app_key)
        _fresh(query.get("timestamp", ""))
    else:
        raise ValidationError(f"no signature scheme for channel '{shop.channel}'")


def _fresh(timestamp: str) -> None:
    """TOP-style timestamps within 10 minutes of now: 'YYYY-MM-DD HH:MM:SS' (Beijing; JD's SDK adds
    milliseconds and an offset: '... HH:MM:SS.123+0800'), epoch seconds (PDD) or epoch milliseconds."""
    try:
        at_s = _timestamp_s(timestamp)
    except AdapterError as error:
        raise signing.SignatureError(str(error)) from error
    if not timestamp or abs(time.time() - at_s) > MAX_CLOCK_SKEW_S:
        raise signing.SignatureError("timestamp is missing or more than 10 minutes from now")


def _timestamp_s(timestamp: str) -> float:
    if timestamp.isascii() and timestamp.isdigit():
        return int(timestamp) / 1000 if len(timestamp) >= 13 else int(timestamp)
    if len(timestamp) <= 19 or not timestamp.isascii():
        return beijing_ms(timestamp, "timestamp") / 1000
    rest = timestamp[19:]
    pattern = "%Y-%m-%d %H:%M:%S" + (".%f" if rest.startswith(".") else "") + ("%z" if "+" in rest or "-" in rest else "")
    try:
        moment = datetime.strptime(timestamp, pattern)
    except ValueError as error:
        raise AdapterError(f"timestamp: '{timestamp[:40]}' is not a time") from error
    return (moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)).timestamp()
