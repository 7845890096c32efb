"""Demand forecasts and reorder points (pure: numpy + statsforecast, no I/O; never on a web request).

Per SKU x warehouse: a daily demand series (shipped units). Candidate models from statsforecast:
Croston (classic), SBA, TSB and ADIDA for intermittent demand, ETS (A,N,N and A,N,A weekly) for
smooth demand. :func:`select_model` picks per series by a rolling-origin backtest: at each origin
the model is fitted on the history before it and the error of the lead-time sum is measured (MAE).

Reorder point = forecast demand over the lead time + safety stock. The safety stock comes from the
chosen model's lead-time forecast error (its in-sample one-step fit summed over lead-time windows)
and the target service level read as a FILL RATE (the share of demanded units served from stock):
the safety factor k solves G(k) = (1 - fill rate) * Q / sigma_L (G: the standard normal loss
function), so it is no larger than needed; with enough history k is instead the smallest one whose
replay of the last 18 weeks serves the target (the loss-function k over-serves under lost sales and
misjudges lumpy demand). ABC (by units) and XYZ (by variability) on the way.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import msgspec
import numpy as np
from numpy.typing import NDArray

Series = NDArray[np.float64]

INTERMITTENT_ADI = 1.32  # average demand interval above which demand counts as intermittent (Syntetos-Boylan)


def _models(intermittent: bool) -> dict[str, Callable[[], Any]]:
    from statsforecast.models import ADIDA, TSB, AutoETS, CrostonClassic, CrostonSBA

    models: dict[str, Callable[[], Any]] = {
        "croston": CrostonClassic, "sba": CrostonSBA, "tsb": lambda: TSB(alpha_d=0.2, alpha_p=0.2), "adida": ADIDA,
        "ets_ann": lambda: AutoETS(model="ANN"),
    }
    if not intermittent:
        models["ets_ana"] = lambda: AutoETS(season_length=7, model="ANA")
    return models


class Forecast(msgspec.Struct, frozen=True):
    method: str
    daily: list[float]  # forecast per day for the horizon
    lead_time_demand: float  # forecast units over the lead time
    sigma_lead_time: float  # std. dev. of the lead-time forecast error
    backtest_mae: float  # of the lead-time sum, at the rolling origins
    fitted_tail: list[float] = []  # one-step forecasts of the last days of history (for calibration)


class Policy(msgspec.Struct, frozen=True):
    reorder_point: int
    safety: int
    order_qty: int
    k: float


def adi(series: Series) -> float:
    """Average demand interval: days per day with demand (inf when there is none)."""
    nonzero = int(np.count_nonzero(series))
    return len(series) / nonzero if nonzero else math.inf


def _fit(make: Callable[[], Any], history: Series, horizon: int, fitted: bool = False) -> dict[str, Any]:
    result: dict[str, Any] = make().forecast(y=history, h=horizon, fitted=fitted)
    return result


def backtest(make: Callable[[], Any], series: Series, lead_time: int, origins: int, step: int) -> float:
    """MAE of the lead-time sum over ``origins`` rolling origins ``step`` days apart (latest last)."""
    errors = []
    for n in range(origins, 0, -1):
        cut = len(series) - lead_time - (n - 1) * step
        if cut < 28:
            continue
        mean = _fit(make, series[:cut], lead_time)["mean"]
        errors.append(abs(float(np.sum(mean)) - float(np.sum(series[cut:cut + lead_time]))))
    return float(np.mean(errors)) if errors else math.inf


def select_model(series: Series, lead_time: int, origins: int = 4, step: int = 7) -> str:
    """The candidate with the smallest rolling-origin backtest error (ties: the simpler, listed first)."""
    if not np.any(series):
        return "croston"
    candidates = _models(adi(series) >= INTERMITTENT_ADI)
    scores = {name: backtest(make, series, lead_time, origins, step) for name, make in candidates.items()}
    return min(scores, key=lambda name: (scores[name], list(candidates).index(name)))


def forecast(series: Series, lead_time: int, method: str, window: int = 91) -> Forecast:
    """Fit ``method`` on the whole series: the lead-time demand and its error spread (from the
    in-sample fit over the last ``window`` days, lead-time windows)."""
    if not np.any(series):
        return Forecast(method, [0.0] * lead_time, 0.0, 0.0, 0.0)
    make = _models(False).get(method) or _models(True)[method]
    result = _fit(make, series, lead_time, fitted=True)
    mean = np.maximum(np.asarray(result["mean"], dtype=np.float64), 0.0)
    fitted = np.nan_to_num(np.asarray(result["fitted"], dtype=np.float64), nan=float(np.mean(series)))
    start = max(1, len(series) - window)
    actual_sums, fit_sums = [], []
    for t in range(start, len(series) - lead_time + 1):
        actual_sums.append(float(np.sum(series[t:t + lead_time])))
        fit_sums.append(float(fitted[t]) * lead_time if method not in ("ets_ana",)
                        else float(np.sum(fitted[t:t + lead_time])))
    errors = np.asarray(actual_sums) - np.asarray(fit_sums)
    sigma = float(np.sqrt(np.mean(errors ** 2))) if len(errors) else 0.0
    tail = [float(v) for v in fitted[-CALIBRATION_DAYS:]]
    return Forecast(method, [float(v) for v in mean], float(np.sum(mean)), sigma, 0.0, tail)


CALIBRATION_DAYS = 126
K_GRID = [round(-1.0 + 0.1 * n, 1) for n in range(41)]  # -1.0 .. 3.0


def simulated_fill_rate(demand: Series, daily_forecast: Series, lead_time: int, order_qty: int, sigma: float,
                        k: float) -> float:
    """Replay ``demand`` through the (reorder point, order quantity) rule with reorder point =
    lead-time forecast + k sigma, lost sales: the share of units served from stock."""
    rop = daily_forecast * lead_time + k * sigma
    on_hand = float(rop[0] + order_qty)
    pipeline = [0.0] * (lead_time + 1)
    served = wanted = 0.0
    for t in range(len(demand)):
        on_hand += pipeline.pop(0)
        pipeline.append(0.0)
        got = min(on_hand, float(demand[t]))
        served, wanted, on_hand = served + got, wanted + float(demand[t]), on_hand - got
        position = on_hand + sum(pipeline)
        if position <= rop[t]:
            pipeline[lead_time - 1] += math.ceil(rop[t] + order_qty - position)
    return served / wanted if wanted else 1.0


def calibrated_k(demand: Series, fc: Forecast, lead_time: int, order_qty: int, fill_rate: float) -> float | None:
    """The smallest k on the grid whose replay of the recent history serves the target fill rate
    (None when the history is too thin to say: fewer than 12 days with demand)."""
    tail = np.asarray(fc.fitted_tail, dtype=np.float64)
    recent = demand[-len(tail):] if len(tail) else demand[:0]
    if np.count_nonzero(recent) < 12 or fc.sigma_lead_time <= 0:
        return None
    for k in K_GRID:
        if simulated_fill_rate(recent, tail, lead_time, order_qty, fc.sigma_lead_time, k) >= fill_rate:
            return k
    return K_GRID[-1]


def loss(k: float) -> float:
    """Standard normal loss function G(k) = phi(k) - k (1 - Phi(k))."""
    phi = math.exp(-k * k / 2) / math.sqrt(2 * math.pi)
    return phi - k * 0.5 * math.erfc(k / math.sqrt(2))


def safety_factor(fill_rate: float, order_qty: float, sigma: float, low: float = -1.0, high: float = 4.0) -> float:
    """k with G(k) = (1 - fill_rate) * Q / sigma (bisection; G falls as k rises), clamped to [low, high]."""
    if sigma <= 0:
        return 0.0
    target = (1 - fill_rate) * order_qty / sigma
    if loss(low) <= target:
        return low
    if loss(high) >= target:
        return high
    for _ in range(60):
        mid = (low + high) / 2
        if loss(mid) > target:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def policy(fc: Forecast, lead_time: int, fill_rate: float, review_days: int = 7,
           history: Series | None = None) -> Policy:
    """Reorder point, safety stock and order quantity (a review period's demand, at least 1). With
    ``history``, k is calibrated by replaying the recent history (:func:`calibrated_k`); else, or when
    the history is too thin, k comes from the normal loss function (:func:`safety_factor`)."""
    daily = fc.lead_time_demand / lead_time if lead_time else 0.0
    order_qty = max(1, math.ceil(daily * review_days))
    found = calibrated_k(history, fc, lead_time, order_qty, fill_rate) if history is not None else None
    k = found if found is not None else safety_factor(fill_rate, order_qty, fc.sigma_lead_time)
    safety = max(0, math.ceil(k * fc.sigma_lead_time))
    return Policy(max(0, math.ceil(fc.lead_time_demand + k * fc.sigma_lead_time)), safety, order_qty, k)


def abc_classes(units: dict[str, float], a: float = 0.8, b: float = 0.95) -> dict[str, str]:
    """A: the SKUs making the first ``a`` of all units (by volume, largest first), B up to ``b``, C the rest."""
    total = sum(units.values())
    classes: dict[str, str] = {}
    running = 0.0
    for sku, n in sorted(units.items(), key=lambda item: (-item[1], item[0])):
        share = running / total if total else 1.0
        classes[sku] = "A" if share < a else ("B" if share < b else "C")
        running += n
    return classes


def xyz_class(series: Series) -> str:
    """X: weekly demand varies little (CV < 0.5), Y: CV < 1, Z: erratic or intermittent."""
    weeks = len(series) // 7
    if weeks < 2:
        return "Z"
    weekly = series[len(series) - weeks * 7:].reshape(weeks, 7).sum(axis=1)
    mean = float(np.mean(weekly))
    if mean <= 0:
        return "Z"
    cv = float(np.std(weekly)) / mean
    return "X" if cv < 0.5 else ("Y" if cv < 1.0 else "Z")
