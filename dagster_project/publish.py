"""Write-audit-publish: the marts reach BI tools only from a run whose audits passed.

dbt builds into the warehouse (the build database). This asset runs after every
blocking check; it refuses to publish if any check of the run failed at ERROR
severity, if the marts lost too many rows, or if person keys were made with the
public development secret for real extracts. It then writes the run's serving file,
Parquet exports, report and record into a new `published/<run_id>/` folder and flips
one pointer, `published/current`, to it (dagster_project/published.py). The stable
paths `serving.duckdb` and `exports/` lead through that pointer: BI tools see the old
run whole until the flip and the new one whole after it, and a BI tool holding the
old file open keeps reading it.
"""


from pathlib import Path

import duckdb
from dagster import AssetExecutionContext, AssetKey, Config, Failure, MaterializeResult, MetadataValue, asset
from dagster._core.events import DagsterEventType

from .published import EXPORTS, MARTS_SCHEMA, SERVING, Layout, PublishError, publish_marts
from .report import write_report
from .resources import ImpactSettings
from .state import record_published
from .transform import dbt_project


def audit_problems(context: AssetExecutionContext, mart_keys: set[AssetKey], required_checks: set[str]) -> list[str]:
    """Why this run may not publish: a check failed at ERROR severity, a blocking check
    did not run, or the marts were not built in this run. Publishing only what the
    same run built and audited means a run that selects the publish asset alone can
    never push marts whose audit failed earlier."""
    instance, run_id = context.instance, context.run.run_id
    evaluations = [
        r.event_log_entry.dagster_event.event_specific_data
        for r in instance.get_records_for_run(run_id=run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION).records
    ]
    problems = sorted(
        f"failed: {e.asset_check_key.to_user_string()}"
        for e in evaluations
        if not e.passed and e.severity.value == "ERROR"
    )
    evaluated = {e.asset_check_key.to_user_string() for e in evaluations}
    problems += [f"not run: {key}" for key in sorted(required_checks - evaluated)]
    built = {
        r.event_log_entry.dagster_event.asset_key
        for r in instance.get_records_for_run(run_id=run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION).records
    }
    problems += [f"not built in this run: {key.to_user_string()}" for key in sorted(mart_keys - built, key=str)]
    return problems


class PublishConfig(Config):
    """`make run ARGS=--accept-shrink`, or this in the launchpad, publishes a run whose
    marts lost more rows than IMPACT_MAX_SHRINK allows (say, after a reorganisation)."""

    accept_shrink: bool = False


def published_counts(serving: Path) -> dict[str, int]:
    """Row counts of the tables BI tools read now (nothing when nothing was published)."""
    if not serving.exists():
        return {}
    conn = duckdb.connect(str(serving), read_only=True)
    try:
        tables = [r[0] for r in conn.execute("select table_name from information_schema.tables").fetchall()]
        return {t: conn.execute(f'select count(*) from "{t}"').fetchall()[0][0] for t in tables}
    finally:
        conn.close()


def mart_counts(warehouse: Path) -> dict[str, int]:
    conn = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "select table_name from information_schema.tables where table_schema = ? and table_type = 'BASE TABLE'",
                [MARTS_SCHEMA],
            ).fetchall()
        ]
        return {t: conn.execute(f'select count(*) from {MARTS_SCHEMA}."{t}"').fetchall()[0][0] for t in tables}
    finally:
        conn.close()


def shrinkage(previous: dict[str, int], new: dict[str, int], max_shrink: float) -> list[str]:
    """Tables that lost more than `max_shrink` of their rows since the last publish: a
    run that empties dashboards is more often a broken extract than news."""
    problems = []
    for table, before in sorted(previous.items()):
        after = new.get(table, 0)
        if before > 0 and (before - after) / before > max_shrink:
            problems.append(f"{table}: {before} -> {after} rows (-{(before - after) / before:.0%})")
    return problems


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


def build_publish_asset(upstream: list[AssetKey], mart_keys: set[AssetKey], required_checks: set[str]):
    @asset(
        key=AssetKey(["serving", "published_marts"]),
        group_name="publish",
        deps=upstream,
        kinds={"duckdb", "parquet"},
        description="Publishes the marts built in this run as `$IMPACT_DATA_DIR/published/<run_id>/` (serving "
        "file, Parquet exports, report) and switches `published/current` to it, which "
        "`$IMPACT_DATA_DIR/serving.duckdb` and `exports/` lead through: only when the run ran every blocking "
        "audit and none failed at ERROR severity.",
    )
    def published_marts(context: AssetExecutionContext, config: PublishConfig, impact: ImpactSettings) -> MaterializeResult:
        settings = impact.settings()
        insecure = settings.default_secret_problem()
        if insecure:
            raise Failure(description=insecure)
        problems = audit_problems(context, mart_keys, required_checks)
        if problems:
            raise Failure(
                description="Nothing published; the last published marts stay in place. "
                + "; ".join(problems),
                metadata={"problems": MetadataValue.json(problems)},
            )
        shrunk = shrinkage(published_counts(settings.serving_path), mart_counts(settings.warehouse_path), settings.max_shrink)
        if shrunk and not config.accept_shrink:
            raise Failure(
                description=f"Nothing published; the last published marts stay in place: {len(shrunk)} table(s) "
                f"lost more than IMPACT_MAX_SHRINK={settings.max_shrink:.0%} of their rows since the last publish ("
                + "; ".join(shrunk)
                + "). If that is expected, publish anyway with `make run ARGS=--accept-shrink` "
                "(or accept_shrink: true in the publish asset's run config).",
                metadata={"shrunk": MetadataValue.json(shrunk)},
            )
        if shrunk:
            context.log.warning("publishing despite shrinkage (accept_shrink): " + "; ".join(shrunk))
        run_id = context.run.run_id
        manifest = dbt_project.manifest_path
        reports: list[Path] = []

        def finish(folder: Path, previous: str | None, counts: dict[str, int]) -> None:
            reports.append(write_report(folder / SERVING, folder / EXPORTS, run_id))
            record_published(folder, settings, run_id, previous, manifest, counts)  # last: the folder is whole

        try:
            counts = publish_marts(
                settings.warehouse_path,
                settings.data_dir,
                run_id,
                settings.serving_storage_version,
                pii=pii_column_names(manifest),
                keep=settings.keep_published,
                finish=finish,
            )
        except PublishError as error:
            raise Failure(description=f"Nothing published; the last published marts stay in place: {error}") from None
        folder = Layout(settings.data_dir).folder(run_id)
        report = settings.exports_dir / reports[0].name
        context.log.info(
            f"published {len(counts)} table(s) as {folder} and switched {settings.serving_path} and "
            f"{settings.exports_dir} to it; report {report}"
        )
        return MaterializeResult(
            metadata={
                "serving_file": MetadataValue.path(str(settings.serving_path)),
                "exports_dir": MetadataValue.path(str(settings.exports_dir)),
                "published_folder": MetadataValue.path(str(folder)),
                "tables": MetadataValue.json(counts),
                "report": MetadataValue.path(str(report)),
                "storage_version": MetadataValue.text(settings.serving_storage_version),
            }
        )

    return published_marts
