"""Routing in Redis. Global keys (never touched by a script): each seller's rule set, the routing
record of each channel order (outcome + the canonical order, for release and cancel), a short
claim per order while it is being placed, merge groups (expire at the end of their window) and the
orders placed per warehouse per day (capacity). Per warehouse: the hold/release script on the
floor order (``routing/lua/hold_order.lua``).
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

import msgspec
from redis.asyncio.cluster import RedisCluster as AsyncRedisCluster
from redis.cluster import RedisCluster

from floor.channels.canonical import CanonicalOrder
from floor.core.errors import InsufficientStockError
from floor.routing.handling import MergeGroup, RoutingOutcome
from floor.routing.model import RuleSet
from floor.store import keys
from floor.store.cluster_calls import run_script
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
        # The order-create path's calls share writes with concurrent requests (floor/store/autopipe.py);
        # set by Floor when the scan pipeline is on, else each batch below is one redis-py pipeline.
        self.pipeline: Any = None
        # A plain Redis (not a cluster): the stock of every site is read by one script call.
        self.one_slot = not isinstance(client, (RedisCluster, AsyncRedisCluster))

    async def batch(self, commands: list[tuple[Any, ...]]) -> list[Any]:
        """Plain commands in one round trip, in order (non-transactional: each runs once)."""
        if self.pipeline is not None:
            return list(await self.pipeline.commands(*commands, sources=SOURCES))
        if any(command[0] == "EVALSHA" for command in commands):  # scripts loaded on first use (NOSCRIPT)
            out = []
            for command in commands:
                if command[0] == "EVALSHA":
                    n = int(command[2])
                    out.append(await run_script(self.client, str(command[1]), SOURCES[str(command[1])],
                                                list(command[3:3 + n]), list(command[3 + n:])))
                else:
                    out.append(await self.client.execute_command(*command))
            return out
        async with self.client.pipeline(transaction=False) as pipe:
            for command in commands:
                pipe.execute_command(*command)
            return list(await pipe.execute())

    async def reserve(self, warehouse: str, order_id: str, channel: str, external_id: str,
                      lines: list[tuple[str, int]], priority: int, due: int | None, customer: str, urgency: int,
                      shop: str) -> tuple[bool, str]:
        """``intake_order`` in strict mode (all lines after safety stock, or nothing written and
        InsufficientStockError): (repeat, order id), as :meth:`OrderStore.intake` with ``strict``."""
        call = self.scripts.call if self.pipeline is None else self.pipeline.call
        result = await call("intake_order", warehouse, order_id, channel, external_id, msgspec.json.encode(lines),
                            priority, "" if due is None else due, customer, urgency, shop, "1")
        if result[0] == "short":
            raise InsufficientStockError(str(result[1]), code="short")
        repeat, payload = unwrap(result)
        return repeat, str(payload)

    async def backorder(self, warehouse: str, order_id: str, channel: str, external_id: str,
                        lines: list[tuple[str, int]], priority: int, due: int | None, customer: str, urgency: int,
                        shop: str) -> tuple[str, str] | None:
        """``intake_order`` (reserve all, else backordered) and the floor order's status, in one round
        trip: (order id, status); None without the auto-pipelined lane (the caller uses floor.orders)."""
        if self.pipeline is None:
            return None
        script = self.scripts.scripts["intake_order"]
        prefix, stream = self.scripts._keys(warehouse)
        call = ("EVALSHA", script.sha, 1, stream, prefix, order_id, channel, external_id, msgspec.json.encode(lines),
                priority, "" if due is None else due, customer, urgency, shop, "")
        result, status = await self.pipeline.commands(
            call, ("HGET", keys.key(warehouse, "order", order_id), "status"), sources={script.sha: script.source})
        if result[0] == "exists":  # an earlier attempt placed it: its own status
            status = await self.client.hget(keys.key(warehouse, "order", str(result[1])), "status")
        unwrap(result)
        return str(result[1]), str(status)

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
                    ttl_s: int = 30, capped: list[str] | None = None) -> tuple[bool, Record | None, Stock]:
        """One placement of an order at a time (a concurrent duplicate waits and reads the record):
        (claimed, the record so far, :meth:`stock` of ``warehouses`` x ``skus``), in one round trip."""
        return claim_of(await self.batch(claim_commands(channel, shop, platform_id, warehouses, skus, ttl_s, capped,
                                                        self.one_slot)), warehouses, capped)

    async def finish(self, record: Record | None, placed: list[str], channel: str, shop: str, platform_id: str) -> None:
        """Save the record, count the parcels placed per warehouse today, drop the claim: one round trip."""
        await self.batch(finish_commands(record, placed, channel, shop, platform_id))

    async def queued(self, limit: int = 200) -> list[Record]:
        """Queued orders (nothing reserved: no rule could place them), oldest first."""
        refs = await self.client.zrange(QUEUED, 0, limit - 1)
        if not refs:
            return []
        raws = await self.client.mget([f"{_G}routing:order:{ref}" for ref in refs])
        return [msgspec.json.decode(raw, type=Record) for raw in raws if raw is not None]

    async def stock(self, warehouses: list[str], skus: list[str], capped: list[str] | None = None) -> Stock:
        """The sku counters (on_hand, reserved, unavailable, safety) of each warehouse x sku, in that
        order, and the orders placed today per warehouse of ``capped`` (None = every one): one round trip."""
        return _stock_of(warehouses, await self.batch(_stock_commands(warehouses, skus, capped, self.one_slot)), capped)


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


# One read per warehouse instead of one HMGET per warehouse x SKU (issue 7: fewer commands per order).
# Read-only; its KEYS are the SKU counter hashes of ONE warehouse (one hash tag, so one Cluster slot).
STOCK_READ = """-- KEYS: sku counter hashes of one warehouse; reply: per key {on_hand, reserved, unavailable, safety}
local out = {}
for i, key in ipairs(KEYS) do
  out[i] = redis.call('HMGET', key, 'on_hand', 'reserved', 'unavailable', 'safety')
