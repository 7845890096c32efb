"""Routing rules and the pure routing decision, with its trace. No I/O: :func:`decide` takes the
order's facts, the seller's rule set and a stock snapshot, and returns parcels per warehouse, what
is backordered or queued, and why (docs/routing.md).

A rule: match (channel, shop, province, SKU tags, amount, priority) -> candidate warehouses ->
filters (stock, region, capacity) -> sorts (priority, distance, complete, balance) -> split
(none | line | quantity, at most ``max_parcels``) -> fallback (next rule | queue | backorder).
The caller reserves each parcel in its warehouse's script; when stock moved meanwhile it decides
again on a fresh snapshot for what is left (floor/routing/service.py).
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from floor.core.fields import Input, Sku, Warehouse, Word

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[!-~]+$")]
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[!-~]+$")]
Province = Annotated[str, msgspec.Meta(min_length=2, max_length=2, pattern=r"^[0-9]{2}$",
                                       description="GB/T 2260 province: the first two digits")]
Keyword = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]

FILTERS = ("stock", "region", "capacity")
SORTS = ("priority", "distance", "complete", "balance")
SPLITS = ("none", "line", "quantity")
FALLBACKS = ("next", "queue", "backorder")
# Provinces freight tables price dearest (Xinjiang, Tibet, Qinghai, Inner Mongolia, Ningxia, Gansu, Hainan).
REMOTE = frozenset({"65", "54", "63", "15", "64", "62", "46"})


class Match(Input, frozen=True, forbid_unknown_fields=True):
    """Empty lists match anything; amounts in minor units (None = no bound)."""

    channels: Annotated[list[Word], msgspec.Meta(max_length=16)] = []
    shops: Annotated[list[Code], msgspec.Meta(max_length=64)] = []
    provinces: Annotated[list[Province], msgspec.Meta(max_length=40)] = []
    sku_tags: Annotated[list[Code], msgspec.Meta(max_length=32)] = []  # any line carrying any of these
    min_amount: int | None = None
    max_amount: int | None = None
    max_priority: int | None = None  # orders at least this urgent (1 = most urgent)


class Rule(Input, frozen=True, forbid_unknown_fields=True):
    name: Name
    match: Match = msgspec.field(default_factory=Match)
    warehouses: Annotated[list[Warehouse], msgspec.Meta(max_length=32)] = []  # [] = every site
    filters: Annotated[list[Word], msgspec.Meta(max_length=3)] = msgspec.field(
        default_factory=lambda: ["stock", "region", "capacity"])
    sorts: Annotated[list[Word], msgspec.Meta(max_length=4)] = msgspec.field(
        default_factory=lambda: ["priority", "distance", "complete"])
    split: Word = "none"
    max_parcels: int = 1
    max_units_per_parcel: int = 0  # 0 = no parcel limit
    fallback: Word = "next"
    use_safety: bool = True  # stock filter counts safety stock as unavailable


class Site(Input, frozen=True, forbid_unknown_fields=True):
    warehouse: Warehouse
    province: Province
    priority: int = 5  # 1 = preferred
    serves: Annotated[list[Province], msgspec.Meta(max_length=40)] = []  # [] = every province
    daily_capacity: int = 0  # orders a day (0 = unlimited)


class Risk(Input, frozen=True, forbid_unknown_fields=True):
    remark_keywords: Annotated[list[Keyword], msgspec.Meta(max_length=50)] = []
    amount_over: int = 0  # minor units (0 = no threshold)
    hold_unnormalised_address: bool = True


class RuleSet(Input, frozen=True, forbid_unknown_fields=True):
    """``PUT /api/routing/rules``: a seller's whole routing configuration, rules in order."""

    sites: Annotated[list[Site], msgspec.Meta(min_length=1, max_length=32)]
    rules: Annotated[list[Rule], msgspec.Meta(min_length=1, max_length=100)]
    sku_tags: Annotated[dict[Sku, list[Code]], msgspec.Meta(max_length=10000)] = {}
    risk: Risk = msgspec.field(default_factory=Risk)
    merge_window_s: int = 0  # 0 = never merge
    version: int = 0  # set by the store


