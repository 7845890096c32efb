"""Channels in Redis: shops (credentials), SKU mappings, the record of each platform order we took,
delivery ids already handled, and the pull cursor. Keys: floor.store.keys.channel_* (one shop's keys
share a hash tag, so each script below touches one Redis Cluster slot).

The order record is claimed before the floor is touched and finished after (``done``=1; a held order
stays ``done``=0, so a re-sent or re-pulled copy is looked at again, e.g. after its SKU was mapped): a retry of
a delivery whose handling failed half-way is handled again (``retry``), a repeat of a finished one
is answered from the record, an older ``updated_ms`` is ``stale`` and changes nothing, and a
finisher whose claim was overtaken by a newer update does not overwrite it.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

import msgspec

from floor.channels.model import Mapping, Shop
from floor.store import keys
from floor.store.cluster_calls import run_script

# KEYS[1] order hash, KEYS[2] shop order zset, KEYS[3] shop SKU mappings; ARGV: updated_ms, digest, order id,
# channel SKUs... -> {verdict, state, floor_order, warehouse, reasons JSON, mapping JSON or '' per channel SKU}
_CLAIM = """
local cur = redis.call('HMGET', KEYS[1], 'updated_ms', 'digest', 'done', 'state', 'floor_order', 'warehouse',
                       'reasons')
local updated = tonumber(ARGV[1])
local verdict = 'new'
if cur[1] then
  verdict = 'update'
  local known = tonumber(cur[1])
  if updated < known then verdict = 'stale'
  elseif updated == known and cur[2] == ARGV[2] then
    if cur[3] == '1' then verdict = 'repeat' else verdict = 'retry' end
  end
end
if verdict == 'new' or verdict == 'update' then
  redis.call('HSET', KEYS[1], 'updated_ms', ARGV[1], 'digest', ARGV[2], 'done', '0')
  redis.call('ZADD', KEYS[2], updated, ARGV[3])
