"""The erasure asset: runs before every feed loads, so that nothing a run ingests or
builds still holds a person whose erasure was requested (see erasure.py)."""

from dagster import AssetExecutionContext, AssetKey, DagsterInstance, Failure, MaterializeResult, MetadataValue, asset
from dagster_duckdb import DuckDBResource

from .. import groups
from ..resources import ImpactSettings
from . import erasure

ERASURE_KEY = AssetKey(["raw", "erasure_requests"])


def forget_in_event_log(instance: DagsterInstance, needles: list[str], keep_run_id: str | None) -> int:
    """Deletes the Dagster runs (and their event logs) whose events mention any needle;
    returns how many. The running run is kept: it never logs an identifier."""
    lowered = [n.casefold() for n in needles if len(n) >= 4]
    deleted = 0
    for record in instance.get_run_records():
        run_id = record.dagster_run.run_id
        if run_id == keep_run_id:
            continue
        text = "\n".join(str(entry) for entry in instance.all_logs(run_id)).casefold()
        if any(needle in text for needle in lowered):
            instance.delete_run(run_id)
            deleted += 1
    return deleted


def forget_in_files(settings, needles: list[str]) -> int:
    """Copies outside the warehouse and the published runs (both rewritten at publish):
    Dagster's SQLite files are vacuumed (a deleted event's bytes stay in free pages until
    then); any other file that still holds the person (an old Data Docs page, a dbt
    artifact, a log) is removed."""
    data_dir = settings.data_dir
    skip = [settings.warehouse_path, data_dir / "published", settings.landing_dir, settings.config_dir]
    removed = 0
    for path in erasure.files_holding(data_dir, needles, skip):
        if erasure.is_sqlite(path) and erasure.vacuum_sqlite(path) and not erasure.holds(path, needles):
            continue
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def build_erasure_asset():
    @asset(
        key=ERASURE_KEY,
        group_name=groups.RAW,
        description="Erasure requests (`$IMPACT_CONFIG_DIR/erasure_requests.csv`: request_id, identifier, "
        "requested_at). A new request removes the person's rows from every raw table and the quarantine, keeps "
        "only keyed hashes (to filter later deliveries) and a log of rows removed per table in "
        "`raw._erasure_log`, deletes older Dagster runs that mention them, and makes this run rebuild dbt in full; "
        "once the run publishes, the runs kept for rollback go and the warehouse file is rewritten.",
        kinds={"duckdb"},
        owners=["team:data-engineering"],
        op_tags={"dagster/priority": "10"},
    )
    def erasure_requests(context: AssetExecutionContext, duckdb: DuckDBResource, impact: ImpactSettings) -> MaterializeResult:
        settings = impact.settings()
        with duckdb.get_connection() as conn:
            try:
                result, people = erasure.erase_requested(conn, settings.config_dir, settings.person_key_secret)
            except erasure.ErasureRequestError as error:
                raise Failure(description=f"{error}. Nothing was erased or loaded; fix the file and run again.") from None
            pending = sorted(erasure.pending_publication(conn))
        needles = sorted({n for person in people for n in person})
        if needles:
            result.runs_deleted = forget_in_event_log(context.instance, needles, context.run.run_id)
            result.files_removed = forget_in_files(settings, needles)
        if result.erased:
            context.log.info(
                f"erased {len(result.erased)} request(s): {sum(result.rows_removed.values())} raw row(s) removed, "
                f"{result.runs_deleted} earlier Dagster run(s) and {result.files_removed} file(s) that mentioned them "
                "deleted; this run rebuilds dbt in full, and its publish replaces every kept published run"
            )
        return MaterializeResult(
            metadata={
                "requests_erased_this_run": MetadataValue.int(len(result.erased)),
                "requests_awaiting_publish": MetadataValue.int(len(pending)),
                "rows_removed": MetadataValue.json({k: v for k, v in result.rows_removed.items() if v}),
                "dagster_runs_deleted": MetadataValue.int(result.runs_deleted),
                "files_removed": MetadataValue.int(result.files_removed),
            }
        )

    return erasure_requests
