"""Coverage and bias, measured (a calibration sweep, not a test): the real ingest and dbt
build on many seeds of each world the generator plants (sources.generator.WORLDS: the
realistic profile, heavy-tailed tickets, fading effects, teammates' spillover,
selection on trend, effects growing with the completion date), against the truths
computed per person from the same draw.

    make calibrate                                            # every world, 8 seeds each
    .venv/bin/python -m benchmarks.calibrate --worlds fading,spillover --seeds 5
    .venv/bin/python -m benchmarks.calibrate --tabulate a.json b.json   # merge sweeps run apart

Per world and planted effect it reports:
- how often the 95 % interval covers the truth (target >= 90 %), and the mean bias
  relative to the truth (target under 10 %);
- how often the no-effect program is significant under the one rule (target <= 10 %);
- how often pretrend_ok is false; in the selection-on-trend world, how often the
  estimate is flagged or its interval covers the truth anyway (target >= 80 %);
- the share of completers measured (n_treated over completers not left out for a
  second program on the same KPI; target >= 90 %);
- how often the published first-year benefit exceeds the true one (the planted path
  over 52 weeks at the published volume; target: never where effects fade).
Writes benchmarks/results/calibration.json (or --out). GX audits and publishing are
skipped: they do not change an estimate.
"""

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import duckdb


def _true(value) -> bool:
    """A published boolean as read back (numpy, None, NA or JSON text alike)."""
    return str(value) == "True"


def _false(value) -> bool:
    return str(value) == "False"


NO_EFFECT = {("PRG-MND", "first_response_minutes"), ("PRG-KBN", "ticket_resolution_hours")}
WEEKS_PER_MONTH = 30.4375 / 7


def estimate(landing: Path, data_dir: Path, instance) -> dict:
    """Ingest and dbt build through the project's own Dagster assets; program_impact and
    program_roi rows."""
    from tests.helpers import make_settings, run_estimates

    settings = make_settings(data_dir, landing)
    if not run_estimates(settings, instance).success:
        raise RuntimeError(f"pipeline failed on {landing}")
    conn = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        impact = conn.execute("select * from marts.program_impact").df().to_dict("records")
        roi = conn.execute("select * from marts.program_roi").df().to_dict("records")
        config = conn.execute("select program_id, kpi, benefit_per_unit from staging.stg_config__programs").df()
        return {"impact": impact, "roi": roi, "config": config.to_dict("records")}
    finally:
        conn.close()


def sweep(worlds: list[str], seeds: list[int], root: Path, instance, out: Path, scale: str = "small") -> list[dict]:
    """Every world x seed; the runs so far are written to `out` after each one."""
    from sources.generator import WORLDS, generate

    runs = []
    for world in worlds:
        for seed in seeds:
            started = time.perf_counter()
            landing = root / f"{world}-{seed}" / "landing"
            summary = generate(landing, scale=scale, seed=seed, **WORLDS[world])
            result = estimate(landing, root / f"{world}-{seed}" / "data", instance)
            runs.append({"world": world if scale == "small" else f"{world} ({scale})", "seed": seed,
                         "truths": summary.get("truths", {}), **result})
            out.write_text(json.dumps({"runs": runs}, default=str))
            print(f"{world} seed {seed}: {time.perf_counter() - started:.0f} s", flush=True)
    return runs


def _truth(run: dict, program_id: str, kpi: str, planted: float) -> tuple[float, float]:
    """(the estimand, the mean first-year effect) of a run's planted effect."""
    truth = run["truths"].get(f"{program_id} {kpi}")
    if truth and truth.get("effect") is not None:
        return truth["effect"], truth["first_year_effect"]
    return planted, planted


def _benefit_excess(run: dict, program_id: str, kpi: str, first_year_effect: float) -> bool | None:
    """Whether the published first-year benefit of a one-money-KPI program exceeds the
    true one: the true mean effect over 52 weeks for every completer, valued as the
    pipeline values a unit (benefit_per_unit per participant-month)."""
    paid = [c for c in run["config"] if c["program_id"] == program_id and c["benefit_per_unit"]]
    roi = next((r for r in run["roi"] if r["program_id"] == program_id), None)
    if roi is None or len(paid) != 1 or paid[0]["kpi"] != kpi or not roi["n_benefiting"]:
        return None
    true_benefit = abs(first_year_effect) * 52 / WEEKS_PER_MONTH * paid[0]["benefit_per_unit"] * roi["n_benefiting"]
    return roi["benefit"] > true_benefit * 1.0001


