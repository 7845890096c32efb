"""Reads of floor state. Nothing here writes."""

from __future__ import annotations

from typing import Any

import msgspec
import redis.asyncio as aioredis

from floor.errors import NotFoundError
from floor.exceptions import FloorException
from floor.layout import Layout
from floor.orders import Order, OrderLine
from floor.store import keys
from floor.tasks import Step, TaskView


class StockLevel(msgspec.Struct, frozen=True):
    sku: str
    on_hand: int
    reserved: int
    available: int
    locations: dict[str, int]  # location -> on hand
    allocated: dict[str, int]  # location -> allocated to open tasks


class PickerView(msgspec.Struct, frozen=True):
    picker: str
    name: str
    status: str  # picking | idle (connected, waiting for work) | away
    task_id: str
    wave_id: str
    step: int
    steps: int


class WaveView(msgspec.Struct, frozen=True):
    wave_id: str
    status: str
    orders: list[str]
    tasks: list[str]
    units: int
    picked_units: int
    short_units: int
    tasks_open: int
    released_ms: int


class Queries:
    def __init__(self, client: aioredis.Redis) -> None:
        # decode_responses=True: every reply is str; redis-py's stubs say bytes | str.
        self.client: Any = client

    async def layout(self, warehouse: str) -> Layout:
        raw = await self.client.get(keys.key(warehouse, "layout"))
        if raw is None:
            raise NotFoundError(f"warehouse '{warehouse}' does not exist")
        return msgspec.json.decode(raw, type=Layout)

    async def warehouses(self) -> list[str]:
        return sorted(await self.client.smembers(keys.warehouses()))

    async def order(self, warehouse: str, order_id: str) -> Order:
        fields = await self.client.hgetall(keys.key(warehouse, "order", order_id))
        if not fields:
            raise NotFoundError(f"order '{order_id}' does not exist in {warehouse}")
        return _order(warehouse, order_id, fields)

    async def orders(self, warehouse: str, order_ids: list[str]) -> list[Order]:
        async with self.client.pipeline(transaction=False) as pipe:
            for order_id in order_ids:
                pipe.hgetall(keys.key(warehouse, "order", order_id))
            rows = await pipe.execute()
        return [_order(warehouse, oid, row) for oid, row in zip(order_ids, rows, strict=True) if row]

    async def reserved_order_ids(self, warehouse: str, limit: int) -> list[str]:
        """The most urgent reserved orders (priority, then due time)."""
        return list(await self.client.zrange(keys.key(warehouse, "orders_reserved"), 0, limit - 1))

    async def count(self, warehouse: str, name: str) -> int:
        return int(await self.client.zcard(keys.key(warehouse, name)))

    async def stock(self, warehouse: str, sku: str) -> StockLevel:
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.hmget(keys.key(warehouse, "sku", sku), "on_hand", "reserved")
            pipe.hgetall(keys.key(warehouse, "sku_bins", sku))
            pipe.hgetall(keys.key(warehouse, "sku_alloc", sku))
            (on_hand, reserved), bins, alloc = await pipe.execute()
        if on_hand is None:
            raise NotFoundError(f"SKU '{sku}' does not exist in {warehouse}")
        return StockLevel(
            sku=sku,
            on_hand=int(on_hand),
            reserved=int(reserved),
            available=int(on_hand) - int(reserved),
            locations={loc: int(q) for loc, q in sorted(bins.items())},
            allocated={loc: int(q) for loc, q in sorted(alloc.items())},
        )

    async def location(self, warehouse: str, location: str) -> dict[str, int]:
        """SKU -> units on hand at one location."""
        contents = await self.client.hgetall(keys.key(warehouse, "bin", location))
        return {sku: int(q) for sku, q in sorted(contents.items())}

    async def free_stock(self, warehouse: str, skus: list[str]) -> dict[str, dict[str, int]]:
        """SKU -> location -> units on hand and not allocated to an open task."""
        async with self.client.pipeline(transaction=False) as pipe:
            for sku in skus:
                pipe.hgetall(keys.key(warehouse, "sku_bins", sku))
                pipe.hgetall(keys.key(warehouse, "sku_alloc", sku))
            rows = await pipe.execute()
        free: dict[str, dict[str, int]] = {}
        for index, sku in enumerate(skus):
            bins, alloc = rows[2 * index], rows[2 * index + 1]
            free[sku] = {loc: int(q) - int(alloc.get(loc, 0)) for loc, q in bins.items()}
        return free

    async def gtins(self, warehouse: str, skus: list[str]) -> dict[str, str]:
        return {sku: gtin for sku, (gtin, _name) in (await self.sku_labels(warehouse, skus)).items()}

    async def sku_labels(self, warehouse: str, skus: list[str]) -> dict[str, tuple[str, str]]:
        """SKU -> (GTIN-14, name)."""
        async with self.client.pipeline(transaction=False) as pipe:
            for sku in skus:
                pipe.hmget(keys.key(warehouse, "sku", sku), "gtin", "name")
            rows = await pipe.execute()
        return {sku: (row[0], row[1] or "") for sku, row in zip(skus, rows, strict=True)}

    async def pickers(self, warehouse: str) -> list[PickerView]:
        """Every picker of the warehouse with the task it holds (board snapshot)."""
        ids = sorted(await self.client.smembers(keys.key(warehouse, "pickers")))
        async with self.client.pipeline(transaction=False) as pipe:
            for picker in ids:
                pipe.hmget(keys.key(warehouse, "picker", picker), "name", "task")
            pipe.smembers(keys.key(warehouse, "pickers_idle"))
            *rows, idle = await pipe.execute()
        async with self.client.pipeline(transaction=False) as pipe:
            for _name, task in rows:
                pipe.hmget(keys.key(warehouse, "task", task or "-"), "wave", "status", "step", "n_steps")
            tasks = await pipe.execute()
        views = []
        for picker, (name, task_id), (wave, status, step, n_steps) in zip(ids, rows, tasks, strict=True):
            state = "picking" if task_id and status == "assigned" else ("idle" if picker in idle else "away")
            views.append(PickerView(picker, name or "", state, task_id or "", wave or "",
                                    int(step or 0), int(n_steps or 0)))
        return views

    async def sku_count(self, warehouse: str) -> int:
        return int(await self.client.hlen(keys.key(warehouse, "gtin")))

    async def task(self, warehouse: str, task_id: str) -> TaskView:
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.hgetall(keys.key(warehouse, "task", task_id))
            pipe.lrange(keys.key(warehouse, "steps", task_id), 0, -1)
            fields, steps = await pipe.execute()
        if not fields:
            raise NotFoundError(f"task '{task_id}' does not exist in {warehouse}")
        decoder = msgspec.json.Decoder(Step)
        return TaskView(
            task_id=task_id,
            wave_id=fields["wave"],
            picker=fields["picker"],
            status=fields["status"],
            step=int(fields["step"]),
            picked=int(fields["picked"]),
            at_location=fields["at_loc"] == "1",
            steps=[decoder.decode(s) for s in steps],
        )

    async def current_task_id(self, warehouse: str, picker: str) -> str:
        return str(await self.client.hget(keys.key(warehouse, "picker", picker), "task") or "")

    async def wave(self, warehouse: str, wave_id: str) -> WaveView:
        fields = await self.client.hgetall(keys.key(warehouse, "wave", wave_id))
        if not fields:
            raise NotFoundError(f"wave '{wave_id}' does not exist in {warehouse}")
        return _wave(wave_id, fields)

    async def recent_waves(self, warehouse: str, limit: int = 20) -> list[WaveView]:
        ids = await self.client.zrevrange(keys.key(warehouse, "waves"), 0, limit - 1)
        async with self.client.pipeline(transaction=False) as pipe:
            for wave_id in ids:
                pipe.hgetall(keys.key(warehouse, "wave", wave_id))
            rows = await pipe.execute()
        return [_wave(w, f) for w, f in zip(ids, rows, strict=True) if f]

    async def exception(self, warehouse: str, exception_id: str) -> FloorException:
        fields = await self.client.hgetall(keys.key(warehouse, "exception", exception_id))
        if not fields:
            raise NotFoundError(f"exception '{exception_id}' does not exist in {warehouse}")
        return _exception(warehouse, exception_id, fields)

    async def open_exceptions(self, warehouse: str, limit: int = 200) -> list[FloorException]:
        ids = await self.client.zrevrange(keys.key(warehouse, "exceptions_open"), 0, limit - 1)
        async with self.client.pipeline(transaction=False) as pipe:
            for exception_id in ids:
                pipe.hgetall(keys.key(warehouse, "exception", exception_id))
            rows = await pipe.execute()
        return [_exception(warehouse, e, f) for e, f in zip(ids, rows, strict=True) if f]

    async def verdict_counts(self, warehouse: str) -> dict[str, int]:
        counts = await self.client.hgetall(keys.key(warehouse, "verdicts"))
        return {verdict: int(n) for verdict, n in sorted(counts.items())}

    async def last_event_id(self, warehouse: str) -> str:
        last = await self.client.xrevrange(keys.key(warehouse, "events"), count=1)
        return str(last[0][0]) if last else "0-0"


