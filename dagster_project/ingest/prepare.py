"""Streaming passes over a landed file before, or instead of, a DuckDB read, each in
bounded memory (a block of lines at a time) and each keeping the file's line numbers,
so that quarantine lines still point into the original:

- `survey`: the file's non-empty lines and whether its bytes are UTF-8, at C speed;
- `repair_utf8`: a copy with each byte that is not UTF-8 replaced by U+FFFD, the
  Unicode replacement character (reported line by line);
- `screen`: a copy with the records DuckDB's strict CSV reader would reject for their
  number of columns or their quoting turned into empty lines (which the reader skips),
  and those records as rejected rows. DuckDB keeps about 1 KB per reader error, one
  error per missing column, outside its memory limit: a file of a million garbage lines
  would need over 15 GB to be read with `store_rejects`. What is left after screening
  is read by DuckDB as usual, and the caller checks that every row DuckDB accepted in
  the unscreened file is still accepted, unchanged.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .landing import open_bytes

_CHUNK = 1 << 20
# A record still open after this many bytes (an unterminated quote, say) is not
# screened: it is left whole to DuckDB, which reports it as one row.
_MAX_SCREENED_RECORD_BYTES = 1 << 20
_NL, _CR, _QUOTE, _COMMA = 10, 13, b'"', b","


@dataclass(frozen=True)
class Survey:
    lines: int  # non-empty physical lines, the header included
    utf8: bool  # every byte sequence is valid UTF-8


def _line_ends(previous: bytes, chunk: bytes) -> int:
    """Line ends in `chunk` that close a non-empty line; `previous` holds the two bytes
    before it. A line end is a LF, or a CR not followed by a LF (counted generously: a
    CR at the end of a chunk counts, the count is an upper bound)."""
    edge = previous + chunk[:2]
    if (
        b"\n\n" not in chunk and b"\n\n" not in edge[1:] and b"\n\r\n" not in edge and not previous.endswith(b"\r")
        and (b"\r" not in chunk or (b"\n\r\n" not in chunk and not chunk.endswith(b"\r")
                                   and chunk.count(b"\r") == chunk.count(b"\r\n")))
    ):
        return chunk.count(b"\n")  # no empty line and no lone CR: every LF ends a non-empty line
    data = np.frombuffer(previous + chunk, dtype=np.uint8)
    lf = data == _NL
    cr = data == _CR
    lone_cr = cr.copy()
    lone_cr[:-1] &= ~lf[1:]
    ends = lf | lone_cr
    # A line end right after another line end (or after CR after a line end) closes an empty line.
    empty = np.zeros_like(ends)
    empty[1:] = ends[1:] & ends[:-1]
    empty[2:] |= lf[2:] & cr[1:-1] & ends[:-2]
    skip = len(previous)
    return int(ends[skip:].sum() - empty[skip:].sum())


def survey(path: Path, count_lines: bool = True) -> Survey:
    """One pass over the (decompressed) bytes: non-empty lines (0 without count_lines)
    and UTF-8 validity."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    valid, lines, previous = True, 0, b"\n\n"
    with open_bytes(path) as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            if valid:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    valid = False
            if count_lines:
                lines += _line_ends(previous, chunk)
                previous = (previous + chunk[-2:])[-2:]
    if valid:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            valid = False
    if count_lines and previous[-1:] not in (b"\n", b"\r"):
        lines += 1  # a last line without a line end
    return Survey(lines, valid)


def _line_blocks(handle) -> Iterator[bytes]:
    """The stream in blocks of whole lines (about a chunk each)."""
    while True:
        block = handle.read(_CHUNK)
        if not block:
            return
        if not block.endswith(b"\n"):
            block += handle.readline()
        yield block


def repair_utf8(source: Path, target: Path, replaced: Callable[[list[int]], None]) -> int:
    """A copy of `source` with every byte sequence that is not UTF-8 replaced by U+FFFD.
    Line ends are ASCII, which a decoder never takes into a bad sequence: the copy has
    the same lines. `replaced` gets the numbers of the lines that held such bytes, a
    block at a time; returns how many there were."""
    count, line = 0, 1
    with open_bytes(source) as src, open(target, "wb") as dst:
        for block in _line_blocks(src):
            try:
                block.decode("utf-8")
            except UnicodeDecodeError:
                parts = block.split(b"\n")
                found = []
                for offset, part in enumerate(parts):
                    try:
                        part.decode("utf-8")
                    except UnicodeDecodeError:
                        parts[offset] = part.decode("utf-8", errors="replace").encode("utf-8")
                        found.append(line + offset)
                block = b"\n".join(parts)
                count += len(found)
                replaced(found)
            dst.write(block)
            line += block.count(b"\n")
    return count


@dataclass(frozen=True)
class ScreenedRow:
    line: int  # the physical line the record starts on
    raw_text: str  # that line
    reason: str


