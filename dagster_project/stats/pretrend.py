"""The pre-trend tests and the event study's uniform band, for the dbt Python model
int_impact__pretrend_tests (which reads its refs and calls run_tests).

Per program x KPI, from the event study's bins (int_impact__event_study) and each
person's influence on each bin (int_impact__event_influence), whose sums of products
over people are the bins' covariance (person-clustered, as every variance here):

- Joint test: do the pre-period bins the estimate relies on (before the end of the pre
  window, bins in the anticipation gap excluded, suppressed bins excluded) differ from
  zero together? The Wald statistic over their covariance, referred to Hotelling's F
  with the bins' degrees of freedom (the smaller group's people minus one), so that
  few people do not make the test over-reject.
- Linear-trend test: the least-squares slope of those bins over event time (per week),
  its variance from the same covariance, a t test. A trend that grows steadily is what
  selection on trend produces; one degree of freedom gives it the power a joint test
  spreads over every bin.
- pretrend_p_value: the smaller of the two p-values; the groups diverged before
  training when either test rejects at 0.05 (program_impact.pretrend_ok). Two tests
  raise the false-alarm rate only a little (they are correlated; make calibrate
  measures it), and a missed trend costs more than a false alarm: a flagged KPI earns
  no ROI and says why.
- sup_t_critical: the critical value of a 95 % uniform (sup-t) band over every
  measured bin, simulated from the bins' correlation (seeded): the band holds the whole
  path at once, where each bin's own interval holds only that bin.
- max_pre_change: the largest change between consecutive tested pre-period bins, the
  yardstick of Rambachan & Roth's relative-magnitude bound (program_impact's
  breakdown).

The functions are plain numpy (tests/unit/test_pretrend_tests.py checks them against
planted trends and known distributions).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

SEED = 20261206
DRAWS = 10000
ALPHA = 0.05
COLUMNS = {
    "program_id": "object", "kpi": "object", "pretrend_bins_tested": "int64",
    "pretrend_wald_stat": "float64", "pretrend_wald_p": "float64",
    "pretrend_slope": "float64", "pretrend_slope_se": "float64", "pretrend_trend_p": "float64",
    "pretrend_p_value": "float64", "sup_t_critical": "float64", "max_pre_change": "float64",
}


# --------------------------------------------------------------------------- distributions


def _betacf(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-14:
            break
    return h


def beta_inc(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1) / (a + b + 2):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_two_sided_p(t: float, df: float) -> float:
    """P(|T| >= |t|) for Student's t with df degrees of freedom."""
    return beta_inc(df / 2.0, 0.5, df / (df + t * t))


def f_upper_p(f: float, d1: float, d2: float) -> float:
    """P(F >= f) for the F distribution with (d1, d2) degrees of freedom."""
    if f <= 0:
        return 1.0
    return beta_inc(d2 / 2.0, d1 / 2.0, d2 / (d2 + d1 * f))


# --------------------------------------------------------------------------- tests


def wald_test(theta: np.ndarray, cov: np.ndarray, df: float) -> tuple[float, float | None]:
    """The joint Wald statistic of theta = 0 and its p-value from Hotelling's F
    (k, df - k + 1); None when there are too few degrees of freedom for k bins."""
    k = len(theta)
    stat = float(theta @ np.linalg.pinv(cov) @ theta)
    d2 = df - k + 1
    if k == 0 or d2 < 1:
        return stat, None
    return stat, f_upper_p(stat / k * d2 / df, k, d2)


def trend_test(weeks: np.ndarray, theta: np.ndarray, cov: np.ndarray, df: float) -> tuple[float, float, float | None]:
    """The least-squares slope of theta over weeks, its standard error and the t test's
    p-value (None for fewer than three bins or no variance)."""
    if len(theta) < 3:
        return math.nan, math.nan, None
    centred = weeks - weeks.mean()
    weights = centred / float(centred @ centred)
    slope = float(weights @ theta)
    se = math.sqrt(max(float(weights @ cov @ weights), 0.0))
    if se == 0 or df < 1:
        return slope, se, None
    return slope, se, t_two_sided_p(slope / se, df)


