"""The engine floor: what DuckDB alone needs for the pipeline's work, with no Dagster, dbt
or GX around it. A benchmark's yardstick, not part of the pipeline.

- Readers: DuckDB's own CSV and JSON readers on the same landing files, into tables.
- Models: the compiled SQL of every dbt model (from the run's manifest.json), run in
  dependency order in one DuckDB connection with the same thread count and memory
  limit, on a copy of the run's raw schema. dbt Python models cannot run as SQL: their
  tables are copied from the run's warehouse and their time is reported apart.

    .venv/bin/python -m benchmarks.floor DATA_DIR LANDING_DIR    # after a pipeline run
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import duckdb

from dagster_project.dbt_plugins.person_keys import Plugin
from dagster_project.dbt_plugins.text_scrub import Plugin as TextScrubPlugin
from dagster_project.ingest.contracts import load_contracts
from dagster_project.ingest.landing import discover
from dagster_project.settings import Settings


def read_floor(landing: Path, duckdb_config: dict) -> dict[str, float]:
    """Seconds per feed for DuckDB's readers to load every landing file of the feed."""
    conn = duckdb.connect(config=duckdb_config)
    seconds = {}
    for contract in load_contracts():
        if contract.root == "config":
            continue
        files = sorted(str(f.path) for f in discover(contract, landing, landing))
        if not files:
            continue
        reader = (
            f"read_json({files!r}, format='newline_delimited', records=false, ignore_errors=true)"
            if contract.format == "jsonl"
            else f"read_csv({files!r}, header=true, union_by_name=true, all_varchar=true, ignore_errors=true)"
        )
        started = time.perf_counter()
        conn.execute(f"create or replace table t as select * from {reader}")
        seconds[contract.name] = time.perf_counter() - started
    conn.close()
    return seconds


def _models_in_order(manifest: dict) -> list[dict]:
    models = {uid: n for uid, n in manifest["nodes"].items() if n["resource_type"] in ("model", "seed")}
    done: set[str] = set()
    ordered: list[dict] = []

    def visit(uid: str) -> None:
        if uid in done or uid not in models:
            return
        done.add(uid)
        for parent in models[uid]["depends_on"].get("nodes", []):
            visit(parent)
        ordered.append(models[uid])

    for uid in sorted(models):
        visit(uid)
    return ordered


def model_floor(data_dir: Path, secret: str, duckdb_config: dict) -> dict:
    """Seconds per model for its compiled SQL run directly, and the Python models apart."""
    target = max((p for p in (data_dir / "dbt_target").iterdir() if (p / "manifest.json").exists()),
                 key=lambda p: (p / "manifest.json").stat().st_mtime)
    manifest = json.loads((target / "manifest.json").read_text())
    with tempfile.TemporaryDirectory(prefix="impact-floor-") as tmp:
        # Same file name as the run's, so the compiled SQL's "warehouse".<schema>.<table> resolves.
        floor_db = Path(tmp) / "warehouse.duckdb"
        conn = duckdb.connect(str(floor_db), config=duckdb_config)
        conn.execute(f"attach '{data_dir / 'warehouse.duckdb'}' as run (read_only)")
        for (table,) in conn.execute(
            "select table_name from information_schema.tables where table_catalog = 'run' and table_schema = 'raw'"
        ).fetchall():
            conn.execute("create schema if not exists raw")
            conn.execute(f'create table raw."{table}" as select * from run.raw."{table}"')
        plugin = Plugin.__new__(Plugin)
        plugin.initialize({"secret": secret})
        plugin.configure_connection(conn)
        TextScrubPlugin.__new__(TextScrubPlugin).configure_connection(conn)
        seconds: dict[str, float] = {}
        python_models: dict[str, str] = {}
        for node in _models_in_order(manifest):
            schema, name = node["schema"], node["alias"]
            conn.execute(f"create schema if not exists {schema}")
            if node["resource_type"] == "seed" or node.get("language") == "python":
                conn.execute(f'create or replace table {schema}."{name}" as select * from run.{schema}."{name}"')
                if node.get("language") == "python":
                    python_models[name] = "copied from the run (a dbt Python model)"
                continue
            kind = "view" if node["config"]["materialized"] == "view" else "table"
            started = time.perf_counter()
            conn.execute(f'create or replace {kind} {schema}."{name}" as {node["compiled_code"]}')
            seconds[name] = time.perf_counter() - started
        conn.close()
    return {"models": seconds, "python_models": python_models}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("landing_dir", type=Path)
    parser.add_argument("--secret", default="benchmark-person-key-secret-not-for-real-data")
    parser.add_argument("--threads", type=int, default=Settings.duckdb_threads)
    parser.add_argument("--memory-limit", default=Settings.duckdb_memory_limit)
    args = parser.parse_args()
    duckdb_config = {"threads": args.threads, "memory_limit": args.memory_limit}
    readers = read_floor(args.landing_dir, duckdb_config)
    models = model_floor(args.data_dir, args.secret, duckdb_config)
    print(json.dumps({"readers": readers, **models, "readers_total": sum(readers.values()),
                      "models_total": sum(models["models"].values())}, indent=2))


if __name__ == "__main__":
    main()
