"""Write-audit-publish: the marts reach BI tools only from a run whose audits passed.

dbt builds into the warehouse (the build database). This asset runs after every
blocking check; it refuses to publish if any check of the run failed at ERROR
severity, if the marts lost too many rows, or if person keys were made with the
public development secret for real extracts. It then writes the run's serving file
(every table and column described from dbt's manifest, and a publish_info table),
Parquet exports and record into a new `published/<run_id>/` folder and flips
one pointer, `published/current`, to it (dagster_project/published.py). The stable
paths `serving.duckdb` and `exports/` lead through that pointer: BI tools see the old
run whole until the flip and the new one whole after it, and a BI tool holding the
old file open keeps reading it. The report asset (dagster_project/report) then writes
the run's HTML report from the published serving file.
"""


import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from dagster import AssetExecutionContext, AssetKey, Config, Failure, MaterializeResult, MetadataValue, asset
from dagster._core.events import DagsterEventType

from . import groups
from .published import MARTS_SCHEMA, PUBLISH_INFO, Descriptions, Layout, PublishError, publish_marts
from .resources import ImpactSettings
from .settings import Settings
from .state import code_fingerprint, record_published
from .transform import dbt_project

PUBLISH_KEY = AssetKey(["serving", "published_marts"])
PUBLISH_GROUP = groups.PUBLISH
OWNER = "team:ld-analytics"



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
    """Row counts of the marts BI tools read now (nothing when nothing was published);
    publish_info, which describes them, is not one."""
    if not serving.exists():
        return {}
    conn = duckdb.connect(str(serving), read_only=True)
    try:
        tables = [
            r[0]
            for r in conn.execute("select table_name from information_schema.tables").fetchall()
            if r[0] != PUBLISH_INFO
        ]
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
        value = conn.execute("select max(extract_date) from raw._file_ledger").fetchall()[0][0]
    except duckdb.Error:
        value = None
    finally:
        conn.close()
    return value.isoformat() if value else None


def publish_info(settings: Settings, run_id: str, manifest: Path) -> dict:
    return {
        "run_id": run_id,
        "published_at": datetime.now(UTC).replace(tzinfo=None, microsecond=0),
        "landing_as_of": landing_as_of(settings.warehouse_path),
        "window_days": settings.window_days,
        "anticipation_weeks": settings.anticipation_weeks,
        "min_group_size": settings.min_group_size,
        "code_fingerprint": code_fingerprint(settings, manifest),
    }


def build_publish_asset(mart_keys: set[AssetKey], required_checks: set[str]):
    @asset(
        key=PUBLISH_KEY,
        group_name=PUBLISH_GROUP,
        # The marts only: every blocking audit of the run (raw, staging, intermediate and
        # marts) is enforced inside the step (audit_problems). Lowest priority: among the
        # steps ready to run, checks on the layers above go first.
        deps=sorted(mart_keys, key=lambda k: k.to_user_string()),
        op_tags={"dagster/priority": "-1"},
        owners=[OWNER],
        kinds={"duckdb", "parquet"},
        description="Publishes the marts built in this run as `$IMPACT_DATA_DIR/published/<run_id>/` (serving "
        "file with every table and column described and a `publish_info` table, Parquet exports) and switches "
        "`published/current` to it, which `$IMPACT_DATA_DIR/serving.duckdb`, `exports/` and `report/` lead "
        "through: only when the run ran every blocking audit (of every layer) and none failed at ERROR severity.",
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

        def finish(folder: Path, previous: str | None, counts: dict[str, int]) -> None:
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
                descriptions=mart_descriptions(manifest),
                info=publish_info(settings, run_id, manifest),
                report_placeholder=True,  # the report asset replaces it right after the switch
            )
        except PublishError as error:
            raise Failure(description=f"Nothing published; the last published marts stay in place: {error}") from None
        layout = Layout(settings.data_dir)
        folder = layout.folder(run_id)
        context.log.info(
            f"published {len(counts)} table(s) as {folder} and switched {settings.serving_path}, "
            f"{settings.exports_dir} and {layout.report} to it"
        )
        return MaterializeResult(
            metadata={
                "serving_file": MetadataValue.path(str(settings.serving_path)),
                "exports_dir": MetadataValue.path(str(settings.exports_dir)),
                "published_folder": MetadataValue.path(str(folder)),
                "tables": MetadataValue.json(counts),
                "dagster/row_count": MetadataValue.int(sum(counts.values())),
                "report": MetadataValue.path(str(layout.report / "index.html")),
                "storage_version": MetadataValue.text(settings.serving_storage_version),
            }
        )

    return published_marts
