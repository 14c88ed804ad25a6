"""The report as one self-contained HTML page (and a short Markdown twin for the Dagster
asset page): an overview of every program, then a section per program, then learning in
the flow of work (performance-support adoption, search success, knowledge gaps; left out
for a serving file without those tables). Built from ReportData (the serving file alone);
no script, no external resource.

This module prepares the data: it picks each program's rows, formats every figure
(formats.py) and draws the SVG charts (charts.py). The page itself (its sections,
headings, tables and words) is in templates/ (Jinja2, autoescaped): a value is escaped
as the template writes it, and only the charts and the style sheet are marked safe, here.
Every verdict, status and reason is a column of the marts (decided once in dbt); the
report renders them as they are."""

from __future__ import annotations

import re
from html import escape
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from . import charts, tables
from . import formats as f
from .columns import REPORT_EFFECTS, REPORT_GLOSSARY, REPORT_KNOWLEDGE_GAPS, REPORT_MARKDOWN_OVERVIEW, REPORT_OVERVIEW
from .data import ReportData
from .labels import delivery_words, kpi_label, label

HERE = Path(__file__).parent

# The page's style sheet, inlined so that the report opens offline as one file.
CSS = (HERE / "report.css").read_text(encoding="utf-8")

# The charts' captions (charts.py writes each chart's <figure> with its caption).
# Each names what treats a person ({completing_it}, {items}, {end}, {month}: labels.DELIVERY_WORDS).
FOREST_CAPTION = ("Effect of {completing_it} on each KPI, in the KPI's own unit, with its 95 % interval; "
                  "p-values are adjusted for multiplicity (Holm) across every program's KPIs, the one rule that the "
                  "verdicts and ROI use.")
WATERFALL_CAPTION = ("Fully loaded costs ({items}, participants' time at their pay, other costs) against the first-year "
                     "benefit, following each KPI's measured path after {end} at the end of its interval nearest "
                     "zero (Phillips ROI, the most conservative alternative).")
COHORT_CAPTION = ("{kpi}: each {month}'s people and their mean own effect (their change minus their matched "
                  "comparisons'); months with {fewer} are not shown, nor the smallest other month when the hidden ones "
                  "together are fewer.")


def code_words(code: str | None) -> str:
    """A code as its words, where a short tag is wanted: "not_measured" -> "not measured"."""
    return (code or "").replace("_", " ")


def _or_missing(value: Any) -> Any:
    return f.MISSING if value is None else value


def _escaped(value: Any) -> Any:
    """Each value a template writes, escaped as html.escape does (&quot;, &#x27;): the
    spelling charts.py uses (and the tests look for), so that the page escapes one way
    throughout. Markup (a macro's result, a chart) is written as it is; autoescape stays on
    beneath."""
    return value if hasattr(value, "__html__") else Markup(escape(str(value)))


TEMPLATES = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=True,
    finalize=_escaped,
    undefined=StrictUndefined,  # a name the data does not hold fails the page, never renders empty
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
TEMPLATES.filters.update(words=code_words, or_missing=_or_missing)
TEMPLATES.globals.update(missing=f.MISSING)


def _chart(svg: str) -> Markup:
    """A chart as markup: charts.py escapes every text it draws."""
    return Markup(svg)


def _kpi_name(data: ReportData, kpi: str) -> str:
    """The KPI's label from the published catalogue (kpis.kpi_label)."""
    return (data.kpis.get(kpi) or {}).get("kpi_label") or kpi_label(kpi)


def _kpi_level(data: ReportData, kpi: str) -> int:
    level = (data.kpis.get(kpi) or {}).get("kirkpatrick_level")
    return int(level) if level is not None else 4


def _roi_percent(value: Any) -> str:
    """ROI with a decimal when small, so that +0.2 % never reads "+0 %"."""
    return f.percent(value, 1 if value is not None and abs(value) < 10 else 0, sign=True)


def _date(value: Any, pattern: str) -> str | None:
    return format(value, pattern) if value else None


# --------------------------------------------------------------------------- a program, prepared


