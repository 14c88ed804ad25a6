"""One raw asset per feed contract, all built by the same factory."""


from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    AssetsDefinition,
    Failure,
    MaterializeResult,
    MetadataValue,
    TableColumn,
    TableSchema,
    asset,
)
from dagster_duckdb import DuckDBResource

from .. import groups
from ..resources import ImpactSettings
from . import lake
from .contracts import FeedContract, load_contracts
from .erasure_asset import ERASURE_KEY, build_erasure_asset
from .landing import LandingError, check_landing, shown, survey
from .ledger import LEDGER, QUARANTINE, RETRACTIONS
from .loader import FeedFailed, FeedResult, load_feed

LANDING_KEY = AssetKey(["raw", "landing_folder"])
LEDGER_TABLE = LEDGER.removeprefix("raw.")
QUARANTINE_TABLE = QUARANTINE.removeprefix("raw.")
RETRACTIONS_TABLE = RETRACTIONS.removeprefix("raw.")


def raw_asset_key(contract: FeedContract) -> AssetKey:
    return AssetKey(["raw", contract.name])


def _metadata(result: FeedResult) -> dict:
    return {
        "table": MetadataValue.text(f"raw.{result.feed}"),
        "dagster/row_count": MetadataValue.int(result.table_rows),
        "files_loaded": MetadataValue.int(result.count("loaded")),
        "files_replaced": MetadataValue.int(result.count("replaced")),
        "files_skipped_unchanged": MetadataValue.int(result.count("skipped")),
        "files_retracted": MetadataValue.int(result.count("retracted")),
        "rows_retracted": MetadataValue.int(result.rows_retracted),
        "rows_loaded_this_run": MetadataValue.int(result.rows_loaded),
        "rows_quarantined_this_run": MetadataValue.int(result.rows_quarantined),
        "rows_quarantined_total": MetadataValue.int(result.quarantined_total),
    }


_LEDGER_COLUMNS = {
    "_file": ("varchar", "The landed file the row came from (landing/<system>/<feed>/<file>)."),
    "_extract_date": ("date", "The file's extract date, from its name."),
    "_record_number": ("bigint", "The row's record number in its file."),
    "_line_number": ("bigint", "The statement's line number in its file."),
    "_loaded_at": ("timestamptz", "When the row was loaded."),
}


def raw_table_schema(contract: FeedContract) -> TableSchema:
    """The raw table's columns as the contract declares them (what the asset page shows)."""
    if contract.format == "jsonl":
        pii = ", ".join(contract.pii_fields)
        body = [
            TableColumn("statement_id", "varchar", description="The statement's id (an id seen twice is one statement)."),
            TableColumn(
                "statement", "varchar",
                description="The whole statement as JSON; required fields: " + ", ".join(contract.required_fields)
                + (f"; PII inside: {pii}" if pii else ""),
                tags={"pii": ""} if pii else {},
            ),
        ]
        meta = ["_file", "_extract_date", "_line_number", "_loaded_at"]
    else:
        body = []
        for c in contract.columns:
            notes = ["required" if c.required else "optional"]
            if c.pii:
                notes.append("PII: never published")
            if c.not_after_extract:
                notes.append("an event time: a row dated after the day after its extract date is quarantined")
            if c.name in contract.key:
                notes.append("key")
            if c.name == contract.version_column:
                notes.append("version: the latest wins")
            text = "; ".join(notes)
            body.append(TableColumn(c.name, c.type, description=text[:1].upper() + text[1:] + ".",
                                    tags={"pii": ""} if c.pii else {}))
        meta = ["_file", "_extract_date", "_record_number", "_loaded_at"]
    ledger = [TableColumn(name, _LEDGER_COLUMNS[name][0], description=_LEDGER_COLUMNS[name][1]) for name in meta]
    return TableSchema(columns=body + ledger)


