"""Availability in Redis. Per warehouse (hash-tagged, written by scripts): the counters on the
``sku:<id>`` hash, the append-only ``ledger`` Stream and the ``ats:dirty`` set. Global (written
by this store only, never by a script): channel profiles, the SKU -> listing index and each
channel/shop's outbox (desired quantities, what the platform accepted, shipment confirmations).
"""

from __future__ import annotations

from typing import Any

import msgspec

from floor.availability.model import ChannelProfile, LedgerEntry, StockState
from floor.store import keys
from floor.store.results import unwrap
from floor.store.scripts import Scripts

_G = keys.GLOBAL_PREFIX


def _profile_key(channel: str, shop: str) -> str:
    return f"{_G}ats:profile:{channel}:{shop}"


def _by_sku_key(sku: str) -> str:
    return f"{_G}ats:sku:{sku}"


def outbox_key(channel: str, shop: str, part: str) -> str:
    """``desired`` (listing -> qty), ``marked`` (listing -> ms the ATS was written), ``pushed``
    (listing -> accepted qty), ``inflight`` (listing -> JSON attempt), ``ship`` (parcel -> JSON),
    ``shipped`` (set of confirmed parcels), ``failed`` (listing or parcel -> last refusal),
    ``backoff`` (listing or parcel -> "<retry not before ms>:<attempts>")."""
    return f"{_G}outbox:{channel}:{shop}:{part}"


PROFILES = f"{_G}ats:profiles"  # set of "<channel>:<shop>"


