"""A suite validated against the warehouse: DuckDB builds a frame, GX validates it.

Validation runs GX's pandas engine on a frame that DuckDB builds with only the columns
the suite needs (plus any `derived_columns`, SQL expressions that let a suite check
cross-column rules such as formulas or overlapping intervals). Schema expectations (the
table's column set) run on a zero-row frame, so that checking a wide table's columns
never loads its rows. Uniqueness runs on the rows whose key DuckDB finds duplicated.
Row-by-row rules run on chunks of CHUNK_ROWS rows, their counts added up. A
raw table's suite, or one with a `changed_rows_column`, audits its row rules on the rows
written since it last passed (its watermark, in raw._audited_through), looks for
duplicated keys among the keys those rows hold, and decides its plausibility rules on
the whole table's share: GX sees the new rows, DuckDB counts the rest in one scan
(whole-table invariants in SQL, not columns loaded into pandas). The watermark holds
only for the expectations it was earned with: a suite whose expectations changed
audits its whole table again.

Each validation is named by the Dagster run that ran it, kept in a file-backed GX
context under the data dir, and shown in Data Docs that work offline (data_docs.py).
No Dagster here: checks.py wraps this as asset checks."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from ..ingest import ledger
from ..settings import Settings
from ..sql import string_literal
from . import data_docs
from .suites import LEDGER_ROWS, SCHEMA_EXPECTATIONS, SuiteSpec, plausibility_rule

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

_SETTING = re.compile(r"^\$settings\.(\w+)$")
KEEP_RESULTS = 60


@dataclass
class SuiteOutcome:
    success: bool
    evaluated: int
    failures: list[dict[str, Any]]
    flagged: list[dict[str, Any]] = field(default_factory=list)  # per plausibility rule, pass or fail
    page: Path | None = None  # the validation's Data Docs page
    rows_audited: int = 0  # by the row rules and keys (the whole table, or the rows written since)
    audited_since: str | None = None  # the last pass's newest row, when only newer rows were audited


# --------------------------------------------------------------------------- a suite's expectations, for this run


def _resolve(value: Any, settings: Settings, ledger_rows: int | None) -> Any:
    if isinstance(value, str):
        if value == LEDGER_ROWS:
            return ledger_rows
        match = _SETTING.match(value)
        if match:
            return getattr(settings, match.group(1))
    return value


def with_tolerance(expectation: dict[str, Any], tolerance: float) -> dict[str, Any]:
    """A plausibility rule passes while at most `tolerance` of rows break it (GX's
    `mostly`), unless the suite file sets its own `mostly`."""
    if not plausibility_rule(expectation) or "mostly" in expectation.get("kwargs", {}):
        return expectation
    return {**expectation, "kwargs": {**expectation.get("kwargs", {}), "mostly": 1 - tolerance}}


def _configured(expectations: list[dict[str, Any]], settings: Settings, ledger_rows: int | None) -> list[dict[str, Any]]:
    return [
        with_tolerance(
            {**e, "kwargs": {k: _resolve(v, settings, ledger_rows) for k, v in e.get("kwargs", {}).items()}},
            settings.row_rule_tolerance,
        )
        for e in expectations
    ]


def _quote(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


# --------------------------------------------------------------------------- which rows: all, or those written since the last pass

# Per suite with a changed_rows_column: the newest row (by that column) it has passed on.
# A failed audit leaves it, so the rows it failed on are audited again next run.
AUDITED = "raw._audited_through"


@dataclass
class Scope:
    """The rows a suite audits this run: those written after `since` (None: all), by the
    table's changed_rows_column, or (raw) by the ledger's loaded_at of their file."""

    column: str
    since: str | None  # the column's value (or the ledger's loaded_at), as DuckDB text
    through: str | None  # the newest one now: the watermark after a pass
    column_type: str = "TIMESTAMP"
    feed: str | None = None  # raw: the feed whose ledger entries say which files are new
    expectations_sha256: str = ""  # what a pass is earned under, kept beside the watermark

    def changed(self, alias: str) -> str:
        if self.since is None:
            return "true"
        if self.feed:
            return (
                f"{alias}._file in (select file from {ledger.LEDGER} where feed = '{self.feed}' "
                f"and loaded_at > cast('{self.since}' as timestamptz))"
            )
        return f"{alias}.{_quote(self.column)} > cast('{self.since}' as {self.column_type})"


def _expectations_digest(suite: SuiteSpec) -> str:
    return hashlib.sha256(json.dumps(suite.expectations, sort_keys=True, default=str).encode()).hexdigest()


def _scope(conn: duckdb.DuckDBPyConnection, suite: SuiteSpec) -> Scope | None:
    if not (suite.changed_rows_column or suite.audits_new_files):
        return None
    conn.execute(
        f"create schema if not exists raw; "
        f"create table if not exists {AUDITED} (suite varchar, audited_through varchar, audited_at timestamptz); "
        f"alter table {AUDITED} add column if not exists expectations_sha256 varchar"
    )
    # A pass says nothing of an expectation added or changed since: older rows were never
    # audited under it (a watermark from before this column holds no digest either).
    digest = _expectations_digest(suite)
    since = conn.execute(
        f"select audited_through from {AUDITED} where suite = ? and expectations_sha256 = ?", [suite.name, digest]
    ).fetchall()
    since = since[0][0] if since else None
    if suite.audits_new_files:
        ledger.ensure_tables(conn)
        (through,) = conn.execute(
            f"select cast(max(loaded_at) as varchar) from {ledger.LEDGER} where feed = ?", [suite.feed]
        ).fetchall()[0]
        return Scope("_file", since, through, feed=suite.feed, expectations_sha256=digest)
    column = suite.changed_rows_column
    through, column_type = conn.execute(
        f"select cast(max({_quote(column)}) as varchar), any_value(typeof({_quote(column)})) from {suite.table}"
    ).fetchall()[0]
    return Scope(column, since, through, column_type or "TIMESTAMP", expectations_sha256=digest)


def _record_pass(conn: duckdb.DuckDBPyConnection, suite: SuiteSpec, scope: Scope | None) -> None:
    if scope is None or scope.through is None:
        return
    conn.execute(f"delete from {AUDITED} where suite = ?", [suite.name])
    conn.execute(
        f"insert into {AUDITED} (suite, audited_through, audited_at, expectations_sha256) values (?, ?, now(), ?)",
        [suite.name, scope.through, scope.expectations_sha256],
    )


UNIQUENESS = {"expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"}


def _duplicated_keys(suite: SuiteSpec, scope: Scope | None) -> str:
    """The rows whose key (under any of the suite's uniqueness expectations) another row
    shares, found by DuckDB over the whole table: GX then sees only those rows, and
    fails exactly when the whole table has a duplicate, without loading its keys.

    Since a pass, only keys of the rows written after it are grouped: a duplicate among
    older rows alone was there at that pass, which then failed and kept its watermark."""
    tests = []
    for columns in suite.unique_column_lists():
        listed = ", ".join(_quote(c) for c in columns)

        def same(a: str, b: str, columns: list[str] = columns) -> str:
            return " and ".join(f"{a}.{_quote(c)} is not distinct from {b}.{_quote(c)}" for c in columns)

        candidates = f"{suite.table} as candidate"
        if scope is not None and scope.since is not None:
            candidates += (
                f" where exists (select 1 from {suite.table} as touched "
                f"where {scope.changed('touched')} and {same('touched', 'candidate')})"
            )
        tests.append(
            f"exists (select 1 from (select {listed} from {candidates} group by {listed} having count(*) > 1) "
            f"as duplicated where {same('duplicated', 'audited')})"
        )
    return " or ".join(tests) or "false"


@dataclass
class _Frame:
    suffix: str  # of the validation's name
    expectations: list[dict]
    chunks: Any  # an iterable of DataFrames
    # The rows GX does not see, counted by DuckDB: (type, column) -> GX-shaped counts.
    rest: dict[tuple[str, str], dict[str, Any]] | None = None


def _frames(conn: duckdb.DuckDBPyConnection, suite: SuiteSpec, settings: Settings) -> tuple[list[_Frame], Scope | None]:
    """The frames to validate, each holding only the columns its expectations need: the
    schema's on zero rows; the keys' on the rows whose key is duplicated (DuckDB finds
    them); a suite with a changed_rows_column (or a raw table's) runs its row rules on
    the rows written since its last pass, and its plausibility rules (a share of the
    whole table) on those rows too, with DuckDB counting the rest of the table (on the
    whole table, at a first pass or for a rule without SQL); any other suite runs its
    rules on the whole table."""
    scope = _scope(conn, suite)
    since = scope.since if scope else None
    ledger_rows = ledger.rows_loaded(conn, suite.feed, since) if suite.counts_ledger_rows() else None
    configured = _configured(suite.expectations, settings, ledger_rows)
    schema_exps = [e for e in configured if e["type"] in SCHEMA_EXPECTATIONS]
    data_exps = [e for e in configured if e["type"] not in SCHEMA_EXPECTATIONS]
    key_exps = [e for e in data_exps if e["type"] in UNIQUENESS]
    whole_table_exps = [e for e in data_exps if scope and plausibility_rule(e)]
    data_exps = [e for e in data_exps if e not in key_exps and e not in whole_table_exps]
    frames = []
    changed = scope.changed("audited") if scope else "true"
    if schema_exps:
        frames.append(_Frame("__schema", schema_exps, [conn.execute(f"select * from {suite.table} limit 0").df()]))
    if key_exps:
        frames.append(_Frame("__keys", key_exps, [_select(conn, suite, key_exps, _duplicated_keys(suite, scope))]))
    if since is not None and _countable(whole_table_exps):
        frames.append(_Frame("__rules", whole_table_exps, _chunks(conn, suite, whole_table_exps, changed),
                             rest=_count_the_rest(conn, suite, whole_table_exps, changed)))
    elif whole_table_exps:
        frames.append(_Frame("__rules", whole_table_exps, _chunks(conn, suite, whole_table_exps, "true")))
    row_by_row = [e for e in data_exps if _row_by_row([e])]
    counted = [e for e in data_exps if e not in row_by_row]
    if row_by_row:
        frames.append(_Frame("", row_by_row, _chunks(conn, suite, row_by_row, changed)))
    if counted:  # e.g. the rows loaded against the ledger's count: on one frame, its narrow columns only
        frames.append(_Frame("__counts", counted, [_select(conn, suite, counted, changed)]))
    return frames, scope


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return string_literal(str(value))


def _flags_sql(expectation: dict[str, Any]) -> str | None:
    """The rows a plausibility rule flags, as SQL, for the kinds of rule that have one
    (GX's `expect_column_values_to_be_in_set`: a present value outside the set)."""
    kwargs = expectation.get("kwargs", {})
    values = kwargs.get("value_set")
    if expectation["type"] != "expect_column_values_to_be_in_set" or not values or None in values:
        return None
    column = _quote(kwargs["column"])
    return f"({column} is not null and {column} not in ({', '.join(_literal(v) for v in values)}))"


def _countable(expectations: list[dict[str, Any]]) -> bool:
    """Rules that DuckDB can count, each found again in GX's results by (type, column)."""
    keys = {(e["type"], e.get("kwargs", {}).get("column")) for e in expectations}
    return bool(expectations) and len(keys) == len(expectations) and all(_flags_sql(e) for e in expectations)


def _count_the_rest(
    conn: duckdb.DuckDBPyConnection, suite: SuiteSpec, expectations: list[dict], changed: str
) -> dict[tuple[str, str], dict[str, Any]]:
    """Each plausibility rule's counts over the rows GX does not see (those not changed
    since the last pass), in one scan, with the first few flagged rows named."""
    rest = f"{suite.table} as audited where not coalesce(({changed}), false)"
    counts = []
    for e in expectations:
        counts += [f"count(*) filter (where {_quote(e['kwargs']['column'])} is null)",
                   f"count(*) filter (where {_flags_sql(e)})"]
    totals = conn.execute(f"select count(*), {', '.join(counts)} from {rest}").fetchall()[0]
    counted = {}
    for i, e in enumerate(expectations):
        column, flagged = e["kwargs"]["column"], totals[2 + 2 * i]
        named = [_quote(column)] + ([_quote(suite.row_key)] if suite.row_key else [])
        first = conn.execute(
            f"select {', '.join(named)} from {rest} and {_flags_sql(e)} limit 20"
        ).fetchall() if flagged else []
        counted[(e["type"], column)] = {
            "element_count": totals[0],
            "missing_count": totals[1 + 2 * i],
            "unexpected_count": flagged,
            "partial_unexpected_list": [row[0] for row in first],
            "partial_unexpected_index_list": [{suite.row_key: row[1]} for row in first] if suite.row_key else [],
        }
    return counted


def _select_sql(suite: SuiteSpec, expectations: list[dict], where: str) -> str:
    selected = [_quote(c) for c in suite.needed_columns(expectations)]
    selected += [f"{expr} as {_quote(name)}" for name, expr in suite.derived_columns.items()]
    return f"select {', '.join(selected) or '1 as _row'} from {suite.table} as audited where {where}"


def _select(conn: duckdb.DuckDBPyConnection, suite: SuiteSpec, expectations: list[dict], where: str):
    return conn.execute(_select_sql(suite, expectations, where)).df()


# Rows per GX validation of a frame of row-by-row rules. GX's pandas engine needs several
# times a frame's memory (4.7 M incidents took 3.3 GB for a 0.4 GB frame), so a first
# run over a long history is validated in chunks whose results are added up.
CHUNK_ROWS = 1_000_000
_ROW_BY_ROW = ("expect_column_values_", "expect_column_pair_values_")


def _row_by_row(expectations: list[dict]) -> bool:
    """Whether each row passes or fails on its own (not uniqueness, not row counts), so
    that chunks can be validated apart and their counts added."""
    return all(e["type"].startswith(_ROW_BY_ROW) and e["type"] not in UNIQUENESS for e in expectations)


def _chunks(conn: duckdb.DuckDBPyConnection, suite: SuiteSpec, expectations: list[dict], where: str):
    """The frame, whole; or, for row-by-row rules, in chunks of about CHUNK_ROWS rows,
    each read only when the one before has been validated."""
    if not _row_by_row(expectations):
        yield _select(conn, suite, expectations, where)
        return
    result = conn.execute(_select_sql(suite, expectations, where))
    vectors = max(1, CHUNK_ROWS // 2048)  # DuckDB hands out rows by vectors of 2,048
    frame = result.fetch_df_chunk(vectors)
    yield frame  # even with no rows: the rules still run, on none
    while len(frame := result.fetch_df_chunk(vectors)):
        yield frame


# --------------------------------------------------------------------------- GX


_CONTEXTS: dict[Path, Any] = {}


def gx_context(data_dir: Path):
    """A file-backed GX context under the data dir, so that validation results
    accumulate. One per process and data dir: opening it costs more than most
    validations. (Data Docs are rendered by data_docs.py: GX's own site needs the
    network for its scripts.)"""
    if data_dir in _CONTEXTS:
        return _CONTEXTS[data_dir]
    import great_expectations as gx

    root = str(data_dir / "gx")
    context = gx.get_context(mode="file", project_root_dir=root)
    if context.variables.config_variables_file_path:
        # GX parses config_variables.yml again at every look-up of a store's name, some
        # 40 per suite. The pipeline keeps no variables there: the project names no such
        # file, and the context is opened again, since it reads the setting when opened.
        context.variables.config_variables_file_path = None
        context.variables.save()
        context = gx.get_context(mode="file", project_root_dir=root)
    context.variables.progress_bars = {"globally": False}
    _skip_frame_fingerprints()
    _CONTEXTS[data_dir] = context
    return context


def _skip_frame_fingerprints() -> None:
    """GX's pandas engine hashes every frame under 1 GB it is given, row by row, for a
    fingerprint it only writes into the stored result's batch markers. Our frames are
    queries of the warehouse, named in the result by suite and run: the hash told nobody
    anything, and took a fifth of a nightly run's audit time on the `large` sample."""
    from great_expectations.execution_engine import pandas_execution_engine

    pandas_execution_engine.HASH_THRESHOLD = 0


def _forget_batches(context) -> None:
    """GX's execution engine keeps every batch's frame it was given, for as long as the
    context lives (here, the process): release them once validated, so that memory holds
    one chunk at a time, not the last frame of every suite. GX has no public way to
    release them: dropping the datasource after each suite frees them too, but rewrites
    great_expectations.yml as each suite adds it back (docs/upgrading.md: 45 % more of
    the audits' CPU time)."""
    batches = context.data_sources.get(DATASOURCE).get_execution_engine().batch_manager
    batches.batch_data_cache.clear()
    batches.reset_batch_cache()


DATASOURCE = "warehouse"


def _validation_definition(context, name: str, expectations: list[dict[str, Any]]):
    import great_expectations as gx

    try:
        source = context.data_sources.get(DATASOURCE)
    except (KeyError, ValueError):
        source = context.data_sources.add_pandas(DATASOURCE)
    try:
        asset = source.get_asset(name)
    except LookupError:
        asset = source.add_dataframe_asset(name=name)
    try:
        batch_definition = asset.get_batch_definition("whole_table")
    except (KeyError, ValueError, LookupError):
        batch_definition = asset.add_batch_definition_whole_dataframe("whole_table")
    suite = context.suites.add_or_update(gx.ExpectationSuite(name=name, expectations=expectations))
    return context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
    )


def prune_results(data_dir: Path, suite_names: list[str], keep: int = KEEP_RESULTS) -> None:
    """Keep each suite's newest results (and their Data Docs pages): a nightly run adds
    one per suite, which would otherwise pile up for ever. Run folders are named by
    UTC time, so their names sort by age."""
    for root in (data_dir / "gx" / "gx" / "uncommitted" / "validations", data_dir / "data_docs" / "validations"):
        for name in suite_names:
            runs = sorted(p for p in (root / name).glob("*/*") if p.is_dir())
            for old in runs[:-keep] if keep else runs:
                shutil.rmtree(old, ignore_errors=True)


# --------------------------------------------------------------------------- one expectation's result, read


def _sample_keys(suite: SuiteSpec, details: dict[str, Any]) -> list[str]:
    """The first offending rows, named by the suite's row key."""
    return [
        str(row.get(suite.row_key)) for row in (details.get("partial_unexpected_index_list") or [])[:5]
        if isinstance(row, dict)
    ]


def _shown(outcome, details: dict[str, Any]) -> dict[str, Any]:
    """What the validation's Data Docs page shows of the expectation."""
    config = outcome.expectation_config
    return {
        "type": config.type,
        "rule": (config.meta or {}).get("plausibility"),
        "kwargs": dict(config.kwargs),
        "success": bool(outcome.success),
        "result": {k: v for k, v in details.items() if k != "partial_unexpected_index_list"},
        "exception": (outcome.exception_info or {}).get("exception_message")
        if (outcome.exception_info or {}).get("raised_exception") else None,
    }


def _flagged(outcome, details: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    """A plausibility rule's count of broken rows, against its tolerance."""
    config = outcome.expectation_config
    rows, broken = details.get("element_count") or 0, details.get("unexpected_count") or 0
    return {
        "rule": config.meta["plausibility"],
        "column": config.kwargs.get("column"),
        "flagged_rows": broken,
        "rows": rows,
        "share": broken / rows if rows else 0.0,
        "tolerance": 1 - config.kwargs.get("mostly", 1.0),
        "passed": outcome.success,
        "sample_keys": keys,
    }


def _failure(outcome, details: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    config = outcome.expectation_config
    rule = (config.meta or {}).get("plausibility")
    return {
        "expectation": config.type,
        "rule": rule,
        "kwargs": {k: v for k, v in config.kwargs.items() if k != "batch_id"},
        "unexpected_count": details.get("unexpected_count"),
        "unexpected_share": (details.get("unexpected_percent") or 0) / 100 if rule else None,
        "observed_value": details.get("observed_value"),
        "sample_unexpected": [str(v) for v in (details.get("partial_unexpected_list") or [])[:5]],
        "sample_keys": keys,
        "exception": (outcome.exception_info or {}).get("exception_message"),
    }


# --------------------------------------------------------------------------- chunks' results, added up


@dataclass
class _AddedUp:
    """One expectation's outcome over every chunk, shaped like GX's for the readers above."""

    expectation_config: Any
    success: bool
    result: dict[str, Any]
    exception_info: dict[str, Any] | None


def _added_up(per_chunk: list[list[Any]]) -> list[_AddedUp]:
    """Row-by-row rules over chunks: counts summed, the first offending values and keys
    kept, and success decided on the sums (a `mostly` is a share of all the rows)."""
    added = []
    for outcomes in zip(*per_chunk, strict=True):
        first = outcomes[0]
        raised = next((o.exception_info for o in outcomes if (o.exception_info or {}).get("raised_exception")), None)
        parts = [o.result or {} for o in outcomes]
        rows = sum(p.get("element_count") or 0 for p in parts)
        missing = sum(p.get("missing_count") or 0 for p in parts)
        unexpected = sum(p.get("unexpected_count") or 0 for p in parts)
        present = rows - missing
        details = {
            "element_count": rows,
            "missing_count": missing,
            "missing_percent": 100 * missing / rows if rows else None,
            "unexpected_count": unexpected,
            "unexpected_percent": 100 * unexpected / present if present else None,
            "unexpected_percent_total": 100 * unexpected / rows if rows else None,
            "unexpected_percent_nonmissing": 100 * unexpected / present if present else None,
            "partial_unexpected_list": [v for p in parts for v in p.get("partial_unexpected_list") or []][:20],
            "partial_unexpected_index_list": [v for p in parts for v in p.get("partial_unexpected_index_list") or []][:20],
        }
        mostly = first.expectation_config.kwargs.get("mostly", 1.0)
        success = raised is None and (present == 0 or (present - unexpected) / present >= mostly)
        added.append(_AddedUp(first.expectation_config, success, details, raised or first.exception_info))
    return added


# --------------------------------------------------------------------------- a suite, validated


def validate_suite(
    conn: duckdb.DuckDBPyConnection, suite: SuiteSpec, settings: Settings, run_name: str | None = None
) -> SuiteOutcome:
    """Validates the suite; the results are stored under `run_name` (the Dagster run id)
    and rendered as the validation's Data Docs page."""
    from great_expectations.core.run_identifier import RunIdentifier

    context = gx_context(settings.data_dir)
    frames, scope = _frames(conn, suite, settings)
    failures: list[dict[str, Any]] = []
    flagged: list[dict[str, Any]] = []
    shown: list[dict[str, Any]] = []
    rows_of: dict[str, int] = defaultdict(int)
    for planned in frames:
        suffix = planned.suffix
        validation = _validation_definition(context, suite.name + suffix, planned.expectations)
        per_chunk = []
        for frame in planned.chunks:
            rows_of[suffix] += len(frame)
            result_format = {"result_format": "SUMMARY"}
            if suite.row_key and suite.row_key in frame.columns:
                result_format["unexpected_index_column_names"] = [suite.row_key]
            per_chunk.append(validation.run(
                batch_parameters={"dataframe": frame},
                result_format=result_format,
                run_id=RunIdentifier(run_name=run_name) if run_name else None,
            ).results)
            _forget_batches(context)
            del frame
        if planned.rest is not None:  # the rows GX did not see, as one more chunk
            per_chunk.append([
                _AddedUp(o.expectation_config, True, planned.rest[(o.expectation_config.type,
                                                                   o.expectation_config.kwargs.get("column"))], None)
                for o in per_chunk[0]
            ])
        for outcome in per_chunk[0] if len(per_chunk) == 1 else _added_up(per_chunk):
            details = outcome.result or {}
            keys = _sample_keys(suite, details)
            shown.append(_shown(outcome, details))
            if (outcome.expectation_config.meta or {}).get("plausibility"):
                flagged.append(_flagged(outcome, details, keys))
            if not outcome.success:
                failures.append(_failure(outcome, details, keys))
    # The rows the row rules ran on: the changed rows (or the whole table), which the
    # count rules' frame holds too.
    rows_audited = rows_of["" if "" in rows_of else "__counts"]
    if not failures:
        _record_pass(conn, suite, scope)
    prune_results(settings.data_dir, [suite.name + suffix for suffix in ("", "__schema", "__keys", "__rules", "__counts")])
    page = data_docs.record(
        settings.data_docs_dir,
        {"name": suite.name, "layer": suite.layer, "table": suite.table, "severity": suite.severity,
         "description": suite.description},
        run_name,
        shown,
    )
    return SuiteOutcome(
        success=not failures, evaluated=len(shown), failures=failures, flagged=flagged, page=page,
        rows_audited=rows_audited, audited_since=scope.since if scope else None,
    )
