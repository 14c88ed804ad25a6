"""Write landing files: naming, CSV/JSONL encoding, deterministic gzip."""

from __future__ import annotations

import csv
import gzip
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path

from .contracts import csv_columns

Table = Sequence[Mapping[str, str]] | Mapping[str, Sequence[str]]


class LandingWriter:
    """Writes <out>/<system>/<feed>/<feed>_<date>.<ext> and keeps the tally."""

    def __init__(self, out_dir: str | Path):
        self.out_dir = Path(out_dir)
        self.files: list[str] = []
        self.rows: dict[str, int] = {}

    def path(self, system: str, feed: str, d: date, ext: str) -> Path:
        return self.out_dir / system / feed / f"{feed}_{d.isoformat()}.{ext}"

    def write_csv(self, system: str, feed: str, d: date, table: Table, *,
                  gz: bool = False, extra_lines: Iterable[tuple[int, list[str]]] = ()) -> None:
        """A CSV with the contract's columns, in the contract's order.

        table is a list of row dicts or a dict of columns; its keys must be
        exactly the contract's columns. extra_lines = (position, raw fields)
        inserts deliberately broken rows.
        """
        columns = csv_columns(system, feed)
        rows = _ordered_rows(columns, table, f"{system}/{feed}")
        for pos, fields in sorted(extra_lines, key=lambda x: x[0], reverse=True):
            rows.insert(pos, fields)
        buf = io.StringIO()
        # The csv module quotes commas, quotes and newlines in free text.
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        self._write(system, feed, d, "csv", buf.getvalue().encode("utf-8"), gz, len(rows))

    def write_jsonl(self, system: str, feed: str, d: date, lines: list[str], *, gz: bool = False) -> None:
        data = "".join(line + "\n" for line in lines).encode("utf-8")
        self._write(system, feed, d, "jsonl", data, gz, len(lines))

    def _write(self, system: str, feed: str, d: date, ext: str, data: bytes, gz: bool, n_rows: int) -> None:
        if gz:
            ext += ".gz"
            data = gzip.compress(data, compresslevel=6, mtime=0)  # mtime=0: same bytes every run
        path = self.path(system, feed, d, ext)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a reader never sees half a file. The temporary
        # name does not match <feed>_*.<ext> patterns.
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        self.files.append(path.relative_to(self.out_dir).as_posix())
        key = f"{system}/{feed}"
        self.rows[key] = self.rows.get(key, 0) + n_rows


def _ordered_rows(columns: list[str], table: Table, feed: str) -> list[list[str]]:
    if isinstance(table, Mapping):
        _check_keys(columns, table.keys(), feed)
        return [list(r) for r in zip(*(table[c] for c in columns))]
    if table:
        _check_keys(columns, table[0].keys(), feed)
    return [[r[c] for c in columns] for r in table]


def _check_keys(columns: list[str], keys: Iterable[str], feed: str) -> None:
    if set(keys) != set(columns):
        raise ValueError(
            f"{feed}: generated fields {sorted(keys)} differ from the contract's {sorted(columns)}"
        )
