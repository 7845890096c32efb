"""The order brain's entry point: :meth:`Router.place` takes a canonical order whose lines are
already internal (sku, quantity) and routes, reserves, holds and merges it; cancel / hold / release
act on the record it keeps.

Invariant: every parcel is reserved by its warehouse's own script (``intake_order`` in strict mode:
all its lines after safety stock, or nothing); when stock moved between deciding and reserving,
the router decides again for what is left on a fresh snapshot (at most ``ROUNDS`` times). An
accepted order ends routed (all reserved), partial / backordered (the rest explicitly backordered
in a warehouse), queued (nothing written on the floor) or held (reserved, kept out of waves).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import msgspec

from floor.availability.service import Availability
from floor.channels.canonical import CanonicalOrder
from floor.core.errors import InsufficientStockError, NotFoundError, ValidationError
from floor.core.ids import new_id
from floor.incidents.store import IncidentStore
from floor.orders.model import urgency
from floor.orders.service import Orders
from floor.routing.handling import (
    ParcelRecord,
    RoutingOutcome,
    hold_reasons,
    merge_key,
    outcome_status,
    province_of,
)
from floor.routing.manual import OrderHandling
from floor.routing.model import OrderFacts, RuleSet, Snapshot, TraceStep, decide, rule_set_problems
from floor.routing.prefetch import Prefetch
from floor.routing.store import Record, RoutingStore, Stock, finish_commands

ROUNDS = 4
MAX_PARCELS = 20
RULES_TTL_S = 1.0


def _now_ms() -> int:
    return int(time.time() * 1000)


def _capped(rules: RuleSet) -> list[str]:
    """The sites whose orders-placed-today count matters (a daily capacity): only these are read."""
    return [site.warehouse for site in rules.sites if site.daily_capacity]


def _changed(record: Record, order: CanonicalOrder, lines: list[tuple[str, int]]) -> str:
    """What a platform update changed that routing depends on ('' = nothing)."""
    if sorted(record.lines) != sorted(lines):
        return "lines changed"
    if province_of(record.order) != province_of(order) or record.order.address != order.address:
        return "address changed"
    return ""


class Router:
    def __init__(self, store: RoutingStore, orders: Orders, availability: Availability,
                 incidents: IncidentStore) -> None:
        self.store = store
        self.orders = orders
        self.availability = availability
        self.incidents = incidents
        self._rules_cache: dict[str, tuple[float, RuleSet]] = {}
        self.handling = OrderHandling(store, orders, incidents)

    async def put_rules(self, seller: str, rules: RuleSet) -> RuleSet:
        problems = rule_set_problems(rules)
        if problems:
            raise ValidationError("; ".join(problems))
        self._rules_cache.pop(seller, None)
        return await self.store.put_rules(seller, rules)

    async def rules(self, seller: str) -> RuleSet:
        rules = await self.store.rules(seller)
        if rules is None:
            raise NotFoundError(f"seller '{seller}' has no routing rules")
        return rules

    async def trace(self, channel: str, shop: str, platform_id: str) -> RoutingOutcome:
        """The outcome with each parcel's current floor status (a backorder reserved by a receipt
        since shows as reserved)."""
        record = await self.store.record(channel, shop, platform_id)
        if record is None:
            raise NotFoundError(f"order {channel}/{shop}/{platform_id} was never routed")
        o = record.outcome
        parcels = []
        for parcel in o.parcels:
            if parcel.status in ("reserved", "backordered"):
                try:
                    status = (await self.orders.store.get(parcel.warehouse, parcel.order_id)).status
                    parcel = msgspec.structs.replace(parcel, status=status)
                except NotFoundError:
                    pass
            parcels.append(parcel)
        return msgspec.structs.replace(o, parcels=parcels)

    async def retry_queued(self, limit: int = 200) -> int:
        """Place queued orders again (after stock arrived or rules changed); returns how many left the queue."""
        placed = 0
        for record in await self.store.queued(limit):
            outcome = await self.place(record.order, record.lines, record.seller)
            placed += outcome.status != "queued"
        return placed

    async def prefetch(self, order: CanonicalOrder, seller: str, skus: list[str]) -> Prefetch | None:
        """The claim + stock read of ``order`` as commands the caller sends with its own (see
        floor/routing/prefetch.py); None when the seller has no rules (place() says so)."""
        try:
            rules = await self._cached_rules(seller)
        except NotFoundError:
            return None
        return Prefetch(order.channel, order.shop, order.platform_order_id, [s.warehouse for s in rules.sites], skus,
                        _capped(rules), self.store.one_slot)

    async def place(self, order: CanonicalOrder, lines: list[tuple[str, int]], seller: str = "default",
                    prefetch: Prefetch | None = None,
                    deferred: list[tuple[Any, ...]] | None = None) -> RoutingOutcome:
        """Route and reserve ``order`` (idempotent on channel, shop, platform order id); an update
        that cancels it cancels; a pending order is recorded and placed when it becomes ready.

        ``prefetch``: the claim and stock read already sent (:meth:`prefetch`); ``deferred``: the
        finish (record, daily counts, claim dropped) is appended there for the caller to send with
        its own finish (it MUST send it, also when this raises), instead of being sent here."""
        wanted: dict[str, int] = {}
        for sku, qty in lines:
            if not 1 <= qty <= 10_000:
                raise ValidationError(f"line {sku}: quantity must be 1..10000")
            wanted[sku] = wanted.get(sku, 0) + qty
        record: Record | None = None
        rules = await self._cached_rules(seller) if order.state in ("ready", "hold") else None
        sites = [site.warehouse for site in rules.sites] if rules else []
        capped = _capped(rules) if rules else []
        claimed = False
        if prefetch is not None and prefetch.claimed:
            prefetch.used = True  # the claim is ours: the finish below drops it
            claimed, record = True, prefetch.record
            read = prefetch.stock_for(sites, list(wanted), capped)
            stock = read if read is not None else await self.store.stock(sites, list(wanted), capped)
        for _attempt in range(0 if claimed else 250):
            claimed, record, stock = await self.store.claim(order.channel, order.shop, order.platform_order_id,
                                                            sites, list(wanted), capped=capped)
            if claimed:
                break
            await asyncio.sleep(0.02)  # a duplicate is being placed right now: read its record after
        else:
            if not claimed:
                raise InsufficientStockError("the order is being placed by another request", code="busy")
        placed: list[str] = []
        saved: list[Record] = []
        try:
            return await self._place(order, list(wanted.items()), seller, record, placed, saved, rules, stock)
        finally:
            finish = finish_commands(saved[-1] if saved else None, placed, order.channel, order.shop,
                                     order.platform_order_id, was_queued=record is not None)
            if deferred is not None:
                deferred.extend(finish)
            else:
                await self.store.batch(finish)

    async def _place(self, order: CanonicalOrder, lines: list[tuple[str, int]], seller: str, record: Record | None,
                     placed: list[str], saved: list[Record], rules: RuleSet | None, stock: Stock) -> RoutingOutcome:
        """``placed`` collects the warehouse of each parcel reserved, ``saved`` the record to write:
        the caller writes both (and drops the claim) in one round trip, whatever happens here."""
        revision, history = 0, []
        if record is not None:
            if order.updated_ms and order.updated_ms < record.order.updated_ms:
                return msgspec.structs.replace(record.outcome, repeat=True)  # an older update: ignored
            if order.state == "cancelled" and record.outcome.status != "cancelled":
                return await self.handling.cancel_record(record, "cancelled on the platform")
            changed = _changed(record, order, lines)
            if changed and record.outcome.status not in ("pending", "cancelled", "closed"):
                if any(p.status not in ("reserved", "backordered", "held", "cancelled") for p in record.outcome.parcels):
                    step = TraceStep("", "", "update_refused", f"{changed}, but a parcel is already on the floor")
                    outcome = msgspec.structs.replace(record.outcome, trace=[*record.outcome.trace, step])
                    saved.append(msgspec.structs.replace(record, outcome=outcome))
                    return outcome
                cancelled = await self.handling.cancel_record(record, f"updated on the platform ({changed})")
                revision = record.revision + 1
                history = [*cancelled.trace, TraceStep("", "", "updated", f"{changed}: placing again")]
            elif not (record.outcome.status in ("pending", "queued") and order.state in ("ready", "hold")):
                return msgspec.structs.replace(record.outcome, repeat=True)
        if order.state in ("pending", "cancelled", "shipped", "closed"):
            status = "pending" if order.state == "pending" else "cancelled" if order.state == "cancelled" else "closed"
            outcome = RoutingOutcome(order.channel, order.shop, order.platform_order_id, status, [], [
                TraceStep("", "", "skipped", f"platform state {order.state} ({order.platform_status}): nothing reserved")],
                decided_ms=_now_ms())
            saved.append(Record(outcome, order, lines, seller))
            return outcome
        read: Stock | None = stock
        if rules is None:  # not reachable for ready/hold orders (the caller read them): defensive
            rules, read = await self._cached_rules(seller), None
        sites = [site.warehouse for site in rules.sites]
        first, known = await self._snapshot(sites, [sku for sku, _q in lines], read)
        unknown = [sku for sku, _q in lines if sku not in known]
        if unknown:
            raise ValidationError(f"unknown SKU {', '.join(unknown)} in every warehouse of the seller")
        holds = hold_reasons(order, rules.risk)
        key = merge_key(order) if rules.merge_window_s else ""
        group = await self.store.merge_group(key) if key else None
        prefer = group.warehouse if group and not holds else ""
        prefix = order.platform_order_id if not revision else f"{order.platform_order_id}~{revision}"
        parcels, trace, queued, rule = await self._reserve(order, lines, rules, prefer, first, placed, prefix)
        trace = [*history, *trace]
        for index, parcel in enumerate(parcels):
            if holds and parcel.status in ("reserved", "backordered"):
                await self.store.hold_floor_order(parcel.warehouse, parcel.order_id, "hold", "; ".join(holds)[:200])
                parcels[index] = msgspec.structs.replace(parcel, status="held")
        if holds:
            await self.handling.raise_hold(order, parcels[0].warehouse if parcels else sites[0], holds)
            trace.append(TraceStep("", "", "held", "; ".join(holds)))
        merge_group = ""
        homes = {p.warehouse for p in parcels}
        if key and len(homes) == 1 and not holds:
            merge_group = await self.handling.merge(key, group, homes.pop(), order.platform_order_id, rules.merge_window_s)
            if group is not None and merge_group:
                trace.append(TraceStep("", parcels[0].warehouse, "merged",
                                       f"ships with {', '.join(group.orders)} (group {merge_group[:12]})"))
        outcome = RoutingOutcome(order.channel, order.shop, order.platform_order_id,
                                 outcome_status(parcels, queued, holds), parcels, trace, holds, merge_group, rule,
                                 decided_ms=_now_ms())
        saved.append(Record(outcome, order, lines, seller, revision))
        return outcome

    async def _reserve(self, order: CanonicalOrder, lines: list[tuple[str, int]], rules: RuleSet, prefer: str,
                       first: Snapshot, placed: list[str],
                       prefix: str) -> tuple[list[ParcelRecord], list[TraceStep], bool, str]:
        remaining = dict(lines)
        parcels: list[ParcelRecord] = []
        trace: list[TraceStep] = []
        due = order.promised_ship_ms // 1000 if order.promised_ship_ms else None
        score = urgency(5, due)
        sites = [site.warehouse for site in rules.sites]
        rule = ""
        for round_ in range(ROUNDS):
            facts = OrderFacts(order.channel, order.shop, province_of(order), order.total_minor, 5,
                               sorted(remaining.items()))
            snapshot = first if round_ == 0 else (await self._snapshot(sites, list(remaining)))[0]
            plan = decide(facts, rules, snapshot, prefer, MAX_PARCELS - len(parcels))
            trace += plan.trace
            rule = plan.rule
            if plan.queued and not parcels:
                return parcels, trace, True, rule
            if plan.queued:  # part is reserved already: the rest waits explicitly as a backorder
                home = parcels[0].warehouse
                parcels.append(await self._backorder(order, prefix, home, sorted(remaining.items()), len(parcels) + 1,
                                                     due, score))
                trace.append(TraceStep(rule, home, parcels[-1].status, "the rest could not be placed: backordered"))
                return parcels, trace, False, rule
            moved = False
            for parcel in plan.parcels:
                external = f"{prefix}#{len(parcels) + 1}"
                try:
                    _r, order_id = await self.store.reserve(
                        parcel.warehouse, new_id("O"), order.channel, external, parcel.lines, 5, due,
                        order.buyer_id[:200], score, order.shop)
                except InsufficientStockError as error:
                    trace.append(TraceStep(plan.rule, parcel.warehouse, "moved",
                                           f"stock moved before reserving ({error.reason}): deciding again"))
                    moved = True
                    break
                parcels.append(ParcelRecord(parcel.warehouse, order_id, external, parcel.lines, "reserved"))
                trace.append(TraceStep(plan.rule, parcel.warehouse, "reserved", f"{external} -> {order_id}"))
                placed.append(parcel.warehouse)
                for sku, qty in parcel.lines:
                    remaining[sku] -= qty
                    if remaining[sku] == 0:
                        del remaining[sku]
            if moved:
                continue
            if plan.backorder is not None:
                parcels.append(await self._backorder(order, prefix, plan.backorder.warehouse, plan.backorder.lines,
                                                     len(parcels) + 1, due, score))
                trace.append(TraceStep(plan.rule, plan.backorder.warehouse, parcels[-1].status,
                                       f"{parcels[-1].external_id} -> {parcels[-1].order_id}"))
            return parcels, trace, False, rule
        if remaining:  # stock kept moving: backorder the rest where the first rule's best site is
            home = parcels[0].warehouse if parcels else sites[0]
            parcels.append(await self._backorder(order, prefix, home, sorted(remaining.items()), len(parcels) + 1, due, score))
            trace.append(TraceStep(rule, home, parcels[-1].status, f"after {ROUNDS} rounds of moving stock"))
        return parcels, trace, False, rule

    async def _backorder(self, order: CanonicalOrder, prefix: str, warehouse: str, lines: list[tuple[str, int]],
                         n: int, due: int | None, score: int) -> ParcelRecord:
        external = f"{prefix}#{n}"
        fast = await self.store.backorder(warehouse, new_id("O"), order.channel, external, lines, 5, due,
                                          order.buyer_id[:200], score, order.shop)
        if fast is not None:
            return ParcelRecord(warehouse, fast[0], external, lines, fast[1])
        _r, order_id = await self.orders.store.intake(warehouse, new_id("O"), order.channel, external, lines, 5,
                                                      due, order.buyer_id[:200], score, order.shop)
        status = (await self.orders.store.get(warehouse, order_id)).status
        return ParcelRecord(warehouse, order_id, external, lines, status)

    async def _snapshot(self, sites: list[str], skus: list[str], read: Stock | None = None) -> tuple[Snapshot, set[str]]:
        """Sellable units per warehouse x sku (with and without safety stock) and the SKUs any site
        knows, from ``read`` (fetched with the claim: the day's counts of the capped sites) or read now
        (every site's count)."""
        rows, used = read if read is not None else await self.store.stock(sites, skus)
        raw: dict[str, dict[str, int]] = {w: {} for w in sites}
        safe: dict[str, dict[str, int]] = {w: {} for w in sites}
        known: set[str] = set()
        index = 0
        for warehouse in sites:
            for sku in skus:
                on_hand, reserved, unavailable, safety = rows[index]
                index += 1
                if on_hand is None:
                    continue
                known.add(sku)
                free = int(on_hand) - int(reserved or 0) - int(unavailable or 0)
                raw[warehouse][sku] = free
                safe[warehouse][sku] = max(0, free - int(safety or 0))
        return Snapshot(raw, safe, used), known

    async def _cached_rules(self, seller: str) -> RuleSet:
        """The seller's rules, re-read at most every RULES_TTL_S (a PUT shows on every node within that)."""
        now = time.monotonic()
        cached = self._rules_cache.get(seller)
        if cached is not None and cached[0] > now:
            return cached[1]
        if cached is not None:  # one request re-reads; the others keep the copy until it has (no stampede)
            self._rules_cache[seller] = (now + RULES_TTL_S, cached[1])
        try:
            rules = await self.rules(seller)
        except BaseException:
            if cached is not None:
                self._rules_cache[seller] = cached  # expired again: the next request re-reads
            raise
        self._rules_cache[seller] = (time.monotonic() + RULES_TTL_S, rules)
        return rules

    # -- manual handling (floor/routing/manual.py) ----------------------------------------------
    async def cancel(self, channel: str, shop: str, platform_id: str, reason: str = "cancelled") -> RoutingOutcome:
        return await self.handling.cancel(channel, shop, platform_id, reason)

    async def hold(self, channel: str, shop: str, platform_id: str, reason: str) -> RoutingOutcome:
        return await self.handling.hold(channel, shop, platform_id, reason)

    async def release(self, channel: str, shop: str, platform_id: str, actor: str) -> RoutingOutcome:
        return await self.handling.release(channel, shop, platform_id, actor)
