"""The raw tables as Parquet, for engines that do not read the DuckDB warehouse (Spark).

The ingest stays the one ingest engine (ledger, quarantine and contracts in DuckDB).
With IMPACT_ENGINE=spark each ingest asset, once its feed is loaded, copies its raw
table and the file ledger, as loaded, to
`<lake_dir>/<table>/part-0.parquet` (the landing contract's `$IMPACT_DATA_DIR/lake/raw/`;
one folder per raw table, named as the dbt sources' identifier). On the `spark` dbt
target the on-run-start macro `register_raw_lake` registers each folder as the
external table `raw.<table>`, so the staging SQL reads the same names on both engines.

Each table is written to a temporary folder and then moved into place, so a reader
never sees half a file.

    python -m dagster_project.ingest.lake WAREHOUSE LAKE_DIR
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import duckdb

from ..sql import string_literal


def raw_tables(conn: duckdb.DuckDBPyConnection) -> list[str]:
    rows = conn.execute(
        "select table_name from information_schema.tables where table_schema = 'raw' order by table_name"
    ).fetchall()
    return [name for (name,) in rows]


def export_tables(conn: duckdb.DuckDBPyConnection, lake_dir: str | Path, tables: list[str]) -> dict[str, int]:
    """Copy each named raw table (without `raw.`) to Parquet under lake_dir, through the
    given connection (the ingest asset's own, which sees its uncommitted rows); returns the
    rows written per table."""
    lake = Path(lake_dir)
    lake.mkdir(mode=0o700, parents=True, exist_ok=True)
    written: dict[str, int] = {}
    for table in tables:
        final = lake / table
        staging = lake / f".{table}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        target = string_literal((staging / "part-0.parquet").as_posix())
        # COPY answers with the rows it wrote.
        written[table] = conn.execute(f"copy raw.\"{table}\" to {target} (format parquet, compression zstd)").fetchone()[0]
        old = lake / f".{table}.old"
        shutil.rmtree(old, ignore_errors=True)
        if final.exists():
            final.rename(old)
        staging.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    return written


def export_raw_to_lake(warehouse_path: str | Path, lake_dir: str | Path) -> dict[str, int]:
    """Copy every raw table of the warehouse to Parquet under lake_dir; returns the rows written per table."""
    with duckdb.connect(str(warehouse_path), read_only=True) as conn:
        return export_tables(conn, lake_dir, raw_tables(conn))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m dagster_project.ingest.lake WAREHOUSE LAKE_DIR", file=sys.stderr)
        return 2
    for table, rows in export_raw_to_lake(args[0], args[1]).items():
        print(f"{table}: {rows} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
