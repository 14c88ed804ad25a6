"""Turning DuckDB's reader rejects into quarantine rows with exact physical lines.

DuckDB reports, for each rejected row, the byte position where its line starts;
its own line counter drifts with blank lines and quoted multi-line fields, and
two rejected rows can share a line number. The byte position does not drift: the
physical line is the number of newlines before it, counted in one streaming pass
over the (decompressed) file. Only rejected rows are looked at, so this costs one
read of the file when a file has rejects and nothing otherwise.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .landing import open_bytes

_CHUNK = 1 << 20
_COUNT_ERRORS = {"MISSING COLUMNS", "TOO MANY COLUMNS"}


@dataclass
class RejectedRow:
    line: int
    raw_text: str
    reason: str


def locate(path: Path, positions: list[int]) -> dict[int, tuple[int, str]]:
    """For each position in a row's first line: (physical line number, that line).
    A position on a line ending (or a blank line) means the next non-blank line."""
    located: dict[int, tuple[int, str]] = {}
    with open_bytes(path) as handle:
        line, offset, tail = 1, 0, b""
        for position in sorted(set(positions)):
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
            located[position] = (row_line, text.rstrip(b"\r\n").decode("utf-8", errors="replace"))
    return located


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
) -> list[RejectedRow]:
    """Rows DuckDB's reader rejected into `_rejects`, one per row, at their physical line."""
    rejects = conn.execute(
        "select line_byte_position, error_type, error_message, column_name from _rejects"
    ).fetchall()
    if not rejects:
        return []
    # DuckDB's line_byte_position lands one byte after the row's start on LF files and
    # on the start after CRLF or blank lines; one byte before it is always in the row's
    # first line or on the line ending just before it, which `locate` resolves.
    by_row: dict[int, list[tuple[str, str, str | None]]] = {}
    for position, kind, message, column in rejects:
        by_row.setdefault(max(int(position) - 1, 0), []).append((kind, message, column))
    located = locate(path, list(by_row))
    rows = []
    for position, errors in by_row.items():
        line, text = located.get(position, (0, ""))
        rows.append(RejectedRow(line, text, _reason(errors, text, expected_columns)))
    return sorted(rows, key=lambda r: r.line)


def store_rejected(conn: duckdb.DuckDBPyConnection, rows: list[RejectedRow]) -> None:
    conn.execute("create or replace temp table _rejected (line bigint, raw_text varchar, reason varchar)")
    if rows:
        conn.executemany("insert into _rejected values (?, ?, ?)", [(r.line, r.raw_text, r.reason) for r in rows])


def records_at_lines(path: Path, reasons: dict[int, str], rejected_lines: set[int]) -> list[RejectedRow]:
    """Rows DuckDB accepted but the contract does not (e.g. 4.6 in an integer column),
    by their ordinal among accepted records, located by one pass of Python's csv
    reader and quoted by their first physical line. Only runs for a file that has
    such rows."""
    starts: dict[int, int] = {}
    with open_bytes(path) as raw:
        handle = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
        reader = csv.reader(handle)
        next(reader, None)
        ordinal, start = 0, reader.line_num + 1
        for row in reader:
            if row and start not in rejected_lines:
                ordinal += 1
                if ordinal in reasons:
                    starts[start] = ordinal
            start = reader.line_num + 1
    texts: dict[int, str] = {}
    with open_bytes(path) as raw:
        for number, line in enumerate(raw, start=1):
            if number in starts:
                texts[number] = line.rstrip(b"\r\n").decode("utf-8", errors="replace")
                if len(texts) == len(starts):
                    break
    return [RejectedRow(line, texts.get(line, ""), reasons[ordinal]) for line, ordinal in starts.items()]
