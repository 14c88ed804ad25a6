"""The person-grain estimators of the onboarding model (dbt Python model
int_onboarding__estimates): survival arithmetic against hand-computed tables, the Cox
model against statsmodels, and planted effects recovered on simulated new starters."""

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

MODEL = Path(__file__).resolve().parents[2] / "dbt" / "models" / "intermediate" / "onboarding" / "int_onboarding__estimates.py"
spec = importlib.util.spec_from_file_location("int_onboarding__estimates", MODEL)
onboarding = importlib.util.module_from_spec(spec)
spec.loader.exec_module(onboarding)


def test_kaplan_meier_matches_a_hand_computed_table_with_censoring():
    # times 1 2 2+ 3 4+ 5 5 6+ (+ = censored)
    curve = onboarding.kaplan_meier([1, 2, 2, 3, 4, 5, 5, 6], [1, 1, 0, 1, 0, 1, 1, 0])
    assert curve["time"].tolist() == [1, 2, 3, 5]
    assert curve["at_risk"].tolist() == [8, 7, 5, 3]
    assert curve["events"].tolist() == [1, 1, 1, 2]
    assert curve["survival"].tolist() == pytest.approx([7 / 8, 7 / 8 * 6 / 7, 0.75 * 4 / 5, 0.6 / 3])
    # Greenwood: S(1)^2 x 1 / (8 x 7)
    assert curve["variance"].iloc[0] == pytest.approx((7 / 8) ** 2 / 56)
    assert onboarding.survival_at(curve, 4.9) == pytest.approx(0.6)
    assert onboarding.survival_at(curve, 0.5) == 1.0
    # Area under S to 6: 1 + 0.875 + 0.75 + 0.6 x 2 + 0.2
    assert onboarding.restricted_mean(curve, 6) == pytest.approx(4.025)


def test_weights_count_as_repeated_people():
    weighted = onboarding.kaplan_meier([1, 2, 3], [1, 0, 1], [2, 1, 1])
    repeated = onboarding.kaplan_meier([1, 1, 2, 3], [1, 1, 0, 1])
    assert weighted["survival"].tolist() == pytest.approx(repeated["survival"].tolist())


def test_time_varying_cox_agrees_with_statsmodels():
    from statsmodels.duration.hazard_regression import PHReg

    rng = np.random.default_rng(3)
    n = 400
    switch = rng.uniform(5, 40, n)
    takes = rng.random(n) < 0.6
    # hazard 0.004 a day, x 0.4 after the switch for those who take it
    first = rng.exponential(1 / 0.004, n)
    later = switch + rng.exponential(1 / (0.004 * 0.4), n)
    time = np.where(takes & (first > switch), later, first)
    time = np.minimum(time, 365.0)
    event = time < 365.0
    split = takes & (switch < time)
    start = np.concatenate([np.zeros(n), switch[split]])
    stop = np.concatenate([np.where(split, switch, time), time[split]])
    events = np.concatenate([np.where(split, False, event), event[split]])
    x = np.concatenate([np.where(split, 0.0, 0.0), np.ones(split.sum())])

    beta, baseline = onboarding.cox_time_varying(start, stop, events, x)
    reference = PHReg(stop, x[:, None], status=events.astype(float), entry=start, ties="breslow").fit()
    # Equal up to the light ridge penalty, which moves a well-informed estimate very little.
    assert beta == pytest.approx(float(reference.params[0]), abs=0.01)
    assert np.exp(beta) == pytest.approx(0.4, abs=0.12)
    assert np.all(np.diff(baseline[:, 1]) > 0)


def simulated_cohort(n: int, seed: int) -> tuple[pd.DataFrame, float, float]:
    """New starters as the generator plants them: ramp 45 +/- 6 days (completers 15
    faster), leaving at a constant hazard (40 % within a year), 0.4 x after completing."""
    rng = np.random.default_rng(seed)
    h0, hr = -np.log(0.6) / 365, 0.4
    treated = rng.random(n) < 0.6
    completion = rng.integers(10, 31, n).astype(float)
    first = rng.exponential(1 / h0, n)
    later = completion + rng.exponential(1 / (h0 * hr), n)
    leave = np.where(treated & (first > completion), later, first)
    observed = rng.uniform(200, 540, n)  # hired at different times before the as-of date
    ramp = np.maximum(rng.normal(45, 6, n) - np.where(treated, 15, 0), 14)
    ramp_end = np.minimum(np.minimum(leave, observed), 182)
    frame = pd.DataFrame({
        "person_key": [f"p{i}" for i in range(n)],
        "treated": treated,
        "completion_day": np.where(treated, completion, np.nan),
        "job_family": rng.choice(["Customer Support", "Sales"], n),
        "job_level": "L1",
        "location": rng.choice(["Austin", "Dublin"], n),
        "hire_quarter": rng.choice(["2025-04-01", "2025-07-01"], n),
        "fte": rng.choice([1.0, 0.8], n),
        "pay_band": rng.integers(1, 4, n),
        "manager_team_size": rng.integers(8, 15, n),
        "observed_days": np.minimum(leave, observed).round(),
        "has_left": leave <= observed,
        "has_output_measure": True,
        "ramp_days": np.where(ramp <= ramp_end, ramp, ramp_end).round(),
        "ramp_status": np.where(ramp <= ramp_end, "ramped", np.where(leave < observed, "left", "censored")),
    })
    c = 20.0  # the median completion day
    attrition_truth = (1 - np.exp(-h0 * c - h0 * hr * (365 - c))) - (1 - np.exp(-h0 * 365))
    return frame, attrition_truth, -15.0


