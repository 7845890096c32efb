"""Automatic release (use cases): read the floor, apply the warehouse's policy, release, record why.

:meth:`Release.tick` is one decision round for one warehouse, run under the warehouse's releaser
lease by the node loop (:class:`floor.jobs.waves.ReleaseLoop`, every ~0.25 s) or on demand
(``POST /api/release/tick``). It reads the policy (:mod:`floor.waves.policy`), the pickers present
and idle, the tasks ready and the measured pick rate, and then:

- ``continuous``: when pickers are idle and no task is ready, ``lookahead`` tours per idle picker from
  the most urgent reserved orders: due first (the pick-up they can still make), then priority, then
  batching gain (:func:`floor.waves.tours.form_tours`), planned by the kernels within the policy's
  ``budget_ms`` and committed as a wave; ``release_wave.lua`` hands the tours out at once.
- ``cutoff``: the orders that would be late if held longer (:func:`floor.waves.policy.due_now`), and
  otherwise, when pickers are idle with nothing ready, the next tours early.

Each release is recorded (:class:`floor.waves.policy.Decision`: the orders, the waves, the reason
with the numbers behind it) and shown on the board (``release_decided``). :meth:`late_risk` raises a
``late_risk`` floor exception for each released order that will miss its ship-by at the current rate.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from floor.core.clock import DEFAULT_TIME_ZONE
from floor.core.errors import FloorError, ValidationError
from floor.core.ids import new_id
from floor.incidents.store import IncidentStore
from floor.layout.model import parse_location
from floor.orders.model import Order
from floor.orders.store import OrderStore
from floor.waves.model import ReleaseWave
from floor.waves.optimal import kernel_warehouse
from floor.waves.policy import (
    PLACED,
    Decision,
    PolicyView,
    ReleasePolicy,
    check_policy,
    due_now,
    group_key,
    joined,
    late,
    ship_by,
    team_rate,
    units,
    urgency_key,
    wave_strategy,
)
from floor.waves.service import Waves
from floor.waves.store import ReleaseStore, WaveStore
from floor.waves.tours import Ranked, Tour, form_tours

log = logging.getLogger("floor.release")
RATE_WINDOW_S = 15 * 60  # the pick rate is measured over the last 15 minutes
CANDIDATES = 2000  # reserved orders a decision looks at (the most urgent by priority, then due)
FORM_ROWS = 1500  # of which the most urgent (by ship-by) are considered for idle pickers' tours
EVALUATIONS_PER_MS = 40  # tour forming routes this many candidates per ms of budget_ms (about a third of it)
SENDER = "release-policy"


class Release:
    def __init__(self, store: ReleaseStore, waves: Waves, orders: OrderStore, wave_store: WaveStore,
                 incidents: IncidentStore, cart_capacity: int, time_zone: str = DEFAULT_TIME_ZONE) -> None:
        self.store = store
        self.waves = waves
        self.orders = orders
        self.wave_store = wave_store
        self.incidents = incidents
        self.cart_capacity = cart_capacity
        self.time_zone = time_zone

    async def policy(self, warehouse: str) -> PolicyView:
        return await self.store.policy(warehouse) or PolicyView(warehouse, ReleasePolicy())

    async def set_policy(self, warehouse: str, policy: ReleasePolicy, by: str, now_ms: int) -> PolicyView:
        problems = check_policy(policy)
        if problems:
            raise ValidationError("; ".join(problems))
        view = PolicyView(warehouse, policy, now_ms, by)
        await self.store.set_policy(warehouse, view)
        return view

    async def decisions(self, warehouse: str, limit: int = 50) -> list[Decision]:
        if not 1 <= limit <= 1000:
            raise ValidationError("limit must be 1..1000")
        return await self.store.decisions(warehouse, limit)

    async def rate(self, warehouse: str, now_ms: int, present: int, policy: ReleasePolicy) -> float:
        picked = await self.store.units_picked_since(warehouse, now_ms - RATE_WINDOW_S * 1000)
        return team_rate(picked, RATE_WINDOW_S, present, policy)

    async def tick(self, warehouse: str, *, now_s: int | None = None, rate: float | None = None) -> list[Decision]:
        """One decision round (the caller holds the releaser lease). ``now_s`` / ``rate`` replace
        the clock and the measured rate (the floor simulation runs in simulated time)."""
        view = await self.policy(warehouse)
        policy = view.policy
        if policy.mode == "manual":
            return []
        now_ms, present, idle, ready = await self.store.floor_state(warehouse)
        now = int(now_ms // 1000) if now_s is None else now_s
        if rate is None:
            rate = await self.rate(warehouse, now_ms, present, policy)
        starving = idle > 0 and ready == 0
        if policy.mode == "continuous" and not starving:
            return []
        candidates = await self._candidates(warehouse, policy, now)
        if not candidates:
            return []
        cart = policy.cart_capacity or self.cart_capacity
        decisions: list[Decision] = []
        if policy.mode == "cutoff":
            backlog = await self.backlog_units(warehouse)
            due, earliest = due_now(candidates, backlog, rate, now, policy)
            if due:
                reason = (f"cut-off: {len(due)} orders would miss their ship-by if held longer (earliest "
                          f"{_clock(earliest)}; backlog {backlog} units at {rate * 3600:.0f} units/h with "
                          f"{present} pickers present, {policy.early_minutes} min early)")
                decisions += await self._release(warehouse, policy, due, reason, present, idle, rate, earliest)
                return decisions
        if starving:
            urgent = candidates[0][1] is not None and candidates[0][1] - now <= policy.early_minutes * 60
            if sum(units(o) for o, _ in candidates[:FORM_ROWS]) < policy.min_tour_units * idle and not urgent:
                return decisions  # wait for a fuller cart: nothing is due yet (checked before planning)
            tours = await self._form(warehouse, candidates, idle * policy.lookahead, cart, policy)
            chosen = [o for tour in tours for o in tour.orders]
            picked = {o.order_id for o in chosen}
            earliest = min((d for o, d in candidates if d is not None and o.order_id in picked), default=None)
            urgent = earliest is not None and earliest - now <= policy.early_minutes * 60
            if sum(units(o) for o in chosen) < policy.min_tour_units * idle and not urgent:
                return decisions  # wait for a fuller cart: nothing is due yet
            formed, alone = sum(t.length for t in tours), sum(t.alone for t in tours)
            reason = (f"{idle} picker(s) idle and no task ready: {len(chosen)} orders for {len(tours)} tour(s) of "
                      f"{cart} items, due first (earliest ship-by {_clock(earliest)}), then priority, then "
                      f"batching gain: {formed:.0f} m as formed against {alone:.0f} m picking each order alone")
            ranking = [r for tour in tours for r in tour.ranked]
            decisions += await self._release(warehouse, policy, chosen, reason, present, idle, rate, earliest,
                                             ranking)
        return decisions

    async def _form(self, warehouse: str, candidates: list[tuple[Order, int | None]], tours: int, cart: int,
                    policy: ReleasePolicy) -> list[Tour]:
        """The next ``tours`` carts (:func:`floor.waves.tours.form_tours`), each order's picks placed
        at the fullest free location of each SKU (as the planner allocates)."""
        rows = candidates[:FORM_ROWS]
        layout = await self.waves.layouts.get(warehouse)
        free = await self.waves.stock.free(warehouse, sorted({line.sku for o, _ in rows for line in o.lines}))
        picks = {}
        for order, _due in rows:
            places = []
            for line in order.lines:
                locations = free.get(line.sku, {})
                best = max(locations, key=lambda loc: (locations[loc], loc), default="")
                parsed = parse_location(best) if best else None
                if parsed is not None and 1 <= parsed.aisle <= layout.aisles and 1 <= parsed.cell <= layout.cells:
                    places.append((parsed.aisle - 1, parsed.cell - 1))
            picks[order.order_id] = (np.array([a for a, _ in places], dtype=np.int64),
                                     np.array([c for _, c in places], dtype=np.int64))
        return await self.waves.in_thread(form_tours, rows, picks, kernel_warehouse(layout), tours, cart,
                                       policy.tie_minutes * 60, policy.budget_ms * EVALUATIONS_PER_MS)

    async def _placed(self, warehouse: str, orders: list[Order], policy: ReleasePolicy) -> dict[str, dict[str, str]]:
        """Per order, the groupings read from master data (only those ``group_by`` names): ``zone`` =
        the layout zones of the pick faces its lines would be picked from (the fullest free location
        of each SKU, as the planner allocates), ``category`` = its SKUs' ``category`` attribute."""
        wanted = [name for name in PLACED if name in policy.group_by]
        if not wanted or not orders:
            return {}
        skus = sorted({line.sku for o in orders for line in o.lines})
        categories = await self.store.categories(warehouse, skus) if "category" in wanted else {}
        aisle_zone: dict[int, str] = {}
        free: dict[str, dict[str, int]] = {}
        if "zone" in wanted:
            for name, first, last in await self.wave_store.zones(warehouse):
                aisle_zone.update({aisle: name for aisle in range(first, last + 1)})
            free = await self.waves.stock.free(warehouse, skus)
        placed: dict[str, dict[str, str]] = {}
        for order in orders:
            facts: dict[str, str] = {}
            if "category" in wanted:
                facts["category"] = joined({categories[line.sku] for line in order.lines if categories.get(line.sku)})
            if "zone" in wanted:
                zones = set()
                for line in order.lines:
                    locations = free.get(line.sku, {})
                    best = max(locations, key=lambda loc: (locations[loc], loc), default="")
                    parsed = parse_location(best) if best else None
                    if parsed is not None and parsed.aisle in aisle_zone:
                        zones.add(aisle_zone[parsed.aisle])
                facts["zone"] = joined(zones)
            placed[order.order_id] = facts
        return placed

    async def _candidates(self, warehouse: str, policy: ReleasePolicy, now: int) -> list[tuple[Order, int | None]]:
        """Reserved orders with the ship-by they can still make (a missed pick-up rolls to the next),
        most urgent first."""
        ids = await self.orders.reserved_ids(warehouse, min(CANDIDATES, max(policy.max_orders, 200)))
        orders = [o for o in await self.orders.many(warehouse, ids) if o.status == "reserved"]
        rows = [(o, ship_by(o, policy, self.time_zone, now)) for o in orders]
        rows.sort(key=lambda row: urgency_key(*row))
        return rows

    async def backlog_units(self, warehouse: str) -> int:
        """Units released but not yet picked or shorted (the work ahead of a new release)."""
        waves = await self.wave_store.recent(warehouse, 200)
        return sum(max(0, w.units - w.picked_units - w.short_units) for w in waves if w.status == "released")

    async def _release(self, warehouse: str, policy: ReleasePolicy, chosen: list[Order], reason: str,
                       present: int, idle: int, rate: float, earliest: int | None,
                       ranking: list[Ranked] | None = None) -> list[Decision]:
        """Release ``chosen`` as one wave per group (``group_by``) and record one decision."""
        groups: dict[tuple[str, ...], list[str]] = {}
        placed = await self._placed(warehouse, chosen, policy)
        for order in chosen:
            groups.setdefault(group_key(order, policy, placed.get(order.order_id)), []).append(order.order_id)
        stamp = new_id("R")
        wave_ids: list[str] = []
        released: list[str] = []
        cart = policy.cart_capacity or self.cart_capacity
        for index, (key, order_ids) in enumerate(groups.items()):
            wave_id = f"{stamp}-{index}"
            command = ReleaseWave(wave_id=wave_id, order_ids=order_ids, planner="optimal", cart_capacity=cart,
                                  strategy=wave_strategy(key, policy))
            try:
                await self.waves.release(warehouse, command, SENDER, budget_s=policy.budget_ms / 1000)
            except FloorError as error:  # stock or orders moved: the next round decides again
                log.info("release %s of %s refused: %s", wave_id, warehouse, error.reason)
                continue
            wave_ids.append(wave_id)
            released += order_ids
            if key:
                reason += f"; group {'/'.join(key)}"
        if not wave_ids:
            return []
        decision = Decision(
            decision_id=stamp, mode=policy.mode, at_ms=int(time.time() * 1000), reason=reason, orders=released,
            waves=wave_ids, pickers_present=present, pickers_idle=idle, rate_units_per_hour=round(rate * 3600, 1),
            earliest_ship_by=earliest, ranking=[r for r in ranking or [] if r.order_id in set(released)],
        )
        await self.store.record(warehouse, decision)
        return [decision]

    async def late_risk(self, warehouse: str, *, now_s: int | None = None,
                        rate: float | None = None) -> list[tuple[str, int, int]]:
        """Released orders (oldest wave first) that will miss ship-by at the current rate: (order id,
        expected finish, ship-by), each also raised once as a ``late_risk`` floor exception."""
        view = await self.policy(warehouse)
        now_ms, present, _idle, _ready = await self.store.floor_state(warehouse)
        now = int(now_ms // 1000) if now_s is None else now_s
        if rate is None:
            rate = await self.rate(warehouse, now_ms, present, view.policy)
        waves = [w for w in reversed(await self.wave_store.recent(warehouse, 200)) if w.status == "released"]
        order_ids = [o for w in waves for o in w.orders][:5000]
        rows = []
        for order in await self.orders.many(warehouse, order_ids):
            if order.status == "released":
                left = units(order) - order.picked_units - order.short_units
                rows.append((order.order_id, max(left, 0), ship_by(order, view.policy, self.time_zone)))
        at_risk = late(rows, rate, now, view.policy.late_warning_minutes * 60)
        for order_id, finish, due in at_risk:
            detail = f"order {order_id} expected picked {_clock(finish)}, ship-by {_clock(due)} at the current rate"
            await self.incidents.raise_one(warehouse, new_id("X"), "late_risk", "", "", "", "", detail, SENDER,
                                           f"late-{order_id}"[:64])
        return at_risk


def _clock(epoch_s: int | None) -> str:
    return "-" if epoch_s is None else time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(epoch_s))
