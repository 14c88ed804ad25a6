"""Survival arithmetic on arrays: the (weighted) Kaplan-Meier curve, its restricted mean,
and a one-covariate Cox model on counting-process rows (a time-varying covariate).

Own code rather than lifelines: lifelines (0.30.3) requires pandas < 3, handles ties by
Efron's method only (event times here are whole days, so ties are many and Breslow is
the method), and a DataFrame-based fit per bootstrap resample costs more than the
estimate. Checked against hand-computed tables and statsmodels'
PHReg (tests/unit/test_onboarding_estimates.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COX_RIDGE = 0.1  # a light penalty on beta: a group with few or no events gets a finite, cautious HR
COX_BETA_BOUND = 5.0  # |log HR| at most 5 (HR between 0.007 and 148)


def kaplan_meier(time, event, weight=None) -> pd.DataFrame:
    """The (weighted) Kaplan-Meier curve: one row per event time with the number at
    risk, the events, the survival just after it and Greenwood's variance."""
    return pd.DataFrame(kaplan_meier_arrays(time, event, weight))


def kaplan_meier_arrays(time, event, weight=None) -> dict[str, np.ndarray]:
    """kaplan_meier's columns as arrays: the estimators and the bootstrap call it
    hundreds of times, and a DataFrame per call would cost more than the curve."""
    time = np.asarray(time, float)
    event = np.asarray(event, bool)
    weight = np.ones_like(time) if weight is None else np.asarray(weight, float)
    times = np.unique(time[event])
    order = np.argsort(time, kind="stable")
    sorted_time, sorted_weight = time[order], weight[order]
    # At risk at t: the weight of everyone whose time is t or later (a suffix sum).
    suffix = np.concatenate([np.cumsum(sorted_weight[::-1])[::-1], [0.0]])
    at_risk = suffix[np.searchsorted(sorted_time, times, side="left")]
    events = np.bincount(np.searchsorted(times, time[event]), weights=weight[event], minlength=len(times))
    survival = np.cumprod(1.0 - events / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(at_risk > events, events / (at_risk * (at_risk - events)), np.inf)
        # Greenwood's variance is undefined once everyone at risk has had the event.
        variance = np.where(survival > 0, survival * survival * np.cumsum(terms), np.nan)
    return {"time": times, "at_risk": at_risk, "events": events, "survival": survival, "variance": variance}


def survival_at(curve, t: float) -> float:
    """S(t): the survival after the last event time at or before t (a curve from
    kaplan_meier, as a DataFrame or as arrays)."""
    times, survival = np.asarray(curve["time"]), np.asarray(curve["survival"])
    last = np.searchsorted(times, t, side="right")
    return float(survival[last - 1]) if last else 1.0


def restricted_mean(curve, horizon: float) -> float:
    """The area under S from 0 to the horizon: the mean time, each capped at the horizon."""
    times, survival = np.asarray(curve["time"]), np.asarray(curve["survival"])
    before = times < horizon
    steps = np.concatenate([[0.0], times[before], [horizon]])
    levels = np.concatenate([[1.0], survival[before]])
    return float(np.sum(levels * np.diff(steps)))


def cox_time_varying(start, stop, event, x, weight=None, iterations: int = 50) -> tuple[float, np.ndarray]:
    """A one-covariate Cox model on counting-process rows (start, stop], Breslow ties,
    weighted, by Newton-Raphson on the partial likelihood with a light ridge penalty
    (COX_RIDGE x beta^2), so that separation (no events among the trained, say) gives
    a bounded, cautious estimate instead of an infinite one. Returns beta and the
    baseline cumulative hazard at x = 0 as an array of [event time, cumulative hazard]."""
    start, stop, x = (np.asarray(a, float) for a in (start, stop, x))
    event = np.asarray(event, bool)
    weight = np.ones_like(stop) if weight is None else np.asarray(weight, float)
    times = np.unique(stop[event])
    by_stop, by_start = np.argsort(stop, kind="stable"), np.argsort(start, kind="stable")
    stop_index = np.searchsorted(stop[by_stop], times, side="left")
    start_index = np.searchsorted(start[by_start], times, side="left")

    def risk_sum(values: np.ndarray) -> np.ndarray:
        """Sum over each event time's risk set {start < t <= stop}: the rows still in
        (stop >= t) less those not yet in (start >= t), both suffix sums."""

        def suffix(order):
            return np.concatenate([np.cumsum(values[order][::-1])[::-1], [0.0]])

        return suffix(by_stop)[stop_index] - suffix(by_start)[start_index]

    slot = np.searchsorted(times, stop[event])
    deaths = np.bincount(slot, weights=weight[event], minlength=len(times))
    x_deaths = np.bincount(slot, weights=(weight * x)[event], minlength=len(times))
    beta = 0.0
    for _ in range(iterations):
        r = weight * np.exp(beta * x)
        s0, s1, s2 = risk_sum(r), risk_sum(r * x), risk_sum(r * x * x)
        mean = s1 / s0
        gradient = np.sum(x_deaths - deaths * mean) - 2 * COX_RIDGE * beta
        information = np.sum(deaths * (s2 / s0 - mean * mean)) + 2 * COX_RIDGE
        step = gradient / information
        beta = float(np.clip(beta + np.clip(step, -1, 1), -COX_BETA_BOUND, COX_BETA_BOUND))
        if abs(step) < 1e-10:
            break
    s0 = risk_sum(weight * np.exp(beta * x))
    return beta, np.column_stack([times, np.cumsum(deaths / s0)])


def cumulative_hazard_at(baseline: np.ndarray, t: float) -> float:
    """H0(t) from cox_time_varying's baseline: its value at the last event time at or before t."""
    before = baseline[baseline[:, 0] <= t]
    return float(before[-1, 1]) if len(before) else 0.0