@pytest.mark.parametrize("kpi", ["early_attrition", "ramp_days"])
def test_planted_onboarding_effects_are_recovered_with_intervals_covering_them(kpi):
    from scipy import stats

    frame, attrition_truth, ramp_truth = simulated_cohort(4000, seed=11)
    truth = attrition_truth if kpi == "early_attrition" else ramp_truth
    estimator, _ = onboarding.ESTIMATORS[kpi]
    result = estimator(frame)
    se = onboarding.bootstrap_se(estimator, frame, samples=60)
    half_width = stats.t.ppf(0.975, min(result["n_treated"], result["n_comparison"]) - 1) * se
    assert abs(result["effect"] - truth) <= 0.15 * abs(truth), (result, truth)
    assert result["effect"] - half_width <= truth <= result["effect"] + half_width, (result, se, truth)


def test_a_program_without_effect_has_an_interval_including_zero():
    frame, _, _ = simulated_cohort(1500, seed=5)
    rng = np.random.default_rng(9)
    frame["treated"] = rng.random(len(frame)) < 0.4  # a label unrelated to anyone's leaving
    frame["completion_day"] = np.where(frame["treated"], 90.0, np.nan)
    estimator, _ = onboarding.ESTIMATORS["early_attrition"]
    result = estimator(frame)
    se = onboarding.bootstrap_se(estimator, frame, samples=60)
    assert abs(result["effect"]) <= 2.1 * se, (result, se)


def test_estimate_suppresses_small_groups_and_skips_other_kpis():
    frame, _, _ = simulated_cohort(40, seed=2)
    people = frame.drop(columns=["treated", "completion_day"]).assign(hire_date=pd.Timestamp("2025-05-01"))
    treated = frame.loc[frame["treated"], "person_key"].head(3)
    enrolments = pd.DataFrame({
        "program_id": "P", "person_key": treated, "is_completed": True,
        "started_at": pd.Timestamp("2025-05-02"), "completed_at": pd.Timestamp("2025-05-20"),
    })
    programs = pd.DataFrame({"program_id": ["P", "P"], "kpi": ["early_attrition", "sales_cycle_days"]})
    out = onboarding.estimate(people, enrolments, programs, min_group_size=5)
    assert out["kpi"].tolist() == ["early_attrition"]
    assert out["effect"].isna().all() and out["effect_se"].isna().all()


def test_cox_stays_finite_when_the_trained_have_no_events():
    start, stop = np.zeros(40), np.full(40, 365.0)
    x = np.r_[np.ones(20), np.zeros(20)]
    event = np.r_[np.zeros(20, bool), np.ones(10, bool), np.zeros(10, bool)]
    stop[20:30] = np.arange(10, 110, 10)
    beta, baseline = onboarding.cox_time_varying(start, stop, event, x)
    assert -onboarding.COX_BETA_BOUND <= beta < -1 and np.isfinite(baseline[:, 1]).all()


def test_a_person_in_two_programs_on_one_kpi_is_credited_to_the_earlier_one():
    people = pd.DataFrame({"person_key": ["a", "b", "c", "d", "e"], "hire_date": pd.Timestamp("2025-05-01")})
    enrolments = pd.DataFrame([
        ("ONB", "a", True, "2025-05-03", "2025-05-20"), ("RET", "a", True, "2025-07-01", "2025-07-10"),
        ("ONB", "b", True, "2025-05-03", "2025-05-20"),
        ("RET", "c", True, "2025-07-01", "2025-07-10"),
        ("ONB", "d", False, "2025-05-03", None),
    ], columns=["program_id", "person_key", "is_completed", "started_at", "completed_at"])
    enrolments[["started_at", "completed_at"]] = enrolments[["started_at", "completed_at"]].apply(pd.to_datetime)
    # By intention to treat, d began ONB and counts from the day they began, finished or not.
    onb, left_out = onboarding.cohorts(people, enrolments, "ONB", {"ONB", "RET"})
    assert dict(zip(onb["person_key"], onb["treated"])) == {"a": True, "b": True, "d": True, "e": False}
    assert left_out == 0
    assert onb.set_index("person_key").loc["d", "completion_day"] == 2  # treated from the day they began
    # Per protocol (the labelled secondary estimate), completers only, from completion.
    onb, left_out = onboarding.cohorts(people, enrolments, "ONB", {"ONB", "RET"}, by="completed")
    assert dict(zip(onb["person_key"], onb["treated"])) == {"a": True, "b": True, "e": False} and left_out == 0
    assert onb.set_index("person_key").loc["a", "completion_day"] == 19
    ret, left_out = onboarding.cohorts(people, enrolments, "RET", {"ONB", "RET"})
    assert dict(zip(ret["person_key"], ret["treated"])) == {"c": True, "e": False} and left_out == 1
