"""DuckDB-native readers: each stages a file's good rows in `_incoming` and its bad
rows in `_rejected (line, raw_text, reason)`, without a Python loop over rows (only
rejected rows are located in Python, a page at a time, see rejects.py).

Memory stays bounded whatever the file holds. DuckDB keeps about 1 KB per reader error
outside its memory limit (one error per missing column of a row), so a file is read
with `store_rejects` only when it cannot hold more than _MAX_READER_ERRORS of them:
a file whose lines could be that many bad rows is first read without (`ignore_errors`,
which keeps nothing), and when the lines that are not accepted rows are still too many,
`prepare.screen` sets the rows with the wrong number of columns or broken quoting aside
in Python before DuckDB reads the rest.

Bytes that are not UTF-8 are replaced by U+FFFD (a copy of the file, `prepare.repair_utf8`):
in a CSV's key column they quarantine the row, elsewhere the row is loaded and a
`REPLACED:` note (`_notes`, see ledger.record_quarantine) and a warning say where."""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa

from ..sql import string_literal
from . import prepare
from .contracts import FeedContract
from .landing import LandedFile, open_bytes, read_csv_header
from .rejects import RejectedRow, create_rejected, refused_rows, rejected_rows, store_rejected

log = logging.getLogger(__name__)

# Control characters that cannot occur unescaped in valid JSON, as a 4-byte
# sequence: it splits a JSONL file into whole lines without any quoting rules, and a
# line holding one of them alone is still read whole.
_LINE_DELIMITER = "\x1e\x1f\x1d\x1c"
_MAX_LINE_BYTES = 64 * 1024 * 1024
# Reader errors one `store_rejects` read may have to keep (about 1 KB each, beside
# DuckDB's memory limit): a few hundred MB.
_MAX_READER_ERRORS = 250_000
# Above how many possible reader errors a file's malformed rows are screened out in
# Python first (the same bound; tests lower it to screen every file).
_SCREEN_ABOVE_ERRORS = _MAX_READER_ERRORS
# Lines named in a note or a warning.
_LINES_SHOWN = 10


class UnreadableFileError(ValueError):
    """A file that cannot be read at all (no header, missing required columns, corrupt
    compression); the feed fails with this after its other files are loaded."""


