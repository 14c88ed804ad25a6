"""Benchmarks (not tests): ingest throughput per feed, pipeline stage timings and GX
validation time per layer, on a generated sample.

    .venv/bin/python -m benchmarks.run --scale medium          # or: make benchmark SCALE=medium
    .venv/bin/python -m benchmarks.run --scale large --skip-pipeline

Prints Markdown tables and writes benchmarks/results/<scale>.json.
"""

import argparse
import json
import os
import resource
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import duckdb

from benchmarks.floor import model_floor, read_floor
from sources.generator import SCALES


def bench_generate(landing: Path, scale: str) -> float:
    from sources.generator import generate

    started = time.perf_counter()
    generate(landing, scale=scale)
    return time.perf_counter() - started


def bench_ingest(landing: Path, warehouse: Path, config_dir: Path) -> list[dict]:
    from dagster_project.ingest.contracts import load_contracts
    from dagster_project.ingest.landing import discover
    from dagster_project.ingest.loader import load_feed

    rows = []
    conn = duckdb.connect(str(warehouse))
    for contract in load_contracts():
        files = discover(contract, landing, config_dir)
        size = sum(f.path.stat().st_size for f in files)
        started = time.perf_counter()
        result = load_feed(conn, contract, landing, config_dir)
        seconds = time.perf_counter() - started
        rows.append(
            {
                "feed": contract.name,
                "files": len(files),
                "mb": size / 1e6,
                "rows": result.rows_loaded + result.rows_quarantined,
                "seconds": seconds,
                "rows_per_s": (result.rows_loaded + result.rows_quarantined) / seconds if seconds else 0,
                "mb_per_s": size / 1e6 / seconds if seconds else 0,
            }
        )
    started = time.perf_counter()
    for contract in load_contracts():
        load_feed(conn, contract, landing, config_dir)
    rerun = time.perf_counter() - started
    conn.close()
    rows.append({"feed": "(rerun, every file unchanged)", "files": 0, "mb": 0, "rows": 0, "seconds": rerun,
                 "rows_per_s": 0, "mb_per_s": 0})
    return rows


def bench_settings(landing: Path, data_dir: Path):
    from dagster_project.settings import SAMPLE_CONFIG_DIR, Settings

    return Settings(landing_dir=landing, config_dir=SAMPLE_CONFIG_DIR, data_dir=data_dir,
                    person_key_secret="benchmark-person-key-secret-not-for-real-data",
                    landing_is_sample=False, secret_is_default=False)


def bench_pipeline(settings) -> dict:
    """The whole Dagster job, then every GX suite again, timed per layer."""
    from dagster import DagsterInstance

    from dagster_project.definitions import JOB_NAME, build_definitions
    from dagster_project.quality.engine import validate_suite
    from dagster_project.quality.suites import load_suites
    data_dir = settings.data_dir
    home = data_dir / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    with DagsterInstance.local_temp(str(home)) as instance:
        started = time.perf_counter()
        result = build_definitions(settings).resolve_job_def(JOB_NAME).execute_in_process(instance=instance, raise_on_error=False)
        total = time.perf_counter() - started
        steps = {}
        for event in result.all_events:
            if event.event_type_value == "STEP_SUCCESS" or event.event_type_value == "STEP_FAILURE":
                steps[event.step_key] = event.event_specific_data.duration_ms / 1000 if hasattr(event.event_specific_data, "duration_ms") else None
    per_layer: dict[str, float] = defaultdict(float)
    # Validated again into a GX context of their own, so that the run's results stay as they were.
    gx_settings = replace(settings, data_dir=data_dir / "bench-gx", match_rate_threshold=0.95, row_rule_tolerance=0.01)
    conn = duckdb.connect(str(settings.warehouse_path), read_only=True)
    for suite in load_suites():
        started = time.perf_counter()
        validate_suite(conn, suite, gx_settings)
        per_layer[suite.layer] += time.perf_counter() - started
    conn.close()
    stage = {
        "ingest (all feeds)": sum(v for k, v in steps.items() if v and k.startswith("raw__") and "_gx_" not in k),
        "dbt build": steps.get("dbt_models"),
        "audits (GX checks)": sum(v for k, v in steps.items() if v and "_gx_" in k),
        "publish": steps.get("serving__published_marts"),
        "report": steps.get("serving__impact_report"),
    }
    # Peak RSS: this process (Dagster, ingest, GX) and its largest child (dbt), in GB.
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1e6
    return {"success": result.success, "total_seconds": total, "peak_rss_gb": peak, "stages": stage,
            "slowest_models": slowest_models(data_dir), "gx_seconds_per_layer": dict(per_layer)}


