"""The person-grain KPIs of new starters, estimated by hire cohort (for the dbt Python
model int_onboarding__estimates).

New starters have no pre-period, so a person difference-in-differences cannot measure
an onboarding program. Instead, per program x person-grain KPI in programs.csv:

- Who is compared, by intention to treat: new starters who began the program, finished
  or not, from the day they began, against new starters who never started it (they
  joined before it existed, or did not take it). Leaving out those who began and did
  not finish would credit the program with who stays long enough to finish (an
  immortal-time bias). The completers-only (per-protocol) estimate is published beside
  it, labelled, as effect_per_protocol. Coarsened exact matching on job family, level,
  location and hire quarter (a stratum needs both groups), then inverse-probability
  (odds) weights for the remaining covariates (FTE, pay band, manager's team size)
  from a logistic model, so that the comparisons stand for the completers (ATT).
- early_attrition: survival over the first 12 months after hire, censored at the
  data's as-of date. Kaplan-Meier per group gives the 12-month attrition levels
  (descriptive: completers had to stay until they completed). The effect comes from a
  weighted Cox model with training as a time-varying covariate (0 from hire to
  completion, 1 after), so there is no immortal-time bias: the difference in 12-month
  attrition for a completer who completes at the median completion day, against the
  baseline (Breslow) survival.
- ramp_days: time from hire to reaching tenured output (int_kpis__new_starters); leaving
  before ramping is a competing outcome and still ramping is censored, both censoring
  the time to ramp (a cause-specific analysis). The effect is the difference in the
  restricted mean time to ramp (up to 182 days) of the weighted Kaplan-Meier curves.
- Uncertainty: a person bootstrap (resampling completers and comparisons, refitting
  the weights and the estimator), seeded, so that a run is repeatable; program_impact
  turns the standard error into a t interval with min(n_treated, n_comparison) - 1
  degrees of freedom, as for every other estimate.

The dbt model reads its refs and calls estimate(); the survival arithmetic is in
survival.py. Tests check the estimators on planted effects
(tests/unit/test_onboarding_estimates.py).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from .survival import cox_time_varying, cumulative_hazard_at, kaplan_meier_arrays, restricted_mean, survival_at

ATTRITION_HORIZON_DAYS = 365
RAMP_HORIZON_DAYS = 182
BOOTSTRAP_SAMPLES = 200
BOOTSTRAP_SEED = 20261126
STRATUM = ["job_family", "job_level", "location", "hire_quarter"]
COVARIATES = ["fte", "pay_band", "manager_team_size"]
COLUMNS = {
    "program_id": "object",
    "kpi": "object",
    "method": "object",
    "n_treated": "int64",
    "n_comparison": "int64",
    "n_events_censored": "int64",
    "n_treated_overlap": "int64",
    "post_treated": "float64",
    "post_comparison": "float64",
    "effect": "float64",
    "effect_se": "float64",
    "df": "int64",
    "hazard_ratio": "float64",
    "effect_per_protocol": "float64",
}


# --------------------------------------------------------------------------- who is compared


def logistic_propensity(covariates: np.ndarray, treated: np.ndarray) -> np.ndarray:
    """P(treated | covariates) by a lightly ridged logistic regression (Newton)."""
    scale = covariates.std(axis=0)
    z = (covariates - covariates.mean(axis=0)) / np.where(scale > 0, scale, 1.0)
    design = np.column_stack([np.ones(len(z)), z])
    coef = np.zeros(design.shape[1])
    for _ in range(25):
        p = 1.0 / (1.0 + np.exp(-design @ coef))
        gradient = design.T @ (treated - p) - 1e-3 * coef
        hessian = (design * (p * (1 - p))[:, None]).T @ design + 1e-3 * np.eye(len(coef))
        step = np.linalg.solve(hessian, gradient)
        coef += step
        if np.max(np.abs(step)) < 1e-8:
            break
    return np.clip(1.0 / (1.0 + np.exp(-design @ coef)), 0.01, 0.99)


@dataclass(frozen=True)
class Cohort:
    """One program's new starters (cohorts' frame) as the arrays the estimators read:
    converted once, so that a bootstrap resample is an index into each array rather
    than a new DataFrame."""

    treated: np.ndarray
    stratum: np.ndarray  # the exact-matching cell (STRATUM) as an integer code
    covariates: np.ndarray  # COVARIATES, one row per person
    observed_days: np.ndarray
    has_left: np.ndarray
    completion_day: np.ndarray  # NaN for comparisons
    rampable: np.ndarray  # output measured, and hired before the measurable data ends
    ramp_days: np.ndarray
    ramped: np.ndarray

    @classmethod
    def of(cls, people: Cohort | pd.DataFrame) -> Cohort:
        if isinstance(people, Cohort):
            return people

        def number(column: str) -> np.ndarray:
            return pd.to_numeric(people[column]).to_numpy(float, na_value=np.nan)

        ramp_days = number("ramp_days")
        return cls(
            treated=people["treated"].to_numpy(bool),
            stratum=people.groupby(STRATUM, sort=False, dropna=False).ngroup().to_numpy(),
            covariates=people[COVARIATES].to_numpy(float),
            observed_days=number("observed_days"),
            has_left=people["has_left"].to_numpy(bool),
            completion_day=number("completion_day"),
            rampable=people["has_output_measure"].to_numpy(bool) & (ramp_days >= 0),
            ramp_days=ramp_days,
            ramped=(people["ramp_status"] == "ramped").to_numpy(bool),
        )

    def take(self, rows: np.ndarray) -> Cohort:
        """The people at these positions (or where this mask is true), in that order."""
        return Cohort(*(getattr(self, f.name)[rows] for f in fields(self)))


def att_weights(people: Cohort) -> np.ndarray:
    """Coarsened exact matching on the stratum, then odds weights on the covariates:
    completers weigh 1, comparisons stand for the completers of their stratum.
    People of unmatched strata get weight 0."""
    key, treated = people.stratum, people.treated
    n = len(key)
    n_treated = np.bincount(key, weights=treated.astype(float))[key]
    n_comparison = np.bincount(key, weights=(~treated).astype(float))[key]
    matched = (n_treated > 0) & (n_comparison > 0)
    weight = np.where(treated, 1.0, np.divide(n_treated, n_comparison, out=np.zeros(n), where=n_comparison > 0))
    weight = np.where(matched, weight, 0.0)
    if matched.sum() > len(COVARIATES) + 2 and len(set(treated[matched])) == 2:
        p = logistic_propensity(people.covariates[matched], treated[matched].astype(float))
        odds = np.ones(n)
        odds[matched] = np.where(treated[matched], 1.0, p / (1 - p))
        # Odds weights rescaled so that each stratum's comparisons keep their total.
        comparison = matched & ~treated
        odds_total = np.bincount(key[comparison], weights=odds[comparison], minlength=key.max() + 1)
        count_total = np.bincount(key[comparison], minlength=key.max() + 1)
        odds[comparison] = odds[comparison] * count_total[key[comparison]] / odds_total[key[comparison]]
        weight = weight * odds
    return weight


# --------------------------------------------------------------------------- estimators


def attrition_effect(people: Cohort | pd.DataFrame) -> dict:
    """12-month attrition: KM levels per group, the effect from the time-varying Cox."""
    people = Cohort.of(people)
    weight = att_weights(people)
    used = people.take(weight > 0)
    w = weight[weight > 0]
    treated = used.treated
    # A leaver on the day of hire left after half a day: every row has a positive span.
    days = np.maximum(used.observed_days, 0.5)
    time = np.minimum(days, ATTRITION_HORIZON_DAYS)
    event = used.has_left & (days <= ATTRITION_HORIZON_DAYS)
    levels = {}
    for group in (True, False):
        curve = kaplan_meier_arrays(time[treated == group], event[treated == group], w[treated == group])
        levels[group] = 1.0 - survival_at(curve, ATTRITION_HORIZON_DAYS)
    # Counting-process rows: a completer is untrained from hire to completion, trained
    # after; whoever left (or was censored) before completing was never trained.
    completion = np.where(treated, used.completion_day, np.inf)
    from_start = completion <= 0
    split = (completion > 0) & (completion < time)
    starts = np.concatenate([np.zeros(len(time)), completion[split]])
    stops = np.concatenate([np.where(split, completion, time), time[split]])
    events = np.concatenate([np.where(split, False, event), event[split]])
    exposed = np.concatenate([from_start.astype(float), np.ones(split.sum())])
    weights = np.concatenate([w, w[split]])
    beta, baseline = cox_time_varying(starts, stops, events, exposed, weights)
    day = float(np.median(completion[treated])) if treated.any() else 0.0
    day = max(day, 0.0)
    h_day = cumulative_hazard_at(baseline, day)
    h_end = cumulative_hazard_at(baseline, ATTRITION_HORIZON_DAYS)
    untrained = np.exp(-h_end)
    trained = np.exp(-h_day - np.exp(beta) * (h_end - h_day))
    return {
        "effect": float(untrained - trained),  # attrition(trained) - attrition(untrained)
        "post_treated": levels[True],
        "post_comparison": levels[False],
        "hazard_ratio": float(np.exp(beta)),
        "n_treated": int(treated.sum()),
        "n_comparison": int((~treated).sum()),
        "n_events_censored": int(np.sum(~event & (time < ATTRITION_HORIZON_DAYS))),
    }


def ramp_effect(people: Cohort | pd.DataFrame) -> dict:
    """Restricted mean time to ramp (up to RAMP_HORIZON_DAYS), completers minus comparisons."""
    # Job families whose output is measured, and people hired before the measurable data ends.
    people = Cohort.of(people)
    people = people.take(people.rampable)
    weight = att_weights(people)
    used = people.take(weight > 0)
    w = weight[weight > 0]
    treated, time, event = used.treated, used.ramp_days, used.ramped
    means = {}
    for group in (True, False):
        curve = kaplan_meier_arrays(time[treated == group], event[treated == group], w[treated == group])
        means[group] = restricted_mean(curve, RAMP_HORIZON_DAYS)
    return {
        "effect": means[True] - means[False],
        "post_treated": means[True],
        "post_comparison": means[False],
        "hazard_ratio": None,
        "n_treated": int(treated.sum()),
        "n_comparison": int((~treated).sum()),
        "n_events_censored": int(np.sum(~event)),
    }


ESTIMATORS = {
    "early_attrition": (
        attrition_effect,
        "12-month attrition difference at the median start day from a weighted Cox model with training "
        "as a time-varying covariate (no immortal time); by intention to treat, new starters who began the "
        "program (from the day they began, finished or not) vs new starters who never took it, exact-matched on job family, level, location and hire quarter, odds-weighted on FTE, pay "
        "band and manager's team size; person-bootstrap SE",
    ),
    "ramp_days": (
        ramp_effect,
        "difference in restricted mean time to ramp (to 182 days) from weighted Kaplan-Meier curves, leaving "
        "before ramping (competing) and still ramping censored; by intention to treat, new starters who began "
        "the program (finished or not) vs new starters who never took it, exact-matched on job family, level, location and hire quarter, odds-weighted on FTE, pay "
        "band and manager's team size; person-bootstrap SE",
    ),
}


def bootstrap_se(estimator, people: Cohort | pd.DataFrame, samples: int = BOOTSTRAP_SAMPLES, seed: int = BOOTSTRAP_SEED) -> float:
    """The standard deviation of the effect over person resamples of each group."""
    people = Cohort.of(people)
    rng = np.random.default_rng(seed)
    groups = [np.flatnonzero(people.treated), np.flatnonzero(~people.treated)]
    effects = []
    for _ in range(samples):
        drawn = np.concatenate([rng.choice(g, len(g), replace=True) for g in groups])
        try:
            effects.append(estimator(people.take(drawn))["effect"])
        except (ValueError, ZeroDivisionError, FloatingPointError, np.linalg.LinAlgError):
            continue
    effects = np.asarray([e for e in effects if np.isfinite(e)])
    return float(effects.std(ddof=1)) if len(effects) > 1 else float("nan")


def cohorts(
    people: pd.DataFrame, enrolments: pd.DataFrame, program_id: str, same_kpi: set[str], by: str = "started"
) -> tuple[pd.DataFrame, int]:
    """New starters who began the program (by="started", intention to treat: treated from
    the day they began) or completed it (by="completed", per protocol: from the day they
    completed), against those who never started it, and how many were left out for
    another program on the same KPI (completion_day holds the day treatment begins).

    A person in two programs on one person-grain KPI is credited once, to the program
    they started first: the later program's completers who had started an earlier one
    are left out of its estimate (and counted), and nobody who started another program
    on the KPI serves as a comparison. The earlier program's estimate keeps them: what
    happened after it is part of its effect."""
    known = enrolments[enrolments["person_key"].notna()]
    taken = known[known["program_id"] == program_id]
    others = known[known["program_id"].isin(same_kpi - {program_id})]
    started_here = taken.groupby("person_key")["started_at"].min()
    if by == "started":
        members = started_here[started_here.notna()]
    elif by == "completed":
        members = taken[taken["is_completed"].astype(bool)].groupby("person_key")["completed_at"].min()
    else:
        raise ValueError(f"by must be 'started' or 'completed', not {by!r}")
    started_other = others.groupby("person_key")["started_at"].min()
    earlier = started_other.reindex(members.index)
    credited_elsewhere = set(members.index[(earlier < started_here.reindex(members.index)).fillna(False)])
    treated = set(members.index) - credited_elsewhere
    comparisons = ~people["person_key"].isin(set(taken["person_key"]) | set(started_other.index))
    frame = people[people["person_key"].isin(treated) | comparisons].copy()
    frame["treated"] = frame["person_key"].isin(treated)
    treated_from = pd.to_datetime(frame["person_key"].map(members))
    frame["completion_day"] = (treated_from - pd.to_datetime(frame["hire_date"])).dt.days
    # A fixed order: the warehouse returns rows in any order, and the seeded bootstrap
    # must draw the same people every run.
    return frame.sort_values("person_key").reset_index(drop=True), len(credited_elsewhere & set(people["person_key"]))


def estimate(
    people: pd.DataFrame,
    enrolments: pd.DataFrame,
    programs: pd.DataFrame,
    min_group_size: int,
    bootstrap_samples: int = BOOTSTRAP_SAMPLES,
) -> pd.DataFrame:
    """One row per program x person-grain KPI in programs (other KPIs are skipped): the
    intention-to-treat estimate with its bootstrap SE, and the per-protocol effect. A
    group smaller than min_group_size leaves the row's figures empty."""
    rows = []
    pairs = programs[["program_id", "kpi"]].drop_duplicates()
    for program_id, kpi in pairs.itertuples(index=False):
        if kpi not in ESTIMATORS:
            continue
        estimator, method = ESTIMATORS[kpi]
        same_kpi = set(pairs.loc[pairs["kpi"] == kpi, "program_id"])
        frame, overlap = cohorts(people, enrolments, program_id, same_kpi, by="started")
        cohort = Cohort.of(frame)
        row = {
            "program_id": program_id,
            "kpi": kpi,
            "method": method,
            "n_treated": 0,
            "n_comparison": 0,
            "n_events_censored": 0,
            "n_treated_overlap": overlap,
        }
        if frame["treated"].sum() >= min_group_size and (~frame["treated"]).sum() >= min_group_size:
            result = estimator(cohort)
            row.update(result)
            if min(result["n_treated"], result["n_comparison"]) >= min_group_size:
                row["effect_se"] = bootstrap_se(estimator, cohort, samples=bootstrap_samples)
            row["df"] = min(result["n_treated"], result["n_comparison"]) - 1
            per_protocol, _ = cohorts(people, enrolments, program_id, same_kpi, by="completed")
            if per_protocol["treated"].sum() >= min_group_size:
                row["effect_per_protocol"] = estimator(Cohort.of(per_protocol))["effect"]
        rows.append(row)
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    return out.astype({c: ("Int64" if t == "int64" else t) for c, t in COLUMNS.items()})
