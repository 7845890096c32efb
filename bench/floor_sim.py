"""A simulated day of a 20-picker warehouse through the real release policies, kernels and Redis scripts.

    .venv/bin/python bench/floor_sim.py [--pickers 20] [--scale 1.0] [--seeds 1 2 3 4 5] [--modes manual cutoff continuous]

Discrete-event simulation in simulated time (08:00-18:00, Asia/Shanghai), one run per release mode
on its own warehouse of one real redis-server (started here):

- the warehouse: 20 aisles x 30 cells (5 m between aisles, 1 m cells: the default layout), 600 SKUs
  one location each, popularity skewed (20 % of SKUs get 80 % of the lines);
- orders (seeded): an overnight backlog received 18:00-08:00, then arrivals over the day with
  channel peaks (tmall 10-11, douyin 14-15 live streams, jd 9-10); 1-5 lines of 1-2 units;
  received through the real intake script, their ``created_ms`` set to the simulated arrival time;
- carriers and cut-offs (per carrier): pick-ups SF_STD, JD_STD and YTO_STD at 12:00 and 17:00,
  ZTO_STD at 17:00 only, EMS_STD at 12:00 only (policy cut-offs naming the carrier). tmall orders
  name ZTO/YTO/SF (4:4:2), douyin ZTO/YTO (1:1), own_site EMS for 3 in 10; the rest name none and
  take their channel's carrier rule (jd -> JD_STD, own_site -> SF_STD). 30 min packing lead: an
  order's ship-by is its carrier's next pick-up at or after arrival minus 30 min (11:30 or 16:30;
  the policy's own :func:`floor.waves.policy.ship_by`); later arrivals ship tomorrow and are not
  counted. ``--cutoffs any`` is the earlier instance: no carriers, 12:00 and 17:00 for every order
  (the same order stream as before carriers existed);
- pickers: 20 present all day; a tour takes setup 120 s + route length / 0.8 m/s + 10 s per line +
  3 s per further unit (walking 48 m/min and ~10 s per pick as in the order-batching literature,
  e.g. Henn et al. 2010; setup 2 min) and is then scanned step by step through the real scan
  script (location + item), so order, wave and task state move as on the floor;
- release: ``manual`` = a supervisor releases every reserved order as one wave at 08:00, 09:30,
  11:00, 13:00, 14:30 and 16:00 (cart 30 items, optimal planner); ``cutoff`` and ``continuous`` =
  :meth:`floor.waves.release.Release.tick` every 5 simulated minutes and whenever a picker is idle,
  with the simulated clock and the pick rate measured over the last 15 simulated minutes.

Reported per mode (medians over ``--seeds``): orders due today shipped on time (picked by their
first ship-by; also split by the 11:30 and 16:30 ship-by), picker
utilisation (busy / present), idle hours, km walked, tours, release decisions, real seconds.
The machine is shared with other engineers' work. Simulated results depend on it a little: waves of
31-300 orders are planned against a wall-clock budget, and automatic release adds its measured
planning time to the simulated clock (so a loaded machine penalises cut-off and continuous release).
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import os
import random
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import msgspec
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from floor.floor import Floor  # noqa: E402
from floor.layout.model import parse_location  # noqa: E402
from floor.orders.model import NewOrder, OrderLine  # noqa: E402
from floor.run.demo import DemoCredentials, demo_data, load_demo  # noqa: E402
from floor.store import keys  # noqa: E402
from floor.waves.model import ReleaseWave  # noqa: E402
from floor.waves.optimal import kernel_warehouse, warm_up  # noqa: E402
from floor.waves.policy import CarrierRule, Cutoff, ReleasePolicy, ship_by  # noqa: E402
from kernels.routing import plan_route  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402

TZ = "Asia/Shanghai"
DAY = datetime(2026, 12, 4, tzinfo=ZoneInfo(TZ))
START, END = 8.0, 18.0  # shift, hours
SPEED = 0.8  # m/s
SETUP_S, LINE_S, UNIT_S = 120.0, 10.0, 3.0
CART = 30
MANUAL_WAVES = (8.0, 9.5, 11.0, 13.0, 14.5, 16.0)
TICK_S = 300
CHANNEL_PEAKS = {"tmall": (10, 11, 260), "douyin": (14, 15, 260), "jd": (9, 10, 160)}  # orders/h extra
BASE_PER_HOUR = {"tmall": 70, "jd": 60, "douyin": 40, "own_site": 30}
# carrier pick-ups (per carrier service; the catalogue's own cut-offs are later in the day)
PICKUPS = {"SF_STD": ("12:00", "17:00"), "JD_STD": ("12:00", "17:00"), "YTO_STD": ("12:00", "17:00"),
           "ZTO_STD": ("17:00",), "EMS_STD": ("12:00",)}
# carrier named on the order by the channel (weights); '' = none given: the channel's carrier rule decides
ORDER_CARRIERS = {"tmall": {"ZTO_STD": 4, "YTO_STD": 4, "SF_STD": 2}, "douyin": {"ZTO_STD": 5, "YTO_STD": 5},
                  "jd": {"": 1}, "own_site": {"": 7, "EMS_STD": 3}}
RULES = [CarrierRule("jd", "JD_STD"), CarrierRule("own_site", "SF_STD")]
CARRIERS = True  # --cutoffs any: no carriers, 12:00 and 17:00 for every order (the earlier instance)
POLICY: dict[str, object] = dict(
    cutoffs=[Cutoff(t, carrier=c) for c, times in PICKUPS.items() for t in times], carrier_rules=RULES,
    lead_minutes=30, cart_capacity=CART, budget_ms=300, unit_seconds=25.0, early_minutes=45, max_orders=2000,
    min_tour_units=20)


def at(hours: float) -> int:
    return int(DAY.timestamp() + hours * 3600)


def arrivals(seed: int, scale: float, skus: list[str]) -> list[tuple[int, NewOrder]]:
    rng = random.Random(seed)
    weights = [8.0 if i < len(skus) // 5 else 0.5 for i in range(len(skus))]
    out: list[tuple[int, NewOrder]] = []

    def order(t: float, channel: str) -> None:
        lines = rng.choices(skus, weights, k=rng.choices((1, 2, 3, 4, 5), (45, 25, 15, 10, 5))[0])
        body = [OrderLine(s, rng.choice((1, 1, 1, 2))) for s in dict.fromkeys(lines)]
        carrier = ""
        if CARRIERS:  # (the draw is skipped without carriers: the same orders as before they existed)
            carriers = ORDER_CARRIERS[channel]
            carrier = rng.choices(list(carriers), list(carriers.values()))[0]
        out.append((at(t), NewOrder(channel, f"{channel}-{len(out)}", body, carrier=carrier)))

    for _ in range(int(900 * scale)):  # overnight backlog, 18:00 yesterday .. 08:00
        order(rng.uniform(-6.0, START), rng.choice(list(BASE_PER_HOUR)))
    for channel, base in BASE_PER_HOUR.items():
        t = START
        while t < END:
            first, last, extra = CHANNEL_PEAKS.get(channel, (0, 0, 0))
            rate = (base + (extra if first <= t < last else 0)) * scale
            t += rng.expovariate(rate)
            if t < END:
                order(t, channel)
    out.sort(key=lambda row: row[0])
    return out


class Sim:
    def __init__(self, floor: Floor, w: str, mode: str, pickers: list[str]) -> None:
        self.floor, self.w, self.mode, self.pickers = floor, w, mode, pickers
        self.events: list[tuple[int, int, str, object]] = []
        self.seq = 0
        self.busy_s = 0.0
        self.idle_since: dict[str, int] = {}
        self.idle_s = 0.0
        self.walked = 0.0
        self.tours = 0
        self.done_at: dict[str, int] = {}
        self.picked_log: list[tuple[int, int]] = []  # (time, units)
        self.decisions = 0
        self.warehouse = None

    def push(self, t: int, kind: str, payload: object = None) -> None:
        self.seq += 1
        heapq.heappush(self.events, (t, self.seq, kind, payload))

    def rate(self, now: int) -> float | None:
        window = [u for t, u in self.picked_log if t > now - 900]
        return sum(window) / 900 if window else None

    async def start_task(self, picker: str, task_id: str, now: int) -> None:
        task = await self.floor.picking.task(self.w, task_id)
        positions = [parse_location(s.location) for s in task.steps]
        route = plan_route(self.warehouse, np.array([p.aisle - 1 for p in positions if p]),
                           np.array([p.cell - 1 for p in positions if p]))
        seconds = SETUP_S + route.length / SPEED + sum(LINE_S + UNIT_S * (s.quantity - 1) for s in task.steps)
        self.walked += route.length
        self.tours += 1
        self.busy_s += seconds
        if picker in self.idle_since:
            self.idle_s += now - self.idle_since.pop(picker)
        self.push(now + int(seconds), "done", (picker, task_id))

    async def hand_out(self, now: int) -> None:
        for picker in [p for p in self.pickers if p in self.idle_since]:
            task_id = await self.floor.picking.assign(self.w, picker)
            if task_id:
                await self.start_task(picker, task_id, now)

    async def finish(self, picker: str, task_id: str, now: int) -> None:
        task = await self.floor.picking.task(self.w, task_id)
        for n, step in enumerate(task.steps):
            await self.floor.picking.scan(self.w, picker, task_id, f"{task_id}-l{n}", step.location, 1)
            await self.floor.picking.scan(self.w, picker, task_id, f"{task_id}-i{n}", step.gtin, step.quantity)
        self.picked_log.append((now, sum(s.quantity for s in task.steps)))
        for order_id in {s.order_id for s in task.steps}:
            if order_id not in self.done_at:
                status = await self.floor.client.hget(keys.key(self.w, "order", order_id), "status")
                if status in ("picked", "picked_short"):
                    self.done_at[order_id] = now
        self.idle_since[picker] = now
        next_task = await self.floor.picking.assign(self.w, picker)
        if next_task:
            await self.start_task(picker, next_task, now)

    async def decide(self, now: int) -> None:
        if self.mode == "manual":
            return
        started = time.perf_counter()
        decisions = await self.floor.release.tick(self.w, now_s=now, rate=self.rate(now))
        self.decisions += len(decisions)
        delay = int(time.perf_counter() - started + 0.5)  # planning time passes on the floor too
        await self.hand_out(now + delay)

    async def run(self, orders: list[tuple[int, NewOrder]]) -> dict[str, float]:
        layout = await self.floor.layouts.get(self.w)
        self.warehouse = kernel_warehouse(layout)
        if self.mode != "manual":
            await self.floor.release.set_policy(self.w, ReleasePolicy(mode=self.mode, **POLICY), "sim", 0)
        for picker in self.pickers:
            await self.floor.picking.join(self.w, picker, f"sock-{picker}", 3_600_000)
            await self.floor.picking.assign(self.w, picker)
            self.idle_since[picker] = at(START)
        for t, order in orders:
            self.push(max(t, at(START) - 1), "arrive", (t, order))
        for hour in MANUAL_WAVES if self.mode == "manual" else ():
            self.push(at(hour), "manual")
        for t in range(at(START), at(END + 2), TICK_S):
            self.push(t, "tick")
        ids: dict[str, int] = {}
        while self.events:
            now, _, kind, payload = heapq.heappop(self.events)
            if kind == "arrive":
                received, order = payload  # type: ignore[misc]
                order = msgspec.structs.replace(order, warehouse=self.w)
                _repeat, placed = await self.floor.orders.intake(self.w, order)
                await self.floor.client.hset(keys.key(self.w, "order", placed.order_id), "created_ms", received * 1000)
                ids[placed.order_id] = received
                if now >= at(START) and self.idle_since and self.mode == "continuous":
                    await self.decide(now)
            elif kind == "done":
                picker, task_id = payload  # type: ignore[misc]
                await self.finish(picker, task_id, now)
                if picker in self.idle_since:
                    await self.decide(now)
            elif kind == "tick":
                await self.decide(now)
            elif kind == "manual":
                await self.floor.waves.release(self.w, ReleaseWave(f"M{now}", max_orders=2000, cart_capacity=CART))
                await self.hand_out(now)
        for since in self.idle_since.values():
            self.idle_s += max(0, at(END) - since)
        return await self.report(ids)

    async def report(self, ids: dict[str, int]) -> dict[str, float]:
        policy = ReleasePolicy(mode="cutoff", **POLICY)
        due_today = on_time = noon = noon_on_time = 0
        for order in await self.floor.orders.store.many(self.w, list(ids)):
            due = ship_by(order, policy, TZ)
            if due is None or due > at(END):
                continue
            made = self.done_at.get(order.order_id, 2**62) <= due
            due_today += 1
            on_time += made
            if due <= at(12.0):
                noon += 1
                noon_on_time += made
        present = len(self.pickers) * (END - START) * 3600
        return {"orders": len(ids), "due_today": due_today, "on_time": on_time,
                "on_time_pct": 100.0 * on_time / max(due_today, 1),
                "noon_pct": 100.0 * noon_on_time / max(noon, 1),
                "afternoon_pct": 100.0 * (on_time - noon_on_time) / max(due_today - noon, 1),
                "utilisation_pct": 100.0 * min(self.busy_s, present) / present, "idle_h": self.idle_s / 3600,
                "km": self.walked / 1000, "tours": self.tours, "decisions": self.decisions,
                "m_per_unit": self.walked / max(sum(u for _, u in self.picked_log), 1)}


COLUMNS = (("on_time_pct", "on time %", 1), ("noon_pct", "11:30 on time %", 1),
           ("afternoon_pct", "16:30 on time %", 1), ("utilisation_pct", "utilisation %", 1), ("idle_h", "idle h", 1),
           ("km", "km walked", 1), ("m_per_unit", "m / unit", 1), ("tours", "tours", 0), ("decisions", "decisions", 0),
           ("real_s", "real s", 0))


async def one(server: RedisServer, index: int, mode: str, seed: int, args: argparse.Namespace) -> dict[str, float]:
    floor = Floor.from_url(server.url)
    await floor.start()
    try:
        w = f"S{index}"
        data = demo_data(w, aisles=20, cells=30, skus=600, orders=0, units_per_location=5000, seed=seed)
        creds = DemoCredentials(pickers=[(f"{w}p{n}", f"{w}B{n}", f"{1000 + n}") for n in range(args.pickers)],
                                users=[])
        await load_demo(floor, data, creds)
        orders = arrivals(seed, args.scale, [s.sku for s in data.skus])
        started = time.perf_counter()
        result = await Sim(floor, w, mode, [p for p, _, _ in creds.pickers]).run(orders)
        result["real_s"] = time.perf_counter() - started
        return result
    finally:
        await floor.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pickers", type=int, default=20)
    parser.add_argument("--scale", type=float, default=1.0, help="order volume multiplier")
    parser.add_argument("--seeds", type=int, nargs="+", default=[7])
    parser.add_argument("--modes", nargs="+", default=["manual", "cutoff", "continuous"])
    parser.add_argument("--lookahead", type=int, default=1, help="continuous: tours planned per idle picker")
    parser.add_argument("--cutoffs", choices=("carrier", "any"), default="carrier",
                        help="carrier: per-carrier pick-ups; any: 12:00 and 17:00 for every order, no carriers")
    args = parser.parse_args()
    warm_up()
    POLICY["lookahead"] = args.lookahead
    if args.cutoffs == "any":
        global CARRIERS
        CARRIERS = False
        POLICY.update(cutoffs=[Cutoff("12:00"), Cutoff("17:00")], carrier_rules=[])
    server = RedisServer()
    rows: dict[str, list[dict[str, float]]] = {mode: [] for mode in args.modes}
    load_start = os.getloadavg()
    try:
        index = 0
        for seed in args.seeds:
            for mode in args.modes:
                index += 1
                result = await one(server, index, mode, seed, args)
                rows[mode].append(result)
                print(f"seed {seed} {mode}", {k: round(v, 2) for k, v in result.items()}, flush=True)
    finally:
        server.stop()
    load_end = os.getloadavg()
    print(f"\nscale {args.scale}, seeds {args.seeds}, lookahead {args.lookahead}, cut-offs {args.cutoffs}; load average at start "
          f"{load_start[0]:.1f} / {load_start[1]:.1f}, at end {load_end[0]:.1f} / {load_end[1]:.1f} (1 / 5 min)")
    print(f"medians over {len(args.seeds)} seed(s):\n")
    print("| mode | orders | due today | " + " | ".join(label for _, label, _ in COLUMNS) + " |")
    print("|---|---|---|" + "---|" * len(COLUMNS))
    for mode, results in rows.items():
        med = {k: statistics.median(r[k] for r in results) for k in results[0]}
        cells = [f"{med[k]:.{digits}f}" for k, _, digits in COLUMNS]
        print(f"| {mode} | {med['orders']:.0f} | {med['due_today']:.0f} | " + " | ".join(cells) + " |")
    if len(args.seeds) > 1:
        print("\non time % per seed: " + "; ".join(
            f"{mode} " + ", ".join(f"{r['on_time_pct']:.1f}" for r in results) for mode, results in rows.items()))


if __name__ == "__main__":
    asyncio.run(main())
