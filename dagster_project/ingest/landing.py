"""Discovering landed files for a feed, and reading what ingestion needs of them."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

from .contracts import FeedContract


@dataclass(frozen=True)
class LandedFile:
    path: Path
    key: str  # path relative to its root: the file's identity in the ledger
    extract_date: dt.date | None

    @property
    def shown(self) -> str:
        """The key as logs and messages show it (control characters escaped)."""
        return shown(self.key)

    @property
    def compressed(self) -> bool:
        return self.path.suffix == ".gz"


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def shown(name: str | Path) -> str:
    """A file name as a log line or message shows it: a control character (a newline, an
    escape sequence that would rewrite the terminal) is written as its escape, so one
    name is one line and says what it is."""
    return _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), str(name))


def resolves_inside(path: Path, root: Path) -> bool:
    """Whether a path, symlinks and `..` resolved, stays inside root: a landing folder
    is read, never what a link points at elsewhere."""
    try:
        path.resolve(strict=True).relative_to(root.resolve())
    except (OSError, ValueError):
        return False
    return True


def discover(contract: FeedContract, landing_dir: Path, config_dir: Path) -> list[LandedFile]:
    """Files of a feed, oldest extract first. Names not matching the contract, and paths
    resolving outside their root, are left out here and reported by `survey`."""
    folder = contract.folder(landing_dir, config_dir)
    if not folder.is_dir():
        return []
    pattern = contract.file_pattern()
    root = config_dir if contract.root == "config" else landing_dir
    files = []
    for path in folder.iterdir():
        match = pattern.match(path.name)
        if not match or not path.is_file() or not resolves_inside(path, root):
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


@dataclass
class LandingSurvey:
    """What a landing folder holds: each feed's files, and what no feed reads."""

    files: dict[str, list[LandedFile]]  # feed name -> its files
    unrecognised: list[Path]  # names matching no feed's pattern (or outside feed folders)
    outside: list[Path]  # symlinks (or `..` paths) resolving outside the landing folder


def survey(contracts, landing_dir: Path, config_dir: Path) -> LandingSurvey:
    files = {c.name: discover(c, landing_dir, config_dir) for c in contracts}
    read = {f.path for found in files.values() for f in found}
    unrecognised, outside = [], []
    if landing_dir.is_dir():
        for path in sorted(landing_dir.rglob("*")):
            if path.is_dir() and not path.is_symlink():
                continue
            if not resolves_inside(path, landing_dir):
                outside.append(path)
            elif path not in read:
                unrecognised.append(path)
    return LandingSurvey(files, unrecognised, outside)


class LandingError(RuntimeError):
    """The landing folder cannot be what this run reads: nothing is done."""


def check_landing(contracts, landing_dir: Path, config_dir: Path, found: LandingSurvey | None = None) -> LandingSurvey:
    """Refuse to start on a landing folder that would publish emptiness: missing, empty,
    or without a file for a required feed. The message names the path and the setting."""
    if not landing_dir.is_dir():
        raise LandingError(
            f"the landing folder {landing_dir} does not exist (IMPACT_LANDING_DIR). Point IMPACT_LANDING_DIR "
            "at the folder your extracts land in; nothing was run and the last published marts stay in place."
        )
    found = found or survey(contracts, landing_dir, config_dir)
    if not any(found.files[c.name] for c in contracts if c.root == "landing"):
        raise LandingError(
            f"the landing folder {landing_dir} (IMPACT_LANDING_DIR) holds no extract file of any feed; nothing was "
            "run and the last published marts stay in place. Expected <system>/<feed>/<feed>_<YYYY-MM-DD>.csv|jsonl[.gz]."
        )
    missing = [c for c in contracts if not c.optional and not found.files[c.name]]
    if missing:
        lines = [
            f"  {c.name}: no file in {c.folder(landing_dir, config_dir)} ("
            + ("IMPACT_CONFIG_DIR" if c.root == "config" else "IMPACT_LANDING_DIR")
            + f"); expected {c.expected_name()}; contract sources/contracts/{c.source_file.name}"
            for c in missing
        ]
        raise LandingError(
            "required feed(s) without a file; nothing was run and the last published marts stay in place:\n"
            + "\n".join(lines)
        )
    return found


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