end
local out = {verdict, cur[4] or '', cur[5] or '', cur[6] or '', cur[7] or '[]'}
for i = 4, #ARGV do out[#out + 1] = redis.call('HGET', KEYS[3], ARGV[i]) or '' end
return out
"""
# KEYS[1] order hash, KEYS[2] held zset; ARGV: digest, order id, held (0/1), updated_ms, field, value, ...
_FINISH = """
if redis.call('HGET', KEYS[1], 'digest') ~= ARGV[1] then return 0 end
for i = 5, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('HSET', KEYS[1], 'done', ARGV[3] == '1' and '0' or '1')  -- a held order is taken again when re-sent
if ARGV[3] == '1' then redis.call('ZADD', KEYS[2], tonumber(ARGV[4]), ARGV[2])
else redis.call('ZREM', KEYS[2], ARGV[2]) end
return 1
"""

_CLAIM_SHA = hashlib.sha1(_CLAIM.encode()).hexdigest()
_FINISH_SHA = hashlib.sha1(_FINISH.encode()).hexdigest()
_shop_decoder = msgspec.json.Decoder(Shop)


class Claim(msgspec.Struct, frozen=True):
    verdict: str
    state: str
    floor_order: str
    warehouse: str
    reasons: list[str]
    mappings: dict[str, Mapping]
_mapping_decoder = msgspec.json.Decoder(Mapping)


class ChannelStore:
    def __init__(self, client: Any) -> None:
        self.client = client
        # The order-create path's calls share writes with concurrent requests (floor/store/autopipe.py);
        # set by Floor when the scan pipeline is on, else every call is its own round trip.
        self.pipeline: Any = None

    # -- shops ---------------------------------------------------------------------------------

    async def save_shop(self, shop: Shop) -> Shop:
        """Create or replace; the first creation time is kept."""
        key = keys.channel_shop(shop.channel, shop.shop)
        first = await self.client.hget(key, "created_ms")
        shop = msgspec.structs.replace(shop, created_ms=int(first) if first else int(time.time() * 1000))
        await self.client.hset(key, mapping={"json": msgspec.json.encode(shop), "created_ms": shop.created_ms})
        await self.client.sadd(keys.channel_shops(), f"{shop.channel}/{shop.shop}")
        return shop

    async def shop(self, channel: str, shop: str) -> Shop | None:
        raw = await self.client.hget(keys.channel_shop(channel, shop), "json")
        return _shop_decoder.decode(raw) if raw else None

    async def shops(self) -> list[Shop]:
        found = []
        for member in sorted(await self.client.smembers(keys.channel_shops())):
            channel, _, shop = member.partition("/")
            record = await self.shop(channel, shop)
            if record is not None:
                found.append(record)
        return found

    # -- SKU mappings ----------------------------------------------------------------------------

    async def save_mappings(self, channel: str, shop: str, mappings: list[Mapping]) -> int:
        await self.client.hset(keys.channel_skus(channel, shop),
                               mapping={m.channel_sku: msgspec.json.encode(m) for m in mappings})
        return int(await self.client.hlen(keys.channel_skus(channel, shop)))

    async def all_mappings(self, channel: str, shop: str) -> list[Mapping]:
        raws = await self.client.hgetall(keys.channel_skus(channel, shop))
        return [_mapping_decoder.decode(raws[k]) for k in sorted(raws)]

    # -- deliveries and order records --------------------------------------------------------------

    async def delivery_seen(self, channel: str, shop: str, delivery_id: str) -> bool:
        key = keys.channel_webhook(channel, shop, delivery_id)
        if self.pipeline is not None:
            return bool((await self.pipeline.commands(("EXISTS", key)))[0])
        return bool(await self.client.exists(key))

    async def mark_delivery(self, channel: str, shop: str, delivery_id: str, ttl_s: int = 7 * 86400) -> None:
        key = keys.channel_webhook(channel, shop, delivery_id)
        if self.pipeline is not None:
            await self.pipeline.commands(("SET", key, "1", "EX", ttl_s))
        else:
            await self.client.set(key, "1", ex=ttl_s)

    async def claim(self, channel: str, shop: str, order_id: str, updated_ms: int, digest: str,
                    channel_skus: list[str]) -> Claim:
        """'new' | 'update' | 'retry' (same version, not finished or held) | 'repeat' (finished) | 'stale', with
        the record as it was before and the mappings of ``channel_skus`` (one round trip)."""
        wanted = sorted(set(channel_skus))
        reply = (await self.batch([claim_command(channel, shop, order_id, updated_ms, digest, wanted)]))[0]
        return claim_of(reply, wanted)

    async def finish(self, channel: str, shop: str, order_id: str, digest: str, updated_ms: int, held: bool,
                     fields: dict[str, str]) -> bool:
        """Write the outcome unless a newer version was claimed meanwhile (then False)."""
        return bool((await self.batch([finish_command(channel, shop, order_id, digest, updated_ms, held, fields)]))[0])

    async def batch(self, commands: list[tuple[Any, ...]], sources: dict[str, str] | None = None) -> list[Any]:
        """Commands (plain, or ``EVALSHA`` of this module's scripts or of ``sources``: SHA -> text) of any
        slots, in one write when the auto-pipelined lane is on (else one by one); replies in order.
        Non-transactional: each runs once."""
        texts = _with_sources(sources) if sources else SOURCES
        if self.pipeline is not None:
            return list(await self.pipeline.commands(*commands, sources=texts))
        out = []
        for command in commands:
            if command[0] == "EVALSHA":
                n = int(command[2])
                out.append(await run_script(self.client, str(command[1]), texts[str(command[1])],
                                            list(command[3:3 + n]), list(command[3 + n:])))
            else:
                out.append(await self.client.execute_command(*command))
        return out

    async def record(self, channel: str, shop: str, order_id: str) -> dict[str, str]:
        return dict(await self.client.hgetall(keys.channel_order(channel, shop, order_id)))

    async def held(self, channel: str, shop: str, limit: int = 200) -> list[str]:
        return list(await self.client.zrange(keys.channel_held(channel, shop), 0, limit - 1))

    async def note_refetch(self, channel: str, shop: str, order_id: str, at_ms: int) -> None:
        await self.client.zadd(keys.channel_refetch(channel, shop), {order_id: at_ms})

    async def refetch_ids(self, channel: str, shop: str, limit: int) -> list[str]:
        return list(await self.client.zrange(keys.channel_refetch(channel, shop), 0, limit - 1))

    async def refetched(self, channel: str, shop: str, order_id: str) -> None:
        await self.client.zrem(keys.channel_refetch(channel, shop), order_id)

    # -- pull cursor ---------------------------------------------------------------------------------

    async def cursor(self, channel: str, shop: str) -> dict[str, str]:
        return dict(await self.client.hgetall(keys.channel_cursor(channel, shop)))

    async def advance_cursor(self, channel: str, shop: str, end_ms: int, orders: int) -> None:
        key = keys.channel_cursor(channel, shop)
        await self.client.hset(key, "end_ms", end_ms)
        await self.client.hincrby(key, "windows", 1)
        await self.client.hincrby(key, "orders", orders)


SOURCES = {_CLAIM_SHA: _CLAIM, _FINISH_SHA: _FINISH}


_MERGED: dict[int, tuple[dict[str, str], dict[str, str]]] = {}  # id(sources) -> (sources, SOURCES + sources)


def _with_sources(sources: dict[str, str]) -> dict[str, str]:
    """This module's script texts and ``sources`` (merged once per ``sources`` dict: the callers pass
    module constants such as floor.routing.prefetch.STOCK_SOURCES)."""
    found = _MERGED.get(id(sources))
    if found is None or found[0] is not sources or len(found[1]) != len(SOURCES) + len(sources):
        if len(_MERGED) > 64:
            _MERGED.clear()
        found = _MERGED[id(sources)] = (sources, {**SOURCES, **sources})
    return found[1]


def claim_command(channel: str, shop: str, order_id: str, updated_ms: int, digest: str,
                  wanted: list[str]) -> tuple[Any, ...]:
    """The claim script as a command (``wanted``: sorted distinct channel SKUs); read it with :func:`claim_of`."""
    return ("EVALSHA", _CLAIM_SHA, 3, keys.channel_order(channel, shop, order_id), keys.channel_orders(channel, shop),
            keys.channel_skus(channel, shop), updated_ms, digest, order_id, *wanted)


_MAPPINGS: dict[str, Mapping] = {}  # stored mapping text -> decoded (a shop's mappings are read on every order)


def _mapping_of(raw: str) -> Mapping:
    """The decoded mapping, shared between orders: callers read it, never change it (its text is the key,
    so a saved change is a new entry)."""
    found = _MAPPINGS.get(raw)
    if found is None:
        if len(_MAPPINGS) >= 4096:
            _MAPPINGS.clear()
        found = _MAPPINGS[raw] = _mapping_decoder.decode(raw)
    return found


def claim_of(reply: list[Any], wanted: list[str]) -> Claim:
    verdict, state, floor_order, warehouse, reasons, *raws = reply
    mappings = {sku: _mapping_of(raw) for sku, raw in zip(wanted, raws, strict=True) if raw}
    return Claim(str(verdict), str(state), str(floor_order), str(warehouse), list(msgspec.json.decode(reasons)),
                 mappings)


def finish_command(channel: str, shop: str, order_id: str, digest: str, updated_ms: int, held: bool,
                   fields: dict[str, Any]) -> tuple[Any, ...]:
    """The finish script as a command: its reply is 0 when a newer version was claimed meanwhile."""
    flat = [item for pair in fields.items() for item in pair]
    return ("EVALSHA", _FINISH_SHA, 2, keys.channel_order(channel, shop, order_id), keys.channel_held(channel, shop),
            digest, order_id, "1" if held else "0", updated_ms, *flat)


DELIVERY_TTL_S = 7 * 86400  # how long a Shopify delivery id is remembered


def delivery_seen_command(channel: str, shop: str, delivery_id: str) -> tuple[Any, ...]:
    """:meth:`ChannelStore.delivery_seen` as a command (reply 1 = seen)."""
    return ("EXISTS", keys.channel_webhook(channel, shop, delivery_id))


def mark_delivery_command(channel: str, shop: str, delivery_id: str) -> tuple[Any, ...]:
    return ("SET", keys.channel_webhook(channel, shop, delivery_id), "1", "EX", DELIVERY_TTL_S)
