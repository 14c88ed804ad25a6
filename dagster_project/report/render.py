"""The report as one self-contained HTML page (and a short Markdown twin for the Dagster
asset page): an overview of every program, then a section per program. Built from
ReportData (the serving file alone); no script, no external resource."""

from __future__ import annotations

import re
from html import escape
from pathlib import Path
from typing import Any

from . import charts, tables
from . import formats as f
from .columns import REPORT_EFFECTS, REPORT_GLOSSARY, REPORT_MARKDOWN_OVERVIEW, REPORT_OVERVIEW
from .data import ReportData
from .labels import kpi_label, label

# --------------------------------------------------------------------------- words

# Every verdict, status and reason is a column of the marts (decided once in dbt); the
# report renders them as they are. A code reads as its words ("not_measured" ->
# "not measured") where a short tag is wanted.


def code_words(code: str | None) -> str:
    return (code or "").replace("_", " ")


def _kpi_name(data: ReportData, kpi: str) -> str:
    """The KPI's label from the published catalogue (kpis.kpi_label)."""
    return (data.kpis.get(kpi) or {}).get("kpi_label") or kpi_label(kpi)


def _roi_percent(value: Any) -> str:
    """ROI with a decimal when small, so that +0.2 % never reads "+0 %"."""
    return f.percent(value, 1 if value is not None and abs(value) < 10 else 0, sign=True)


def _e(value: Any) -> str:
    return escape(str(value)) if value is not None else f.MISSING


def _fewer(data: ReportData, what: str = "people") -> str:
    return f'<span class="suppressed">{escape(f.fewer_than(data.min_group_size, what))}</span>'


def _kpi_level(data: ReportData, kpi: str) -> int:
    level = (data.kpis.get(kpi) or {}).get("kirkpatrick_level")
    return int(level) if level is not None else 4


def _effect_cell(data: ReportData, r: dict) -> str:
    name = escape(_kpi_name(data, r["kpi"]))
    code = r.get("verdict_code")
    if r.get("suppressed"):
        return f'{name}: <span class="suppressed">{escape(r.get("verdict_text") or "")}</span>'
    text = f"{name}: <b>{escape(f.kpi_change(r.get('effect'), r.get('kpi_unit')))}</b>"
    text += f' <span class="muted">({escape(f.interval(r.get("effect_ci_low"), r.get("effect_ci_high"), r.get("kpi_unit")))})</span>'
    warn = code in ("not_credible", "worsened")
    text += f' <span class="{"warn" if warn else "tag"}" data-verdict="{escape(code or "")}">{escape(code_words(code))}</span>'
    return text


# --------------------------------------------------------------------------- overview


