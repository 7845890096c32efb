"""Use cases of the floor: load -> decide (pure) -> commit (one Lua script) -> the script publishes.

:class:`Floor` is what the web app, the RQ jobs and the demo loader hold. It owns one async
Redis client and the loaded scripts; it has no HTTP in it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from datetime import UTC, datetime
from typing import Any

import msgspec
import redis.asyncio as aioredis

from floor.catalog import ScannedCode, classify_barcode
from floor.errors import ConflictError, NotFoundError, ValidationError
from floor.exceptions import EXCEPTION_KINDS, ExceptionCommand, FloorException
from floor.layout import check_warehouse_id
from floor.orders import ORDER_LIFECYCLE, NewOrder, Order, validate_new_order
from floor.store import keys
from floor.store.commands import Commands
from floor.store.master import Master
from floor.store.queries import Queries, WaveView
from floor.store.scripts import Scripts
from floor.wave_planning import plan_optimal_wave, reroute_tail
from floor.waves import PLANNERS, ReleaseWave, plan_wave

STOCK_REASONS = ("receipt", "cycle_count", "damage", "correction", "return", "transfer")


class AdjustStock(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A receipt (+) or adjustment (+/-); ``command_id`` makes a repeat harmless."""

    command_id: str
    sku: str
    location: str
    delta: int
    reason: str
    warehouse: str | None = None


