"""Coverage, measured (a calibration sweep, not a test): the real ingest and dbt build
on many seeds of the generator's realistic profile, against the planted truths.

    make calibrate                                   # 20 seeds + 5 seeds of a deep dip
    .venv/bin/python -m benchmarks.calibrate --seeds 20 --dip-seeds 5

For each seed it prints, and at the end tabulates:
- how often the 95 % interval covers each planted effect (target >= 93 %);
- how often a no-effect KPI is flagged significant after Holm's adjustment (target <= 7 %);
- how often pretrend_ok is false when no dip reaches the tested pre-period (target <= 10 %);
- in the dip scenario (a 12-week dip before nomination, reaching 6 weeks into the pre
  window), how often the pre-trend test catches it.
Writes benchmarks/results/calibration.json. GX audits and publishing are skipped: they
do not change an estimate.
"""

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import duckdb

DEEP_DIP = {"weeks_before": (12, 0), "size": {"ticket_resolution_hours": 4.0, "sales_cycle_days": 6.0}}


def estimate(landing: Path, data_dir: Path, instance) -> list[dict]:
    """Ingest and dbt build through the project's own Dagster assets; program_impact rows."""
    from dagster import AssetCheckKey, AssetKey

    from dagster_project.definitions import build_definitions
    from tests.helpers import make_settings

    settings = make_settings(data_dir, landing)
    defs = build_definitions(settings)
    job = defs.resolve_implicit_global_asset_job_def()
    keys = {k for k in job.asset_layer.asset_graph.materializable_asset_keys if k.path[0] != "serving"}
    # The landing folder's own check comes with its asset; GX and dbt-test checks do not.
    landing_check = AssetCheckKey(AssetKey(["raw", "landing_folder"]), "landing_files_recognised")
    subset = job.get_subset(asset_selection=keys, asset_check_selection={landing_check})
    result = subset.execute_in_process(instance=instance, raise_on_error=False)
    if not result.success:
        raise RuntimeError(f"pipeline failed on {landing}")
    conn = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return conn.execute("select * from marts.program_impact").df().to_dict("records")
    finally:
        conn.close()


def sweep(seeds: list[int], dip: dict | None, root: Path, instance) -> list[dict]:
    from sources.generator import Dip, generate

    runs = []
    for seed in seeds:
        started = time.perf_counter()
        landing = root / f"landing-{seed}"
        options = {} if dip is None else {"dip": Dip(**dip)}
        generate(landing, scale="small", seed=seed, **options)
        rows = estimate(landing, root / f"data-{seed}", instance)
        runs.append({"seed": seed, "dip": dip, "rows": rows})
        print(f"seed {seed}{' (deep dip)' if dip else ''}: {time.perf_counter() - started:.0f} s", flush=True)
    return runs


def tabulate(runs: list[dict], deep_dip: list[dict]) -> dict:
    from sources.generator import PLANTED

    table = {}
    for (program_id, kpi), truth in sorted(PLANTED.items()):
        rows = [r for run in runs for r in run["rows"] if r["program_id"] == program_id and r["kpi"] == kpi]
        measured = [r for r in rows if not r["suppressed"]]
        covered = sum(r["effect_ci_low"] <= truth <= r["effect_ci_high"] for r in measured)
        flagged = sum(r["effect_p_adjusted"] < 0.05 for r in measured)
        pretrend_false = sum(r["pretrend_ok"] is False or r["pretrend_ok"] == False for r in measured)  # noqa: E712
        caught = [r for run in deep_dip for r in run["rows"]
                  if r["program_id"] == program_id and r["kpi"] == kpi and not r["suppressed"]]
        table[f"{program_id} {kpi}"] = {
            "truth": truth,
            "runs": len(measured),
            "mean_effect": sum(r["effect"] for r in measured) / len(measured) if measured else None,
            "coverage": covered / len(measured) if measured else None,
            "significant_after_holm": flagged / len(measured) if measured else None,
            "pretrend_not_ok": pretrend_false / len(measured) if measured else None,
            "deep_dip_caught": (sum(r["pretrend_ok"] == False for r in caught) / len(caught))  # noqa: E712
            if caught and kpi in DEEP_DIP["size"] else None,
        }
    return table


def markdown(table: dict) -> str:
    def pct(v):
        return "–" if v is None else f"{100 * v:.0f} %"

    lines = [
        "| program × KPI | truth | mean effect | 95 % CI covers truth | significant after Holm | pretrend_ok false | deep dip caught |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, row in table.items():
        mean = "–" if row["mean_effect"] is None else f"{row['mean_effect']:.3f}"
        lines.append(
            f"| {name} | {row['truth']:g} | {mean} | {pct(row['coverage'])} | {pct(row['significant_after_holm'])} "
            f"| {pct(row['pretrend_not_ok'])} | {pct(row['deep_dip_caught'])} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--dip-seeds", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=101)
    args = parser.parse_args()
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

    from dagster import DagsterInstance

    with tempfile.TemporaryDirectory(prefix="impact-calibrate-") as tmp, DagsterInstance.ephemeral() as instance:
        root = Path(tmp)
        seeds = list(range(args.first_seed, args.first_seed + args.seeds))
        runs = sweep(seeds, None, root / "realistic", instance)
        deep = sweep(seeds[: args.dip_seeds], DEEP_DIP, root / "deep-dip", instance)
    table = tabulate(runs, deep)
    print(f"\n## Calibration: {len(runs)} seeds of the realistic profile, {len(deep)} with a deep dip\n")
    print(markdown(table))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "calibration.json").write_text(json.dumps({"table": table, "runs": runs, "deep_dip": deep}, indent=2, default=str))


if __name__ == "__main__":
    main()