def slowest_models(data_dir: Path, n: int = 6) -> dict[str, float]:
    """The dbt models that took longest in the run, from dbt's run_results.json."""
    results = max((data_dir / "dbt_target").glob("*/run_results.json"), key=lambda p: p.stat().st_mtime)
    timed = {
        r["unique_id"].split(".")[-1]: r["execution_time"]
        for r in json.loads(results.read_text())["results"]
        if r["unique_id"].startswith("model.")
    }
    return dict(sorted(timed.items(), key=lambda kv: -kv[1])[:n])


def markdown(rows: list[dict], columns: list[str]) -> str:
    def fmt(v):
        return f"{v:,.2f}" if isinstance(v, float) else str(v)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(fmt(r[c]) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="medium", choices=list(SCALES))
    parser.add_argument("--skip-pipeline", action="store_true", help="only generation and ingest")
    args = parser.parse_args()
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

    from dagster_project.settings import SAMPLE_CONFIG_DIR

    with tempfile.TemporaryDirectory(prefix=f"impact-bench-{args.scale}-") as tmp:
        root = Path(tmp)
        report: dict = {"scale": args.scale, "cpus": os.cpu_count()}
        report["generate_seconds"] = bench_generate(root / "landing", args.scale)
        report["ingest"] = bench_ingest(root / "landing", root / "ingest.duckdb", SAMPLE_CONFIG_DIR)
        print(f"## Ingest, scale {args.scale} (generation took {report['generate_seconds']:.1f} s)\n")
        print(markdown(report["ingest"], ["feed", "files", "mb", "rows", "seconds", "rows_per_s", "mb_per_s"]))
        if not args.skip_pipeline:
            settings = bench_settings(root / "landing", root / "data")
            report["pipeline"] = bench_pipeline(settings)
            pipeline = report["pipeline"]
            print(f"\n## Pipeline, scale {args.scale}: {'success' if pipeline['success'] else 'FAILED'} "
                  f"in {pipeline['total_seconds']:.1f} s\n")
            print(markdown([{"stage": k, "seconds": v} for k, v in pipeline["stages"].items()], ["stage", "seconds"]))
            print(f"\nPeak RSS {pipeline['peak_rss_gb']:.2f} GB\n")
            print(markdown([{"model": k, "seconds": v} for k, v in pipeline["slowest_models"].items()], ["model", "seconds"]))
            floor = {"readers": read_floor(settings.landing_dir, settings.duckdb_config()),
                     **model_floor(settings.data_dir, settings.person_key_secret, settings.duckdb_config())}
            floor_total = sum(floor["readers"].values()) + sum(floor["models"].values())
            report["floor"] = floor
            print(f"\n## Engine floor: {floor_total:.1f} s (DuckDB readers {sum(floor['readers'].values()):.1f} s, "
                  f"compiled model SQL {sum(floor['models'].values()):.1f} s; Python models excluded: "
                  f"{', '.join(floor['python_models']) or 'none'})\n")
            print(f"pipeline / floor = {pipeline['total_seconds'] / floor_total:.1f}\n")
            print("\n## GX validation time per layer\n")
            print(markdown([{"layer": k, "seconds": v} for k, v in pipeline["gx_seconds_per_layer"].items()],
                           ["layer", "seconds"]))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"{args.scale}.json").write_text(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
