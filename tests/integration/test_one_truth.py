"""What people read says what the estimates say: every verdict, status and reason is a
column of the marts, and every surface (the report, its Markdown twin, the run summary,
the Dagster previews) renders that column; no figure comes from fewer than the minimum
group, in any published table."""

from html import escape

import duckdb
import pytest
from dagster import AssetKey

from dagster_project.summary import print_summary

# Per published table: which rows hold a group smaller than the minimum (SQL over the
# row, {n} the minimum), and the columns that may stay filled there (ids, labels, the
# counts the condition reads, configuration). Every other numeric column of such a row
# must be null; a column added later is covered without a change here.
SMALL_GROUPS = {
    "program_impact": (
        "n_treated < {n} or n_comparison < {n}",
        {"n_treated", "n_comparison", "n_treated_unmatched", "n_completers", "completers_measured_share",
         "n_treated_overlap", "n_events_censored", "censoring_buffer_days", "window_days", "anticipation_weeks"},
    ),
    "program_event_study": (
        "n_treated < {n} or n_comparison < {n}",
        {"relative_bin", "week_from", "week_to", "n_treated", "n_comparison"},
    ),
    "program_scorecard": (
        "l1_respondents < {n}",
        {"activity_learners_enrolled", "activity_learners_completed", "activity_completion_rate",
         "activity_learning_hours", "l1_reaction_responses", "l1_respondents", "l1_reaction_response_rate",
         "l2_mean_pre_score", "l2_mean_post_score", "l2_mean_score_gain", "l2_pass_rate", "l2_people_assessed",
         "l3_behaviour_effect", "l4_results_kpis", "l4_results_improved", "l4_results_worsened",
         "l4_results_not_credible", "l4_results_inconclusive", "l4_results_no_effect", "l4_results_not_measured",
         "l5_roi_pct", "l5_bcr"},
    ),
    "program_scorecard ": (  # the same table, level 2 against its own group
        "l2_people_assessed < {n}",
        {"activity_learners_enrolled", "activity_learners_completed", "activity_completion_rate",
         "activity_learning_hours", "l1_reaction_mean", "l1_reaction_responses", "l1_respondents",
         "l1_reaction_response_rate", "l2_people_assessed", "l3_behaviour_effect", "l4_results_kpis",
         "l4_results_improved", "l4_results_worsened", "l4_results_not_credible", "l4_results_inconclusive",
         "l4_results_no_effect", "l4_results_not_measured", "l5_roi_pct", "l5_bcr"},
    ),
    "program_roi": (
        "roi_status <> 'measured'",
        {"participants", "n_benefiting", "cost_direct", "cost_participant_time", "cost_needs_assessment",
         "cost_design", "cost_delivery", "cost_evaluation", "cost_overhead", "cost_other", "cost_total",
         "events_per_participant_month", "pay_load_factor"},
    ),
    "program_kpi_roi": (
        "not earns_benefit",
        {"benefit_per_unit", "n_benefiting", "program_cost_total", "program_benefit", "program_roi_pct"},
    ),
    "program_comments": ("program_respondents < {n}", set()),
    "knowledge_gaps": ("people < {n}", set()),
    "aid_adoption": ("suppressed", {"viewers_to_date"}),
    "search_trends": ("suppressed", set()),
    "program_cohorts": ("cohort_people < {n}", {"cohort_people"}),
    "program_expectations": (
        "contribution_code = 'not_measured'",
        {"baseline_value", "target_value", "current_value", "current_people", "progress_pct"},
    ),
    "program_expectations ": ("current_people < {n}", {"baseline_value", "target_value", "current_people",
                                                      "measured_effect", "effect_share_of_expected_pct"}),
}
NUMERIC = ("DOUBLE", "FLOAT", "DECIMAL", "INTEGER", "BIGINT", "HUGEINT", "SMALLINT")


def _serving(pipeline) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(pipeline.settings.serving_path), read_only=True)