class RaiseException(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    exception_id: str
    kind: str
    location: str = ""
    sku: str = ""
    task_id: str = ""
    detail: str = ""
    warehouse: str | None = None


_day: list[float | str] = [0.0, ""]


def _today() -> str:
    """Today as GS1 YYMMDD (UTC), recomputed at most once a minute (it is on the scan path)."""
    now = time.time()
    if now - float(_day[0]) > 60:
        _day[0], _day[1] = now, datetime.now(UTC).strftime("%y%m%d")
    return str(_day[1])


def new_id(prefix: str) -> str:
    return f"{prefix}{int(time.time()):x}{secrets.token_hex(4)}"


def _check_command_id(command_id: str, what: str = "command_id") -> None:
    if not 1 <= len(command_id) <= 64 or not command_id.isprintable() or " " in command_id:
        raise ValidationError(f"{what} must be 1-64 printable characters without spaces")


class Floor:
    def __init__(
        self, client: aioredis.Redis, default_warehouse: str = "W1", cart_capacity: int = 30, batch_seconds: float = 2.0
    ) -> None:
        # decode_responses=True: every reply is str; redis-py's stubs say bytes | str.
        self.client: Any = client
        self.default_warehouse = default_warehouse
        self.cart_capacity = cart_capacity
        self.batch_seconds = batch_seconds
        self.scripts = Scripts(client)
        self.commands = Commands(self.scripts)
        self.queries = Queries(client)
        self.master = Master(client, self.commands)

    @classmethod
    def from_url(cls, url: str, default_warehouse: str = "W1") -> Floor:
        # A blocking pool: under a burst, commands wait for a free connection instead of failing.
        pool = aioredis.BlockingConnectionPool.from_url(url, decode_responses=True, max_connections=64, timeout=20)
        return cls(
            aioredis.Redis(connection_pool=pool), default_warehouse,
            cart_capacity=int(os.environ.get("FLOOR_CART_CAPACITY", "30")),
            batch_seconds=float(os.environ.get("FLOOR_BATCH_SECONDS", "2.0")),
        )

    async def start(self) -> None:
        await self.client.ping()
        await self.scripts.load()

    async def close(self) -> None:
        await self.client.aclose()

    async def healthy(self) -> dict[str, bool]:
        try:
            await self.client.ping()
            return {"redis": True, "scripts": await self.scripts.loaded()}
        except Exception:
            return {"redis": False, "scripts": False}

    def warehouse(self, requested: str | None) -> str:
        return check_warehouse_id(requested or self.default_warehouse)

    # -- orders ---------------------------------------------------------------------------
    async def intake_order(self, order: NewOrder) -> tuple[bool, Order]:
        """Accept an order: fully reserved or backordered with a reason; a repeat changes nothing."""
        problems = validate_new_order(order)
        if problems:
            raise ValidationError("; ".join(problems))
        warehouse = self.warehouse(order.warehouse)
        await self.queries.layout(warehouse)  # 404 for an unknown warehouse
        repeat, order_id = await self.commands.intake_order(
            warehouse,
            new_id("O"),
            order.channel,
            order.external_id,
            [(line.sku, line.quantity) for line in order.lines],
            order.priority,
            order.due,
            order.customer,
        )
        return repeat, await self.queries.order(warehouse, order_id)

    # -- inventory ------------------------------------------------------------------------
    async def adjust_stock(self, command: AdjustStock, actor: str) -> tuple[bool, dict[str, object]]:
        _check_command_id(command.command_id)
        if command.reason not in STOCK_REASONS:
            raise ValidationError(f"reason must be one of {', '.join(STOCK_REASONS)}")
        if command.delta == 0 or abs(command.delta) > 1_000_000:
            raise ValidationError("delta must be non-zero and at most 1,000,000 in size")
        warehouse = self.warehouse(command.warehouse)
        layout = await self.queries.layout(warehouse)
        location = layout.check_location(command.location).code
        repeat, result = await self.commands.adjust_stock(
            warehouse, command.command_id, command.sku, location, command.delta, command.reason, actor
        )
        if not repeat and command.delta > 0:
            result["backorders_reserved"] = await self.retry_backorders(warehouse, command.sku)
        return repeat, result

    async def retry_backorders(self, warehouse: str, sku: str, limit: int = 500) -> list[str]:
        """Try to reserve backordered orders that want ``sku``, oldest first."""
        ids = await self.client.zrange(keys.key(warehouse, "orders_backordered"), 0, limit - 1)
        reserved = []
        for order in await self.queries.orders(warehouse, list(ids)):
            if any(line.sku == sku for line in order.lines):
                status = await self.commands.retry_backorder(warehouse, order.order_id)
                if status == "reserved":
                    reserved.append(order.order_id)
        return reserved

    # -- waves ----------------------------------------------------------------------------
    def check_release(self, command: ReleaseWave) -> None:
        """Input checks of a wave release (before it is queued for a worker)."""
        _check_command_id(command.wave_id, "wave_id")
        if not 1 <= command.pickers <= 500:
            raise ValidationError("pickers must be 1..500")
        if not 1 <= command.max_orders <= 10_000:
            raise ValidationError("max_orders must be 1..10000")
        if command.order_ids is not None and not 1 <= len(command.order_ids) <= 10_000:
            raise ValidationError("order_ids must list 1..10000 orders")
        if command.planner not in PLANNERS:
            raise ValidationError(f"planner must be one of {', '.join(PLANNERS)}")
        if command.cart_capacity is not None and not 1 <= command.cart_capacity <= 10_000:
            raise ValidationError("cart_capacity must be 1..10000 items")
        if command.tote_capacity is not None and not 1 <= command.tote_capacity <= (command.cart_capacity or self.cart_capacity):
            raise ValidationError("tote_capacity must be 1..cart_capacity items")
        self.warehouse(command.warehouse)

    async def release_wave(self, command: ReleaseWave) -> tuple[bool, WaveView]:
        """Plan and commit a wave; re-plans when stock moved between planning and commit."""
        self.check_release(command)
        warehouse = self.warehouse(command.warehouse)
        try:
            return True, await self.queries.wave(warehouse, command.wave_id)
        except NotFoundError:
            pass
        layout = await self.queries.layout(warehouse)
        for _attempt in range(3):
            if command.order_ids is not None:
                order_ids = list(dict.fromkeys(command.order_ids))
            else:
                order_ids = await self.queries.reserved_order_ids(warehouse, command.max_orders)
            orders = await self.queries.orders(warehouse, order_ids)
            missing = set(order_ids) - {o.order_id for o in orders}
            if missing:
                raise NotFoundError(f"unknown orders: {', '.join(sorted(missing))}")
            if not orders:
                raise ValidationError("no reserved orders to release")
            releasable = ORDER_LIFECYCLE.sources("release")
            not_ready = [o.order_id + " is " + o.status for o in orders if o.status not in releasable]
            if not_ready:
                raise ConflictError("orders not releasable: " + "; ".join(not_ready))
            skus = sorted({line.sku for order in orders for line in order.lines})
            free = await self.queries.free_stock(warehouse, skus)
            labels = await self.queries.sku_labels(warehouse, skus)
            gtins = {sku: gtin for sku, (gtin, _name) in labels.items()}
            names = {sku: name for sku, (_gtin, name) in labels.items()}
            if command.planner == "optimal":
                plan = plan_optimal_wave(
                    command.wave_id, orders, free, gtins, layout, command.cart_capacity or self.cart_capacity,
                    command.tote_capacity, seconds=min(self.batch_seconds, 0.002 * len(orders) + 0.05), names=names,
                )
            else:
                plan = plan_wave(command.wave_id, orders, free, gtins, layout, command.pickers, names)
            try:
                repeat = await self.commands.release_wave(warehouse, plan)
            except ConflictError:
                continue  # stock or orders moved under us: plan again on fresh state
            return repeat, await self.queries.wave(warehouse, command.wave_id)
        raise ConflictError("the wave could not be committed: stock kept changing; try again")

    # -- scans (the hot path) -------------------------------------------------------------
    async def scan(
        self, warehouse: str, picker: str, task_id: str, scan_id: str, barcode: str, quantity: int
    ) -> tuple[bool, str]:
        """Validate and apply one scan; returns (repeat, verdict JSON)."""
        code: ScannedCode = classify_barcode(barcode)
        return await self.commands.scan(
            warehouse, picker, task_id, scan_id, code.kind, code.value, quantity, code.lot,
            code.expiry, _today(), barcode,
        )

    async def short_pick(
        self, warehouse: str, picker: str, task_id: str, request_id: str, step: int, found: int
    ) -> tuple[bool, str]:
        if found < 0:
            raise ValidationError("found must be 0 or more")
        repeat, result = await self.commands.short_pick(
            warehouse, picker, task_id, request_id, step, found, new_id("X")
        )
        if not repeat and msgspec.json.decode(result).get("relocated", 0) > 0:
            await self._reroute(warehouse, task_id)
        return repeat, result

    async def _reroute(self, warehouse: str, task_id: str) -> None:
        """Put a task's unvisited steps (new ones were appended at the end) back in route order.

        Best effort: if the picker scanned meanwhile the script refuses and the order stays.
        """
        task = await self.queries.task(warehouse, task_id)
        if task.status != "assigned" or task.step + 2 >= len(task.steps):
            return
        tail = reroute_tail(await self.queries.layout(warehouse), task.steps[task.step + 1:])
        if tail != task.steps[task.step + 1:]:
            with contextlib.suppress(ConflictError):
                await self.commands.reorder_steps(warehouse, task_id, task.step, len(task.steps), tail)

    async def picker_away(self, warehouse: str, picker: str) -> None:
        """The picker's last socket closed: stop handing it new tasks (its current one stays)."""
        await self.client.srem(keys.key(warehouse, "pickers_idle"), picker)

    # -- floor exceptions -----------------------------------------------------------------
    async def raise_exception(self, command: RaiseException, picker: str = "") -> FloorException:
        _check_command_id(command.exception_id, "exception_id")
        if command.kind not in EXCEPTION_KINDS:
            raise ValidationError(f"kind must be one of {', '.join(EXCEPTION_KINDS)}")
        warehouse = self.warehouse(command.warehouse)
        if command.location:
            (await self.queries.layout(warehouse)).check_location(command.location)
        await self.commands.raise_exception(
            warehouse, command.exception_id, command.kind, picker, command.task_id,
            command.location, command.sku, command.detail[:500],
        )
        return await self.queries.exception(warehouse, command.exception_id)

    async def transition_exception(
        self, warehouse: str, exception_id: str, event: str, command: ExceptionCommand, actor: str
    ) -> tuple[bool, FloorException]:
        _check_command_id(command.command_id)
        repeat, _state = await self.commands.transition_exception(
            warehouse, exception_id, command.command_id, event, actor, command.note[:500]
        )
        return repeat, await self.queries.exception(warehouse, exception_id)
