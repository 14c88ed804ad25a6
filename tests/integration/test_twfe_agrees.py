"""An independent check of the published impact estimate.

The mart estimates each program's effect by difference-in-differences over
matched 90-day windows. Here the same effect is estimated another way, straight
from the weekly KPI panel: a two-way fixed-effects regression (person and week
fixed effects, person-clustered standard errors) over every week of the target
job family. Both must agree with each other and with the truth the generator
planted.

Panel, per program x KPI:
- people who ever held a job in the program's target family (dim_person);
- D = 1 for a completer's weeks after their completion week;
- a completer's weeks from their registration week through their completion
  week (the training period) are dropped;
- people who started the program but did not complete it are dropped entirely;
- never-enrolled people stay as controls (D = 0 throughout).
"""

import pandas as pd
import pytest
import statsmodels.formula.api as smf

from sources.generator import PLANTED

TOLERANCE = 0.15  # both estimates within 15 % of the planted truth

CASES = [
    ("PRG-SUP", "ticket_resolution_hours", "Customer Support"),
    ("PRG-SAL", "sales_cycle_days", "Sales"),
]


def _panel(pipeline, program_id: str, kpi: str, job_family: str) -> pd.DataFrame:
    return pipeline.frame(f"""
        with family as (
            select distinct person_key
            from intermediate.dim_person
            where job_family = '{job_family}'
        ),

        enrolled as (
            select
                person_key,
                bool_or(is_completed) as completed,
                min(cast(date_trunc('week', first_registered_at) as date)) as registration_week,
                max(cast(date_trunc('week', completed_at) as date)) as completion_week
            from intermediate.int_learning__program_enrolments
            where program_id = '{program_id}' and person_key is not null
            group by person_key
        )

        select
            kpi.person_key,
            cast(kpi.period_start as varchar) as week,
            kpi.kpi_value,
            case when enrolled.completed and kpi.period_start > enrolled.completion_week
                 then 1.0 else 0.0 end as d
        from intermediate.fct_person_kpi_week as kpi
        inner join family on kpi.person_key = family.person_key
        left join enrolled on kpi.person_key = enrolled.person_key
        where kpi.kpi = '{kpi}'
          and kpi.kpi_value is not null
          and (
              enrolled.person_key is null
              or (enrolled.completed
                  and not (kpi.period_start between enrolled.registration_week and enrolled.completion_week))
          )
    """)


def _twfe(panel: pd.DataFrame) -> tuple[float, float]:
    """The coefficient on D with person and week fixed effects, and its 95 % half-width
    from person-clustered standard errors."""
    groups = pd.factorize(panel["person_key"])[0]
    fit = smf.ols("kpi_value ~ d + C(person_key) + C(week)", data=panel).fit(
        cov_type="cluster", cov_kwds={"groups": groups}
    )
    low, high = fit.conf_int(alpha=0.05).loc["d"]
    return float(fit.params["d"]), float(high - low) / 2


@pytest.mark.parametrize(("program_id", "kpi", "job_family"), CASES, ids=[c[0] for c in CASES])
def test_twfe_agrees_with_the_mart_and_the_planted_truth(pipeline, program_id, kpi, job_family):
    truth = PLANTED[(program_id, kpi)]
    mart = pipeline.frame(f"""
        select effect, effect_ci_low, effect_ci_high, n_treated, suppressed
        from marts.program_impact
        where program_id = '{program_id}' and kpi = '{kpi}'
    """)
    assert len(mart) == 1, f"no program_impact row for {program_id} x {kpi}"
    row = mart.iloc[0].to_dict()
    assert not row["suppressed"], row

    panel = _panel(pipeline, program_id, kpi, job_family)
    treated_people = panel.loc[panel["d"] == 1, "person_key"].nunique()
    assert treated_people >= pipeline.settings.min_group_size, treated_people
    assert panel["person_key"].nunique() > treated_people  # there are controls

    estimate, half_width = _twfe(panel)
    summary = {
        "twfe": estimate, "twfe_half_width": half_width, "twfe_treated_people": treated_people,
        "rows": len(panel), "mart": row, "truth": truth,
    }

    # The TWFE estimate lies in the mart's interval, widened by the TWFE's own uncertainty.
    assert row["effect_ci_low"] - half_width <= estimate <= row["effect_ci_high"] + half_width, summary
    # Both recover the planted effect.
    assert abs(estimate - truth) <= TOLERANCE * abs(truth), summary
    assert abs(row["effect"] - truth) <= TOLERANCE * abs(truth), summary
