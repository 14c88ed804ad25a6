"""The new starters' estimators (dagster_project.stats.survival and .onboarding, which
the dbt Python model int_onboarding__estimates calls): survival arithmetic against
hand-computed tables and statsmodels, planted hazard ratios, restricted means, weights
and effects recovered on simulated new starters, and the model's orchestration on both
engines' frames."""

import datetime
import importlib.util
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dagster_project.stats import onboarding, survival

MODEL = Path(__file__).resolve().parents[2] / "dbt" / "models" / "intermediate" / "onboarding" / "int_onboarding__estimates.py"


# --------------------------------------------------------------------------- survival


def test_kaplan_meier_matches_a_hand_computed_table_with_censoring():
    # times 1 2 2+ 3 4+ 5 5 6+ (+ = censored)
    curve = survival.kaplan_meier([1, 2, 2, 3, 4, 5, 5, 6], [1, 1, 0, 1, 0, 1, 1, 0])
    assert curve["time"].tolist() == [1, 2, 3, 5]
    assert curve["at_risk"].tolist() == [8, 7, 5, 3]
    assert curve["events"].tolist() == [1, 1, 1, 2]
    assert curve["survival"].tolist() == pytest.approx([7 / 8, 7 / 8 * 6 / 7, 0.75 * 4 / 5, 0.6 / 3])
    # Greenwood: S(1)^2 x 1 / (8 x 7)
    assert curve["variance"].iloc[0] == pytest.approx((7 / 8) ** 2 / 56)
    assert survival.survival_at(curve, 4.9) == pytest.approx(0.6)
    assert survival.survival_at(curve, 0.5) == 1.0
    # Area under S to 6: 1 + 0.875 + 0.75 + 0.6 x 2 + 0.2
    assert survival.restricted_mean(curve, 6) == pytest.approx(4.025)


def test_the_array_curve_is_the_frame_curve():
    rng = np.random.default_rng(4)
    time, event, weight = rng.integers(1, 60, 300), rng.random(300) < 0.7, rng.uniform(0.1, 3, 300)
    frame = survival.kaplan_meier(time, event, weight)
    arrays = survival.kaplan_meier_arrays(time, event, weight)
    for column in frame:
        np.testing.assert_array_equal(frame[column].to_numpy(), arrays[column])
    assert survival.restricted_mean(arrays, 50) == survival.restricted_mean(frame, 50)


def test_weights_count_as_repeated_people():
    weighted = survival.kaplan_meier([1, 2, 3], [1, 0, 1], [2, 1, 1])
    repeated = survival.kaplan_meier([1, 1, 2, 3], [1, 1, 0, 1])
    assert weighted["survival"].tolist() == pytest.approx(repeated["survival"].tolist())


@pytest.mark.parametrize(("rate_a", "rate_b"), [(1 / 40, 1 / 80), (1 / 120, 1 / 60)])
def test_a_planted_restricted_mean_difference_is_recovered(rate_a, rate_b):
    # Exponential times censored uniformly: the restricted mean to tau is (1 - e^(-rate tau)) / rate.
    rng = np.random.default_rng(21)
    tau, n = 182.0, 6000

    def group(rate):
        event_time, censor_time = rng.exponential(1 / rate, n), rng.uniform(30, 400, n)
        curve = survival.kaplan_meier_arrays(np.minimum(event_time, censor_time), event_time <= censor_time)
        return survival.restricted_mean(curve, tau), (1 - np.exp(-rate * tau)) / rate

    (estimate_a, truth_a), (estimate_b, truth_b) = group(rate_a), group(rate_b)
    assert estimate_a == pytest.approx(truth_a, rel=0.03)
    assert estimate_a - estimate_b == pytest.approx(truth_a - truth_b, abs=0.1 * abs(truth_a - truth_b))


def test_restricted_mean_without_events_is_the_horizon():
    curve = survival.kaplan_meier([5, 9, 30], [0, 0, 0])
    assert len(curve) == 0 and survival.restricted_mean(curve, 182) == 182.0 and survival.survival_at(curve, 400) == 1.0


