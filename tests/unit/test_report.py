"""The report, the serving file's descriptions and the offline Data Docs, on small
hand-made tables (fast; the real pipeline's report is tested in tests/browser)."""

import re
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from dagster_project.publish.serving import PUBLISH_INFO, write_marts
from dagster_project.quality.data_docs import record
from dagster_project.report import formats as f
from dagster_project.report import load, render_html, render_markdown, write_report
from dagster_project.report.labels import LABELS, label


def _serving(path: Path) -> Path:
    conn = duckdb.connect(str(path))
    conn.execute(
        """create table publish_info as select 'run-1' as run_id, timestamp '2026-07-01 02:10:00' as published_at,
           date '2026-06-30' as landing_as_of, 90 as window_days, 6 as anticipation_weeks, 5 as min_group_size,
           'abc' as code_fingerprint, 'program_impact' as table_name, 3 as row_count"""
    )
    conn.execute(
        """create table programs as select * from (values ('BIG', 'Big Program', 'USD'), ('TINY', 'Tiny Program', 'USD'))
           t(program_id, program_name, currency)"""
    )
    conn.execute(
        """create table kpis as select * from (values ('sales_cycle_days', 'Sales cycle', 'days', 'decrease', 4),
           ('knowledge_use_rate', 'Knowledge article use', 'share', 'increase', 3))
           t(kpi, kpi_label, kpi_unit, better_direction, kirkpatrick_level)"""
    )
    conn.execute(
        """create table program_scorecard as select * from (values
           ('BIG', 'Big Program', 60, 50, 0.83, 4.2, 40, 0.8, null, 15.5, 0.56, 40, null, 'paid_for_itself', 'BIG VERDICT TEXT.'),
           ('TINY', 'Tiny Program', 4, 3, 0.75, null, 3, 1.0, '3 people answered, fewer than 5', null, null, 3,
            '3 people assessed, fewer than 5', 'not_measured', 'TINY VERDICT TEXT.'))
           t(program_id, program_name, activity_learners_enrolled, activity_learners_completed, activity_completion_rate,
             l1_reaction_mean, l1_reaction_responses, l1_reaction_response_rate, l1_not_shown_reason, l2_mean_score_gain,
             l2_pass_rate, l2_people_assessed, l2_not_shown_reason, verdict_code, verdict_text)"""
    )
    conn.execute(
        """create table program_impact as select * from (values
           ('BIG', 'sales_cycle_days', 'days', 'decrease', 'person_week', 25, 40, 45.0, 38.0, -9.9, -10.8, -9.1, 0.0002, true, true, 0.6, 10, false, 90, 6,
            'improved', 'improved by 9.9 days'),
           ('BIG', 'knowledge_use_rate', 'share', 'increase', 'person_week', 30, 30, 0.3, 0.45, 0.15, 0.12, 0.19, 0.0002, true, false, 0.01, 10, false, 90, 6,
            'not_credible', 'not credible: the trained and comparison groups diverged before training'),
           ('TINY', 'sales_cycle_days', 'days', 'decrease', 'person_week', 1, 7, null, null, null, null, null, null, false, null, null, null, true, 90, 6,
            'not_measured', 'not measured: 3 completed it, fewer than 5'))
           t(program_id, kpi, kpi_unit, better_direction, kpi_grain, n_treated, n_comparison, pre_treated, post_treated,
             effect, effect_ci_low, effect_ci_high, effect_p_adjusted, is_significant, pretrend_ok,
             pretrend_p_value, pretrend_bins_tested, suppressed, window_days, anticipation_weeks, verdict_code, verdict_text)"""
    )
    conn.execute(
        """create table program_event_study as
           select 'BIG' as program_id, 'sales_cycle_days' as kpi, b as relative_bin,
                  case when b < -3 then 'pre window' when b < 0 then 'anticipation' else 'post' end as period,
                  20 as n_treated, 30 as n_comparison, 45.0 + case when b > 0 then -10 else 0 end as treated_value,
                  45.0 as comparison_value, b = 2 as suppressed
           from (select unnest([-6, -5, -4, -3, -2, -1, 1, 2, 3, 4]) as b)"""
    )
    conn.execute(
        """create table program_roi as select * from (values
           ('BIG', 60, 25, 70000.0, 20000.0, 0.0, 90000.0, 320000.0, 230000.0, 255.6, 3.56, 'USD', 'measured',
            'first-year benefit from 1 of 2 KPIs'),
           ('TINY', 4, 1, 9000.0, 900.0, 0.0, 9900.0, null, null, null, null, 'USD', 'not_measured',
            'not measured: too few people could be measured on any KPI'))
           t(program_id, participants, n_benefiting, cost_direct, cost_participant_time, cost_other, cost_total, benefit,
             net_benefit, roi_pct, bcr, currency, roi_status, roi_status_text)"""
    )
    conn.execute(
        """create table program_expectations as select * from (values
           ('BIG', 'sales_cycle_days', 'days', 'VP Sales', 'Sales', 45.0, 30.0, 41.0, 26.7, -9.9, 66.0,
            'not_reached', 'delivered part of what was expected', 'off track'),
           ('TINY', 'sales_cycle_days', 'days', 'VP Sales', 'Sales', 45.0, 35.0, 41.0, 40.0, null, null, 'not_measured',
            'not measured: too few people', 'off track'))
           t(program_id, kpi, kpi_unit, kpi_owner, target_job_family, baseline_value, target_value, current_value,
             progress_pct, measured_effect, effect_share_of_expected_pct, contribution_code, contribution_status, status)"""
    )
    conn.execute(
        """create table program_comments as select 'BIG' as program_id, 1 as comment_rank, date '2026-06-01' as submitted_month,
           'Very practical <b>really</b>' as comment_scrubbed, 40 as program_respondents"""
    )
    conn.execute(
        """create table program_cohorts as select * from (values
           ('BIG', 'sales_cycle_days', date '2025-07-01', 8, -9.5, null),
           ('BIG', 'sales_cycle_days', date '2025-09-01', 1, null, 'fewer than 5 people'))
           t(program_id, kpi, completion_month, cohort_people, cohort_effect, not_shown_reason)"""
    )
    conn.execute("comment on column program_impact.effect is 'Difference-in-differences in KPI units.'")
    conn.close()
    return path


