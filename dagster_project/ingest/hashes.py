"""Content hashes of landed files, each file read once.

The ledger knows a file by the SHA-256 of its bytes. History only grows, so hashing
every landed file again on every run (and at every tick of the landing sensor, and in
the up-to-date check) would make a night with one new file cost a read of all history.
A file whose size and modification time (to the nanosecond) are those recorded when it
was hashed is taken to hold the same bytes, as make, rsync and git's index do.

As in git's index, a file modified within TRUST_MARGIN_NS of being hashed is not
recorded: a second write in the same clock tick could keep both its size and its time.
It is hashed again next run, and recorded once it has been still for that long.
"""

from __future__ import annotations

import time

import duckdb

from .landing import LandedFile, sha256_of

TABLE = "raw._file_hashes"
TRUST_MARGIN_NS = 2_000_000_000

# file key -> (size in bytes, modification time in ns, sha256)
Known = dict[str, tuple[int, int, str]]


def ensure_table(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(
        f"create schema if not exists raw; create table if not exists {TABLE} "
        "(file varchar, size_bytes bigint, modified_ns bigint, sha256 varchar)"
    )


def known_hashes(conn: duckdb.DuckDBPyConnection) -> Known:
    """What the warehouse has recorded; empty on a warehouse from before this table."""
    try:
        rows = conn.execute(f"select file, size_bytes, modified_ns, sha256 from {TABLE}").fetchall()
    except duckdb.CatalogException:
        return {}
    return {file: (size, modified, digest) for file, size, modified, digest in rows}


def digest(landed: LandedFile, known: Known) -> tuple[str, tuple[int, int, str] | None]:
    """The file's SHA-256, and the entry to record for it (None: nothing new to record,
    or the file changed too recently to be trusted by its time next run)."""
    looked_at = time.time_ns()
    stat = landed.path.stat()
    recorded = known.get(landed.key)
    if recorded and recorded[:2] == (stat.st_size, stat.st_mtime_ns):
        return recorded[2], None
    sha256 = sha256_of(landed.path)
    if stat.st_mtime_ns > looked_at - TRUST_MARGIN_NS:
        return sha256, None
    return sha256, (stat.st_size, stat.st_mtime_ns, sha256)


def remember(conn: duckdb.DuckDBPyConnection, key: str, entry: tuple[int, int, str]) -> None:
    conn.execute(f"delete from {TABLE} where file = ?", [key])
    conn.execute(f"insert into {TABLE} values (?, ?, ?, ?)", [key, *entry])


def landed_digests(files: list[LandedFile], known: Known) -> dict[str, str]:
    """Each file's SHA-256 for a reader that records nothing (the up-to-date check, the
    sensor): what is recorded where the file has not changed, else read."""
    return {landed.key: digest(landed, known)[0] for landed in files}
