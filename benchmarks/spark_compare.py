"""The same dbt project on DuckDB and on local Spark, compared mart by mart (issue 16).

    python -m benchmarks.spark_compare [--data-dir DIR] [--scale small] [--skip-pipeline]

1. the pipeline on DuckDB (`python -m dagster_project.run --force`: ingest, dbt build,
   audits, publish) into DIR, unless --skip-pipeline and DIR already has a warehouse;
2. `dbt build --target local` again on that warehouse, timed (the DuckDB side of the
   wall-time comparison);
3. every raw table to Parquet under DIR/lake/raw (dagster_project/ingest/lake.py);
4. `dbt build --target spark` (session method, local[2]) through
   dagster_project.dbt_plugins.spark_dbt, timed; the tables land as Parquet under
   DIR/spark/warehouse/<schema>.db/<table>/;
5. every mart compared: the same columns, the same rows; floats equal to 1e-9 relative,
   integers, strings, dates and booleans exact. DuckDB reads both sides (Spark's tables
   are Parquet), so no second Spark session is needed.

Exits 1 when a mart differs. Prints the wall times and writes them with the per-table
results to DIR/spark_compare.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
DBT_DIR = ROOT / "dbt"
REL_TOL = 1e-9
ABS_TOL = 1e-12
FLOAT_TYPES = {"DOUBLE", "FLOAT", "REAL"}


def _env(data_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {**os.environ, "IMPACT_DATA_DIR": str(data_dir), "DAGSTER_HOME": str(data_dir / "dagster_home")}
    env.update(extra or {})
    return env


def _timed(label: str, cmd: list[str], env: dict[str, str], cwd: Path, log: Path) -> float:
    print(f"{label}: {' '.join(cmd[:6])} ...", flush=True)
    start = time.monotonic()
    with log.open("w") as out:
        result = subprocess.run(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    seconds = time.monotonic() - start
    if result.returncode != 0:
        tail = log.read_text().splitlines()[-40:]
        raise SystemExit(f"{label} failed ({result.returncode}) after {seconds:.1f} s; log {log}:\n" + "\n".join(tail))
    print(f"{label}: {seconds:.1f} s", flush=True)
    return seconds


def _is_float(type_name: str) -> bool:
    return type_name.upper() in FLOAT_TYPES or type_name.upper().startswith("DECIMAL")


def _equal(a, b, is_float: bool) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if is_float:
        a, b = float(a), float(b)
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    return a == b


def compare_table(con: duckdb.DuckDBPyConnection, table: str, spark_path: Path) -> dict:
    duck = f"duck.marts.{table}"
    spark = f"read_parquet('{(spark_path / '*.parquet').as_posix()}')"
    duck_types = dict(con.execute(f"select column_name, column_type from (describe {duck})").fetchall())
    spark_types = dict(con.execute(f"select column_name, column_type from (describe select * from {spark})").fetchall())
    result: dict = {"table": table, "problems": []}
    if list(duck_types) != list(spark_types):
        result["problems"].append(f"columns differ: duckdb {list(duck_types)} spark {list(spark_types)}")
        return result
    floats = [c for c, t in duck_types.items() if _is_float(t) or _is_float(spark_types[c])]
    exact = [c for c in duck_types if c not in floats]
    # Rows in one order on both sides: the exact columns first, then the floats rounded far
    # below the tolerance's scale (a tie broken by float noise would misalign rows).
    order = ", ".join([f'"{c}"' for c in exact] + [f'round("{c}", 6)' for c in floats]) or "1"
    # Timestamps: Spark's are instants shown in the session's UTC, DuckDB's plain UTC values.
    select = ", ".join(
        f'cast("{c}" as timestamp) as "{c}"' if "TIMESTAMP" in duck_types[c].upper() else f'"{c}"' for c in duck_types
    )
    duck_rows = con.execute(f"select {select} from {duck} order by {order}").fetchall()
    spark_rows = con.execute(f"select {select} from {spark} order by {order}").fetchall()
    result["rows"] = len(duck_rows)
    result["type_differences"] = {
        c: [duck_types[c], spark_types[c]] for c in duck_types if duck_types[c] != spark_types[c]
    }
    if len(duck_rows) != len(spark_rows):
        result["problems"].append(f"rows differ: duckdb {len(duck_rows)} spark {len(spark_rows)}")
        return result
    columns = list(duck_types)
    mismatches = 0
    for d_row, s_row in zip(duck_rows, spark_rows):
        for i, column in enumerate(columns):
            if not _equal(d_row[i], s_row[i], column in floats):
                mismatches += 1
                if mismatches <= 5:
                    result["problems"].append(f"{column}: duckdb {d_row[i]!r} spark {s_row[i]!r}")
    if mismatches > 5:
        result["problems"].append(f"... {mismatches} differing values in all")
    return result


def compare_marts(warehouse: Path, spark_warehouse: Path) -> list[dict]:
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute(f"attach '{warehouse.as_posix()}' as duck (read_only)")
    tables = [
        name
        for (name,) in con.execute(
            "select table_name from duckdb_tables() where database_name = 'duck' and schema_name = 'marts' order by 1"
        ).fetchall()
    ]
    results = []
    for table in tables:
        path = spark_warehouse / "marts.db" / table
        if not path.exists():
            results.append({"table": table, "problems": [f"no Spark table at {path}"]})
            continue
        results.append(compare_table(con, table, path))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data" / "spark_compare")
    parser.add_argument("--scale", default="small")
    parser.add_argument("--skip-pipeline", action="store_true", help="reuse the DuckDB warehouse in --data-dir")
    parser.add_argument("--skip-spark", action="store_true", help="reuse the Spark tables in --data-dir (compare only)")
    args = parser.parse_args(argv)
    data_dir = args.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["IMPACT_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("IMPACT_SAMPLE_SCALE", args.scale)

    from dagster_project.ingest.lake import export_raw_to_lake
    from dagster_project.keys import DBT_SECRET_ENV
    from dagster_project.settings import Settings

    settings = Settings.from_env()
    warehouse = settings.warehouse_path
    logs = data_dir / "spark_compare_logs"
    logs.mkdir(exist_ok=True)
    times: dict[str, float] = {}

    if not (args.skip_pipeline and warehouse.exists()):
        times["pipeline_duckdb"] = _timed(
            "pipeline (DuckDB)", [sys.executable, "-m", "dagster_project.run", "--force"],
            _env(data_dir), ROOT, logs / "pipeline.log",
        )
    dbt_env = _env(data_dir, {
        DBT_SECRET_ENV: settings.person_key_secret,
        "IMPACT_WAREHOUSE_PATH": str(warehouse),
        "IMPACT_CONFIG_DIR": str(settings.config_dir),
        "IMPACT_DUCKDB_THREADS": str(settings.duckdb_threads),
        "IMPACT_DUCKDB_MEMORY_LIMIT": settings.duckdb_memory_limit,
    })
    vars_json = json.dumps(settings.dbt_vars())
    bin_dir = Path(sys.executable).parent
    if not args.skip_spark:
        times["dbt_build_duckdb"] = _timed(
            "dbt build --target local", [str(bin_dir / "dbt"), "build", "--target", "local", "--profiles-dir", ".",
                                         "--vars", vars_json, "--target-path", str(data_dir / "dbt_target" / "compare-duckdb"),
                                         "--log-path", str(logs / "duckdb")],
            dbt_env, DBT_DIR, logs / "dbt_duckdb.log",
        )
        start = time.monotonic()
        written = export_raw_to_lake(warehouse, data_dir / "lake" / "raw")
        times["export_raw_to_lake"] = time.monotonic() - start
        print(f"raw to Parquet: {len(written)} tables, {sum(written.values())} rows, {times['export_raw_to_lake']:.1f} s")
        times["dbt_build_spark"] = _timed(
            "dbt build --target spark", [sys.executable, "-m", "dagster_project.dbt_plugins.spark_dbt", "build",
                                         "--target", "spark", "--profiles-dir", ".", "--vars", vars_json,
                                         "--target-path", str(data_dir / "dbt_target" / "compare-spark"),
                                         "--log-path", str(logs / "spark")],
            dbt_env, DBT_DIR, logs / "dbt_spark.log",
        )

    results = compare_marts(warehouse, data_dir / "spark" / "warehouse")
    failed = [r for r in results if r["problems"]]
    for r in results:
        status = "DIFFERS" if r["problems"] else "same"
        print(f"{r['table']:<24} {r.get('rows', '?'):>6} rows  {status}")
        for problem in r["problems"]:
            print(f"    {problem}")
        if r.get("type_differences"):
            print(f"    types (duckdb, spark): {r['type_differences']}")
    for label, seconds in times.items():
        print(f"{label:<22} {seconds:7.1f} s")
    (data_dir / "spark_compare.json").write_text(json.dumps({"times_s": times, "tables": results}, indent=2, default=str))
    print(f"{len(results) - len(failed)} of {len(results)} marts equal" + (f"; differing: {[r['table'] for r in failed]}" if failed else ""))
    return 1 if failed or not results else 0


if __name__ == "__main__":
    raise SystemExit(main())
