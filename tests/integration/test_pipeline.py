"""The whole pipeline on the generator's small sample, with its planted truths."""

import duckdb
import pandas as pd
import pytest

from dagster_project.settings import DBT_PROJECT_DIR, SAMPLE_CONFIG_DIR
from sources.generator import PLANTED, TINY_PROGRAM

CONFIG = pd.read_csv(SAMPLE_CONFIG_DIR / "programs.csv")
DBT_SEEDS = DBT_PROJECT_DIR / "seeds"

CONTRACT_IMPACT_COLUMNS = {
    "program_id", "kpi", "n_treated", "n_comparison", "pre_treated", "post_treated",
    "pre_comparison", "post_comparison", "effect", "effect_ci_low", "effect_ci_high",
    "effect_pct", "method", "suppressed",
}
CONTRACT_ROI_COLUMNS = {
    "program_id", "participants", "cost_direct", "cost_participant_time", "cost_total",
    "benefit", "net_benefit", "roi_pct", "bcr", "currency",
}


def impact_row(pipeline, program_id, kpi) -> dict:
    frame = pipeline.frame(
        f"select * from marts.program_impact where program_id = '{program_id}' and kpi = '{kpi}'"
    )
    assert len(frame) == 1, f"no program_impact row for {program_id} x {kpi}"
    return frame.iloc[0].to_dict()


def test_pipeline_publishes_both_contract_tables(pipeline):
    serving = duckdb.connect(str(pipeline.settings.serving_path), read_only=True)
    try:
        impact_cols = {r[0] for r in serving.execute("describe program_impact").fetchall()}
        roi_cols = {r[0] for r in serving.execute("describe program_roi").fetchall()}
        assert serving.execute("select count(*) from program_impact").fetchall()[0][0] == len(CONFIG)
        assert serving.execute("select count(*) from program_roi").fetchall()[0][0] == CONFIG["program_id"].nunique()
    finally:
        serving.close()
    assert impact_cols >= CONTRACT_IMPACT_COLUMNS
    assert roi_cols >= CONTRACT_ROI_COLUMNS
    for table in ("program_impact", "program_roi"):
        assert (pipeline.settings.exports_dir / f"{table}.parquet").exists()


@pytest.mark.parametrize(("program_id", "kpi"), sorted(k for k, v in PLANTED.items() if v != 0))
def test_planted_effect_is_recovered(pipeline, program_id, kpi):
    truth = PLANTED[(program_id, kpi)]
    row = impact_row(pipeline, program_id, kpi)
    assert not row["suppressed"]
    assert row["effect_ci_low"] <= truth <= row["effect_ci_high"], row
    assert abs(row["effect"] - truth) <= 0.15 * abs(truth), row


@pytest.mark.parametrize(("program_id", "kpi"), sorted(k for k, v in PLANTED.items() if v == 0))
def test_no_effect_program_interval_includes_zero_and_earns_nothing(pipeline, program_id, kpi):
    row = impact_row(pipeline, program_id, kpi)
    assert not row["suppressed"]
    assert row["effect_ci_low"] <= 0 <= row["effect_ci_high"], row
    assert row["effect_p_adjusted"] >= 0.05, row
    verdict, text = pipeline.query(
        f"select verdict_code, verdict_text from marts.program_impact where program_id = '{program_id}' and kpi = '{kpi}'")[0]
    assert verdict in ("no_effect", "inconclusive"), text  # never "improved", never read as proven waste
    benefit, roi, status = pipeline.query(
        f"select benefit, roi_pct, roi_status from marts.program_roi where program_id = '{program_id}'")[0]
    assert benefit is None and roi is None and status in ("no_effect", "inconclusive"), (benefit, roi, status)


def test_tiny_program_is_suppressed_with_null_figures(pipeline):
    rows = pipeline.frame(f"select * from marts.program_impact where program_id = '{TINY_PROGRAM}'")
    assert len(rows) >= 1
    for row in rows.to_dict("records"):
        assert row["suppressed"]
        assert row["n_treated"] < pipeline.settings.min_group_size
        for column in ("effect", "effect_ci_low", "effect_ci_high", "pre_treated", "effect_pct"):
            assert row[column] is None or row[column] != row[column], column  # null (None or NaN)


def test_secular_trend_biases_naive_before_after_but_not_the_did(pipeline):
    for (program_id, kpi), truth in PLANTED.items():
        if truth == 0 or kpi == "knowledge_use_rate":
            continue
        row = impact_row(pipeline, program_id, kpi)
        naive_error = abs(row["naive_change"] - truth)
        did_error = abs(row["effect"] - truth)
        # The trend moves everybody upward: a before/after on the treated alone misses it.
        assert naive_error > 3 * did_error, row
        assert naive_error > 0.1 * abs(truth), row