@pytest.fixture
def report_data(tmp_path):
    return load(_serving(tmp_path / "serving.duckdb"))


# --------------------------------------------------------------------------- learning in the flow of work

FLOW_TABLES = ("aid_adoption", "search_trends", "knowledge_gaps")


def _flow_serving(path: Path, empty: bool = False) -> Path:
    """The serving file of _serving, with what a search log and program_aids.csv add: a
    performance-support program (AID) measured like a course, its adoption by month, search
    success by week and the top knowledge gaps. `empty`: the tables are there without rows
    (a company with neither a search log nor aids)."""
    _serving(path)
    conn = duckdb.connect(str(path))
    conn.execute("alter table programs add column delivery varchar default 'course'")
    conn.execute("alter table programs add column n_articles bigint default 0")
    conn.execute(
        """create table aid_adoption (program_id varchar, program_name varchar, month_start date,
           viewers_to_date bigint, adopters_to_date bigint, adoption_rate double, suppressed boolean)"""
    )
    conn.execute(
        """create table search_trends (week_start date, searchers bigint, searches bigint, search_success_rate double,
           zero_result_rate double, suppressed boolean)"""
    )
    conn.execute(
        """create table knowledge_gaps (gap_rank integer, theme varchar, people bigint, unanswered_searches bigint,
           zero_result_searches bigint, searches bigint, searchers bigint, stuck_share double, weeks_recurring integer,
           first_week date, last_week date, teams varchar, job_families varchar, kpis varchar)"""
    )
    if not empty:
        conn.execute("insert into programs values ('AID', 'Resolution Checklist', 'USD', 'performance_support', 3)")
        conn.execute(
            """insert into program_scorecard (program_id, program_name, activity_learners_enrolled,
               activity_learners_completed, activity_completion_rate, l1_not_shown_reason, l2_not_shown_reason,
               verdict_code, verdict_text)
               values ('AID', 'Resolution Checklist', 41, 17, 0.41, 'no survey', 'no assessment', 'improved',
                       'AID VERDICT TEXT.')"""
        )
        conn.execute(
            """insert into program_impact (program_id, kpi, kpi_unit, better_direction, kpi_grain, n_treated, n_comparison,
               pre_treated, post_treated, effect, effect_ci_low, effect_ci_high, effect_p_adjusted, is_significant,
               pretrend_ok, suppressed, verdict_code, verdict_text)
               values ('AID', 'sales_cycle_days', 'days', 'decrease', 'person_week', 17, 60, 40.0, 36.0, -3.4, -5.2,
                       -1.6, 0.004, true, true, false, 'improved', 'AID improved it by 3.4 days')"""
        )
        # Cumulative people by month: hidden (null) while under 5, adopters later than viewers.
        conn.execute(
            """insert into aid_adoption values
               ('AID', 'Resolution Checklist', date '2025-07-01', null, null, null, true),
               ('AID', 'Resolution Checklist', date '2025-08-01', 12, null, null, true),
               ('AID', 'Resolution Checklist', date '2025-09-01', 20, 6, 0.3, false),
               ('AID', 'Resolution Checklist', date '2025-10-01', 30, 11, 0.3667, false),
               ('AID', 'Resolution Checklist', date '2025-11-01', 41, 17, 0.4146, false)"""
        )
        # 30 weeks of searches, success rising 40 % -> 69 %; weeks 5 and 6 with fewer than 5 searchers.
        conn.execute(
            """insert into search_trends
               select date '2025-01-06' + cast(7 * i as integer), case when i in (5, 6) then null else 40 end,
                      case when i in (5, 6) then null else 100 end,
                      case when i in (5, 6) then null else 0.40 + 0.01 * i end,
                      case when i in (5, 6) then null else 0.20 - 0.002 * i end, i in (5, 6)
               from range(30) t(i)"""
        )
        conn.execute(
            """insert into knowledge_gaps values
               (1, 'vpn reset', 14, 40, 25, 52, 18, 0.778, 9, date '2025-02-03', date '2025-07-21', 'Support EMEA, Support NA',
                'Customer Support', 'sales_cycle_days, ticket_resolution_hours'),
               (2, 'expense policy', 9, 12, 3, 30, 15, 0.6, 4, date '2025-03-03', date '2025-05-05', null, null, null),
               (3, 'printer driver', 6, 7, 7, 7, 6, 1.0, 1, date '2025-06-02', date '2025-06-02', null, 'Sales', null)"""
        )
    conn.close()
    return path