def _effect(data: ReportData, r: dict) -> dict[str, Any]:
    """A KPI's row of program_impact, its figures formatted in the KPI's unit."""
    unit = r.get("kpi_unit")
    breakdown = r.get("breakdown_relative_magnitude")
    return {
        "name": _kpi_name(data, r["kpi"]),
        "level": _kpi_level(data, r["kpi"]),
        "grain": r.get("kpi_grain"),
        "method": r.get("method"),
        "suppressed": bool(r.get("suppressed")),
        "verdict_code": r.get("verdict_code"),
        "verdict_text": r.get("verdict_text"),
        "n_treated": f.integer(r.get("n_treated")),
        "n_comparison": f.integer(r.get("n_comparison")),
        "pre": None if r.get("pre_treated") is None else f.kpi_value(r["pre_treated"], unit),
        "post": f.kpi_value(r.get("post_treated"), unit),
        "change": f.kpi_change(r.get("effect"), unit),
        "interval": f.interval(r.get("effect_ci_low"), r.get("effect_ci_high"), unit),
        "p_adjusted": f.p_value(r.get("effect_p_adjusted")),
        "pretrend_ok": r.get("pretrend_ok"),
        "pretrend": {
            "bins": f.integer(r.get("pretrend_bins_tested")),
            # None where a test could not be run (too few people for as many bins, too few bins)
            "wald": None if r.get("pretrend_wald_p_value") is None else f.p_value(r["pretrend_wald_p_value"]),
            "trend": None if r.get("pretrend_trend_p_value") is None else f.p_value(r["pretrend_trend_p_value"]),
            "breakdown": None if breakdown is None else f.number(breakdown, 1),
            "breakdown_below_one": breakdown is not None and breakdown < 1,
        },
        # Teammates' spillover, when one could be measured: the effect is adjusted for it, and ROI leaves it out.
        "spillover": None if r.get("suppressed") or r.get("spillover_effect") is None else {
            "change": f.kpi_change(r["spillover_effect"], unit),
            "interval": f.interval(r.get("spillover_ci_low"), r.get("spillover_ci_high"), unit),
        },
        "caveats": _caveats(data, r),
    }


def _caveats(data: ReportData, r: dict) -> list[tuple[str, Any]]:
    """Which of the method's caveats apply to a KPI's effect, with their figures (the
    template words each kind)."""
    caveats: list[tuple[str, Any]] = []
    kpi = data.kpis.get(r["kpi"]) or {}
    if kpi.get("value_cap") is not None:
        caveats.append(("cap", {"cap": f.kpi_value(kpi["value_cap"], r.get("kpi_unit")),
                                "at_cap": f.integer(kpi.get("n_events_at_cap")),
                                "measured": f.integer(kpi.get("n_events_measured"))}))
    for kind, column in (("unmatched", "n_treated_unmatched"), ("overlap", "n_treated_overlap"),
                         ("censored", "n_events_censored")):
        if r.get(column):
            caveats.append((kind, f.integer(r[column])))
    if r.get("data_as_of"):
        caveats.append(("data_as_of", _date(r["data_as_of"], "%d %B %Y")))
    return caveats


def _forest(data: ReportData, impact: list[dict], words: dict[str, str]) -> Markup:
    rows = []
    for r in impact:
        note = "" if r.get("verdict_code") in ("improved", "worsened") else code_words(r.get("verdict_code"))
        rows.append(charts.ForestRow(
            label=_kpi_name(data, r["kpi"]), unit=r.get("kpi_unit"), better=r.get("better_direction"),
            effect=None if r.get("suppressed") else r.get("effect"), low=r.get("effect_ci_low"), high=r.get("effect_ci_high"),
            p_adjusted=r.get("effect_p_adjusted"), note=note,
        ))
    return _chart(charts.forest_plot(rows, FOREST_CAPTION.format(**words)))


def _event_studies(data: ReportData, pid: str, words: dict[str, str]) -> list[Markup]:
    parts = []
    for r in data.impact.get(pid, []):
        bins = data.event_study.get((pid, r["kpi"]))
        if not bins:
            continue
        parts.append(_chart(charts.event_study_chart(
            [charts.Bin(b["relative_bin"], b.get("period") or "", b.get("treated_value"), b.get("comparison_value"),
                        b.get("n_treated"), b.get("n_comparison"), bool(b.get("suppressed"))) for b in bins],
            r.get("kpi_unit"), _kpi_name(data, r["kpi"]), data.min_group_size, words["start"], words["end"],
        )))
    return parts