class _Record:
    """A CSV record as DuckDB's strict reader parses it (delimiter `,`, quote and escape
    `"`), found by trying it: a quote opens a quoted value at the start of a value
    (after any spaces), elsewhere it is a character like any other; after a closing
    quote come spaces and then a delimiter, the line end or a quote (an escaped quote,
    or a quoted part that goes on); anything else is an UNQUOTED VALUE error, after
    which the value runs to the next delimiter. Only a quoted value spans lines. Values
    beyond the expected number are accepted when all are empty (`,,` or `""`)."""

    def __init__(self, line: int, expected: int):
        self.line = line
        self.expected = expected
        self.fields = 0
        self.in_quote = False
        self.quoted_empty = True  # nothing in the open quoted value so far
        self.extra = False  # a value beyond the expected ones is not empty
        self.error = False
        self.size = 0
        self.lines: list[bytes] = []  # the record's physical lines, with their line ends
        self.first = b""

    def _field(self, empty: bool) -> None:
        if self.fields >= self.expected and not empty:
            self.extra = True
        self.fields += 1

    def feed(self, body: bytes) -> bool:
        """One physical line (without its line end); True when the record ends on it."""
        if not self.lines:
            self.first = body
        if not self.in_quote and _QUOTE not in body:
            self.fields += body.count(_COMMA) + 1
            if self.fields > self.expected and body.rstrip(_COMMA).count(_COMMA) + 1 > self.expected:
                self.extra = True
            return True
        pos = 0
        if self.in_quote:
            self.quoted_empty = False  # a line break is in the value
        while True:
            if self.in_quote:
                pos = self._quoted(body, pos)
                if pos < 0:
                    return pos == -2  # -1: the value goes on on the next line
            else:
                start = pos
                while body[pos : pos + 1] == b" ":
                    pos += 1
                if body[pos : pos + 1] == _QUOTE:
                    self.in_quote, self.quoted_empty = True, True
                    pos += 1
                    continue
                comma = body.find(_COMMA, start)
                self._field(empty=(comma if comma != -1 else len(body)) == start)
                if comma == -1:
                    return True
                pos = comma + 1

    def _quoted(self, body: bytes, pos: int) -> int:
        """Inside a quoted value at `pos`: where the next value starts, or -1 (the value
        goes on past the line) or -2 (the record ends with the line)."""
        while True:
            close = body.find(_QUOTE, pos)
            if close == -1:
                return -1
            if close > pos:
                self.quoted_empty = False
            pos = close + 1
            while body[pos : pos + 1] == b" ":
                pos += 1
            after = body[pos : pos + 1]
            if after == _QUOTE:
                self.quoted_empty = False
                pos += 1
                continue
            self.in_quote = False
            self._field(empty=self.quoted_empty)
            if after == _COMMA:
                return pos + 1
            if not after:
                return -2
            self.error = True
            comma = body.find(_COMMA, pos)
            return -2 if comma == -1 else comma + 1

    def reason(self) -> str | None:
        expected = self.expected
        if self.error:
            return "UNQUOTED VALUE: Value with unterminated quote found."
        if self.fields < expected:
            return f"MISSING COLUMNS: Expected Number of Columns: {expected} Found: {self.fields}"
        if self.fields > expected and self.extra:
            return f"TOO MANY COLUMNS: Expected Number of Columns: {expected} Found: {self.fields}"
        return None


def _split_end(line: bytes) -> tuple[bytes, bytes]:
    if line.endswith(b"\r\n"):
        return line[:-2], b"\r\n"
    if line.endswith(b"\n"):
        return line[:-1], b"\n"
    return line, b""


def screen(source: Path, target: Path, expected_columns: int, rejected: Callable[[list[ScreenedRow]], None],
           batch: int = 50_000) -> tuple[int, int]:
    """A copy of a CSV file (its first line the header) in which every record DuckDB's
    strict reader would reject for its number of columns or its quoting is made of empty
    lines, and `rejected` gets those records, `batch` at a time. Records that are fine,
    and those still open at the end of the file or after _MAX_SCREENED_RECORD_BYTES, are
    copied as they are. Returns the number of records screened out and the number of
    non-empty lines they took."""
    screened: list[ScreenedRow] = []
    count = lines = 0
    with open_bytes(source) as src, open(target, "wb") as dst:
        header = src.readline()
        dst.write(header)
        number = 1
        record: _Record | None = None
        passthrough = False  # the open record is too big to hold: it is copied as it comes
        for raw in src:
            number += 1
            body = _split_end(raw)[0]
            if record is None:
                if not body:
                    dst.write(raw)  # an empty line: the reader skips it
                    continue
                record = _Record(number, expected_columns)
            done = record.feed(body)
            if passthrough:
                dst.write(raw)
            else:
                record.lines.append(raw)
                record.size += len(raw)
                if not done and record.size > _MAX_SCREENED_RECORD_BYTES:
                    dst.writelines(record.lines)
                    record.lines, passthrough = [], True
            if not done:
                continue
            reason = None if passthrough else record.reason()
            if reason is None:
                dst.writelines(record.lines)
            else:
                dst.writelines(_split_end(line)[1] or b"\n" for line in record.lines)
                screened.append(ScreenedRow(record.line, record.first.decode("utf-8", errors="replace"), reason))
                count += 1
                lines += sum(1 for line in record.lines if _split_end(line)[0])
                if len(screened) >= batch:
                    rejected(screened)
                    screened = []
            record, passthrough = None, False
        if record is not None and record.lines:
            dst.writelines(record.lines)  # still open at the end of the file: DuckDB's to report
    if screened:
        rejected(screened)
    return count, lines


# The Unicode replacement character, which `repair_utf8` puts in place of bad bytes.
REPLACEMENT = "\ufffd"