def _overview_cells(data: ReportData, program: dict) -> dict[str, str]:
    pid = program["program_id"]
    sc = data.scorecard.get(pid, {})
    impact = data.impact.get(pid, [])
    roi = data.roi.get(pid, {})
    enrolled = sc.get("activity_learners_enrolled") or 0
    cells: dict[str, str] = {}
    cells["program_name"] = (f'<a href="#{escape(pid)}">{_e(program.get("program_name"))}</a>'
                             f'<div class="muted small">{escape(pid)}</div>')
    if enrolled:
        cells["activity"] = (
            f'{f.integer(enrolled)} enrolled, {f.integer(sc.get("activity_learners_completed"))} completed '
            f'({f.share(sc.get("activity_completion_rate"))})<div><span class="tag">activity, not impact</span></div>'
        )
    else:
        cells["activity"] = 'no enrolments yet<div><span class="tag">activity, not impact</span></div>'
    responses = sc.get("l1_reaction_responses") or 0
    if not enrolled:
        cells["l1_reaction_mean"] = f.MISSING
    elif sc.get("l1_reaction_mean") is None:
        cells["l1_reaction_mean"] = f'<span class="suppressed">{_e(sc.get("l1_not_shown_reason") or "no survey answers")}</span>'
    else:
        cells["l1_reaction_mean"] = f'<b>{f.number(sc.get("l1_reaction_mean"), 1)} of 5</b><div class="muted small">1–5 scale, {f.integer(responses)} responses</div>'
    gain = sc.get("l2_mean_score_gain")
    cells["l2_mean_score_gain"] = (f'<b>{f.number(gain, 1, sign=True)} points</b><div class="muted small">of 100; pass rate {f.share(sc.get("l2_pass_rate"))}</div>'
                                   if gain is not None else f'<span class="muted">{_e(sc.get("l2_not_shown_reason") or "no assessment")}</span>')
    behaviour = [r for r in impact if _kpi_level(data, r["kpi"]) == 3]
    cells["l3_effects"] = "<br>".join(_effect_cell(data, r) for r in behaviour) or '<span class="muted">no behaviour KPI</span>'
    results = [r for r in impact if _kpi_level(data, r["kpi"]) != 3]
    cells["l4_effects"] = "<br>".join(_effect_cell(data, r) for r in results) or '<span class="muted">no results KPI</span>'
    if not roi or not enrolled:
        cells["l5_roi_pct"] = f.MISSING
    elif roi.get("roi_status") != "measured":
        cells["l5_roi_pct"] = f'<span class="suppressed" data-roi-status="{_e(roi.get("roi_status"))}">{escape(code_words(roi.get("roi_status")))}</span>'
    else:
        cells["l5_roi_pct"] = (f'<b>{escape(_roi_percent(roi.get("roi_pct")))}</b><div class="muted small">net '
                               f'{escape(f.money(roi.get("net_benefit"), roi.get("currency"), sign=True))}</div>')
    cells["verdict"] = f'<span data-verdict="{_e(sc.get("verdict_code"))}">{_e(sc.get("verdict_text"))}</span>'
    progress = []
    for e in data.expectations.get(pid, []):
        name = escape(_kpi_name(data, e["kpi"]))
        contributed = escape(e.get("contribution_status") or "")
        if e.get("progress_pct") is None:
            standing = '<span class="muted">where it stands: not measurable</span>'
        else:
            standing = (f'<span class="muted">where it stands: {escape(e.get("status") or "")}, '
                        f'{escape(f.percent(e["progress_pct"]))} of the way</span>')
        progress.append(f"{name}: <b>{contributed}</b><div class=\"small\">{standing}</div>")
    cells["progress"] = "<br>".join(progress) or f.MISSING
    return cells


def overview(data: ReportData) -> str:
    rows = tables.pick(REPORT_OVERVIEW, [_overview_cells(data, p) for p in data.programs])
    named = [f' data-program="{escape(p["program_id"])}"' for p in data.programs]
    return (
        '<section id="overview"><h2>Overview</h2>'
        f'<p class="lede">One row per program. Participants and completion are <em>activity</em>: they say what happened, '
        f"not what it changed. The effects (levels 3 and 4) compare the people trained with similar colleagues who were "
        f"not, over the same weeks; the range in brackets is the 95 % interval. Groups of {escape(f.fewer_than(data.min_group_size))} "
        "are not shown.</p>"
        + tables.html(tables.headers(REPORT_OVERVIEW), rows, "overview", named) + "</section>"
    )


# --------------------------------------------------------------------------- a program's section


def _effect_cells(data: ReportData, r: dict) -> dict[str, str]:
    """A KPI's row of the effects table; a suppressed one says why and shows no figure."""
    unit = r.get("kpi_unit")
    cells = {"kpi": escape(_kpi_name(data, r["kpi"])), "n_treated": f.integer(r.get("n_treated")),
             "n_comparison": f.integer(r.get("n_comparison"))}
    cells["verdict_text"] = escape(r.get("verdict_text") or "")
    if r.get("suppressed"):
        return {**cells, "before_after": _fewer(data), "effect": "", "effect_interval": "", "effect_p_adjusted": "",
                "pretrend_ok": ""}
    before_after = f"{escape(f.kpi_value(r.get('pre_treated'), unit))} → {escape(f.kpi_value(r.get('post_treated'), unit))}"
    if r.get("pre_treated") is None:
        before_after = escape(f.kpi_value(r.get("post_treated"), unit)) + ' <span class="muted">(after; no before)</span>'
    return {
        **cells,
        "before_after": before_after,
        "effect": f"<b>{escape(f.kpi_change(r.get('effect'), unit))}</b>",
        "effect_interval": escape(f.interval(r.get("effect_ci_low"), r.get("effect_ci_high"), unit)),
        "effect_p_adjusted": escape(f.p_value(r.get("effect_p_adjusted"))),
        "pretrend_ok": {True: "yes", False: '<span class="warn">no</span>', None: "not testable"}[r.get("pretrend_ok")],
    }


