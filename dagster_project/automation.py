"""When the pipeline runs: nightly, and whenever new files land."""

from __future__ import annotations

import hashlib

import duckdb
from dagster import (
    DefaultScheduleStatus,
    DefaultSensorStatus,
    JobDefinition,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SensorEvaluationContext,
    SkipReason,
    schedule,
    sensor,
)

from .dbt_project import dbt_project
from .ingest import hashes
from .ingest.ledger import loaded_files
from .publish.record import landed_files, report_unfinished, up_to_date
from .report.asset import REPORT_KEY
from .settings import Settings


def nightly_skip_reason(settings: Settings) -> str | None:
    """Why tonight's run is not needed (the UI shows it on the tick), or None to run."""
    last = up_to_date(settings, dbt_project.manifest_path)
    if last is None:
        return None
    return (
        f"nothing changed since published run {last}: no new, changed or withdrawn file in the landing folder "
        f"{settings.landing_dir}, and the same models, audits, contracts and settings"
    )


def build_nightly_schedule(job: JobDefinition, settings: Settings) -> ScheduleDefinition:
    @schedule(
        name="nightly_impact",
        job=job,
        cron_schedule="0 2 * * *",
        execution_timezone="UTC",
        default_status=DefaultScheduleStatus.RUNNING,
        description="At 02:00 UTC, rebuild and publish when anything changed since the last published run "
        "(a landed file, the models, suites, contracts or settings); otherwise the tick says why it skipped.",
    )
    def nightly_impact(context: ScheduleEvaluationContext):
        reason = nightly_skip_reason(settings)
        if reason and report_unfinished(settings):
            # The figures are published; only their report is missing (a run stopped
            # after the publish switch): write it, nothing else.
            return RunRequest(tags={"trigger": "schedule", "repair": "report"}, asset_selection=[REPORT_KEY])
        if reason:
            return SkipReason(reason)
        return RunRequest(tags={"trigger": "schedule"})

    return nightly_impact


def unloaded_files(settings: Settings) -> list[str]:
    """Landed files whose content the ledger has not loaded yet."""
    loaded: dict[str, str] = {}
    known: hashes.Known = {}
    if settings.warehouse_path.exists():
        try:
            conn = duckdb.connect(str(settings.warehouse_path), read_only=True)
        except duckdb.IOException:
            return []  # a run holds the warehouse: look again at the next tick
        try:
            loaded = loaded_files(conn)
            known = hashes.known_hashes(conn)
        except duckdb.CatalogException:
            loaded = {}
        finally:
            conn.close()
    return [key for key, digest in landed_files(settings, known).items() if loaded.get(key) != digest]


def build_landing_sensor(job: JobDefinition, settings: Settings):
    @sensor(
        name="new_landing_files",
        job=job,
        minimum_interval_seconds=300,
        default_status=DefaultSensorStatus.STOPPED,
        description="Starts a run when files land that the ledger has not loaded (new or changed).",
    )
    def new_landing_files(context: SensorEvaluationContext):
        pending = unloaded_files(settings)
        if not pending:
            return SkipReason("no new or changed files in the landing folder")
        run_key = hashlib.sha256("\n".join(sorted(pending)).encode()).hexdigest()[:16]
        return RunRequest(run_key=run_key, tags={"trigger": "landing", "new_files": str(len(pending))})

    return new_landing_files