def _roi(data: ReportData, pid: str, words: dict[str, str]) -> dict[str, Any] | None:
    roi = data.roi.get(pid)
    if not roi:
        return None
    cur = roi.get("currency")
    other = sum(roi.get(c) or 0.0 for c in ("cost_needs_assessment", "cost_design", "cost_delivery", "cost_evaluation",
                                           "cost_overhead", "cost_other"))
    measured = roi.get("roi_status") == "measured"
    steps: list[tuple[str, float | None]] = [
        (label("cost_direct"), -(roi.get("cost_direct") or 0.0)),
        (label("cost_participant_time"), -(roi.get("cost_participant_time") or 0.0)),
        *([(label("cost_other"), -other)] if other else []),
        (label("benefit"), roi.get("benefit") if measured else None),
    ]
    weeks = roi.get("benefit_horizon_weeks")
    return {
        "status": roi.get("roi_status"),
        "status_text": roi.get("roi_status_text"),
        "measured": measured,
        "chart": _chart(charts.waterfall(steps, cur, WATERFALL_CAPTION.format(**words), "Net benefit" if measured else "Costs so far")),
        "roi_pct": _roi_percent(roi.get("roi_pct")),
        "net_benefit": f.money(roi.get("net_benefit"), cur, sign=True),
        "cost_total": f.money(roi.get("cost_total"), cur),
        "bcr": f.number(roi.get("bcr"), 2),
        "participants": f.integer(roi.get("participants")),
        "n_benefiting": f.integer(roi.get("n_benefiting")),
        "benefit_measured": f.money(roi.get("benefit_measured"), cur),
        "benefit_projected": f.money(roi.get("benefit_projected"), cur),
        "horizon_weeks": None if weeks is None else f.integer(weeks),
        # Each earning KPI's part of the benefit (program_kpi_roi).
        "per_kpi": [
            {"name": _kpi_name(data, r["kpi"]), "benefit": f.money(r.get("benefit"), r.get("currency")),
             "share": None if r.get("share_of_program_benefit") is None else f.share(r["share_of_program_benefit"]),
             "valued": bool(r.get("benefit_per_unit"))}
            for r in data.kpi_roi.get(pid, []) if r.get("earns_benefit")
        ],
    }


def _expectation(data: ReportData, pid: str, e: dict) -> dict[str, Any]:
    """A KPI owner's expectation: what training contributed, and where the KPI stands."""
    unit = (e.get("kpi_unit") or (data.kpis.get(e["kpi"]) or {}).get("kpi_unit")
            or next((r.get("kpi_unit") for r in data.impact.get(pid, []) if r["kpi"] == e["kpi"]), None))
    impact = next((r for r in data.impact.get(pid, []) if r["kpi"] == e["kpi"]), {})
    expected = (e.get("target_value") or 0) - (e.get("baseline_value") or 0)
    current = e.get("current_value")
    baseline, target = f.kpi_value(e.get("baseline_value"), unit), f.kpi_value(e.get("target_value"), unit)
    return {
        "name": _kpi_name(data, e["kpi"]),
        "kpi_owner": e.get("kpi_owner"),
        "target_job_family": e.get("target_job_family"),
        "contribution_code": e.get("contribution_code"),
        "contribution_status": e.get("contribution_status"),
        "status": e.get("status"),
        "measured_effect": None if e.get("measured_effect") is None else f.kpi_change(e["measured_effect"], unit),
        "interval": f.interval(impact.get("effect_ci_low"), impact.get("effect_ci_high"), unit),
        "expected": f.kpi_change(expected, unit),
        "current": None if current is None else f.kpi_value(current, unit),
        "baseline": baseline,
        "target": target,
        "progress": f.percent(e.get("progress_pct")),
        "progress_measured": e.get("progress_pct") is not None,
        "bar": None if current is None else _chart(charts.progress_bar(
            e.get("progress_pct"), baseline, target, f.kpi_value(current, unit), e.get("status") or "",
            kpi=_kpi_name(data, e["kpi"]), unit=unit)),
    }


def _cohorts(data: ReportData, pid: str, words: dict[str, str]) -> list[Markup]:
    parts = []
    for r in data.impact.get(pid, []):
        rows = data.cohorts.get((pid, r["kpi"]))
        if not rows:
            continue
        name = _kpi_name(data, r["kpi"])
        caption = COHORT_CAPTION.format(kpi=name, fewer=f.fewer_than(data.min_group_size), **words)
        parts.append(_chart(charts.cohort_bars(rows, r.get("kpi_unit"), r.get("better_direction"), data.min_group_size,
                                               caption, kpi=name)))
    return parts


