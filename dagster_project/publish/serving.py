"""What a publish writes into a run's folder: the marts copied into the serving file
(every table and column described from dbt's manifest, and a publish_info table saying
which run, as of when, with which settings), the same tables as Parquet exports, and a
report page saying the report is being written. publish_marts writes the folder and
switches to it (switch.py).

No Dagster here: the publish asset (asset.py) calls publish_marts once the gate passed."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ..ingest import ledger
from ..settings import Settings
from ..sql import string_literal
from .pii import pii_columns_in
from .record import code_fingerprint
from .switch import EXPORTS, RECORD, SERVING, Layout, PublishError, publish

MARTS_SCHEMA = "marts"
PUBLISH_INFO = "publish_info"


Descriptions = dict[str, tuple[str, dict[str, str]]]  # table -> (its description, {column: description})


def describe(conn: duckdb.DuckDBPyConnection, schema: str, table: str, described: tuple[str, dict[str, str]]) -> None:
    """COMMENT ON the table and each column it has that a description names."""
    description, columns = described
    relation = f'{schema}."{table}"'
    if description:
        conn.execute(f"comment on table {relation} is {string_literal(description)}")
    present = {r[0] for r in conn.execute(f"select column_name from (describe {relation})").fetchall()}
    for column, text in columns.items():
        if column in present and text:
            conn.execute(f'comment on column {relation}."{column}" is {string_literal(text)}')


PUBLISH_INFO_DESCRIPTION: tuple[str, dict[str, str]] = (
    "What this serving file is: which run published it and when, as of which landing date, with which "
    "settings and code, and how many rows each published table has (one row per table).",
    {
        "run_id": "The Dagster run that built, audited and published these tables.",
        "published_at": "When the run published them (UTC).",
        "landing_as_of": "The newest extract date in the file ledger: the data are as of this date.",
        "window_days": "Length of the pre and post windows in days (IMPACT_WINDOW_DAYS).",
        "anticipation_weeks": "Weeks between the end of the pre window and registration (IMPACT_ANTICIPATION_WEEKS).",
        "min_group_size": "Smaller treated or comparison groups are suppressed (IMPACT_MIN_GROUP_SIZE).",
        "adoption_min_views": "A performance-support program treats a person from this many views of its articles "
        "(IMPACT_ADOPTION_MIN_VIEWS)...",
        "adoption_window_days": "...within this many days (IMPACT_ADOPTION_WINDOW_DAYS).",
        "code_fingerprint": "SHA-256 of the dbt manifest, expectation suites, contracts and settings the run used.",
        "table_name": "A published table.",
        "row_count": "Its rows.",
    },
)


def write_publish_info(conn: duckdb.DuckDBPyConnection, schema: str, info: dict, counts: dict[str, int]) -> None:
    """publish_info: one row per published table, each with the run's facts."""
    conn.execute(
        f"""create table {schema}."{PUBLISH_INFO}" (
            run_id varchar, published_at timestamp, landing_as_of date, window_days integer,
            anticipation_weeks integer, min_group_size integer, adoption_min_views integer,
            adoption_window_days integer, code_fingerprint varchar, table_name varchar, row_count bigint)"""
    )
    for table, rows in sorted(counts.items()):
        conn.execute(
            f'insert into {schema}."{PUBLISH_INFO}" values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
            [
                info.get("run_id"), info.get("published_at"), info.get("landing_as_of"), info.get("window_days"),
                info.get("anticipation_weeks"), info.get("min_group_size"), info.get("adoption_min_views"),
                info.get("adoption_window_days"), info.get("code_fingerprint"), table, rows,
            ],
        )
    describe(conn, schema, PUBLISH_INFO, PUBLISH_INFO_DESCRIPTION)