def test_pre_trends_are_parallel_and_the_dip_before_nomination_stays_in_the_anticipation_gap(pipeline):
    # The realistic sample's managers nominate people after a bad spell (a dip in the 4
    # weeks before registration); the pre window ends IMPACT_ANTICIPATION_WEEKS earlier.
    for (program_id, kpi) in PLANTED:
        row = impact_row(pipeline, program_id, kpi)
        assert row["pretrend_ok"], row
        assert row["pretrend_bins_tested"] >= 5, row
        # both tests ran: the joint one over the bins, and the linear trend
        assert row["pretrend_wald_p_value"] >= 0.05 and row["pretrend_trend_p_value"] >= 0.05, row
        assert row["pretrend_p_value"] == pytest.approx(
            min(row["pretrend_wald_p_value"], row["pretrend_trend_p_value"]), abs=1e-6)


def test_roi_follows_the_phillips_formulas(pipeline):
    frame = pipeline.frame("select * from marts.program_roi where roi_status = 'measured'")
    assert len(frame) >= 2
    for row in frame.to_dict("records"):
        other = sum(row[f"cost_{t}"] for t in ("needs_assessment", "design", "delivery", "evaluation", "overhead", "other"))
        assert row["cost_total"] == pytest.approx(row["cost_direct"] + row["cost_participant_time"] + other)
        assert row["net_benefit"] == pytest.approx(row["benefit"] - row["cost_total"])
        assert row["roi_pct"] == pytest.approx(100 * row["net_benefit"] / row["cost_total"])
        assert row["bcr"] == pytest.approx(row["benefit"] / row["cost_total"])
        assert row["benefit"] == pytest.approx(row["benefit_measured"] + row["benefit_projected"])
    sup = frame.set_index("program_id").loc["PRG-SUP"]
    assert sup["benefit"] > 0 and sup["participants"] > 0
    # The measured path covers the event study's post bins; the rest of the year is projected.
    assert sup["benefit_measured"] > 0 and sup["benefit_horizon_weeks"] >= 20
    # Benefits count every completer, as costs count every participant.
    completers = pipeline.query(
        "select count(distinct person_key) from intermediate.int_learning__program_enrolments "
        "where program_id = 'PRG-SUP' and is_completed and person_key is not null")[0][0]
    assert sup["n_benefiting"] == completers


def test_published_tables_hold_no_pii(pipeline):
    serving = duckdb.connect(str(pipeline.settings.serving_path), read_only=True)
    try:
        columns = serving.execute("select table_name, column_name from information_schema.columns").fetchall()
        values = serving.execute("select * from program_impact").fetchall()
    finally:
        serving.close()
    forbidden = ("email", "name", "mbox", "username", "pay", "salary", "comment")
    for table, column in columns:
        # a program's name; a setting, not anyone's pay; comments published scrubbed (below)
        allowed = {"program_name", "table_name", "pay_load_factor", "comment_scrubbed", "comment_rank"}
        assert not any(word in column.lower() for word in forbidden if column not in allowed), (table, column)
    assert not any("@" in str(v) for row in values for v in row)
    serving = duckdb.connect(str(pipeline.settings.serving_path), read_only=True)
    try:
        comments = serving.execute("select comment_scrubbed from program_comments").fetchall()
    finally:
        serving.close()
    assert not any("@" in text for (text,) in comments)