def _effects(data: ReportData, pid: str) -> str:
    impact = data.impact.get(pid, [])
    if not impact:
        return "<p class=\"muted\">No KPI is configured for this program in programs.csv.</p>"
    rows = []
    for r in impact:
        note = "" if r.get("verdict_code") in ("improved", "worsened") else code_words(r.get("verdict_code"))
        rows.append(charts.ForestRow(
            label=_kpi_name(data, r["kpi"]), unit=r.get("kpi_unit"), better=r.get("better_direction"),
            effect=None if r.get("suppressed") else r.get("effect"), low=r.get("effect_ci_low"), high=r.get("effect_ci_high"),
            p_adjusted=r.get("effect_p_adjusted"), note=note,
        ))
    caption = ("Effect of completing the program on each KPI, in the KPI's own unit, with its 95 % interval; "
               "p-values are adjusted for multiplicity (Holm) across every program's KPIs, the one rule that the "
               "verdicts and ROI use.")
    table = tables.html(tables.headers(REPORT_EFFECTS), tables.pick(REPORT_EFFECTS, [_effect_cells(data, r) for r in impact]),
                        "numbers")
    spill = "".join(f"<li>{sentence}</li>" for r in impact if (sentence := _spillover_sentence(data, r)))
    spillover = (f"<p>Untrained teammates of the trained (their manager's or organisation's team had someone "
                 f"trained), against untrained people in teams without:</p><ul>{spill}</ul>") if spill else ""
    return "<h3>Effects on the KPIs</h3>" + charts.forest_plot(rows, caption) + table + spillover


def _spillover_sentence(data: ReportData, r: dict) -> str:
    """A KPI's teammates' spillover, when one could be measured; the effect is adjusted
    for it, and ROI leaves it out."""
    if r.get("suppressed") or r.get("spillover_effect") is None:
        return ""
    unit = r.get("kpi_unit")
    return (f"<b>{escape(_kpi_name(data, r['kpi']))}</b>: {escape(f.kpi_change(r['spillover_effect'], unit))} "
            f"({escape(f.interval(r.get('spillover_ci_low'), r.get('spillover_ci_high'), unit))}) for a whole window "
            "with a trained teammate. The effect above is measured against people without one; this spillover is "
            "not counted in ROI.")


def _pretrend_sentence(data: ReportData, r: dict) -> str:
    name = f"<b>{escape(_kpi_name(data, r['kpi']))}</b>"
    if r.get("suppressed"):
        return f"{name}: {_fewer(data)} to test."
    if r.get("kpi_grain") == "person":
        return f"{name}: no pre-period to test — new starters are compared by hire cohort, from their first day."
    ok, bins = r.get("pretrend_ok"), r.get("pretrend_bins_tested")
    tests = (f"joint test of {f.integer(bins)} pre-period bins {escape(f.p_value(r.get('pretrend_wald_p_value')))}, "
             f"linear trend {escape(f.p_value(r.get('pretrend_trend_p_value')))}")
    breakdown = r.get("breakdown_relative_magnitude")
    robust = ""
    if ok is True and breakdown is not None:
        robust = (f" A change after training {escape(f.number(breakdown, 1))} times the largest change seen between "
                  "pre-period bins, bin after bin, would be needed to overturn the effect's sign"
                  + (" — no larger than those already seen, so read it with care." if breakdown < 1 else "."))
    if ok is False:
        return (f'{name}: <span class="warn">groups diverged before training; effect not credible</span> '
                f"({tests}). It earns no ROI benefit.")
    if ok is True:
        return (f"{name}: the trained and comparison groups moved alike before training ({tests}), "
                f"so the comparison is a fair stand-in.{robust}")
    return f"{name}: not testable (too few pre-period bins with data)."