def tabulate(runs: list[dict]) -> dict:
    from sources.generator import PLANTED

    table = {}
    for world in dict.fromkeys(r["world"] for r in runs):
        world_runs = [r for r in runs if r["world"] == world]
        for (program_id, kpi), planted in sorted(PLANTED.items()):
            pairs = []
            for run in world_runs:
                row = next((r for r in run["impact"] if r["program_id"] == program_id and r["kpi"] == kpi), None)
                if row is not None and not row["suppressed"]:
                    pairs.append((run, row, *_truth(run, program_id, kpi, planted)))
            if not pairs:
                continue
            truths = [t for _, _, t, _ in pairs]
            mean_truth = sum(truths) / len(truths)
            mean_effect = sum(row["effect"] for _, row, _, _ in pairs) / len(pairs)
            covered = [row["effect_ci_low"] <= t <= row["effect_ci_high"] for _, row, t, _ in pairs]
            flagged = [_false(row["pretrend_ok"]) for _, row, _, _ in pairs]
            measurable = [row["n_treated"] / max(row["n_completers"] - row["n_treated_overlap"], 1) for _, row, _, _ in pairs]
            excess = [x for x in (_benefit_excess(run, program_id, kpi, fy) for run, _, _, fy in pairs) if x is not None]
            table[f"{world} | {program_id} {kpi}"] = {
                "runs": len(pairs),
                "truth": mean_truth,
                "mean_effect": mean_effect,
                "coverage": sum(covered) / len(pairs),
                "bias_pct": None if (program_id, kpi) in NO_EFFECT or not mean_truth
                else 100 * (mean_effect - mean_truth) / abs(mean_truth),
                "significant": sum(_true(row["is_significant"]) for _, row, _, _ in pairs) / len(pairs),
                "pretrend_flagged": sum(flagged) / len(pairs),
                "flagged_or_covered": sum(f or c for f, c in zip(flagged, covered)) / len(pairs),
                "completers_measured": sum(measurable) / len(measurable),
                "benefit_above_truth": (sum(excess) / len(excess)) if excess else None,
            }
    return table


def markdown(table: dict) -> str:
    def pct(v):
        return "–" if v is None else f"{100 * v:.0f} %"

    lines = [
        "| world | program × KPI | runs | truth | mean effect | bias | CI covers truth | significant "
        "| pre-trend flagged | flagged or covered | completers measured | benefit above truth |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, row in table.items():
        world, effect = name.split(" | ")
        bias = "–" if row["bias_pct"] is None else f"{row['bias_pct']:+.1f} %"
        lines.append(
            f"| {world} | {effect} | {row['runs']} | {row['truth']:.2f} | {row['mean_effect']:.2f} | {bias} "
            f"| {pct(row['coverage'])} | {pct(row['significant'])} | {pct(row['pretrend_flagged'])} "
            f"| {pct(row['flagged_or_covered'])} | {pct(row['completers_measured'])} | {pct(row['benefit_above_truth'])} |"
        )
    return "\n".join(lines)


def main() -> None:
    from sources.generator import WORLDS

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worlds", default=",".join(WORLDS), help=f"comma-separated, of {sorted(WORLDS)}")
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--first-seed", type=int, default=101)
    parser.add_argument("--scale", default="small", help="the generator's scale (small: 600 staff; medium: 3,000)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "calibration.json")
    parser.add_argument("--tabulate", nargs="+", type=Path, help="merge the runs of earlier sweeps' JSON files")
    args = parser.parse_args()
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

    if args.tabulate:
        runs = [run for path in args.tabulate for run in json.loads(path.read_text())["runs"]]
    else:
        from dagster import DagsterInstance

        worlds = [w for w in args.worlds.split(",") if w]
        unknown = sorted(set(worlds) - set(WORLDS))
        if unknown:
            parser.error(f"unknown world(s) {unknown}; the worlds are {sorted(WORLDS)}")
        seeds = list(range(args.first_seed, args.first_seed + args.seeds))
        with tempfile.TemporaryDirectory(prefix="impact-calibrate-") as tmp, DagsterInstance.ephemeral() as instance:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            runs = sweep(worlds, seeds, Path(tmp), instance, args.out, args.scale)
    table = tabulate(runs)
    print(f"\n## Calibration: {len(runs)} runs\n")
    print(markdown(table))
    args.out.write_text(json.dumps({"table": table, "runs": runs}, indent=2, default=str))


if __name__ == "__main__":
    main()
