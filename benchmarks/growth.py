"""How each dbt model's time grows with the data, between two `make bench` scales.

    python -m benchmarks.growth medium large

Reads benchmarks/results/<scale>.json (written by benchmarks.run), and for the cold full
run of each prints the model's seconds, the time ratio, the data ratio (raw rows
ingested) and the elasticity log(time ratio) / log(data ratio): 1 is linear, above 1
grows faster than the data. The impact panel's models are always listed; the others
when they take a second or more at the larger scale (below that, start-up noise
dominates). Writes the table to benchmarks/results/growth_<small>_<large>.json.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
PANEL = ("int_impact__matched_units", "int_impact__event_panel", "int_impact__event_study",
         "int_kpis__person_weeks", "int_kpis__events")
NOISE_SECONDS = 1.0


def data_rows(report: dict) -> int:
    return sum(r["rows"] for r in report["ingest"])  # the rerun's row loads none


def growth(smaller: dict, larger: dict) -> list[dict]:
    data_ratio = data_rows(larger) / data_rows(smaller)
    small_t, large_t = smaller["pipeline"]["model_seconds"], larger["pipeline"]["model_seconds"]
    rows = []
    for model, seconds in sorted(large_t.items(), key=lambda kv: -kv[1]):
        if model not in small_t or (model not in PANEL and seconds < NOISE_SECONDS):
            continue
        ratio = seconds / small_t[model] if small_t[model] > 0 else math.inf
        rows.append({
            "model": model, smaller["scale"]: small_t[model], larger["scale"]: seconds,
            "time ratio": ratio, "data ratio": data_ratio,
            "elasticity": math.log(ratio) / math.log(data_ratio) if ratio > 0 and data_ratio > 1 else math.nan,
        })
    return rows


def main(argv: list[str] | None = None) -> int:
    scales = sys.argv[1:] if argv is None else argv
    if len(scales) != 2:
        print("usage: python -m benchmarks.growth SMALLER_SCALE LARGER_SCALE", file=sys.stderr)
        return 2
    reports = []
    for scale in scales:
        path = RESULTS / f"{scale}.json"
        report = json.loads(path.read_text()) if path.exists() else {}
        if "model_seconds" not in report.get("pipeline", {}):
            print(f"{path}: no per-model times; run `make bench SCALES={scale}` first", file=sys.stderr)
            return 2
        reports.append(report)
    rows = growth(*reports)
    columns = ["model", scales[0], scales[1], "time ratio", "data ratio", "elasticity"]
    print(f"## Model time, cold full run: {scales[0]} ({data_rows(reports[0]):,} raw rows) against "
          f"{scales[1]} ({data_rows(reports[1]):,})\n")
    print("| " + " | ".join(columns) + " |\n|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(f"{row[c]:,.2f}" if isinstance(row[c], float) else str(row[c]) for c in columns) + " |")
    (RESULTS / f"growth_{scales[0]}_{scales[1]}.json").write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
