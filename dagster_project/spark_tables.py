"""The spark engine's results, where the audits and the publish read them.

With IMPACT_ENGINE=spark, `dbt build --target spark` writes each model and seed as
Parquet under `<spark warehouse>/<schema>.db/<table>/`. Once dbt has finished, every
relation it built in this run is copied from those files into the DuckDB warehouse
under the same `<schema>.<table>`, in one transaction: the GX audits, the publish
(serving file, exports) and the report then read the same relations on either engine,
and a failed copy leaves the warehouse as it was. A mart's columns are cast to the
types its contract declares, so the serving file's types do not depend on the engine.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from .sql import string_literal, transaction


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def built_relations(target_dir: Path, spark_warehouse: Path) -> list[tuple[str, str, Path, dict[str, str]]]:
    """(schema, table, folder, declared column types) of each model or seed this dbt run
    built (run_results: success) whose Parquet files are in the Spark warehouse."""
    results = json.loads((target_dir / "run_results.json").read_text())
    manifest: Mapping[str, Any] = json.loads((target_dir / "manifest.json").read_text())
    succeeded = {r["unique_id"] for r in results.get("results", []) if r.get("status") == "success"}
    relations = []
    for unique_id in sorted(succeeded):
        node = manifest["nodes"].get(unique_id)
        if node is None or node["resource_type"] not in ("model", "seed"):
            continue
        schema, table = node["schema"], node.get("alias") or node["name"]
        folder = spark_warehouse / f"{schema}.db" / table
        if not any(folder.glob("*.parquet")):
            continue  # a view or an ephemeral model: nothing was written
        declared = {}
        if node.get("config", {}).get("contract", {}).get("enforced"):
            declared = {name: c["data_type"] for name, c in node.get("columns", {}).items() if c.get("data_type")}
        relations.append((schema, table, folder, declared))
    return relations


def copy_into_warehouse(
    conn: duckdb.DuckDBPyConnection, relations: list[tuple[str, str, Path, dict[str, str]]]
) -> dict[str, int]:
    """Replace each relation in the warehouse by its Spark Parquet, in one transaction;
    returns the rows copied per `schema.table`."""
    copied: dict[str, int] = {}
    with transaction(conn):
        for schema, table, folder, declared in relations:
            source = f"read_parquet({string_literal((folder / '*.parquet').as_posix())})"
            names = [r[0] for r in conn.execute(f"select column_name from (describe select * from {source})").fetchall()]
            select = ", ".join(
                f"cast({_quoted(n)} as {declared[n]}) as {_quoted(n)}" if n in declared else _quoted(n) for n in names
            )
            relation = f"{_quoted(schema)}.{_quoted(table)}"
            conn.execute(f"create schema if not exists {_quoted(schema)}")
            kind = conn.execute(
                "select table_type from information_schema.tables where table_schema = ? and table_name = ?",
                [schema, table],
            ).fetchone()
            if kind and kind[0] == "VIEW":
                conn.execute(f"drop view {relation}")
            conn.execute(f"create or replace table {relation} as select {select} from {source}")
            copied[f"{schema}.{table}"] = conn.execute(f"select count(*) from {relation}").fetchone()[0]
    return copied


def mirror_spark_build(warehouse: Path, config: Mapping[str, Any], target_dir: Path, spark_warehouse: Path) -> dict[str, int]:
    """Copy what the Spark dbt build in target_dir wrote into the DuckDB warehouse."""
    relations = built_relations(target_dir, spark_warehouse)
    with duckdb.connect(str(warehouse), config=dict(config)) as conn:
        return copy_into_warehouse(conn, relations)