def _section(html: str, start: str, end: str = "<section") -> str:
    """The page from `start` to the next `end` after it."""
    at = html.index(start)
    stop = html.find(end, at + len(start))
    return html[at:] if stop < 0 else html[at:stop]


def test_flow_of_work_shows_adoption_effects_search_and_gaps(tmp_path):
    html = render_html(load(_flow_serving(tmp_path / "serving.duckdb")))
    nav = html[html.index('<nav class="toc">'):html.index("</nav>")]
    assert '<a href="#flow-of-work">Learning in the flow of work</a>' in nav
    assert html.index('id="flow-of-work"') > html.index('<section class="program" id="TINY"')
    assert html.index('id="flow-of-work"') < html.index('id="glossary"')
    flow = _section(html, '<section id="flow-of-work"')

    aid = _section(flow, '<div class="aid" id="flow-AID"', '<div class="aid"')
    assert '<a href="#AID">Resolution Checklist</a>' in aid and "3 articles or job aids" in aid
    chart = aid[aid.index("<svg"):aid.index("</svg>")]
    assert 'class="chart adoption"' in chart
    # 4 viewer months and 3 adopter months shown; the 2 months with a hidden count shaded, not drawn
    assert chart.count('class="point viewers"') == 4 and chart.count('class="point adopters"') == 3
    assert chart.count('class="hidden-period"') == 2 and 'data-value="0"' not in chart
    assert "By the end of November 2025, <b>17 people had adopted it</b>, of\n41 who had viewed" in aid
    # Its effect as program_impact has it and the program's own section shows it.
    effect, interval = f.kpi_change(-3.4, "days"), f.interval(-5.2, -1.6, "days")
    assert f"<b>{effect}</b> (95 % interval {interval}, p = 0.004 adjusted)" in aid
    assert '<span class="tag" data-verdict="improved">improved</span>' in aid
    own = _section(html, '<section class="program" id="AID"')
    assert effect in own and interval in own and 'href="#flow-AID"' in own

    search = _section(flow, "<h3>Search success", "<h3>")
    chart = search[search.index("<svg"):search.index("</svg>")]
    assert 'class="chart search-trend"' in chart
    assert chart.count('class="point success"') == 28 and chart.count('class="point zero-result"') == 28
    assert chart.count('class="hidden-period"') == 2
    # The last 13 weeks (17-29: 57 %-69 %, 63 %) against the first 13 less the 2 hidden (0-12 but 5, 6: 46 %).
    assert "<b>63" + f.NBSP + "% of searches found a result people" in search
    assert "against 46" + f.NBSP + "% over the first 3 months" in search
    assert f.kpi_change(0.63 - (0.40 + 0.01 * 67 / 11), "share") in search  # +16.9 percentage points

    gaps = _section(flow, "<h3>Knowledge gaps", "</section>")
    assert "query texts themselves are never" in gaps and "at least 5" in gaps
    rows = re.findall(r"<tr>(.*?)</tr>", gaps[gaps.index("<tbody>"):], re.S)
    assert len(rows) == 3
    assert "<b>vpn reset</b>" in rows[0] and "78" + f.NBSP + "%" in rows[0] and "Support EMEA, Support NA" in rows[0]
    assert "Sales cycle, Ticket resolution hours" in rows[0]  # KPIs by their labels (the catalogue's, else words)
    assert "no team with 5 or more of them" in rows[1] and "none configured" in rows[1]


