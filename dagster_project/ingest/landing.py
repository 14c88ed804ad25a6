"""Discovering landed files for a feed, and reading what ingestion needs of them."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from .contracts import FeedContract


@dataclass(frozen=True)
class LandedFile:
    path: Path
    key: str  # path relative to its root: the file's identity in the ledger
    extract_date: dt.date | None

    @property
    def compressed(self) -> bool:
        return self.path.suffix == ".gz"


def discover(contract: FeedContract, landing_dir: Path, config_dir: Path) -> list[LandedFile]:
    """Files of a feed, oldest extract first; names not matching the contract are ignored."""
    folder = contract.folder(landing_dir, config_dir)
    if not folder.is_dir():
        return []
    pattern = contract.file_pattern()
    root = config_dir if contract.root == "config" else landing_dir
    files = []
    for path in folder.iterdir():
        match = pattern.match(path.name)
        if not match or not path.is_file():
            continue
        date = match.groupdict().get("date")
        files.append(
            LandedFile(
                path=path,
                key=f"{contract.root}/{path.relative_to(root).as_posix()}",
                extract_date=dt.date.fromisoformat(date) if date else None,
            )
        )
    return sorted(files, key=lambda f: (f.extract_date or dt.date.min, f.key))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def open_bytes(path: Path):
    """A landed file's bytes, decompressed when it is gzipped."""
    return gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb")


def _open_text(path: Path) -> io.TextIOBase:
    raw = open_bytes(path)
    # A bad byte in the data rows must not stop the header from being read: those rows
    # are DuckDB's to reject, line by line.
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")


def read_csv_header(path: Path) -> list[str]:
    """The header row of a CSV file (gzip aware); empty when the file has none."""
    with _open_text(path) as handle:
        row = next(csv.reader(handle), None)
    return [name.strip() for name in row] if row else []
