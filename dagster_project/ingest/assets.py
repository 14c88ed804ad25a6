"""One raw asset per feed contract, all built by the same factory."""


from dagster import AssetKey, AssetsDefinition, Failure, MaterializeResult, MetadataValue, asset
from dagster_duckdb import DuckDBResource

from ..resources import ImpactSettings
from .contracts import FeedContract, load_contracts
from .loader import FeedFailed, FeedResult, load_feed


def raw_asset_key(contract: FeedContract) -> AssetKey:
    return AssetKey(["raw", contract.name])


def _metadata(result: FeedResult) -> dict:
    return {
        "table": MetadataValue.text(f"raw.{result.feed}"),
        "dagster/row_count": MetadataValue.int(result.table_rows),
        "files_loaded": MetadataValue.int(result.count("loaded")),
        "files_replaced": MetadataValue.int(result.count("replaced")),
        "files_skipped_unchanged": MetadataValue.int(result.count("skipped")),
        "rows_loaded_this_run": MetadataValue.int(result.rows_loaded),
        "rows_quarantined_this_run": MetadataValue.int(result.rows_quarantined),
        "rows_quarantined_total": MetadataValue.int(result.quarantined_total),
    }


def build_ingest_asset(contract: FeedContract) -> AssetsDefinition:
    where = f"`$IMPACT_CONFIG_DIR/{contract.path}`" if contract.root == "config" else (
        f"`$IMPACT_LANDING_DIR/{contract.system}/{contract.feed}/{contract.feed}_<YYYY-MM-DD>.{contract.format}[.gz]`"
    )

    @asset(
        key=raw_asset_key(contract),
        group_name="raw",
        description=f"{contract.description.strip()}\n\nRead from {where} ({contract.kind}); "
        f"contract: `sources/contracts/{contract.source_file.name}`.",
        kinds={"duckdb"},
        owners=["team:data-engineering"],
        tags={"system": contract.system, "feed_kind": contract.kind},
        metadata={"contract": MetadataValue.path(str(contract.source_file))},
    )
    def _ingest(context, duckdb: DuckDBResource, impact: ImpactSettings) -> MaterializeResult:
        settings = impact.settings()
        with duckdb.get_connection() as conn:
            try:
                result = load_feed(conn, contract, settings.landing_dir, settings.config_dir)
            except FeedFailed as failed:
                raise Failure(description=str(failed), metadata=_metadata(failed.result)) from None
        context.log.info(
            f"{contract.name}: {result.count('loaded')} new, {result.count('replaced')} replaced, "
            f"{result.count('skipped')} unchanged file(s); {result.rows_loaded} row(s) loaded, "
            f"{result.rows_quarantined} quarantined"
        )
        return MaterializeResult(metadata=_metadata(result))

    return _ingest


def build_ingest_assets() -> list[AssetsDefinition]:
    return [build_ingest_asset(c) for c in load_contracts()]