def test_every_check_ran_and_passed(pipeline):
    evaluations = [e.event_specific_data for e in pipeline.result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert len(evaluations) >= 20
    failed = [e.asset_check_key.to_user_string() for e in evaluations if not e.passed]
    assert failed == []


def test_second_run_on_same_landing_changes_no_row_count(pipeline):
    from tests.helpers import run_pipeline

    # raw._file_hashes is a cache, not data: it records a file's hash only once the file
    # is older than its trust margin, so a rerun soon after the sample was written fills it.
    count_sql = """select schema_name || '.' || table_name, estimated_size from duckdb_tables()
                   where schema_name in ('raw', 'staging', 'intermediate', 'marts')
                     and not (schema_name = 'raw' and table_name = '_file_hashes') order by 1"""
    def exact_counts():
        tables = [r[0] for r in pipeline.query(count_sql)]
        return {t: pipeline.query(f"select count(*) from {t}")[0][0] for t in tables}

    before = exact_counts()
    ledger_before = pipeline.query("select count(*), max(loaded_at) from raw._file_ledger")[0]
    result = run_pipeline(pipeline.settings, pipeline.instance)
    assert result.success
    assert exact_counts() == before
    assert pipeline.query("select count(*), max(loaded_at) from raw._file_ledger")[0] == ledger_before


def test_learner_outcomes_average_to_the_pooled_estimate_behind_the_program_effect(pipeline):
    rows = pipeline.query(
        """select i.program_id, i.kpi, e.pooled_effect, avg(o.did_value)
           from marts.program_impact i
           join intermediate.int_impact__effects e on e.program_id = i.program_id and e.kpi = i.kpi
           join marts.learner_outcomes o on o.program_id = i.program_id and o.kpi = i.kpi and o.is_matched
           where not i.suppressed
           group by i.program_id, i.kpi, e.pooled_effect"""
    )
    # Every published difference-in-differences row (person-grain KPIs have no learner rows).
    assert len(rows) == pipeline.query(
        "select count(*) from marts.program_impact where not suppressed and kpi_grain = 'person_week'"
    )[0][0] >= 4
    for program_id, kpi, effect, mean_did in rows:
        assert mean_did == pytest.approx(effect, rel=1e-9, abs=1e-12), (program_id, kpi)


def test_the_nightly_report_names_every_program_with_its_verdict(pipeline):
    import re
    from html import escape

    # The stable path leads through published/current to the published run's own report
    # (the session's run, or a later one of the same data directory).
    folder = pipeline.settings.data_dir / "report"
    current = (pipeline.settings.data_dir / "published" / "current").resolve()
    assert folder.is_symlink() and folder.resolve().parent == current
    assert pipeline.instance.get_run_by_id(current.name) is not None
    html = (folder / "index.html").read_text()
    markdown = (folder / "impact_report.md").read_text()
    verdicts = pipeline.query("select program_id, verdict_code, verdict_text from marts.program_scorecard")
    assert len(verdicts) == CONFIG["program_id"].nunique()
    for program_id, code, text in verdicts:
        assert program_id in html and escape(text) in html and f'data-verdict="{code}"' in html
        assert program_id in markdown and text in markdown
    email = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
    assert not email.search(html) and not email.search(markdown)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), "self-contained: nothing loaded from the network"


# --------------------------------------------------------------------------- the mess of real extracts


def test_rows_breaking_a_plausibility_rule_are_flagged_counted_and_published_anyway(pipeline, small_sample):
    _, summary = small_sample
    planted = summary["mess"]["incidents_resolved_before_first_response"]
    assert planted > 0
    flagged = dict(pipeline.query("select flag_column, flagged_rows from intermediate.int_quality__row_flags"))
    assert flagged["has_resolution_before_response"] == planted
    # Left out of first response only: every flagged ticket still counts for resolution time.
    counts = pipeline.query(
        """select count(distinct case when e.kpi = 'ticket_resolution_hours' then i.incident_id end),
                  count(distinct case when e.kpi = 'first_response_minutes' then i.incident_id end)
           from staging.stg_servicedesk__incidents i
           join intermediate.int_kpis__events e on e.event_id = i.incident_id
           where i.has_resolution_before_response"""
    )[0]
    assert counts[0] > 0.9 * planted and counts[1] == 0
    check = next(
        e.event_specific_data for e in pipeline.result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and e.event_specific_data.asset_check_key.name == "gx_stg_servicedesk__incidents"
    )
    assert check.passed
    assert check.metadata["flagged_rows"].value["resolved before the first response"]["flagged_rows"] == planted


def test_people_in_two_programs_on_one_kpi_are_credited_to_neither(pipeline, small_sample):
    _, summary = small_sample
    # Resolution time: PRG-SUP, and the job aids, some of whose adopters took PRG-SUP too.
    assert summary["knowledge_use"]["aids"]["PRG-KBA"]["adopters_overlapping_other_programs"] > 0
    overlap = dict(pipeline.query(
        "select program_id, n_treated_overlap from marts.program_impact where kpi = 'ticket_resolution_hours'"
    ))
    assert overlap["PRG-SUP"] > 0 and overlap["PRG-KBA"] > 0
    # Everyone left out took both programs (a dropout of one counts: its windows overlap too).
    both = pipeline.query(
        """select count(*) from intermediate.int_impact__overlaps o
           where not exists (select 1 from intermediate.int_learning__program_enrolments e
                             where e.person_key = o.person_key and e.program_id <> o.program_id)"""
    )[0][0]
    assert both == 0
    # Someone credited to two programs on one KPI took them far enough apart that neither
    # program's windows hold the other's training (their spans, as the overlap rule draws
    # them, are disjoint).
    n_weeks = (pipeline.settings.window_days + 6) // 7
    span_weeks = (n_weeks + pipeline.settings.anticipation_weeks) + (1 + n_weeks)
    credited_twice = pipeline.query(
        """select case when a.registration_week < b.registration_week
                       then date_diff('week', a.completion_week, b.registration_week)
                       else date_diff('week', b.completion_week, a.registration_week) end
           from marts.learner_outcomes a join marts.learner_outcomes b
           on a.person_key = b.person_key and a.kpi = b.kpi and a.program_id < b.program_id"""
    )
    assert all(gap >= span_weeks for (gap,) in credited_twice), credited_twice