def _reset_rejects(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("drop table if exists _rejects")
    conn.execute("drop table if exists _rejects_scan")


def _empty_rejects(conn: duckdb.DuckDBPyConnection) -> None:
    _reset_rejects(conn)
    conn.execute(
        "create temp table _rejects (line_byte_position ubigint, error_type varchar, error_message varchar, column_name varchar)"
    )


def reset_staging(conn: duckdb.DuckDBPyConnection) -> None:
    """Empty staging tables for a file: its rejected rows, its notes (rows loaded with a
    remark, which are not rejected: see ledger.record_quarantine) and the lines whose
    bytes were repaired."""
    create_rejected(conn)
    conn.execute(
        """create or replace temp table _notes (line bigint, raw_text varchar, reason varchar);
           create or replace temp table _replaced_lines (line bigint)"""
    )


def _repair(conn: duckdb.DuckDBPyConnection, landed: LandedFile, path: Path, target: Path) -> Path:
    """A copy of the file with its bytes that are not UTF-8 replaced by U+FFFD; the lines
    that held them go to `_replaced_lines`."""

    def replaced(lines: list[int]) -> None:
        conn.register("_lines_batch", pa.table({"line": pa.array(lines, pa.int64())}))
        try:
            conn.execute("insert into _replaced_lines select line from _lines_batch")
        finally:
            conn.unregister("_lines_batch")

    count = prepare.repair_utf8(path, target, replaced)
    log.info("%s: %d line(s) hold bytes that are not UTF-8; reading a copy with U+FFFD in their place", landed.shown, count)
    return target


def _read_csv(conn: duckdb.DuckDBPyConnection, path: Path, columns: str, rejects: bool, target: str = "_read") -> None:
    """The file's rows DuckDB accepts, numbered, in `target`; with `rejects`, the errors
    of the others in `_rejects`."""
    if rejects:
        _reset_rejects(conn)
        options = "store_rejects = true, rejects_table = '_rejects', rejects_scan = '_rejects_scan'"
    else:
        options = "ignore_errors = true"
    conn.execute(
        f"""
        create or replace temp table {target} as
        select *, row_number() over () as _record_number
        from read_csv({string_literal(str(path))},
            header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
            columns = {columns}, {options},
            max_line_size = {_MAX_LINE_BYTES})
        """
    )


def _lines_of_accepted_rows(conn: duckdb.DuckDBPyConnection, text_columns: list[str]) -> int:
    """The non-empty physical lines `_read`'s rows take: one each, and one more for each
    line break inside a quoted value that a non-empty line follows."""
    extra = " + ".join(
        f"""coalesce(case when contains("{name}", chr(10)) then
                len(string_split("{name}", chr(10))) - 1
                - len(list_filter(string_split("{name}", chr(10))[2:-2], lambda x: x = '' or x = chr(13))) end, 0)"""
        for name in text_columns
    ) or "0"
    return conn.execute(f"select count(*) + coalesce(sum({extra}), 0) from _read").fetchone()[0]


def _read_bounded(
    conn: duckdb.DuckDBPyConnection, landed: LandedFile, path: Path, columns: str, expected_columns: int,
    data_lines: int, text_columns: list[str], workdir: Path,
) -> Path:
    """`_read` and `_rejects` for a CSV file, with no more than _MAX_READER_ERRORS reader
    errors kept on the way. Returns the file `_rejects`' positions point into (the file
    itself, or its screened copy: same lines)."""
    if data_lines * expected_columns <= _SCREEN_ABOVE_ERRORS:
        _read_csv(conn, path, columns, rejects=True)
        return path
    # A big file: what DuckDB accepts first, keeping no errors. Its non-empty lines that
    # accepted rows do not take bound the rejected rows; with none left there was no
    # error, and this read is the `store_rejects` read (the two differ only after one).
    _read_csv(conn, path, columns, rejects=False)
    accepted = conn.execute("select count(*) from _read").fetchone()[0]
    rest = data_lines - (accepted if accepted >= data_lines else _lines_of_accepted_rows(conn, text_columns))
    if rest <= 0:
        _empty_rejects(conn)
        return path
    if rest * expected_columns <= _SCREEN_ABOVE_ERRORS:
        _read_csv(conn, path, columns, rejects=True)
        return path
    screened_path = workdir / "screened.csv"
    screened, screened_lines = prepare.screen(
        path, screened_path, expected_columns,
        lambda rows: store_rejected(conn, (RejectedRow(r.line, r.raw_text, r.reason) for r in rows)),
    )
    log.warning(
        "%s: %d row(s) (of %d lines) have the wrong number of columns or broken quoting; set aside before DuckDB reads the rest",
        landed.shown, screened, data_lines,
    )
    rest -= screened_lines
    if rest * expected_columns > _MAX_READER_ERRORS:
        raise UnreadableFileError(
            f"{landed.shown}: {rest} of its {data_lines} lines are neither rows the reader accepts nor rows it can set "
            "aside one by one (quoting that does not close?); the file does not look like an extract of this feed. "
            "Fix the file and re-deliver it"
        )
    # DuckDB's `ignore_errors` read skips a little more than its `store_rejects` read after
    # some quoting errors, never less: every row it accepted must still be there, as it
    # was, after screening (a row screening took for two would not be).
    _read_csv(conn, screened_path, columns, rejects=True, target="_read_screened")
    lost = conn.execute(
        """select count(*) from (select * exclude (_record_number) from _read
                                 except all select * exclude (_record_number) from _read_screened)"""
    ).fetchone()[0]
    conn.execute("create or replace temp table _read as select * from _read_screened")
    conn.execute("drop table _read_screened")
    if lost:
        raise UnreadableFileError(
            f"{landed.shown}: {screened} of its {data_lines} lines are malformed rows, and without them the reader "
            "does not read the other rows as it does with them (quoting that spans lines?). Fix the file and re-deliver it"
        )
    return screened_path


def stage_csv(
    conn: duckdb.DuckDBPyConnection, contract: FeedContract, landed: LandedFile, path: Path, workdir: Path | None = None
) -> None:
    reset_staging(conn)
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
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="impact-ingest-") as tmp:
            return stage_csv(conn, contract, landed, path, Path(tmp))
    # Integers are read as text: DuckDB's integer cast rounds "4.6" to 5, and a value
    # that is not a whole number must be quarantined, not changed.
    types = {c.name: "VARCHAR" if c.type == "integer" else c.duckdb_type for c in contract.columns}
    # Unknown extra columns are read as text and then left out of the raw table.
    columns = "{" + ", ".join(f"{string_literal(n)}: {string_literal(types.get(n, 'VARCHAR'))}" for n in header) + "}"
    try:
        found = prepare.survey(path)
    except (OSError, EOFError) as error:
        raise UnreadableFileError(f"{landed.shown}: cannot be read ({error})") from None
    repaired = not found.utf8
    if repaired:
        path = _repair(conn, landed, path, workdir / "repaired.csv")
    text_columns = [n for n in header if types.get(n, "VARCHAR") == "VARCHAR"]
    source = _read_bounded(conn, landed, path, columns, len(header), max(found.lines - 1, 0), text_columns, workdir)
    store_rejected(conn, rejected_rows(conn, source, expected_columns=len(header)))
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
    if repaired:
        # A key that held bytes that are not UTF-8 is not the key any more: the row is
        # quarantined (in any other column the replacement character is loaded).
        rules += [
            (
                f'contains(coalesce("{name}", \'\'), {string_literal(prepare.REPLACEMENT)})',
                string_literal(f'INVALID ENCODING: bytes that are not UTF-8 in key column "{name}"'),
            )
            for name in contract.key
            if name in header and types.get(name) == "VARCHAR"
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
    any_refused = rules and conn.execute(f"select count(*) from _read where {refused}").fetchone()[0] > 0
    if any_refused:
        conn.execute(
            f"""create or replace temp table _refused as
                select _record_number as ordinal, trim(both '; ' from {reason}) as reason from _read where {refused}"""
        )
        store_rejected(conn, refused_rows(conn, source))
    select_list = ", ".join(
        f'cast(null as {c.duckdb_type}) as "{c.name}"' if c not in present
        else f'timezone(\'UTC\', "{c.name}") as "{c.name}"' if c.type == "timestamp"
        else f'cast(trim("{c.name}") as BIGINT) as "{c.name}"' if c.type == "integer"
        else f'"{c.name}"'
        for c in contract.columns
    )
    # _read numbers the rows DuckDB accepted consecutively; only rows refused here leave
    # gaps to close, which takes a sort (half of this statement's time on a big file).
    numbered = "row_number() over (order by _record_number)" if any_refused else "_record_number"
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
    if repaired:
        _note_replacements(conn, contract, landed, [c.name for c in present if c.duckdb_type == "VARCHAR"])


def _note_replacements(conn: duckdb.DuckDBPyConnection, contract: FeedContract, landed: LandedFile, text_columns: list[str]) -> None:
    """Rows loaded with U+FFFD in place of bytes that are not UTF-8: a warning naming the
    file, the rows and the columns, and one `REPLACED:` note for the quarantine table
    (not a rejected row: the rows are loaded)."""
    columns = [name for name in text_columns if name not in contract.key]
    if not columns:
        return
    marker = string_literal(prepare.REPLACEMENT)
    counts = conn.execute(
        "select count(*) filter (where " + " or ".join(f'contains("{n}", {marker})' for n in columns) + "), "
        + ", ".join(f'count(*) filter (where contains("{n}", {marker}))' for n in columns)
        + " from _incoming"
    ).fetchone()
    rows, per_column = counts[0], {n: c for n, c in zip(columns, counts[1:]) if c}
    if not rows:
        return
    lines = [r[0] for r in conn.execute(
        f"""select line from _replaced_lines where line not in (select line from _rejected)
            order by line limit {_LINES_SHOWN + 1}"""
    ).fetchall()]
    shown = ", ".join(str(line) for line in lines[:_LINES_SHOWN]) + (", ..." if len(lines) > _LINES_SHOWN else "")
    where = ", ".join(f"{name} ({count} row(s))" for name, count in per_column.items())
    text = (
        f"REPLACED: {rows} row(s) loaded with U+FFFD (the replacement character) in place of bytes that are not "
        f"UTF-8, in {where}; lines {shown}. Not rejected: counted as loaded"
    )
    log.warning("%s: %d row(s) loaded with U+FFFD in place of bytes that are not UTF-8, in %s; lines %s",
                landed.shown, rows, where, shown)
    conn.execute("insert into _notes values (?, null, ?)", [lines[0] if lines else 0, text])


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


def stage_jsonl(
    conn: duckdb.DuckDBPyConnection, contract: FeedContract, landed: LandedFile, path: Path, workdir: Path | None = None
) -> None:
    reset_staging(conn)
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="impact-ingest-") as tmp:
            return stage_jsonl(conn, contract, landed, path, Path(tmp))
    # A line with bytes that are not UTF-8 is read from a repaired copy (the reader would
    # keep an error for each such line) and quarantined below: a statement's text is all
    # one value, and which of its fields the bytes are in is not worth a JSON parser here.
    try:
        if not prepare.survey(path, count_lines=False).utf8:
            path = _repair(conn, landed, path, workdir / "repaired.jsonl")
    except (OSError, EOFError) as error:
        raise UnreadableFileError(f"{landed.shown}: cannot be read ({error})") from None
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
        select line_number, line,
               case when line_number in (select line from _replaced_lines)
                   then 'INVALID ENCODING: the line holds bytes that are not UTF-8 (U+FFFD in their place here)'
                   else {_xapi_reason(contract, landed)} end as reason
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
    """Stage a landed file's good rows in `_incoming` and its bad rows in `_rejected`
    (and, in `_notes`, remarks on rows loaded anyway). A file whose line endings are
    mixed (DuckDB's strict reader gives up on it) is read from a copy with consistent
    ones; its quarantine lines still point into the original, as those of every copy
    made on the way (repaired, screened) do."""
    reader = stage_jsonl if contract.format == "jsonl" else stage_csv
    with tempfile.TemporaryDirectory(prefix="impact-ingest-") as tmp:
        workdir = Path(tmp)
        try:
            reader(conn, contract, landed, landed.path, workdir)
        except duckdb.Error as error:
            if not is_line_ending_problem(error):
                raise
            log.warning("%s: mixed line endings; reading a copy with consistent ones", landed.shown)
            reader(conn, contract, landed, normalise_line_endings(landed.path, workdir / "normalised"), workdir)


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