end
return out
"""
STOCK_READ_SHA = hashlib.sha1(STOCK_READ.encode()).hexdigest()
SOURCES = {STOCK_READ_SHA: STOCK_READ}  # EVALSHA text for a NOSCRIPT fallback (ScriptPipeline.commands)


_DAY: list[Any] = [-1, ""]  # (UTC day number, its "YYYYMMDD") of the last call of _today
_SKU_KEYS: dict[tuple[str, str], str] = {}  # (warehouse, sku) -> its counter hash key (keys.key is pure)


def _today() -> str:
    """The UTC day as "YYYYMMDD" (the capacity counters' suffix), formatted once a day."""
    number = int(time.time()) // 86400
    if number != _DAY[0]:
        _DAY[:] = [number, time.strftime("%Y%m%d", time.gmtime(number * 86400))]
    return str(_DAY[1])


def _sku_key(warehouse: str, sku: str) -> str:
    found = _SKU_KEYS.get((warehouse, sku))
    if found is None:
        if len(_SKU_KEYS) >= 100_000:
            _SKU_KEYS.clear()
        found = _SKU_KEYS[(warehouse, sku)] = keys.key(warehouse, "sku", sku)
    return found


def _stock_commands(warehouses: list[str], skus: list[str], capped: list[str] | None = None,
                    one_slot: bool = False) -> list[tuple[Any, ...]]:
    """One ``EVALSHA`` of :data:`STOCK_READ` per warehouse (its SKUs' counters; ``one_slot``, a plain
    Redis: one for every warehouse), then one ``GET`` of the capacity counter of each warehouse in
    ``capped`` (None = every warehouse; global keys without a common hash tag: no MGET, which a Redis
    Cluster refuses across slots). A site without a daily capacity needs no count (decide() reads
    ``used_today`` only against a capacity)."""
    if not warehouses:
        return []
    day = _today()
    if one_slot and skus:
        reads: list[tuple[Any, ...]] = [("EVALSHA", STOCK_READ_SHA, len(skus) * len(warehouses),
                                         *[_sku_key(w, sku) for w in warehouses for sku in skus])]
    else:
        reads = [("EVALSHA", STOCK_READ_SHA, len(skus), *[_sku_key(w, sku) for sku in skus])
                 for w in warehouses if skus]
    return [*reads, *(("GET", f"{_G}routing:cap:{w}:{day}") for w in (warehouses if capped is None else capped))]


def _stock_of(warehouses: list[str], rows: list[Any], capped: list[str] | None = None) -> Stock:
    """The replies of :func:`_stock_commands` (same ``capped``): the counter rows of each warehouse x SKU
    in order, and the orders placed today per warehouse of ``capped``."""
    if not warehouses:
        return [], {}
    counted = warehouses if capped is None else capped
    n = len(counted)
    reads = rows[:-n] if n else rows
    return [row for site in reads for row in site], {w: int(v or 0) for w, v in zip(counted, rows[len(reads):],
                                                                                     strict=True)}


def claim_commands(channel: str, shop: str, platform_id: str, warehouses: list[str], skus: list[str],
                   ttl_s: int = 30, capped: list[str] | None = None, one_slot: bool = False) -> list[tuple[Any, ...]]:
    """:meth:`RoutingStore.claim` as commands (a caller may send them with its own); read with :func:`claim_of`."""
    ref = _order_ref(channel, shop, platform_id)
    return [("SET", f"{_G}routing:claim:{ref}", "1", "NX", "EX", ttl_s), ("GET", f"{_G}routing:order:{ref}"),
            *_stock_commands(warehouses, skus, capped, one_slot)]


def claim_of(replies: list[Any], warehouses: list[str], capped: list[str] | None = None) -> tuple[bool, Record | None, Stock]:
    claimed, raw, *rows = replies
    record = None if raw is None else msgspec.json.decode(raw, type=Record)
    return bool(claimed), record, _stock_of(warehouses, rows, capped)


def unclaim_command(channel: str, shop: str, platform_id: str) -> tuple[Any, ...]:
    return ("DEL", f"{_G}routing:claim:{_order_ref(channel, shop, platform_id)}")


_EXPIRING: set[tuple[str, str]] = set()  # (warehouse, day) whose capacity counter this process gave a TTL


def finish_commands(record: Record | None, placed: list[str], channel: str, shop: str,
                    platform_id: str, was_queued: bool = True) -> list[tuple[Any, ...]]:
    """:meth:`RoutingStore.finish` as commands: the record, the daily counts, the claim dropped (last).
    ``was_queued``: False when the order was known not to be in the queue (a new order): no ZREM."""
    day = _today()
    commands: list[tuple[Any, ...]] = []
    if record is not None:
        o = record.outcome
        ref = _order_ref(o.channel, o.shop, o.platform_order_id)
        commands.append(("SET", f"{_G}routing:order:{ref}", msgspec.json.encode(record)))
        if o.status == "queued":
            commands.append(("ZADD", QUEUED, "NX", o.decided_ms, ref))
        elif was_queued:
            commands.append(("ZREM", QUEUED, ref))
    for warehouse in placed:
        commands.append(("INCR", f"{_G}routing:cap:{warehouse}:{day}"))
        if (warehouse, day) not in _EXPIRING:  # the TTL is set once per warehouse and day by each process
            if len(_EXPIRING) > 10_000:
                _EXPIRING.clear()
            _EXPIRING.add((warehouse, day))
            commands.append(("EXPIRE", f"{_G}routing:cap:{warehouse}:{day}", 3 * 86400))
    commands.append(unclaim_command(channel, shop, platform_id))
    return commands
