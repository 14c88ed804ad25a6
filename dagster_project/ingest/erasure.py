"""Erasure: a person named in `$IMPACT_CONFIG_DIR/erasure_requests.csv` leaves every copy.

    request_id,identifier,requested_at
    ER-0001,E10106,2026-12-01

The identifier is an HRIS Employee_ID, a work email, an LMS username or user id, or a
CRM user id. The file is read by this module only and never loaded: its identifiers
are in no table. On the next run, before any feed loads (the `raw/erasure` asset):

- **resolve**: every identifier of the person, from the identity feeds (the snapshot
  feeds with two or more `person: id` columns: HRIS workers, LMS users, CRM users),
  followed until nothing new turns up, and the person's name(s);
- **remember**: keyed hashes of them (under the person-key secret) in
  `raw._erased_identities`, never the identifiers themselves;
- **remove** from every raw table the rows whose `person: id` column (or xAPI actor,
  or any e-mail address in a statement) holds one of them; a `person: ref` value (a
  manager's id in a report's row) becomes a pseudonym; a `person: text` value (a
  survey comment) that holds an identifier or the name is blanked; a quarantined line
  that holds one goes;
- **log** in `raw._erasure_log`: the request id, a keyed hash of the identifier, when,
  and the rows removed per table.

Every later delivery is filtered on ingest against the hashes (`filter_staged`), so a
file that still holds the person never brings them back. The run that erases builds
dbt in full (incremental models would keep the rows), and once it has published
(`finish_published`) the runs kept for rollback are deleted, older Dagster runs whose
event log mentions the person were deleted at the start, and the warehouse file is
rewritten (DuckDB leaves deleted values in its free blocks); the log then records
`published runs`. What erasure cannot reach is listed in docs/operations.md (Erasure).
"""

from __future__ import annotations

import csv
import hashlib
import logging
import os
import re
import shutil
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ..keys import keyed_hash
from ..sql import transaction
from .contracts import FeedContract, load_contracts
from .ledger import LEDGER, QUARANTINE

log = logging.getLogger(__name__)

REQUESTS_FILE = "erasure_requests.csv"
LOG = "raw._erasure_log"
IDENTITIES = "raw._erased_identities"
PUBLISHED = "published runs"
_REQUEST_COLUMNS = ("request_id", "identifier", "requested_at")

_DDL = (
    f"""create table if not exists {LOG} (
        request_id varchar, identifier_hash varchar, requested_at varchar,
        erased_at timestamptz, table_name varchar, rows_removed bigint)""",
    f"""create table if not exists {IDENTITIES} (
        request_id varchar, kind varchar, words integer, identity_hash varchar)""",
)

# Tokens of free text and quarantined lines that could be an identifier: e-mail
# addresses, ids and user names are never split by these.
_TOKEN = re.compile(r"[^\s,;:\"'<>(){}\[\]|=/\\]+")
_WORD = re.compile(r"[\w'’ʼ‘`´-]+")
_EMAIL_SQL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+"
_XAPI_ACTOR = ("$.actor.mbox", "$.actor.mbox_sha1sum", "$.actor.account.name")


class ErasureRequestError(ValueError):
    """erasure_requests.csv cannot be read as the contract says."""


@dataclass(frozen=True)
class Request:
    request_id: str
    identifier: str
    requested_at: str