def sup_t_critical(cov: np.ndarray, draws: int = DRAWS, seed: int = SEED, level: float = 1 - ALPHA) -> float | None:
    """The level quantile of max |z| over bins, z ~ N(0, the bins' correlation): the
    multiplier of each bin's standard error in a uniform band."""
    sd = np.sqrt(np.clip(np.diag(cov), 0, None))
    if len(sd) == 0 or np.any(sd == 0):
        return None
    corr = cov / np.outer(sd, sd)
    # A square root that moves continuously with the matrix (Cholesky; an eigenvector's
    # sign is arbitrary), so that two engines' rounding gives the same band.
    try:
        root = np.linalg.cholesky(corr + 1e-12 * np.eye(len(sd)))
    except np.linalg.LinAlgError:
        values, vectors = np.linalg.eigh(corr)
        vectors = vectors * np.where(vectors[np.abs(vectors).argmax(axis=0), range(len(sd))] < 0, -1.0, 1.0)
        root = vectors * np.sqrt(np.clip(values, 0, None))
    z = np.random.default_rng(seed).standard_normal((draws, len(sd))) @ root.T
    return float(np.quantile(np.abs(z).max(axis=1), level))


def combined_p(*p_values: float | None) -> float | None:
    """The smallest p-value of the tests that could be run: below alpha, one rejects."""
    present = [p for p in p_values if p is not None and not math.isnan(p)]
    return min(present) if present else None


def covariance(influence: pd.DataFrame, bins: list[int]) -> np.ndarray:
    """The bins' covariance: the sum over people of the products of their influences."""
    wide = influence.pivot_table(index="person_key", columns="relative_bin", values="influence", aggfunc="sum")
    wide = wide.reindex(columns=bins).fillna(0.0).to_numpy(dtype=np.float64)
    return wide.T @ wide


def tests_of_program(bins: pd.DataFrame, influence: pd.DataFrame) -> dict:
    """Every test of one program x KPI (bins: its event study rows; influence: its people's)."""
    measured = bins[~bins["suppressed"].astype(bool) & (bins["effect_se"] > 0)].sort_values("relative_bin")
    tested = measured[measured["is_pretrend_tested"].astype(bool)]
    out = {"pretrend_bins_tested": len(tested)}
    if len(measured):
        out["sup_t_critical"] = sup_t_critical(covariance(influence, measured["relative_bin"].tolist()))
    if len(tested) == 0:
        return out
    theta = tested["effect"].to_numpy(dtype=np.float64)
    cov = covariance(influence, tested["relative_bin"].tolist())
    df = float(tested["df"].min())
    weeks = ((tested["week_from"] + tested["week_to"]) / 2.0).to_numpy(dtype=np.float64)
    out["pretrend_wald_stat"], out["pretrend_wald_p"] = wald_test(theta, cov, df)
    out["pretrend_slope"], out["pretrend_slope_se"], out["pretrend_trend_p"] = trend_test(weeks, theta, cov, df)
    out["pretrend_p_value"] = combined_p(out["pretrend_wald_p"], out["pretrend_trend_p"])
    out["max_pre_change"] = float(np.abs(np.diff(theta)).max()) if len(theta) > 1 else None
    return out


def run_tests(bins: pd.DataFrame, influence: pd.DataFrame) -> pd.DataFrame:
    rows = []
    people = {key: group for key, group in influence.groupby(["program_id", "kpi"])}
    for (program_id, kpi), group in bins.groupby(["program_id", "kpi"]):
        own = people.get((program_id, kpi), influence.iloc[0:0])
        rows.append({"program_id": program_id, "kpi": kpi, **tests_of_program(group, own)})
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return frame.astype({k: v for k, v in COLUMNS.items() if v != "int64"}).astype(
        {"pretrend_bins_tested": "int64"}) if len(frame) else frame.astype(COLUMNS)