def _event_studies(data: ReportData, pid: str) -> str:
    parts = []
    for r in data.impact.get(pid, []):
        bins = data.event_study.get((pid, r["kpi"]))
        if not bins:
            continue
        parts.append(charts.event_study_chart(
            [charts.Bin(b["relative_bin"], b.get("period") or "", b.get("treated_value"), b.get("comparison_value"),
                        b.get("n_treated"), b.get("n_comparison"), bool(b.get("suppressed"))) for b in bins],
            r.get("kpi_unit"), _kpi_name(data, r["kpi"]), data.min_group_size,
        ))
    sentences = "".join(f"<li>{_pretrend_sentence(data, r)}</li>" for r in data.impact.get(pid, []))
    anticipation = data.info.get("anticipation_weeks")
    intro = ("<p>The KPI in 2-week bins before registration and after completion. The <em>pre window</em> is the baseline; "
             f"the <em>anticipation gap</em> ({_e(anticipation)} weeks before registration) is shown but not used, since people "
             "are often nominated after a bad spell. Parallel lines before training make the comparison credible.</p>")
    body = "".join(parts) or '<p class="muted">No event study for this program (its KPIs are measured per person, or too few people).</p>'
    return f"<h3>Before and after, week by week</h3>{intro}{body}<h4>Did the groups move alike before training?</h4><ul>{sentences}</ul>"


def _roi(data: ReportData, pid: str) -> str:
    roi = data.roi.get(pid)
    if not roi:
        return ""
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
    caption = ("Fully loaded costs (courses, participants' time at their pay, other costs) against the first-year benefit, "
               "following each KPI's measured path after completion at the end of its interval nearest zero "
               "(Phillips ROI, the most conservative alternative).")
    chart = charts.waterfall(steps, cur, caption, "Net benefit" if measured else "Costs so far")
    if not measured:
        words = (f'<p data-roi-status="{_e(roi.get("roi_status"))}">ROI: {_e(roi.get("roi_status_text"))}. '
                 f"Costs so far: {escape(f.money(roi.get('cost_total'), cur))}.</p>")
    else:
        words = (f"<p>ROI {escape(_roi_percent(roi.get('roi_pct')))} (net benefit ÷ total cost), benefit-cost ratio "
                 f"{escape(f.number(roi.get('bcr'), 2))}: the {_e(roi.get('roi_status_text'))}. Costs count all "
                 f"{f.integer(roi.get('participants'))} participants; the benefit counts all {f.integer(roi.get('n_benefiting'))} "
                 f"completers at the measured effect, for the first year only: "
                 f"{escape(f.money(roi.get('benefit_measured'), cur))} over the weeks measured after completion{_horizon(roi)}, "
                 f"and {escape(f.money(roi.get('benefit_projected'), cur))} projected to the year's end (never above the last "
                 "measured interval's end nearest zero, fading as the effect faded).</p>")
    words += _kpi_roi(data, pid)
    return f"<h3>Return on investment</h3>{chart}{words}"


def _kpi_roi(data: ReportData, pid: str) -> str:
    """Each earning KPI's part of the benefit (program_kpi_roi), when more than one KPI earns."""
    rows = [r for r in data.kpi_roi.get(pid, []) if r.get("earns_benefit")]
    if len(rows) < 2:
        return ""
    items = "".join(
        f"<li>{escape(_kpi_name(data, r['kpi']))}: {escape(f.money(r.get('benefit'), r.get('currency')))}"
        + (f" ({escape(f.share(r.get('share_of_program_benefit')))} of the benefit)" if r.get("share_of_program_benefit") is not None else "")
        + ("" if r.get("benefit_per_unit") else " — not valued in money")
        + "</li>"
        for r in rows
    )
    return f"<p>Of which, per KPI:</p><ul>{items}</ul>"


def _horizon(roi: dict) -> str:
    weeks = roi.get("benefit_horizon_weeks")
    return f" ({f.integer(weeks)} weeks)" if weeks is not None else ""


