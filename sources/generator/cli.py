"""Command line: python -m sources.generator --out DIR [--scale S] [--seed N] [--profile P]."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date

from .append_day import AppendDayError, append_day
from .constants import SCALES
from .core import generate
from .profile import DEFAULT_PROFILE, PROFILES


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="impact-generate",
        description="Write the deterministic sample landing folder (LMS, HRIS, CRM, service desk).",
    )
    p.add_argument("--out", default=os.environ.get("IMPACT_LANDING_DIR"),
                   help="landing folder to write (default: $IMPACT_LANDING_DIR)")
    p.add_argument("--scale", choices=list(SCALES), default="small",
                   help="small ~600 workers, medium 5x, large 20x (default: small)")
    p.add_argument("--seed", type=int, default=7, help="random seed (default: 7)")
    p.add_argument("--profile", choices=list(PROFILES), default=DEFAULT_PROFILE,
                   help=f"which real-extract mess to plant: realistic (all of it) or clean (none) "
                        f"(default: {DEFAULT_PROFILE})")
    p.add_argument("--history-start", type=date.fromisoformat, metavar="DATE",
                   help="first extract month (a first of the month on or before 2025-01-01), for more years "
                        "of history than the scale's own")
    p.add_argument("--append-day", type=date.fromisoformat, metavar="DATE",
                   help="add one more night's files (tickets, deals, statements, the HRIS snapshot) "
                        "dated DATE to the existing landing folder --out, instead of generating it")
    p.add_argument("--list-files", action="store_true", help="include every file written in the output")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not args.out:
        _parser().error("--out is required (or set IMPACT_LANDING_DIR)")
    if args.append_day:
        try:
            summary = append_day(args.out, args.append_day)
        except AppendDayError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        json.dump(summary, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    summary = generate(args.out, scale=args.scale, seed=args.seed, profile=args.profile,
                       history_start=args.history_start)
    if not args.list_files:
        summary.pop("files")  # 144 paths; the counts are what people look at
    json.dump(summary, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0