def _delivery(data: ReportData, program: dict) -> str:
    """course | performance_support (programs.delivery; in a programs table from before it,
    a program aid_adoption lists is performance support)."""
    return program.get("delivery") or ("performance_support" if program["program_id"] in (data.aid_adoption or {})
                                       else "course")


def _program(data: ReportData, program: dict) -> dict[str, Any]:
    """Everything the overview's row and the program's section show."""
    pid = program["program_id"]
    sc = data.scorecard.get(pid, {})
    impact = data.impact.get(pid, [])
    effects = [_effect(data, r) for r in impact]
    enrolled = sc.get("activity_learners_enrolled") or 0
    comments = data.comments.get(pid, [])
    delivery = _delivery(data, program)
    words = delivery_words(delivery)
    return {
        "id": pid,
        "name": program.get("program_name"),
        "delivery": delivery,
        "is_aid": delivery == "performance_support",
        "words": words,
        "n_articles": None if program.get("n_articles") is None else f.integer(program["n_articles"]),
        "verdict_code": sc.get("verdict_code"),
        "verdict_text": sc.get("verdict_text"),
        "activity": {
            "enrolled": f.integer(enrolled) if enrolled else None,
            "completed": f.integer(sc.get("activity_learners_completed")),
            "completion_rate": f.share(sc.get("activity_completion_rate")),
        },
        "reaction": {
            "mean": None if sc.get("l1_reaction_mean") is None else f.number(sc["l1_reaction_mean"], 1),
            "not_shown_reason": sc.get("l1_not_shown_reason"),
            "responses": f.integer(sc.get("l1_reaction_responses") or 0),
            "response_rate": f.share(sc.get("l1_reaction_response_rate")),
        },
        "learning": {
            "gain": None if sc.get("l2_mean_score_gain") is None else f.number(sc["l2_mean_score_gain"], 1, sign=True),
            "not_shown_reason": sc.get("l2_not_shown_reason"),
            "pass_rate": f.share(sc.get("l2_pass_rate")),
            "pre_score": f.number(sc.get("l2_mean_pre_score"), 0),
            "post_score": f.number(sc.get("l2_mean_post_score"), 0),
            "people_assessed": f.integer(sc.get("l2_people_assessed")),
        },
        "effects": effects,
        "behaviour": [e for e in effects if e["level"] == 3],  # level 3; the rest are results (level 4)
        "results": [e for e in effects if e["level"] != 3],
        "forest": _forest(data, impact, words) if impact else None,
        "event_studies": _event_studies(data, pid, words),
        "roi": _roi(data, pid, words),
        "expectations": [_expectation(data, pid, e) for e in data.expectations.get(pid, [])],
        "comments": [{"text": c.get("comment_scrubbed") or "", "month": _date(c.get("submitted_month"), "%B %Y") or ""}
                     for c in comments],
        "respondents": f.integer(comments[0].get("program_respondents")) if comments else None,
        "cohorts": _cohorts(data, pid, words),
    }


# --------------------------------------------------------------------------- learning in the flow of work

ADOPTION_CAPTION = ("{name}: people who had viewed its articles, and people who had adopted it (their first meaningful "
                    "use), by each month's end, counted from the start. Months with {fewer} are shaded and left out, "
                    "never drawn as zero.")
SEARCH_CAPTION = ("Each week's searches by people matched to HRIS: the share with a result clicked within 10 minutes "
                  "(search success) and the share that returned nothing (zero results). Weeks with {fewer} searching "
                  "are shaded and left out, never drawn as zero.")
# The search trend's reading: the last 3 months against the first 3 (13 weeks each), when the log spans both.
QUARTER_WEEKS = 13


def _shown(value: Any, min_group_size: int, count: bool = True) -> Any:
    """A published figure, or None where it is hidden (null, or a count under the minimum group)."""
    if value is None or (count and value < min_group_size):
        return None
    return value


