"""The nightly impact report for L&D teams and KPI owners: a Markdown page written
beside the Parquet exports from the tables just published."""

from datetime import datetime, timezone
from pathlib import Path

import duckdb


def _fmt(value) -> str:
    if value is None or value != value:  # None or NaN
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def _table(conn: duckdb.DuckDBPyConnection, sql: str) -> str:
    rel = conn.sql(sql)
    rows = rel.fetchall()
    lines = ["| " + " | ".join(rel.columns) + " |", "|" + "---|" * len(rel.columns)]
    lines += ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def build_report(serving: Path, run_id: str) -> str:
    conn = duckdb.connect(str(serving), read_only=True)
    try:
        sections = [
            "# Learning impact report",
            f"Published {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by run `{run_id}`. "
            "Activity figures (enrolments, completions, hours) say what happened; the effect "
            "columns say what the program changed, against a matched comparison group.",
            "## Verdicts (Kirkpatrick scorecard)",
            _table(conn, """select program_id as program, program_name as name,
                                   activity_learners_enrolled as enrolled, activity_completion_rate as completion_rate,
                                   l1_reaction_mean as reaction, l2_mean_score_gain as score_gain,
                                   l3_behaviour_outcome as behaviour, l5_roi_pct as roi_pct, verdict
                            from program_scorecard order by program_id"""),
            "## Effect on each KPI (difference-in-differences, 95 % interval)",
            _table(conn, """select program_id as program, kpi, kpi_unit as unit, n_treated, n_comparison,
                                   effect, effect_ci_low as ci_low, effect_ci_high as ci_high, effect_pct,
                                   naive_change, case when suppressed then 'suppressed (too few people)' else '' end as note
                            from program_impact order by program_id, kpi"""),
            "## Return on investment (Phillips, first-year benefits, conservative)",
            _table(conn, """select program_id as program, participants, cost_direct, cost_participant_time,
                                   cost_total, benefit, net_benefit, roi_pct, bcr, currency
                            from program_roi order by program_id"""),
            "## Return on expectation (against the KPI owner's target)",
            _table(conn, """select program_id as program, kpi, kpi_owner, baseline_value as baseline,
                                   target_value as target, current_value as current, progress_pct,
                                   effect_share_of_expected_pct as effect_share_pct, status
                            from program_expectations order by program_id, kpi"""),
            "## How to read this",
            "- `effect` is in the KPI's unit, sign as measured: for a KPI where lower is better "
            "(hours, days, minutes) a negative effect is an improvement.\n"
            "- An interval that includes zero means no measurable effect; the ROI then counts "
            "no benefit from that KPI.\n"
            "- `naive_change` is the plain before/after of the people trained; it includes "
            "whatever moved everybody (trends, seasons), which the effect removes.\n"
            "- Groups under the minimum size are suppressed: no figures are shown for them.",
        ]
    finally:
        conn.close()
    return "\n\n".join(sections) + "\n"


def write_report(serving: Path, exports_dir: Path, run_id: str) -> Path:
    target = exports_dir / "impact_report.md"
    staged = exports_dir / f".impact_report.md.{run_id[:8]}.tmp"
    staged.write_text(build_report(serving, run_id))
    staged.replace(target)
    return target