def rule_set_problems(rules: RuleSet) -> list[str]:
    problems = []
    sites = {site.warehouse for site in rules.sites}
    if len(sites) != len(rules.sites):
        problems.append("each warehouse may appear once in sites")
    for rule in rules.rules:
        where = f"rule {rule.name}"
        problems += [f"{where}: unknown filter {f!r}" for f in rule.filters if f not in FILTERS]
        problems += [f"{where}: unknown sort {s!r}" for s in rule.sorts if s not in SORTS]
        problems += [f"{where}: warehouse {w} is not a site" for w in rule.warehouses if w not in sites]
        if rule.split not in SPLITS:
            problems.append(f"{where}: split must be one of {', '.join(SPLITS)}")
        if rule.fallback not in FALLBACKS:
            problems.append(f"{where}: fallback must be one of {', '.join(FALLBACKS)}")
        if not 1 <= rule.max_parcels <= 20 or rule.max_units_per_parcel < 0:
            problems.append(f"{where}: max_parcels must be 1..20 and max_units_per_parcel >= 0")
    if not 0 <= rules.merge_window_s <= 7 * 86400:
        problems.append("merge_window_s must be 0..604800")
    return problems


class OrderFacts(msgspec.Struct, frozen=True):
    channel: str
    shop: str
    province: str  # two digits ('' = unknown)
    amount: int
    priority: int
    lines: list[tuple[str, int]]  # (sku, units), each sku once


class Snapshot(msgspec.Struct, frozen=True):
    """Per warehouse: sku -> sellable units (with and without safety stock) and orders placed today."""

    sellable: dict[str, dict[str, int]]
    sellable_with_safety: dict[str, dict[str, int]]
    used_today: dict[str, int]


class TraceStep(msgspec.Struct, frozen=True):
    rule: str
    warehouse: str  # '' = about the rule itself
    verdict: str  # no_match | rejected | candidate | chosen | fallback | moved | reserved | held ...
    reason: str


class Parcel(msgspec.Struct, frozen=True):
    warehouse: str
    lines: list[tuple[str, int]]


class Plan(msgspec.Struct, frozen=True):
    parcels: list[Parcel]
    backorder: Parcel | None  # lines reserved later in this warehouse (backordered there now)
    queued: bool  # nothing fits and the rule says queue: wait for a person or a re-run
    rule: str
    trace: list[TraceStep]


def tier(site_province: str, ship_to: str) -> int:
    """0 same province, 1 same region (first digit), 2 other region, 3 remote province elsewhere."""
    if not ship_to:
        return 2
    if site_province == ship_to:
        return 0
    if ship_to in REMOTE:
        return 3
    return 1 if site_province[0] == ship_to[0] else 2


def _match(rule: Rule, order: OrderFacts, tags: dict[str, list[str]]) -> str:
    """'' when the rule matches, else why not."""
    m = rule.match
    if m.channels and order.channel not in m.channels:
        return f"channel {order.channel} not in {m.channels}"
    if m.shops and order.shop not in m.shops:
        return f"shop {order.shop} not in {m.shops}"
    if m.provinces and order.province not in m.provinces:
        return f"province {order.province or '?'} not in {m.provinces}"
    if m.sku_tags and not any(t in m.sku_tags for sku, _q in order.lines for t in tags.get(sku, [])):
        return f"no line tagged {m.sku_tags}"
    if m.min_amount is not None and order.amount < m.min_amount:
        return f"amount {order.amount} below {m.min_amount}"
    if m.max_amount is not None and order.amount > m.max_amount:
        return f"amount {order.amount} above {m.max_amount}"
    if m.max_priority is not None and order.priority > m.max_priority:
        return f"priority {order.priority} less urgent than {m.max_priority}"
    return ""


def _chunks(warehouse: str, lines: list[tuple[str, int]], limit: int) -> list[Parcel]:
    """Lines of one warehouse cut into parcels of at most ``limit`` units (0 = one parcel)."""
    if not limit:
        return [Parcel(warehouse, lines)]
    parcels: list[Parcel] = []
    current: list[tuple[str, int]] = []
    room = limit
    for sku, qty in lines:
        while qty > 0:
            take = min(qty, room)
            current.append((sku, take))
            qty, room = qty - take, room - take
            if room == 0:
                parcels.append(Parcel(warehouse, current))
                current, room = [], limit
    if current:
        parcels.append(Parcel(warehouse, current))
    return parcels


