"""Benchmarks (not tests), on a generated sample: ingest throughput per feed; a cold full
run of the job and a nightly run with one appended day (generator --append-day), each by
stage (ingest, dbt, audits, publish, report) with its peak RSS, fixed overhead, slowest
models and GX time per layer; the engine floor (benchmarks/floor.py) and the ratios
pipeline/floor and nightly/full.

    .venv/bin/python -m benchmarks.run --scale medium          # or: make benchmark SCALE=medium
    .venv/bin/python -m benchmarks.run --scale large --skip-pipeline
    .venv/bin/python -m benchmarks.run --scale medium --one-more-year --skip-floor   # 30 months, not 18

Prints Markdown tables and writes benchmarks/results/<scale>.json.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import duckdb

from benchmarks.floor import model_floor, read_floor
from benchmarks.memory import DescendantPeak, high_water_gb
from sources.generator import SCALES


def bench_generate(landing: Path, scale: str, history_start: date | None = None) -> float:
    from sources.generator import generate

    started = time.perf_counter()
    generate(landing, scale=scale, history_start=history_start)
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


def bench_pipeline(landing: Path, data_dir: Path, full_refresh: bool = False) -> dict:
    """One run of the whole Dagster job, in a process of its own, so that its peak RSS is
    its own (and dbt's, its child's)."""
    args = [sys.executable, "-m", "benchmarks.run", "--pipeline-once", str(landing), str(data_dir)]
    done = subprocess.run(args + (["--full-refresh"] if full_refresh else []), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"the pipeline run failed to report:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def pipeline_once(landing: Path, data_dir: Path, full_refresh: bool) -> dict:
    """The job once (the child of bench_pipeline): wall time, stage times, GX time per
    layer, the slowest models, peak RSS and the fixed overhead."""
    from dagster import DagsterInstance

    from dagster_project.definitions import JOB_NAME, build_definitions
    from dagster_project.quality.suites import load_suites

    settings = bench_settings(landing, data_dir)
    settings.ensure_dirs()
    home = data_dir / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with DagsterInstance.local_temp(str(home)) as instance, DescendantPeak() as children:
        job = build_definitions(settings).resolve_job_def(JOB_NAME)
        result = job.execute_in_process(
            instance=instance, raise_on_error=False,
            run_config={"ops": {"dbt_models": {"config": {"full_refresh": full_refresh}}}},
        )
        total = time.perf_counter() - started
    steps = {}
    for event in result.all_events:
        if event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
            steps[event.step_key] = getattr(event.event_specific_data, "duration_ms", 0) / 1000
    layer_of = {f"gx_{suite.name}": suite.layer for suite in load_suites()}
    per_layer: dict[str, float] = defaultdict(float)
    for key, seconds in steps.items():
        for check, layer in layer_of.items():
            if key.endswith(check):
                per_layer[layer] += seconds
    stage = {
        "ingest (all feeds)": sum(v for k, v in steps.items() if k.startswith("raw__") and "_gx_" not in k),
        "dbt build": steps.get("dbt_models"),
        "audits (GX checks)": sum(v for k, v in steps.items() if "_gx_" in k),
        "publish": steps.get("serving__published_marts"),
        "report": steps.get("serving__impact_report"),
    }
    results = latest_run_results(data_dir)
    # What every run pays whatever the data: Dagster's start and plan (the job's wall time
    # outside its steps: one process, steps in sequence), and the dbt step's time outside
    # dbt's own elapsed time (dbt's start and parse, Dagster handling dbt's events, the
    # row counts and column types read afterwards).
    overhead = {
        "dagster": total - sum(steps.values()),
        "dbt step outside dbt's run": (steps.get("dbt_models") or 0) - results["elapsed_time"],
    }
    # Peak RSS: this process (Dagster, ingest, GX) and its largest child (dbt), in GB,
    # each its own (benchmarks/memory.py: why not getrusage).
    by_process = {
        "dagster (ingest, GX, publish)": high_water_gb(),
        "dbt": children.peak_gb,
    }
    return {"success": result.success, "total_seconds": total, "peak_rss_gb": max(by_process.values()),
            "peak_rss_gb_by_process": by_process, "stages": stage,
            "fixed_overhead": overhead, "slowest_models": slowest_models(results),
            "model_seconds": slowest_models(results, n=None),
            "gx_seconds_per_layer": dict(per_layer)}


def latest_run_results(data_dir: Path) -> dict:
    path = max((data_dir / "dbt_target").glob("*/run_results.json"), key=lambda p: p.stat().st_mtime)
    return json.loads(path.read_text())


def slowest_models(results: dict, n: int | None = 6) -> dict[str, float]:
    """The dbt models that took longest in the run (all of them: n=None), from dbt's run_results.json."""
    timed = {
        r["unique_id"].split(".")[-1]: r["execution_time"]
        for r in results["results"]
        if r["unique_id"].startswith("model.")
    }
    return dict(sorted(timed.items(), key=lambda kv: -kv[1])[:n])


