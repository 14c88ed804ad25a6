"""The audit gate: what must hold before a run may publish, else nothing is published
and the last published marts stay in place.

- Every blocking check of every layer ran in this run and none failed at ERROR
  severity, and the marts were built in this same run: a run that selects the publish
  asset alone can never push marts whose audit failed earlier (audit_problems).
- No mart lost more than IMPACT_MAX_SHRINK of its rows since the last publish, unless
  the run accepts it: a run that empties dashboards is more often a broken extract than
  news (shrinkage).

Decisions only, on what the run reported and what the files hold; the publish asset
(asset.py) reads the run's events and raises."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from .serving import MARTS_SCHEMA, PUBLISH_INFO


@dataclass(frozen=True)
class CheckOutcome:
    """One asset check evaluation of the run."""

    key: str  # the check key as the UI writes it: "marts/program_impact:gx_program_impact"
    passed: bool
    severity: str  # "ERROR" or "WARN"


def audit_problems(
    checks: Iterable[CheckOutcome], built: set[Any], mart_keys: set[Any], required_checks: set[str]
) -> list[str]:
    """Why this run may not publish: a check failed at ERROR severity, a blocking check
    did not run, or a mart was not built in this run (`built`, `mart_keys`: asset keys)."""
    checks = list(checks)
    problems = sorted(f"failed: {c.key}" for c in checks if not c.passed and c.severity == "ERROR")
    evaluated = {c.key for c in checks}
    problems += [f"not run: {key}" for key in sorted(required_checks - evaluated)]
    problems += [f"not built in this run: {key.to_user_string()}" for key in sorted(mart_keys - built, key=str)]
    return problems


def published_counts(serving: Path) -> dict[str, int]:
    """Row counts of the marts BI tools read now (nothing when nothing was published);
    publish_info, which describes them, is not one."""
    if not serving.exists():
        return {}
    conn = duckdb.connect(str(serving), read_only=True)
    try:
        tables = [
            r[0]
            for r in conn.execute("select table_name from information_schema.tables").fetchall()
            if r[0] != PUBLISH_INFO
        ]
        return {t: conn.execute(f'select count(*) from "{t}"').fetchall()[0][0] for t in tables}
    finally:
        conn.close()


def mart_counts(warehouse: Path) -> dict[str, int]:
    conn = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "select table_name from information_schema.tables where table_schema = ? and table_type = 'BASE TABLE'",
                [MARTS_SCHEMA],
            ).fetchall()
        ]
        return {t: conn.execute(f'select count(*) from {MARTS_SCHEMA}."{t}"').fetchall()[0][0] for t in tables}
    finally:
        conn.close()


def shrinkage(previous: dict[str, int], new: dict[str, int], max_shrink: float) -> list[str]:
    """Tables that lost more than `max_shrink` of their rows since the last publish."""
    problems = []
    for table, before in sorted(previous.items()):
        after = new.get(table, 0)
        if before > 0 and (before - after) / before > max_shrink:
            problems.append(f"{table}: {before} -> {after} rows (-{(before - after) / before:.0%})")
    return problems