def test_a_performance_support_program_reads_viewed_and_adopted_not_enrolled_and_completed(tmp_path):
    data = load(_flow_serving(tmp_path / "serving.duckdb"))
    html = render_html(data)
    row = re.search(r'<tr data-program="AID">(.*?)</tr>', html, re.S).group(1)
    assert "41 viewed it, 17 adopted it" in row and "performance support" in row
    assert "enrolled" not in row and "completed" not in row
    big = re.search(r'<tr data-program="BIG">(.*?)</tr>', html, re.S).group(1)
    assert "60 enrolled, 50 completed" in big and "performance support" not in big
    own = _section(html, '<section class="program" id="AID"')
    assert "17 people who adopted it (first meaningful use) against 60" in own
    assert "Effect of adopting the aid" in own and "completing the program" not in own
    md = render_markdown(data)
    assert "41 viewed it, 41" + f.NBSP + "% adopted it" in md and "60 enrolled, 83" + f.NBSP + "% completed" in md


def test_no_flow_of_work_section_for_a_serving_file_without_its_tables(report_data):
    html = render_html(report_data)
    assert report_data.aid_adoption is None and report_data.search_trends is None and report_data.knowledge_gaps is None
    assert 'id="flow-of-work"' not in html and 'href="#flow-of-work"' not in html and "<h2>Learning in the flow" not in html


def test_the_flow_of_work_says_plainly_when_its_tables_are_empty(tmp_path):
    html = render_html(load(_flow_serving(tmp_path / "serving.duckdb", empty=True)))
    flow = _section(html, '<section id="flow-of-work"')
    assert "<svg" not in flow and "<table" not in flow
    assert "No performance-support program in this serving file" in flow
    assert "No search data" in flow and "No knowledge gaps to show" in flow


