"""The one place that assembles the code location: assets, checks, job, schedule,
sensor and resources."""

from dagster import AssetKey, AssetSelection, AssetSpec, Definitions, define_asset_job, in_process_executor

from . import groups
from .automation import build_landing_sensor, build_nightly_schedule
from .console import impact_console
from .ingest.assets import build_ingest_assets
from .ingest.freshness import build_freshness_checks
from .publish.asset import OWNER, PUBLISH_GROUP, PUBLISH_KEY, build_publish_asset
from .quality.checks import build_quality_checks
from .report.asset import build_report_asset
from .resources import build_resources
from .settings import DBT_PROJECT_DIR, Settings, get_settings, private_files
from .transform import dbt_models

JOB_NAME = "impact_pipeline"


def build_definitions(settings: Settings) -> Definitions:
    ingest_assets = build_ingest_assets()
    model_keys = set(dbt_models.keys)
    mart_keys = {k for k in model_keys if k.path[0] == "marts"}
    quality_checks = build_quality_checks(model_keys | {k for a in ingest_assets for k in a.keys})
    check_specs = [spec for checks in quality_checks for spec in checks.check_specs]
    # Publishing depends on the marts; inside its step it refuses unless every blocking
    # check of every layer ran in the run and none failed at ERROR severity.
    blocking_checks = {spec.key.to_user_string() for spec in check_specs if spec.blocking}
    publish_asset = build_publish_asset(mart_keys, blocking_checks)
    report_asset = build_report_asset(PUBLISH_KEY, PUBLISH_GROUP, OWNER)

    # DuckDB allows one writing process per file: the whole pipeline runs in one process.
    impact_pipeline = define_asset_job(
        name=JOB_NAME,
        selection=AssetSelection.all(),
        executor_def=in_process_executor,
        description="Ingest every feed, build the dbt models, audit each layer, publish the marts, write the report.",
    )
    # The file ledger, the quarantine and the retractions are dbt sources the ingest
    # assets write as they load (no asset of their own).
    ingest_records = [
        AssetSpec(
            AssetKey(["raw", name]),
            group_name=groups.RAW,
            description=description,
            kinds={"duckdb"},
            owners=["team:data-engineering"],
        )
        for name, description in {
            "ingest__file_ledger": "raw._file_ledger: one row per landed file the ingest assets loaded (path, hash, "
            "extract date, rows), written in the same transaction as the file's rows.",
            "ingest__quarantine": "raw._quarantine: one row per malformed row the ingest assets set aside (feed, file, "
            "line, reason, raw text), written in the same transaction as the file's good rows.",
            "ingest__file_retractions": "raw._file_retractions: one row per file the ingest assets took back out of "
            "raw (withdrawn, or replaced by a changed re-delivery); the incremental staging models rebuild after one.",
        }.items()
    ]
    return Definitions(
        assets=[*ingest_assets, *ingest_records, dbt_models, publish_asset, report_asset],
        asset_checks=[*quality_checks, *build_freshness_checks()],
        jobs=[impact_pipeline],
        schedules=[build_nightly_schedule(impact_pipeline, settings)],
        sensors=[build_landing_sensor(impact_pipeline, settings)],
        resources=build_resources(settings, DBT_PROJECT_DIR),
        loggers={"console": impact_console},
        # Also for "Materialize" in the UI: parallel processes would fight over the DuckDB file.
        executor=in_process_executor,
    )


private_files()  # umask 077: everything this code location's runs write is owner-only
_settings = get_settings()
_settings.warn_if_insecure()
defs = build_definitions(_settings)
