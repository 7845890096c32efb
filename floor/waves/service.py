"""Wave use cases: check a release, plan it (baseline or kernels) and commit it atomically.

Planning is pure and runs in a thread (numba releases nothing to the loop otherwise); the commit
is one script that re-checks stock and order states, so a plan made on stale state is refused
and planned again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from floor.catalog.store import CatalogStore
from floor.core.errors import ConflictError, NotFoundError, ValidationError
from floor.core.ids import check_id
from floor.inventory.store import StockStore
from floor.layout.store import LayoutStore
from floor.orders.model import ORDER_LIFECYCLE
from floor.orders.store import OrderStore
from floor.waves.model import PLANNERS, STRATEGIES, ReleaseWave, WaveView
from floor.waves.optimal import plan_optimal_wave
from floor.waves.serpentine import plan_wave
from floor.waves.store import WavePlanning, WaveStore

MAX_WAVE_ORDERS = 10_000
T = TypeVar("T")


class Waves:
    def __init__(
        self, store: WaveStore, orders: OrderStore, stock: StockStore, catalog: CatalogStore, layouts: LayoutStore,
        cart_capacity: int = 30, batch_seconds: float = 2.0,
    ) -> None:
        self.store = store
        self.orders = orders
        self.stock = stock
        self.catalog = catalog
        self.layouts = layouts
        self.cart_capacity = cart_capacity
        self.batch_seconds = batch_seconds

    def check(self, command: ReleaseWave) -> None:
        """Input checks of a release (before it is queued for a worker)."""
        check_id(command.wave_id, "wave_id")
        if not 1 <= command.pickers <= 500:
            raise ValidationError("pickers must be 1..500")
        if not 1 <= command.max_orders <= MAX_WAVE_ORDERS:
            raise ValidationError(f"max_orders must be 1..{MAX_WAVE_ORDERS}")
        if command.order_ids is not None:
            if not 1 <= len(command.order_ids) <= MAX_WAVE_ORDERS:
                raise ValidationError(f"order_ids must list 1..{MAX_WAVE_ORDERS} orders")
            for order_id in command.order_ids:
                check_id(order_id, "order_ids[]")
        if command.planner not in PLANNERS:
            raise ValidationError(f"planner must be one of {', '.join(PLANNERS)}")
        if command.strategy not in STRATEGIES or (command.strategy != "cluster" and command.planner != "optimal"):
            raise ValidationError(f"strategy must be one of {', '.join(STRATEGIES)} (the optimal planner's)")
        if command.cart_capacity is not None and not 1 <= command.cart_capacity <= 10_000:
            raise ValidationError("cart_capacity must be 1..10000 items")
        cart = command.cart_capacity or self.cart_capacity
        if command.tote_capacity is not None and not 1 <= command.tote_capacity <= cart:
            raise ValidationError("tote_capacity must be 1..cart_capacity items")

    def size(self, command: ReleaseWave) -> int:
        return len(command.order_ids) if command.order_ids is not None else command.max_orders

    async def release(self, warehouse: str, command: ReleaseWave, sender: str = "",
                      budget_s: float | None = None) -> tuple[bool, WaveView]:
        """Plan and commit a wave; re-plans when stock moved between planning and commit.
        Idempotent on (sender, wave_id); another sender's wave id is refused (ConflictError taken).
        ``budget_s`` caps the batching time (the release policy's planning budget)."""
        self.check(command)
        try:
            existing = await self.store.get(warehouse, command.wave_id)
        except NotFoundError:
            pass
        else:
            if existing.released_by != sender:
                raise ConflictError(f"the id '{command.wave_id}' is already used by another sender: choose another",
                                    code="taken")
            return True, existing
        layout = await self.layouts.get(warehouse)
        zones = await self.store.zones(warehouse) if command.strategy == "zone" else []
        wall = await self.store.put_wall(warehouse) if command.strategy == "batch" else "PW"
        for _attempt in range(3):
            if command.order_ids is not None:
                order_ids = list(dict.fromkeys(command.order_ids))
            else:
                order_ids = await self.orders.reserved_ids(warehouse, command.max_orders)
            orders = await self.orders.many(warehouse, order_ids)
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
            free = await self.stock.free(warehouse, skus)
            labels = await self.catalog.labels(warehouse, skus)
            gtins = {sku: gtin for sku, (gtin, _name) in labels.items()}
            names = {sku: name for sku, (_gtin, name) in labels.items()}
            if command.planner == "optimal":
                seconds = min(self.batch_seconds, 0.002 * len(orders) + 0.05)
                if budget_s is not None:  # release policies: a picker is waiting for this tour
                    seconds = min(seconds, budget_s)
                plan = await asyncio.to_thread(
                    plan_optimal_wave, command.wave_id, orders, free, gtins, layout,
                    command.cart_capacity or self.cart_capacity, command.tote_capacity, seconds, names,
                    command.strategy, zones, wall,
                )
            else:
                plan = plan_wave(command.wave_id, orders, free, gtins, layout, command.pickers, names)
            try:
                repeat = await self.store.release(warehouse, plan, sender)
            except ConflictError:
                continue  # stock or orders moved under us: plan again on fresh state
            return repeat, await self.store.get(warehouse, command.wave_id)
        raise ConflictError("the wave could not be committed: stock kept changing; try again")

    async def get(self, warehouse: str, wave_id: str) -> WaveView:
        return await self.store.get(warehouse, wave_id)

    async def planning(self, warehouse: str, wave_id: str) -> WavePlanning | None:
        return await self.store.planning(warehouse, wave_id)

    async def in_thread(self, fn: Callable[..., T], *args: Any) -> T:
        """Pure planning work (``fn(*args)``, e.g. the release policy's tour forming) off the event loop."""
        return await asyncio.to_thread(fn, *args)