@dataclass
class Erased:
    """The keyed hashes of erased identifiers, and of erased names by their word count."""

    secret: str
    ids: set[str] = field(default_factory=set)
    names: dict[int, set[str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.ids or self.names)

    def has_id(self, value: str | None) -> bool:
        return value is not None and _id_hash(self.secret, value) in self.ids

    def names_in(self, text: str | None) -> bool:
        if not text or not self.names:
            return False
        words = name_words(text)
        for size, hashes in self.names.items():
            for start in range(len(words) - size + 1):
                if _name_hash(self.secret, " ".join(words[start : start + size])) in hashes:
                    return True
        return False

    def in_text(self, text: str | None) -> bool:
        """An identifier as a token of the text, or a name as consecutive words."""
        if not text:
            return False
        return any(self.has_id(token.rstrip(".")) for token in _TOKEN.findall(text)) or self.names_in(text)


def normalised(value: str) -> str:
    value = unicodedata.normalize("NFKC", value).strip().casefold()
    return value.removeprefix("mailto:")


def name_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return [w.strip("'’ʼ‘`´-") for w in _WORD.findall(folded) if w.strip("'’ʼ‘`´-")]


def _id_hash(secret: str, value: str) -> str:
    return keyed_hash(secret, "erased|" + normalised(value))


def _name_hash(secret: str, words: str) -> str:
    return keyed_hash(secret, "erased-name|" + words)


# --- requests ----------------------------------------------------------------------


def read_requests(config_dir: Path) -> list[Request]:
    path = config_dir / REQUESTS_FILE
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in _REQUEST_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ErasureRequestError(
                f"{path.name}: header is missing {', '.join(missing)} (expected {', '.join(_REQUEST_COLUMNS)})"
            )
        requests = []
        for line, row in enumerate(reader, start=2):
            request_id, identifier = (row.get("request_id") or "").strip(), (row.get("identifier") or "").strip()
            if not request_id or not identifier:
                raise ErasureRequestError(f"{path.name}, line {line}: request_id and identifier are required")
            requests.append(Request(request_id, identifier, (row.get("requested_at") or "").strip()))
    return requests


def ensure_tables(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("create schema if not exists raw")
    for statement in _DDL:
        conn.execute(statement)


def _table_exists(conn: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, _, table = qualified.rpartition(".")
    query = "select count(*) from information_schema.tables where table_name = ?"
    params = [table]
    if schema:
        query += " and table_schema = ?"
        params.append(schema)
    return conn.execute(query, params).fetchone()[0] > 0


def logged_requests(conn: duckdb.DuckDBPyConnection) -> set[str]:
    if not _table_exists(conn, LOG):
        return set()
    return {r for (r,) in conn.execute(f"select distinct request_id from {LOG}").fetchall()}


def pending_publication(conn: duckdb.DuckDBPyConnection) -> set[str]:
    """Requests with rows removed from the warehouse since their published copies were
    last replaced (or never replaced)."""
    if not _table_exists(conn, LOG):
        return set()
    rows = conn.execute(
        f"""select request_id from {LOG} group by request_id
            having count(*) filter (where table_name = ?) = 0
                or max(erased_at) filter (where table_name <> ? and rows_removed > 0)
                   > max(erased_at) filter (where table_name = ?)""",
        [PUBLISHED, PUBLISHED, PUBLISHED],
    ).fetchall()
    return {r for (r,) in rows}


def awaiting_publish(warehouse: Path) -> set[str]:
    """pending_publication, from the warehouse file (no connection open to it)."""
    try:
        with duckdb.connect(str(warehouse), read_only=True) as conn:
            return pending_publication(conn)
    except duckdb.Error:
        return set()


def outstanding(config_dir: Path, warehouse: Path) -> list[str]:
    """Request ids in the requests file not yet erased and published (no Dagster: the
    run CLI and the schedule ask it before calling a run up to date)."""
    try:
        requests = read_requests(config_dir)
    except (OSError, ErasureRequestError):
        return ["(unreadable requests file)"]
    if not requests:
        return []
    try:
        with duckdb.connect(str(warehouse), read_only=True) as conn:
            done = logged_requests(conn) - pending_publication(conn)
    except duckdb.Error:
        done = set()
    return [r.request_id for r in requests if r.request_id not in done]


# --- resolving a person ------------------------------------------------------------


def _identity_contracts() -> list[FeedContract]:
    return [
        c for c in load_contracts()
        if c.format == "csv" and c.kind == "snapshot" and sum(col.person == "id" for col in c.columns) >= 2
    ]


def resolve(conn: duckdb.DuckDBPyConnection, identifier: str) -> tuple[set[str], set[str]]:
    """Every identifier (normalised) and name of the person an identifier names."""
    ids, names = {normalised(identifier)}, set()
    contracts = [c for c in _identity_contracts() if _table_exists(conn, c.table)]
    for _ in range(5):
        before = len(ids)
        for contract in contracts:
            id_columns = [c.name for c in contract.columns if c.person == "id"]
            name_columns = [c.name for c in contract.columns if c.person == "name"]
            selected = ", ".join(f'"{c}"' for c in id_columns + name_columns)
            matches = " or ".join(f'lower(trim("{c}")) in (select unnest(?::varchar[]))' for c in id_columns)
            rows = conn.execute(
                f"select distinct {selected} from {contract.table} where {matches}", [sorted(ids)] * len(id_columns)
            ).fetchall()
            for row in rows:
                ids.update(normalised(v) for v in row[: len(id_columns)] if v)
                names.update(" ".join(name_words(v)) for v in row[len(id_columns) :] if v and name_words(v))
        if len(ids) == before:
            break
    # xAPI's mbox_sha1sum: the SHA-1 of "mailto:<address>" (xAPI 1.0.3, 2.4.2.3).
    ids |= {hashlib.sha1(f"mailto:{v}".encode()).hexdigest() for v in ids if "@" in v}
    return ids, names


def remember(conn: duckdb.DuckDBPyConnection, request_id: str, secret: str, ids: set[str], names: set[str]) -> None:
    rows = [(request_id, "id", None, _id_hash(secret, v)) for v in sorted(ids)]
    rows += [(request_id, "name", len(n.split()), _name_hash(secret, n)) for n in sorted(names)]
    if rows:
        conn.executemany(f"insert into {IDENTITIES} values (?, ?, ?, ?)", rows)


def erased_identities(conn: duckdb.DuckDBPyConnection, secret: str, request_id: str | None = None) -> Erased:
    erased = Erased(secret)
    if not _table_exists(conn, IDENTITIES):
        return erased
    query = f"select kind, words, identity_hash from {IDENTITIES}"
    rows = conn.execute(query + " where request_id = ?", [request_id]).fetchall() if request_id else conn.execute(query).fetchall()
    for kind, words, digest in rows:
        if kind == "id":
            erased.ids.add(digest)
        else:
            erased.names.setdefault(int(words), set()).add(digest)
    return erased


# --- removing rows -----------------------------------------------------------------


def _matching(erased: Erased, values: Iterable[str | None]) -> list[str]:
    return [v for v in values if v is not None and erased.has_id(v)]


def _distinct(conn: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    return [v for (v,) in conn.execute(sql).fetchall() if v is not None]


def _delete(conn: duckdb.DuckDBPyConnection, table: str, where: str, params: list, ledger_column: str | None) -> int:
    """Deletes the rows matching `where`; from a raw table (or the quarantine) the
    ledger's count of its files' rows (`ledger_column`) goes down with them, so that
    the ledger still adds up to the table."""
    if ledger_column:
        file_column = "file" if table == QUARANTINE else "_file"
        per_file = conn.execute(
            f"select {file_column}, count(*) from {table} where {where} group by all", params
        ).fetchall()
        for file, rows in per_file:
            conn.execute(f"update {LEDGER} set {ledger_column} = {ledger_column} - ? where file = ?", [rows, file])
    return conn.execute(f"delete from {table} where {where}", params).fetchone()[0]


def erase_table(conn: duckdb.DuckDBPyConnection, contract: FeedContract, table: str, erased: Erased) -> int:
    """Removes (or pseudonymises, or blanks) the erased people's values in a table with
    the contract's columns (a raw table, or the ingest's staged `_incoming`); returns
    the rows removed or changed."""
    if not erased or not _table_exists(conn, table):
        return 0
    changed = 0
    ledger = "rows_loaded" if table == contract.table else None
    if contract.format == "jsonl":
        fields = ", ".join(f"json_extract_string(statement, '{path}')" for path in _XAPI_ACTOR)
        candidates = f"list_concat([{fields}], regexp_extract_all(statement, '{_EMAIL_SQL}'))"
        values = _distinct(conn, f"select distinct unnest({candidates}) from {table}")
        found = _matching(erased, values)
        if found:
            changed += _delete(conn, table, f"list_has_any({candidates}, ?::varchar[])", [found], ledger)
        return changed
    for column in contract.columns:
        if column.person not in ("id", "ref"):
            continue
        found = _matching(erased, _distinct(conn, f'select distinct "{column.name}" from {table}'))
        if not found:
            continue
        if column.person == "id":
            changed += _delete(conn, table, f'"{column.name}" in (select unnest(?::varchar[]))', [found], ledger)
        else:
            for value in found:
                pseudonym = "ERASED-" + _id_hash(erased.secret, value)[:12]
                changed += conn.execute(
                    f'update {table} set "{column.name}" = ? where "{column.name}" = ?', [pseudonym, value]
                ).fetchone()[0]
    for column in contract.columns:
        if column.person != "text":
            continue
        texts = _distinct(conn, f'select distinct "{column.name}" from {table}')
        found = [t for t in texts if erased.in_text(t)]
        if found:
            changed += conn.execute(
                f'update {table} set "{column.name}" = null where "{column.name}" in (select unnest(?::varchar[]))',
                [found],
            ).fetchone()[0]
    return changed


def erase_lines(conn: duckdb.DuckDBPyConnection, table: str, erased: Erased, where: str = "true") -> int:
    """Deletes the quarantined (or staged rejected) lines holding an erased identifier or name."""
    if not erased or not _table_exists(conn, table):
        return 0
    texts = _distinct(conn, f"select distinct raw_text from {table} where {where}")
    found = [t for t in texts if erased.in_text(t)]
    if not found:
        return 0
    ledger = "rows_quarantined" if table == QUARANTINE else None
    return _delete(conn, table, f"{where} and raw_text in (select unnest(?::varchar[]))", [found], ledger)


def _known_ids(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Each erased identifier's hash, with the request that erased it."""
    rows = conn.execute(f"select identity_hash, min(request_id) from {IDENTITIES} group by identity_hash").fetchall()
    return dict(rows)


def _identity_rows(conn: duckdb.DuckDBPyConnection, contract: FeedContract, table: str) -> list[tuple[set[str], set[str]]]:
    """Each distinct row of an identity table as (normalised identifiers, names)."""
    id_columns = [c.name for c in contract.columns if c.person == "id"]
    name_columns = [c.name for c in contract.columns if c.person == "name"]
    selected = ", ".join(f'"{c}"' for c in id_columns + name_columns)
    return [
        ({normalised(v) for v in row[: len(id_columns)] if v},
         {" ".join(name_words(v)) for v in row[len(id_columns) :] if v and name_words(v)})
        for row in conn.execute(f"select distinct {selected} from {table}").fetchall()
    ]


def _link(rows, secret: str, known: dict[str, str], found: dict[str, tuple[set[str], set[str]]]) -> bool:
    """Adds to `found` (per request) every row sharing an identifier with an erased
    person; True when something was added."""
    grew = False
    for ids, names in rows:
        requests = {known[h] for h in (_id_hash(secret, v) for v in ids) if h in known}
        requests |= {r for r, (seen, _) in found.items() if ids & seen}
        if not requests:
            continue
        seen, seen_names = found.setdefault(min(requests), (set(), set()))
        if not ids <= seen or not names <= seen_names:
            seen |= ids
            seen_names |= names
            grew = True
    return grew


def close_over(conn: duckdb.DuckDBPyConnection, contract: FeedContract, table: str, secret: str) -> int:
    """An identity feed's rows (HRIS workers, LMS users, CRM users) that hold an erased
    identifier make the row's other identifiers and name erased too, followed through
    the identity tables already loaded: a request filed before the person's other
    systems were loaded (or a warehouse rebuilt from the landing folder) still reaches
    every copy. Rows already in raw under the identifiers found here are removed, and
    the request's log counts them. Returns the rows removed."""
    if contract not in _identity_contracts() or not _table_exists(conn, IDENTITIES):
        return 0
    known = _known_ids(conn)
    found: dict[str, tuple[set[str], set[str]]] = {}
    if not known or not _link(_identity_rows(conn, contract, table), secret, known, found):
        return 0
    loaded = [(c, _identity_rows(conn, c, c.table)) for c in _identity_contracts() if _table_exists(conn, c.table)]
    for _ in range(5):
        if not any([_link(rows, secret, known, found) for _, rows in loaded]):
            break
    removed = 0
    for request_id, (ids, names) in found.items():
        ids |= {hashlib.sha1(f"mailto:{v}".encode()).hexdigest() for v in ids if "@" in v}
        new_ids = {v for v in ids if _id_hash(secret, v) not in known}
        if not new_ids:
            continue
        remember(conn, request_id, secret, new_ids, names)
        fresh = Erased(secret, ids={_id_hash(secret, v) for v in new_ids})
        for name in names:  # a comment or quarantined line naming them, loaded before they were linked
            fresh.names.setdefault(len(name.split()), set()).add(_name_hash(secret, name))
        counts = erase_everywhere(conn, fresh)
        identifier_hash, requested_at = conn.execute(
            f"select any_value(identifier_hash), any_value(requested_at) from {LOG} where request_id = ?", [request_id]
        ).fetchone()
        removals = [(request_id, identifier_hash, requested_at, name, rows) for name, rows in counts.items() if rows]
        if removals:
            conn.executemany(f"insert into {LOG} values (?, ?, ?, now(), ?, ?)", removals)
        removed += sum(counts.values())
        log.info("erasure request %s: %d more identifier(s) found through %s", request_id, len(new_ids), contract.name)
    return removed


def erase_everywhere(conn: duckdb.DuckDBPyConnection, erased: Erased) -> dict[str, int]:
    """Removes the erased people from every raw table and the quarantine; the rows
    removed (or changed) per table."""
    counts = {contract.table: erase_table(conn, contract, contract.table, erased) for contract in load_contracts()}
    counts[QUARANTINE] = erase_lines(conn, QUARANTINE, erased)
    return counts


def filter_staged(conn: duckdb.DuckDBPyConnection, contract: FeedContract, secret: str, keep_lines: int | None = None) -> int:
    """A file being loaded loses the rows (and rejected lines) of people already erased
    (and, from an identity feed, learns their other identifiers first). Only the rejected
    lines the quarantine will keep are searched (ledger.record_quarantine keeps the
    first `keep_lines`; the rest are counted, without their text)."""
    if not erased_identities(conn, secret):
        return 0
    close_over(conn, contract, "_incoming", secret)
    erased = erased_identities(conn, secret)
    if keep_lines is None:
        from ..settings import get_settings

        keep_lines = get_settings().max_quarantined_lines_per_file
    kept = f"line in (select line from _rejected order by line limit {int(keep_lines)})"
    removed = erase_table(conn, contract, "_incoming", erased) + erase_lines(conn, "_rejected", erased, kept)
    if removed:
        log.info("%s: %d row(s) of erased people left out", contract.name, removed)
    return removed


# --- the erasure step --------------------------------------------------------------


@dataclass
class ErasureResult:
    erased: list[str] = field(default_factory=list)  # request ids erased this run
    rows_removed: dict[str, int] = field(default_factory=dict)  # per table, this run
    runs_deleted: int = 0  # Dagster runs whose event log mentioned someone erased
    files_removed: int = 0


def erase_requested(conn: duckdb.DuckDBPyConnection, config_dir: Path, secret: str) -> tuple[ErasureResult, list[set[str]]]:
    """Erases every request not yet logged from raw; returns what it did and, for the
    caller's clean-up of other copies in this process only, each person's identifiers
    and names (cleartext; never stored)."""
    ensure_tables(conn)
    result, people = ErasureResult(), []
    done = logged_requests(conn)
    for request in read_requests(config_dir):
        if request.request_id in done:
            continue
        done.add(request.request_id)
        ids, names = resolve(conn, request.identifier)
        with transaction(conn):
            remember(conn, request.request_id, secret, ids, names)
            erased = erased_identities(conn, secret, request.request_id)
            counts = erase_everywhere(conn, erased)
            identifier_hash = _id_hash(secret, request.identifier)
            conn.executemany(
                f"insert into {LOG} values (?, ?, ?, now(), ?, ?)",
                [(request.request_id, identifier_hash, request.requested_at, table, rows) for table, rows in counts.items()],
            )
        for table, rows in counts.items():
            result.rows_removed[table] = result.rows_removed.get(table, 0) + rows
        result.erased.append(request.request_id)
        people.append(ids | names | {request.identifier.casefold()})
        log.info("erasure request %s: %d row(s) removed from raw", request.request_id, sum(counts.values()))
    return result, people


def _patterns(needles: Iterable[str]) -> list[bytes]:
    return [n.casefold().encode() for n in needles if len(n) >= 4]


def holds(path: Path, needles: Iterable[str], chunk: int = 1 << 22) -> bool:
    """The file's bytes hold one of the needles (case-insensitively), read in chunks
    that overlap by the longest needle."""
    patterns = _patterns(needles)
    if not patterns:
        return False
    overlap = max(len(p) for p in patterns) - 1
    try:
        with path.open("rb") as handle:
            tail = b""
            while block := handle.read(chunk):
                data = tail + block.lower()
                if any(p in data for p in patterns):
                    return True
                tail = data[-overlap:] if overlap else b""
    except OSError:
        return False
    return False


def files_holding(root: Path, needles: Iterable[str], skip: Iterable[Path] = ()) -> list[Path]:
    """Files under root (not under `skip`) whose bytes hold any of the needles."""
    needles = list(needles)
    if not _patterns(needles) or not root.is_dir():
        return []
    skipped = [p.resolve() for p in skip]
    return [
        path for path in sorted(root.rglob("*"))
        if not path.is_symlink() and path.is_file()
        and not any(path.resolve().is_relative_to(s) for s in skipped)
        and holds(path, needles)
    ]


def is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def vacuum_sqlite(path: Path) -> bool:
    """Rewrites a SQLite file without its free pages (deleted rows' bytes)."""
    import sqlite3

    try:
        with sqlite3.connect(path) as db:
            db.execute("vacuum")
        return True
    except sqlite3.DatabaseError:
        return False


def compact_warehouse(path: Path) -> None:
    """Rewrites the DuckDB file from its live rows: a deleted row's values stay in the
    file's blocks until then. Written beside it and renamed over it (atomic)."""
    staged = path.with_name(f".{path.name}.compact.tmp")
    staged.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as conn:
        conn.execute("checkpoint")
        conn.execute(f"attach '{staged}' as compacted")
        source = conn.execute("select current_database()").fetchone()[0]
        conn.execute(f'copy from database "{source}" to compacted')
        conn.execute("detach compacted")
    os.replace(staged, path)
    for leftover in (path.with_name(path.name + ".wal"),):
        leftover.unlink(missing_ok=True)


def remove_tree_files(paths: Iterable[Path]) -> int:
    removed = 0
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed += 1
    return removed
