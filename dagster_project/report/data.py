"""What the report reads, from the serving file alone (the published tables, their
column comments and publish_info), in plain Python structures."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from . import formats as f


@dataclass
class ReportData:
    info: dict[str, Any]
    tables: dict[str, int]
    min_group_size: int
    programs: list[dict[str, Any]]
    scorecard: dict[str, dict[str, Any]]
    impact: dict[str, list[dict[str, Any]]]
    event_study: dict[tuple[str, str], list[dict[str, Any]]]
    roi: dict[str, dict[str, Any]]
    kpi_roi: dict[str, list[dict[str, Any]]]
    expectations: dict[str, list[dict[str, Any]]]
    comments: dict[str, list[dict[str, Any]]]
    cohorts: dict[tuple[str, str], list[tuple[str, int, float | None]]]
    kpis: dict[str, dict[str, Any]]
    columns: list[tuple[str, str, str]] = field(default_factory=list)  # (table, column, comment)
    table_comments: dict[str, str] = field(default_factory=dict)
    # Learning in the flow of work (None: a serving file from before the table; []: no rows).
    aid_adoption: dict[str, list[dict[str, Any]]] | None = None  # program_id -> its months, in order
    search_trends: list[dict[str, Any]] | None = None  # one row per week, in order
    knowledge_gaps: list[dict[str, Any]] | None = None  # by gap_rank


def _rows(conn: duckdb.DuckDBPyConnection, present: set[str], table: str, sql: str) -> list[dict[str, Any]]:
    if table not in present:
        return []
    rel = conn.sql(sql)
    names = rel.columns

    def value(v: Any) -> Any:
        if f.missing(v):
            return None
        return float(v) if isinstance(v, Decimal) else v

    return [{k: value(v) for k, v in zip(names, row)} for row in rel.fetchall()]


def load(serving: Path, default_min_group_size: int = 5) -> ReportData:
    conn = duckdb.connect(str(serving), read_only=True)
    try:
        present = {r[0] for r in conn.execute("select table_name from duckdb_tables() where schema_name = 'main'").fetchall()}
        info_rows = _rows(conn, present, "publish_info", "select * from publish_info order by table_name")
        info = dict(info_rows[0]) if info_rows else {}
        tables = {r["table_name"]: r["row_count"] for r in info_rows}
        min_group_size = int(info.get("min_group_size") or default_min_group_size)

        scorecard = {r["program_id"]: r for r in _rows(conn, present, "program_scorecard", "select * from program_scorecard")}
        programs = _rows(conn, present, "programs", "select * from programs order by program_name, program_id")
        if not programs:  # a serving file from before the programs table
            programs = [{"program_id": p, "program_name": r.get("program_name")} for p, r in scorecard.items()]
            programs.sort(key=lambda r: (r["program_name"] or "", r["program_id"]))

        impact: dict[str, list] = defaultdict(list)
        for r in _rows(conn, present, "program_impact", "select * from program_impact order by program_id, kpi"):
            impact[r["program_id"]].append(r)

        event_study: dict[tuple[str, str], list] = defaultdict(list)
        for r in _rows(conn, present, "program_event_study",
                       "select * from program_event_study order by program_id, kpi, relative_bin"):
            event_study[(r["program_id"], r["kpi"])].append(r)

        roi = {r["program_id"]: r for r in _rows(conn, present, "program_roi", "select * from program_roi")}

        kpi_roi: dict[str, list] = defaultdict(list)
        for r in _rows(conn, present, "program_kpi_roi", "select * from program_kpi_roi order by program_id, kpi"):
            kpi_roi[r["program_id"]].append(r)

        expectations: dict[str, list] = defaultdict(list)
        for r in _rows(conn, present, "program_expectations", "select * from program_expectations order by program_id, kpi"):
            expectations[r["program_id"]].append(r)

        comments: dict[str, list] = defaultdict(list)
        for r in _rows(conn, present, "program_comments", "select * from program_comments order by program_id, comment_rank"):
            comments[r["program_id"]].append(r)

        # Cohorts by completion month, as published (hidden months carry no figure).
        cohorts: dict[tuple[str, str], list] = defaultdict(list)
        for r in _rows(
            conn, present, "program_cohorts",
            """select program_id, kpi, strftime(completion_month, '%Y-%m') as completion_month, cohort_people,
                      cohort_effect from program_cohorts order by program_id, kpi, completion_month""",
        ):
            cohorts[(r["program_id"], r["kpi"])].append((r["completion_month"], int(r["cohort_people"]), r["cohort_effect"]))

        kpis = {r["kpi"]: r for r in _rows(conn, present, "kpis", "select * from kpis")}

        aid_adoption: dict[str, list] | None = None
        if "aid_adoption" in present:
            aid_adoption = defaultdict(list)
            for r in _rows(conn, present, "aid_adoption", "select * from aid_adoption order by program_id, month_start"):
                aid_adoption[r["program_id"]].append(r)
            aid_adoption = dict(aid_adoption)
        search_trends = (_rows(conn, present, "search_trends", "select * from search_trends order by week_start")
                         if "search_trends" in present else None)
        knowledge_gaps = (_rows(conn, present, "knowledge_gaps", "select * from knowledge_gaps order by gap_rank")
                          if "knowledge_gaps" in present else None)

        columns = [
            (t, c, comment or "")
            for t, c, comment in conn.execute(
                "select table_name, column_name, comment from duckdb_columns() "
                "where schema_name = 'main' and not internal order by table_name, column_index"
            ).fetchall()
            if t in present
        ]
        table_comments = {
            t: (comment or "")
            for t, comment in conn.execute(
                "select table_name, comment from duckdb_tables() where schema_name = 'main' and not internal"
            ).fetchall()
        }
    finally:
        conn.close()
    return ReportData(
        info=info, tables=tables, min_group_size=min_group_size, programs=programs, scorecard=scorecard,
        impact=dict(impact), event_study=dict(event_study), roi=roi, kpi_roi=dict(kpi_roi), expectations=dict(expectations),
        comments=dict(comments), cohorts=dict(cohorts), kpis=kpis, columns=columns, table_comments=table_comments,
        aid_adoption=aid_adoption, search_trends=search_trends, knowledge_gaps=knowledge_gaps,
    )
