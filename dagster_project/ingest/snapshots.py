"""A quarantined row in a snapshot feed must not silently end someone's record.

A snapshot feed (`kind: snapshot`) is a full picture on each extract date: a key missing
from the newest snapshot reads downstream as a record that ended (an employee who left
on the snapshot date, an account closed). A row of that snapshot that was quarantined
is such a missing key, though nobody left. So, after a snapshot file is staged and
before it is swapped in, each rejected row's key (its raw line parsed with the file's
header) is looked up in the feed's previous snapshot: the raw table's rows of the latest
earlier extract date (for a config file without a date, the rows of the version being
replaced). A key found there, and not loaded again from another row of the new file,
fails the file with the lines, keys and reasons; the previous snapshot stays the
newest until the file is fixed and re-delivered.

A key with bytes that were not UTF-8 (U+FFFD in their place) matches a previous key
that has any one character, or none, at each replaced place.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator

import duckdb
import pyarrow as pa

from .contracts import FeedContract
from .landing import LandedFile, read_csv_header
from .prepare import REPLACEMENT
from .readers import UnreadableFileError
from .rejects import BATCH, sorted_rows

_SHOWN = 10


class SnapshotKeyQuarantinedError(UnreadableFileError):
    """A snapshot file whose quarantined rows hold keys of the previous snapshot: loading
    it would end those records. The feed fails, naming the file, lines, keys and reasons."""


def _key_of(raw_text: str | None, positions: list[int]) -> list[str | None] | None:
    if not raw_text:
        return None
    try:
        fields = next(csv.reader([raw_text]), [])
    except csv.Error:
        return None
    if any(p >= len(fields) for p in positions):
        return None
    values = [fields[p].strip() for p in positions]
    return values if all(values) else None


def _pattern(value: str) -> str | None:
    """The regular expression a key with replaced bytes matches (None: compare exactly)."""
    if REPLACEMENT not in value:
        return None
    return "".join(".?" if ch == REPLACEMENT else re.escape(ch) for ch in value)


def _previous_snapshot(conn: duckdb.DuckDBPyConnection, contract: FeedContract, landed: LandedFile) -> tuple[str, list, str] | None:
    """(SQL condition on the raw table, its parameters, how to name it) for the previous
    snapshot, or None when there is none."""
    if landed.extract_date is None:
        found = conn.execute(f"select count(*) from {contract.table} where _file = ?", [landed.key]).fetchone()[0]
        if not found:
            return None
        return "_file = ?", [landed.key], "the version of this file loaded before"
    previous = conn.execute(
        f"select max(_extract_date) from {contract.table} where _extract_date < ? and _file <> ?",
        [landed.extract_date, landed.key],
    ).fetchone()[0]
    if previous is None:
        return None
    return "_extract_date = ?", [previous], f"the previous snapshot, {previous.isoformat()}"


def _staged_keys(conn: duckdb.DuckDBPyConnection, positions: list[int], width: int) -> Iterator[dict]:
    for line, raw_text, reason in sorted_rows(conn, "select line, raw_text, reason from _rejected", "line"):
        values = _key_of(raw_text, positions)
        if values is None:
            continue
        row = {"line": line, "reason": reason}
        for i in range(width):
            row[f"k{i}"] = values[i]
            row[f"p{i}"] = _pattern(values[i])
        yield row


def check_quarantined_keys(conn: duckdb.DuckDBPyConnection, contract: FeedContract, landed: LandedFile) -> None:
    """Raise SnapshotKeyQuarantinedError when a rejected row of a staged snapshot file
    (`_rejected`, with `_incoming` its loaded rows) holds a key of the previous snapshot
    that the file does not load again. Call after staging, before the swap."""
    if contract.kind != "snapshot" or contract.format != "csv" or not contract.key:
        return
    if not conn.execute("select count(*) from _rejected").fetchone()[0]:
        return
    previous = _previous_snapshot(conn, contract, landed)
    if previous is None:
        return
    where, params, named = previous
    header = read_csv_header(landed.path)
    if any(name not in header for name in contract.key):
        return
    positions = [header.index(name) for name in contract.key]
    width = len(positions)
    schema = pa.schema(
        [("line", pa.int64()), ("reason", pa.string())]
        + [(f"{kind}{i}", pa.string()) for i in range(width) for kind in ("k", "p")]
    )
    conn.execute(
        "create or replace temp table _rejected_keys (line bigint, reason varchar, "
        + ", ".join(f"k{i} varchar, p{i} varchar" for i in range(width)) + ")"
    )
    keys = _staged_keys(conn, positions, width)
    while True:
        batch = [row for _, row in zip(range(BATCH), keys)]
        if not batch:
            break
        conn.register("_keys_batch", pa.Table.from_pylist(batch, schema=schema))
        try:
            conn.execute("insert into _rejected_keys select * from _keys_batch")
        finally:
            conn.unregister("_keys_batch")
    columns = [f'"{name}"' for name in contract.key]

    def matches(alias: str) -> str:
        return " and ".join(
            f"(case when r.p{i} is null then trim({alias}.{column}) = r.k{i} "
            f"else regexp_full_match(trim({alias}.{column}), r.p{i}) end)"
            for i, column in enumerate(columns)
        )

    found = conn.execute(
        f"""
        with previous as (select distinct {", ".join(columns)} from {contract.table} where {where}),
        reloaded as (select distinct {", ".join(columns)} from _incoming)
        select r.line, r.reason, {", ".join(f"p.{c}" for c in columns)}
        from _rejected_keys r join previous p on {matches("p")}
        where not exists (select 1 from reloaded n where {matches("n")})
        order by r.line
        """,
        params,
    ).fetchall()
    conn.execute("drop table _rejected_keys")
    if not found:
        return
    pii = {c.name for c in contract.columns if c.pii}

    def key_text(values) -> str:
        return ", ".join(
            f"{name}=" + ("(personal data, not shown)" if name in pii else repr(value))
            for name, value in zip(contract.key, values)
        )

    lines = [f"  line {line}: {key_text(values)}: {reason}" for line, reason, *values in found[:_SHOWN]]
    more = f"\n  ... and {len(found) - _SHOWN} more" if len(found) > _SHOWN else ""
    raise SnapshotKeyQuarantinedError(
        f"{landed.shown}: {len(found)} quarantined row(s) of this snapshot hold a key that is in {named}:\n"
        + "\n".join(lines) + more + "\n"
        f"  Loaded without them, this would end the person's record in the snapshot (for an employee: as if they "
        f"had left on {landed.extract_date.isoformat() if landed.extract_date else 'the load date'}); "
        "fix the file and re-deliver it. The previous snapshot stays the newest until then."
    )
