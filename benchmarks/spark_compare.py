"""The same pipeline on DuckDB and on local Spark, compared table by table (issue 16).

    python -m benchmarks.spark_compare [--data-dir DIR] [--scale small] [--skip-pipelines]

1. the generator's sample (--scale) is written once to DIR/landing;
2. the whole Dagster job (`python -m dagster_project.run --force`: ingest, dbt build,
   audits, publish, report) runs on it twice, each in a data dir of its own:
   DIR/duckdb with IMPACT_ENGINE=duckdb, and DIR/spark with IMPACT_ENGINE=spark (the
   `spark` dbt target, session method, local[2]; Java 17 and `.[spark]`), both timed;
3. every table the two runs published (their serving.duckdb) is compared: the same
   columns and types, the same rows; floats equal to 1e-9 relative, integers, strings,
   dates and booleans exact. publish_info is compared on what does not name the run
   (its table names and row counts);
4. then a night: one day appended to the landing folder (the generator's --append-day),
   the job run again in both data dirs, and the published tables compared again. On
   DuckDB that run is incremental (the versioned feeds' staging tables, the KPI facts),
   on Spark every table is rebuilt: the same numbers prove the night's increments right
   (--no-nightly skips it).

Exits 1 when a published table differs. Prints the wall times and writes them with the
per-table results to DIR/spark_compare.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import secrets
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
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


def compare_relations(con: duckdb.DuckDBPyConnection, table: str, duck: str, spark: str, skip: tuple[str, ...] = ()) -> dict:
    """Compare two relations (SQL names or table functions) as the module docstring says."""
    duck_types = {c: t for c, t in con.execute(f"select column_name, column_type from (describe {duck})").fetchall() if c not in skip}
    spark_types = {c: t for c, t in con.execute(f"select column_name, column_type from (describe select * from {spark})").fetchall() if c not in skip}
    result: dict = {"table": table, "problems": []}
    if list(duck_types) != list(spark_types):
        result["problems"].append(f"columns differ: duckdb {list(duck_types)} spark {list(spark_types)}")
        return result
    differing = {c: [duck_types[c], spark_types[c]] for c in duck_types if duck_types[c] != spark_types[c]}
    if differing:
        result["problems"].append(f"types differ (duckdb, spark): {differing}")
    floats = [c for c, t in duck_types.items() if _is_float(t) or _is_float(spark_types[c])]
    exact = [c for c in duck_types if c not in floats]
    # Rows in one order on both sides: the exact columns first, then the floats rounded far
    # below the tolerance's scale (a tie broken by float noise would misalign rows).
    order = ", ".join([f'"{c}"' for c in exact] + [f'round("{c}", 6)' for c in floats]) or "1"
    select = ", ".join(f'"{c}"' for c in duck_types)
    duck_rows = con.execute(f"select {select} from {duck} order by {order}").fetchall()
    spark_rows = con.execute(f"select {select} from {spark} order by {order}").fetchall()
    result["rows"] = len(duck_rows)
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


# publish_info names the run (id, time, code fingerprint with the engine in its settings).
RUN_COLUMNS = ("run_id", "published_at", "code_fingerprint")


def compare_serving(duckdb_serving: Path, spark_serving: Path) -> list[dict]:
    """Every table of the DuckDB run's serving file against the Spark run's."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute(f"attach '{duckdb_serving.as_posix()}' as duck (read_only)")
    con.execute(f"attach '{spark_serving.as_posix()}' as spark (read_only)")

    def tables(database: str) -> set[tuple[str, str]]:
        return set(con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = ?", [database]
        ).fetchall())

    duck_tables, spark_tables = tables("duck"), tables("spark")
    results = [{"table": f"{s}.{t}", "problems": ["published by the Spark run only"]} for s, t in sorted(spark_tables - duck_tables)]
    for schema, table in sorted(duck_tables):
        name = f"{schema}.{table}"
        if (schema, table) not in spark_tables:
            results.append({"table": name, "problems": ["not published by the Spark run"]})
            continue
        skip = RUN_COLUMNS if table == "publish_info" else ()
        results.append(compare_relations(con, name, f'duck."{schema}"."{table}"', f'spark."{schema}"."{table}"', skip))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data" / "spark_compare")
    parser.add_argument("--scale", default="small")
    parser.add_argument("--skip-pipelines", action="store_true", help="compare the serving files already in --data-dir")
    parser.add_argument("--no-nightly", action="store_true", help="compare the first runs only, without the appended night")
    args = parser.parse_args(argv)
    data_dir = args.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    landing = data_dir / "landing"
    logs = data_dir / "logs"
    logs.mkdir(exist_ok=True)
    times: dict[str, float] = {}
    # A real landing folder needs a real secret (the public development one is refused
    # for it): one made for this comparison, the same for both runs, so the keys agree.
    secret = os.environ.get("IMPACT_PERSON_KEY_SECRET") or "spark-compare-" + secrets.token_hex(24)
    if not args.skip_pipelines:
        shutil.rmtree(landing, ignore_errors=True)
        times["generate"] = _timed(
            f"sample ({args.scale})", [sys.executable, "-m", "sources.generator", "--out", str(landing), "--scale", args.scale],
            dict(os.environ), ROOT, logs / "generate.log",
        )
        for engine in ("duckdb", "spark"):
            shutil.rmtree(data_dir / engine, ignore_errors=True)
        run_both(data_dir, landing, secret, logs, times, "")

    failed = compare_and_print(data_dir)
    if not args.skip_pipelines and not args.no_nightly and not failed:
        from sources.generator.append_day import append_day

        newest = max(f.name for f in (landing / "servicedesk" / "incidents").iterdir())
        day = date.fromisoformat(newest.split("_")[1][:10]) + timedelta(days=1)
        append_day(landing, day)
        print(f"\nA night: {day} appended; the job again on both engines (DuckDB incremental, Spark whole)")
        run_both(data_dir, landing, secret, logs, times, "_nightly")
        failed = compare_and_print(data_dir)
    for label, seconds in times.items():
        print(f"{label:<22} {seconds:7.1f} s")
    return 1 if failed else 0


