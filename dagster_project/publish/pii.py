"""The PII scan: no column flagged as personal data reaches a published table.

Which names are personal comes from two places, both data: the feed contracts' PII
columns and every dbt source or model column flagged `meta: {pii: true}`. The publish
refuses, naming the table and column, when the marts hold one of them."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from ..ingest.contracts import load_contracts


def pii_column_names(manifest_path: Path) -> set[str]:
    """Column names flagged `meta: {pii: true}` on any dbt source or model, plus the
    feed contracts' PII columns: none of them may reach a published table."""
    names = {c.name.lower() for contract in load_contracts() for c in contract.columns if c.pii}
    manifest = json.loads(manifest_path.read_text())
    for node in [*manifest.get("sources", {}).values(), *manifest.get("nodes", {}).values()]:
        for column in node.get("columns", {}).values():
            meta = {**column.get("meta", {}), **column.get("config", {}).get("meta", {})}
            if meta.get("pii"):
                names.add(column["name"].lower())
    return names


def pii_columns_in(conn: duckdb.DuckDBPyConnection, schema: str, tables: list[str], pii: set[str]) -> list[str]:
    """The `table.column`s of `tables` in `schema` whose names are personal."""
    rows = conn.execute(
        "select table_name, column_name from information_schema.columns where table_schema = ?", [schema]
    ).fetchall()
    return [f"{t}.{c}" for t, c in rows if t in tables and c.lower() in pii]