def switching_rows(n: int, hazard: float, hazard_ratio: float, seed: int) -> tuple[np.ndarray, ...]:
    """Counting-process rows: a constant hazard, times hazard_ratio after a switch for
    the 60 % who take it, censored at 365 days."""
    rng = np.random.default_rng(seed)
    switch = rng.uniform(5, 40, n)
    takes = rng.random(n) < 0.6
    first = rng.exponential(1 / hazard, n)
    later = switch + rng.exponential(1 / (hazard * hazard_ratio), n)
    time = np.minimum(np.where(takes & (first > switch), later, first), 365.0)
    event = time < 365.0
    split = takes & (switch < time)
    start = np.concatenate([np.zeros(n), switch[split]])
    stop = np.concatenate([np.where(split, switch, time), time[split]])
    events = np.concatenate([np.where(split, False, event), event[split]])
    x = np.concatenate([np.zeros(n), np.ones(split.sum())])
    return start, stop, events, x


def test_time_varying_cox_agrees_with_statsmodels():
    from statsmodels.duration.hazard_regression import PHReg

    start, stop, events, x = switching_rows(400, 0.004, 0.4, seed=3)
    beta, baseline = survival.cox_time_varying(start, stop, events, x)
    reference = PHReg(stop, x[:, None], status=events.astype(float), entry=start, ties="breslow").fit()
    # Equal up to the light ridge penalty, which moves a well-informed estimate very little.
    assert beta == pytest.approx(float(reference.params[0]), abs=0.01)
    assert np.exp(beta) == pytest.approx(0.4, abs=0.12)
    assert np.all(np.diff(baseline[:, 1]) > 0)


@pytest.mark.parametrize("hazard_ratio", [0.4, 1.0, 2.5])
def test_a_planted_hazard_ratio_and_baseline_are_recovered(hazard_ratio):
    hazard = 0.002
    start, stop, events, x = switching_rows(5000, hazard, hazard_ratio, seed=8)
    beta, baseline = survival.cox_time_varying(start, stop, events, x)
    assert np.exp(beta) == pytest.approx(hazard_ratio, rel=0.12)
    # Breslow's baseline at x = 0 estimates the planted cumulative hazard, rate x days.
    assert survival.cumulative_hazard_at(baseline, 300) == pytest.approx(hazard * 300, rel=0.1)
    assert survival.cumulative_hazard_at(baseline, 0) == 0.0


def test_cox_weights_count_as_repeated_rows():
    start, stop, events, x = switching_rows(300, 0.004, 0.5, seed=6)
    weight = np.where(np.arange(len(stop)) % 3 == 0, 2.0, 1.0)
    repeat = weight.astype(int)
    weighted = survival.cox_time_varying(start, stop, events, x, weight)
    repeated = survival.cox_time_varying(*(np.repeat(a, repeat) for a in (start, stop, events, x)))
    assert weighted[0] == pytest.approx(repeated[0], abs=1e-9)
    np.testing.assert_allclose(weighted[1], repeated[1], rtol=1e-9)


def test_cox_stays_finite_when_the_trained_have_no_events():
    start, stop = np.zeros(40), np.full(40, 365.0)
    x = np.r_[np.ones(20), np.zeros(20)]
    event = np.r_[np.zeros(20, bool), np.ones(10, bool), np.zeros(10, bool)]
    stop[20:30] = np.arange(10, 110, 10)
    beta, baseline = survival.cox_time_varying(start, stop, event, x)
    assert -survival.COX_BETA_BOUND <= beta < -1 and np.isfinite(baseline[:, 1]).all()


# --------------------------------------------------------------------------- who is compared


def test_logistic_propensity_recovers_planted_probabilities():
    rng = np.random.default_rng(12)
    covariates = rng.normal(size=(8000, 2))
    truth = 1 / (1 + np.exp(-(-0.3 + 0.8 * covariates[:, 0] - 0.5 * covariates[:, 1])))
    treated = (rng.random(8000) < truth).astype(float)
    fitted = onboarding.logistic_propensity(covariates, treated)
    assert np.max(np.abs(fitted - np.clip(truth, 0.01, 0.99))) < 0.04