def _expectations(data: ReportData, pid: str) -> str:
    items = []
    for e in data.expectations.get(pid, []):
        unit = (e.get("kpi_unit") or (data.kpis.get(e["kpi"]) or {}).get("kpi_unit")
                or next((r.get("kpi_unit") for r in data.impact.get(pid, []) if r["kpi"] == e["kpi"]), None))
        name = escape(_kpi_name(data, e["kpi"]))
        expected = (e.get("target_value") or 0) - (e.get("baseline_value") or 0)
        owner = escape(e.get("kpi_owner") or "the KPI owner")
        status = f'<b data-contribution="{_e(e.get("contribution_code"))}">{_e(e.get("contribution_status"))}</b>'
        impact = next((r for r in data.impact.get(pid, []) if r["kpi"] == e["kpi"]), {})
        if e.get("measured_effect") is None:
            contributed = f"{status}."
        else:
            contributed = (f"{escape(f.kpi_change(e['measured_effect'], unit))} (95 % interval "
                           f"{escape(f.interval(impact.get('effect_ci_low'), impact.get('effect_ci_high'), unit))}) against the "
                           f"{escape(f.kpi_change(expected, unit))} {owner} expected: {status}.")
        family = escape(e.get("target_job_family") or "the target job family")
        if e.get("current_value") is None:
            standing = f"not measurable for {family} (no recent measurable weeks, or a KPI measured per new starter)."
            bar = ""
        else:
            standing = (f"{escape(f.kpi_value(e['current_value'], unit))} now for {family}, against a baseline of "
                        f"{escape(f.kpi_value(e.get('baseline_value'), unit))} and a target of {escape(f.kpi_value(e.get('target_value'), unit))}: "
                        f"{escape(f.percent(e.get('progress_pct')))} of the way — <b>{escape(e.get('status') or '')}</b>.")
            bar = charts.progress_bar(e.get("progress_pct"), f.kpi_value(e.get("baseline_value"), unit),
                                      f.kpi_value(e.get("target_value"), unit), f.kpi_value(e["current_value"], unit), e.get("status") or "",
                                      kpi=_kpi_name(data, e["kpi"]), unit=unit)
        items.append(
            f'<div class="roe"><h4>{name}</h4><p><span class="part">What training contributed:</span> {contributed}</p>'
            f'<p><span class="part">Where the KPI stands overall:</span> {standing}</p>{bar}</div>'
        )
    if not items:
        return ""
    return ("<h3>Return on expectation</h3><p>Two different questions: how much of the change the KPI owner asked for did the "
            "program itself cause, and where does the KPI stand for everyone in the target job family (training and everything "
            "else together)?</p>" + "".join(items))


def _reaction(data: ReportData, pid: str) -> str:
    sc = data.scorecard.get(pid, {})
    responses = sc.get("l1_reaction_responses") or 0
    if sc.get("l1_reaction_mean") is None:
        reaction = f"Reaction (level 1): not shown ({_e(sc.get('l1_not_shown_reason') or 'no survey answers')})."
    else:
        reaction = (f"Reaction (level 1): <b>{escape(f.number(sc.get('l1_reaction_mean'), 1))} of 5</b> on a 1–5 scale, from "
                    f"{f.integer(responses)} responses ({escape(f.share(sc.get('l1_reaction_response_rate')))} of course completions).")
    if sc.get("l2_mean_score_gain") is None:
        learning = f"Learning (level 2): not shown ({_e(sc.get('l2_not_shown_reason') or 'no assessment')})."
    else:
        learning = (f"Learning (level 2): a score gain of <b>{escape(f.number(sc.get('l2_mean_score_gain'), 1, sign=True))} points</b> "
                    f"of 100 from {escape(f.number(sc.get('l2_mean_pre_score'), 0))} to "
                    f"{escape(f.number(sc.get('l2_mean_post_score'), 0))}, pass rate {escape(f.share(sc.get('l2_pass_rate')))}, "
                    f"{f.integer(sc.get('l2_people_assessed'))} people assessed.")
    head = f"<p>{reaction} {learning}</p>"
    comments = data.comments.get(pid, [])
    if comments:
        quotes = "".join(
            f'<blockquote class="comment">{escape(c.get("comment_scrubbed") or "")}'
            f'<footer>{escape(c["submitted_month"].strftime("%B %Y") if c.get("submitted_month") else "")}</footer></blockquote>'
            for c in comments
        )
        body = (f"<p class=\"muted\">The newest comments (emails removed; comments naming a colleague left out), from "
                f"{f.integer(comments[0].get('program_respondents'))} respondents:</p>{quotes}")
    else:
        body = (f"<p class=\"muted\">No comments shown: comments are published only for programs with at least "
                f"{data.min_group_size} respondents.</p>")
    return f"<h3>What participants said</h3>{head}{body}"


