"""Master data in Redis: the snapshot an import is checked against, and the writes of clean rows.

Locations, SKUs and stock go through small Lua scripts (``floor/onboarding/lua``), one call per
chunk of a few hundred rows with the chunk as one JSON argument, a few calls per pipeline: it is
several times faster than one command per field from Python, and each SKU is written all or
nothing with its GTIN ownership re-checked at write time (``put_skus``) and its stock counters,
location hashes and lots moved together under the guards of ``adjust_stock`` (``load_stock``).
Warehouses, layouts, pickers and users are few: plain non-transactional pipelines. What the existing scripts read
is written in their shapes: ``sku:<id>`` (gtin, name, weight_g, on_hand, reserved; counters only
created, never reset), ``gtin`` (unit GTIN-14 -> sku), ``layout`` (floor.layout.Layout JSON),
``badge`` / ``picker`` / ``user``. Everything else is in new keys (see floor/store/keys.py).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from importlib import resources
from typing import Any

import msgspec
from redis.exceptions import NoScriptError

from floor.accounts.model import hash_secret
from floor.layout.model import Layout
from floor.onboarding.model import (
    KINDS,
    CleanImport,
    Existing,
    LayoutRow,
    LocationRow,
    PickerRow,
    Problem,
    SkuRow,
    SkuStock,
    StockRow,
    UserRow,
    WarehouseRow,
    Zone,
)
from floor.store import keys
from floor.store.scripts import Script, build

Progress = Callable[[str, int], Awaitable[None]]  # (kind, rows of it written so far)
# Entries per script call: each call is atomic, so it blocks Redis ~1-3 ms; CALLS_PER_PIPELINE
# calls share one round trip. Pickers and users are few (their secrets are hashed first).
CHUNK = {"skus": 250, "stock": 250, "locations": 500, "pickers": 50, "users": 50, "warehouses": 100, "layout": 100}
CALLS_PER_PIPELINE = 4
WRITE_FIELD = {"locations": "kind", "skus": "gtin", "stock": "quantity"}  # what a write-time refusal is about
READ_CHUNK = 2000
SCAN_COUNT = 2000


def _script(name: str) -> Script:
    """Built like every script (shebang, key table, required libraries, line map): see floor.store.scripts."""
    return build(name, (resources.files("floor.onboarding") / "lua" / f"{name}.lua").read_text())


SCRIPTS = {name: _script(name) for name in ("put_locations", "put_skus", "load_stock")}
Unit = tuple[list[int], Any]  # (row numbers, the script entry written for them)
_zones = msgspec.json.Decoder(list[Zone])
_layout = msgspec.json.Decoder(Layout)


def _chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[start:start + size] for start in range(0, len(items), size)]


Call = tuple[str, tuple[Any, ...]]  # (pipeline method, arguments)


async def _read(client: Any, calls: Sequence[Call]) -> list[Any]:
    """Run read commands in pipelines of READ_CHUNK; replies in order."""
    replies: list[Any] = []
    for part in _chunks(calls, READ_CHUNK):
        async with client.pipeline(transaction=False) as pipe:
            for method, args in part:
                getattr(pipe, method)(*args)
            replies.extend(await pipe.execute())
    return replies


async def _scan(client: Any, key: str) -> dict[str, str]:
    """A whole hash by HSCAN: a warehouse's GTIN hash may hold 100,000s of fields, and one HGETALL
    of it would stall every scan of the floor for tens of milliseconds."""
    return {field: value async for field, value in client.hscan_iter(key, count=SCAN_COUNT)}


async def load_existing(client: Any, wanted: dict[str, set[Any]]) -> Existing:
    """The master data the checks need (see validate.needs): per warehouse named, its layout, zones,
    GTINs and locations; counters of the known SKUs and contents of the known locations named."""
    existing = Existing()
    warehouses = sorted(wanted["warehouses"])
    calls: list[Call] = []
    for w in warehouses:
        calls += [("get", (keys.key(w, "layout"),)), ("hget", (keys.key(w, "site"), "zones"))]
    replies = await _read(client, calls)
    for index, w in enumerate(warehouses):
        layout, zones = replies[2 * index:2 * index + 2]
        if layout:
            existing.layouts[w] = _layout.decode(layout)
        if zones:
            existing.zones[w] = {zone.name: zone for zone in _zones.decode(zones)}
        gtins = await _scan(client, keys.key(w, "gtin"))
        packs = await _scan(client, keys.key(w, "pack_gtin"))
        existing.skus[w] = {sku: gtin for gtin, sku in gtins.items()}
        existing.gtins[w] = {**gtins, **{gtin: msgspec.json.decode(value)["sku"] for gtin, value in packs.items()}}
        existing.locations[w] = await _scan(client, keys.key(w, "locations"))
    await _load_stock(client, existing, wanted)
    badges = sorted(wanted["badges"])
    owners = await _read(client, [("hmget", (keys.badge(b), "warehouse", "picker")) for b in badges])
    existing.badges = {b: (o[0], o[1]) for b, o in zip(badges, owners, strict=True) if o[0]}
    users = sorted(wanted.get("users", ()))
    access = await _read(client, [("hget", (keys.user(u), "warehouses")) for u in users])
    existing.users = {u: tuple(a.split(",")) for u, a in zip(users, access, strict=True) if a is not None}
    return existing


async def _load_stock(client: Any, existing: Existing, wanted: dict[str, set[Any]]) -> None:
    skus = [(w, s) for w, s in sorted(wanted["skus"]) if s in existing.skus.get(w, {})]
    calls: list[Call] = []
    for w, s in skus:
        calls += [
            ("hmget", (keys.key(w, "sku", s), "on_hand", "reserved")),
            ("hgetall", (keys.key(w, "sku_bins", s),)),
            ("hgetall", (keys.key(w, "sku_alloc", s),)),
            ("hmget", (keys.key(w, "sku_attrs", s), "lot_controlled", "expiry_controlled")),
        ]
    replies = await _read(client, calls)
    for index, (w, s) in enumerate(skus):
        (on_hand, reserved), bins, alloc, (lots, expiry) = replies[4 * index:4 * index + 4]
        existing.stock.setdefault(w, {})[s] = SkuStock(
            int(on_hand or 0), int(reserved or 0), {k: int(v) for k, v in bins.items()}, {k: int(v) for k, v in alloc.items()},
        )
        if lots == "1":
            existing.lot_controlled.setdefault(w, set()).add(s)
        if expiry == "1":
            existing.expiry_controlled.setdefault(w, set()).add(s)
    locations = [(w, c) for w, c in sorted(wanted["locations"]) if c in existing.locations.get(w, {})]
    calls = []
    for w, c in locations:
        contents = "bin" if existing.locations[w][c] == "pick_face" else "reserve_bin"
        calls += [("hgetall", (keys.key(w, contents, c),)), ("hget", (keys.key(w, "location", c), "capacity"))]
    replies = await _read(client, calls)
    for index, (w, c) in enumerate(locations):
        contents, capacity = replies[2 * index:2 * index + 2]
        existing.bins.setdefault(w, {})[c] = {sku: int(units) for sku, units in contents.items()}
        existing.capacity.setdefault(w, {})[c] = int(capacity or 0)


def _flag(value: bool) -> str:
    return "1" if value else "0"


class Writer:
    """Writes a :class:`CleanImport`, kind by kind, calling ``progress`` after every round trip."""

    def __init__(self, client: Any, actor: str, command_id: str, progress: Progress) -> None:
        self.client = client
        self.actor = actor
        self.command_id = command_id
        self.progress = progress

    async def write(self, clean: CleanImport, existing: Existing) -> tuple[dict[str, int], list[Problem]]:
        """Rows written per kind, and problems found only at write time (a concurrent change)."""
        written: dict[str, int] = {}
        problems: list[Problem] = []
        for kind in KINDS:
            rows = clean.rows(kind)
            if rows:
                written[kind] = await getattr(self, f"_{kind}")(rows, clean, existing, problems)
        return written, problems

    async def _pipelined(self, kind: str, rows: Sequence[Any], add: Callable[[Any, Sequence[Any]], None]) -> int:
        done = 0
        for part in _chunks(rows, CHUNK[kind]):
            async with self.client.pipeline(transaction=False) as pipe:
                add(pipe, part)
                await pipe.execute()
            done += len(part)
            await self.progress(kind, done)
        return done

    async def _scripted(self, kind: str, script: Script, units: dict[str, list[Unit]], problems: list[Problem],
                        *args: str) -> int:
        """Call ``script`` per chunk of units of one warehouse: KEYS[1] the warehouse's stream, ARGV
        prefix, 0, *args, chunk JSON. Failed entries come back as (index, code, detail) triples."""
        calls = [(w, part) for w, members in units.items() for part in _chunks(members, CHUNK[kind])]
        written = processed = 0
        await self.client.script_load(script.source)
        for batch in _chunks(calls, CALLS_PER_PIPELINE):
            replies = await self._evalsha(script, [(w, [*args, msgspec.json.encode([e for _n, e in part])]) for w, part in batch])
            for (_w, part), failed in zip(batch, replies, strict=True):
                bad = set()
                for at in range(0, len(failed), 3):
                    numbers = part[int(failed[at]) - 1][0]
                    bad.add(int(failed[at]))
                    problems.extend(Problem(kind, n, WRITE_FIELD[kind], "write_conflict", f"{failed[at + 1]}: {failed[at + 2]}")
                                    for n in numbers)
                written += sum(len(numbers) for index, (numbers, _e) in enumerate(part, start=1) if index not in bad)
                processed += sum(len(numbers) for numbers, _e in part)
            await self.progress(kind, processed)
        return written

    async def _evalsha(self, script: Script, calls: list[tuple[str, list[Any]]]) -> list[Any]:
        for _attempt in range(2):
            try:
                async with self.client.pipeline(transaction=False) as pipe:
                    for w, args in calls:
                        pipe.evalsha(script.sha, 1, keys.key(w, "events"), keys.prefix(w), *args)
                    return list(await pipe.execute())
            except NoScriptError:  # Redis restarted or flushed its scripts: every script here is safe to repeat
                await self.client.script_load(script.source)
        raise RuntimeError(f"{script.name}.lua could not be loaded")

    async def _warehouses(self, rows: list[WarehouseRow], *_: Any) -> int:
        def add(pipe: Any, part: Sequence[WarehouseRow]) -> None:
            for row in part:
                site = {"name": row.name, "time_zone": row.time_zone, "tote_scan": _flag(row.tote_scan)}
                pipe.hset(keys.key(row.warehouse, "site"), mapping=site)
        return await self._pipelined("warehouses", rows, add)

    async def _layout(self, rows: list[LayoutRow], *_: Any) -> int:
        def add(pipe: Any, part: Sequence[LayoutRow]) -> None:
            for row in part:
                pipe.set(keys.key(row.warehouse, "layout"), msgspec.json.encode(row.layout()))
                pipe.hset(keys.key(row.warehouse, "site"), mapping={
                    "depot_position": row.depot_position, "zones": msgspec.json.encode(list(row.zones)).decode()})
                pipe.sadd(keys.warehouses(), row.warehouse)
        return await self._pipelined("layout", rows, add)

    async def _locations(self, rows: list[LocationRow], clean: CleanImport, _e: Existing, problems: list[Problem]) -> int:
        units: dict[str, list[Unit]] = defaultdict(list)
        for number, r in zip(clean.numbers["locations"], rows, strict=True):
            units[r.warehouse].append(([number], [r.code, r.kind, r.capacity, r.aisle, r.cell, r.level, r.zone,
                                                  r.min_units, r.max_units]))
        return await self._scripted("locations", SCRIPTS["put_locations"], units, problems)

    async def _skus(self, rows: list[SkuRow], clean: CleanImport, _e: Existing, problems: list[Problem]) -> int:
        units: dict[str, list[Unit]] = defaultdict(list)
        for number, r in zip(clean.numbers["skus"], rows, strict=True):
            attrs = {"name_zh": r.name_zh, "name_en": r.name_en, "length_mm": r.length_mm, "width_mm": r.width_mm,
                     "height_mm": r.height_mm, "category": r.category, "lot_controlled": _flag(r.lot_controlled),
                     "expiry_controlled": _flag(r.expiry_controlled), "serial_controlled": _flag(r.serial_controlled)}
            units[r.warehouse].append(([number], [r.sku, r.gtin, r.name, r.weight_g, attrs, r.case_gtin, r.case_units,
                                                  r.inner_gtin, r.inner_units]))
        return await self._scripted("skus", SCRIPTS["put_skus"], units, problems)

    async def _stock(self, rows: list[StockRow], clean: CleanImport, existing: Existing, problems: list[Problem]) -> int:
        kinds = {(w, code): kind for w, codes in existing.locations.items() for code, kind in codes.items()}
        kinds.update({(row.warehouse, row.code): row.kind for row in clean.locations})
        groups: dict[tuple[str, str], Unit] = {}
        for number, r in zip(clean.numbers["stock"], rows, strict=True):
            numbers, entry = groups.setdefault((r.warehouse, r.sku), ([], [r.sku, []]))
            numbers.append(number)
            entry[1].append([r.location, kinds[(r.warehouse, r.location)], r.quantity, r.lot, r.expiry])
        units: dict[str, list[Unit]] = defaultdict(list)
        for (w, _sku), unit in groups.items():
            units[w].append(unit)
        return await self._scripted("stock", SCRIPTS["load_stock"], units, problems, self.command_id, self.actor)

    async def _pickers(self, rows: list[PickerRow], *_: Any) -> int:
        old = await _read(self.client, [("hget", (keys.key(r.warehouse, "picker", r.picker_id), "badge")) for r in rows])
        previous = dict(zip(((r.warehouse, r.picker_id) for r in rows), old, strict=True))
        pins = await asyncio.to_thread(lambda: [hash_secret(row.pin) for row in rows])  # ~10 ms each: off the loop
        hashed = dict(zip(((r.warehouse, r.picker_id) for r in rows), pins, strict=True))

        def add(pipe: Any, part: Sequence[PickerRow]) -> None:
            for row in part:
                before = previous[(row.warehouse, row.picker_id)]
                if before and before != row.badge:
                    pipe.delete(keys.badge(before))
                pipe.hset(keys.badge(row.badge), mapping={"picker": row.picker_id, "warehouse": row.warehouse,
                                                          "name": row.name, "pin": hashed[(row.warehouse, row.picker_id)]})
                pipe.hset(keys.key(row.warehouse, "picker", row.picker_id), mapping={"name": row.name, "badge": row.badge})
                pipe.sadd(keys.key(row.warehouse, "pickers"), row.picker_id)
        return await self._pipelined("pickers", rows, add)

    async def _users(self, rows: list[UserRow], *_: Any) -> int:
        hashed = await asyncio.to_thread(lambda: [hash_secret(row.password) for row in rows])
        secrets = dict(zip((r.username for r in rows), hashed, strict=True))

        def add(pipe: Any, part: Sequence[UserRow]) -> None:
            for row in part:
                pipe.hset(keys.user(row.username), mapping={
                    "role": row.role, "warehouses": ",".join(row.warehouses), "password": secrets[row.username]})
        return await self._pipelined("users", rows, add)