def _aid(data: ReportData, view: dict[str, Any]) -> dict[str, Any]:
    """A performance-support program's adoption over time (aid_adoption) and its effects:
    the program's own prepared effects (program_impact), the same figures its section shows."""
    months = (data.aid_adoption or {}).get(view["id"], [])
    least = data.min_group_size
    viewers = [_shown(r.get("viewers_to_date"), least) for r in months]
    adopters = [_shown(r.get("adopters_to_date"), least) for r in months]
    chart = None
    if months:
        chart = _chart(charts.trend_chart(
            [r["month_start"] for r in months],
            [charts.Series("viewed its articles", viewers, charts.NEUTRAL, "viewers", "5 3"),
             charts.Series("adopted it", adopters, charts.TRAINED, "adopters")],
            title=f"{view['name'] or view['id']}: people who viewed it and who adopted it, to date, by month",
            caption=ADOPTION_CAPTION.format(name=view["name"] or view["id"], fewer=f.fewer_than(least)),
            css_class="adoption", period_word="month", share=False, min_group_size=least, y_label="people",
        ))
    at = next((i for i in range(len(months) - 1, -1, -1) if adopters[i] is not None and viewers[i] is not None), None)
    seen = next((i for i in range(len(months) - 1, -1, -1) if viewers[i] is not None), None)
    return {
        "id": view["id"],
        "name": view["name"],
        "n_articles": view["n_articles"],
        "months": len(months),
        "chart": chart,
        "latest": None if at is None else {
            "month": _date(months[at]["month_start"], "%B %Y"),
            "adopters": f.integer(adopters[at]),
            "viewers": f.integer(viewers[at]),
            "rate": f.share(months[at].get("adoption_rate")) if months[at].get("adoption_rate") is not None
            else f.share(adopters[at] / viewers[at]),
        },
        "latest_viewers": None if seen is None or at is not None else {
            "month": _date(months[seen]["month_start"], "%B %Y"), "viewers": f.integer(viewers[seen]),
        },
        "effects": view["effects"],
    }


def _mean(rows: list[dict], column: str) -> float | None:
    """A rate over some weeks: their searches' rate (weighted by searches where published)."""
    pairs = [(r[column], r.get("searches") or 1) for r in rows if r.get(column) is not None]
    weight = sum(w for _, w in pairs)
    return sum(v * w for v, w in pairs) / weight if weight else None


def _search(data: ReportData) -> dict[str, Any] | None:
    """The search success trend (search_trends): its chart and a one-line reading."""
    if data.search_trends is None:
        return None
    least = data.min_group_size
    rows = [r if not r.get("suppressed") else {**r, "search_success_rate": None, "zero_result_rate": None,
                                               "searches": None, "searchers": None}
            for r in data.search_trends if r.get("week_start") is not None]
    success = [_shown(r.get("search_success_rate"), least, count=False) for r in rows]
    zero = [_shown(r.get("zero_result_rate"), least, count=False) for r in rows]
    if not rows:
        return {"weeks": 0, "chart": None, "reading": None}
    chart = _chart(charts.trend_chart(
        [r["week_start"] for r in rows],
        [charts.Series("search success", success, charts.GOOD, "success"),
         charts.Series("zero results", zero, charts.BAD, "zero-result", "5 3")],
        title="Search success and searches that found nothing (% of each week's searches)",
        caption=SEARCH_CAPTION.format(fewer=f.fewer_than(least)),
        css_class="search-trend", period_word="week", share=True, min_group_size=least, y_label="% of searches",
    ))
    shown = [r for r in rows if r.get("search_success_rate") is not None]
    reading = None
    if shown:
        first_day, last_day = rows[0]["week_start"], rows[-1]["week_start"]
        weeks = (last_day - first_day).days // 7 + 1
        if weeks >= 2 * QUARTER_WEEKS:
            early = [r for r in shown if (r["week_start"] - first_day).days < 7 * QUARTER_WEEKS]
            late = [r for r in shown if (last_day - r["week_start"]).days < 7 * QUARTER_WEEKS]
        else:
            early, late = [], shown
        before, now = _mean(early, "search_success_rate"), _mean(late, "search_success_rate")
        zero_before, zero_now = _mean(early, "zero_result_rate"), _mean(late, "zero_result_rate")
        reading = {
            "compared": before is not None and now is not None,
            "weeks": f.integer(weeks),
            "now": f.share(now),
            "before": f.share(before),
            "change": None if before is None or now is None else f.kpi_change(now - before, "share"),
            "zero_now": f.share(zero_now),
            "zero_before": f.share(zero_before),
            "zero_compared": before is not None and now is not None and zero_before is not None and zero_now is not None,
            "zero_known": zero_now is not None,
            "since": _date(early[0]["week_start"] if early else late[0]["week_start"], "%d %B %Y"),
            "until": _date(late[-1]["week_start"], "%d %B %Y"),
        }
    return {"weeks": len(rows), "chart": chart if any(v is not None for v in success + zero) else None, "reading": reading}


