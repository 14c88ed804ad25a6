"""Each expectation suite as a Dagster asset check on the asset it audits: blocking when
the suite's severity is ERROR, its results (and the rows a plausibility rule flags) in
the check's metadata, its Data Docs page linked."""

import json

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)
from dagster_duckdb import DuckDBResource

from ..resources import ImpactSettings
from .engine import SuiteOutcome, validate_suite
from .suites import SuiteSpec, load_suites


def describe_flagged(suite: SuiteSpec, rule: dict) -> str:
    """One line per plausibility rule: the rule, the count, the share, the verdict."""
    verdict = "within" if rule["passed"] else "ABOVE"
    line = (
        f"{suite.table}: {rule['flagged_rows']:,} of {rule['rows']:,} rows ({rule['share']:.2%}) {rule['rule']}; "
        f"{verdict} the {rule['tolerance']:.2%} tolerance"
    )
    if rule["flagged_rows"] and rule["sample_keys"]:
        line += f" (e.g. {', '.join(rule['sample_keys'])})"
    return line + ("; flagged rows are kept and left out of the KPIs they would corrupt" if rule["passed"] else "")


def _metadata(suite: SuiteSpec, outcome: SuiteOutcome) -> dict:
    return {
        "expectations_evaluated": MetadataValue.int(outcome.evaluated),
        "expectations_failed": MetadataValue.int(len(outcome.failures)),
        "failed_expectations": MetadataValue.json(outcome.failures),
        "flagged_rows": MetadataValue.json(
            {r["rule"]: {k: r[k] for k in ("flagged_rows", "rows", "share", "tolerance")} for r in outcome.flagged}
        ),
        "table": MetadataValue.text(suite.table),
        "rows_audited": MetadataValue.int(outcome.rows_audited),
        "audit_scope": MetadataValue.text(
            f"row rules: rows written after {outcome.audited_since}; keys: the whole table"
            if outcome.audited_since else "the whole table"
        ),
        **(
            {
                "data_docs_page": MetadataValue.path(str(outcome.page)),
                "data_docs": MetadataValue.url(outcome.page.as_uri()),
            }
            if outcome.page
            else {}
        ),
    }


def build_suite_check(suite: SuiteSpec) -> AssetChecksDefinition:
    @asset_check(
        asset=suite.asset_key,
        name=f"gx_{suite.name}",
        description=f"Great Expectations suite `{suite.name}` ({suite.severity}). {suite.description}",
        blocking=suite.blocking,
        metadata={"layer": suite.layer, "severity": suite.severity},
    )
    def _check(context: AssetCheckExecutionContext, duckdb: DuckDBResource, impact: ImpactSettings) -> AssetCheckResult:
        with duckdb.get_connection() as conn:
            outcome = validate_suite(conn, suite, impact.settings(), run_name=context.run.run_id)
        # Within tolerance, the run summary's table of flagged rows says it; the console
        # line is for a breach.
        for rule in outcome.flagged:
            (context.log.debug if rule["passed"] else context.log.error)(describe_flagged(suite, rule))
        for failure in outcome.failures:
            if not failure["rule"]:
                context.log.warning(f"{suite.name}: {failure['expectation']} failed: {json.dumps(failure, default=str)}")
        return AssetCheckResult(
            passed=outcome.success,
            severity=AssetCheckSeverity.ERROR if suite.blocking else AssetCheckSeverity.WARN,
            metadata=_metadata(suite, outcome),
        )

    return _check


def build_quality_checks(known_assets: set[AssetKey]) -> list[AssetChecksDefinition]:
    suites = load_suites()
    unknown = [s.name for s in suites if s.asset_key not in known_assets]
    if unknown:
        raise ValueError(f"expectation suites for assets that do not exist: {unknown}")
    return [build_suite_check(s) for s in suites]
