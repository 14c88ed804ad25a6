"""Turning DuckDB's reader rejects into quarantine rows with exact physical lines.

DuckDB reports, for each rejected row, the byte position where its line starts;
its own line counter drifts with blank lines and quoted multi-line fields, and
two rejected rows can share a line number. The byte position does not drift: the
physical line is the number of newlines before it, counted in one streaming pass
over the (decompressed) file. Only rejected rows are looked at, so this costs one
read of the file when a file has rejects and nothing otherwise.

Everything here streams: rows go to `_rejected` in batches (a pyarrow table per
batch, never a statement per row), and what is read back from DuckDB is read a page
at a time, so a file with a million rejected rows is held neither in Python nor
whole in memory.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import duckdb
import pyarrow as pa

from .landing import open_bytes

_CHUNK = 1 << 20
_COUNT_ERRORS = {"MISSING COLUMNS", "TOO MANY COLUMNS"}
BATCH = 50_000


@dataclass
class RejectedRow:
    line: int
    raw_text: str
    reason: str


def create_rejected(conn: duckdb.DuckDBPyConnection) -> None:
    """An empty `_rejected`, the staged file's rejected rows (line, raw_text, reason)."""
    conn.execute("create or replace temp table _rejected (line bigint, raw_text varchar, reason varchar)")


def insert_rows(conn: duckdb.DuckDBPyConnection, table: str, rows: Iterable[RejectedRow], batch: int = BATCH) -> int:
    """Append (line, raw_text, reason) rows to a temp table, `batch` rows per insert."""
    count = 0
    iterator = iter(rows)
    while chunk := list(islice(iterator, batch)):
        arrow = pa.table({
            "line": pa.array([r.line for r in chunk], pa.int64()),
            "raw_text": pa.array([r.raw_text for r in chunk], pa.string()),
            "reason": pa.array([r.reason for r in chunk], pa.string()),
        })
        conn.register("_rows_batch", arrow)
        try:
            conn.execute(f"insert into {table} select line, raw_text, reason from _rows_batch")
        finally:
            conn.unregister("_rows_batch")
        count += len(chunk)
    return count


def store_rejected(conn: duckdb.DuckDBPyConnection, rows: Iterable[RejectedRow]) -> int:
    """Add rows to `_rejected` (created empty first if it is not there)."""
    conn.execute("create temp table if not exists _rejected (line bigint, raw_text varchar, reason varchar)")
    return insert_rows(conn, "_rejected", rows)


def sorted_rows(conn: duckdb.DuckDBPyConnection, select: str, key: str, page: int = BATCH) -> Iterator[tuple]:
    """The rows of `select` (whose first column is `key`, unique) in order of key, read
    a page at a time: each page is a query of its own, so the caller may run other
    statements on the connection between rows."""
    last = None
    while True:
        where = "" if last is None else f"where {key} > ?"
        rows = conn.execute(
            f"select * from ({select}) {where} order by {key} limit {page}", [] if last is None else [last]
        ).fetchall()
        yield from rows
        if len(rows) < page:
            return
        last = rows[-1][0]


def locate_each(path: Path, positions: list[int]) -> Iterator[tuple[int, int, str]]:
    """For each position (sorted, distinct) in a row's first line: (position, physical
    line number, that line), in one pass over the file. A position on a line ending (or
    a blank line) means the next non-blank line."""
    with open_bytes(path) as handle:
        line, offset, tail = 1, 0, b""
        for position in positions:
            while offset < position:
                chunk = handle.read(min(position - offset, _CHUNK))
                if not chunk:
                    break
                newlines = chunk.count(b"\n")
                line += newlines
                tail = chunk[chunk.rfind(b"\n") + 1 :] if newlines else tail + chunk
                offset += len(chunk)
            rest = handle.readline()
            offset += len(rest)
            text = tail + rest
            row_line = line
            if tail and not rest.strip(b"\r\n"):
                text = b""  # the position was on the line ending: the row is on a later line
            while rest.endswith(b"\n") and not text.strip(b"\r\n"):
                line += 1
                row_line = line
                rest = handle.readline()
                offset += len(rest)
                text = rest
            if rest.endswith(b"\n"):
                line += 1
            tail = b""
            yield position, row_line, text.rstrip(b"\r\n").decode("utf-8", errors="replace")