@pytest.mark.parametrize("table", FLOW_TABLES)
def test_the_flow_of_work_renders_with_any_one_of_its_tables_missing(tmp_path, table):
    path = _flow_serving(tmp_path / "serving.duckdb")
    conn = duckdb.connect(str(path))
    conn.execute(f"drop table {table}")
    conn.close()
    flow = _section(render_html(load(path)), '<section id="flow-of-work"')
    assert f"it predates the {table} table" in flow
    assert flow.count("predates") == 1


def test_hidden_figures_of_the_flow_of_work_are_never_shown_as_numbers(tmp_path):
    """A suppressed week or month shows no figure, even were one left in the row; nor a count under 5."""
    path = _flow_serving(tmp_path / "serving.duckdb")
    conn = duckdb.connect(str(path))
    conn.execute("update search_trends set search_success_rate = 0.987, zero_result_rate = 0.876 where suppressed")
    conn.execute("update aid_adoption set viewers_to_date = 3, adopters_to_date = 2 where month_start = '2025-07-01'")
    conn.execute("update aid_adoption set adopters_to_date = 4 where month_start = '2025-08-01'")
    conn.close()
    html = render_html(load(path))
    flow = _section(html, '<section id="flow-of-work"')
    assert "98.7" not in flow and "87.6" not in flow and "0.987" not in flow
    adoption = flow[flow.index('class="chart adoption"'):flow.index("</svg>")]
    assert not re.search(r'data-value="[234]"', adoption)
    assert adoption.count('class="point viewers"') == 4 and adoption.count('class="point adopters"') == 3
    assert "fewer than 5 people, not shown" in adoption

    # Every month hidden: the words, no chart; every week hidden: the words, no chart.
    conn = duckdb.connect(str(path))
    conn.execute("update aid_adoption set viewers_to_date = null, adopters_to_date = null, suppressed = true")
    conn.execute("update search_trends set search_success_rate = null, zero_result_rate = null, suppressed = true")
    conn.close()
    flow = _section(render_html(load(path)), '<section id="flow-of-work"')
    assert "<svg" not in flow
    assert "Adoption not shown: fewer than 5 people had viewed its articles in every month so far." in flow
    assert "Search success not shown: fewer than 5 people searched in every week." in flow


# Markup in any published text shows as text, escaped once.
MARKUP = "<script>alert(1)</script> & co"
SHOWN = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"


def assert_escaped_once(html: str) -> None:
    assert "<script" not in html and "alert(1)</script>" not in html
    assert "&amp;lt;" not in html and "&amp;amp;" not in html, "escaped twice"


def test_knowledge_gaps_and_names_read_as_text_escaped_once(tmp_path):
    path = _flow_serving(tmp_path / "serving.duckdb")
    conn = duckdb.connect(str(path))
    conn.execute("update knowledge_gaps set theme = ?, teams = ?, kpis = ? where gap_rank = 1", [MARKUP, MARKUP, "x<y>"])
    conn.execute("update programs set program_name = ? where program_id = 'AID'", [MARKUP])
    conn.close()
    html = render_html(load(path))
    assert_escaped_once(html)
    flow = _section(html, '<section id="flow-of-work"')
    row = re.findall(r"<tr>(.*?)</tr>", flow[flow.index("<tbody>"):], re.S)[0]
    assert f"<b>{SHOWN}</b>" in row and f'<td data-label="Teams">{SHOWN}</td>' in row and "X&lt;y&gt;" in row
    assert f'<a href="#AID">{SHOWN}</a>' in flow and f"<title>{SHOWN}: people who viewed it" in flow


def test_report_is_one_self_contained_page_with_charts(report_data):
    html = render_html(report_data)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), "no external resource"
    assert "<script" not in html
    for program in ("Big Program", "Tiny Program"):
        assert program in html
    assert "BIG VERDICT TEXT." in html and "TINY VERDICT TEXT." in html  # the scorecard's words, as they are
    big = html[html.index('<section class="program" id="BIG"'):html.index('<section class="program" id="TINY"')]
    assert big.count('class="point') >= 10 and 'class="bar' in big  # forest, event study, waterfall, cohorts
    assert "@media print" in html