def write_marts(
    warehouse: Path,
    folder: Path,
    storage_version: str,
    pii: set[str] = frozenset(),
    descriptions: Descriptions | None = None,
    info: dict | None = None,
) -> dict[str, int]:
    """Copies every table of the marts schema into folder/serving.duckdb and
    folder/exports/<table>.parquet, each table and column described (COMMENT ON) from
    `descriptions`; with `info`, adds the publish_info table. Returns the marts' row counts."""
    exports = folder / EXPORTS
    exports.mkdir(mode=0o700, exist_ok=True)
    counts: dict[str, int] = {}
    conn = duckdb.connect()
    try:
        conn.execute(f"attach {string_literal(str(warehouse))} as warehouse (read_only)")
        conn.execute("use warehouse")
        tables = [
            r[0]
            for r in conn.execute(
                "select table_name from information_schema.tables where table_schema = ? and table_type = 'BASE TABLE' order by 1",
                [MARTS_SCHEMA],
            ).fetchall()
        ]
        if not tables:
            raise PublishError("the marts schema has no tables to publish")
        leaked = pii_columns_in(conn, MARTS_SCHEMA, tables, pii)
        if leaked:
            raise PublishError(f"PII column(s) in marts, nothing published: {', '.join(leaked)}")
        conn.execute(f"attach {string_literal(str(folder / SERVING))} as serving (storage_version '{storage_version}')")
        for table in tables:
            conn.execute(f'create table serving.main."{table}" as select * from {MARTS_SCHEMA}."{table}"')
            counts[table] = conn.execute(f'select count(*) from serving.main."{table}"').fetchall()[0][0]
            if descriptions and table in descriptions:
                describe(conn, "serving.main", table, descriptions[table])
        if info is not None:
            write_publish_info(conn, "serving.main", info, counts)
            conn.execute(
                f"copy (select * from serving.main.\"{PUBLISH_INFO}\") to "
                f"{string_literal(str(exports / (PUBLISH_INFO + '.parquet')))} (format parquet)"
            )
        conn.execute("detach serving")
        write_exports(conn, tables, exports)
    finally:
        conn.close()
    return counts


def write_exports(conn: duckdb.DuckDBPyConnection, tables: list[str], exports: Path) -> None:
    for table in tables:
        target = exports / f"{table}.parquet"
        conn.execute(f"copy (select * from {MARTS_SCHEMA}.\"{table}\") to {string_literal(str(target))} (format parquet)")


def publish_marts(
    warehouse: Path,
    data_dir: Path,
    run_id: str,
    storage_version: str,
    pii: set[str] = frozenset(),
    keep: int = 5,
    finish: Callable[[Path, str | None, dict[str, int]], None] | None = None,
    descriptions: Descriptions | None = None,
    info: dict | None = None,
) -> dict[str, int]:
    """Publishes the warehouse's marts as run `run_id`: a new published/<run_id>/ folder
    (serving file, Parquet, and whatever `finish(folder, previous_run_id, counts)` adds:
    the report and the record), then the switch. Returns the row counts."""

    def write(folder: Path, previous: str | None) -> dict[str, int]:
        counts = write_marts(warehouse, folder, storage_version, pii, descriptions, info)
        if finish is not None:
            finish(folder, previous, counts)
        else:
            (folder / RECORD).write_text(json.dumps({"run_id": run_id, "previous_run_id": previous, "tables": counts}))
        return counts

    return publish(Layout(data_dir), run_id, write, keep)


# --------------------------------------------------------------------------- what describes the published run


def mart_descriptions(manifest_path: Path) -> Descriptions:
    """Each mart's description and its columns' (dbt YAML, via the manifest): what
    publish writes into the serving file as COMMENT ON TABLE / COLUMN."""
    manifest = json.loads(manifest_path.read_text())
    out: Descriptions = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "model" or node.get("schema") != MARTS_SCHEMA:
            continue
        columns = {name: (c.get("description") or "").strip() for name, c in node.get("columns", {}).items()}
        out[node.get("alias") or node["name"]] = ((node.get("description") or "").strip(), columns)
    return out


def landing_as_of(warehouse: Path) -> str | None:
    """The newest extract date in the file ledger: what the published data are as of."""
    conn = duckdb.connect(str(warehouse), read_only=True)
    try:
        value = max(ledger.newest_extracts(conn).values(), default=None)
    except duckdb.Error:
        value = None
    finally:
        conn.close()
    return value.isoformat() if value else None


def publish_info(settings: Settings, run_id: str, manifest: Path) -> dict:
    """The facts of publish_info (one row per table, with its row count)."""
    return {
        "run_id": run_id,
        "published_at": datetime.now(UTC).replace(tzinfo=None, microsecond=0),
        "landing_as_of": landing_as_of(settings.warehouse_path),
        "window_days": settings.window_days,
        "anticipation_weeks": settings.anticipation_weeks,
        "min_group_size": settings.min_group_size,
        "adoption_min_views": settings.adoption_min_views,
        "adoption_window_days": settings.adoption_window_days,
        "code_fingerprint": code_fingerprint(settings, manifest),
    }
