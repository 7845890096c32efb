"""Replay a year of seeded synthetic daily demand through three reorder policies, side by side.

SKUs: smooth, erratic, lumpy, intermittent, trend and weekly-seasonal demand (4 seeds each). Each
policy reviews every day, orders when the inventory position (on hand + on order) is at or below its
reorder point (up to reorder point + order quantity), and receives after a fixed lead time; demand
not served from stock is lost. Policies:

- ``forecast``: the floor's policy (floor/planning/forecast.py): the model chosen per SKU by the
  rolling-origin backtest (every 28 days), re-fitted every 7 days; reorder point = lead-time
  forecast + k * sigma, k from the fill-rate target.
- ``naive``: the same reorder rule (the same k calibration) with a naive forecast (the last 7 days'
  mean, its own errors): only the forecast differs.
- ``minmax``: fixed min / max from the training history (min = 1.5 x lead-time demand, max = min +
  a week's demand), never updated.

Reports per policy: the fill rate (units served / demanded), the average units on hand, and the
number of replenishment orders. Usage: ``python bench/replenish_sim.py [--skus-per-kind 4]
[--days 365] [--lead-time 5] [--fill-rate 0.95] [--seed 7]``.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable

import numpy as np

from floor.planning.forecast import Forecast, Policy, forecast, policy, safety_factor, select_model

KINDS = ("smooth", "erratic", "lumpy", "intermittent", "trend", "seasonal")
HISTORY = 182
WEEK = np.array([0.8, 1.0, 1.1, 1.1, 1.2, 1.4, 0.4])


def demand(kind: str, days: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(days)
    if kind == "smooth":
        return rng.poisson(rng.uniform(15, 30), days).astype(float)
    if kind == "erratic":
        mean = rng.uniform(8, 20)
        return rng.negative_binomial(1.2, 1.2 / (1.2 + mean), days).astype(float)
    if kind == "lumpy":
        return ((rng.random(days) < rng.uniform(0.15, 0.3)) * rng.geometric(1 / rng.uniform(8, 20), days)).astype(float)
    if kind == "intermittent":
        return ((rng.random(days) < rng.uniform(0.08, 0.2)) * rng.integers(1, 4, days)).astype(float)
    if kind == "trend":
        base = rng.uniform(6, 12)
        return rng.poisson(base * (1 + 1.5 * t / days) * WEEK[t % 7]).astype(float)
    return rng.poisson(rng.uniform(10, 25) * WEEK[t % 7] ** 2).astype(float)  # seasonal: strong weekly shape


Planner = Callable[[np.ndarray, int], Policy]


def forecast_planner(fill_rate: float, lead_time: int) -> Planner:
    chosen: dict[int, str] = {}

    def plan(history: np.ndarray, day: int) -> Policy:
        key = id(history.base) if history.base is not None else 0
        if day % 28 == 0 or key not in chosen:
            chosen[key] = select_model(history, lead_time)
        return policy(forecast(history, lead_time, chosen[key]), lead_time, fill_rate, history=history)

    return plan


def naive_planner(fill_rate: float, lead_time: int) -> Planner:
    def plan(history: np.ndarray, _day: int) -> Policy:
        daily = float(np.mean(history[-7:]))
        errors = [float(np.sum(history[t:t + lead_time])) - float(np.mean(history[t - 7:t])) * lead_time
                  for t in range(len(history) - 91, len(history) - lead_time + 1)]
        sigma = float(np.sqrt(np.mean(np.square(errors))))
        tail = [float(np.mean(history[t - 7:t])) for t in range(len(history) - 126, len(history))]
        fc = Forecast("naive", [daily] * lead_time, daily * lead_time, sigma, 0.0, tail)
        return policy(fc, lead_time, fill_rate, history=history)  # the same calibrated rule: only the forecast differs

    return plan


def minmax_planner(lead_time: int) -> Planner:
    fixed: dict[int, Policy] = {}

    def plan(history: np.ndarray, _day: int) -> Policy:
        key = id(history.base) if history.base is not None else 0
        if key not in fixed:
            daily = float(np.mean(history[:HISTORY]))
            low = math.ceil(1.5 * daily * lead_time)
            fixed[key] = Policy(low, low - math.ceil(daily * lead_time), max(1, math.ceil(daily * 7)), 0.0)
        return fixed[key]

    return plan


def simulate(series: np.ndarray, plan: Planner, lead_time: int, refit_every: int = 7) -> tuple[float, float, int, float]:
    """(units demanded, units served, replenishment orders, mean units on hand) over the replay."""
    current = plan(series[:HISTORY], 0)
    on_hand = current.reorder_point + current.order_qty
    arrivals: dict[int, int] = {}
    demanded = served = 0.0
    orders = 0
    stock_sum = 0.0
    days = len(series) - HISTORY
    for n in range(days):
        day = HISTORY + n
        on_hand += arrivals.pop(day, 0)
        if n and n % refit_every == 0:
            current = plan(series[:day], n)
        want = series[day]
        got = min(on_hand, want)
        demanded, served, on_hand = demanded + want, served + got, on_hand - got
        position = on_hand + sum(arrivals.values())
        if position <= current.reorder_point:
            qty = current.reorder_point + current.order_qty - position
            arrivals[day + lead_time] = arrivals.get(day + lead_time, 0) + int(qty)
            orders += 1
        stock_sum += on_hand
    return demanded, served, orders, stock_sum / days


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus-per-kind", type=int, default=4)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--lead-time", type=int, default=5)
    parser.add_argument("--fill-rate", type=float, default=0.95)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    skus = [(kind, demand(kind, HISTORY + args.days, rng)) for kind in KINDS for _ in range(args.skus_per_kind)]
    planners = {
        "forecast": lambda: forecast_planner(args.fill_rate, args.lead_time),
        "naive": lambda: naive_planner(args.fill_rate, args.lead_time),
        "minmax": lambda: minmax_planner(args.lead_time),
    }
    print(f"{len(skus)} SKUs x {args.days} days, lead time {args.lead_time} d, target fill rate {args.fill_rate:.0%}, "
          f"seed {args.seed}; safety_factor(0.95, Q=50, sigma=20) = {safety_factor(0.95, 50, 20):.2f}")
    rows = {}
    for name, make in planners.items():
        started = time.perf_counter()
        per_kind: dict[str, list[float]] = {kind: [0.0, 0.0, 0.0, 0.0] for kind in KINDS}
        for kind, series in skus:
            d, s, o, st = simulate(series, make(), args.lead_time)
            acc = per_kind[kind]
            acc[0] += d
            acc[1] += s
            acc[2] += o
            acc[3] += st
        total = [sum(acc[i] for acc in per_kind.values()) for i in range(4)]
        rows[name] = total
        kinds = "  ".join(f"{kind} {acc[1] / acc[0]:.1%}/{acc[3]:.0f}" for kind, acc in per_kind.items())
        print(f"{name:9s} fill rate {total[1] / total[0]:.2%}  avg stock {total[3]:8.0f} units  "
              f"replenishments {int(total[2]):5d}  ({time.perf_counter() - started:.0f} s)\n          by kind "
              f"(fill rate / avg stock): {kinds}")
    ours = rows["forecast"]
    for name in ("naive", "minmax"):
        print(f"forecast vs {name}: avg stock {ours[3] / rows[name][3]:.2f}x, fill rate "
              f"{(ours[1] / ours[0] - rows[name][1] / rows[name][0]) * 100:+.2f} points")


if __name__ == "__main__":
    main()
