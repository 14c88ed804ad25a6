"""The ingest of one landed file of garbage lines: its time and the process's peak memory.

The landing folder is the bundled sample's incident files plus one incidents CSV of
--lines garbage lines (seeded, so every run reads the same bytes), dated the day after
the newest sample file. The sample's files are loaded first; what is measured is the
load of the garbage file alone, in the pipeline's DuckDB settings (IMPACT_DUCKDB_*:
3 GB, 2 threads by default).

    .venv/bin/python -m benchmarks.garbage_ingest                         # 1,000,000 lines
    .venv/bin/python -m benchmarks.garbage_ingest --lines 100000 --kind text
    /usr/bin/time -v .venv/bin/python -m benchmarks.garbage_ingest --rss-cap-gb 8

--kind bytes (the default) writes random bytes (invalid UTF-8, quotes, commas, stray
carriage returns: every reader path at once); --kind text writes printable ASCII words,
commas and now and then a quote. --rss-cap-gb stops the run (exit status 3) once the
process holds more than that many GB, so that a version that does not bound its memory
can be measured without taking the machine down with it.

Prints one JSON object: seconds, peak_rss_gb (VmHWM), and what the ledger and the
quarantine hold for the garbage file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import sys
import threading
import time
from pathlib import Path

import duckdb

from benchmarks.memory import high_water_gb

_WORDS = ["error", "null", "N/A", "0x1f", "lorem", "ipsum", "INC", "::", "--", "|", "#", "@", "2024-13-45", "é"]


def _rss_gb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / 1e9
    return 0.0


def _watch(cap_gb: float, started: float) -> None:
    while True:
        if _rss_gb() > cap_gb:
            print(json.dumps({"stopped": f"RSS above {cap_gb} GB", "after_seconds": round(time.perf_counter() - started, 1),
                              "peak_rss_gb": round(high_water_gb(), 2)}), flush=True)
            os._exit(3)
        time.sleep(0.05)


def garbage_line(rnd: random.Random, kind: str) -> bytes:
    if kind == "bytes":
        data = bytes(rnd.getrandbits(8) for _ in range(rnd.randint(20, 48)))
        return data.replace(b"\n", b"")
    words = [rnd.choice(_WORDS) if rnd.random() < 0.3 else "".join(rnd.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=rnd.randint(1, 9)))
             for _ in range(rnd.randint(2, 7))]
    text = "".join(w + rnd.choice([" ", " ", " ", ",", ";", '"' if rnd.random() < 0.05 else " "]) for w in words)
    return text.strip().encode()


def build_landing(root: Path, lines: int, kind: str, seed: int) -> tuple[Path, Path]:
    """The sample's incident files and one garbage file; returns (landing, garbage file)."""
    from dagster_project.ingest.contracts import contract_by_name
    from dagster_project.settings import SAMPLE_LANDING_DIR

    incidents = contract_by_name("servicedesk__incidents")
    landing = root / "landing"
    folder = landing / incidents.system / incidents.feed
    shutil.rmtree(landing, ignore_errors=True)
    shutil.copytree(SAMPLE_LANDING_DIR / incidents.system / incidents.feed, folder)
    newest = max(dt.date.fromisoformat(p.name.split("_")[1][:10]) for p in folder.glob(f"{incidents.feed}_*"))
    garbage = folder / f"{incidents.feed}_{(newest + dt.timedelta(days=1)).isoformat()}.csv"
    rnd = random.Random(seed)
    with garbage.open("wb") as out:
        out.write((",".join(c.name for c in incidents.columns) + "\n").encode())
        for _ in range(lines):
            out.write(garbage_line(rnd, kind) + b"\n")
    return landing, garbage


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--kind", choices=("bytes", "text"), default="bytes")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--root", type=Path, default=Path("/tmp/impact-garbage-ingest"))
    parser.add_argument("--rss-cap-gb", type=float, default=0.0)
    args = parser.parse_args(argv)

    from dagster_project.ingest import ledger
    from dagster_project.ingest.contracts import contract_by_name
    from dagster_project.ingest.loader import FeedFailed, load_feed
    from dagster_project.settings import get_settings

    incidents = contract_by_name("servicedesk__incidents")
    settings = get_settings()
    root = args.root.resolve()
    root.mkdir(parents=True, exist_ok=True)
    landing, garbage = build_landing(root, args.lines, args.kind, args.seed)
    warehouse = root / "warehouse.duckdb"
    for stale in root.glob("warehouse.duckdb*"):
        shutil.rmtree(stale) if stale.is_dir() else stale.unlink()

    conn = duckdb.connect(str(warehouse), config=settings.duckdb_config())
    # The sample's own files first, without the garbage file: only its load is measured.
    held = garbage.rename(root / garbage.name)
    load_feed(conn, incidents, landing, root / "no-config")
    held.rename(garbage)

    started = time.perf_counter()
    if args.rss_cap_gb:
        threading.Thread(target=_watch, args=(args.rss_cap_gb, started), daemon=True).start()
    error = None
    try:
        load_feed(conn, incidents, landing, root / "no-config")
    except FeedFailed as failed:
        error = str(failed)
    seconds = time.perf_counter() - started
    key = f"landing/{incidents.system}/{incidents.feed}/{garbage.name}"
    entry = conn.execute(
        f"select rows_read, rows_loaded, rows_quarantined from {ledger.LEDGER} where file = ?", [key]
    ).fetchone()
    kept = conn.execute(f"select count(*) from {ledger.QUARANTINE} where file = ?", [key]).fetchone()[0]
    conn.close()
    print(json.dumps({
        "lines": args.lines,
        "kind": args.kind,
        "file_mb": round(garbage.stat().st_size / 1e6, 1),
        "duckdb": settings.duckdb_config(),
        "seconds": round(seconds, 1),
        "peak_rss_gb": round(high_water_gb(), 2),
        "ledger": dict(zip(("rows_read", "rows_loaded", "rows_quarantined"), entry)) if entry else None,
        "quarantine_rows_kept": kept,
        "feed_error": error,
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