def test_att_weights_match_strata_and_balance_covariates():
    frame, _, _ = simulated_cohort(6000, seed=17)
    # Confounded: more trained in Sales and on larger pay bands.
    rng = np.random.default_rng(1)
    lean = 0.3 + 0.3 * (frame["job_family"] == "Sales") + 0.1 * (frame["pay_band"] - 2)
    frame["treated"] = rng.random(len(frame)) < lean
    frame.loc[frame["location"] == "Dublin", "treated"] &= frame["hire_quarter"] == "2025-04-01"
    cohort = onboarding.Cohort.of(frame)
    weight = onboarding.att_weights(cohort)
    treated = cohort.treated
    assert np.all(weight[treated & (weight > 0)] == 1.0)
    # Dublin's July hires have no completer: a stratum without both groups weighs nothing.
    assert np.all(weight[((frame["location"] == "Dublin") & (frame["hire_quarter"] == "2025-07-01")).to_numpy()] == 0)
    # Each matched stratum's comparisons weigh as many as its completers.
    for stratum in np.unique(cohort.stratum[weight > 0]):
        here = cohort.stratum == stratum
        assert weight[here & ~treated].sum() == pytest.approx(weight[here & treated].sum())
    for column in range(len(onboarding.COVARIATES)):
        values = cohort.covariates[:, column]
        treated_mean = np.average(values[treated & (weight > 0)])
        raw_gap = abs(values[~treated].mean() - treated_mean)
        weighted_gap = abs(np.average(values[~treated], weights=weight[~treated]) - treated_mean)
        assert weighted_gap <= max(0.25 * raw_gap, 0.02 * abs(treated_mean)), onboarding.COVARIATES[column]


# --------------------------------------------------------------------------- estimators


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
    frame = pd.DataFrame(
        {
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
        }
    )
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
    if kpi == "early_attrition":
        assert result["hazard_ratio"] == pytest.approx(0.4, rel=0.2)


def test_a_program_without_effect_has_an_interval_including_zero():
    frame, _, _ = simulated_cohort(1500, seed=5)
    rng = np.random.default_rng(9)
    frame["treated"] = rng.random(len(frame)) < 0.4  # a label unrelated to anyone's leaving
    frame["completion_day"] = np.where(frame["treated"], 90.0, np.nan)
    estimator, _ = onboarding.ESTIMATORS["early_attrition"]
    result = estimator(frame)
    se = onboarding.bootstrap_se(estimator, frame, samples=60)
    assert abs(result["effect"]) <= 2.1 * se, (result, se)


def test_the_bootstrap_is_repeatable_and_follows_its_seed():
    frame, _, _ = simulated_cohort(300, seed=4)
    cohort = onboarding.Cohort.of(frame)
    estimator, _ = onboarding.ESTIMATORS["ramp_days"]
    first = onboarding.bootstrap_se(estimator, cohort, samples=30)
    assert onboarding.bootstrap_se(estimator, frame, samples=30) == first
    assert onboarding.bootstrap_se(estimator, cohort, samples=30, seed=1) != first


# --------------------------------------------------------------------------- who is treated, and the table


