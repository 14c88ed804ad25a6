"""Write landing files: naming, CSV/JSONL encoding, deterministic gzip."""

from __future__ import annotations

import gzip
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
        lines = [_csv_line(columns), *_csv_lines(_ordered_columns(columns, table, f"{system}/{feed}"))]
        for pos, fields in sorted(extra_lines, key=lambda x: x[0], reverse=True):
            if pos < 0:
                raise ValueError(f"{system}/{feed}: an extra line goes at a row position >= 0, not {pos}")
            lines.insert(pos + 1, _csv_line(fields))
        data = "\n".join(lines) + "\n"
        self._write(system, feed, d, "csv", data.encode("utf-8"), gz, len(lines) - 1)

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


def _ordered_columns(columns: list[str], table: Table, feed: str) -> list[Sequence[str]]:
    if isinstance(table, Mapping):
        _check_keys(columns, table.keys(), feed)
        return [table[c] for c in columns]
    if table:
        _check_keys(columns, table[0].keys(), feed)
    return [[r[c] for r in table] for c in columns]


# The bytes of csv.writer(lineterminator="\n") with its default dialect (QUOTE_MINIMAL),
# written a column at a time (and a carriage return always quoted, which csv.writer does
# only from some Python versions on): a million-row month spent most of its time in writerows,
# checking every character of fields that are ids and timestamps. A column is scanned
# once for the characters that need quoting, and only a column holding one is quoted
# value by value (tests/unit/test_generator.py compares the two writers).
_SPECIAL = (",", '"', "\n", "\r")


def _quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if any(ch in value for ch in _SPECIAL) else value


def _quoted(column: Sequence[str]) -> Sequence[str]:
    joined = "\x00".join(column)
    return [_quote(v) for v in column] if any(ch in joined for ch in _SPECIAL) else column


def _csv_line(fields: Sequence[str]) -> str:
    # csv.writer quotes the lone field of a one-field row when it is empty, so the row is not blank.
    if len(fields) == 1 and fields[0] == "":
        return '""'
    return ",".join(_quote(v) for v in fields)


def _csv_lines(columns: list[Sequence[str]]) -> list[str]:
    if len(columns) == 1:
        return [_csv_line([v]) for v in columns[0]]
    return list(map(",".join, zip(*map(_quoted, columns))))


def _check_keys(columns: list[str], keys: Iterable[str], feed: str) -> None:
    if set(keys) != set(columns):
        raise ValueError(
            f"{feed}: generated fields {sorted(keys)} differ from the contract's {sorted(columns)}"
        )
