"""Read the feed contracts, and check generated files against them.

The CSV headers are taken from sources/contracts/*.yml at run time, so the
generator cannot drift from the contracts the pipeline ingests with.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from functools import cache
from pathlib import Path

import yaml

CONTRACTS_DIR = Path(__file__).resolve().parent.parent / "contracts"


class ContractMismatch(ValueError):
    """A generated file does not have the shape its contract promises."""


@cache
def landing_contracts() -> dict[tuple[str, str], dict]:
    """(system, feed) -> contract, for the feeds read from the landing folder.

    Contracts with a `root` (the business config) live elsewhere.
    """
    out = {}
    for path in sorted(CONTRACTS_DIR.glob("*.yml")):
        contract = yaml.safe_load(path.read_text(encoding="utf-8"))
        if contract.get("root", "landing") != "landing":
            continue
        out[(contract["system"], contract["feed"])] = contract
    return out


def csv_columns(system: str, feed: str) -> list[str]:
    return [c["name"] for c in landing_contracts()[(system, feed)]["columns"]]


def _open_text(path: Path) -> io.TextIOBase:
    if path.name.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def _check_csv(path: Path, expected: list[str]) -> None:
    with _open_text(path) as f:
        header = next(csv.reader(f), None)
    if header != expected:
        raise ContractMismatch(
            f"{path}: CSV header does not match its contract.\n"
            f"  expected: {expected}\n  found:    {header}"
        )


def _check_jsonl(path: Path, required: list[str]) -> None:
    with _open_text(path) as f:
        first = f.readline()
    if not first:
        return  # an empty month is a valid incremental extract
    try:
        statement = json.loads(first)
    except json.JSONDecodeError as exc:
        raise ContractMismatch(f"{path}: first line is not JSON ({exc})") from None
    missing = [k for k in required if k not in statement]
    if missing:
        raise ContractMismatch(f"{path}: first statement lacks required fields {missing}")


def validate_against_contracts(out_dir: str | Path) -> int:
    """Check every landing file's header (CSV) or first record (JSONL).

    Raises ContractMismatch with the file and the difference; returns the
    number of files checked. Every contracted feed must have at least one file.
    """
    out_dir = Path(out_dir)
    checked = 0
    for (system, feed), contract in landing_contracts().items():
        files = sorted((out_dir / system / feed).glob(f"{feed}_*"))
        if not files:
            raise ContractMismatch(f"{out_dir / system / feed}: no files for contracted feed {system}/{feed}")
        for path in files:
            if contract["format"] == "csv":
                _check_csv(path, csv_columns(system, feed))
            else:
                _check_jsonl(path, contract.get("required_fields", []))
            checked += 1
    return checked
