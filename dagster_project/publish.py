"""Write-audit-publish: the marts reach BI tools only from a run whose audits passed.

dbt builds into the warehouse (the build database). This asset runs after every
blocking check; it refuses to publish if any check of the run failed at ERROR
severity, then writes a new serving file next to the old one and renames it into
place. A BI tool holding the old file open keeps reading the old file, whole;
the next connection sees the new one, whole. Parquet copies are replaced file by
file the same way.
"""


import os
import shutil
from pathlib import Path

import duckdb
from dagster import AssetExecutionContext, AssetKey, Failure, MaterializeResult, MetadataValue, asset
from dagster._core.events import DagsterEventType
from dagster._core.storage.event_log.base import EventRecordsFilter

from .report import write_report
from .resources import ImpactSettings
from .transform import dbt_project

MARTS_SCHEMA = "marts"


def failed_error_checks(context: AssetExecutionContext) -> list[str]:
    """Checks of this run that failed at ERROR severity (blocking or not)."""
    records = context.instance.get_records_for_run(
        run_id=context.run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    failed = []
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        if not evaluation.passed and evaluation.severity.value == "ERROR":
            failed.append(evaluation.asset_check_key.to_user_string())
    return sorted(failed)


def pii_column_names(manifest_path: Path) -> set[str]:
    """Column names flagged `meta: {pii: true}` on any dbt source or model, plus the
    feed contracts' PII columns: none of them may reach a published table."""
    import json

    from .ingest.contracts import load_contracts

    names = {c.name.lower() for contract in load_contracts() for c in contract.columns if c.pii}
    manifest = json.loads(manifest_path.read_text())
    for node in [*manifest.get("sources", {}).values(), *manifest.get("nodes", {}).values()]:
        for column in node.get("columns", {}).values():
            meta = {**column.get("meta", {}), **column.get("config", {}).get("meta", {})}
            if meta.get("pii"):
                names.add(column["name"].lower())
    return names


def pii_columns_in(conn: duckdb.DuckDBPyConnection, tables: list[str], pii: set[str]) -> list[str]:
    rows = conn.execute(
        "select table_name, column_name from information_schema.columns where table_schema = ?", [MARTS_SCHEMA]
    ).fetchall()
    return [f"{t}.{c}" for t, c in rows if t in tables and c.lower() in pii]


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def publish_marts(
    warehouse: Path,
    serving: Path,
    exports_dir: Path,
    storage_version: str,
    tag: str,
    pii: set[str] = frozenset(),
) -> dict[str, int]:
    """Copy every table of the marts schema to a fresh serving file and Parquet, then swap them in."""
    tmp_serving = serving.with_name(f".{serving.name}.{tag}.tmp")
    tmp_serving.unlink(missing_ok=True)
    exports_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    staged_parquet: list[tuple[Path, Path]] = []
    conn = duckdb.connect()
    try:
        conn.execute(f"attach '{_sql_path(warehouse)}' as warehouse (read_only)")
        conn.execute("use warehouse")
        tables = [
            r[0]
            for r in conn.execute(
                "select table_name from information_schema.tables where table_schema = ? and table_type = 'BASE TABLE' order by 1",
                [MARTS_SCHEMA],
            ).fetchall()
        ]
        if not tables:
            raise Failure(description="the marts schema has no tables to publish")
        leaked = pii_columns_in(conn, tables, pii)
        if leaked:
            raise Failure(description=f"PII column(s) in marts, nothing published: {', '.join(leaked)}")
        conn.execute(f"attach '{_sql_path(tmp_serving)}' as serving (storage_version '{storage_version}')")
        for table in tables:
            conn.execute(f'create table serving.main."{table}" as select * from {MARTS_SCHEMA}."{table}"')
            counts[table] = conn.execute(f'select count(*) from serving.main."{table}"').fetchall()[0][0]
            target = exports_dir / f"{table}.parquet"
            staged = exports_dir / f".{table}.parquet.{tag}.tmp"
            conn.execute(f"copy (select * from {MARTS_SCHEMA}.\"{table}\") to '{_sql_path(staged)}' (format parquet)")
            staged_parquet.append((staged, target))
        conn.execute("detach serving")
    except BaseException:
        conn.close()
        tmp_serving.unlink(missing_ok=True)
        for staged, _ in staged_parquet:
            staged.unlink(missing_ok=True)
        raise
    conn.close()
    os.replace(tmp_serving, serving)
    for staged, target in staged_parquet:
        os.replace(staged, target)
    return counts


def build_publish_asset(upstream: list[AssetKey]):
    @asset(
        key=AssetKey(["serving", "published_marts"]),
        group_name="publish",
        deps=upstream,
        kinds={"duckdb", "parquet"},
        description="Atomically replaces `$IMPACT_DATA_DIR/serving.duckdb` and the Parquet exports with "
        "the marts of this run, only when none of the run's checks failed at ERROR severity.",
    )
    def published_marts(context: AssetExecutionContext, impact: ImpactSettings) -> MaterializeResult:
        settings = impact.settings()
        failed = failed_error_checks(context)
        if failed:
            raise Failure(
                description="Audit failed, nothing published; the last published marts stay in place. "
                f"Failed checks: {', '.join(failed)}",
                metadata={"failed_checks": MetadataValue.json(failed)},
            )
        counts = publish_marts(
            settings.warehouse_path,
            settings.serving_path,
            settings.exports_dir,
            settings.serving_storage_version,
            tag=context.run.run_id[:8],
            pii=pii_column_names(dbt_project.manifest_path),
        )
        report = write_report(settings.serving_path, settings.exports_dir, context.run.run_id)
        context.log.info(f"published {len(counts)} table(s) to {settings.serving_path}; report {report}")
        return MaterializeResult(
            metadata={
                "serving_file": MetadataValue.path(str(settings.serving_path)),
                "exports_dir": MetadataValue.path(str(settings.exports_dir)),
                "tables": MetadataValue.json(counts),
                "report": MetadataValue.path(str(report)),
                "storage_version": MetadataValue.text(settings.serving_storage_version),
            }
        )

    return published_marts