def _weeks(first: Any, last: Any) -> str | None:
    """From one week to another, short: "30 Mar to 29 Jun 2026", "2 Jun 2025"."""
    if not first or not last:
        return None
    if first == last:
        return f"{first.day} {last:%b %Y}"
    return f"{first.day} {first:%b}{f' {first:%Y}' if first.year != last.year else ''} to {last.day} {last:%b %Y}"


def _gaps(data: ReportData) -> list[dict[str, Any]] | None:
    """The top knowledge gaps (knowledge_gaps), each figure formatted, its KPIs by name."""
    if data.knowledge_gaps is None:
        return None
    gaps = []
    for r in data.knowledge_gaps:
        if r.get("people") is not None and r["people"] < data.min_group_size:
            continue  # never published so; never shown if it were
        kpis = [k.strip() for k in (r.get("kpis") or "").split(",") if k.strip()]
        first, last = r.get("first_week"), r.get("last_week")
        gaps.append({
            "gap_rank": f.integer(r.get("gap_rank")),
            "theme": r.get("theme") or "",
            "people": f.integer(r.get("people")),
            "unanswered_searches": f.integer(r.get("unanswered_searches")),
            "zero_result_searches": f.integer(r.get("zero_result_searches")),
            "searches": f.integer(r.get("searches")),
            "searchers": f.integer(r.get("searchers")),
            "stuck_share": f.share(r.get("stuck_share")),
            "weeks_recurring": f.integer(r.get("weeks_recurring")),
            "weeks": _weeks(first, last),
            "teams": r.get("teams"),
            "job_families": r.get("job_families"),
            "kpis": [_kpi_name(data, k) for k in kpis],
        })
    return gaps