def enrolment_frames(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """estimate()'s three inputs as DuckDB gives them: new starters, one program's
    enrolments for the simulated completers, and programs.csv's rows."""
    frame, _, _ = simulated_cohort(n, seed=seed)
    hired = pd.Timestamp("2025-05-01")
    people = frame.drop(columns=["treated", "completion_day"]).assign(hire_date=hired)
    taken = frame[frame["treated"]]
    enrolments = pd.DataFrame(
        {
            "program_id": "P",
            "person_key": taken["person_key"].to_numpy(),
            "is_completed": True,
            "started_at": hired + pd.to_timedelta(taken["completion_day"].to_numpy() - 5, unit="D"),
            "completed_at": hired + pd.to_timedelta(taken["completion_day"].to_numpy(), unit="D"),
        }
    )
    programs = pd.DataFrame({"program_id": ["P", "P", "P"], "kpi": ["early_attrition", "ramp_days", "sales_cycle_days"]})
    return people, enrolments, programs


def test_estimate_suppresses_small_groups_and_skips_other_kpis():
    frame, _, _ = simulated_cohort(40, seed=2)
    people = frame.drop(columns=["treated", "completion_day"]).assign(hire_date=pd.Timestamp("2025-05-01"))
    treated = frame.loc[frame["treated"], "person_key"].head(3)
    enrolments = pd.DataFrame(
        {
            "program_id": "P",
            "person_key": treated,
            "is_completed": True,
            "started_at": pd.Timestamp("2025-05-02"),
            "completed_at": pd.Timestamp("2025-05-20"),
        }
    )
    programs = pd.DataFrame({"program_id": ["P", "P"], "kpi": ["early_attrition", "sales_cycle_days"]})
    out = onboarding.estimate(people, enrolments, programs, min_group_size=5)
    assert out["kpi"].tolist() == ["early_attrition"]
    assert out["effect"].isna().all() and out["effect_se"].isna().all()


def test_estimate_gives_one_typed_row_per_program_and_person_grain_kpi():
    people, enrolments, programs = enrolment_frames(600, seed=13)
    out = onboarding.estimate(people, enrolments, programs, min_group_size=5, bootstrap_samples=20)
    assert out["kpi"].tolist() == ["early_attrition", "ramp_days"]
    assert list(out.columns) == list(onboarding.COLUMNS)
    assert {str(out[c].dtype) for c, t in onboarding.COLUMNS.items() if t == "int64"} == {"Int64"}
    assert out[["effect", "effect_se", "effect_per_protocol"]].notna().all().all()
    assert (out["df"] == out[["n_treated", "n_comparison"]].min(axis=1) - 1).all()


def test_a_person_in_two_programs_on_one_kpi_is_credited_to_the_earlier_one():
    people = pd.DataFrame({"person_key": ["a", "b", "c", "d", "e"], "hire_date": pd.Timestamp("2025-05-01")})
    enrolments = pd.DataFrame(
        [
            ("ONB", "a", True, "2025-05-03", "2025-05-20"),
            ("RET", "a", True, "2025-07-01", "2025-07-10"),
            ("ONB", "b", True, "2025-05-03", "2025-05-20"),
            ("RET", "c", True, "2025-07-01", "2025-07-10"),
            ("ONB", "d", False, "2025-05-03", None),
        ],
        columns=["program_id", "person_key", "is_completed", "started_at", "completed_at"],
    )
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


# --------------------------------------------------------------------------- the dbt model


def spark_like(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame as Spark's toPandas gives it: dates as datetime.date objects, decimals as
    Decimal objects, 32-bit integers, rows in another order."""
    out = frame.sample(frac=1.0, random_state=0).reset_index(drop=True)
    for column in out:
        if column in ("hire_date", "hire_quarter"):
            out[column] = [datetime.date.fromisoformat(str(v)[:10]) for v in out[column]]
        elif column == "fte":
            out[column] = [Decimal(str(v)) for v in out[column]]
        elif out[column].dtype == "int64":
            out[column] = out[column].astype("int32")
    return out


class DuckDBRelation:
    def __init__(self, frame):
        self.frame = frame

    def df(self):
        return self.frame


class SparkFrame:
    def __init__(self, frame):
        self.frame = frame

    def toPandas(self):
        return self.frame


class FakeDbt:
    def __init__(self, refs, wrap):
        self.refs, self.wrap = refs, wrap
        self.config = self

    def __call__(self, **config):
        self.configured = config

    def get(self, key):
        return {"min_group_size": "5", "bootstrap_samples": "20"}[key]

    def ref(self, name):
        return self.wrap(self.refs[name])


def test_the_dbt_model_gives_the_same_table_on_both_engines_frames():
    spec = importlib.util.spec_from_file_location("int_onboarding__estimates", MODEL)
    model = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(model)
    people, enrolments, programs = enrolment_frames(400, seed=19)
    people["hire_quarter"] = pd.to_datetime(people["hire_quarter"])
    refs = {"int_kpis__new_starters": people, "int_learning__program_enrolments": enrolments, "stg_config__programs": programs}
    duckdb = model.model(FakeDbt(refs, DuckDBRelation), session=None)
    spark_refs = {name: spark_like(frame) for name, frame in refs.items()}
    spark = model.model(FakeDbt(spark_refs, SparkFrame), session=None)
    expected = onboarding.estimate(people, enrolments, programs, min_group_size=5, bootstrap_samples=20)
    pd.testing.assert_frame_equal(duckdb, expected, check_exact=True)

    def in_order(frame):  # the rows follow programs.csv's, which Spark returns in any order
        return frame.sort_values(["program_id", "kpi"]).reset_index(drop=True)

    pd.testing.assert_frame_equal(in_order(spark), in_order(expected), check_exact=True)
