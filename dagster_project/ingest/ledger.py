"""The file ledger and the quarantine: the raw layer's memory of what it has read."""

from __future__ import annotations

import duckdb

LEDGER = "raw._file_ledger"
QUARANTINE = "raw._quarantine"
# Files whose rows left raw (withdrawn, or replaced by a changed re-delivery): the
# incremental staging models rebuild their feed when one is newer than their last build.
RETRACTIONS = "raw._file_retractions"

DDL = f"""
create schema if not exists raw;
create table if not exists {LEDGER} (
    file varchar,
    feed varchar,
    extract_date date,
    size_bytes bigint,
    sha256 varchar,
    rows_read bigint,
    rows_loaded bigint,
    rows_quarantined bigint,
    loaded_at timestamptz
);
create table if not exists {QUARANTINE} (
    feed varchar,
    file varchar,
    line bigint,
    raw_text varchar,
    reason varchar,
    quarantined_at timestamptz
);
create table if not exists {RETRACTIONS} (
    file varchar,
    feed varchar,
    rows_retracted bigint,
    retracted_at timestamptz
);
"""


def ensure_tables(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(DDL)


def loaded_hash(conn: duckdb.DuckDBPyConnection, file_key: str) -> str | None:
    rows = conn.execute(f"select sha256 from {LEDGER} where file = ?", [file_key]).fetchall()
    return rows[0][0] if rows else None


def files_of(conn: duckdb.DuckDBPyConnection, feed: str) -> dict[str, int]:
    """The files the ledger holds for a feed, with the rows each loaded."""
    return dict(conn.execute(f"select file, rows_loaded from {LEDGER} where feed = ?", [feed]).fetchall())


def forget_file(conn: duckdb.DuckDBPyConnection, raw_table: str, file_key: str) -> None:
    """Remove every trace of a file so that a changed re-delivery replaces it; a file
    that was loaded is remembered as retracted (its rows may have been current versions)."""
    conn.execute(
        f"insert into {RETRACTIONS} select file, feed, rows_loaded, now() from {LEDGER} where file = ?", [file_key]
    )
    conn.execute(f"delete from {raw_table} where _file = ?", [file_key])
    conn.execute(f"delete from {QUARANTINE} where file = ?", [file_key])
    conn.execute(f"delete from {LEDGER} where file = ?", [file_key])


def record_file(conn: duckdb.DuckDBPyConnection, **entry) -> None:
    conn.execute(
        f"""insert into {LEDGER} values (
            $file, $feed, $extract_date, $size_bytes, $sha256,
            $rows_read, $rows_loaded, $rows_quarantined, now())""",
        entry,
    )


def record_quarantine(conn: duckdb.DuckDBPyConnection, feed: str, file_key: str, keep: int | None = None) -> None:
    """Keep a staged file's rejected rows (`_rejected`: line, raw_text, reason): the
    first `keep` of them by line (IMPACT_MAX_QUARANTINED_LINES_PER_FILE by default) and,
    for the rest, one `NOT KEPT:` row at the first line not kept, with their number and
    lines and no raw text. The file's true count is the ledger's rows_quarantined.
    The staged notes (`_notes`, which readers.stage makes: e.g. `REPLACED:` for rows
    loaded with U+FFFD) are kept too: remarks on loaded rows, which no count includes."""
    if keep is None:
        from ..settings import get_settings

        keep = get_settings().max_quarantined_lines_per_file
    keep = int(keep)
    total, last = conn.execute("select count(*), max(line) from _rejected").fetchone()
    conn.execute(
        f"""insert into {QUARANTINE}
            select $feed, $file, line, raw_text, reason, now()
            from (select line, raw_text, reason from _rejected order by line, reason limit {keep})
            union all
            select $feed, $file, line, raw_text, reason, now() from _notes""",
        {"feed": feed, "file": file_key},
    )
    if total > keep:
        first = conn.execute(f"select line from _rejected order by line, reason offset {keep} limit 1").fetchone()[0]
        conn.execute(
            f"insert into {QUARANTINE} values (?, ?, ?, null, ?, now())",
            [feed, file_key, first, not_kept_reason(total - keep, first, last, keep)],
        )


NOT_KEPT = "NOT KEPT: "


def not_kept_reason(count: int, first: int, last: int, keep: int) -> str:
    return (
        f"{NOT_KEPT}{count} more rejected row(s), lines {first} to {last}: counted in the file ledger's rows_quarantined, "
        f"their text not kept (only the first {keep} rejected rows of a file are; IMPACT_MAX_QUARANTINED_LINES_PER_FILE)"
    )


def quarantined_total(conn: duckdb.DuckDBPyConnection, feed: str) -> int:
    """Rows of a feed's loaded files set aside, by the ledger (raw._quarantine keeps only
    the first of a file's rejected rows, and notes that are no rejected rows)."""
    return conn.execute(
        f"select coalesce(sum(rows_quarantined), 0) from {LEDGER} where feed = ?", [feed]
    ).fetchone()[0]


def loaded_files(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Every file the raw layer holds, with the hash of the bytes it was loaded from."""
    return dict(conn.execute(f"select file, sha256 from {LEDGER}").fetchall())


def newest_extracts(conn: duckdb.DuckDBPyConnection) -> dict:
    """Each feed's newest extract date (from the file names)."""
    return dict(
        conn.execute(f"select feed, max(extract_date) from {LEDGER} where extract_date is not null group by feed").fetchall()
    )


def rows_loaded(conn: duckdb.DuckDBPyConnection, feed: str, loaded_after: str | None = None) -> int:
    """The rows the ledger holds for a feed (of the files loaded after `loaded_after`, a
    timestamp as text, when given)."""
    since = "" if loaded_after is None else " and loaded_at > cast(? as timestamptz)"
    params = [feed] + ([] if loaded_after is None else [loaded_after])
    return conn.execute(f"select coalesce(sum(rows_loaded), 0) from {LEDGER} where feed = ?{since}", params).fetchall()[0][0]


def quarantine_counts(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows quarantined so far, per feed (with any), by the ledger: see quarantined_total."""
    return dict(conn.execute(
        f"""select feed, sum(rows_quarantined)::bigint from {LEDGER}
            group by feed having sum(rows_quarantined) > 0 order by feed"""
    ).fetchall())
