"""Routing in Redis. Global keys (never touched by a script): each seller's rule set, the routing
record of each channel order (outcome + the canonical order, for release and cancel), a short
claim per order while it is being placed, merge groups (expire at the end of their window) and the
orders placed per warehouse per day (capacity). Per warehouse: the hold/release script on the
floor order (``routing/lua/hold_order.lua``).
"""

from __future__ import annotations

import time
from typing import Any

import msgspec

from floor.channels.canonical import CanonicalOrder
from floor.routing.handling import MergeGroup, RoutingOutcome
from floor.routing.model import RuleSet
from floor.store import keys
from floor.store.results import unwrap
from floor.store.scripts import Scripts

_G = keys.GLOBAL_PREFIX
QUEUED = f"{_G}routing:queued"  # zset: "<channel>:<shop>:<platform id>" of queued orders by time
MERGE_LINK_S = 30 * 86400  # how long a merge group's link is kept for packing and confirmation


class Record(msgspec.Struct, frozen=True):
    outcome: RoutingOutcome
    order: CanonicalOrder
    lines: list[tuple[str, int]]
    seller: str = "default"
    revision: int = 0  # bumped each time a platform update re-placed the order (floor external ids carry it)


def _order_ref(channel: str, shop: str, platform_id: str) -> str:
    return f"{channel}:{shop}:{platform_id}"


class RoutingStore:
    def __init__(self, client: Any, scripts: Scripts) -> None:
        self.client = client
        self.scripts = scripts

    async def rules(self, seller: str) -> RuleSet | None:
        raw = await self.client.get(f"{_G}routing:rules:{seller}")
        return None if raw is None else msgspec.json.decode(raw, type=RuleSet)

    async def put_rules(self, seller: str, rules: RuleSet) -> RuleSet:
        version = int(await self.client.incr(f"{_G}routing:rules_version:{seller}"))
        stored = msgspec.structs.replace(rules, version=version)
        await self.client.set(f"{_G}routing:rules:{seller}", msgspec.json.encode(stored))
        return stored

    async def record(self, channel: str, shop: str, platform_id: str) -> Record | None:
        raw = await self.client.get(f"{_G}routing:order:{_order_ref(channel, shop, platform_id)}")
        return None if raw is None else msgspec.json.decode(raw, type=Record)

    async def save(self, record: Record) -> None:
        o = record.outcome
        await self.client.set(f"{_G}routing:order:{_order_ref(o.channel, o.shop, o.platform_order_id)}",
                              msgspec.json.encode(record))

    async def claim(self, channel: str, shop: str, platform_id: str, warehouses: list[str], skus: list[str],
                    ttl_s: int = 30) -> tuple[bool, Record | None, Stock]:
        """One placement of an order at a time (a concurrent duplicate waits and reads the record):
        (claimed, the record so far, :meth:`stock` of ``warehouses`` x ``skus``), in one round trip."""
        ref = _order_ref(channel, shop, platform_id)
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.set(f"{_G}routing:claim:{ref}", "1", nx=True, ex=ttl_s)
            pipe.get(f"{_G}routing:order:{ref}")
            _queue_stock(pipe, warehouses, skus)
            claimed, raw, *rows = await pipe.execute()
        record = None if raw is None else msgspec.json.decode(raw, type=Record)
        return bool(claimed), record, _stock_of(warehouses, rows)

    async def finish(self, record: Record | None, placed: list[str], channel: str, shop: str, platform_id: str) -> None:
        """Save the record, count the parcels placed per warehouse today, drop the claim: one round trip."""
        day = time.strftime("%Y%m%d", time.gmtime())
        async with self.client.pipeline(transaction=False) as pipe:
            if record is not None:
                o = record.outcome
                ref = _order_ref(o.channel, o.shop, o.platform_order_id)
                pipe.set(f"{_G}routing:order:{ref}", msgspec.json.encode(record))
                if o.status == "queued":
                    pipe.zadd(QUEUED, {ref: o.decided_ms}, nx=True)
                else:
                    pipe.zrem(QUEUED, ref)
            for warehouse in placed:
                pipe.incr(f"{_G}routing:cap:{warehouse}:{day}")
                pipe.expire(f"{_G}routing:cap:{warehouse}:{day}", 3 * 86400)
            pipe.delete(f"{_G}routing:claim:{_order_ref(channel, shop, platform_id)}")
            await pipe.execute()

    async def queued(self, limit: int = 200) -> list[Record]:
        """Queued orders (nothing reserved: no rule could place them), oldest first."""
        refs = await self.client.zrange(QUEUED, 0, limit - 1)
        if not refs:
            return []
        raws = await self.client.mget([f"{_G}routing:order:{ref}" for ref in refs])
        return [msgspec.json.decode(raw, type=Record) for raw in raws if raw is not None]

    async def stock(self, warehouses: list[str], skus: list[str]) -> Stock:
        """The sku counters (on_hand, reserved, unavailable, safety) of each warehouse x sku, in that
        order, and the orders placed today per warehouse: one round trip."""
        async with self.client.pipeline(transaction=False) as pipe:
            _queue_stock(pipe, warehouses, skus)
            rows = await pipe.execute()
        return _stock_of(warehouses, rows)


    async def merge_group(self, key: str) -> MergeGroup | None:
        raw = await self.client.get(f"{_G}routing:merge:{key}")
        return None if raw is None else msgspec.json.decode(raw, type=MergeGroup)

    async def put_merge_group(self, key: str, group: MergeGroup) -> None:
        ttl_ms = group.until_ms - int(time.time() * 1000)
        if ttl_ms <= 0 or not group.orders:
            await self.client.delete(f"{_G}routing:merge:{key}")
        else:
            await self.client.set(f"{_G}routing:merge:{key}", msgspec.json.encode(group), px=ttl_ms)
        if group.orders:  # issue 7: the link outlives the merge window (the pack bench ships the group as one)
            await self.client.set(f"{_G}routing:mergelink:{key}", msgspec.json.encode(group), ex=MERGE_LINK_S)

    async def merge_link(self, key: str) -> MergeGroup | None:
        """The merge group as last written, kept MERGE_LINK_S after its window closed (cancelled members
        are removed while the window is open; after it, the caller checks each member's status)."""
        raw = await self.client.get(f"{_G}routing:mergelink:{key}")
        return None if raw is None else msgspec.json.decode(raw, type=MergeGroup)

    async def hold_floor_order(self, warehouse: str, order_id: str, action: str, reason: str) -> str:
        _repeat, status = unwrap(await self.scripts.call("hold_order", warehouse, order_id, action, reason))
        return str(status)


Stock = tuple[list[list[str | None]], dict[str, int]]


def _queue_stock(pipe: Any, warehouses: list[str], skus: list[str]) -> None:
    if not warehouses:
        return
    for warehouse in warehouses:
        for sku in skus:
            pipe.hmget(keys.key(warehouse, "sku", sku), "on_hand", "reserved", "unavailable", "safety")
    day = time.strftime("%Y%m%d", time.gmtime())
    pipe.mget([f"{_G}routing:cap:{w}:{day}" for w in warehouses])


def _stock_of(warehouses: list[str], rows: list[Any]) -> Stock:
    if not warehouses:
        return [], {}
    return rows[:-1], {w: int(v or 0) for w, v in zip(warehouses, rows[-1], strict=True)}

    async def unclaim(self, channel: str, shop: str, platform_id: str) -> None:
        await self.client.delete(f"{_G}routing:claim:{_order_ref(channel, shop, platform_id)}")
