"""Freshness: a feed whose newest extract lags behind the landing folder warns.

The reference is the newest extract date of any feed (the landing folder's as-of),
not the wall clock, so that replaying historic drops does not cry wolf while a
feed that stopped arriving does stand out."""

from dagster import AssetCheckResult, AssetChecksDefinition, AssetCheckSeverity, MetadataValue, asset_check
from dagster_duckdb import DuckDBResource

from .assets import raw_asset_key
from .contracts import FeedContract, load_contracts
from .ledger import newest_extracts


def build_freshness_check(contract: FeedContract) -> AssetChecksDefinition:
    @asset_check(
        asset=raw_asset_key(contract),
        name="feed_is_fresh",
        blocking=False,
        description=f"WARN when the newest {contract.name} extract is more than {contract.cadence_days} days "
        "older than the newest extract of any feed"
        + (" (an optional feed never delivered passes)." if contract.optional else "."),
    )
    def _feed_is_fresh(duckdb: DuckDBResource) -> AssetCheckResult:
        with duckdb.get_connection() as conn:
            newest = newest_extracts(conn)
        mine = newest.get(contract.name)
        as_of = max(newest.values()) if newest else None
        lag_days = (as_of - mine).days if mine and as_of else None
        # An optional feed never delivered (a company without a search log) is not late;
        # one that stopped arriving is.
        never_delivered = mine is None and contract.optional
        return AssetCheckResult(
            passed=never_delivered or (lag_days is not None and lag_days <= contract.cadence_days),
            severity=AssetCheckSeverity.WARN,
            metadata={
                "newest_extract": MetadataValue.text(str(mine)),
                "landing_as_of": MetadataValue.text(str(as_of)),
                "lag_days": MetadataValue.int(lag_days if lag_days is not None else -1),
                "expected_cadence_days": MetadataValue.int(contract.cadence_days),
                "optional_feed_never_delivered": MetadataValue.bool(never_delivered),
            },
        )

    return _feed_is_fresh


def build_freshness_checks() -> list[AssetChecksDefinition]:
    return [build_freshness_check(c) for c in load_contracts() if c.cadence_days]