def _cohorts(data: ReportData, pid: str) -> str:
    parts = []
    for r in data.impact.get(pid, []):
        rows = data.cohorts.get((pid, r["kpi"]))
        if not rows:
            continue
        parts.append(charts.cohort_bars(
            rows, r.get("kpi_unit"), r.get("better_direction"), data.min_group_size,
            f"{_kpi_name(data, r['kpi'])}: each completion month's people and their mean own effect (their change minus their "
            f"matched comparisons'); months with {f.fewer_than(data.min_group_size)} are not shown, nor the smallest "
            "other month when the hidden ones together are fewer.",
            kpi=_kpi_name(data, r["kpi"]),
        ))
    if not parts:
        return ""
    return "<h3>Cohorts by completion month</h3>" + "".join(parts)


def _method(data: ReportData, pid: str) -> str:
    items = []
    for r in data.impact.get(pid, []):
        name = f"<b>{escape(_kpi_name(data, r['kpi']))}</b>"
        if r.get("kpi_grain") == "person":
            text = f"{name}: {escape(r.get('method') or '')}."
        else:
            text = (f"{name}: {f.integer(r.get('n_treated'))} people who completed the program against "
                    f"{f.integer(r.get('n_comparison'))} similar colleagues who had not, over the same calendar weeks "
                    '(<a href="#method">how</a>).')
        caveats = []
        kpi = data.kpis.get(r["kpi"]) or {}
        if kpi.get("value_cap") is not None:
            caveats.append(f"each value is capped at {escape(f.kpi_value(kpi['value_cap'], r.get('kpi_unit')))} (the KPI "
                           f"catalogue's definition; {f.integer(kpi.get('n_events_at_cap'))} of "
                           f"{f.integer(kpi.get('n_events_measured'))} events sat at the cap)")
        if r.get("n_treated_unmatched"):
            caveats.append(f"{f.integer(r['n_treated_unmatched'])} completers had no comparable colleague and are left out")
        if r.get("n_treated_overlap"):
            caveats.append(f"{f.integer(r['n_treated_overlap'])} also took another program aimed at the same KPI and are left out of both")
        if r.get("n_events_censored"):
            caveats.append(f"{f.integer(r['n_events_censored'])} recent events are too recent to have finished and are not counted yet")
        if r.get("data_as_of"):
            caveats.append(f"the KPI's data run to {r['data_as_of']:%d %B %Y}")
        if caveats:
            text += " Caveats: " + "; ".join(caveats) + "."
        items.append(f"<li>{text}</li>")
    if not items:
        return ""
    return ("<h3>How this was measured, and its limits</h3><ul>" + "".join(items) + "</ul>"
            "<p class=\"muted\">This is not a randomised trial: people chosen for training may differ from their colleagues in ways "
            "the matching does not see. An interval that includes zero means no effect could be told apart from chance.</p>")


def program_section(data: ReportData, program: dict) -> str:
    pid = program["program_id"]
    sc = data.scorecard.get(pid, {})
    return (
        f'<section class="program" id="{escape(pid)}" data-program="{escape(pid)}">'
        f'<h2>{_e(program.get("program_name"))} <span class="muted small">{escape(pid)}</span></h2>'
        f'<p class="verdict" data-verdict="{_e(sc.get("verdict_code"))}">{_e(sc.get("verdict_text"))}</p>'
        + _effects(data, pid) + _event_studies(data, pid) + _roi(data, pid) + _expectations(data, pid)
        + _reaction(data, pid) + _cohorts(data, pid) + _method(data, pid)
        + "</section>"
    )


# --------------------------------------------------------------------------- glossary and page


def _inline(text: str) -> str:
    """The few Markdown marks a doc block uses: `code` and *emphasis*."""
    text = escape(text)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    return re.sub(r"\*([^*]+)\*", r"<em>\1</em>", text)


def markdown_block(text: str) -> str:
    """A doc block as HTML: paragraphs, and numbered lists whose items may wrap."""
    out: list[str] = []
    items: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in paragraph.splitlines()]
        if lines and re.match(r"\d+\. ", lines[0]):
            items = []
            for line in lines:
                if re.match(r"\d+\. ", line):
                    items.append(line.split(". ", 1)[1])
                else:
                    items[-1] += " " + line
            out.append("<ol>" + "".join(f"<li>{_inline(item)}</li>" for item in items) + "</ol>")
        else:
            out.append(f"<p>{_inline(' '.join(lines))}</p>")
    return "".join(out)


