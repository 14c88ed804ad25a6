"""The publish asset: the Dagster side of write-audit-publish. It runs after the marts,
asks the gate (gate.py) whether this run may publish, then has serving.py write the
run's folder and switch.py flip published/current to it."""

from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AssetKey,
    Config,
    DagsterEventType,
    DagsterInstance,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from .. import groups
from ..dbt_project import dbt_project
from ..report import write_report
from ..resources import ImpactSettings
from .erased import complete_erasures
from .gate import CheckOutcome, audit_problems, mart_counts, published_counts, shrinkage
from .pii import pii_column_names
from .record import record_published
from .serving import mart_descriptions, publish_info, publish_marts
from .sharing import share_tree
from .switch import REPORT_PAGE, Layout, PublishError

PUBLISH_KEY = AssetKey(["serving", "published_marts"])
PUBLISH_GROUP = groups.PUBLISH
OWNER = "team:ld-analytics"
_REFUSED = "Nothing published; the last published marts stay in place"


class PublishConfig(Config):
    """`make run ARGS=--accept-shrink`, or this in the launchpad, publishes a run whose
    marts lost more rows than IMPACT_MAX_SHRINK allows (say, after a reorganisation)."""

    accept_shrink: bool = False


def run_audit(instance: DagsterInstance, run_id: str) -> tuple[list[CheckOutcome], set[AssetKey]]:
    """The run's asset check evaluations and the assets it materialized, from its event log.

    DagsterInstance.get_records_for_run is not marked public in Dagster 1.13, but no
    public API serves: the public readers (fetch_materializations, fetch_observations,
    fetch_run_status_changes) select by asset rather than by run and none returns check
    evaluations, and get_event_records(EventRecordsFilter) is deprecated for 2.0.
    DagsterEventType is imported from dagster's public namespace."""

    def events(kind: DagsterEventType):
        return [r.event_log_entry.dagster_event for r in instance.get_records_for_run(run_id=run_id, of_type=kind).records]

    checks = [
        CheckOutcome(e.event_specific_data.asset_check_key.to_user_string(), e.event_specific_data.passed,
                     e.event_specific_data.severity.value)
        for e in events(DagsterEventType.ASSET_CHECK_EVALUATION)
    ]
    built = {e.asset_key for e in events(DagsterEventType.ASSET_MATERIALIZATION)}
    return checks, built


def build_publish_asset(mart_keys: set[AssetKey], required_checks: set[str]):
    @asset(
        key=PUBLISH_KEY,
        group_name=PUBLISH_GROUP,
        # The marts only: every blocking audit of the run (raw, staging, intermediate and
        # marts) is enforced inside the step (the gate). Lowest priority: among the
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
        checks, built = run_audit(context.instance, context.run.run_id)
        problems = audit_problems(checks, built, mart_keys, required_checks)
        if problems:
            raise Failure(
                description=f"{_REFUSED}. " + "; ".join(problems),
                metadata={"problems": MetadataValue.json(problems)},
            )
        shrunk = shrinkage(published_counts(settings.serving_path), mart_counts(settings.warehouse_path), settings.max_shrink)
        if shrunk and not config.accept_shrink:
            raise Failure(
                description=f"{_REFUSED}: {len(shrunk)} table(s) "
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
            # The report is part of the run: written before the switch, like the serving file.
            write_report(folder, Layout(settings.data_dir).report / REPORT_PAGE)
            record_published(folder, settings, run_id, previous, manifest, counts)  # last: the folder is whole
            if settings.publish_group:
                share_tree(folder, settings.publish_group)  # before the switch: readers see it whole

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
            )
        except PublishError as error:
            raise Failure(description=f"{_REFUSED}: {error}") from None
        layout = Layout(settings.data_dir)
        folder = layout.folder(run_id)
        context.log.info(
            f"published {len(counts)} table(s) as {folder} and switched {settings.serving_path}, "
            f"{settings.exports_dir} and {layout.report} to it"
        )
        completed, dropped = complete_erasures(settings)
        if completed:
            context.log.info(
                f"erasure complete for {len(completed)} request(s): {dropped} earlier published run(s) deleted "
                "(nothing to roll back to) and the warehouse file rewritten without the erased rows"
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