def build_ingest_asset(contract: FeedContract) -> AssetsDefinition:
    where = f"`$IMPACT_CONFIG_DIR/{contract.path}`" if contract.root == "config" else (
        f"`$IMPACT_LANDING_DIR/{contract.system}/{contract.feed}/{contract.feed}_<YYYY-MM-DD>.{contract.format}[.gz]`"
    )

    @asset(
        key=raw_asset_key(contract),
        group_name=groups.RAW,
        description=f"{contract.description.strip()}\n\nRead from {where} ({contract.kind}); "
        f"contract: `sources/contracts/{contract.source_file.name}`.",
        kinds={"duckdb"},
        owners=["team:data-engineering"],
        tags={"system": contract.system, "feed_kind": contract.kind},
        deps=[LANDING_KEY, ERASURE_KEY],
        metadata={
            "contract": MetadataValue.path(str(contract.source_file)),
            "dagster/column_schema": raw_table_schema(contract),
            "dagster/table_name": f"warehouse.{contract.table}",
        },
    )
    def _ingest(context, duckdb: DuckDBResource, impact: ImpactSettings) -> MaterializeResult:
        settings = impact.settings()
        with duckdb.get_connection() as conn:
            try:
                result = load_feed(
                    conn, contract, settings.landing_dir, settings.config_dir, secret=settings.person_key_secret,
                    keep_lines=settings.max_quarantined_lines_per_file,
                    text_retention_days=settings.query_text_retention_days,
                )
            except FeedFailed as failed:
                raise Failure(description=str(failed), metadata=_metadata(failed.result)) from None
            if settings.engine == "spark":
                # The spark target reads raw from the lake: this feed's table, the ledger, the
                # quarantine and the retractions, as loaded.
                lake.export_tables(conn, settings.lake_dir, [contract.name, LEDGER_TABLE, QUARANTINE_TABLE, RETRACTIONS_TABLE])
        # The run summary totals the feeds in one line, and the loader names each file it
        # quarantined from; a feed's own line reaches the console when it retracted a file.
        (context.log.info if result.count("retracted") else context.log.debug)(
            f"{contract.name}: {result.count('loaded')} new, {result.count('replaced')} replaced, "
            f"{result.count('skipped')} unchanged, {result.count('retracted')} retracted file(s); "
            f"{result.rows_loaded} row(s) loaded, {result.rows_quarantined} quarantined"
        )
        return MaterializeResult(metadata=_metadata(result))

    return _ingest


def build_landing_asset() -> AssetsDefinition:
    """The landing folder as the run finds it. It fails the run, before any work, when
    the folder would publish emptiness (missing, empty, a required feed without a file),
    and warns about what no feed reads."""

    @asset(
        key=LANDING_KEY,
        group_name=groups.RAW,
        description="What `$IMPACT_LANDING_DIR` (and `$IMPACT_CONFIG_DIR/programs.csv`) hold: files and "
        "newest extract date per feed. A missing or empty folder, or a required feed without a file, "
        "fails the run before anything is loaded, so the last published marts stay in place.",
        kinds={"file"},
        owners=["team:data-engineering"],
        check_specs=[
            AssetCheckSpec(
                "landing_files_recognised",
                asset=LANDING_KEY,
                blocking=False,
                description="WARN when a file matches no feed's name pattern, or a link resolves outside "
                "the landing folder: neither is read, and neither goes unmentioned.",
            )
        ],
    )
    def landing_folder(context, impact: ImpactSettings):
        settings = impact.settings()
        contracts = load_contracts()
        found = survey(contracts, settings.landing_dir, settings.config_dir)
        try:
            check_landing(contracts, settings.landing_dir, settings.config_dir, found)
        except LandingError as error:
            raise Failure(description=str(error)) from None
        for path in found.unrecognised:
            context.log.warning(f"{shown(path)}: matches no feed's file name pattern; not read")
        for path in found.outside:
            context.log.warning(f"{shown(path)}: resolves outside the landing folder {settings.landing_dir}; not read")
        newest = {
            name: str(max(f.extract_date for f in files if f.extract_date))
            for name, files in found.files.items()
            if any(f.extract_date for f in files)
        }
        yield MaterializeResult(
            metadata={
                "landing_dir": MetadataValue.path(str(settings.landing_dir)),
                "files_per_feed": MetadataValue.json({name: len(files) for name, files in found.files.items()}),
                "newest_extract_per_feed": MetadataValue.json(newest),
                "unrecognised_files": MetadataValue.int(len(found.unrecognised)),
                "outside_links": MetadataValue.int(len(found.outside)),
            }
        )
        yield AssetCheckResult(
            check_name="landing_files_recognised",
            passed=not (found.unrecognised or found.outside),
            severity=AssetCheckSeverity.WARN,
            metadata={
                "unrecognised": MetadataValue.json([shown(p) for p in found.unrecognised[:50]]),
                "outside_landing_folder": MetadataValue.json([shown(p) for p in found.outside[:50]]),
            },
        )

    return landing_folder


def build_ingest_assets() -> list[AssetsDefinition]:
    return [build_landing_asset(), build_erasure_asset(), *(build_ingest_asset(c) for c in load_contracts())]
