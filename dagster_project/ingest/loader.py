"""Loading a feed's landed files into its raw table, one transaction per file.

A file is the unit of idempotency: the ledger remembers each file's content hash,
an unchanged file is skipped, and a changed re-delivery replaces that file's rows.
A crash between files leaves every finished file committed and the rest untouched,
so a rerun ends where a single clean run would.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ..sql import transaction
from . import erasure, hashes, ledger, retention
from .contracts import FeedContract, raw_table_ddl
from .landing import LandedFile, discover
from .readers import UnreadableFileError, stage
from .snapshots import check_quarantined_keys

log = logging.getLogger(__name__)


@dataclass
class FileResult:
    key: str
    status: str  # loaded | replaced | skipped | retracted
    rows_loaded: int = 0
    rows_quarantined: int = 0


@dataclass
class FeedResult:
    feed: str
    files: list[FileResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    table_rows: int = 0
    quarantined_total: int = 0

    @property
    def rows_retracted(self) -> int:
        return sum(f.rows_loaded for f in self.files if f.status == "retracted")

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files if f.status != "retracted")

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)


class FeedFailed(RuntimeError):
    """A feed with a file that could not be read at all: said once, with what the
    contract expects and what was loaded anyway."""

    def __init__(self, result: FeedResult, contract: FeedContract):
        self.result = result
        loaded = result.count("loaded") + result.count("replaced")
        super().__init__(
            f"feed {result.feed}: {len(result.errors)} file(s) could not be read:\n"
            + "".join(f"  - {error}\n" for error in result.errors)
            + f"The contract (sources/contracts/{contract.source_file.name}) expects "
            + (f"a header with the columns {', '.join(contract.required_columns)}" if contract.format == "csv"
               else "one JSON statement a line")
            + f", in {contract.expected_name()}.\n"
            + f"Loaded anyway: {loaded} other file(s) of this feed ({result.rows_loaded} rows), "
            f"{result.count('skipped')} unchanged. Nothing downstream runs and the last published marts stay in place."
        )


def ensure_raw_tables(conn: duckdb.DuckDBPyConnection, contract: FeedContract) -> None:
    ledger.ensure_tables(conn)
    hashes.ensure_table(conn)
    conn.execute(raw_table_ddl(contract))
    # A contract that gained an (optional) column since the table was made: add it, empty.
    schema, table = contract.table.split(".")
    existing = {
        r[0] for r in conn.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?", [schema, table]
        ).fetchall()
    }
    for column in contract.columns:
        if contract.format == "csv" and column.name not in existing:
            column_type = "TIMESTAMP" if column.type == "timestamp" else column.duckdb_type
            conn.execute(f'alter table {contract.table} add column "{column.name}" {column_type}')


def load_file(
    conn: duckdb.DuckDBPyConnection,
    contract: FeedContract,
    landed: LandedFile,
    known: hashes.Known | None = None,
    secret: str | None = None,
    keep_lines: int | None = None,
) -> FileResult:
    digest, entry = hashes.digest(landed, known or {})
    if entry:
        hashes.remember(conn, landed.key, entry)
    previous = ledger.loaded_hash(conn, landed.key)
    if previous == digest:
        return FileResult(landed.key, "skipped")
    # Reading happens in connection-local temp tables, before the transaction: only the
    # swap itself (forget the old rows, insert the new, record them) must be atomic.
    stage(conn, contract, landed)
    check_quarantined_keys(conn, contract, landed)  # a snapshot file that would end people's records fails
    if secret:
        erasure.filter_staged(conn, contract, secret, keep_lines)
    loaded, quarantined = _swap_in(conn, contract, landed, digest, keep_lines)
    if quarantined:
        log.warning("%s: %d row(s) quarantined", landed.shown, quarantined)
    return FileResult(landed.key, "replaced" if previous else "loaded", loaded, quarantined)


def _swap_in(
    conn: duckdb.DuckDBPyConnection, contract: FeedContract, landed: LandedFile, digest: str, keep_lines: int | None
) -> tuple[int, int]:
    """Replace the file's rows, quarantine and ledger entry with the staged ones, all or nothing."""
    with transaction(conn):
        ledger.forget_file(conn, contract.table, landed.key)
        conn.execute(f"insert into {contract.table} by name select * from _incoming")
        ledger.record_quarantine(conn, contract.name, landed.key, keep_lines)
        loaded = conn.execute("select count(*) from _incoming").fetchall()[0][0]
        quarantined = conn.execute("select count(*) from _rejected").fetchall()[0][0]
        ledger.record_file(
            conn,
            file=landed.key,
            feed=contract.name,
            extract_date=landed.extract_date,
            size_bytes=landed.path.stat().st_size,
            sha256=digest,
            rows_read=loaded + quarantined,
            rows_loaded=loaded,
            rows_quarantined=quarantined,
        )
    return loaded, quarantined


def retract_missing(conn: duckdb.DuckDBPyConnection, contract: FeedContract, present: set[str]) -> list[FileResult]:
    """The ledger follows the landing folder: a file that is no longer there (withdrawn
    by its operator, say after it failed an audit) takes its rows out of raw, each file
    in one transaction."""
    retracted = []
    for key, rows in sorted(ledger.files_of(conn, contract.name).items()):
        if key in present:
            continue
        with transaction(conn):
            ledger.forget_file(conn, contract.table, key)
        log.warning("%s: no longer in the landing folder; retracted its %d row(s) from %s", key, rows, contract.table)
        retracted.append(FileResult(key, "retracted", rows_loaded=rows))
    return retracted


def load_feed(
    conn: duckdb.DuckDBPyConnection,
    contract: FeedContract,
    landing_dir: Path,
    config_dir: Path,
    secret: str | None = None,
    keep_lines: int | None = None,
    text_retention_days: int | None = None,
) -> FeedResult:
    """Load every new or changed file of a feed; raise FeedFailed after the good files
    are in if any file could not be read at all (e.g. a required column is missing).
    With the person-key secret, rows of people erased earlier are left out (erasure.py)."""
    conn.execute("set TimeZone = 'UTC'")
    ensure_raw_tables(conn, contract)
    result = FeedResult(contract.name)
    landed_files = discover(contract, landing_dir, config_dir)
    # A feed folder that is not there at all (an unmounted share, a mistyped path) is no
    # withdrawal of its files: nothing is retracted.
    if contract.folder(landing_dir, config_dir).is_dir():
        result.files += retract_missing(conn, contract, {landed.key for landed in landed_files})
    known = hashes.known_hashes(conn)
    for landed in landed_files:
        try:
            result.files.append(load_file(conn, contract, landed, known, secret, keep_lines))
        except UnreadableFileError as error:
            result.errors.append(str(error))
        except duckdb.Error as error:
            result.errors.append(f"{landed.shown}: {error}")
    if text_retention_days is not None:
        retention.expire_text(conn, contract, text_retention_days)
    result.table_rows = conn.execute(f"select count(*) from {contract.table}").fetchall()[0][0]
    result.quarantined_total = ledger.quarantined_total(conn, contract.name)
    if result.errors:
        raise FeedFailed(result, contract)
    return result
