"""DuckDB-native readers: each stages a file's good rows in `_incoming` and its bad
rows in `_rejected (line, raw_text, reason)`, without a Python loop over rows
(only the few rejected rows are located in Python, see rejects.py)."""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from pathlib import Path

import duckdb

from ..sql import string_literal
from .contracts import FeedContract
from .landing import LandedFile, open_bytes, read_csv_header
from .rejects import records_at_lines, rejected_rows, store_rejected

log = logging.getLogger(__name__)

# Control characters that cannot occur unescaped in valid JSON, as a 4-byte
# sequence: it splits a JSONL file into whole lines without any quoting rules, and a
# line holding one of them alone is still read whole.
_LINE_DELIMITER = "\x1e\x1f\x1d\x1c"
_MAX_LINE_BYTES = 64 * 1024 * 1024


class UnreadableFileError(ValueError):
    """A file that cannot be read at all (no header, missing required columns, corrupt
    compression); the feed fails with this after its other files are loaded."""


def _reset_rejects(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("drop table if exists _rejects")
    conn.execute("drop table if exists _rejects_scan")


def stage_csv(conn: duckdb.DuckDBPyConnection, contract: FeedContract, landed: LandedFile, path: Path) -> None:
    try:
        header = read_csv_header(path)
    except (OSError, EOFError) as error:
        raise UnreadableFileError(f"{landed.shown}: cannot be read ({error})") from None
    if not header:
        raise UnreadableFileError(f"{landed.shown}: the file is empty or has no header row")
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise UnreadableFileError(
            f"duplicated column {', '.join(duplicated)} in {landed.shown}: each column may appear once in the header"
        )
    missing = [c for c in contract.required_columns if c not in header]
    if missing:
        raise UnreadableFileError(
            f"{landed.shown}: header is missing required column(s) {', '.join(missing)}"
        )
    # Integers are read as text: DuckDB's integer cast rounds "4.6" to 5, and a value
    # that is not a whole number must be quarantined, not changed.
    types = {c.name: "VARCHAR" if c.type == "integer" else c.duckdb_type for c in contract.columns}
    # Unknown extra columns are read as text and then left out of the raw table.
    columns = "{" + ", ".join(f"{string_literal(n)}: {string_literal(types.get(n, 'VARCHAR'))}" for n in header) + "}"
    _reset_rejects(conn)
    conn.execute(
        f"""
        create or replace temp table _read as
        select *, row_number() over () as _record_number
        from read_csv({string_literal(str(path))},
            header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
            columns = {columns}, store_rejects = true,
            rejects_table = '_rejects', rejects_scan = '_rejects_scan',
            max_line_size = {_MAX_LINE_BYTES})
        """
    )
    rejected = rejected_rows(conn, path, expected_columns=len(header))
    # An optional column the file does not have arrives as null.
    present = [c for c in contract.columns if c.name in header]
    # Rows DuckDB read but the contract refuses: each rule is (condition, reason), SQL.
    rules = [
        (
            f"""("{c.name}" is not null and (not regexp_full_match(trim("{c.name}"), '[+-]?[0-9]+')
                 or try_cast(trim("{c.name}") as BIGINT) is null))""",
            f"""'CAST: not a whole number in column "{c.name}": ' || "{c.name}\"""",
        )
        for c in present
        if c.type == "integer"
    ]
    if landed.extract_date is not None:
        limit = landed.extract_date + dt.timedelta(days=2)
        rules += [
            (
                f"""coalesce("{c.name}" >= timestamptz '{limit.isoformat()} 00:00:00+00', false)""",
                f"""'FUTURE: "{c.name}" ' || strftime(timezone('UTC', "{c.name}"), '%Y-%m-%dT%H:%M:%SZ')
                    || ' is later than the day after the extract date {landed.extract_date.isoformat()}'""",
            )
            for c in present
            if c.not_after_extract and c.type == "timestamp"
        ]
    refused = " or ".join(condition for condition, _ in rules) or "false"
    reason = " || '; ' || ".join(
        f"coalesce(case when {condition} then {text} end, '')" for condition, text in rules
    ) or "''"
    refused_rows = conn.execute(
        f"select _record_number, trim(both '; ' from {reason}) from _read where {refused}"
    ).fetchall()
    if refused_rows:
        rejected += records_at_lines(path, dict(refused_rows), {r.line for r in rejected})
    store_rejected(conn, sorted(rejected, key=lambda r: r.line))
    select_list = ", ".join(
        f'cast(null as {c.duckdb_type}) as "{c.name}"' if c not in present
        else f'timezone(\'UTC\', "{c.name}") as "{c.name}"' if c.type == "timestamp"
        else f'cast(trim("{c.name}") as BIGINT) as "{c.name}"' if c.type == "integer"
        else f'"{c.name}"'
        for c in contract.columns
    )
    # _read numbers the rows DuckDB accepted consecutively; only rows refused here leave
    # gaps to close, which takes a sort (half of this statement's time on a big file).
    numbered = "row_number() over (order by _record_number)" if refused_rows else "_record_number"
    conn.execute(
        f"""
        create or replace temp table _incoming as
        select {select_list},
               {string_literal(landed.key)} as _file,
               {_date_sql(landed)} as _extract_date,
               {numbered} as _record_number,
               now() as _loaded_at
        from _read
        where not ({refused})
        """
    )


def _date_sql(landed: LandedFile) -> str:
    return f"date '{landed.extract_date.isoformat()}'" if landed.extract_date else "current_date"


# Checks that an LRS makes before it accepts a statement (xAPI 1.0.3, section 2.2);
# the first failing one is the quarantine reason. Each statement is parsed once per kind
# of look-up below (DuckDB's JSON functions take a list of paths), not once per path.
_XAPI_TYPES = ("$", "$.actor", "$.verb", "$.object")
_XAPI_STRINGS = ("$.verb.id", "$.actor.objectType", "$.object.objectType", "$.object.id", "$.timestamp", "$.stored")
_XAPI_VALUES = ("$.actor.mbox", "$.actor.mbox_sha1sum", "$.actor.openid", "$.actor.account", "$.actor.member")


def _xapi_strings(contract: FeedContract) -> tuple[str, ...]:
    extra = tuple(f"$.{name}" for name in contract.not_after_extract_fields if f"$.{name}" not in _XAPI_STRINGS)
    return _XAPI_STRINGS + extra


def _paths_sql(paths: tuple[str, ...]) -> str:
    return "[" + ", ".join(string_literal(p) for p in paths) + "]"


def _xapi_lookups(contract: FeedContract) -> str:
    """The select list that parses each statement (column j) once per kind of look-up."""
    return (
        f"json_type(j, {_paths_sql(_XAPI_TYPES)}) as types, "
        f"json_extract_string(j, {_paths_sql(_xapi_strings(contract))}) as strings, "
        f"json_extract(j, {_paths_sql(_XAPI_VALUES)}) as found"
    )


def _xapi_reason(contract: FeedContract, landed: LandedFile) -> str:
    """The LRS checks, plus the contract's event times that cannot be later than the
    day after the file's extract date, on the columns of _xapi_lookups."""
    strings = _xapi_strings(contract)

    def kind(path: str) -> str:
        return f"types[{_XAPI_TYPES.index(path) + 1}]"

    def text(path: str) -> str:
        return f"strings[{strings.index(path) + 1}]"

    def found(path: str) -> str:
        return f"found[{_XAPI_VALUES.index(path) + 1}]"

    identified = " or ".join(f"{found(f'$.actor.{f}')} is not null" for f in ("mbox", "mbox_sha1sum", "openid", "account"))
    future = ""
    if landed.extract_date is not None:
        limit = landed.extract_date + dt.timedelta(days=2)
        future = "\n".join(
            f"""when try_cast({text(f'$.{name}')} as timestamptz) >= timestamptz '{limit.isoformat()} 00:00:00+00'
            then 'FUTURE: {name} ' || {text(f'$.{name}')}
                 || ' is later than the day after the extract date {landed.extract_date.isoformat()}'"""
            for name in contract.not_after_extract_fields
        )
    return rf"""
    case
        when j is null then 'line is not valid JSON'
        -- DuckDB's parser is lenient: outside string literals, a trailing comma or a
        -- NaN / Infinity is not RFC 8259 JSON, and an LRS would reject it. Blanking the
        -- strings out costs most of the checks' time, so only a line that holds one of
        -- them anywhere is searched that way.
        when case
                when regexp_matches(line, ',\s*[}}\]]|NaN|Infinity')
                    then regexp_matches(
                        regexp_replace(line, '"(?:[^"\\]|\\.)*"', '""', 'g'),
                        ',\s*[}}\]]|(^|[^A-Za-z0-9_"])(NaN|-?Infinity)([^A-Za-z0-9_]|$)')
                else false
            end
            then 'line is not valid JSON'
        when {kind('$')} <> 'OBJECT' then 'line is not a JSON object'
        when coalesce({kind('$.actor')}, 'NULL') = 'NULL' then 'statement has no actor'
        when coalesce({kind('$.verb')}, 'NULL') = 'NULL' then 'statement has no verb'
        when coalesce({kind('$.object')}, 'NULL') = 'NULL' then 'statement has no object'
        when {text('$.verb.id')} is null then 'verb has no id'
        when coalesce({text('$.actor.objectType')}, 'Agent') = 'Agent'
             and not ({identified})
            then 'agent has no identifier (mbox, mbox_sha1sum, openid or account)'
        when {text('$.actor.objectType')} = 'Group'
             and not ({identified}) and {found('$.actor.member')} is null
            then 'anonymous group has no members'
        when coalesce({text('$.object.objectType')}, 'Activity') = 'Activity'
             and {text('$.object.id')} is null then 'activity object has no id'
        when {text('$.object.objectType')} = 'StatementRef'
             and {text('$.object.id')} is null then 'StatementRef has no id'
        when {text('$.timestamp')} is not null
             and try_cast({text('$.timestamp')} as timestamptz) is null
            then 'unparseable timestamp: ' || {text('$.timestamp')}
        when {text('$.stored')} is not null
             and try_cast({text('$.stored')} as timestamptz) is null
            then 'unparseable stored: ' || {text('$.stored')}
        {future}
    end
"""


def stage_jsonl(conn: duckdb.DuckDBPyConnection, contract: FeedContract, landed: LandedFile, path: Path) -> None:
    _reset_rejects(conn)
    conn.execute(
        f"""
        create or replace temp table _read as
        select row_number() over () as ordinal, line
        from read_csv({string_literal(str(path))},
            header = false, auto_detect = false, delim = {string_literal(_LINE_DELIMITER)},
            quote = '', escape = '', columns = {{'line': 'VARCHAR'}},
            store_rejects = true, rejects_table = '_rejects', rejects_scan = '_rejects_scan',
            max_line_size = {_MAX_LINE_BYTES})
        """
    )
    # Lines the reader itself rejected (rare: a line with the separator character, or
    # longer than the limit) leave gaps: the good lines' numbers are the complement.
    store_rejected(conn, rejected_rows(conn, path, expected_columns=None))
    conn.execute(
        """
        create or replace temp table _lines as
        with all_lines as (
            select range + 1 as line_number
            from range((select count(*) from _read) + (select count(*) from _rejected))
        ),
        good_lines as (
            select line_number, row_number() over (order by line_number) as ordinal
            from all_lines where line_number not in (select line from _rejected)
        )
        select g.line_number, r.line from _read r join good_lines g using (ordinal)
        """
    )
    conn.execute(
        f"""
        create or replace temp table _checked as
        select line_number, line, {_xapi_reason(contract, landed)} as reason
        from (
            select line_number, line, j, {_xapi_lookups(contract)}
            from (
                select line_number, line, case when json_valid(line) then line::json end as j
                from _lines where line is not null and not regexp_full_match(line, '[[:space:]]*')
            )
        )
        """
    )
    # Statements without an id get a deterministic one from their content, shaped as a UUID.
    conn.execute(
        f"""
        create or replace temp table _incoming as
        select coalesce(json_extract_string(line, '$.id'), (
                   select substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-' || substr(h, 13, 4)
                          || '-' || substr(h, 17, 4) || '-' || substr(h, 21, 12)
                   from (select md5(line) as h))) as statement_id,
               line as statement,
               {string_literal(landed.key)} as _file,
               {_date_sql(landed)} as _extract_date,
               line_number as _line_number,
               now() as _loaded_at
        from _checked where reason is null
        """
    )
    conn.execute("insert into _rejected select line_number, line, reason from _checked where reason is not null")


def stage(conn: duckdb.DuckDBPyConnection, contract: FeedContract, landed: LandedFile) -> None:
    """Stage a landed file's good rows in `_incoming` and its bad rows in `_rejected`.
    A file whose line endings are mixed (DuckDB's strict reader gives up on it) is read
    from a copy with consistent ones; its quarantine lines still point into the original."""
    reader = stage_jsonl if contract.format == "jsonl" else stage_csv
    try:
        reader(conn, contract, landed, landed.path)
    except duckdb.Error as error:
        if not is_line_ending_problem(error):
            raise
        log.warning("%s: mixed line endings; reading a copy with consistent ones", landed.shown)
        with tempfile.TemporaryDirectory(prefix="impact-ingest-") as tmp:
            reader(conn, contract, landed, normalise_line_endings(landed.path, Path(tmp) / "normalised"))


def is_line_ending_problem(error: Exception) -> bool:
    """DuckDB's strict reader gives up on a file whose line endings are mixed."""
    return isinstance(error, duckdb.InvalidInputException) and "invalid state" in str(error)


def normalise_line_endings(source: Path, target: Path) -> Path:
    """A plain copy with CRLF turned into LF and a lone CR into a space. The number of
    lines stays the same, so quarantine line numbers still point into the original."""
    with open_bytes(source) as src, open(target, "wb") as dst:
        held_cr = False
        for chunk in iter(lambda: src.read(1 << 20), b""):
            if held_cr:
                chunk, held_cr = b"\r" + chunk, False
            if chunk.endswith(b"\r"):
                chunk, held_cr = chunk[:-1], True
            dst.write(chunk.replace(b"\r\n", b"\n").replace(b"\r", b" "))
        if held_cr:
            dst.write(b" ")
    return target