def test_windows_and_the_as_of_date_come_from_the_extracts_not_the_events(pipeline, small_sample):
    from sources.generator import PERIOD_END

    coverage = pipeline.frame("select * from intermediate.int_kpis__coverage")
    assert set(coverage["as_of_date"].astype(str)) == {PERIOD_END.isoformat()}
    sales = coverage.set_index("kpi").loc["sales_cycle_days"]
    # The cap and the censoring buffer are the catalogue's fixed values, never the data's.
    catalogue = pd.read_csv(DBT_SEEDS / "kpi_catalogue.csv").set_index("kpi")
    assert sales["buffer_days"] == catalogue.loc["sales_cycle_days", "buffer_days"]
    assert sales["value_cap"] == catalogue.loc["sales_cycle_days", "value_cap"]
    row = impact_row(pipeline, "PRG-SAL", "sales_cycle_days")
    assert row["n_events_censored"] > 0 and row["censoring_buffer_days"] == sales["buffer_days"]
    kpis = pipeline.frame("select * from marts.kpis").set_index("kpi")
    assert kpis.loc["ticket_resolution_hours", "value_cap"] == catalogue.loc["ticket_resolution_hours", "value_cap"]
    assert 0 <= kpis.loc["ticket_resolution_hours", "n_events_at_cap"] < kpis.loc["ticket_resolution_hours", "n_events_measured"]
    _, summary = small_sample
    assert summary["records"]["open_opportunities_at_end"] > 0


def test_a_leaver_who_vanished_from_hris_without_a_date_has_left(pipeline, small_sample):
    _, summary = small_sample
    vanished = summary["mess"]["vanished_leaver_ids"]
    assert vanished
    rows = pipeline.query(
        f"""select count(*), count(left_on), count(termination_date)
            from intermediate.int_people__person_versions d
            join (select distinct person_key from intermediate.int_people__email_to_employee
                  where employee_id in ({", ".join(f"'{e}'" for e in vanished)})) v using (person_key)
            where d.is_current_version"""
    )[0]
    assert rows == (len(vanished), len(vanished), 0)


# --------------------------------------------------------------------------- the event study


@pytest.mark.parametrize(("program_id", "kpi"), sorted(k for k, v in PLANTED.items() if v != 0))
def test_event_study_pre_bins_include_zero_and_post_bins_match_the_planted_effect(pipeline, program_id, kpi):
    truth = PLANTED[(program_id, kpi)]
    bins = pipeline.frame(
        f"""select * from marts.program_event_study
            where program_id = '{program_id}' and kpi = '{kpi}' and not suppressed order by relative_bin"""
    )
    tested = bins[bins["is_pretrend_tested"]]
    post = bins[bins["period"] == "post"]
    assert len(tested) >= 5 and len(post) >= 6
    covering_zero = ((tested["ci_low"] <= 0) & (tested["ci_high"] >= 0)).mean()
    assert covering_zero >= 0.8, tested[["relative_bin", "effect", "ci_low", "ci_high"]]
    assert abs(post["effect"].mean() - truth) <= 0.15 * abs(truth), post[["relative_bin", "effect"]]
    covering_truth = ((post["ci_low"] <= truth) & (post["ci_high"] >= truth)).mean()
    # Bins share their reference window and the spillover slope they are adjusted with, so
    # their misses come together: most, not 95 %.
    assert covering_truth >= 0.65, post[["relative_bin", "effect", "ci_low", "ci_high"]]
    assert bins["is_reference"].any()


def test_event_study_shows_the_dip_before_nomination_in_the_anticipation_gap(pipeline, small_sample):
    _, summary = small_sample
    dip = summary["options"]["dip"]
    size = dip["size"]["ticket_resolution_hours"]
    gap = pipeline.frame(
        """select effect, ci_low from marts.program_event_study
           where program_id = 'PRG-SUP' and kpi = 'ticket_resolution_hours' and period = 'anticipation'
             and relative_bin >= -2"""
    )
    assert len(gap) == 2
    assert (gap["ci_low"] > 0).all() and (gap["effect"] > 0.5 * size).all(), gap


def test_the_run_summary_fits_100_columns(pipeline, capsys):
    from dagster_project.summary import print_summary

    print_summary(pipeline.settings, pipeline.result, 1.0)
    lines = [line for line in capsys.readouterr().out.splitlines() if "/" not in line]  # paths are as long as they are
    assert "program_impact:" in lines
    assert max(len(line.rstrip()) for line in lines) <= 100, max(lines, key=len)
