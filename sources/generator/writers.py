"""Write landing files: naming, CSV (DuckDB's writer) and JSONL encoding, deterministic gzip."""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from .contracts import csv_columns

Table = Sequence[Mapping[str, str]] | Mapping[str, Sequence[str]]


class LandingWriter:
    """Writes <out>/<system>/<feed>/<feed>_<date>.<ext> and keeps the tally."""

    def __init__(self, out_dir: str | Path):
        self.out_dir = Path(out_dir)
        self.files: list[str] = []
        self.rows: dict[str, int] = {}
        self._duckdb: duckdb.DuckDBPyConnection | None = None

    def path(self, system: str, feed: str, d: date, ext: str) -> Path:
        return self.out_dir / system / feed / f"{feed}_{d.isoformat()}.{ext}"

    def write_csv(
        self,
        system: str,
        feed: str,
        d: date,
        table: Table,
        *,
        gz: bool = False,
        extra_lines: Iterable[tuple[int, list[str]]] = (),
    ) -> None:
        """A CSV with the contract's columns, in the contract's order.

        table is a list of row dicts or a dict of columns; its keys must be
        exactly the contract's columns. extra_lines = (position, raw fields)
        inserts deliberately broken rows: one at position p goes before the
        table's row p (0-based); several at one position, the last given first.
        """
        columns = csv_columns(system, feed)
        body = _arrow(columns, _ordered_columns(columns, table, f"{system}/{feed}"))
        extras = list(extra_lines)
        for pos, _ in extras:
            if not 0 <= pos <= body.num_rows:
                raise ValueError(f"{system}/{feed}: an extra line goes at a row position in [0, {body.num_rows}], not {pos}")
        tmp = self._tmp(system, feed, d, "csv.gz" if gz else "csv")
        if extras or gz:
            data = self._csv_bytes(body, extras, self._tmp(system, feed, d, "part.csv"))
            tmp.write_bytes(gzip.compress(data, compresslevel=6, mtime=0) if gz else data)
        else:
            self._copy(body, tmp, header=True)
        self._publish(tmp, f"{system}/{feed}", body.num_rows + len(extras))

    def write_jsonl(self, system: str, feed: str, d: date, lines: list[str], *, gz: bool = False) -> None:
        data = "".join(line + "\n" for line in lines).encode("utf-8")
        tmp = self._tmp(system, feed, d, "jsonl.gz" if gz else "jsonl")
        tmp.write_bytes(gzip.compress(data, compresslevel=6, mtime=0) if gz else data)
        self._publish(tmp, f"{system}/{feed}", len(lines))

    def _tmp(self, system: str, feed: str, d: date, ext: str) -> Path:
        """Where a file is written before its rename, so that a reader never sees half a
        file: a name no <feed>_*.<ext> pattern matches."""
        path = self.path(system, feed, d, ext)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.with_name(f".{path.name}.tmp")

    def _publish(self, tmp: Path, key: str, n_rows: int) -> None:
        path = tmp.with_name(tmp.name.removeprefix(".").removesuffix(".tmp"))
        os.replace(tmp, path)
        self.files.append(path.relative_to(self.out_dir).as_posix())
        self.rows[key] = self.rows.get(key, 0) + n_rows

    def _csv_bytes(self, body: pa.Table, extras: list[tuple[int, list[str]]], scratch: Path) -> bytes:
        """The CSV's bytes, the extra lines spliced in between slices of the table (an
        extra line has its own number of fields: no table holds it)."""
        parts: list[bytes] = []

        def csv(table: pa.Table) -> bytes:
            self._copy(table, scratch, header=not parts)
            return scratch.read_bytes()

        start = 0
        for _, (pos, fields) in sorted(enumerate(extras), key=lambda item: (item[1][0], -item[0])):
            parts.append(csv(body.slice(start, pos - start)))
            # No fields: csv.writer's empty row, a blank line.
            parts.append(csv(_arrow([f"f{i}" for i in range(len(fields))], [[f] for f in fields])) if fields else b"\n")
            start = pos
        parts.append(csv(body.slice(start)))
        scratch.unlink()
        return b"".join(parts)

    def _copy(self, table: pa.Table, target: Path, *, header: bool) -> None:
        """Writes table to target as csv.writer(lineterminator="\\n") would, in its default
        QUOTE_MINIMAL dialect. DuckDB's writer quotes the same fields (and a carriage
        return, which csv.writer quotes only from some Python versions on). It writes an
        empty text as "" and NULL bare; csv.writer quotes only the lone field of a
        one-field row, so that its line is not blank: every other empty field goes to
        DuckDB as NULL."""
        if self._duckdb is None:
            # One thread: files go one at a time, a few MB each; a second thread wrote
            # them no faster.
            self._duckdb = duckdb.connect(config={"threads": 1})
        names = [_identifier(c) for c in table.column_names]
        values = names if len(names) == 1 else [f"nullif({c}, '') as {c}" for c in names]
        self._duckdb.register("landing_table", table)
        try:
            self._duckdb.execute(
                f"copy (select {', '.join(values)} from landing_table) to '{_literal(target)}' "
                f"(format csv, header {str(header).lower()}, delimiter ',', quote '\"', escape '\"', nullstr '')"
            )
        finally:
            self._duckdb.unregister("landing_table")


def _ordered_columns(columns: list[str], table: Table, feed: str) -> list[Sequence[str]]:
    if isinstance(table, Mapping):
        _check_keys(columns, table.keys(), feed)
        return [table[c] for c in columns]
    if table:
        _check_keys(columns, table[0].keys(), feed)
    return [[r[c] for r in table] for c in columns]


def _arrow(names: list[str], columns: Sequence[Sequence[str]]) -> pa.Table:
    return pa.table({name: pa.array(column, pa.string()) for name, column in zip(names, columns)})


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(path: Path) -> str:
    return str(path).replace("'", "''")


def _check_keys(columns: list[str], keys: Iterable[str], feed: str) -> None:
    if set(keys) != set(columns):
        raise ValueError(f"{feed}: generated fields {sorted(keys)} differ from the contract's {sorted(columns)}")