def test_no_published_figure_comes_from_fewer_than_the_minimum_group(pipeline):
    assert_no_small_group_figure(pipeline)
    conn = _serving(pipeline)
    try:
        n = pipeline.settings.min_group_size
        # The small groups this sample plants are there to be hidden (PRG-NEG: 3 completers).
        assert conn.execute(f"select count(*) from program_scorecard where l1_respondents < {n}").fetchone()[0] >= 1
        assert conn.execute("select count(*) from program_roi where roi_status = 'not_measured'").fetchone()[0] >= 1
    finally:
        conn.close()


def assert_no_small_group_figure(run) -> None:
    """Every published table of a run: no figure where its group is under the minimum."""
    n = run.settings.min_group_size
    conn = _serving(run)
    try:
        published = {r[0] for r in conn.execute("select table_name from duckdb_tables() where schema_name = 'main'").fetchall()}
        checked = set()
        for name, (small, exempt) in SMALL_GROUPS.items():
            table = name.strip()
            assert table in published, table
            numeric = [c for c, kind in conn.execute(
                "select column_name, data_type from duckdb_columns() where schema_name = 'main' and table_name = ?",
                [table]).fetchall() if kind.startswith(NUMERIC)]
            shown = [c for c in numeric if c not in exempt]
            assert shown, table
            where = small.format(n=n)
            for column in shown:
                leaked = conn.execute(f"select count(*) from {table} where ({where}) and {column} is not null").fetchone()[0]
                assert leaked == 0, f"{table}.{column} is published for {leaked} row(s) where {where}"
            checked.add(table)
        # A learner's row is published only for a program x KPI whose figures are.
        assert conn.execute("""select count(*) from learner_outcomes as l inner join program_impact as i
                               on l.program_id = i.program_id and l.kpi = i.kpi where i.suppressed""").fetchone()[0] == 0
        # Every published table with figures about people is covered above, or holds none.
        people_free = {"programs", "kpis", "publish_info", "learner_outcomes", "data_quality"}
        assert published - checked <= people_free, published - checked - people_free
    finally:
        conn.close()


def test_verdicts_rest_on_measured_credible_effects(pipeline):
    assert_verdicts_rest_on_measured_credible_effects(pipeline)
    conn = _serving(pipeline)
    try:
        # The sample's program too small to measure and its inconclusive one carry no ROI.
        statuses = dict(conn.execute("select program_id, roi_status from program_roi").fetchall())
        assert statuses["PRG-NEG"] == "not_measured" and statuses["PRG-RET"] == "not_measured", statuses
        assert statuses["PRG-ONB"] in ("inconclusive", "measured"), statuses
    finally:
        conn.close()


def assert_verdicts_rest_on_measured_credible_effects(run) -> None:
    conn = _serving(run)
    try:
        # ROI only where a KPI's effect was measured, credible and significant.
        for program_id, status, roi in conn.execute("select program_id, roi_status, roi_pct from program_roi").fetchall():
            earning = conn.execute(
                "select count(*) from program_impact where program_id = ? and verdict_code in ('improved', 'worsened') "
                "and is_significant and (pretrend_ok or kpi_grain = 'person')", [program_id]).fetchone()[0]
            assert (roi is not None) == (status == "measured") == (earning > 0), (program_id, status, roi, earning)
        # No "delivered what was expected" on an interval that includes zero.
        for row in conn.execute("""select e.program_id, e.kpi, i.effect_ci_low, i.effect_ci_high, i.is_significant
                                   from program_expectations as e inner join program_impact as i using (program_id, kpi)
                                   where e.contribution_code = 'reached'""").fetchall():
            assert row[4] and (row[2] > 0 or row[3] < 0), row
        # A verdict of impact names a significant, credible KPI; an unmeasured KPI is never "no effect".
        for row in conn.execute("select program_id, kpi, verdict_code, is_significant, pretrend_ok, suppressed, "
                                "effect_ci_low, effect_ci_high from program_impact").fetchall():
            program_id, kpi, code, significant, parallel, suppressed, low, high = row
            if code in ("improved", "worsened"):
                assert significant and parallel is not False and not suppressed, row
            if suppressed:
                assert code == "not_measured", row
            if code == "no_effect":
                assert low is not None and high is not None and not significant, row
    finally:
        conn.close()


