"""Does a night cost more with more history? The nightly run of each scale against the
nightly run of the same scale with one more year of history (benchmarks.run
--one-more-year), from benchmarks/results/:

    .venv/bin/python -m benchmarks.history medium large      # after make bench
"""

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def row(scale: str) -> dict | None:
    now, longer = RESULTS / f"{scale}.json", RESULTS / f"{scale}-plus-1y.json"
    if not (now.exists() and longer.exists()):
        return None
    a, b = json.loads(now.read_text()), json.loads(longer.read_text())
    return {
        "scale": scale,
        "nightly now (s)": a["nightly"]["total_seconds"],
        "nightly, one more year (s)": b["nightly"]["total_seconds"],
        "dbt now / one more year (s)": f"{a['nightly']['stages']['dbt build']:.1f} / {b['nightly']['stages']['dbt build']:.1f}",
        "ratio": b["nightly"]["total_seconds"] / a["nightly"]["total_seconds"],
        "full now / one more year (s)": f"{a['pipeline']['total_seconds']:.1f} / {b['pipeline']['total_seconds']:.1f}",
    }


def main(scales: list[str]) -> None:
    rows = [r for r in (row(s) for s in scales) if r]
    if not rows:
        raise SystemExit(f"no pair of results for {scales} under {RESULTS}: run make bench first")
    columns = list(rows[0])
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for r in rows:
        print("| " + " | ".join(f"{v:.2f}" if isinstance(v, float) else str(v) for v in r.values()) + " |")


if __name__ == "__main__":
    main(sys.argv[1:] or ["medium", "large"])