def method_section(data: ReportData) -> str:
    """The method, as the serving file describes program_impact (one doc block feeds the
    dbt docs, the serving file's comments and this section)."""
    text = data.table_comments.get("program_impact") or ""
    if not text:
        return ""
    return f'<section id="method" class="method"><h2>Method</h2>{markdown_block(text)}</section>'



def glossary(data: ReportData) -> str:
    seen: dict[str, tuple[list[str], str]] = {}
    for table, column, comment in data.columns:
        in_tables, description = seen.get(column, ([], comment))
        in_tables.append(table)
        seen[column] = (in_tables, description or comment)
    rows = [
        {"label": escape(label(column)), "column": f"<code>{escape(column)}</code>", "tables": escape(", ".join(in_tables)),
         "definition": escape(description)}
        for column, (in_tables, description) in sorted(seen.items(), key=lambda kv: label(kv[0]).lower())
    ]
    return ('<section id="glossary" class="glossary"><h2>Glossary: labels and the serving file\'s columns</h2>'
            "<p>Every label of this report beside the column of <code>serving.duckdb</code> (and the Parquet exports) it shows, "
            "with the column's description as stored in the file.</p>"
            + tables.html(tables.headers(REPORT_GLOSSARY), tables.pick(REPORT_GLOSSARY, rows)) + "</section>")


# The page's style sheet, inlined so that the report opens offline as one file.
CSS = (Path(__file__).parent / "report.css").read_text(encoding="utf-8")


def _facts(data: ReportData) -> str:
    info = data.info
    published = info.get("published_at")
    facts = [
        ("Published", f"{published:%d %B %Y, %H:%M} UTC" if published else f.MISSING),
        ("By run", f"<code>{_e(info.get('run_id'))}</code>"),
        ("Data as of", f"{info['landing_as_of']:%d %B %Y}" if info.get("landing_as_of") else f.MISSING),
        ("Windows", f"{_e(info.get('window_days'))} days before and after, the pre window ending "
                    f"{_e(info.get('anticipation_weeks'))} weeks before registration"),
        ("Smallest group shown", f"{data.min_group_size} people"),
    ]
    return '<dl class="facts">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>"


def render_html(data: ReportData) -> str:
    toc = " ".join(f'<a href="#{escape(p["program_id"])}">{_e(p.get("program_name"))}</a>' for p in data.programs)
    sections = "".join(program_section(data, p) for p in data.programs)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        "<title>Learning impact report</title>"
        f"<style>{CSS}</style></head><body><main>"
        '<header class="top"><h1>Learning impact report</h1>'
        "<p class=\"lede\">Which programs work, why we think so, and whether they paid: for L&amp;D teams, KPI owners and "
        "sponsors. Figures come from the published serving file of the run below.</p>"
        f"{_facts(data)}</header>"
        f'<nav class="toc"><b>Programs:</b> <a href="#overview">Overview</a> {toc} <a href="#method">Method</a> <a href="#glossary">Glossary</a></nav>'
        + overview(data) + sections + method_section(data) + glossary(data)
        + "</main></body></html>\n"
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
        rows.append({
            "program_name": f"{program.get('program_name')} ({pid})",
            "activity_learners_enrolled": f"{f.integer(sc.get('activity_learners_enrolled'))} enrolled, "
            f"{f.share(sc.get('activity_completion_rate'))} completed",
            "l1_reaction_mean": reaction,
            "l2_mean_score_gain": f"{f.number(sc.get('l2_mean_score_gain'), 1, sign=True)} points of 100"
            if sc.get("l2_mean_score_gain") is not None else (sc.get("l2_not_shown_reason") or f.MISSING),
            "l4_effects": "; ".join(results) or f.MISSING,
            "l5_roi_pct": roi_text,
            "verdict": sc.get("verdict_text") or f.MISSING,
        })
    lines.append(tables.markdown(tables.headers(REPORT_MARKDOWN_OVERVIEW), tables.pick(REPORT_MARKDOWN_OVERVIEW, rows)))
    return "\n".join(lines) + "\n"