def test_every_surface_renders_the_marts_words(pipeline, capsys):
    conn = _serving(pipeline)
    try:
        programs = conn.execute("select program_id, verdict_code, verdict_text from program_scorecard").fetchall()
        kpis = conn.execute("select program_id, kpi, verdict_code, verdict_text from program_impact").fetchall()
        roi = conn.execute("select program_id, roi_status, roi_status_text from program_roi").fetchall()
        expectations = conn.execute("select program_id, kpi, contribution_status from program_expectations").fetchall()
    finally:
        conn.close()
    report = pipeline.settings.data_dir / "report"
    html = (report / "index.html").read_text()
    markdown = (report / "impact_report.md").read_text()
    for program_id, code, text in programs:
        section = html[html.index(f'<section class="program" id="{program_id}"'):]
        section = section[:section.index("</section>")]
        assert f'data-verdict="{code}"' in section and escape(text) in section, program_id
        assert text in markdown, program_id
    for program_id, kpi, _code, text in kpis:
        assert escape(text) in html, (program_id, kpi)
    for program_id, _status, text in roi:
        section = html[html.index(f'<section class="program" id="{program_id}"'):]
        assert escape(text) in section[:section.index("</section>")], program_id
    for program_id, kpi, status in expectations:
        assert escape(status) in html, (program_id, kpi)

    # The run summary prints the ROI status beside the ROI, and no ROI where none was measured.
    print_summary(pipeline.settings, None, 0.0)
    console = capsys.readouterr().out
    roi_table = console[console.index("\nprogram_roi:"):]
    roi_table = roi_table[:roi_table.index("\n\n")]
    for program_id, status, _ in roi:
        line = next(line for line in roi_table.splitlines() if line.lstrip().startswith(program_id))
        assert status.replace("_", " ") in line, line
        if status != "measured":
            assert "%" not in line, line

    # The Dagster previews of the marts read the same columns (this run's: other tests
    # build other worlds on the same instance).
    def run_preview(table: str) -> str:
        (event,) = [e for e in pipeline.result.all_events
                    if e.event_type_value == "ASSET_MATERIALIZATION" and e.asset_key == AssetKey(["marts", table])]
        return event.event_specific_data.materialization.metadata["preview"].value

    for table, column in (("program_roi", "ROI status"), ("program_scorecard", "Verdict"), ("program_impact", "Verdict")):
        preview = run_preview(table)
        assert column in preview.splitlines()[0], preview
    preview = run_preview("program_roi")
    for program_id, status, _ in roi:
        line = next(line for line in preview.splitlines() if f"| {program_id} " in line)
        assert status.replace("_", " ") in line and ("%" in line) == (status == "measured"), line


def test_the_method_text_names_what_the_code_computes(pipeline):
    """The method is written once (the impact_method doc block): the serving file's
    description of program_impact and the report's method section carry it, and its
    formulas are the ones the published figures follow, so the next drift fails here."""
    from scipy import stats

    conn = _serving(pipeline)
    try:
        description = conn.execute(
            "select comment from duckdb_tables() where schema_name = 'main' and table_name = 'program_impact'").fetchone()[0]
        description = " ".join(description.split())
        rows = conn.execute("""select n_treated, n_comparison, effect, effect_se, effect_df, effect_ci_low, effect_ci_high,
                                      window_days, anticipation_weeks
                               from program_impact where not suppressed and kpi_grain = 'person_week'""").fetchall()
        info = conn.execute("select distinct window_days, anticipation_weeks from publish_info").fetchall()
    finally:
        conn.close()
    assert "t(min(n_treated, n_comparison) - 1)" in description
    assert "`window_days`" in description and "`anticipation_weeks` before the week of their first registration" in description
    assert "Holm across every program's KPIs" in description
    assert rows
    for n_treated, n_comparison, effect, se, df, low, high, window, anticipation in rows:
        assert df == min(n_treated, n_comparison) - 1
        t = stats.t.ppf(0.975, df)
        assert low == pytest.approx(effect - t * se, rel=1e-3) and high == pytest.approx(effect + t * se, rel=1e-3)
        assert (window, anticipation) == info[0]
    html = (pipeline.settings.data_dir / "report" / "index.html").read_text()
    method = html[html.index('<section id="method"'):]
    assert "t(min(n_treated, n_comparison) - 1)" in method and "<ol>" in method
