"""Which columns each table people read shows, in one place: the previews on the Dagster
asset pages, the tables the run summary prints, and the report's tables.

Every column shown from a mart (or the match rates) is defined once, with how its
values read; a view picks from them. The report's views are composed per program (a
cell may hold an effect with its interval, or "fewer than 5 people"): their columns are
listed here, their cells are written by render.py under the same names."""

from __future__ import annotations

from dataclasses import dataclass, replace

from . import formats as f
from .tables import Column

# --------------------------------------------------------------------------- each column, once


def _int(v, row) -> str:
    return f.integer(v)


def _rate(v, row) -> str:
    return f.share(v, 1)


def _yes(v, row) -> str:
    return "yes" if v else ""


def _yes_no(v, row) -> str:
    return "yes" if v else "no"


def _in_kpi_unit(v, row) -> str:
    return f.kpi_value(v, row["kpi_unit"])


def _signed_in_kpi_unit(v, row) -> str:
    return f.kpi_number(v, row["kpi_unit"], sign=True)


def _money(v, row) -> str:
    return f.money(v, row["currency"])


_UNIT, _CURRENCY = ("kpi_unit",), ("currency",)

COLUMNS: dict[str, Column] = {
    c.name: c
    for c in [
        Column("program_id"),
        Column("kpi"),
        Column("currency"),
        Column("verdict_code", lambda v, r: (v or "").replace("_", " ")),
        Column("roi_status", lambda v, r: (v or "").replace("_", " ")),
        Column("source_system"),
        Column("identities", _int),
        Column("matched", _int),
        Column("unmatched", _int),
        Column("match_rate", _rate),
        Column("n_treated", _int),
        Column("n_comparison", _int),
        Column("pre_treated", _in_kpi_unit, _UNIT),
        Column("post_treated", _in_kpi_unit, _UNIT),
        Column("effect", lambda v, r: f.kpi_change(v, r["kpi_unit"]), _UNIT),
        Column("effect_ci_low", _signed_in_kpi_unit, _UNIT),
        Column("effect_ci_high", _signed_in_kpi_unit, _UNIT),
        Column("effect_p_adjusted", lambda v, r: f.p_value(v)),
        Column("pretrend_ok", _yes_no),
        Column("suppressed", _yes),
        Column("participants", _int),
        Column("cost_total", _money, _CURRENCY),
        Column("benefit", _money, _CURRENCY),
        Column("net_benefit", lambda v, r: f.money(v, r["currency"], sign=True), _CURRENCY),
        Column("roi_pct", lambda v, r: f.percent(v, sign=True)),
        Column("bcr", lambda v, r: f.number(v, 2)),
        Column("activity_learners_enrolled", _int),
        Column("activity_completion_rate", _rate),
        Column("l1_reaction_mean", lambda v, r: f.number(v, 1)),
    ]
}


@dataclass(frozen=True)
class TableView:
    """Some columns of one table, in one order (`titles`: shorter headers, where a view
    must fit a narrow space)."""

    table: str  # schema.table
    names: tuple[str, ...]
    order_by: str
    titles: tuple[tuple[str, str], ...] = ()

    @property
    def columns(self) -> list[Column]:
        titles = dict(self.titles)
        return [replace(COLUMNS[name], title=titles[name]) if name in titles else COLUMNS[name] for name in self.names]

    def sql(self) -> str:
        """Selects the shown columns and those their formatters read."""
        needed = dict.fromkeys(n for c in self.columns for n in (c.name, *c.needs))
        return f"select {', '.join(needed)} from {self.table} order by {self.order_by}"


# --------------------------------------------------------------------------- the views

# A few columns each, so that the table fits the asset's page.
PREVIEWS: dict[tuple[str, str], TableView] = {
    ("intermediate", "int_people__match_rates"): TableView(
        "intermediate.int_people__match_rates",
        ("source_system", "identities", "matched", "unmatched", "match_rate"),
        "source_system",
    ),
    ("marts", "program_impact"): TableView(
        "marts.program_impact",
        ("program_id", "kpi", "n_treated", "n_comparison", "effect", "effect_ci_low", "effect_ci_high",
         "effect_p_adjusted", "verdict_code"),
        "program_id, kpi",
    ),
    ("marts", "program_roi"): TableView(
        "marts.program_roi", ("program_id", "participants", "cost_total", "benefit", "roi_pct", "roi_status"), "program_id"
    ),
    ("marts", "program_scorecard"): TableView(
        "marts.program_scorecard",
        ("program_id", "activity_learners_enrolled", "activity_completion_rate", "l1_reaction_mean", "verdict_code"),
        "program_id",
    ),
}

# The tables every consumer relies on, as the run summary prints them.
RUN_SUMMARY: list[TableView] = [
    TableView(
        "marts.program_impact",
        ("program_id", "kpi", "n_treated", "effect", "effect_ci_low", "effect_ci_high", "verdict_code"),
        "program_id, kpi",
        (("program_id", "Program"), ("kpi", "KPI"), ("n_treated", "Treated"), ("effect", "Effect"),
         ("effect_ci_low", "CI low"), ("effect_ci_high", "CI high"), ("verdict_code", "Verdict")),
    ),
    TableView(
        "marts.program_roi",
        ("program_id", "participants", "cost_total", "benefit", "net_benefit", "roi_pct", "roi_status"),
        "program_id",
        (("program_id", "Program"), ("benefit", "Benefit, year 1"), ("roi_status", "ROI status")),
    ),
    TableView("marts.program_scorecard", ("program_id", "verdict_code"), "program_id",
              (("program_id", "Program"), ("verdict_code", "Verdict"))),
]

# The report's overview: one row per program (templates/overview.html writes each cell).
REPORT_OVERVIEW = [
    Column("program_name"),
    Column("activity", title="Participants and completion"),
    Column("l1_reaction_mean"),
    Column("l2_mean_score_gain"),
    Column("l3_effects", title="L3 behaviour: effect (95 % interval)"),
    Column("l4_effects", title="L4 results: effect (95 % interval)"),
    Column("l5_roi_pct"),
    Column("verdict"),
    Column("progress", title="Progress toward the KPI owner's target"),
]

# Its Markdown twin on the report asset's page: the overview, shorter.
REPORT_MARKDOWN_OVERVIEW = [
    Column("program_name"),
    Column("activity_learners_enrolled"),
    Column("l1_reaction_mean"),
    Column("l2_mean_score_gain"),
    Column("l4_effects", title="L4 results: effect (95 % interval)"),
    Column("l5_roi_pct"),
    Column("verdict"),
]

# A program's effects: one row per KPI of program_impact.
REPORT_EFFECTS = [
    Column("kpi"),
    Column("n_treated"),
    Column("n_comparison"),
    Column("before_after", title="Trained: before → after"),
    Column("effect"),
    Column("effect_interval", title="95 % interval"),
    Column("effect_p_adjusted"),
    Column("pretrend_ok"),
    Column("verdict_text"),
]

# The top knowledge gaps (knowledge_gaps): one row per query theme searched for in vain.
REPORT_KNOWLEDGE_GAPS = [
    Column("gap_rank"),
    Column("theme"),
    Column("people"),
    Column("unanswered_searches"),
    Column("stuck_share"),
    Column("weeks_recurring"),
    Column("teams"),
    Column("kpis", title="KPIs it sits beside"),
]

# The glossary: every column of the serving file beside its label.
REPORT_GLOSSARY = [
    Column("label", title="Label"),
    Column("column", title="Column"),
    Column("tables", title="Tables"),
    Column("definition", title="Definition"),
]
