"""One table renderer for every table people read: the run summary `make run` prints
(text), the previews on the Dagster asset pages and the report's Markdown twin
(Markdown). The report's HTML tables are the `table` macro of templates/macros.html,
headed by the same Columns.

A table is a list of Columns (which ones each view shows: columns.py) and its rows.
Each header is the column's label (labels.py) and each value reads through its column's
formatter (formats.py), "–" for a null: a figure reads the same wherever it is shown."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from . import formats
from .labels import label

Row = Mapping[str, Any]
Formatter = Callable[[Any, Row], str]


def plain(value: Any, row: Row) -> str:
    """A value as the database holds it (floats to two decimals)."""
    return f"{value:,.2f}" if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class Column:
    name: str
    show: Formatter = plain  # called with the value (never null) and the whole row
    needs: tuple[str, ...] = ()  # other columns the formatter reads: a KPI's unit, a currency
    title: str | None = None  # the header of a column a view composes (no database column, no label)

    @property
    def header(self) -> str:
        return self.title or label(self.name)

    def cell(self, row: Row) -> str:
        value = row.get(self.name)
        return formats.MISSING if formats.missing(value) else str(self.show(value, row))


def headers(columns: Sequence[Column]) -> list[str]:
    return [c.header for c in columns]


def cells(columns: Sequence[Column], rows: Sequence[Row]) -> list[list[str]]:
    """Each row's values, column by column, through the columns' formatters."""
    return [[c.cell(row) for c in columns] for row in rows]


def pick(columns: Sequence[Column], rows: Sequence[Row]) -> list[list[Any]]:
    """Each row's cells as a view composed them (keyed by column name), in the columns' order."""
    return [[row[c.name] for c in columns] for row in rows]


def query(conn: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[dict[str, Any]]]:
    """The result's column names and its rows as dicts."""
    rel = conn.sql(sql)
    return list(rel.columns), [dict(zip(rel.columns, r)) for r in rel.fetchall()]


# --------------------------------------------------------------------------- the two renderings


def markdown(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table; a cell's pipes are escaped and its line breaks flattened, and an
    empty cell holds a space, so that no value breaks the row."""

    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ") or " "

    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def text(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A console table: headers left-aligned, values right-aligned, two spaces between."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(head)]
    lines = ["  " + "  ".join(h.ljust(w) for h, w in zip(head, widths))]
    lines += ["  " + "  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in rows]
    return "\n".join(lines)

