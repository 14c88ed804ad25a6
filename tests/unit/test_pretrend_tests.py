"""The pre-trend tests (dagster_project/stats/pretrend.py, called by the dbt Python model
int_impact__pretrend_tests): their distributions against scipy, and its tests on simulated event studies with a planted
trend, a planted jump and none."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dagster_project.stats import pretrend

PRE_BINS = list(range(-13, -3))  # the tested bins of a 13-week pre window ending 6 weeks before registration


@pytest.mark.parametrize(("t", "df"), [(0.0, 5), (1.3, 3), (2.1, 12), (-4.0, 30), (8.0, 2)])
def test_the_t_p_value_is_students(t, df):
    assert pretrend.t_two_sided_p(t, df) == pytest.approx(2 * stats.t.sf(abs(t), df), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(("f", "d1", "d2"), [(0.5, 3, 10), (2.0, 10, 20), (7.5, 1, 4), (1.0, 8, 200)])
def test_the_f_p_value_is_fishers(f, d1, d2):
    assert pretrend.f_upper_p(f, d1, d2) == pytest.approx(stats.f.sf(f, d1, d2), rel=1e-9, abs=1e-12)


def simulated(rng, slope_per_week: float = 0.0, jump: float = 0.0, people: int = 60, noise: float = 1.0):
    """An event study's pre-period bins and each person's influence on them: person i's
    deviation in bin b is e_ib / people, so that theta_b = slope x week + jump (for the
    bins from -6 on) + the mean deviation, with the covariance the influences give."""
    weeks = np.array([2 * b + 1 for b in PRE_BINS], dtype=float)
    shared = rng.normal(0, noise, (people, 1))  # a person's level: correlated bins
    e = shared + rng.normal(0, noise, (people, len(PRE_BINS)))
    e = e - e.mean(axis=0)
    theta = slope_per_week * (weeks - weeks.mean()) + jump * (np.array(PRE_BINS) >= -6) \
        + rng.normal(0, noise / np.sqrt(people), len(PRE_BINS))
    bins = pd.DataFrame({
        "program_id": "P", "kpi": "k", "relative_bin": PRE_BINS, "week_from": 2 * np.array(PRE_BINS),
        "week_to": 2 * np.array(PRE_BINS) + 2, "effect": theta, "effect_se": e.std(axis=0) / np.sqrt(people),
        "df": people - 1, "suppressed": False, "is_pretrend_tested": True,
    })
    influence = pd.DataFrame([
        {"program_id": "P", "kpi": "k", "relative_bin": b, "person_key": f"p{i}", "influence": e[i, j] / people}
        for i in range(people) for j, b in enumerate(PRE_BINS)
    ])
    return bins, influence


def test_the_covariance_is_the_sum_of_influence_products():
    rng = np.random.default_rng(1)
    bins, influence = simulated(rng)
    cov = pretrend.covariance(influence, PRE_BINS)
    wide = influence.pivot(index="person_key", columns="relative_bin", values="influence")[PRE_BINS].to_numpy()
    assert np.allclose(cov, wide.T @ wide)
    assert cov.shape == (len(PRE_BINS), len(PRE_BINS))


def test_parallel_pre_trends_are_rarely_flagged():
    rng = np.random.default_rng(2)
    flagged = 0
    for _ in range(200):
        bins, influence = simulated(rng)
        out = pretrend.run_tests(bins, influence).iloc[0]
        flagged += out["pretrend_p_value"] < 0.05
    assert flagged / 200 <= 0.10


def test_a_steady_trend_is_flagged_by_the_linear_test_more_often_than_by_the_joint_one():
    rng = np.random.default_rng(3)
    wald, trend, combined = 0, 0, 0
    for _ in range(100):
        bins, influence = simulated(rng, slope_per_week=0.035)
        out = pretrend.run_tests(bins, influence).iloc[0]
        wald += out["pretrend_wald_p"] < 0.05
        trend += out["pretrend_trend_p"] < 0.05
        combined += out["pretrend_p_value"] < 0.05
    assert trend > wald
    assert combined >= 70
    # the slope is estimated per week, in KPI units
    bins, influence = simulated(np.random.default_rng(4), slope_per_week=0.5)
    assert pretrend.run_tests(bins, influence).iloc[0]["pretrend_slope"] == pytest.approx(0.5, rel=0.05)


def test_a_jump_in_a_few_bins_is_caught_by_the_joint_test():
    rng = np.random.default_rng(5)
    caught = sum(
        pretrend.run_tests(*simulated(rng, jump=0.5)).iloc[0]["pretrend_wald_p"] < 0.05 for _ in range(50)
    )
    assert caught >= 40


def test_the_uniform_band_is_wider_than_each_bin_and_holds_the_whole_path():
    rng = np.random.default_rng(6)
    bins, influence = simulated(rng)
    crit = pretrend.run_tests(bins, influence).iloc[0]["sup_t_critical"]
    assert 1.96 < crit < 3.6
    # simultaneous coverage: the max |z| over the bins stays under the critical value 95 % of the time
    cov = pretrend.covariance(influence, PRE_BINS)
    sd = np.sqrt(np.diag(cov))
    z = np.random.default_rng(7).multivariate_normal(np.zeros(len(sd)), cov, 4000) / sd
    assert np.mean(np.abs(z).max(axis=1) <= crit) == pytest.approx(0.95, abs=0.015)


def test_too_few_bins_or_degrees_of_freedom_give_no_test_rather_than_a_wrong_one():
    rng = np.random.default_rng(8)
    bins, influence = simulated(rng, people=8)
    out = pretrend.run_tests(bins, influence).iloc[0]
    assert pd.isna(out["pretrend_wald_p"])  # 10 bins, 7 degrees of freedom
    assert not pd.isna(out["pretrend_trend_p"])
    two = bins[bins["relative_bin"] >= -5]
    out = pretrend.run_tests(two, influence).iloc[0]
    assert pd.isna(out["pretrend_trend_p"]) and out["pretrend_bins_tested"] == 2
    assert out["max_pre_change"] == pytest.approx(abs(two["effect"].iloc[1] - two["effect"].iloc[0]))