def run_both(data_dir: Path, landing: Path, secret: str, logs: Path, times: dict, suffix: str) -> None:
    for engine in ("duckdb", "spark"):
        env = _env(data_dir / engine, {"IMPACT_ENGINE": engine, "IMPACT_LANDING_DIR": str(landing),
                                       "IMPACT_PERSON_KEY_SECRET": secret})
        times[f"pipeline_{engine}{suffix}"] = _timed(
            f"pipeline (IMPACT_ENGINE={engine}){suffix.replace('_', ' ')}",
            [sys.executable, "-m", "dagster_project.run", "--force"], env, ROOT, logs / f"pipeline_{engine}{suffix}.log",
        )


def compare_and_print(data_dir: Path) -> list[dict]:
    """Compare the two serving files; print and save the results; return the differing tables."""
    results = compare_serving(data_dir / "duckdb" / "serving.duckdb", data_dir / "spark" / "serving.duckdb")
    # Equal tables prove nothing if the Spark run built on DuckDB: each published mart must
    # also be in Spark's warehouse, as the Parquet its copy was read from.
    spark_marts = data_dir / "spark" / "spark" / "warehouse" / "marts.db"
    for r in results:
        mart = r["table"].split(".")[-1]
        if mart != "publish_info" and not any((spark_marts / mart).glob("*.parquet")):
            r["problems"].append(f"not built on Spark: no Parquet under {spark_marts / mart}")
    failed = [r for r in results if r["problems"]]
    for r in results:
        status = "DIFFERS" if r["problems"] else "same"
        print(f"{r['table']:<32} {r.get('rows', '?'):>6} rows  {status}")
        for problem in r["problems"]:
            print(f"    {problem}")
    (data_dir / "spark_compare.json").write_text(json.dumps({"tables": results}, indent=2, default=str))
    print(f"{len(results) - len(failed)} of {len(results)} published tables equal"
          + (f"; differing: {[r['table'] for r in failed]}" if failed else ""))
    return failed if results else [{"table": "(none published)"}]

if __name__ == "__main__":
    raise SystemExit(main())