def test_suppressed_figures_say_why_never_zero_or_minus_100(report_data):
    html = render_html(report_data)
    tiny_row = re.search(r'<tr data-program="TINY">(.*?)</tr>', html, re.S).group(1)
    assert "not measured: 3 completed it, fewer than 5" in tiny_row
    assert "3 people answered, fewer than 5" in tiny_row and "3 people assessed, fewer than 5" in tiny_row
    assert "100" not in tiny_row.replace("of 100", ""), "no -100 % ROI for a program too small to measure"
    assert 'data-roi-status="not_measured"' in tiny_row
    tiny = html[html.index('<section class="program" id="TINY"'):]
    assert "not measured: too few people could be measured on any KPI" in tiny and "fewer than 5 people" in tiny
    # A cohort month with fewer than 5 people shows no figure.
    assert "fewer than 5 people" in html[html.index("Cohorts by completion month"):]


def test_the_report_states_scales_units_and_the_pretrend_verdict(report_data):
    html = render_html(report_data)
    assert "4.2 of 5" in html and "1–5 scale" in html
    assert "+15.5 points" in html and "of 100" in html
    assert f.kpi_change(-9.9, "days") in html  # −9.9 days
    assert "+15.0" + f.NBSP + "percentage points" in html
    assert "groups diverged before training; effect not credible" in html
    # A joint pre-trend test that could not be run (no p-value: too few people for as many bins) says so, no "–".
    assert "(too few people for a joint test of 10 pre-period bins)" in html and "bins " + f.MISSING not in html
    assert "not credible: the trained and comparison groups diverged before training" in html
    assert "$230,000" in html or "+$230,000" in html
    assert "adjusted for multiplicity (Holm)" in html


def test_comments_are_escaped_and_the_glossary_names_each_column_with_its_description(report_data):
    html = render_html(report_data)
    assert "Very practical &lt;b&gt;really&lt;/b&gt;" in html
    glossary = html[html.index('id="glossary"'):]
    assert label("effect") in glossary and "<code>effect</code>" in glossary
    assert "Difference-in-differences in KPI units." in glossary


def test_markup_in_a_name_or_comment_reads_as_text_escaped_once(tmp_path):
    """The templates escape every value, the charts escape their own texts: a program's name,
    a comment or a KPI's label holding markup shows as text, and nothing is escaped twice."""
    path = _serving(tmp_path / "serving.duckdb")
    conn = duckdb.connect(str(path))
    conn.execute("update programs set program_name = ? where program_id = 'BIG'", [MARKUP])
    conn.execute("update program_comments set comment_scrubbed = ?", [MARKUP])
    conn.execute("update kpis set kpi_label = ? where kpi = 'sales_cycle_days'", [MARKUP])
    conn.close()
    html = render_html(load(path))
    assert_escaped_once(html)
    assert f'<a href="#BIG">{SHOWN}</a>' in html[:html.index('<section id="overview"')]  # the table of contents
    row = re.search(r'<tr data-program="BIG">(.*?)</tr>', html, re.S).group(1)
    assert f'<a href="#BIG">{SHOWN}</a>' in row and f"{SHOWN}: <b>" in row  # the program, its KPI's effect
    big = html[html.index('<section class="program" id="BIG"'):html.index('<section class="program" id="TINY"')]
    assert f"<h2>{SHOWN} <span" in big
    assert f'<blockquote class="comment">{SHOWN}<footer>' in big
    assert f'<td data-label="KPI">{SHOWN}</td>' in big and f"<b>{SHOWN}</b>:" in big  # the effects table, the method
    assert f'aria-label="Effect on each KPI: Knowledge article use (percentage points); {SHOWN}' in big  # a chart

def test_markdown_twin_lists_every_program_and_verdict(report_data):
    md = render_markdown(report_data, "/data/report/index.html")
    assert "Big Program" in md and "Tiny Program" in md and "/data/report/index.html" in md
    assert "TINY VERDICT TEXT." in md and "BIG VERDICT TEXT." in md
    assert "not measured: 3 completed it, fewer than 5" in md and "+256" in md


