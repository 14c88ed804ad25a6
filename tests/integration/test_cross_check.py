"""An independent check of the published impact estimate: Callaway & Sant'Anna.

Two-way fixed effects is biased when cohorts are staggered and effects differ between
them, so the cross-check is Callaway & Sant'Anna's group-time estimator, doubly
robust, with not-yet-treated comparisons (moderndid, a port of R's `did`), on the
same people's monthly KPI panel:
- people who ever held a job in the program's target family (int_people__person_versions);
- a completer's cohort g = the month after their completion month; the months of
  the training and of the anticipation gap before it are left to `anticipation`;
- people who started the program but did not complete it are left out;
- the effect is the dynamic aggregation over the first three months (the post window).
Both estimates must agree within the two intervals (they overlap), and both recover the truth.
"""

import math
import warnings

import pandas as pd
import pytest

from sources.generator import PLANTED

TOLERANCE = 0.15
CASES = [
    ("PRG-SUP", "ticket_resolution_hours", "Customer Support"),
    ("PRG-SAL", "sales_cycle_days", "Sales"),
]


def _panel(pipeline, program_id: str, kpi: str, job_family: str) -> pd.DataFrame:
    return pipeline.frame(f"""
        with family as (
            select distinct person_key from intermediate.int_people__person_versions where job_family = '{job_family}'
        ),

        enrolled as (
            select person_key, bool_or(is_completed) as completed, max(completed_at) as completed_at
            from intermediate.int_learning__program_enrolments
            where program_id = '{program_id}' and person_key is not null
            group by person_key
        )

        select
            kpi.person_key,
            (year(kpi.period_start) - 2000) * 12 + month(kpi.period_start) as t,
            kpi.kpi_value as y,
            case when enrolled.completed
                 then (year(enrolled.completed_at) - 2000) * 12 + month(enrolled.completed_at) + 1 else 0 end as g
        from intermediate.int_kpis__person_months as kpi
        inner join family on kpi.person_key = family.person_key
        inner join intermediate.int_kpis__coverage as coverage on kpi.kpi = coverage.kpi
        left join enrolled on kpi.person_key = enrolled.person_key
        where kpi.kpi = '{kpi}' and kpi.kpi_value is not null
          and (enrolled.person_key is null or enrolled.completed)
          -- whole months inside the measurable data (the estimator wants a balanced panel)
          and kpi.period_start >= coverage.data_start
          and kpi.period_start + interval 1 month <= coverage.measurable_until
    """)


def _callaway_santanna(panel: pd.DataFrame, anticipation_months: int) -> tuple[float, float]:
    from moderndid import aggte, att_gt

    panel = panel.assign(id=pd.factorize(panel["person_key"])[0] + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = att_gt(
            panel, yname="y", tname="t", idname="id", gname="g", control_group="notyettreated",
            est_method="dr", anticipation=anticipation_months, base_period="universal", boot=False,
        )
        overall = aggte(result, type="dynamic", min_e=0, max_e=2)
    return float(overall.overall_att), 1.96 * float(overall.overall_se)


@pytest.mark.parametrize(("program_id", "kpi", "job_family"), CASES, ids=[c[0] for c in CASES])
def test_callaway_santanna_agrees_with_the_published_effect(pipeline, program_id, kpi, job_family):
    truth = PLANTED[(program_id, kpi)]
    row = pipeline.frame(
        f"select * from marts.program_impact where program_id = '{program_id}' and kpi = '{kpi}'"
    ).iloc[0].to_dict()
    assert not row["suppressed"], row

    # The training (up to 45 days) and the anticipation gap before it, in whole months.
    anticipation_months = math.ceil((pipeline.settings.anticipation_weeks * 7 + 45) / 30)
    estimate, half_width = _callaway_santanna(_panel(pipeline, program_id, kpi, job_family), anticipation_months)
    summary = {"cs": estimate, "cs_half_width": half_width, "mart": row, "truth": truth}

    # The two 95 % intervals overlap: the estimates differ by less than the two half-widths.
    mart_half_width = (row["effect_ci_high"] - row["effect_ci_low"]) / 2
    assert abs(estimate - row["effect"]) <= half_width + mart_half_width, summary
    assert abs(estimate - truth) <= TOLERANCE * abs(truth), summary
    assert abs(row["effect"] - truth) <= TOLERANCE * abs(truth), summary