def _flow(data: ReportData, views: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Learning in the flow of work: performance support, search, knowledge gaps. None
    (no section) for a serving file from before them, with no performance-support program."""
    aids = [v for v in views if v["is_aid"]]
    if data.aid_adoption is None and data.search_trends is None and data.knowledge_gaps is None and not aids:
        return None
    info = data.info
    views_needed, window = info.get("adoption_min_views"), info.get("adoption_window_days")
    return {
        "aids": [_aid(data, v) for v in aids],
        "adoption_published": data.aid_adoption is not None,
        "adoption_rule": f"{views_needed} views within {window} days" if views_needed and window else None,
        "search": _search(data),
        "gaps": _gaps(data),
        "gaps_columns": REPORT_KNOWLEDGE_GAPS,
    }


# --------------------------------------------------------------------------- the method and the glossary

# The few Markdown marks a doc block uses: `code`, and *emphasis* (which may hold code).
_MARK = re.compile(r"`(?P<code>[^`]+)`|\*(?P<em>(?:[^*`]|`[^`]*`)+)\*")


def _marks(text: str) -> list[tuple[str, Any]]:
    """A text as ("text" | "code", str) and ("em", parts) parts."""
    parts: list[tuple[str, Any]] = []
    at = 0
    for mark in _MARK.finditer(text):
        if mark.start() > at:
            parts.append(("text", text[at:mark.start()]))
        parts.append(("code", mark["code"]) if mark["code"] is not None else ("em", _marks(mark["em"])))
        at = mark.end()
    if at < len(text):
        parts.append(("text", text[at:]))
    return parts


def _method(data: ReportData) -> list[tuple[str, Any]]:
    """The method, as the serving file describes program_impact (one doc block feeds the
    dbt docs, the serving file's comments and this section): its paragraphs and numbered
    lists (whose items may wrap), each text as parts."""
    blocks: list[tuple[str, Any]] = []
    text = data.table_comments.get("program_impact") or ""
    for paragraph in re.split(r"\n\s*\n", text.strip()) if text else []:
        lines = [line.strip() for line in paragraph.splitlines()]
        if lines and re.match(r"\d+\. ", lines[0]):
            items: list[str] = []
            for line in lines:
                if re.match(r"\d+\. ", line):
                    items.append(line.split(". ", 1)[1])
                else:
                    items[-1] += " " + line
            blocks.append(("list", [_marks(item) for item in items]))
        else:
            blocks.append(("paragraph", _marks(" ".join(lines))))
    return blocks


def _glossary(data: ReportData) -> list[dict[str, str]]:
    seen: dict[str, tuple[list[str], str]] = {}
    for table, column, comment in data.columns:
        in_tables, description = seen.get(column, ([], comment))
        in_tables.append(table)
        seen[column] = (in_tables, description or comment)
    return [
        {"label": label(column), "column": column, "tables": ", ".join(in_tables), "definition": description or ""}
        for column, (in_tables, description) in sorted(seen.items(), key=lambda kv: label(kv[0]).lower())
    ]


# --------------------------------------------------------------------------- the page


def _facts(data: ReportData) -> dict[str, Any]:
    info = data.info
    return {
        "published": f"{info['published_at']:%d %B %Y, %H:%M} UTC" if info.get("published_at") else f.MISSING,
        "run_id": info.get("run_id"),
        "data_as_of": _date(info.get("landing_as_of"), "%d %B %Y") or f.MISSING,
        "window_days": info.get("window_days"),
        "anticipation_weeks": info.get("anticipation_weeks"),
    }


def render_html(data: ReportData) -> str:
    programs = [_program(data, p) for p in data.programs]
    return TEMPLATES.get_template("report.html").render(
        css=Markup(CSS),  # the package's own style sheet
        facts=_facts(data),
        programs=programs,
        flow=_flow(data, programs),
        min_group_size=data.min_group_size,
        fewer=f.fewer_than(data.min_group_size),
        anticipation_weeks=data.info.get("anticipation_weeks"),
        overview_columns=REPORT_OVERVIEW,
        effects_columns=REPORT_EFFECTS,
        glossary_columns=REPORT_GLOSSARY,
        method=_method(data),
        glossary=_glossary(data),
    )


# --------------------------------------------------------------------------- Markdown twin


def render_markdown(data: ReportData, html_path: str | None = None) -> str:
    """A short Markdown version (overview and verdicts) for the Dagster asset page."""
    info = data.info
    lines = [
        "# Learning impact report",
        "",
        f"Published {info.get('published_at') or f.MISSING} UTC by run `{info.get('run_id') or f.MISSING}`; "
        f"data as of {info.get('landing_as_of') or f.MISSING}. Groups of fewer than {data.min_group_size} people are not shown.",
        "",
    ]
    if html_path:
        lines += [f"The full report, with charts: `{html_path}`", ""]
    rows = []
    for program in data.programs:
        pid = program["program_id"]
        sc = data.scorecard.get(pid, {})
        impact = data.impact.get(pid, [])
        roi = data.roi.get(pid, {})
        results = []
        for r in impact:
            if _kpi_level(data, r["kpi"]) == 3:
                continue
            if r.get("suppressed"):
                results.append(f"{_kpi_name(data, r['kpi'])}: {r.get('verdict_text')}")
            else:
                results.append(f"{_kpi_name(data, r['kpi'])}: {f.kpi_change(r.get('effect'), r.get('kpi_unit'))} "
                               f"({f.interval(r.get('effect_ci_low'), r.get('effect_ci_high'), r.get('kpi_unit'))})")
        reaction = (sc.get("l1_not_shown_reason") or f.MISSING) if sc.get("l1_reaction_mean") is None \
            else f"{f.number(sc.get('l1_reaction_mean'), 1)} of 5"
        if not roi or not sc.get("activity_learners_enrolled"):
            roi_text = f.MISSING
        elif roi.get("roi_status") != "measured":
            roi_text = code_words(roi.get("roi_status"))
        else:
            roi_text = _roi_percent(roi.get("roi_pct"))
        words = delivery_words(_delivery(data, program))
        rows.append({
            "program_name": f"{program.get('program_name')} ({pid})",
            "activity_learners_enrolled": f"{f.integer(sc.get('activity_learners_enrolled'))} {words['enrolled']}, "
            f"{f.share(sc.get('activity_completion_rate'))} {words['completed']}",
            "l1_reaction_mean": reaction,
            "l2_mean_score_gain": f"{f.number(sc.get('l2_mean_score_gain'), 1, sign=True)} points of 100"
            if sc.get("l2_mean_score_gain") is not None else (sc.get("l2_not_shown_reason") or f.MISSING),
            "l4_effects": "; ".join(results) or f.MISSING,
            "l5_roi_pct": roi_text,
            "verdict": sc.get("verdict_text") or f.MISSING,
        })
    lines.append(tables.markdown(tables.headers(REPORT_MARKDOWN_OVERVIEW), tables.pick(REPORT_MARKDOWN_OVERVIEW, rows)))
    return "\n".join(lines) + "\n"