def test_write_report_replaces_the_page_in_one_rename(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    _serving(folder / "serving.duckdb")
    written = write_report(folder)
    assert written.html == folder / "report" / "index.html" and written.html.read_text().startswith("<!doctype html>")
    assert (folder / "report" / "impact_report.md").exists()
    assert not list((folder / "report").glob(".*.tmp"))


@pytest.mark.parametrize(
    ("fn", "args", "expected"),
    [
        (f.money, (-7349.24, "USD"), "−$7,349"),
        (f.money, (1200, "SEK"), "1,200" + f.NBSP + "SEK"),
        (f.percent, (259.96,), "260" + f.NBSP + "%"),
        (f.share, (0.8625,), "86" + f.NBSP + "%"),
        (f.kpi_value, (0.31, "share"), "31.0" + f.NBSP + "%"),
        (f.kpi_value, (4.16, "score 1-5"), "4.16 of 5"),
        (f.kpi_change, (-9.93, "days"), "−9.9" + f.NBSP + "days"),
        (f.kpi_change, (0.158, "share"), "+15.8" + f.NBSP + "percentage points"),
        (f.p_value, (0.00001,), "p < 0.001"),
        (f.number, (None,), "–"),
    ],
)
def test_formats_read_as_people_write_them(fn, args, expected):
    assert fn(*args) == expected


def test_every_label_is_defined_once_and_differs_from_the_column_name():
    assert len(LABELS) == len(set(LABELS))
    assert all(text and text != column for column, text in LABELS.items())


def test_serving_file_carries_descriptions_and_publish_info(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    conn = duckdb.connect(str(warehouse))
    conn.execute("create schema marts")
    conn.execute("create table marts.program_roi as select 'P1' as program_id, 1.5 as roi_pct")
    conn.close()
    folder = tmp_path / "run"
    folder.mkdir()
    info = {"run_id": "run-1", "published_at": datetime(2026, 7, 1, 2, 0), "landing_as_of": date(2026, 6, 30),
            "window_days": 90, "anticipation_weeks": 6, "min_group_size": 5, "code_fingerprint": "abc"}
    counts = write_marts(warehouse, folder, "v1.1.0", descriptions={
        "program_roi": ("Phillips ROI per program.", {"roi_pct": "net / cost x 100", "missing_column": "ignored"})
    }, info=info)
    assert counts == {"program_roi": 1}
    serving = duckdb.connect(str(folder / "serving.duckdb"), read_only=True)
    try:
        assert serving.execute("select comment from duckdb_tables() where table_name = 'program_roi'").fetchall() == [
            ("Phillips ROI per program.",)
        ]
        assert serving.execute(
            "select comment from duckdb_columns() where table_name = 'program_roi' and column_name = 'roi_pct'"
        ).fetchall() == [("net / cost x 100",)]
        rows = serving.execute(f"select run_id, landing_as_of, window_days, anticipation_weeks, table_name, row_count "
                               f"from {PUBLISH_INFO}").fetchall()
        assert rows == [("run-1", date(2026, 6, 30), 90, 6, "program_roi", 1)]
        assert serving.execute(
            "select count(*) from duckdb_columns() where table_name = 'publish_info' and comment is not null"
        ).fetchall()[0][0] == 11
    finally:
        serving.close()
    assert (folder / "exports" / "publish_info.parquet").exists()


def test_data_docs_index_lists_each_suites_latest_result_offline(tmp_path):
    docs = tmp_path / "data_docs"
    suite = {"name": "program_roi", "layer": "marts", "table": "marts.program_roi", "severity": "ERROR"}
    ok = [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "program_id"}, "success": True, "result": {}}]
    first = record(docs, suite, "run-a", ok)
    second = record(docs, suite, "run-b", [{**ok[0], "success": False, "result": {"unexpected_count": 2}}])
    index = (docs / "index.html").read_text()
    assert index.count('class="result"') == 1 and "run-b" in index and "failed" in index
    assert second.name.endswith("__run-b.html") and first.exists()
    assert "unexpected_count" in second.read_text()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", index + second.read_text())
    record(docs, suite, "run-c", ok, keep=1)
    assert not first.exists() and not second.exists()