def decide(order: OrderFacts, rules: RuleSet, snapshot: Snapshot, prefer: str = "",
           parcels_left: int = 20) -> Plan:
    """The plan of the first rule that places the order (or backorders/queues it by its fallback).
    ``prefer`` (a merge partner's warehouse) comes first when it passes the filters and holds the
    whole order: one parcel for both orders beats the rule's sorts."""
    trace: list[TraceStep] = []
    sites = {site.warehouse: site for site in rules.sites}
    for rule in rules.rules:
        why = _match(rule, order, rules.sku_tags)
        if why:
            trace.append(TraceStep(rule.name, "", "no_match", why))
            continue
        stock = snapshot.sellable_with_safety if rule.use_safety else snapshot.sellable
        candidates = []
        for name in rule.warehouses or [site.warehouse for site in rules.sites]:
            site = sites[name]
            have = stock.get(name, {})
            covered, complete = 0, True  # units this site can give (at most each line's), all lines in full
            for sku, qty in order.lines:
                units = have.get(sku, 0)
                if units < qty:
                    complete = False
                    if units > 0:
                        covered += units
                else:
                    covered += qty
            reason = ""
            if "region" in rule.filters and site.serves and order.province not in site.serves:
                reason = f"does not serve province {order.province or '?'}"
            elif ("capacity" in rule.filters and site.daily_capacity
                  and snapshot.used_today.get(name, 0) >= site.daily_capacity):
                reason = f"daily capacity {site.daily_capacity} reached"
            elif "stock" in rule.filters and (covered == 0 or (rule.split == "none" and not complete)):
                short = [f"{sku} {have.get(sku, 0)}/{qty}" for sku, qty in order.lines if have.get(sku, 0) < qty]
                reason = "no stock" if covered == 0 else "incomplete: " + ", ".join(short)
            if reason:
                trace.append(TraceStep(rule.name, name, "rejected", reason))
                continue
            keys: list[int] = []
            for sort in rule.sorts:
                if sort == "priority":
                    keys.append(site.priority)
                elif sort == "distance":
                    keys.append(tier(site.province, order.province))
                elif sort == "complete":
                    keys.append(-covered)
                elif sort == "balance":
                    keys.append(-sum(max(0, have.get(sku, 0)) for sku, _q in order.lines))
            candidates.append((0 if name == prefer and complete else 1, keys, name))
            trace.append(TraceStep(rule.name, name, "candidate", f"covers {covered} units, sort keys {keys}"
                                   + (" (merge partner)" if name == prefer else "")))
        candidates.sort(key=lambda c: (c[0], c[1], c[2]))
        ordered = [name for _p, _k, name in candidates]
        parcels, left = _split(rule, order.lines, ordered, stock, min(rule.max_parcels, parcels_left))
        for parcel in parcels:
            trace.append(TraceStep(rule.name, parcel.warehouse, "chosen", f"lines {parcel.lines}"))
        if not left:
            return Plan(parcels, None, False, rule.name, trace)
        missing = ", ".join(f"{sku} x{qty}" for sku, qty in left)
        if rule.fallback == "next" or (not ordered and rule.fallback == "queue"):
            trace.append(TraceStep(rule.name, "", "fallback", f"cannot place {missing}: next rule"))
            continue
        if rule.fallback == "queue":
            trace.append(TraceStep(rule.name, "", "fallback", f"cannot place {missing}: queued"))
            return Plan([], None, True, rule.name, trace)
        home = parcels[0].warehouse if parcels else (ordered or rule.warehouses or [rules.sites[0].warehouse])[0]
        trace.append(TraceStep(rule.name, home, "fallback", f"backorder {missing}"))
        return Plan(parcels, Parcel(home, left), False, rule.name, trace)
    trace.append(TraceStep("", "", "fallback", "no rule placed the order: queued"))
    return Plan([], None, True, "", trace)


def _split(rule: Rule, lines: list[tuple[str, int]], ordered: list[str], stock: dict[str, dict[str, int]],
           max_parcels: int) -> tuple[list[Parcel], list[tuple[str, int]]]:
    """(parcels, lines left over) by the rule's split policy over warehouses in ``ordered`` order."""
    left = dict(lines)
    by_warehouse: list[tuple[str, list[tuple[str, int]]]] = []
    for name in ordered:
        if len(by_warehouse) >= max_parcels or not left:
            break
        have = stock.get(name, {})
        taken: list[tuple[str, int]] = []
        if rule.split == "none":
            if all(have.get(sku, 0) >= qty for sku, qty in left.items()):
                taken = list(left.items())
        elif rule.split == "line":
            taken = [(sku, qty) for sku, qty in left.items() if have.get(sku, 0) >= qty]
        else:
            taken = [(sku, min(qty, have.get(sku, 0))) for sku, qty in left.items() if have.get(sku, 0) > 0]
        if taken:
            by_warehouse.append((name, taken))
            for sku, qty in taken:
                left[sku] -= qty
                if left[sku] == 0:
                    del left[sku]
        if rule.split == "none" and taken:
            break
    parcels = [p for name, taken in by_warehouse for p in _chunks(name, taken, rule.max_units_per_parcel)]
    return parcels, list(left.items())