class AvailabilityStore:
    def __init__(self, client: Any, scripts: Scripts) -> None:
        self.client = client
        self.scripts = scripts

    # -- per warehouse ------------------------------------------------------------------------
    async def set_state(
        self, warehouse: str, sku: str, unavailable: int | None, safety: int | None, incoming: int | None, ref: str
    ) -> dict[str, int]:
        blank = ["" if v is None else v for v in (unavailable, safety, incoming)]
        _repeat, payload = unwrap(await self.scripts.call("set_stock_state", warehouse, sku, *blank, ref))
        return dict(msgspec.json.decode(payload))

    async def states(self, warehouses: list[str], skus: list[str]) -> dict[str, list[StockState]]:
        """sku -> its state in each of ``warehouses`` that knows it."""
        async with self.client.pipeline(transaction=False) as pipe:
            for warehouse in warehouses:
                for sku in skus:
                    pipe.hmget(keys.key(warehouse, "sku", sku), "on_hand", "reserved", "unavailable", "safety",
                               "incoming")
            rows = await pipe.execute()
        out: dict[str, list[StockState]] = {sku: [] for sku in skus}
        index = 0
        for warehouse in warehouses:
            for sku in skus:
                row = rows[index]
                index += 1
                if row[0] is not None:
                    out[sku].append(StockState(warehouse, sku, *(int(v or 0) for v in row)))
        return out

    async def ledger(self, warehouse: str, after: str = "-", until: str = "+") -> list[LedgerEntry]:
        entries: list[LedgerEntry] = []
        start = after
        while True:
            batch = await self.client.xrange(keys.key(warehouse, "ledger"), start, until, count=5000)
            for entry_id, f in batch:
                entries.append(LedgerEntry(entry_id, f["s"], f["f"], int(f["d"]), f["k"], f.get("r", "")))
                if "f2" in f:  # a paired move (lib/ledger.lua ledger_move_pair): a second counter, same cause
                    entries.append(LedgerEntry(entry_id, f["s"], f["f2"], int(f["d2"]), f["k"], f.get("r", "")))
            if len(batch) < 5000:
                return entries
            start = "(" + batch[-1][0]

    async def known_skus(self, warehouse: str) -> list[str]:
        return list(await self.client.hvals(keys.key(warehouse, "gtin")))

    async def snapshot(self, warehouse: str, skus: list[str]) -> tuple[str, dict[str, StockState]]:
        _r, payload = unwrap(await self.scripts.call("ledger_snapshot", warehouse, msgspec.json.encode(skus)))
        data = msgspec.json.decode(payload)
        skus_out = data["skus"] if isinstance(data["skus"], dict) else {}
        return data["last"], {s: StockState(warehouse, s, *v) for s, v in skus_out.items()}

    async def compensate(self, warehouse: str, rows: list[tuple[str, str, int]], ref: str) -> int:
        _r, written = unwrap(await self.scripts.call("ledger_compensate", warehouse, msgspec.json.encode(rows), ref))
        return int(written)

    async def base(self, warehouse: str) -> dict[tuple[str, str], int]:
        """(sku, field) -> the sum of the ledger entries compacted away (:meth:`compact`)."""
        raw = await self.client.hgetall(keys.key(warehouse, "ledger_base"))
        out: dict[tuple[str, str], int] = {}
        for key, value in raw.items():
            sku, field = key.rsplit("|", 1)
            out[(sku, field)] = int(value)
        return out

    async def compact(self, warehouse: str, last: str, sums: list[tuple[str, str, int]]) -> int:
        _r, removed = unwrap(await self.scripts.call("ledger_compact", warehouse, last, msgspec.json.encode(sums)))
        return int(removed)

    async def take_dirty(self, warehouses: list[str], count: int = 1000) -> set[str]:
        """Pop up to ``count`` dirty SKUs of each warehouse (one pipeline; each SPOP is on its own slot)."""
        async with self.client.pipeline(transaction=False) as pipe:
            for warehouse in warehouses:
                pipe.spop(keys.key(warehouse, "ats_dirty"), count)
            rows = await pipe.execute()
        return {sku for row in rows for sku in (row or [])}

    async def warehouses(self) -> list[str]:
        return sorted(await self.client.smembers(keys.warehouses()))

    # -- global: profiles and outboxes ----------------------------------------------------------
    async def put_profile(self, profile: ChannelProfile) -> None:
        old = await self.profile(profile.channel, profile.shop)
        name = f"{profile.channel}:{profile.shop}"
        async with self.client.pipeline(transaction=True) as pipe:
            if old is not None:
                for listing in old.listings:
                    for sku, _qty in listing.components:
                        pipe.srem(_by_sku_key(sku), f"{name}:{listing.listing}")
            for listing in profile.listings:
                for sku, _qty in listing.components:
                    pipe.sadd(_by_sku_key(sku), f"{name}:{listing.listing}")
            pipe.set(_profile_key(profile.channel, profile.shop), msgspec.json.encode(profile))
            pipe.sadd(PROFILES, name)
            await pipe.execute()

    async def profile(self, channel: str, shop: str) -> ChannelProfile | None:
        raw = await self.client.get(_profile_key(channel, shop))
        return None if raw is None else msgspec.json.decode(raw, type=ChannelProfile)

    async def profiles(self) -> list[ChannelProfile]:
        names = sorted(await self.client.smembers(PROFILES))
        found = [await self.profile(*name.split(":", 1)) for name in names]
        return [p for p in found if p is not None]

    async def listings_of(self, skus: list[str]) -> set[str]:
        """``<channel>:<shop>:<listing>`` of every listing that sells any of ``skus``."""
        if not skus:
            return set()
        return set(await self.client.sunion([_by_sku_key(sku) for sku in skus]))

    async def mark(self, channel: str, shop: str, quantities: dict[str, int], now_ms: int) -> None:
        """Write the desired quantities into the channel's outbox (the push drains them)."""
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.hset(outbox_key(channel, shop, "desired"), mapping=quantities)
            pipe.hset(outbox_key(channel, shop, "marked"), mapping={k: now_ms for k in quantities})
            await pipe.execute()

    async def outbox(self, channel: str, shop: str) -> tuple[dict[str, int], dict[str, int], dict[str, str]]:
        """(desired, pushed, inflight JSON) of one channel/shop."""
        async with self.client.pipeline(transaction=False) as pipe:
            for part in ("desired", "pushed", "inflight"):
                pipe.hgetall(outbox_key(channel, shop, part))
            desired, pushed, inflight = await pipe.execute()
        return ({k: int(v) for k, v in desired.items()}, {k: int(v) for k, v in pushed.items()}, dict(inflight))

    async def set_inflight(self, channel: str, shop: str, listing: str, attempt: bytes | None) -> None:
        key = outbox_key(channel, shop, "inflight")
        if attempt is None:
            await self.client.hdel(key, listing)
        else:
            await self.client.hset(key, listing, attempt)

    async def accepted(self, channel: str, shop: str, listing: str, quantity: int) -> None:
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(outbox_key(channel, shop, "pushed"), listing, quantity)
            pipe.hdel(outbox_key(channel, shop, "inflight"), listing)
            pipe.hdel(outbox_key(channel, shop, "failed"), listing)
            pipe.hdel(outbox_key(channel, shop, "backoff"), listing)
            await pipe.execute()

    async def failed(self, channel: str, shop: str, key: str, reason: str, attempts: int, until_ms: int) -> None:
        """Record a refusal and when to try ``key`` (a listing or a parcel) again."""
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.hset(outbox_key(channel, shop, "failed"), key, reason)
            pipe.hset(outbox_key(channel, shop, "backoff"), key, f"{until_ms}:{attempts}")
            await pipe.execute()

    async def backoff(self, channel: str, shop: str) -> dict[str, tuple[int, int]]:
        """key -> (retry not before, epoch ms; attempts so far)."""
        raw = await self.client.hgetall(outbox_key(channel, shop, "backoff"))
        return {k: (int(v.split(":")[0]), int(v.split(":")[1])) for k, v in raw.items()}

    async def failures(self, channel: str, shop: str) -> dict[str, str]:
        return dict(await self.client.hgetall(outbox_key(channel, shop, "failed")))

    async def enqueue_shipment(self, channel: str, shop: str, parcel: str, payload: bytes) -> bool:
        """False when the parcel was already queued or confirmed (never twice per parcel)."""
        if await self.client.sismember(outbox_key(channel, shop, "shipped"), parcel):
            return False
        return bool(await self.client.hsetnx(outbox_key(channel, shop, "ship"), parcel, payload))

    async def pending_shipments(self, channel: str, shop: str) -> dict[str, str]:
        return dict(await self.client.hgetall(outbox_key(channel, shop, "ship")))

    async def shipment_confirmed(self, channel: str, shop: str, parcel: str) -> None:
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.sadd(outbox_key(channel, shop, "shipped"), parcel)
            pipe.hdel(outbox_key(channel, shop, "ship"), parcel)
            pipe.hdel(outbox_key(channel, shop, "failed"), parcel)
            pipe.hdel(outbox_key(channel, shop, "backoff"), parcel)
            await pipe.execute()

    async def confirmed_shipments(self, channel: str, shop: str) -> set[str]:
        return set(await self.client.smembers(outbox_key(channel, shop, "shipped")))

    # -- acknowledgements (floor/availability/acks.py): ``ack`` (key -> JSON), ``acked`` (key -> outcome)
    async def enqueue_ack(self, channel: str, shop: str, key: str, payload: bytes) -> bool:
        """False when that ack was queued or sent before (never twice per key)."""
        if await self.client.hexists(outbox_key(channel, shop, "acked"), key):
            return False
        return bool(await self.client.hsetnx(outbox_key(channel, shop, "ack"), key, payload))

    async def pending_acks(self, channel: str, shop: str) -> dict[str, str]:
        return dict(await self.client.hgetall(outbox_key(channel, shop, "ack")))

    async def ack_done(self, channel: str, shop: str, key: str, outcome: str) -> None:
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(outbox_key(channel, shop, "acked"), key, outcome)
            pipe.hdel(outbox_key(channel, shop, "ack"), key)
            pipe.hdel(outbox_key(channel, shop, "failed"), key)
            pipe.hdel(outbox_key(channel, shop, "backoff"), key)
            await pipe.execute()

    async def acked(self, channel: str, shop: str) -> dict[str, str]:
        return dict(await self.client.hgetall(outbox_key(channel, shop, "acked")))