def locate(path: Path, positions: list[int]) -> dict[int, tuple[int, str]]:
    """For each position in a row's first line: (physical line number, that line)."""
    return {position: (line, text) for position, line, text in locate_each(path, sorted(set(positions)))}


def _reason(errors: list[tuple[str, str, str | None]], raw_text: str, expected_columns: int | None) -> str:
    kinds = {kind for kind, _, _ in errors}
    if kinds & _COUNT_ERRORS and expected_columns is not None:
        found = len(next(csv.reader([raw_text]), []))
        kind = "TOO MANY COLUMNS" if found > expected_columns else "MISSING COLUMNS"
        return f"{kind}: Expected Number of Columns: {expected_columns} Found: {found}"
    parts = []
    for kind, message, _column in sorted(set(errors), key=lambda e: (e[2] or "", e[0])):
        text = f"{kind}: {message}"
        if text not in parts:
            parts.append(text)
    return "; ".join(parts)


def rejected_rows(
    conn: duckdb.DuckDBPyConnection, path: Path, expected_columns: int | None
) -> Iterator[RejectedRow]:
    """Rows DuckDB's reader rejected into `_rejects`, one per row, at their physical line,
    in order of their position in the file. The readers keep `_rejects` small (see
    readers._MAX_READER_ERRORS): it is read at once."""
    # DuckDB's line_byte_position lands one byte after the row's start on LF files and
    # on the start after CRLF or blank lines; one byte before it is always in the row's
    # first line or on the line ending just before it, which `locate_each` resolves.
    errors: dict[int, list[tuple[str, str, str | None]]] = {}
    for position, kind, message, column in conn.execute(
        "select line_byte_position, error_type, error_message, column_name from _rejects"
    ).fetchall():
        errors.setdefault(max(int(position) - 1, 0), []).append((kind, message, column))
    if not errors:
        return
    for position, line, text in locate_each(path, sorted(errors)):
        yield RejectedRow(line, text, _reason(errors.pop(position), text, expected_columns))


def refused_rows(conn: duckdb.DuckDBPyConnection, path: Path) -> Iterator[RejectedRow]:
    """Rows DuckDB accepted but the contract does not (e.g. 4.6 in an integer column),
    from `_refused (ordinal, reason)`, their ordinal among accepted records: located by
    one pass of Python's csv reader (the lines already in `_rejected` are not records
    DuckDB accepted) and quoted by their first physical line in a second pass. The
    records' lines go through a temp table, `_refused_lines`, not a Python collection."""
    conn.execute("create or replace temp table _refused_lines (line bigint, raw_text varchar, reason varchar)")
    refused = sorted_rows(conn, "select ordinal, reason from _refused", "ordinal")
    rejected = sorted_rows(conn, "select distinct line from _rejected", "line")

    def starts() -> Iterator[RejectedRow]:
        next_refused = next(refused, None)
        next_rejected = next(rejected, None)
        with open_bytes(path) as raw:
            handle = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
            reader = csv.reader(handle)
            next(reader, None)
            ordinal, start = 0, reader.line_num + 1
            for row in reader:
                if next_refused is None:
                    return
                while next_rejected is not None and next_rejected[0] < start:
                    next_rejected = next(rejected, None)
                if row and not (next_rejected is not None and next_rejected[0] == start):
                    ordinal += 1
                    if ordinal == next_refused[0]:
                        yield RejectedRow(start, "", next_refused[1])
                        next_refused = next(refused, None)
                start = reader.line_num + 1

    insert_rows(conn, "_refused_lines", starts())
    wanted = sorted_rows(conn, "select line, reason from _refused_lines", "line")
    target = next(wanted, None)
    with open_bytes(path) as raw:
        for number, line in enumerate(raw, start=1):
            if target is None:
                return
            if number == target[0]:
                yield RejectedRow(number, line.rstrip(b"\r\n").decode("utf-8", errors="replace"), target[1])
                target = next(wanted, None)