def _order(warehouse: str, order_id: str, f: dict[str, str]) -> Order:
    lines = [OrderLine(sku=s, quantity=int(q)) for s, q in msgspec.json.decode(f["lines"])]
    return Order(
        order_id=order_id,
        warehouse=warehouse,
        channel=f["channel"],
        external_id=f["external_id"],
        status=f["status"],
        lines=lines,
        priority=int(f["priority"]),
        due=int(f["due"]) if f.get("due") else None,
        reason=f.get("reason", ""),
        units=int(f["units"]),
        picked_units=int(f.get("picked_units", 0)),
        short_units=int(f.get("short_units", 0)),
        created_ms=int(f["created_ms"]),
        wave_id=f.get("wave", ""),
    )


def _wave(wave_id: str, f: dict[str, Any]) -> WaveView:
    return WaveView(
        wave_id=wave_id,
        status=f["status"],
        orders=msgspec.json.decode(f["orders"]),
        tasks=msgspec.json.decode(f["tasks"]),
        units=int(f["units"]),
        picked_units=int(f["picked_units"]),
        short_units=int(f.get("short_units", 0)),
        tasks_open=int(f["tasks_open"]),
        released_ms=int(f["released_ms"]),
    )


def _exception(warehouse: str, exception_id: str, f: dict[str, str]) -> FloorException:
    return FloorException(
        exception_id=exception_id,
        warehouse=warehouse,
        kind=f["kind"],
        status=f["status"],
        raised_ms=int(f["raised_ms"]),
        picker=f.get("picker", ""),
        task_id=f.get("task_id", ""),
        location=f.get("location", ""),
        sku=f.get("sku", ""),
        detail=f.get("detail", ""),
        by=f.get("by", ""),
        note=f.get("note", ""),
    )