def markdown(rows: list[dict], columns: list[str]) -> str:
    def fmt(v):
        return f"{v:,.2f}" if isinstance(v, float) else str(v)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(fmt(r[c]) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def print_pipeline(label: str, pipeline: dict) -> None:
    print(f"\n## {label}: {'success' if pipeline['success'] else 'FAILED'} in {pipeline['total_seconds']:.1f} s, "
          f"peak RSS {pipeline['peak_rss_gb']:.2f} GB ("
          + ", ".join(f"{k} {v:.2f}" for k, v in pipeline.get("peak_rss_gb_by_process", {}).items()) + ")\n")
    print(markdown([{"stage": k, "seconds": v} for k, v in pipeline["stages"].items()], ["stage", "seconds"]))
    overhead = pipeline["fixed_overhead"]
    print(f"\nFixed overhead {sum(overhead.values()):.1f} s ("
          + ", ".join(f"{k} {v:.1f} s" for k, v in overhead.items()) + ")\n")
    print(markdown([{"model": k, "seconds": v} for k, v in pipeline["slowest_models"].items()], ["model", "seconds"]))
    print("\nGX audits per layer: " + ", ".join(f"{k} {v:.1f} s" for k, v in pipeline["gx_seconds_per_layer"].items()))


def bench_full_and_nightly(landing: Path, data_dir: Path, report: dict, floor: bool = True) -> None:
    """A cold full run; the engine floor of its work (unless floor=False); then one
    appended day, run nightly."""
    from sources.generator.append_day import append_day

    full = report["pipeline"] = bench_pipeline(landing, data_dir)
    print_pipeline("Cold full run", full)
    settings = bench_settings(landing, data_dir)
    floor_total = float("nan")
    if floor:
        floor = {"readers": read_floor(landing, settings.duckdb_config()),
                 **model_floor(data_dir, settings.person_key_secret, settings.duckdb_config())}
        floor_total = sum(floor["readers"].values()) + sum(floor["models"].values())
        report["floor"] = floor
        print(f"\n## Engine floor: {floor_total:.1f} s (DuckDB readers {sum(floor['readers'].values()):.1f} s, "
              f"compiled model SQL {sum(floor['models'].values()):.1f} s; Python models excluded: "
              f"{', '.join(floor['python_models']) or 'none'})\n")

    newest = max(f.name for f in (landing / "servicedesk" / "incidents").iterdir())
    day = date.fromisoformat(newest.split("_")[1][:10]) + timedelta(days=1)
    appended = append_day(landing, day)
    nightly = report["nightly"] = bench_pipeline(landing, data_dir)
    report["nightly"]["appended"] = appended["rows"]
    print_pipeline(f"Nightly run, one appended day ({day}: " + ", ".join(f"{k} {v:,}" for k, v in appended["rows"].items()) + ")", nightly)

    overhead = sum(full["fixed_overhead"].values())
    report["ratios"] = {
        "pipeline / floor": full["total_seconds"] / floor_total,
        "(pipeline - fixed overhead) / floor": (full["total_seconds"] - overhead) / floor_total,
        "nightly / full": nightly["total_seconds"] / full["total_seconds"],
    }
    print("\n## Ratios\n")
    print(markdown([{"ratio": k, "value": v} for k, v in report["ratios"].items()], ["ratio", "value"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="medium", choices=list(SCALES))
    parser.add_argument("--skip-pipeline", action="store_true", help="only generation and ingest")
    parser.add_argument("--keep-in", metavar="DIR", help="work in DIR (landing, warehouse, data dir) and keep it, "
                        "to look into a run afterwards; DIR must not hold an earlier bench")
    parser.add_argument("--history-start", type=date.fromisoformat, metavar="DATE",
                        help="generate from this first extract month (more years of history than the scale's own)")
    parser.add_argument("--one-more-year", action="store_true",
                        help="generate one more year of history than the scale's own (results/<scale>-plus-1y.json)")
    parser.add_argument("--skip-floor", action="store_true", help="no engine floor (the ratios to it are left out)")
    parser.add_argument("--landing", metavar="DIR", help="an existing landing folder (of --scale) instead of "
                        "generating one; the nightly run appends a day to it")
    parser.add_argument("--pipeline-once", nargs=2, metavar=("LANDING", "DATA_DIR"), help=argparse.SUPPRESS)
    parser.add_argument("--full-refresh", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    if args.pipeline_once:
        landing, data_dir = (Path(p) for p in args.pipeline_once)
        print(json.dumps(pipeline_once(landing, data_dir, args.full_refresh), default=str))
        return

    from dagster_project.settings import SAMPLE_CONFIG_DIR
    from sources.generator.core import first_extract_month

    if args.one_more_year:
        own = first_extract_month(args.scale)
        args.history_start = own.replace(year=own.year - 1)

    with tempfile.TemporaryDirectory(prefix=f"impact-bench-{args.scale}-") as tmp:
        root = Path(args.keep_in or tmp)
        root.mkdir(parents=True, exist_ok=True)
        report: dict = {"scale": args.scale, "cpus": os.cpu_count(), "history_start": args.history_start}
        landing = Path(args.landing) if args.landing else root / "landing"
        if not args.landing:
            report["generate_seconds"] = bench_generate(landing, args.scale, args.history_start)
        report["ingest"] = bench_ingest(landing, root / "ingest.duckdb", SAMPLE_CONFIG_DIR)
        print(f"## Ingest, scale {args.scale} (generation took {report.get('generate_seconds', 0):.1f} s)\n")
        print(markdown(report["ingest"], ["feed", "files", "mb", "rows", "seconds", "rows_per_s", "mb_per_s"]))
        if not args.skip_pipeline:
            bench_full_and_nightly(landing, root / "data", report, floor=not args.skip_floor)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    name = args.scale + ("-plus-1y" if args.one_more_year else f"-from-{args.history_start}" if args.history_start else "")
    (out / f"{name}.json").write_text(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
